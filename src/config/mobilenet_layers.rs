//! MobileNetV1's layer table at depth multiplier 0.75, shared by the configuration's arithmetic,
//! the network and the TensorFlow Lite import.

/// Output channels at depth multiplier 0.75: `Conv2d_0`, then the pointwise conv of each of
/// the 13 depthwise-separable blocks.
pub const MOBILENET_CHANNELS: [usize; 14] = [
    24, 48, 96, 96, 192, 192, 384, 384, 384, 384, 384, 384, 768, 768,
];

/// Stride of `Conv2d_0`, then of each block's depthwise conv.
pub const MOBILENET_STRIDES: [usize; 14] = [2, 1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1];
