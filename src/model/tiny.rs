//! A small VGG-style backbone for quick experiments and CPU training (not in the paper):
//! five 3×3 convs with ReLU and 2×2 max pools, tapping stride 8 (64 channels) and stride 16
//! (128 channels). About 0.1 M parameters against VGG16's 20 M.

use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::conv::conv3x3_stack;
use burn::nn::conv::Conv2d;

/// Output channels of the five convs; a pool follows convs 0, 1, 3 and 4.
pub const TINY_CHANNELS: [usize; 5] = [16, 32, 64, 64, 128];

/// Configuration of [`TinyBackbone`] (no options: the layout is fixed).
#[derive(Config, Debug)]
pub struct TinyBackboneConfig {}

#[derive(Module, Debug)]
pub struct TinyBackbone {
    pub convs: Vec<Conv2d>,
    pub pool: MaxPool2d,
}

impl TinyBackboneConfig {
    pub fn init(&self, device: &Device) -> TinyBackbone {
        let convs = conv3x3_stack(&TINY_CHANNELS, device);
        TinyBackbone {
            convs,
            pool: MaxPool2dConfig::new([2, 2]).init(),
        }
    }
}

impl TinyBackbone {
    /// `[batch, 3, s, s]` → `[stride-8 [b, 64, s/8, s/8], stride-16 [b, 128, s/16, s/16]]`.
    pub fn forward(&self, x: Tensor<4>) -> [Tensor<4>; 2] {
        let mut x = x;
        let mut tap = None;
        for (i, conv) in self.convs.iter().enumerate() {
            x = relu(conv.forward(x));
            if i == 3 {
                x = self.pool.forward(x);
                tap = Some(x.clone());
            } else if i != 2 {
                x = self.pool.forward(x);
            }
        }
        let stride8 = tap.expect("the tiny backbone has 5 convs, so index 3 is always reached");
        [stride8, x]
    }
}
