//! Safetensors files keyed by module path (the project's own format).

use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use super::checkpoint::{Checkpoint, CheckpointFormat, HostTensor};
use super::error::WeightsError;
use super::pth::{FloatKind, to_f32};
use crate::config::AssdConfig;

/// Metadata key under which the project's own files store their [`AssdConfig`] (JSON).
pub const CONFIG_METADATA_KEY: &str = "assd_config";

/// Reads every float tensor into f32 host memory, and the configuration from the metadata.
pub fn read_safetensors(path: &Path) -> Result<Checkpoint, WeightsError> {
    let bytes = std::fs::read(path).map_err(|source| WeightsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_safetensors_bytes(&bytes, path)
}

/// [`read_safetensors`] on bytes in memory (the embedded default model); `path` names them
/// in errors.
pub fn read_safetensors_bytes(bytes: &[u8], path: &Path) -> Result<Checkpoint, WeightsError> {
    let bad = |message: String| WeightsError::Safetensors {
        path: path.to_path_buf(),
        message,
    };
    let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(|e| bad(e.to_string()))?;
    let stored_config =
        match metadata
            .metadata()
            .as_ref()
            .and_then(|m| m.get(CONFIG_METADATA_KEY))
        {
            Some(json) => Some(serde_json::from_str::<AssdConfig>(json).map_err(|e| {
                WeightsError::Config {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                }
            })?),
            None => None,
        };
    let file = SafeTensors::deserialize(bytes).map_err(|e| bad(e.to_string()))?;
    let mut checkpoint = Checkpoint::empty(path, CheckpointFormat::Safetensors, stored_config);
    for (name, view) in file.tensors() {
        let kind = match view.dtype() {
            Dtype::F32 => FloatKind::F32,
            Dtype::F16 => FloatKind::F16,
            Dtype::BF16 => FloatKind::BF16,
            Dtype::F64 => FloatKind::F64,
            other => {
                return Err(WeightsError::UnsupportedDtype {
                    key: name,
                    dtype: format!("{other:?}"),
                });
            }
        };
        // safetensors is little-endian on disk; every supported target is too.
        let data = to_f32(kind, view.data());
        checkpoint.tensors.insert(
            name.clone(),
            HostTensor {
                shape: view.shape().to_vec(),
                data,
            },
        );
        checkpoint.file_names.insert(name.clone(), name);
    }
    Ok(checkpoint)
}
