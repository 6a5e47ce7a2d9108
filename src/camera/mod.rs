//! Live frame sources: webcams (nokhwa) and a file-backed virtual camera that plays a folder of
//! frames at a set rate through exactly the same pipeline, plus the latest-frame-wins stream
//! between a source and the model.

mod error;
mod source;
mod source_spec;
mod stream;
mod virtual_camera;
mod webcam;

pub use error::CameraError;
pub use source::{FrameSource, SourceInfo};
pub use source_spec::SourceSpec;
pub use stream::{CameraStream, Frame, LatestFrame, StreamState, StreamStats};
pub use virtual_camera::VirtualCamera;
pub use webcam::{CameraEntry, FormatRequest, Webcam, list_cameras};
