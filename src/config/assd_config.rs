//! [`AssdConfig`]: everything needed to build and run a network, and how its prediction sources
//! follow from the layer arithmetic of its backbone (each backbone's taps are here) and its
//! extra layers; [`ConfigError`]: why a configuration cannot be built.

use burn::config::Config;

use super::backbone::BackboneKind;
use super::conv_arithmetic::{conv_out, pool_out_ceil, same_out};
use super::extra_layer::{Activation, ExtraLayer};
use super::fusion::FUSION_OUT_CHANNELS;
use super::mobilenet_layers::{MOBILENET_CHANNELS, MOBILENET_STRIDES};
use super::priors::{PriorLayout, ScaleSpec};
use super::score::ScoreFunction;
use crate::detect::detector::DetectConfig;
use crate::preprocess::PreprocessConfig;

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
            BackboneKind::ResNet101 => resnet101_taps(s, &check),
            BackboneKind::Vgg16 => vgg16_taps(s, &check),
            BackboneKind::Tiny => tiny_taps(s, &check),
            BackboneKind::MobileNetV1 => mobilenet_taps(s, &check),
        }
    }

    /// Channels of the backbone's last output (the first extra layer's input).
    pub fn backbone_out_channels(&self) -> usize {
        match self.backbone {
            BackboneKind::ResNet101 => 2048,
            BackboneKind::Vgg16 => 1024,
            BackboneKind::Tiny => crate::model::tiny::TINY_CHANNELS[4],
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

/// conv3_x, conv4_x and conv5_x of torchvision's ResNet-101 (v1.5).
fn resnet101_taps(
    s: i64,
    check: &dyn Fn(i64, &str) -> Result<i64, ConfigError>,
) -> Result<Vec<Tap>, ConfigError> {
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

/// conv4_3 and conv7.
fn vgg16_taps(
    s: i64,
    check: &dyn Fn(i64, &str) -> Result<i64, ConfigError>,
) -> Result<Vec<Tap>, ConfigError> {
    let p1 = check(conv_out(s, 2, 2, 0, 1), "pool1")?;
    let p2 = check(conv_out(p1, 2, 2, 0, 1), "pool2")?;
    let p3 = check(pool_out_ceil(p2, 2, 2, 0), "pool3")?;
    let p4 = check(conv_out(p3, 2, 2, 0, 1), "pool4")?;
    Ok(vec![(512, p3, "conv4_3"), (1024, p4, "conv7")])
}

/// conv4 and conv5 (strides 8 and 16).
fn tiny_taps(
    s: i64,
    check: &dyn Fn(i64, &str) -> Result<i64, ConfigError>,
) -> Result<Vec<Tap>, ConfigError> {
    let c = crate::model::tiny::TINY_CHANNELS;
    let p1 = check(conv_out(s, 2, 2, 0, 1), "pool1")?;
    let p2 = check(conv_out(p1, 2, 2, 0, 1), "pool2")?;
    let p3 = check(conv_out(p2, 2, 2, 0, 1), "pool3")?;
    let p4 = check(conv_out(p3, 2, 2, 0, 1), "pool4")?;
    Ok(vec![(c[3], p3, "conv4"), (c[4], p4, "conv5")])
}

/// Conv2d_11_pointwise (stride 16) and Conv2d_13_pointwise (stride 32), TF "SAME" sizes.
fn mobilenet_taps(
    s: i64,
    check: &dyn Fn(i64, &str) -> Result<i64, ConfigError>,
) -> Result<Vec<Tap>, ConfigError> {
    let mut size = s;
    let mut taps = Vec::new();
    for (i, &stride) in MOBILENET_STRIDES.iter().enumerate() {
        size = check(same_out(size, stride), &format!("Conv2d_{i}"))?;
        if i == 11 {
            taps.push((MOBILENET_CHANNELS[11], size, "Conv2d_11_pointwise"));
        }
    }
    taps.push((MOBILENET_CHANNELS[13], size, "Conv2d_13_pointwise"));
    Ok(taps)
}
