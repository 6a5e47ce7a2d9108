//! Checkpoints: the authors' PyTorch `.pth` files, the project's own safetensors files, and
//! TensorFlow Lite SSD-MobileNet files (imported, see [`tflite`]).
//!
//! Both are read into host memory as f32 and keyed by module path, checked against the
//! network (first mismatching key named with both shapes, missing/unexpected keys listed),
//! then applied through burn-store.

mod add_attention;
mod builtin;
mod checkpoint;
mod error;
pub mod keymap;
mod load;
mod pth;
mod read;
mod safetensors_file;
mod save;
pub mod tflite;

pub use add_attention::add_attention;
pub use builtin::{BUILTIN_WEIGHTS, DEFAULT_WEIGHTS, is_builtin};
pub use checkpoint::{Checkpoint, CheckpointFormat, HostTensor};
pub use error::WeightsError;
pub use load::{apply_checkpoint, load_model, model_from_checkpoint};
pub use pth::read_pth;
pub use read::read_checkpoint;
pub use safetensors_file::{CONFIG_METADATA_KEY, read_safetensors, read_safetensors_bytes};
pub use save::{save_model, save_model_f16};
pub use tflite::read_tflite;
// Lives in `fsutil` (every atomic write needs it); re-exported for `assd::weights::temp_path`.
pub use crate::fsutil::temp_path;
