//! Network configurations: what a checkpoint needs to be built and run correctly.
//!
//! An [`AssdConfig`] travels in the metadata of the project's checkpoints, so it holds not only
//! the layers but everything around them: input colour order, resize rule and normalisation
//! ([`PreprocessConfig`]), the score function, the prior boxes (generated, or stored as the
//! TensorFlow models ship them), box variances, class names with their dataset ids, and the
//! default NMS. Each backbone family keeps its presets in its own file (`resnet.rs`, `vgg.rs`,
//! `tiny.rs`, `mobilenet.rs`).
//!
//! Feature-map sizes are not stored: [`AssdConfig::feature_sizes`] derives them from the layer
//! arithmetic of the backbone and the extra layers, so a configuration cannot claim a prior
//! count its network does not produce.

mod mobilenet;
mod resnet;
mod tiny;
mod vgg;

use burn::config::Config;
use serde::{Deserialize, Serialize};

use crate::detect::DetectConfig;
use crate::preprocess::PreprocessConfig;

pub use mobilenet::{MOBILENET_CHANNELS, MOBILENET_STRIDES, mobilenet_anchors};
pub use vgg::VGG16_CHANNELS;

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
    /// MobileNetV1 at depth multiplier 0.75 with ReLU6 and TensorFlow "SAME" padding, as in
    /// TensorFlow's COCO SSD-MobileNet; taps Conv2d_11_pointwise and Conv2d_13_pointwise.
    MobileNetV1,
}

/// Non-linearity after every extra layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Activation {
    #[default]
    Relu,
    /// `min(max(x, 0), 6)` (MobileNet).
    Relu6,
}

/// How class logits become scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ScoreFunction {
    /// Softmax over all classes, background included (SSD, the authors' ASSD).
    #[default]
    Softmax,
    /// An independent sigmoid per class (TensorFlow's SSD models).
    Sigmoid,
}

/// Where the prior (anchor) boxes come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub enum PriorLayout {
    /// Generated from [`AssdConfig::scales`] as the authors' `PriorBox` does.
    #[default]
    Generated,
    /// Stored boxes `[cy, cx, h, w]` (normalised), `per_location[k]` at every cell of scale
    /// k, in head order (scale, row, column, box).
    Stored {
        per_location: Vec<usize>,
        boxes: Vec<[f32; 4]>,
    },
}

/// One extra convolution after the backbone (followed by the configured activation, and BN
/// when [`AssdConfig::extras_batch_norm`] is set).
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

