//! Bilinear upsampling with `align_corners=True` (PyTorch's `upsample_bilinear`), written as two
//! fixed interpolation-matrix products so it is differentiable on every backend (Burn's
//! bilinear interpolation has no backward pass on wgpu).

use burn::prelude::*;

/// Row-stochastic `[out, in]` matrix of 1-D linear interpolation with aligned corners:
/// output i samples input position i·(in−1)/(out−1).
pub fn interpolation_matrix(out: usize, input: usize) -> Vec<f32> {
    let mut m = vec![0.0f32; out * input];
    // PyTorch computes the scale and the source positions in f32.
    let scale = if out > 1 {
        (input as f32 - 1.0) / (out as f32 - 1.0)
    } else {
        0.0
    };
    for i in 0..out {
        let src = scale * i as f32;
        let i0 = (src.floor() as usize).min(input - 1);
        let i1 = (i0 + 1).min(input - 1);
        let lambda1 = src - i0 as f32;
        let lambda0 = 1.0 - lambda1;
        m[i * input + i0] += lambda0;
        m[i * input + i1] += lambda1;
    }
    m
}

/// `[batch, channels, h, w]` → `[batch, channels, size[0], size[1]]`.
pub fn bilinear_align_corners(x: Tensor<4>, size: [usize; 2]) -> Tensor<4> {
    let [_, _, h, w] = x.dims();
    if [h, w] == size {
        return x;
    }
    let device = x.device();
    let rows = Tensor::<2>::from_data(
        TensorData::new(interpolation_matrix(size[0], h), [size[0], h]),
        &device,
    );
    let cols = Tensor::<2>::from_data(
        TensorData::new(interpolation_matrix(size[1], w), [size[1], w]),
        &device,
    );
    let rows = rows.unsqueeze::<4>();
    let cols_t = cols.transpose().unsqueeze::<4>();
    rows.matmul(x.matmul(cols_t))
}
