//! What every frame source implements, and what it says about itself.

use image::RgbImage;

use super::error::CameraError;

/// What a source delivers.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// Nominal frames per second.
    pub fps: f32,
}

/// A source of frames. `next_frame` blocks until the next frame is due (a camera's own pace,
/// or the virtual camera's clock).
pub trait FrameSource {
    fn info(&self) -> SourceInfo;
    fn next_frame(&mut self) -> Result<RgbImage, CameraError>;
}
