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

pub(crate) mod assd_config;
pub(crate) mod backbone;
mod conv_arithmetic;
pub(crate) mod extra_layer;
pub(crate) mod fusion;
mod mobilenet;
pub(crate) mod mobilenet_layers;
pub(crate) mod priors;
mod resnet;
pub(crate) mod score;
mod tiny;
pub(crate) mod vgg;

pub use assd_config::{AssdConfig, ConfigError};
pub use backbone::BackboneKind;
pub use extra_layer::{Activation, ExtraLayer};
pub use fusion::{FUSION_LATERAL_CHANNELS, FUSION_OUT_CHANNELS};
pub use mobilenet::mobilenet_anchors;
pub use mobilenet_layers::{MOBILENET_CHANNELS, MOBILENET_STRIDES};
pub use priors::{PriorLayout, ScaleSpec};
pub use score::ScoreFunction;
pub use vgg::VGG16_CHANNELS;
