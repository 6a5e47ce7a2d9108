//! SSD's VGG16 family (Liu et al.) and the paper's ASSD300/ASSD512 built on it.

use super::assd_config::AssdConfig;
use super::backbone::BackboneKind;
use super::extra_layer::extra_pairs;
use super::priors::ssd_scales;

/// Channels of the VGG16 conv layers (SSD's `base['300']` without the pools).
pub const VGG16_CHANNELS: [usize; 13] = [
    64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512,
];

impl AssdConfig {
    /// ASSD300: SSD300's VGG16 layout (8,732 priors) with fusion and attention.
    pub fn assd300() -> Self {
        Self {
            name: "assd300".into(),
            ..Self::ssd300().with_fusion(true).with_attention(true)
        }
    }

    /// ASSD512: SSD512's VGG16 layout (24,564 priors) with fusion and attention.
    pub fn assd512() -> Self {
        Self {
            name: "assd512".into(),
            ..Self::ssd512().with_fusion(true).with_attention(true)
        }
    }

    /// The SSD300 baseline (Liu et al.): VGG16, maps 38,19,10,5,3,1, 8,732 priors.
    pub fn ssd300() -> Self {
        let extras = extra_pairs(&[
            (256, 512, 3, 2, 1),
            (128, 256, 3, 2, 1),
            (128, 256, 3, 1, 0),
            (128, 256, 3, 1, 0),
        ]);
        let sizes = [30.0, 60.0, 111.0, 162.0, 213.0, 264.0, 315.0];
        let steps = [8.0, 16.0, 32.0, 64.0, 100.0, 300.0];
        let ars: [&[f64]; 6] = [
            &[2.0],
            &[2.0, 3.0],
            &[2.0, 3.0],
            &[2.0, 3.0],
            &[2.0],
            &[2.0],
        ];
        Self::new(
            "ssd300".into(),
            BackboneKind::Vgg16,
            300,
            extras,
            ssd_scales(&sizes, &steps, &ars),
        )
        .with_fusion(false)
        .with_attention(false)
        .with_extras_batch_norm(false)
    }

    /// The SSD512 baseline: VGG16, maps 64,32,16,8,4,2,1, 24,564 priors.
    pub fn ssd512() -> Self {
        let extras = extra_pairs(&[
            (256, 512, 3, 2, 1),
            (128, 256, 3, 2, 1),
            (128, 256, 3, 2, 1),
            (128, 256, 3, 2, 1),
            (128, 256, 4, 1, 1),
        ]);
        let sizes = [35.84, 76.8, 153.6, 230.4, 307.2, 384.0, 460.8, 537.6];
        let steps = [8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];
        let ars: [&[f64]; 7] = [
            &[2.0],
            &[2.0, 3.0],
            &[2.0, 3.0],
            &[2.0, 3.0],
            &[2.0, 3.0],
            &[2.0],
            &[2.0],
        ];
        Self::new(
            "ssd512".into(),
            BackboneKind::Vgg16,
            512,
            extras,
            ssd_scales(&sizes, &steps, &ars),
        )
        .with_fusion(false)
        .with_attention(false)
        .with_extras_batch_norm(false)
    }
}
