//! Reading attention for a pixel: the query cell's row and the column means, per scale, read
//! back alone (never a whole N×N map), and their safetensors export.

use std::collections::HashMap;
use std::path::Path;

use burn::prelude::*;
use safetensors::{Dtype, View};

use crate::fsutil::write_atomic;
use crate::inference::{Inference, tensor_to_vec};

/// The query cell `[row, col]` of an `[h, w]` feature map that contains image pixel (x, y)
/// of a `width × height` image: (⌊x·W/width⌋, ⌊y·H/height⌋), clamped into the map.
pub fn query_cell([x, y]: [f32; 2], [width, height]: [u32; 2], [h, w]: [usize; 2]) -> [usize; 2] {
    let col = (x.max(0.0) as f64 * w as f64 / width as f64).floor() as usize;
    let row = (y.max(0.0) as f64 * h as f64 / height as f64).floor() as usize;
    [row.min(h - 1), col.min(w - 1)]
}

/// Row n = y·W + x of β (where query n looks): `N` values, read back alone.
pub fn attention_row(attention: &Tensor<3>, n: usize) -> Vec<f32> {
    let [_, _, keys] = attention.dims();
    tensor_to_vec(attention.clone().slice([0..1, n..n + 1, 0..keys]))
}

/// Mean attention each location receives (column mean of β): `N` values.
pub fn attention_received(attention: &Tensor<3>) -> Vec<f32> {
    tensor_to_vec(attention.clone().narrow(0, 0, 1).mean_dim(1))
}

/// One scale's attention as seen from one pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleAttention {
    pub scale: usize,
    /// `[H_k, W_k]`.
    pub shape: [usize; 2],
    /// Query cell `[row, col]`.
    pub cell: [usize; 2],
    /// Where the query cell looks, `H_k·W_k` values, row-major.
    pub row: Vec<f32>,
    /// Column mean of β, `H_k·W_k` values, row-major.
    pub received: Vec<f32>,
}

/// For every scale: the attention row of the cell containing image pixel (x, y), and what
/// each location receives.
pub fn attention_at(inference: &Inference, pixel: [f32; 2]) -> Vec<ScaleAttention> {
    let received = inference
        .received
        .get_or_init(|| inference.attention.iter().map(attention_received).collect());
    inference
        .attention
        .iter()
        .zip(&inference.raw.feature_sizes)
        .zip(received)
        .enumerate()
        .map(|(scale, ((beta, &shape), received))| {
            let cell = query_cell(pixel, inference.raw.image_size, shape);
            ScaleAttention {
                scale,
                shape,
                cell,
                row: attention_row(beta, cell[0] * shape[1] + cell[1]),
                received: received.clone(),
            }
        })
        .collect()
}

/// A tensor's bytes as safetensors writes them.
pub(crate) struct Raw {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl Raw {
    /// `values` as little-endian f32 of `shape`.
    pub(crate) fn f32s(shape: Vec<usize>, values: &[f32]) -> Self {
        Self {
            dtype: Dtype::F32,
            shape,
            bytes: values.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
}

/// Writes named tensors and `metadata` to `path` as safetensors, atomically.
pub(crate) fn write_safetensors(
    path: &Path,
    tensors: &[(String, Raw)],
    metadata: HashMap<String, String>,
) -> Result<(), std::io::Error> {
    let views: Vec<(String, &Raw)> = tensors.iter().map(|(n, r)| (n.clone(), r)).collect();
    let bytes = safetensors::serialize(views, Some(metadata)).map_err(std::io::Error::other)?;
    write_atomic(path, &bytes)
}

impl View for &Raw {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Writes whole maps, `(name, n, values)` each an f32 `[n, n]` tensor, atomically.
pub fn write_maps(
    path: &Path,
    maps: &[(String, usize, Vec<f32>)],
    metadata: HashMap<String, String>,
) -> Result<(), std::io::Error> {
    let tensors: Vec<(String, Raw)> = (maps.iter())
        .map(|(name, n, values)| (name.clone(), Raw::f32s(vec![*n, *n], values)))
        .collect();
    write_safetensors(path, &tensors, metadata)
}

/// Writes `scale<k>/row`, `scale<k>/received` (f32, `[H_k·W_k]`), `scale<k>/shape` and
/// `scale<k>/cell` (i64, `[2]`), atomically.
pub fn write_attention_safetensors(
    path: &Path,
    scales: &[ScaleAttention],
    metadata: HashMap<String, String>,
) -> Result<(), std::io::Error> {
    let f32s = |v: &[f32]| Raw::f32s(vec![v.len()], v);
    let i64s = |v: [usize; 2]| Raw {
        dtype: Dtype::I64,
        shape: vec![2],
        bytes: v.iter().flat_map(|&x| (x as i64).to_le_bytes()).collect(),
    };
    let mut tensors = Vec::new();
    for s in scales {
        let k = s.scale;
        tensors.push((format!("scale{k}/row"), f32s(&s.row)));
        tensors.push((format!("scale{k}/received"), f32s(&s.received)));
        tensors.push((format!("scale{k}/shape"), i64s(s.shape)));
        tensors.push((format!("scale{k}/cell"), i64s(s.cell)));
    }
    write_safetensors(path, &tensors, metadata)
}
