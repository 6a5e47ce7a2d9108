//! Which source to open, as the UI and the command line name one.

use std::path::PathBuf;

use super::error::CameraError;
use super::source::FrameSource;
use super::virtual_camera::VirtualCamera;
use super::webcam::{FormatRequest, Webcam};

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
