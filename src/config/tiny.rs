//! A small VGG-style family (not in the paper) for quick CPU training and tests.

use super::{AssdConfig, BackboneKind, ConfigError, Tap, conv_out, extra_pairs, ssd_scales};

/// conv4 and conv5 (strides 8 and 16).
pub(super) fn taps(
    s: i64,
    check: &dyn Fn(i64, &str) -> Result<i64, ConfigError>,
) -> Result<Vec<Tap>, ConfigError> {
    let c = crate::model::TINY_CHANNELS;
    let p1 = check(conv_out(s, 2, 2, 0, 1), "pool1")?;
    let p2 = check(conv_out(p1, 2, 2, 0, 1), "pool2")?;
    let p3 = check(conv_out(p2, 2, 2, 0, 1), "pool3")?;
    let p4 = check(conv_out(p3, 2, 2, 0, 1), "pool4")?;
    Ok(vec![(c[3], p3, "conv4"), (c[4], p4, "conv5")])
}

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
