//! ASSD's self-attention unit: softmax(fᵀg) over keys, `x + h·βᵀ`, no γ and no 1/√d.

use burn::nn::Initializer;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::prelude::*;
use burn::tensor::activation::softmax;

use super::conv::conv2d;

/// Configuration of an [`AttentionUnit`].
#[derive(Config, Debug)]
pub struct AttentionUnitConfig {
    /// Channels C of the feature map.
    pub channels: usize,
    /// Query/key channels are C / reduction. Default: 8.
    #[config(default = 8)]
    pub reduction: usize,
    /// Start the value conv at zero, so the unit is the identity until trained (for adding
    /// attention to a pretrained SSD). Default: false (PyTorch's default init).
    #[config(default = false)]
    pub identity_init: bool,
}

/// Query f (`conv1`), key g (`conv2`) and value h (`conv3`), all 1×1 without bias.
#[derive(Module, Debug)]
pub struct AttentionUnit {
    pub query: Conv2d,
    pub key: Conv2d,
    pub value: Conv2d,
}

/// What an [`AttentionUnit`] computes.
#[derive(Debug, Clone)]
pub struct AttentionOutput {
    /// `x + attended values`, `[batch, channels, height, width]`.
    pub output: Tensor<4>,
    /// β, `[batch, N, N]` with N = height·width and n = y·width + x; row n (query n) sums to 1
    /// over the keys.
    pub attention: Tensor<3>,
}

impl AttentionUnitConfig {
    pub fn init(&self, device: &Device) -> AttentionUnit {
        let reduced = (self.channels / self.reduction).max(1);
        AttentionUnit {
            query: conv2d([self.channels, reduced], 1, 1, 0, false, device),
            key: conv2d([self.channels, reduced], 1, 1, 0, false, device),
            value: if self.identity_init {
                Conv2dConfig::new([self.channels, self.channels], [1, 1])
                    .with_bias(false)
                    .with_initializer(Initializer::Zeros)
                    .init(device)
            } else {
                conv2d([self.channels, self.channels], 1, 1, 0, false, device)
            },
        }
    }
}

impl AttentionUnit {
    /// `[batch, channels, height, width]` → [`AttentionOutput`].
    pub fn forward(&self, x: Tensor<4>) -> AttentionOutput {
        let [b, c, h, w] = x.dims();
        let n = h * w;
        let f = self.query.forward(x.clone());
        let reduced = f.dims()[1];
        let f = f.reshape([b, reduced, n]);
        let g = self.key.forward(x.clone()).reshape([b, reduced, n]);
        let v = self.value.forward(x.clone()).reshape([b, c, n]);
        let logits = f.swap_dims(1, 2).matmul(g);
        let attention = softmax(logits, 2);
        let attended = v
            .matmul(attention.clone().swap_dims(1, 2))
            .reshape([b, c, h, w]);
        AttentionOutput {
            output: attended + x,
            attention,
        }
    }
}
