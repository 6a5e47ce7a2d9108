//! ASSD's semantic fusion block: three sources projected to 256 channels, the coarser two
//! upsampled bilinearly (aligned corners) to the finest, concatenated, BN, 1×1 conv, ReLU.

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, BatchNormConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::batch_norm::batch_norm;
use super::conv::conv2d;
use super::upsample::bilinear_align_corners;
use crate::config::fusion::{FUSION_LATERAL_CHANNELS, FUSION_OUT_CHANNELS};

/// Configuration of [`Fusion`].
#[derive(Config, Debug)]
pub struct FusionConfig {
    /// Channels of the three fused maps, finest first (ResNet: 512, 1024, 2048).
    pub in_channels: [usize; 3],
    /// Channels of each projected map. Default: 256.
    #[config(default = "FUSION_LATERAL_CHANNELS")]
    pub lateral_channels: usize,
    /// Output channels. Default: 512.
    #[config(default = "FUSION_OUT_CHANNELS")]
    pub out_channels: usize,
}

#[derive(Module, Debug)]
pub struct Fusion {
    /// The authors' `fusion_layers.{0,1,2}` (1×1 convs with bias).
    pub lateral: Vec<Conv2d>,
    /// `fusion_bn` over the concatenation.
    pub bn: BatchNorm,
    /// `fusion_conv`, 1×1 with bias.
    pub conv: Conv2d,
}

impl FusionConfig {
    pub fn init(&self, device: &Device) -> Fusion {
        let lateral = self
            .in_channels
            .iter()
            .map(|&c| conv2d([c, self.lateral_channels], 1, 1, 0, true, device))
            .collect();
        let cat = 3 * self.lateral_channels;
        Fusion {
            lateral,
            bn: BatchNormConfig::new(cat).init(device),
            conv: conv2d([cat, self.out_channels], 1, 1, 0, true, device),
        }
    }
}

impl Fusion {
    /// Three maps `[batch, in_channels[i], h_i, w_i]` (finest first) →
    /// `[batch, out_channels, h_0, w_0]`.
    pub fn forward(&self, maps: [Tensor<4>; 3]) -> Tensor<4> {
        let [_, _, h, w] = maps[0].dims();
        let parts = maps
            .into_iter()
            .zip(&self.lateral)
            .map(|(x, conv)| bilinear_align_corners(conv.forward(x), [h, w]))
            .collect();
        relu(
            self.conv
                .forward(batch_norm(Some(&self.bn), Tensor::cat(parts, 1))),
        )
    }
}
