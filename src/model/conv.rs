//! The convolution constructors the layers share: PyTorch-style explicit padding, TensorFlow
//! "SAME" padding, and plain 3×3 stacks.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};

/// A square convolution as PyTorch's `nn.Conv2d(in, out, k, stride, padding, bias)`.
pub(crate) fn conv2d(
    channels: [usize; 2],
    kernel: usize,
    stride: usize,
    padding: usize,
    bias: bool,
    device: &burn::tensor::Device,
) -> Conv2d {
    Conv2dConfig::new(channels, [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(
            padding, padding, padding, padding,
        ))
        .with_bias(bias)
        .init(device)
}

/// A convolution with TensorFlow "SAME" padding (Burn computes TF's rule: the odd extra
/// row/column goes at the bottom/right), with bias, `groups` = 1 or the channel count.
pub(crate) fn conv2d_same(
    channels: [usize; 2],
    kernel: usize,
    stride: usize,
    groups: usize,
    device: &burn::tensor::Device,
) -> Conv2d {
    Conv2dConfig::new(channels, [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Same)
        .with_groups(groups)
        .init(device)
}

/// A chain of 3×3, stride-1, padding-1 convolutions (with bias) from an RGB input through
/// `channels`: the plain conv stacks of VGG and the tiny backbone.
pub(crate) fn conv3x3_stack(channels: &[usize], device: &burn::tensor::Device) -> Vec<Conv2d> {
    let mut in_channels = 3;
    channels
        .iter()
        .map(|&out| {
            let conv = conv2d([in_channels, out], 3, 1, 1, true, device);
            in_channels = out;
            conv
        })
        .collect()
}
