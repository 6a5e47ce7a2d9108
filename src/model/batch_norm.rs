//! Inference batch norm in PyTorch's formulation.
//!
//! PyTorch evaluates eval-mode BN as `x·α + β'` with `α = γ / √(var + ε)` and
//! `β' = β − mean·α`; Burn's default computes `((x − mean) / √(var + ε))·γ + β`. The two round
//! differently; PyTorch's form is also one multiply-add per value instead of four ops.

use burn::nn::BatchNorm;
use burn::prelude::*;

/// `[batch, channels, h, w]` → same shape; no layer (folded into the convolution before it,
/// [`crate::model::fold`]) is the identity. Training (autodiff device and a trainable layer)
/// uses Burn's batch-statistics path.
pub fn batch_norm(bn: Option<&BatchNorm>, x: Tensor<4>) -> Tensor<4> {
    let Some(bn) = bn else {
        return x;
    };
    if x.device().is_autodiff() && bn.training.is_enabled() {
        return bn.forward(x);
    }
    let [channels] = bn.gamma.dims();
    let invstd = bn.running_var.value().add_scalar(bn.epsilon).sqrt().recip();
    let alpha = invstd.mul(bn.gamma.val());
    let shift = bn
        .beta
        .val()
        .sub(bn.running_mean.value().mul(alpha.clone()));
    x.mul(alpha.reshape([1, channels, 1, 1]))
        .add(shift.reshape([1, channels, 1, 1]))
}
