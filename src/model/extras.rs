//! One extra layer after the backbone: conv (bias) → optional BN → ReLU or ReLU6.

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, BatchNormConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, relu6};

use super::batch_norm::batch_norm;
use super::conv::{conv2d, conv2d_same};
use crate::config::extra_layer::Activation;

/// Configuration of an [`ExtraBlock`].
#[derive(Config, Debug)]
pub struct ExtraBlockConfig {
    pub in_channels: usize,
    pub out_channels: usize,
    pub kernel: usize,
    /// Default: 1.
    #[config(default = 1)]
    pub stride: usize,
    /// Default: 0.
    #[config(default = 0)]
    pub padding: usize,
    /// BatchNorm after the conv (the authors' ResNet extras have it). Default: true.
    #[config(default = true)]
    pub batch_norm: bool,
    /// TensorFlow "SAME" padding instead of `padding`. Default: false.
    #[config(default = false)]
    pub same_padding: bool,
    /// Default: ReLU.
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
}

#[derive(Module, Debug)]
pub struct ExtraBlock {
    pub conv: Conv2d,
    pub bn: Option<BatchNorm>,
    #[module(skip)]
    pub activation: Activation,
}

impl ExtraBlockConfig {
    pub fn init(&self, device: &Device) -> ExtraBlock {
        let channels = [self.in_channels, self.out_channels];
        ExtraBlock {
            conv: if self.same_padding {
                conv2d_same(channels, self.kernel, self.stride, 1, device)
            } else {
                conv2d(
                    channels,
                    self.kernel,
                    self.stride,
                    self.padding,
                    true,
                    device,
                )
            },
            bn: self
                .batch_norm
                .then(|| BatchNormConfig::new(self.out_channels).init(device)),
            activation: self.activation,
        }
    }
}

impl ExtraBlock {
    /// `[batch, in_channels, h, w]` → `[batch, out_channels, h', w']`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = self.conv.forward(x);
        let x = batch_norm(self.bn.as_ref(), x);
        match self.activation {
            Activation::Relu => relu(x),
            Activation::Relu6 => relu6(x),
        }
    }
}
