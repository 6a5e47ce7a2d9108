//! MobileNetV1 (Howard et al.) as TensorFlow's COCO SSD-MobileNet uses it: depth multiplier
//! 0.75, a 3×3 stride-2 conv then 13 depthwise-separable blocks, ReLU6 after every conv
//! (the quantized export expresses most of them only through its [0, 6] output range), and
//! TensorFlow "SAME" padding: on even inputs a stride-2 layer pads one row/column at the
//! bottom/right only. Burn's `PaddingConfig2d::Same` computes exactly that rule per forward.

use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::activation::relu6;

use super::conv::conv2d_same;
use super::depthwise_separable::{DepthwiseSeparable, DepthwiseSeparableConfig};
use crate::config::mobilenet_layers::{MOBILENET_CHANNELS, MOBILENET_STRIDES as STRIDES};

/// Configuration of [`MobileNetV1`] (the layout is fixed: depth 0.75).
#[derive(Config, Debug)]
pub struct MobileNetV1Config {}

#[derive(Module, Debug)]
pub struct MobileNetV1 {
    /// `Conv2d_0`: 3 → 24, 3×3, stride 2.
    pub conv0: Conv2d,
    /// `Conv2d_1` … `Conv2d_13` (index i − 1).
    pub blocks: Vec<DepthwiseSeparable>,
}

impl MobileNetV1Config {
    pub fn init(&self, device: &Device) -> MobileNetV1 {
        let c = MOBILENET_CHANNELS;
        MobileNetV1 {
            conv0: conv2d_same([3, c[0]], 3, STRIDES[0], 1, device),
            blocks: (1..14)
                .map(|i| {
                    DepthwiseSeparableConfig::new(c[i - 1], c[i])
                        .with_stride(STRIDES[i])
                        .init(device)
                })
                .collect(),
        }
    }
}

impl MobileNetV1 {
    /// `[batch, 3, 300, 300]` → `[Conv2d_11_pointwise [b, 384, 19, 19],
    /// Conv2d_13_pointwise [b, 768, 10, 10]]` (sizes at 300 px).
    pub fn forward(&self, x: Tensor<4>) -> [Tensor<4>; 2] {
        let mut x = relu6(self.conv0.forward(x));
        let mut tap = None;
        for (i, block) in self.blocks.iter().enumerate() {
            x = block.forward(x);
            if i + 1 == 11 {
                tap = Some(x.clone());
            }
        }
        let stride16 = tap.expect("MobileNetV1 has 13 blocks, so block 11 is always reached");
        [stride16, x]
    }
}
