//! VGG16 as SSD uses it: 13 convs, pool3 in ceil mode, pool5 3×3/1, dilated conv6, conv7.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::conv::{conv2d, conv3x3_stack};
use super::l2norm::{L2Norm, L2NormConfig};
use crate::config::vgg::VGG16_CHANNELS;

/// Configuration of [`Vgg16`].
#[derive(Config, Debug)]
pub struct Vgg16Config {
    /// Apply SSD's L2Norm (scale 20) to conv4_3 before it becomes a source. Default: true.
    #[config(default = true)]
    pub l2norm: bool,
}

#[derive(Module, Debug)]
pub struct Vgg16 {
    /// conv1_1 … conv5_3.
    pub convs: Vec<Conv2d>,
    pub conv6: Conv2d,
    pub conv7: Conv2d,
    pub l2norm: Option<L2Norm>,
    pub pool: MaxPool2d,
    pub pool_ceil: MaxPool2d,
    pub pool5: MaxPool2d,
}

impl Vgg16Config {
    pub fn init(&self, device: &Device) -> Vgg16 {
        let convs = conv3x3_stack(&VGG16_CHANNELS, device);
        Vgg16 {
            convs,
            conv6: Conv2dConfig::new([512, 1024], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(6, 6, 6, 6))
                .with_dilation([6, 6])
                .init(device),
            conv7: conv2d([1024, 1024], 1, 1, 0, true, device),
            l2norm: self.l2norm.then(|| L2NormConfig::new(512).init(device)),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            pool_ceil: MaxPool2dConfig::new([2, 2]).with_ceil_mode(true).init(),
            pool5: MaxPool2dConfig::new([3, 3])
                .with_strides([1, 1])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(),
        }
    }
}

impl Vgg16 {
    /// `[batch, 3, s, s]` → `[conv4_3 [b,512,·,·] (L2-normed), conv7 [b,1024,·,·]]`
    /// (38 and 19 for s = 300).
    pub fn forward(&self, x: Tensor<4>) -> [Tensor<4>; 2] {
        // Pools follow conv1_2, conv2_2, conv3_3 (ceil mode) and conv4_3; pool5 follows conv5_3.
        let mut x = x;
        let mut conv4_3 = None;
        for (i, conv) in self.convs.iter().enumerate() {
            x = relu(conv.forward(x));
            match i {
                1 | 3 => x = self.pool.forward(x),
                6 => x = self.pool_ceil.forward(x),
                9 => {
                    conv4_3 = Some(x.clone());
                    x = self.pool.forward(x);
                }
                _ => {}
            }
        }
        let x = self.pool5.forward(x);
        let x = relu(self.conv6.forward(x));
        let conv7 = relu(self.conv7.forward(x));
        let conv4_3 = conv4_3.expect("VGG16 has 13 convs, so index 9 is always reached");
        let conv4_3 = match &self.l2norm {
            Some(norm) => norm.forward(conv4_3),
            None => conv4_3,
        };
        [conv4_3, conv7]
    }
}
