//! The authors' checkpoints: `torch.save(model.state_dict())` zips, read by burn-store's
//! pickle reader, which only parses the pickle (it never runs code from the file).

use std::path::Path;

use burn::store::pytorch_reader::{DType, PytorchReader};

use super::checkpoint::{Checkpoint, CheckpointFormat, HostTensor};
use super::error::WeightsError;
use super::keymap;

/// Reads every tensor of a `.pth` state_dict into f32 host memory, keyed by module path.
/// A DataParallel `module.` prefix is stripped and `num_batches_tracked` ignored.
pub fn read_pth(path: &Path) -> Result<Checkpoint, WeightsError> {
    if let Err(source) = std::fs::metadata(path) {
        return Err(WeightsError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    let reader = PytorchReader::new(path).map_err(|e| WeightsError::Pytorch {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut checkpoint = Checkpoint::empty(path, CheckpointFormat::Pytorch, None);
    for (name, tensor) in reader.into_tensors() {
        let key = name.strip_prefix("module.").unwrap_or(&name);
        if key.ends_with(".num_batches_tracked") {
            checkpoint.bookkeeping += 1;
            continue;
        }
        let Some(module_path) = keymap::authors_to_module(key) else {
            checkpoint.unmapped.push(name.clone());
            continue;
        };
        let bytes = tensor.read().map_err(|e| WeightsError::Pytorch {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let kind = match tensor.dtype() {
            DType::F32 => FloatKind::F32,
            DType::F16 => FloatKind::F16,
            DType::BF16 => FloatKind::BF16,
            DType::F64 => FloatKind::F64,
            other => {
                return Err(WeightsError::UnsupportedDtype {
                    key: name,
                    dtype: format!("{other:?}"),
                });
            }
        };
        let data = to_f32(kind, &bytes);
        checkpoint.tensors.insert(
            module_path.clone(),
            HostTensor {
                shape: tensor.shape().to_vec(),
                data,
            },
        );
        checkpoint.file_names.insert(module_path, name);
    }
    checkpoint.unmapped.sort();
    Ok(checkpoint)
}

/// Floating-point storage types a checkpoint may hold weights in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FloatKind {
    F64,
    F32,
    F16,
    BF16,
}

/// Native-endian bytes of a float tensor → f32 values.
pub(super) fn to_f32(kind: FloatKind, bytes: &[u8]) -> Vec<f32> {
    match kind {
        FloatKind::F32 => bytes
            .chunks_exact(4)
            .map(|c| f32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        FloatKind::F16 => bytes
            .chunks_exact(2)
            .map(|c| half::f16::from_ne_bytes([c[0], c[1]]).to_f32())
            .collect(),
        FloatKind::BF16 => bytes
            .chunks_exact(2)
            .map(|c| half::bf16::from_ne_bytes([c[0], c[1]]).to_f32())
            .collect(),
        FloatKind::F64 => bytes
            .chunks_exact(8)
            .map(|c| f64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32)
            .collect(),
    }
}
