//! Channel counts of the semantic fusion block.

/// Output channels of the semantic fusion block (it replaces source 0).
pub const FUSION_OUT_CHANNELS: usize = 512;
/// Channels each fusion input is projected to before concatenation.
pub const FUSION_LATERAL_CHANNELS: usize = 256;
