//! A gradient self-check for GPU devices, run before training on one.
//!
//! On Mesa's lavapipe, Burn 0.22.1's wgpu backend sums long rows wrongly (a `sum_dim` over
//! 131,072 values is off by 100 %, over 65,536 by ~1 %) and returns wrong convolution weight
//! gradients once batch × height × width passes ~30,000 positions (the bias gradient is such a
//! sum). A network trained with those gradients learns garbage without any error. Whether a
//! given GPU driver is affected cannot be known in advance, so training compares both
//! computations with the CPU backend first, at sizes that training reaches.

use burn::prelude::*;

use crate::inference::tensor_to_vec;

/// Deterministic, sign-mixed values (no RNG: the check must be reproducible).
fn values(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 / 1001.0) - 1.0)
        .collect()
}

fn relative_error(want: &[f32], got: &[f32]) -> f32 {
    if got.len() != want.len() {
        return f32::INFINITY;
    }
    let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-12);
    let err = want
        .iter()
        .zip(got)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    // NaN never wins a max: look for it separately.
    if !err.is_finite() || got.iter().any(|v| !v.is_finite()) {
        return f32::INFINITY;
    }
    err / scale
}

/// `[rows, len]` row sums.
fn row_sums(device: &Device, data: &[f32], rows: usize) -> Vec<f32> {
    let t = Tensor::<2>::from_data(
        TensorData::new(data.to_vec(), [rows, data.len() / rows]),
        device,
    );
    tensor_to_vec(t.sum_dim(1))
}

/// Weight and bias gradients of a 3×3 convolution (3 → 8 channels, padding 1) on a
/// `[batch, 3, size, size]` input, for the loss Σ y · w.
fn conv_gradients(device: &Device, batch: usize, size: usize) -> (Vec<f32>, Vec<f32>) {
    let device = device.clone().autodiff();
    let x = Tensor::<4>::from_data(
        TensorData::new(values(batch * 3 * size * size, 1), [batch, 3, size, size]),
        &device,
    );
    let weight =
        Tensor::<4>::from_data(TensorData::new(values(8 * 3 * 9, 2), [8, 3, 3, 3]), &device)
            .mul_scalar(0.1)
            .require_grad();
    let bias = Tensor::<1>::from_data(TensorData::new(values(8, 3), [8]), &device).require_grad();
    let y = burn::tensor::module::conv2d(
        x,
        weight.clone(),
        Some(bias.clone()),
        burn::tensor::ops::ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
    );
    let w = Tensor::<4>::from_data(
        TensorData::new(values(batch * 8 * size * size, 4), [batch, 8, size, size]),
        &device,
    );
    let grads = (y * w).sum().backward();
    let weight_grad = weight.grad(&grads).map(tensor_to_vec).unwrap_or_default();
    let bias_grad = bias.grad(&grads).map(tensor_to_vec).unwrap_or_default();
    (weight_grad, bias_grad)
}

/// Compares `device` with the CPU backend on the computations training depends on. `Err`
/// says which one differs and by how much.
pub fn check_gradients(device: &Device) -> Result<(), String> {
    let cpu = Device::flex();
    let mut failures = Vec::new();
    // Row sums of 2^17 values: the bias gradient of a 3×3 conv on a batch of 2 at 256 px.
    let data = values(4 << 17, 5);
    let err = relative_error(&row_sums(&cpu, &data, 4), &row_sums(device, &data, 4));
    if err > 1e-4 {
        failures.push(format!(
            "sums over 131,072 values are off by {:.1} %",
            err * 100.0
        ));
    }
    // The first layer of assd-tiny on a batch of 2 (131,072 positions).
    let (batch, size) = (2, 256);
    let (want_w, want_b) = conv_gradients(&cpu, batch, size);
    let (got_w, got_b) = conv_gradients(device, batch, size);
    for (what, want, got) in [("weight", want_w, got_w), ("bias", want_b, got_b)] {
        let err = relative_error(&want, &got);
        if err > 1e-3 {
            failures.push(format!(
                "convolution {what} gradients at {batch}×{size}×{size} are off by {:.1} %",
                err * 100.0
            ));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_passes_its_own_check() {
        assert_eq!(check_gradients(&Device::flex()), Ok(()));
    }

    #[test]
    fn relative_error_sees_missing_and_non_finite_values() {
        assert_eq!(relative_error(&[1.0, 2.0], &[1.0, 2.0]), 0.0);
        assert_eq!(relative_error(&[1.0, 2.0], &[1.0, 1.0]), 0.5);
        assert!(relative_error(&[1.0, 2.0], &[1.0]).is_infinite());
        assert!(relative_error(&[1.0], &[f32::NAN]).is_infinite());
    }
}
