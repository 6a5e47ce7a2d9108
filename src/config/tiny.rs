//! A small VGG-style family (not in the paper) for quick CPU training and tests.

use super::assd_config::AssdConfig;
use super::backbone::BackboneKind;
use super::extra_layer::extra_pairs;
use super::priors::ssd_scales;

impl AssdConfig {
    /// A small ASSD for quick CPU training and tests (not in the paper): the tiny backbone at
    /// 256 px, maps 32, 16, 8, 4, 2 (6,096 priors), fusion and attention as ASSD.
    pub fn assd_tiny() -> Self {
        let extras = extra_pairs(&[(64, 128, 3, 2, 1), (64, 128, 3, 2, 1), (64, 128, 3, 1, 0)]);
        let sizes = [20.48, 51.2, 97.28, 143.36, 189.44, 235.52];
        let steps = [8.0, 16.0, 32.0, 64.0, 128.0];
        let ars: [&[f64]; 5] = [&[2.0], &[2.0, 3.0], &[2.0, 3.0], &[2.0], &[2.0]];
        Self::new(
            "assd-tiny".into(),
            BackboneKind::Tiny,
            256,
            extras,
            ssd_scales(&sizes, &steps, &ars),
        )
        .with_extras_batch_norm(false)
    }

    /// assd-tiny without fusion and attention.
    pub fn ssd_tiny() -> Self {
        Self {
            name: "ssd-tiny".into(),
            ..Self::assd_tiny().with_fusion(false).with_attention(false)
        }
    }
}
