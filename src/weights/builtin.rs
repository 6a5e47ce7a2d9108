//! The default model, compiled into the binary so `assd` detects real objects from any
//! directory, with nothing beside it: ASSD-MobileNet on COCO (`weights/README.md`).

use std::path::Path;

use super::checkpoint::Checkpoint;
use super::error::WeightsError;
use super::safetensors_file::read_safetensors_bytes;

/// What `--weights` (and the app) call the embedded model.
pub const BUILTIN_WEIGHTS: &str = "builtin:assd-mobilenet-coco";

/// The weights used when none are given: the model compiled into the binary.
pub const DEFAULT_WEIGHTS: &str = BUILTIN_WEIGHTS;

/// `weights/assd-mobilenet-coco.safetensors` (fp16), as committed.
static BYTES: &[u8] = include_bytes!("../../weights/assd-mobilenet-coco.safetensors");

/// Whether `path` names the embedded model.
pub fn is_builtin(path: &Path) -> bool {
    path.as_os_str() == BUILTIN_WEIGHTS
}

/// The embedded checkpoint.
pub fn read_builtin() -> Result<Checkpoint, WeightsError> {
    read_safetensors_bytes(BYTES, Path::new(BUILTIN_WEIGHTS))
}
