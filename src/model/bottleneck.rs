//! ResNet v1.5 bottleneck (stride on the 3×3 conv), as in torchvision.

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, BatchNormConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::batch_norm::batch_norm;
use super::conv::conv2d;

/// Configuration of a [`Bottleneck`].
#[derive(Config, Debug)]
pub struct BottleneckConfig {
    /// Input channels.
    pub in_channels: usize,
    /// Width of the 1×1 → 3×3 path; the block outputs `4 · planes` channels.
    pub planes: usize,
    /// Stride of the 3×3 conv and of the projection shortcut. Default: 1.
    #[config(default = 1)]
    pub stride: usize,
}

/// Projection shortcut (`downsample.0` conv, `downsample.1` BN in the authors' checkpoint).
#[derive(Module, Debug)]
pub struct Downsample {
    pub conv: Conv2d,
    /// None once folded into `conv` for inference ([`crate::model::fold`]).
    pub bn: Option<BatchNorm>,
}

/// `relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x))))))) + shortcut(x))`.
#[derive(Module, Debug)]
pub struct Bottleneck {
    /// Each `bnK` is None once folded into `convK` for inference ([`crate::model::fold`]).
    pub conv1: Conv2d,
    pub bn1: Option<BatchNorm>,
    pub conv2: Conv2d,
    pub bn2: Option<BatchNorm>,
    pub conv3: Conv2d,
    pub bn3: Option<BatchNorm>,
    pub downsample: Option<Downsample>,
}

impl BottleneckConfig {
    pub fn init(&self, device: &Device) -> Bottleneck {
        let out = self.planes * 4;
        let downsample = (self.stride != 1 || self.in_channels != out).then(|| Downsample {
            conv: conv2d([self.in_channels, out], 1, self.stride, 0, false, device),
            bn: Some(BatchNormConfig::new(out).init(device)),
        });
        Bottleneck {
            conv1: conv2d([self.in_channels, self.planes], 1, 1, 0, false, device),
            bn1: Some(BatchNormConfig::new(self.planes).init(device)),
            conv2: conv2d([self.planes, self.planes], 3, self.stride, 1, false, device),
            bn2: Some(BatchNormConfig::new(self.planes).init(device)),
            conv3: conv2d([self.planes, out], 1, 1, 0, false, device),
            bn3: Some(BatchNormConfig::new(out).init(device)),
            downsample,
        }
    }
}

impl Bottleneck {
    /// `[batch, in_channels, h, w]` → `[batch, 4·planes, ⌊(h−1)/stride⌋+1, ⌊(w−1)/stride⌋+1]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let residual = match &self.downsample {
            Some(ds) => batch_norm(ds.bn.as_ref(), ds.conv.forward(x.clone())),
            None => x.clone(),
        };
        let out = relu(batch_norm(self.bn1.as_ref(), self.conv1.forward(x)));
        let out = relu(batch_norm(self.bn2.as_ref(), self.conv2.forward(out)));
        let out = batch_norm(self.bn3.as_ref(), self.conv3.forward(out));
        relu(out + residual)
    }
}
