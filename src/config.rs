//! Network configurations: ASSD513 as the authors ship it, plus the paper's other systems and
//! its Table 3 ablation switches.
//!
//! Feature-map sizes are not stored: [`AssdConfig::feature_sizes`] derives them from the layer
//! arithmetic of the backbone and the extra layers, so a configuration cannot claim a prior
//! count its network does not produce.

use burn::config::Config;
use serde::{Deserialize, Serialize};

/// Which feature extractor feeds the prediction scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackboneKind {
    /// torchvision ResNet-101 (v1.5); taps conv3_x, conv4_x and conv5_x.
    ResNet101,
    /// VGG16 as in SSD (pool5 3×3/1, dilated conv6, conv7); taps conv4_3 and conv7.
    Vgg16,
    /// A five-conv VGG-style network (not in the paper) for quick CPU experiments; taps
    /// strides 8 and 16.
    Tiny,
}

/// One extra convolution after the backbone (always followed by ReLU, and BN when
/// [`AssdConfig::extras_batch_norm`] is set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraLayer {
    pub out_channels: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
    /// Whether this layer's output is a prediction source.
    pub source: bool,
}

impl ExtraLayer {
    pub const fn new(out_channels: usize, kernel: usize, stride: usize, padding: usize) -> Self {
        Self {
            out_channels,
            kernel,
            stride,
            padding,
            source: false,
        }
    }

    pub const fn source(mut self) -> Self {
        self.source = true;
        self
    }
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

/// Everything needed to build an ASSD (or plain SSD) network and its prior boxes.
#[derive(Config, Debug, PartialEq)]
pub struct AssdConfig {
    /// Short name, e.g. `assd513`.
    pub name: String,
    pub backbone: BackboneKind,
    /// Side of the square network input in pixels.
    pub input_size: usize,
    /// Extra layers after the backbone, in order.
    pub extras: Vec<ExtraLayer>,
    /// Prior boxes per prediction scale (backbone sources first, then extra sources).
    pub scales: Vec<ScaleSpec>,
    /// Number of classes including background (index 0). Default: 21 (PASCAL VOC).
    #[config(default = 21)]
    pub num_classes: usize,
    /// Semantic fusion block replacing source 0 (paper Table 3). Default: true.
    #[config(default = true)]
    pub fusion: bool,
    /// One self-attention unit per source (paper Table 3). Default: true.
    #[config(default = true)]
    pub attention: bool,
    /// BatchNorm after every extra conv (the authors' ResNet code does this; SSD does not).
    /// Default: true.
    #[config(default = true)]
    pub extras_batch_norm: bool,
    /// Channel reduction of the attention query/key convs (C' = C / reduction). Default: 8.
    #[config(default = 8)]
    pub attention_reduction: usize,
    /// Box-coding variances (centre, size). Default: [0.1, 0.2].
    #[config(default = "[0.1, 0.2]")]
    pub variances: [f32; 2],
    /// Class names, background first (set by training; VOC's or `class<i>` when absent).
    #[config(default = "None")]
    pub class_names: Option<Vec<String>>,
}

/// Why a configuration cannot be built.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("unknown model '{0}' (known: {known})", known = AssdConfig::PRESETS.join(", "))]
    UnknownModel(String),
    #[error(
        "input size {input} is too small for {name}: layer '{layer}' would get a {size}×{size} map"
    )]
    InputTooSmall {
        name: String,
        input: usize,
        layer: String,
        size: i64,
    },
    #[error("{name} has {sources} prediction sources but {scales} prior scales")]
    ScaleCount {
        name: String,
        sources: usize,
        scales: usize,
    },
    #[error("num_classes must be at least 2 (background + one class), got {0}")]
    NumClasses(usize),
}

