//! Live frame sources: webcams (nokhwa) and a file-backed virtual camera that plays a folder of
//! frames at a set rate through exactly the same pipeline, plus the latest-frame-wins stream
//! between a source and the model.

mod stream;
mod virtual_camera;
mod webcam;

use std::path::PathBuf;

use image::RgbImage;

pub use stream::{CameraStream, Frame, LatestFrame, StreamState, StreamStats};
pub use virtual_camera::VirtualCamera;
pub use webcam::{CameraEntry, FormatRequest, Webcam, list_cameras};

/// Why a camera cannot deliver frames. Each says what the user can do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CameraError {
    #[error("no camera found: plug one in, or play a folder of frames as a virtual camera")]
    NoCamera,
    #[error("permission to use {0} was denied: allow camera access for this program and retry")]
    PermissionDenied(String),
    #[error("{0} is in use by another program: close it and press Start again")]
    Busy(String),
    #[error("{0} was disconnected: plug it back in and press Start again")]
    Disconnected(String),
    #[error("{0}")]
    Other(String),
}

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

/// Which source to open: chosen on the UI thread, opened on the capture thread (camera handles
/// are not `Send` on every platform).
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    Webcam {
        index: u32,
        name: String,
        format: FormatRequest,
    },
    Virtual {
        folder: PathBuf,
        fps: f32,
    },
}

impl SourceSpec {
    pub fn open(&self) -> Result<Box<dyn FrameSource>, CameraError> {
        match self {
            SourceSpec::Webcam {
                index,
                name,
                format,
            } => Ok(Box::new(Webcam::open(*index, name, *format)?)),
            SourceSpec::Virtual { folder, fps } => Ok(Box::new(VirtualCamera::open(folder, *fps)?)),
        }
    }

    /// Short name for the status line.
    pub fn label(&self) -> String {
        match self {
            SourceSpec::Webcam { name, .. } => name.clone(),
            SourceSpec::Virtual { folder, fps } => {
                format!("virtual camera {} @ {fps} fps", folder.display())
            }
        }
    }

    /// Parses the command line's `--camera`: a webcam index (`0`) or `virtual:FOLDER[@FPS]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(rest) = text.strip_prefix("virtual:") {
            let (folder, fps) = match rest.rsplit_once('@') {
                Some((folder, fps)) => (
                    folder,
                    fps.parse::<f32>()
                        .ok()
                        .filter(|f| *f > 0.0 && f.is_finite())
                        .ok_or_else(|| format!("bad frame rate '{fps}' in '{text}'"))?,
                ),
                None => (rest, 10.0),
            };
            return Ok(SourceSpec::Virtual {
                folder: PathBuf::from(folder),
                fps,
            });
        }
        let index = text
            .parse::<u32>()
            .map_err(|_| format!("'{text}' is neither a camera index nor virtual:FOLDER[@FPS]"))?;
        Ok(SourceSpec::Webcam {
            index,
            name: format!("camera {index}"),
            format: FormatRequest::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_camera_arguments() {
        assert_eq!(
            SourceSpec::parse("virtual:frames/run1@12.5"),
            Ok(SourceSpec::Virtual {
                folder: "frames/run1".into(),
                fps: 12.5
            })
        );
        assert_eq!(
            SourceSpec::parse("virtual:frames"),
            Ok(SourceSpec::Virtual {
                folder: "frames".into(),
                fps: 10.0
            })
        );
        assert!(matches!(
            SourceSpec::parse("2"),
            Ok(SourceSpec::Webcam { index: 2, .. })
        ));
        assert!(SourceSpec::parse("virtual:x@0").is_err());
        assert!(SourceSpec::parse("front").is_err());
    }
}
