//! torchvision ResNet-101 without its classifier; returns conv3_x, conv4_x and conv5_x.

use burn::nn::conv::Conv2d;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::batch_norm::batch_norm;
use super::bottleneck::{Bottleneck, BottleneckConfig};
use super::conv::conv2d;

/// Configuration of [`ResNet101`].
#[derive(Config, Debug)]
pub struct ResNet101Config {
    /// Bottlenecks per stage. Default: [3, 4, 23, 3] (ResNet-101).
    #[config(default = "[3, 4, 23, 3]")]
    pub blocks: [usize; 4],
}

/// Stem + four bottleneck stages, named as torchvision names them.
#[derive(Module, Debug)]
pub struct ResNet101 {
    pub conv1: Conv2d,
    /// None once folded into `conv1` for inference ([`crate::model::fold`]).
    pub bn1: Option<BatchNorm>,
    pub maxpool: MaxPool2d,
    pub layer1: Vec<Bottleneck>,
    pub layer2: Vec<Bottleneck>,
    pub layer3: Vec<Bottleneck>,
    pub layer4: Vec<Bottleneck>,
}

impl ResNet101Config {
    pub fn init(&self, device: &Device) -> ResNet101 {
        let mut in_channels = 64;
        let mut stage = |planes: usize, blocks: usize, stride: usize| {
            (0..blocks)
                .map(|b| {
                    let block = BottleneckConfig::new(in_channels, planes)
                        .with_stride(if b == 0 { stride } else { 1 })
                        .init(device);
                    in_channels = planes * 4;
                    block
                })
                .collect::<Vec<_>>()
        };
        let layer1 = stage(64, self.blocks[0], 1);
        let layer2 = stage(128, self.blocks[1], 2);
        let layer3 = stage(256, self.blocks[2], 2);
        let layer4 = stage(512, self.blocks[3], 2);
        ResNet101 {
            conv1: conv2d([3, 64], 7, 2, 3, false, device),
            bn1: Some(BatchNormConfig::new(64).init(device)),
            // Inputs are post-ReLU (≥ 0), so zero padding equals PyTorch's −∞ padding here.
            maxpool: MaxPool2dConfig::new([3, 3])
                .with_strides([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(),
            layer1,
            layer2,
            layer3,
            layer4,
        }
    }
}

impl ResNet101 {
    /// `[batch, 3, s, s]` → `[conv3_x [b,512,·,·], conv4_x [b,1024,·,·], conv5_x [b,2048,·,·]]`
    /// (65, 33, 17 for s = 513).
    pub fn forward(&self, x: Tensor<4>) -> [Tensor<4>; 3] {
        let x = relu(batch_norm(self.bn1.as_ref(), self.conv1.forward(x)));
        let x = self.maxpool.forward(x);
        let run = |x: Tensor<4>, layer: &[Bottleneck]| layer.iter().fold(x, |x, b| b.forward(x));
        let x = run(x, &self.layer1);
        let c3 = run(x, &self.layer2);
        let c4 = run(c3.clone(), &self.layer3);
        let c5 = run(c4.clone(), &self.layer4);
        [c3, c4, c5]
    }
}
