//! Multibox heads: a loc conv and a conf conv per source (3×3 in SSD and the authors' ASSD,
//! 1×1 in TensorFlow's SSD-MobileNet).

use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;

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
                    super::conv::conv2d(
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
        let flatten = |y: Tensor<4>, per_box: usize| {
            let [b, _, _, _] = y.dims();
            y.permute([0, 2, 3, 1])
                .reshape([b as i64, -1, per_box as i64])
        };
        let (loc, conf): (Vec<_>, Vec<_>) = sources
            .iter()
            .zip(self.loc.iter().zip(&self.conf))
            .map(|(x, (loc, conf))| {
                let (l, c) = loc_and_conf(loc, conf, x.clone());
                (flatten(l, 4), flatten(c, self.num_classes))
            })
            .unzip();
        (Tensor::cat(loc, 1), Tensor::cat(conf, 1))
    }
}

/// Both heads of one source, `[batch, C, H, W]` → (`[batch, loc channels, H', W']`,
/// `[batch, conf channels, H', W']`). They read the same input with the same kernel, so their
/// filters are stacked into one convolution: the input is unfolded once instead of twice and
/// the few loc filters (16-24) no longer make a thin matrix product of their own. Same sums per
/// output as two convolutions.
fn loc_and_conf(loc: &Conv2d, conf: &Conv2d, x: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
    use burn::nn::PaddingConfig2d;
    let [_, _, h, w] = x.dims();
    let padding = match loc.padding {
        PaddingConfig2d::Valid => Some([(0, 0), (0, 0)]),
        PaddingConfig2d::Explicit(top, left, bottom, right) => Some([(top, bottom), (left, right)]),
        // TensorFlow's rule, as Burn applies it (ASSD-MobileNet's 1×1 heads: none).
        PaddingConfig2d::Same => Some([
            same_padding(h, loc.kernel_size[0], loc.stride[0], loc.dilation[0]),
            same_padding(w, loc.kernel_size[1], loc.stride[1], loc.dilation[1]),
        ]),
    };
    let same_geometry = loc.kernel_size == conf.kernel_size
        && loc.stride == conf.stride
        && loc.dilation == conf.dilation
        && loc.groups == conf.groups
        && loc.padding == conf.padding
        && loc.bias.is_some() == conf.bias.is_some();
    // A 1×1 stride-1 unpadded convolution multiplies its input in place (no im2col to share),
    // so stacking would only copy the filters on every pass (1.7 MB for ASSD-MobileNet's
    // second source).
    let pointwise =
        loc.kernel_size == [1, 1] && loc.stride == [1, 1] && padding == Some([(0, 0), (0, 0)]);
    let Some(padding) = padding.filter(|_| same_geometry && !pointwise) else {
        return (loc.forward(x.clone()), conf.forward(x));
    };
    let options = ConvOptions::new_with_padding(loc.stride, padding, loc.dilation, loc.groups);
    let weight = Tensor::cat(vec![loc.weight.val(), conf.weight.val()], 0);
    let bias = match (&loc.bias, &conf.bias) {
        (Some(l), Some(c)) => Some(Tensor::cat(vec![l.val(), c.val()], 0)),
        _ => None,
    };
    let both = conv2d(x, weight, bias, options);
    let [_, channels, _, _] = both.dims();
    let loc_channels = loc.weight.dims()[0];
    (
        both.clone().narrow(1, 0, loc_channels),
        both.narrow(1, loc_channels, channels - loc_channels),
    )
}

/// TensorFlow's "SAME" padding (before, after) of one axis: the output is ⌈len / stride⌉ long
/// and the odd extra row or column goes after.
fn same_padding(len: usize, kernel: usize, stride: usize, dilation: usize) -> (usize, usize) {
    let out = len.div_ceil(stride.max(1));
    let reach = dilation * (kernel.max(1) - 1) + 1;
    let total = ((out.max(1) - 1) * stride + reach).saturating_sub(len);
    (total / 2, total - total / 2)
}

#[cfg(test)]
mod tests {
    use super::same_padding;

    /// TensorFlow's SAME: ⌈len / stride⌉ outputs; the odd extra padding goes after.
    #[test]
    fn same_padding_is_tensorflows() {
        assert_eq!(same_padding(150, 3, 2, 1), (0, 1));
        assert_eq!(same_padding(19, 3, 2, 1), (1, 1));
        assert_eq!(same_padding(19, 3, 1, 1), (1, 1));
        assert_eq!(same_padding(10, 1, 1, 1), (0, 0));
        assert_eq!(same_padding(1, 3, 1, 1), (1, 1));
        assert_eq!(same_padding(8, 4, 1, 1), (1, 2));
        assert_eq!(same_padding(9, 3, 1, 2), (2, 2));
    }
}
