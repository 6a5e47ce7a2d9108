//! Webcams through nokhwa (V4L2, AVFoundation, Media Foundation), with their failures sorted
//! into the cases a user can act on.

use image::RgbImage;
use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
    Resolution,
};

use super::error::CameraError;
use super::source::{FrameSource, SourceInfo};

/// A camera the system lists.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraEntry {
    pub index: u32,
    pub name: String,
    pub description: String,
}

/// The resolution and rate asked of a webcam (it picks the closest it supports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum FormatRequest {
    /// 640×480 at 30 fps: enough for a detector that resizes to 513² anyway.
    #[default]
    Vga30,
    Hd30,
    HighestResolution,
    HighestFrameRate,
}

impl FormatRequest {
    pub const ALL: [FormatRequest; 4] = [
        FormatRequest::Vga30,
        FormatRequest::Hd30,
        FormatRequest::HighestResolution,
        FormatRequest::HighestFrameRate,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FormatRequest::Vga30 => "640×480, 30 fps",
            FormatRequest::Hd30 => "1280×720, 30 fps",
            FormatRequest::HighestResolution => "highest resolution",
            FormatRequest::HighestFrameRate => "highest frame rate",
        }
    }

    fn requested(self) -> RequestedFormat<'static> {
        let closest = |w, h| {
            RequestedFormatType::Closest(CameraFormat::new(
                Resolution::new(w, h),
                FrameFormat::MJPEG,
                30,
            ))
        };
        RequestedFormat::new::<RgbFormat>(match self {
            FormatRequest::Vga30 => closest(640, 480),
            FormatRequest::Hd30 => closest(1280, 720),
            FormatRequest::HighestResolution => RequestedFormatType::AbsoluteHighestResolution,
            FormatRequest::HighestFrameRate => RequestedFormatType::AbsoluteHighestFrameRate,
        })
    }
}

/// The cameras the system lists (empty when there are none).
pub fn list_cameras() -> Result<Vec<CameraEntry>, CameraError> {
    let found = std::panic::catch_unwind(|| nokhwa::query(ApiBackend::Auto)).map_err(|_| {
        CameraError::Other("the camera backend crashed while listing cameras".into())
    })?;
    let infos = match found {
        Ok(infos) => infos,
        Err(e) => return Err(classify(&e.to_string(), "the camera list")),
    };
    Ok(infos
        .into_iter()
        .filter_map(|info| match info.index() {
            CameraIndex::Index(index) => Some(CameraEntry {
                index: *index,
                name: info.human_name(),
                description: info.description().to_string(),
            }),
            CameraIndex::String(_) => None,
        })
        .collect())
}

/// Sorts an OS error message into what the user can do. V4L2 reports errno texts, the other
/// backends their own wording; anything unrecognised is shown as it is.
fn classify(message: &str, name: &str) -> CameraError {
    let m = message.to_ascii_lowercase();
    if m.contains("permission denied")
        || m.contains("not authorized")
        || m.contains("access is denied")
    {
        CameraError::PermissionDenied(name.to_string())
    } else if m.contains("busy") || m.contains("in use") {
        CameraError::Busy(name.to_string())
    } else if m.contains("no such device")
        || m.contains("no such file")
        || m.contains("disconnected")
        || m.contains("not found")
    {
        CameraError::Disconnected(name.to_string())
    } else {
        CameraError::Other(format!("{name}: {message}"))
    }
}

/// An open webcam, streaming.
pub struct Webcam {
    camera: Camera,
    name: String,
}

impl Webcam {
    pub fn open(index: u32, name: &str, format: FormatRequest) -> Result<Self, CameraError> {
        let mut camera =
            Camera::new(CameraIndex::Index(index), format.requested()).map_err(|e| {
                let message = e.to_string();
                // Opening an index that does not exist is "no camera", not a disconnect.
                if list_cameras().is_ok_and(|c| c.iter().all(|c| c.index != index)) {
                    CameraError::NoCamera
                } else {
                    classify(&message, name)
                }
            })?;
        camera
            .open_stream()
            .map_err(|e| classify(&e.to_string(), name))?;
        Ok(Self {
            camera,
            name: name.to_string(),
        })
    }
}

impl FrameSource for Webcam {
    fn info(&self) -> SourceInfo {
        let format = self.camera.camera_format();
        SourceInfo {
            name: self.name.clone(),
            width: format.resolution().width(),
            height: format.resolution().height(),
            fps: format.frame_rate() as f32,
        }
    }

    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        let buffer = self
            .camera
            .frame()
            .map_err(|e| classify(&e.to_string(), &self.name))?;
        // A corrupt MJPEG frame is an `Other` error: the stream skips it and goes on.
        let decoded = buffer
            .decode_image::<RgbFormat>()
            .map_err(|e| CameraError::Other(format!("{}: bad frame: {e}", self.name)))?;
        let (w, h) = decoded.dimensions();
        RgbImage::from_raw(w, h, decoded.into_raw())
            .ok_or_else(|| CameraError::Other(format!("{}: bad frame size", self.name)))
    }
}

impl Drop for Webcam {
    fn drop(&mut self) {
        // Releases the device for other programs (and for the next Start).
        let _ = self.camera.stop_stream();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_become_actionable_messages() {
        let name = "USB Camera";
        assert_eq!(
            classify(
                "Could not open device 0: Permission denied (os error 13)",
                name
            ),
            CameraError::PermissionDenied(name.into())
        );
        assert_eq!(
            classify(
                "Could not open device stream: Device or resource busy (os error 16)",
                name
            ),
            CameraError::Busy(name.into())
        );
        assert_eq!(
            classify(
                "Could not capture frame: No such device (os error 19)",
                name
            ),
            CameraError::Disconnected(name.into())
        );
        assert!(
            matches!(classify("Invalid argument", name), CameraError::Other(m) if m.contains("Invalid argument"))
        );
        assert!(
            CameraError::Busy(name.into())
                .to_string()
                .contains("another program")
        );
    }
}
