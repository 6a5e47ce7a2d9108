//! The whole detector: backbone → extras → (fusion) → (attention per source) → heads.

use burn::prelude::*;
use burn::store::ModuleSnapshot;

use super::attention::{AttentionUnit, AttentionUnitConfig};
use super::extras::{ExtraBlock, ExtraBlockConfig};
use super::fusion::{Fusion, FusionConfig};
use super::heads::{MultiboxHeads, MultiboxHeadsConfig};
use super::mobilenet::{MobileNetV1, MobileNetV1Config};
use super::resnet::{ResNet101, ResNet101Config};
use super::tiny::{TinyBackbone, TinyBackboneConfig};
use super::vgg::{Vgg16, Vgg16Config};
use crate::config::assd_config::{AssdConfig, ConfigError};
use crate::config::backbone::BackboneKind;

/// The feature extractor.
#[derive(Module, Debug)]
pub enum Backbone {
    ResNet101(ResNet101),
    Vgg16(Vgg16),
    Tiny(TinyBackbone),
    MobileNetV1(MobileNetV1),
}

impl Backbone {
    /// `[batch, 3, s, s]` → the backbone's prediction sources, finest first.
    pub fn forward(&self, x: Tensor<4>) -> Vec<Tensor<4>> {
        match self {
            Backbone::ResNet101(net) => net.forward(x).into(),
            Backbone::Vgg16(net) => net.forward(x).into(),
            Backbone::Tiny(net) => net.forward(x).into(),
            Backbone::MobileNetV1(net) => net.forward(x).into(),
        }
    }
}

/// ASSD (or SSD when fusion and attention are off).
#[derive(Module, Debug)]
pub struct Assd {
    pub backbone: Backbone,
    pub extras: Vec<ExtraBlock>,
    pub fusion: Option<Fusion>,
    /// One unit per source, or none when attention is off.
    pub attention: Vec<AttentionUnit>,
    pub heads: MultiboxHeads,
    #[module(skip)]
    pub config: AssdConfig,
}

/// Raw network outputs for a batch.
#[derive(Debug, Clone)]
pub struct AssdOutput {
    /// Box offsets (dy, dx, dh, dw), `[batch, priors, 4]`.
    pub loc: Tensor<3>,
    /// Class logits (before softmax), `[batch, priors, classes]`.
    pub conf: Tensor<3>,
    /// Per source k, β `[batch, N_k, N_k]` (row = query, softmax over keys); empty when the
    /// configuration has no attention.
    pub attention: Vec<Tensor<3>>,
    /// Per source k, `[H_k, W_k]`.
    pub feature_sizes: Vec<[usize; 2]>,
}

impl AssdConfig {
    /// Builds the network with PyTorch-style default initialisation.
    pub fn init(&self, device: &Device) -> Result<Assd, ConfigError> {
        let sources = self.sources()?;
        let backbone = match self.backbone {
            BackboneKind::ResNet101 => Backbone::ResNet101(ResNet101Config::new().init(device)),
            BackboneKind::Vgg16 => Backbone::Vgg16(Vgg16Config::new().init(device)),
            BackboneKind::Tiny => Backbone::Tiny(TinyBackboneConfig::new().init(device)),
            BackboneKind::MobileNetV1 => {
                Backbone::MobileNetV1(MobileNetV1Config::new().init(device))
            }
        };
        let mut in_channels = self.backbone_out_channels();
        let extras = self
            .extras
            .iter()
            .map(|e| {
                let block = ExtraBlockConfig::new(in_channels, e.out_channels, e.kernel)
                    .with_stride(e.stride)
                    .with_padding(e.padding)
                    .with_batch_norm(self.extras_batch_norm)
                    .with_same_padding(e.same_padding)
                    .with_activation(self.activation)
                    .init(device);
                in_channels = e.out_channels;
                block
            })
            .collect();
        let fusion = self
            .fusion
            .then(|| FusionConfig::new(self.fusion_inputs()).init(device));
        let channels: Vec<usize> = sources.iter().map(|&(c, _)| c).collect();
        let attention = if self.attention {
            channels
                .iter()
                .map(|&c| {
                    AttentionUnitConfig::new(c)
                        .with_reduction(self.attention_reduction)
                        .with_identity_init(self.attention_identity_init)
                        .init(device)
                })
                .collect()
        } else {
            Vec::new()
        };
        let heads = MultiboxHeadsConfig::new(channels, self.boxes_per_location(), self.num_classes)
            .with_kernel(self.head_kernel)
            .init(device);
        Ok(Assd {
            backbone,
            extras,
            fusion,
            attention,
            heads,
            config: self.clone(),
        })
    }

