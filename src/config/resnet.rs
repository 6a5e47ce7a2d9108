//! The authors' family: ResNet-101 ASSD (ASSD513 is their released configuration).

use super::assd_config::AssdConfig;
use super::backbone::BackboneKind;
use super::extra_layer::{ExtraLayer, extra_pairs};
use super::priors::ScaleSpec;

/// Min/max prior sizes as fractions of the input (the authors' ratios for ASSD513).
const ASSD_RATIOS: [f64; 8] = [0.04, 0.10, 0.26, 0.42, 0.58, 0.74, 0.90, 1.06];

impl AssdConfig {
    /// The authors' released configuration: ResNet-101, 513 px, 25,844 priors.
    pub fn assd513() -> Self {
        let scales = assd_scales(513, &[65, 33, 17, 9, 5, 3, 1]);
        Self::new(
            "assd513".into(),
            BackboneKind::ResNet101,
            513,
            resnet_extras(3),
            scales,
        )
    }

    /// ASSD321 (no released code). The authors' extra stack needs ≥ 513 px (its last unpadded
    /// 3×3 conv would see a 2×2 map), so the last extra conv here is 2×2 unpadded instead; all
    /// other layers are as in ASSD513. Maps 41, 21, 11, 6, 3, 2, 1 give 10,386 priors against
    /// the paper's 10,325, a count no 4/6-box layout reaches.
    pub fn assd321() -> Self {
        let scales = assd_scales(321, &[41, 21, 11, 6, 3, 2, 1]);
        Self::new(
            "assd321".into(),
            BackboneKind::ResNet101,
            321,
            resnet_extras(2),
            scales,
        )
    }
}

/// The authors' ResNet extra stack; `last_kernel` is 3 for ASSD513 (unpadded 3×3 on 3×3).
fn resnet_extras(last_kernel: usize) -> Vec<ExtraLayer> {
    extra_pairs(&[
        (512, 1024, 3, 2, 1),
        (256, 512, 3, 2, 1),
        (128, 256, 3, 2, 1),
        (128, 256, last_kernel, 1, 0),
    ])
}

/// ASSD's scales: sizes from the authors' ratios, steps ceil(input / map) as in their
/// `steps` for 513 (8, 16, 31, 57, 103, 171, 513), aspect ratios [2] on the first and the last
/// two scales and [2, 3] elsewhere.
fn assd_scales(input: usize, maps: &[usize; 7]) -> Vec<ScaleSpec> {
    let input_f = input as f64;
    (0..7)
        .map(|k| ScaleSpec {
            min_size: round2(ASSD_RATIOS[k] * input_f),
            max_size: round2(ASSD_RATIOS[k + 1] * input_f),
            aspect_ratios: if k == 0 || k >= 5 {
                vec![2.0]
            } else {
                vec![2.0, 3.0]
            },
            step: (input as f64 / maps[k] as f64).ceil(),
        })
        .collect()
}

/// Rounds to 2 decimals, the precision of the authors' `min_sizes` table (513·0.04 = 20.52).
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
