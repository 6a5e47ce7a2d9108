//! The ASSD network in Burn, layer by layer as the authors' code computes it.

pub(crate) mod assd;
mod attention;
mod batch_norm;
mod bottleneck;
mod conv;
mod depthwise_separable;
mod extras;
pub mod fold;
mod fusion;
mod heads;
mod l2norm;
mod mobilenet;
mod resnet;
pub(crate) mod tiny;
mod upsample;
mod vgg;

pub use assd::{Assd, AssdOutput, Backbone};
pub use attention::{AttentionOutput, AttentionUnit, AttentionUnitConfig};
pub use batch_norm::batch_norm;
pub use bottleneck::{Bottleneck, BottleneckConfig, Downsample};
pub use depthwise_separable::{DepthwiseSeparable, DepthwiseSeparableConfig};
pub use extras::{ExtraBlock, ExtraBlockConfig};
pub use fusion::{Fusion, FusionConfig};
pub use heads::{MultiboxHeads, MultiboxHeadsConfig};
pub use l2norm::{L2Norm, L2NormConfig};
pub use mobilenet::{MobileNetV1, MobileNetV1Config};
pub use resnet::{ResNet101, ResNet101Config};
pub use tiny::{TINY_CHANNELS, TinyBackbone, TinyBackboneConfig};
pub use upsample::{bilinear_align_corners, interpolation_matrix};
pub use vgg::{Vgg16, Vgg16Config};
