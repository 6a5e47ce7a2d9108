//! SSD's L2Norm on VGG conv4_3: per-location channel L2 normalisation with a learned scale.

use burn::module::Param;
use burn::prelude::*;

/// Configuration of [`L2Norm`].
#[derive(Config, Debug)]
pub struct L2NormConfig {
    pub channels: usize,
    /// Initial per-channel scale. Default: 20 (SSD).
    #[config(default = 20.0)]
    pub scale: f32,
    /// Added to the norm to avoid division by zero. Default: 1e-10 (SSD).
    #[config(default = 1e-10)]
    pub eps: f32,
}

#[derive(Module, Debug)]
pub struct L2Norm {
    pub weight: Param<Tensor<1>>,
    pub eps: f32,
}

impl L2NormConfig {
    pub fn init(&self, device: &Device) -> L2Norm {
        L2Norm {
            weight: Param::from_tensor(Tensor::full([self.channels], self.scale, device)),
            eps: self.eps,
        }
    }
}

impl L2Norm {
    /// `[batch, channels, h, w]` → same shape.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [_, c, _, _] = x.dims();
        let norm = x
            .clone()
            .powi_scalar(2)
            .sum_dim(1)
            .sqrt()
            .add_scalar(self.eps);
        let w = self.weight.val().reshape([1, c, 1, 1]);
        x.div(norm).mul(w)
    }
}
