//! Checkpoints: the authors' PyTorch `.pth` files, the project's own safetensors files, and
//! TensorFlow Lite SSD-MobileNet files (imported, see [`tflite`]).
//!
//! Both are read into host memory as f32 and keyed by module path, checked against the
//! network (first mismatching key named with both shapes, missing/unexpected keys listed),
//! then applied through burn-store.

mod builtin;
pub mod keymap;
mod pth;
mod safetensors_file;
pub mod tflite;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::burn_pack::Tensor as PackTensor;
use burn::store::{ModuleSnapshot, SafetensorsStore};
use burn::tensor::DType;

use crate::config::{AssdConfig, BackboneKind};
use crate::model::Assd;

pub use builtin::{BUILTIN_WEIGHTS, is_builtin};
pub use pth::read_pth;
pub use safetensors_file::{read_safetensors, read_safetensors_bytes};
pub use tflite::read_tflite;
// Lives in `fsutil` (every atomic write needs it); re-exported for `assd::weights::temp_path`.
pub use crate::fsutil::temp_path;

/// The weights used when none are given: the model compiled into the binary.
pub const DEFAULT_WEIGHTS: &str = BUILTIN_WEIGHTS;

/// Metadata key under which the project's own files store their [`AssdConfig`] (JSON).
pub const CONFIG_METADATA_KEY: &str = "assd_config";

/// A tensor read into host memory.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// Which on-disk format a checkpoint came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointFormat {
    /// The authors' `torch.save(state_dict)` zip.
    Pytorch,
    /// The project's own safetensors file (module paths, config in metadata).
    Safetensors,
    /// A TensorFlow Lite SSD-MobileNet (dequantized on import).
    Tflite,
}

/// Every tensor of a checkpoint, keyed by module path.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub path: PathBuf,
    pub format: CheckpointFormat,
    pub tensors: BTreeMap<String, HostTensor>,
    /// Module path → the tensor's name in the file (for error messages).
    pub file_names: BTreeMap<String, String>,
    /// Names in the file that correspond to no parameter of any ASSD network.
    pub unmapped: Vec<String>,
    /// Configuration stored in the file's metadata (own format only).
    pub stored_config: Option<AssdConfig>,
    /// Scalar tensors in the file that hold no weights (`num_batches_tracked`).
    pub bookkeeping: usize,
}

/// Why weights could not be read, written or applied.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a readable PyTorch checkpoint: {message}")]
    Pytorch { path: PathBuf, message: String },
    #[error("{path} is not a readable safetensors file: {message}")]
    Safetensors { path: PathBuf, message: String },
    #[error("{path}: cannot import this TensorFlow Lite file: {message}")]
    Tflite { path: PathBuf, message: String },
    #[error(
        "{path}: unrecognised weights file extension (expected .pth, .pt, .safetensors or .tflite)"
    )]
    UnknownFormat { path: PathBuf },
    #[error("tensor '{key}' has dtype {dtype}, which is not a floating-point weight type")]
    UnsupportedDtype { key: String, dtype: String },
    #[error(
        "checkpoint does not fit {model}: tensor '{key}' has shape {found:?}, the network expects {expected:?}"
    )]
    ShapeMismatch {
        model: String,
        key: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    #[error(
        "checkpoint does not fit {model}: {}",
        describe_keys(missing, unexpected)
    )]
    Keys {
        model: String,
        missing: Vec<String>,
        unexpected: Vec<String>,
    },
    #[error("cannot tell which network {path} holds: {reason}")]
    UnknownConfig { path: PathBuf, reason: String },
    #[error("invalid configuration in {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("applying weights failed: {0}")]
    Apply(String),
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
}

fn describe_keys(missing: &[String], unexpected: &[String]) -> String {
    let list = |keys: &[String]| {
        let shown: Vec<&str> = keys.iter().take(8).map(String::as_str).collect();
        let more = keys.len().saturating_sub(shown.len());
        if more > 0 {
            format!("{} … and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "{} missing tensor(s): {}",
            missing.len(),
            list(missing)
        ));
    }
    if !unexpected.is_empty() {
        parts.push(format!(
            "{} unexpected tensor(s): {}",
            unexpected.len(),
            list(unexpected)
        ));
    }
    parts.join("; ")
}

/// Reads a checkpoint, choosing the format by extension.
pub fn read_checkpoint(path: &Path) -> Result<Checkpoint, WeightsError> {
    if is_builtin(path) {
        return builtin::read_builtin();
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "pth" | "pt" | "tar" | "ckpt" => read_pth(path),
        "safetensors" => read_safetensors(path),
        "tflite" => read_tflite(path).map(|import| import.checkpoint),
        _ => Err(WeightsError::UnknownFormat {
            path: path.to_path_buf(),
        }),
    }
}

