//! MobileNetV1's depthwise-separable block: 3×3 depthwise conv → ReLU6 → 1×1 pointwise conv →
//! ReLU6, both with bias (TensorFlow's export folds batch norm into them) and "SAME" padding.

use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::activation::relu6;

use super::conv::conv2d_same;

/// Configuration of a [`DepthwiseSeparable`] block.
#[derive(Config, Debug)]
pub struct DepthwiseSeparableConfig {
    pub in_channels: usize,
    pub out_channels: usize,
    /// Stride of the depthwise conv. Default: 1.
    #[config(default = 1)]
    pub stride: usize,
}

#[derive(Module, Debug)]
pub struct DepthwiseSeparable {
    /// `[C, 1, 3, 3]`, groups = C.
    pub depthwise: Conv2d,
    /// `[out, C, 1, 1]`.
    pub pointwise: Conv2d,
}

impl DepthwiseSeparableConfig {
    pub fn init(&self, device: &Device) -> DepthwiseSeparable {
        let c = self.in_channels;
        DepthwiseSeparable {
            depthwise: conv2d_same([c, c], 3, self.stride, c, device),
            pointwise: conv2d_same([c, self.out_channels], 1, 1, 1, device),
        }
    }
}

impl DepthwiseSeparable {
    /// `[batch, in, h, w]` → `[batch, out, ⌈h/stride⌉, ⌈w/stride⌉]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = relu6(self.depthwise.forward(x));
        relu6(self.pointwise.forward(x))
    }
}
