//! Loading weights into a network: checked against its tensors (first mismatching key named
//! with both shapes, missing/unexpected keys listed), then applied through burn-store.

use std::path::Path;

use burn::prelude::*;
use burn::store::ModuleSnapshot;
use burn::store::burn_pack::Tensor as PackTensor;
use burn::tensor::DType;

use super::checkpoint::Checkpoint;
use super::error::WeightsError;
use super::read::read_checkpoint;
use crate::config::AssdConfig;
use crate::model::Assd;

/// Checks a checkpoint against a network and moves its weights in.
pub fn apply_checkpoint(model: &mut Assd, checkpoint: Checkpoint) -> Result<(), WeightsError> {
    let model_name = model.config.name.clone();
    let file_name = |path: &str| {
        checkpoint
            .file_names
            .get(path)
            .cloned()
            .unwrap_or_else(|| path.to_string())
    };
    // The network's own tensors, in module order, so "first" means first in the network.
    let expected = model.collect(None, None, true);
    let mut missing = Vec::new();
    let mut known = std::collections::HashSet::new();
    for tensor in &expected {
        known.insert(tensor.name.clone());
        match checkpoint.tensors.get(&tensor.name) {
            None => missing.push(tensor.name.clone()),
            Some(found) if found.shape.as_slice() != tensor.shape.as_slice() => {
                return Err(WeightsError::ShapeMismatch {
                    model: model_name,
                    key: file_name(&tensor.name),
                    expected: tensor.shape.to_vec(),
                    found: found.shape.clone(),
                });
            }
            Some(_) => {}
        }
    }
    let mut unexpected: Vec<String> = checkpoint
        .tensors
        .keys()
        .filter(|k| !known.contains(*k))
        .map(|k| file_name(k))
        .collect();
    unexpected.extend(checkpoint.unmapped.iter().cloned());
    if !missing.is_empty() || !unexpected.is_empty() {
        return Err(WeightsError::Keys {
            model: model_name,
            missing,
            unexpected,
        });
    }
    let tensors = checkpoint
        .tensors
        .into_iter()
        .map(|(name, t)| {
            let bytes = TensorData::new(t.data, t.shape.clone()).into_bytes();
            PackTensor::new(name, DType::F32, t.shape, None, bytes)
        })
        .collect();
    let result = model.apply(tensors, None, None, true);
    if let Some(err) = result.errors.first() {
        return Err(WeightsError::Apply(err.to_string()));
    }
    Ok(())
}

/// Reads a checkpoint, works out (or takes) its configuration, builds the network on `device`
/// and loads the weights. `config` overrides detection (its shapes must then match).
pub fn load_model(
    path: &Path,
    config: Option<AssdConfig>,
    device: &Device,
) -> Result<Assd, WeightsError> {
    model_from_checkpoint(read_checkpoint(path)?, config, device)
}

/// [`load_model`] on a checkpoint already read.
pub fn model_from_checkpoint(
    checkpoint: Checkpoint,
    config: Option<AssdConfig>,
    device: &Device,
) -> Result<Assd, WeightsError> {
    let config = match config {
        Some(c) => c,
        None => checkpoint.detect_config()?,
    };
    let mut model = config.init(device).map_err(|e| WeightsError::Config {
        path: checkpoint.path.clone(),
        message: e.to_string(),
    })?;
    apply_checkpoint(&mut model, checkpoint)?;
    Ok(model)
}
