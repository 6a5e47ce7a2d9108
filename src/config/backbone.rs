//! Which feature extractor a configuration uses.

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
    /// MobileNetV1 at depth multiplier 0.75 with ReLU6 and TensorFlow "SAME" padding, as in
    /// TensorFlow's COCO SSD-MobileNet; taps Conv2d_11_pointwise and Conv2d_13_pointwise.
    MobileNetV1,
}
