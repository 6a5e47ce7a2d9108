//! Saving a network in the project's format: safetensors keyed by module path, with the
//! configuration in the metadata, written atomically.

use std::path::Path;

use burn::store::{ModuleSnapshot, SafetensorsStore};
use burn::tensor::DType;

use super::error::WeightsError;
use super::safetensors_file::CONFIG_METADATA_KEY;
use crate::fsutil::temp_path;
use crate::model::Assd;

/// Saves the network in the project's format (safetensors, module paths, configuration in
/// the metadata), atomically: written to a temporary file beside `path`, then renamed.
pub fn save_model(model: &Assd, path: &Path) -> Result<(), WeightsError> {
    let write_err = |message: String| WeightsError::Write {
        path: path.to_path_buf(),
        message,
    };
    let config = serde_json::to_string(&model.config).map_err(|e| write_err(e.to_string()))?;
    let tmp = temp_path(path);
    let mut store = SafetensorsStore::from_file(&tmp)
        .metadata(CONFIG_METADATA_KEY, config)
        .skip_enum_variants(true)
        .overwrite(true);
    let saved = model
        .save_into(&mut store)
        .map_err(|e| write_err(e.to_string()))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| write_err(e.to_string())));
    if saved.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    saved
}

/// [`save_model`] with every floating tensor stored as IEEE half precision (the shipped
/// default model: half the size; loading upcasts to f32).
pub fn save_model_f16(model: &Assd, path: &Path) -> Result<(), WeightsError> {
    let write_err = |message: String| WeightsError::Write {
        path: path.to_path_buf(),
        message,
    };
    let config = serde_json::to_string(&model.config).map_err(|e| write_err(e.to_string()))?;
    let mut tensors = Vec::new();
    for t in model.collect(None, None, true) {
        let shape = t.shape.to_vec();
        let bytes = t.to_bytes().map_err(|e| write_err(e.to_string()))?;
        if t.dtype != DType::F32 {
            return Err(write_err(format!(
                "{}: dtype {:?}, not f32",
                t.name, t.dtype
            )));
        }
        let half: Vec<u8> = bytes
            .chunks_exact(4)
            .flat_map(|c| {
                half::f16::from_f32(f32::from_le_bytes([c[0], c[1], c[2], c[3]])).to_le_bytes()
            })
            .collect();
        tensors.push((t.name.clone(), shape, half));
    }
    let views = tensors
        .iter()
        .map(|(name, shape, data)| {
            safetensors::tensor::TensorView::new(safetensors::Dtype::F16, shape.clone(), data)
                .map(|view| (name.clone(), view))
                .map_err(|e| write_err(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = std::collections::HashMap::from([(CONFIG_METADATA_KEY.to_string(), config)]);
    let bytes =
        safetensors::serialize(views, Some(metadata)).map_err(|e| write_err(e.to_string()))?;
    crate::fsutil::write_atomic(path, &bytes).map_err(|e| write_err(e.to_string()))
}
