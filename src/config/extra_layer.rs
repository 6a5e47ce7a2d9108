//! The extra layers after the backbone: one convolution's spec, the non-linearity after each,
//! and the (squeeze, source) pairs most presets stack.

use serde::{Deserialize, Serialize};

use super::conv_arithmetic::{conv_out, same_out};

/// Non-linearity after every extra layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Activation {
    #[default]
    Relu,
    /// `min(max(x, 0), 6)` (MobileNet).
    Relu6,
}

/// One extra convolution after the backbone (followed by the configured activation, and BN
/// when [`AssdConfig::extras_batch_norm`](crate::config::AssdConfig::extras_batch_norm) is set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraLayer {
    pub out_channels: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
    /// Whether this layer's output is a prediction source.
    pub source: bool,
    /// TensorFlow "SAME" padding (extra row/column at the bottom/right when the total is odd)
    /// instead of `padding`.
    #[serde(default)]
    pub same_padding: bool,
}

impl ExtraLayer {
    pub const fn new(out_channels: usize, kernel: usize, stride: usize, padding: usize) -> Self {
        Self {
            out_channels,
            kernel,
            stride,
            padding,
            source: false,
            same_padding: false,
        }
    }

    pub const fn source(mut self) -> Self {
        self.source = true;
        self
    }

    pub const fn same(mut self) -> Self {
        self.same_padding = true;
        self
    }

    /// Output side for an input of side `size`.
    pub(crate) fn out_size(&self, size: i64) -> i64 {
        if self.same_padding {
            same_out(size, self.stride)
        } else {
            conv_out(size, self.kernel, self.stride, self.padding, 1)
        }
    }
}

/// Extra layers as (1×1 squeeze, k×k source) pairs: `(mid, out, kernel, stride, padding)`.
pub(crate) fn extra_pairs(pairs: &[(usize, usize, usize, usize, usize)]) -> Vec<ExtraLayer> {
    pairs
        .iter()
        .flat_map(|&(mid, out, kernel, stride, padding)| {
            [
                ExtraLayer::new(mid, 1, 1, 0),
                ExtraLayer::new(out, kernel, stride, padding).source(),
            ]
        })
        .collect()
}
