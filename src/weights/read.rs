//! Reading any checkpoint: the format is chosen by the file's extension.

use std::path::Path;

use super::builtin::{is_builtin, read_builtin};
use super::checkpoint::Checkpoint;
use super::error::WeightsError;
use super::pth::read_pth;
use super::safetensors_file::read_safetensors;
use super::tflite::read_tflite;

/// Reads a checkpoint, choosing the format by extension.
pub fn read_checkpoint(path: &Path) -> Result<Checkpoint, WeightsError> {
    if is_builtin(path) {
        return read_builtin();
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