/// Output side of a convolution or pooling window (PyTorch floor mode).
pub(crate) fn conv_out(
    size: i64,
    kernel: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> i64 {
    let effective = (dilation * (kernel - 1) + 1) as i64;
    (size + 2 * padding as i64 - effective).div_euclid(stride as i64) + 1
}

/// Output side of a pooling window with `ceil_mode=True` (PyTorch semantics: the last window
/// must start inside the input or its left padding).
pub(crate) fn pool_out_ceil(size: i64, kernel: usize, stride: usize, padding: usize) -> i64 {
    let numerator = size + 2 * padding as i64 - kernel as i64;
    let mut out = (numerator + stride as i64 - 1).div_euclid(stride as i64) + 1;
    if (out - 1) * stride as i64 >= size + padding as i64 {
        out -= 1;
    }
    out
}

/// Channels of the VGG16 conv layers (SSD's `base['300']` without the pools).
pub(crate) const VGG16_CHANNELS: [usize; 13] = [
    64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512,
];

/// Min/max prior sizes as fractions of the input (the authors' ratios for ASSD513).
const ASSD_RATIOS: [f64; 8] = [0.04, 0.10, 0.26, 0.42, 0.58, 0.74, 0.90, 1.06];

impl AssdConfig {
    /// Names accepted by [`AssdConfig::preset`].
    pub const PRESETS: [&'static str; 8] = [
        "assd513",
        "assd321",
        "assd300",
        "assd512",
        "ssd300",
        "ssd512",
        "assd-tiny",
        "ssd-tiny",
    ];

    /// A named configuration; `ssd*` are the baselines (no fusion, no attention).
    pub fn preset(name: &str) -> Result<Self, ConfigError> {
        match name.to_ascii_lowercase().as_str() {
            "assd513" => Ok(Self::assd513()),
            "assd321" => Ok(Self::assd321()),
            "assd300" => Ok(Self::assd300()),
            "assd512" => Ok(Self::assd512()),
            "ssd300" => Ok(Self::ssd300()),
            "ssd512" => Ok(Self::ssd512()),
            "assd-tiny" => Ok(Self::assd_tiny()),
            "ssd-tiny" => Ok(Self {
                name: "ssd-tiny".into(),
                ..Self::assd_tiny().with_fusion(false).with_attention(false)
            }),
            _ => Err(ConfigError::UnknownModel(name.to_string())),
        }
    }

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

    /// Channels, sizes and names of the backbone outputs that are prediction sources
    /// (ResNet: conv3_x, conv4_x, conv5_x; VGG: conv4_3, conv7). Source 0 is replaced by the
    /// fusion output when fusion is on.
    fn backbone_taps(&self) -> Result<Vec<(usize, i64, &'static str)>, ConfigError> {
        let s = self.input_size as i64;
        let check = |size: i64, layer: &str| -> Result<i64, ConfigError> {
            if size < 1 {
                Err(ConfigError::InputTooSmall {
                    name: self.name.clone(),
                    input: self.input_size,
                    layer: layer.to_string(),
                    size,
                })
            } else {
                Ok(size)
            }
        };
        match self.backbone {
            BackboneKind::ResNet101 => {
                let stem = check(conv_out(s, 7, 2, 3, 1), "conv1")?;
                let pool = check(conv_out(stem, 3, 2, 1, 1), "maxpool")?;
                let l2 = check(conv_out(pool, 3, 2, 1, 1), "layer2")?;
                let l3 = check(conv_out(l2, 3, 2, 1, 1), "layer3")?;
                let l4 = check(conv_out(l3, 3, 2, 1, 1), "layer4")?;
                Ok(vec![
                    (512, l2, "layer2"),
                    (1024, l3, "layer3"),
                    (2048, l4, "layer4"),
                ])
            }
            BackboneKind::Vgg16 => {
                let p1 = check(conv_out(s, 2, 2, 0, 1), "pool1")?;
                let p2 = check(conv_out(p1, 2, 2, 0, 1), "pool2")?;
                let p3 = check(pool_out_ceil(p2, 2, 2, 0), "pool3")?;
                let p4 = check(conv_out(p3, 2, 2, 0, 1), "pool4")?;
                Ok(vec![(512, p3, "conv4_3"), (1024, p4, "conv7")])
            }
            BackboneKind::Tiny => {
                let c = crate::model::TINY_CHANNELS;
                let p1 = check(conv_out(s, 2, 2, 0, 1), "pool1")?;
                let p2 = check(conv_out(p1, 2, 2, 0, 1), "pool2")?;
                let p3 = check(conv_out(p2, 2, 2, 0, 1), "pool3")?;
                let p4 = check(conv_out(p3, 2, 2, 0, 1), "pool4")?;
                Ok(vec![(c[3], p3, "conv4"), (c[4], p4, "conv5")])
            }
        }
    }

    /// Channels and sizes of every prediction source, in head order.
    pub fn sources(&self) -> Result<Vec<(usize, usize)>, ConfigError> {
        let taps = self.backbone_taps()?;
        let (_, mut size, _) = *taps.last().expect("every backbone has taps");
        let mut sources: Vec<(usize, usize)> =
            taps.iter().map(|&(c, s, _)| (c, s as usize)).collect();
        if self.fusion {
            sources[0].0 = FUSION_OUT_CHANNELS;
        }
        for (i, extra) in self.extras.iter().enumerate() {
            size = conv_out(size, extra.kernel, extra.stride, extra.padding, 1);
            if size < 1 {
                return Err(ConfigError::InputTooSmall {
                    name: self.name.clone(),
                    input: self.input_size,
                    layer: format!("extra conv {i}"),
                    size,
                });
            }
            if extra.source {
                sources.push((extra.out_channels, size as usize));
            }
        }
        if sources.len() != self.scales.len() {
            return Err(ConfigError::ScaleCount {
                name: self.name.clone(),
                sources: sources.len(),
                scales: self.scales.len(),
            });
        }
        if self.num_classes < 2 {
            return Err(ConfigError::NumClasses(self.num_classes));
        }
        Ok(sources)
    }

    /// Side of every prediction source's feature map, derived from the network.
    pub fn feature_sizes(&self) -> Result<Vec<usize>, ConfigError> {
        Ok(self.sources()?.into_iter().map(|(_, s)| s).collect())
    }

    /// Total number of prior boxes.
    pub fn num_priors(&self) -> Result<usize, ConfigError> {
        Ok(self
            .feature_sizes()?
            .iter()
            .zip(&self.scales)
            .map(|(f, spec)| f * f * spec.boxes_per_location())
            .sum())
    }
}

/// Output channels of the semantic fusion block (it replaces source 0).
pub const FUSION_OUT_CHANNELS: usize = 512;
/// Channels each fusion input is projected to before concatenation.
pub const FUSION_LATERAL_CHANNELS: usize = 256;

/// Extra layers as (1×1 squeeze, k×k source) pairs: `(mid, out, kernel, stride, padding)`.
fn extra_pairs(pairs: &[(usize, usize, usize, usize, usize)]) -> Vec<ExtraLayer> {
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

fn ssd_scales(sizes: &[f64], steps: &[f64], ars: &[&[f64]]) -> Vec<ScaleSpec> {
    (0..steps.len())
        .map(|k| ScaleSpec {
            min_size: sizes[k],
            max_size: sizes[k + 1],
            aspect_ratios: ars[k].to_vec(),
            step: steps[k],
        })
        .collect()
}