    /// Native channels of the three maps the fusion block merges (the first three sources
    /// before fusion: ResNet conv3_x, conv4_x, conv5_x; VGG conv4_3, conv7, first extra source).
    pub fn fusion_inputs(&self) -> [usize; 3] {
        match self.backbone {
            BackboneKind::ResNet101 => [512, 1024, 2048],
            BackboneKind::Vgg16 | BackboneKind::Tiny | BackboneKind::MobileNetV1 => {
                let first_extra = self
                    .extras
                    .iter()
                    .find(|e| e.source)
                    .map_or(512, |e| e.out_channels);
                match self.backbone {
                    BackboneKind::Tiny => {
                        let c = super::tiny::TINY_CHANNELS;
                        [c[3], c[4], first_extra]
                    }
                    BackboneKind::MobileNetV1 => {
                        let c = crate::config::mobilenet_layers::MOBILENET_CHANNELS;
                        [c[11], c[13], first_extra]
                    }
                    _ => [512, 1024, first_extra],
                }
            }
        }
    }
}

impl Assd {
    /// Number of trainable scalars, as PyTorch counts `parameters()` (Burn's `num_params` also
    /// counts BN running statistics).
    pub fn parameter_count(&self) -> usize {
        self.collect(None, None, true)
            .iter()
            .filter(|t| !t.name.ends_with(".running_mean") && !t.name.ends_with(".running_var"))
            .map(|t| t.shape.iter().product::<usize>())
            .sum()
    }

    /// `[batch, 3, s, s]` (preprocessed) → [`AssdOutput`].
    pub fn forward(&self, x: Tensor<4>) -> AssdOutput {
        self.predict(self.sources(x))
    }

    /// The prediction sources before attention: backbone taps, extra-layer sources, the
    /// fusion output in place of source 0; each `[batch, C_k, H_k, W_k]`.
    pub fn sources(&self, x: Tensor<4>) -> Vec<Tensor<4>> {
        let mut sources = self.backbone.forward(x);
        let mut x = sources.last().expect("every backbone has sources").clone();
        for (block, spec) in self.extras.iter().zip(&self.config.extras) {
            x = block.forward(x);
            if spec.source {
                sources.push(x.clone());
            }
        }
        if let Some(fusion) = &self.fusion {
            sources[0] =
                fusion.forward([sources[0].clone(), sources[1].clone(), sources[2].clone()]);
        }
        sources
    }

    /// Attention (when configured) and heads on [`Assd::sources`].
    pub fn predict(&self, mut sources: Vec<Tensor<4>>) -> AssdOutput {
        let feature_sizes = sources
            .iter()
            .map(|s| {
                let [_, _, h, w] = s.dims();
                [h, w]
            })
            .collect();
        let mut attention = Vec::with_capacity(self.attention.len());
        if !self.attention.is_empty() {
            sources = sources
                .into_iter()
                .zip(&self.attention)
                .map(|(s, unit)| {
                    let out = unit.forward(s);
                    attention.push(out.attention);
                    out.output
                })
                .collect();
        }
        let (loc, conf) = self.heads.forward(&sources);
        AssdOutput {
            loc,
            conf,
            attention,
            feature_sizes,
        }
    }
}
