//! Batch norm folded into the convolution before it, for inference.
//!
//! Eval-mode BN after a convolution is `conv(x)·α + β'` per output channel (α = γ/√(var + ε),
//! β' = β − mean·α, as [`super::batch_norm`] computes it): the same as a convolution with
//! weights `w·α` and bias `b·α + β'`. Folded, ResNet-101's 104 batch norms no longer make two
//! passes each over their feature maps (about 4 % of ASSD513's CPU forward pass, README
//! "Performance"). Exact up to rounding. Only for inference: a folded model has no batch norm
//! layers left to train, so [`crate::Detector`] folds its own copy and training never sees it.

use burn::module::Param;
use burn::nn::BatchNorm;
use burn::nn::conv::Conv2d;

use super::assd::{Assd, Backbone};
use super::bottleneck::Bottleneck;

/// `conv` followed by `bn` as one convolution.
pub fn fold_into_conv(conv: Conv2d, bn: &BatchNorm) -> Conv2d {
    let [out] = bn.gamma.dims();
    let alpha = bn
        .running_var
        .value()
        .add_scalar(bn.epsilon)
        .sqrt()
        .recip()
        .mul(bn.gamma.val());
    let shift = bn
        .beta
        .val()
        .sub(bn.running_mean.value().mul(alpha.clone()));
    let bias = match &conv.bias {
        Some(b) => b.val().mul(alpha.clone()).add(shift),
        None => shift,
    };
    let weight = conv.weight.val().mul(alpha.reshape([out, 1, 1, 1]));
    Conv2d {
        weight: Param::from_tensor(weight),
        bias: Some(Param::from_tensor(bias)),
        ..conv
    }
}

/// `conv` with `bn` folded in, `bn` taken; unchanged where there is none.
fn fold(conv: &mut Conv2d, bn: &mut Option<BatchNorm>) {
    if let Some(bn) = bn.take() {
        *conv = fold_into_conv(conv.clone(), &bn);
    }
}

fn fold_bottleneck(block: &mut Bottleneck) {
    fold(&mut block.conv1, &mut block.bn1);
    fold(&mut block.conv2, &mut block.bn2);
    fold(&mut block.conv3, &mut block.bn3);
    if let Some(ds) = &mut block.downsample {
        fold(&mut ds.conv, &mut ds.bn);
    }
}

impl Assd {
    /// The model with every batch norm that follows a convolution folded into it (ResNet's,
    /// the extra layers'); the fusion block's, which comes before its convolution, stays.
    /// For inference only (see the module documentation).
    pub fn fold_batch_norm(mut self) -> Assd {
        if let Backbone::ResNet101(net) = &mut self.backbone {
            fold(&mut net.conv1, &mut net.bn1);
            for block in net
                .layer1
                .iter_mut()
                .chain(&mut net.layer2)
                .chain(&mut net.layer3)
                .chain(&mut net.layer4)
            {
                fold_bottleneck(block);
            }
        }
        for extra in &mut self.extras {
            fold(&mut extra.conv, &mut extra.bn);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BottleneckConfig;
    use burn::prelude::*;
    use burn::tensor::Distribution;

    /// A bottleneck with a projection shortcut and BN statistics far from identity gives the
    /// same output folded as unfolded.
    #[test]
    fn a_folded_bottleneck_computes_the_same() {
        let device = Device::flex();
        let mut block = BottleneckConfig::new(16, 8).with_stride(2).init(&device);
        let randomise = |bn: &mut Option<BatchNorm>, seed: f64| {
            let bn = bn.as_mut().expect("a fresh block has batch norms");
            let [c] = bn.gamma.dims();
            let r =
                |lo: f64, hi: f64| Tensor::<1>::random([c], Distribution::Uniform(lo, hi), &device);
            bn.gamma = Param::from_tensor(r(0.5, 1.5 + seed));
            bn.beta = Param::from_tensor(r(-1.0, 1.0));
            bn.running_mean = burn::module::RunningState::new(r(-2.0, 2.0));
            bn.running_var = burn::module::RunningState::new(r(0.05, 3.0));
        };
        randomise(&mut block.bn1, 0.1);
        randomise(&mut block.bn2, 0.2);
        randomise(&mut block.bn3, 0.3);
        randomise(
            &mut block.downsample.as_mut().expect("stride 2 projects").bn,
            0.4,
        );
        let x = Tensor::<4>::random([2, 16, 9, 11], Distribution::Uniform(-1.0, 1.0), &device);
        let unfolded = block.forward(x.clone());
        let mut folded = block.clone();
        fold_bottleneck(&mut folded);
        assert!(folded.bn1.is_none() && folded.bn2.is_none() && folded.bn3.is_none());
        let folded = folded.forward(x);
        let (a, b) = (
            unfolded.into_data().try_to_vec::<f32>().expect("f32"),
            folded.into_data().try_to_vec::<f32>().expect("f32"),
        );
        let scale = a.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(scale > 0.5, "the block's output is not trivial ({scale})");
        let worst = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(
            worst <= 1e-5 * scale,
            "worst difference {worst} at scale {scale}"
        );
    }
}
