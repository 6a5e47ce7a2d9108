//! Where a configuration's prior boxes come from: generated per scale from a [`ScaleSpec`], or
//! stored.

use serde::{Deserialize, Serialize};

/// Where the prior (anchor) boxes come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub enum PriorLayout {
    /// Generated from [`AssdConfig::scales`](crate::config::AssdConfig::scales) as the authors'
    /// `PriorBox` does.
    #[default]
    Generated,
    /// Stored boxes `[cy, cx, h, w]` (normalised), `per_location[k]` at every cell of scale
    /// k, in head order (scale, row, column, box).
    Stored {
        per_location: Vec<usize>,
        boxes: Vec<[f32; 4]>,
    },
}

/// Prior-box specification of one prediction scale, in input pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleSpec {
    pub min_size: f64,
    pub max_size: f64,
    /// Extra aspect ratios; each adds a wide and a tall box.
    pub aspect_ratios: Vec<f64>,
    /// Grid step in input pixels (the authors' `steps`; not necessarily input/feature size).
    pub step: f64,
}

impl ScaleSpec {
    /// Boxes per location: the min box, the sqrt(min·max) box, and two per aspect ratio.
    pub fn boxes_per_location(&self) -> usize {
        2 + 2 * self.aspect_ratios.len()
    }
}

/// SSD-style scales from min/max sizes, steps and aspect ratios.
pub(crate) fn ssd_scales(sizes: &[f64], steps: &[f64], ars: &[&[f64]]) -> Vec<ScaleSpec> {
    (0..steps.len())
        .map(|k| ScaleSpec {
            min_size: sizes[k],
            max_size: sizes[k + 1],
            aspect_ratios: ars[k].to_vec(),
            step: steps[k],
        })
        .collect()
}