/// Everything needed to build an ASSD (or plain SSD) network, its prior boxes, and to run it.
#[derive(Config, Debug, PartialEq)]
pub struct AssdConfig {
    /// Short name, e.g. `assd513`.
    pub name: String,
    pub backbone: BackboneKind,
    /// Side of the square network input in pixels.
    pub input_size: usize,
    /// Extra layers after the backbone, in order.
    pub extras: Vec<ExtraLayer>,
    /// Prior boxes per prediction scale (backbone sources first, then extra sources); empty
    /// when the priors are stored ([`PriorLayout::Stored`]).
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
    /// Start every attention unit's value convolution at zero, so a fresh unit is the
    /// identity and a pretrained SSD computes exactly what it did. Default: false.
    #[config(default = false)]
    pub attention_identity_init: bool,
    /// Box-coding variances (centre, size). Default: [0.1, 0.2].
    #[config(default = "[0.1, 0.2]")]
    pub variances: [f32; 2],
    /// Class names, background first (set by training; VOC's or `class<i>` when absent). An
    /// empty name marks an output column that is not a class (COCO's unused ids).
    #[config(default = "None")]
    pub class_names: Option<Vec<String>>,
    /// The dataset's id of each output column (e.g. COCO category ids), when it has them.
    #[config(default = "None")]
    pub dataset_ids: Option<Vec<u32>>,
    /// Activation after the extra layers. Default: ReLU.
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    /// Kernel of the loc/conf head convolutions (padding kernel/2). Default: 3.
    #[config(default = 3)]
    pub head_kernel: usize,
    /// Softmax or sigmoid scores. Default: softmax.
    #[config(default = "ScoreFunction::Softmax")]
    pub score: ScoreFunction,
    /// Generated or stored priors. Default: generated from `scales`.
    #[config(default = "PriorLayout::Generated")]
    pub priors: PriorLayout,
    /// How images become network input. Default: the authors' (BGR, OpenCV resize, ImageNet).
    #[config(default = "PreprocessConfig::default()")]
    pub preprocess: PreprocessConfig,
    /// Default detection thresholds. Default: the authors' (0.01, NMS 0.45, top 200).
    #[config(default = "DetectConfig::default()")]
    pub detect: DetectConfig,
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
    #[error("{name}: {stored} stored prior boxes, but the network predicts {expected}")]
    PriorCount {
        name: String,
        stored: usize,
        expected: usize,
    },
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

/// Output side of a TensorFlow "SAME" convolution: ⌈size / stride⌉.
pub(crate) fn same_out(size: i64, stride: usize) -> i64 {
    if size < 1 {
        return size;
    }
    (size + stride as i64 - 1).div_euclid(stride as i64)
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

/// A backbone output that is a prediction source: channels, side, layer name.
pub(crate) type Tap = (usize, i64, &'static str);

impl AssdConfig {
    /// Names accepted by [`AssdConfig::preset`].
    pub const PRESETS: [&'static str; 10] = [
        "assd513",
        "assd321",
        "assd300",
        "assd512",
        "ssd300",
        "ssd512",
        "assd-tiny",
        "ssd-tiny",
        "assd-mobilenet",
        "ssd-mobilenet",
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
            "ssd-tiny" => Ok(Self::ssd_tiny()),
            "assd-mobilenet" => Ok(Self::assd_mobilenet()),
            "ssd-mobilenet" => Ok(Self::ssd_mobilenet()),
            _ => Err(ConfigError::UnknownModel(name.to_string())),
        }
    }

    /// Channels, sizes and names of the backbone outputs that are prediction sources. Source
    /// 0 is replaced by the fusion output when fusion is on.
    fn backbone_taps(&self) -> Result<Vec<Tap>, ConfigError> {
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
        let s = self.input_size as i64;
        match self.backbone {
            BackboneKind::ResNet101 => resnet::taps(s, &check),
            BackboneKind::Vgg16 => vgg::taps(s, &check),
            BackboneKind::Tiny => tiny::taps(s, &check),
            BackboneKind::MobileNetV1 => mobilenet::taps(s, &check),
        }
    }

    /// Channels of the backbone's last output (the first extra layer's input).
    pub fn backbone_out_channels(&self) -> usize {
        match self.backbone {
            BackboneKind::ResNet101 => 2048,
            BackboneKind::Vgg16 => 1024,
            BackboneKind::Tiny => crate::model::TINY_CHANNELS[4],
            BackboneKind::MobileNetV1 => MOBILENET_CHANNELS[13],
        }
    }

    /// Boxes per location of every scale.
    pub fn boxes_per_location(&self) -> Vec<usize> {
        match &self.priors {
            PriorLayout::Generated => self.scales.iter().map(|s| s.boxes_per_location()).collect(),
            PriorLayout::Stored { per_location, .. } => per_location.clone(),
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
            size = extra.out_size(size);
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
        let scales = self.boxes_per_location().len();
        if sources.len() != scales {
            return Err(ConfigError::ScaleCount {
                name: self.name.clone(),
                sources: sources.len(),
                scales,
            });
        }
        if self.num_classes < 2 {
            return Err(ConfigError::NumClasses(self.num_classes));
        }
        if let PriorLayout::Stored { boxes, .. } = &self.priors {
            let expected: usize = sources
                .iter()
                .zip(self.boxes_per_location())
                .map(|(&(_, f), b)| f * f * b)
                .sum();
            if boxes.len() != expected {
                return Err(ConfigError::PriorCount {
                    name: self.name.clone(),
                    stored: boxes.len(),
                    expected,
                });
            }
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
            .zip(self.boxes_per_location())
            .map(|(f, b)| f * f * b)
            .sum())
    }
}

/// Output channels of the semantic fusion block (it replaces source 0).
pub const FUSION_OUT_CHANNELS: usize = 512;
/// Channels each fusion input is projected to before concatenation.
pub const FUSION_LATERAL_CHANNELS: usize = 256;

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
