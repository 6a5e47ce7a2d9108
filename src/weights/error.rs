//! Why weights could not be read, written or applied.

use std::path::PathBuf;

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