impl Checkpoint {
    fn empty(path: &Path, format: CheckpointFormat, stored_config: Option<AssdConfig>) -> Self {
        Self {
            path: path.to_path_buf(),
            format,
            tensors: BTreeMap::new(),
            file_names: BTreeMap::new(),
            unmapped: Vec::new(),
            stored_config,
            bookkeeping: 0,
        }
    }

    /// Number of scalar weights (BN running statistics excluded).
    pub fn num_params(&self) -> usize {
        self.tensors
            .iter()
            .filter(|(k, _)| !k.ends_with(".running_mean") && !k.ends_with(".running_var"))
            .map(|(_, t)| t.data.len())
            .sum()
    }

    fn shape_of(&self, path: &str) -> Option<&[usize]> {
        self.tensors.get(path).map(|t| t.shape.as_slice())
    }

    /// The configuration this checkpoint was made for: the stored one for the project's own
    /// files; otherwise recognised from its tensors (backbone, classes, fusion, attention,
    /// and the input size from the head layout).
    pub fn detect_config(&self) -> Result<AssdConfig, WeightsError> {
        if let Some(config) = &self.stored_config {
            return Ok(config.clone());
        }
        let fail = |reason: &str| WeightsError::UnknownConfig {
            path: self.path.clone(),
            reason: reason.to_string(),
        };
        let resnet = self.tensors.contains_key("backbone.layer1.0.conv1.weight");
        let vgg = self.tensors.contains_key("backbone.convs.0.weight");
        let conf0 = self
            .shape_of("heads.conf.0.weight")
            .ok_or_else(|| fail("it has no first confidence head (conf_layers.0.weight)"))?;
        let scales = self
            .tensors
            .keys()
            .filter(|k| k.starts_with("heads.conf.") && k.ends_with(".weight"))
            .count();
        let mut config = match (resnet, vgg, scales) {
            (true, _, 7) => AssdConfig::assd513(),
            (false, true, 6) => AssdConfig::ssd300(),
            (false, true, 7) => AssdConfig::ssd512(),
            _ => {
                return Err(fail(
                    "neither a ResNet-101 (7 scales) nor a VGG16 (6 or 7 scales) ASSD layout",
                ));
            }
        };
        let boxes0 = config.scales[0].boxes_per_location();
        if conf0[0] % boxes0 != 0 {
            return Err(fail(&format!(
                "conf head 0 has {} outputs, not a multiple of {boxes0} boxes",
                conf0[0]
            )));
        }
        config.num_classes = conf0[0] / boxes0;
        config.fusion = self.tensors.contains_key("fusion.conv.weight");
        config.attention = self.tensors.contains_key("attention.0.query.weight");
        if config.backbone == BackboneKind::Vgg16 {
            config.extras_batch_norm = self.tensors.contains_key("extras.0.bn.gamma");
        }
        if config.backbone == BackboneKind::ResNet101
            && self
                .shape_of("extras.7.conv.weight")
                .is_some_and(|s| s.len() == 4 && s[2] == 2)
        {
            config = AssdConfig::assd321()
                .with_num_classes(config.num_classes)
                .with_fusion(config.fusion)
                .with_attention(config.attention);
        }
        config.name = match (config.backbone, config.fusion, config.attention) {
            (BackboneKind::Vgg16, false, false) => format!("ssd{}", config.input_size),
            (_, true, true) => format!("assd{}", config.input_size),
            (_, fusion, attention) => format!(
                "assd{}{}{}",
                config.input_size,
                if fusion { "" } else { "-nofusion" },
                if attention { "" } else { "-noattention" }
            ),
        };
        Ok(config)
    }
}

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

/// `model` with an ASSD attention unit added on every source (value convs at zero, so the
/// result computes exactly what `model` does): SSD-MobileNet → ASSD-MobileNet. `name` is the
/// new configuration's name.
pub fn add_attention(model: &Assd, name: &str, device: &Device) -> Result<Assd, WeightsError> {
    let config = AssdConfig {
        name: name.to_string(),
        ..model
            .config
            .clone()
            .with_attention(true)
            .with_attention_identity_init(true)
    };
    let mut out = config.init(device).map_err(|e| WeightsError::Config {
        path: PathBuf::from(name),
        message: e.to_string(),
    })?;
    let result = out.apply(model.collect(None, None, true), None, None, true);
    if let Some(err) = result.errors.first() {
        return Err(WeightsError::Apply(err.to_string()));
    }
    Ok(out)
}
