//! Multibox heads: a loc conv and a conf conv per source (3×3 in SSD and the authors' ASSD,
//! 1×1 in TensorFlow's SSD-MobileNet).

use burn::nn::conv::Conv2d;
use burn::prelude::*;

use super::conv2d;

/// Configuration of [`MultiboxHeads`].
#[derive(Config, Debug)]
pub struct MultiboxHeadsConfig {
    /// Channels of each source.
    pub channels: Vec<usize>,
    /// Boxes per location of each source.
    pub boxes: Vec<usize>,
    /// Classes including background.
    pub num_classes: usize,
    /// Kernel side (padding kernel/2). Default: 3.
    #[config(default = 3)]
    pub kernel: usize,
}

#[derive(Module, Debug)]
pub struct MultiboxHeads {
    /// The authors' `locs_layers`.
    pub loc: Vec<Conv2d>,
    /// The authors' `conf_layers`.
    pub conf: Vec<Conv2d>,
    pub num_classes: usize,
}

impl MultiboxHeadsConfig {
    pub fn init(&self, device: &Device) -> MultiboxHeads {
        let make = |per_box: usize| {
            self.channels
                .iter()
                .zip(&self.boxes)
                .map(|(&c, &b)| {
                    conv2d(
                        [c, b * per_box],
                        self.kernel,
                        1,
                        self.kernel / 2,
                        true,
                        device,
                    )
                })
                .collect()
        };
        MultiboxHeads {
            loc: make(4),
            conf: make(self.num_classes),
            num_classes: self.num_classes,
        }
    }
}

impl MultiboxHeads {
    /// Sources `[batch, C_k, H_k, W_k]` → (loc `[batch, P, 4]`, conf logits `[batch, P, classes]`)
    /// with prior index offset_k + (y·W_k + x)·boxes_k + a.
    pub fn forward(&self, sources: &[Tensor<4>]) -> (Tensor<3>, Tensor<3>) {
        let flatten = |conv: &Conv2d, x: &Tensor<4>, per_box: usize| {
            let [b, _, _, _] = x.dims();
            conv.forward(x.clone())
                .permute([0, 2, 3, 1])
                .reshape([b as i64, -1, per_box as i64])
        };
        let loc = sources
            .iter()
            .zip(&self.loc)
            .map(|(x, c)| flatten(c, x, 4))
            .collect();
        let conf = sources
            .iter()
            .zip(&self.conf)
            .map(|(x, c)| flatten(c, x, self.num_classes))
            .collect();
        (Tensor::cat(loc, 1), Tensor::cat(conf, 1))
    }
}
