//! A "camera" that plays a folder of frames in a loop at a set rate. It goes through the same
//! stream, worker and UI as a webcam, which is how the live path is tested without hardware;
//! removing the folder mid-stream is how a test unplugs it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::RgbImage;

use super::error::CameraError;
use super::source::{FrameSource, SourceInfo};
use crate::image_files::images_in;
use crate::preprocess::{ImageLoadError, load_image};

pub struct VirtualCamera {
    name: String,
    frames: Vec<PathBuf>,
    next: usize,
    period: Duration,
    due: Option<Instant>,
    size: (u32, u32),
}

impl VirtualCamera {
    /// Opens `folder` (its image files, by name) to play at `fps`.
    pub fn open(folder: &Path, fps: f32) -> Result<Self, CameraError> {
        let name = format!("virtual camera {}", folder.display());
        if !(fps > 0.0 && fps.is_finite()) {
            return Err(CameraError::Other(format!(
                "{name}: frame rate must be positive"
            )));
        }
        let frames = images_in(folder).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => CameraError::Disconnected(name.clone()),
            _ => CameraError::Other(format!("{name}: {e}")),
        })?;
        let first = frames
            .first()
            .ok_or_else(|| CameraError::Other(format!("{name}: no image files in the folder")))?;
        let size = image::image_dimensions(first)
            .map_err(|e| CameraError::Other(format!("{}: {e}", first.display())))?;
        Ok(Self {
            name,
            frames,
            next: 0,
            period: Duration::from_secs_f32(1.0 / fps),
            due: None,
            size,
        })
    }
}

impl FrameSource for VirtualCamera {
    fn info(&self) -> SourceInfo {
        SourceInfo {
            name: self.name.clone(),
            width: self.size.0,
            height: self.size.1,
            fps: 1.0 / self.period.as_secs_f32(),
        }
    }

    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        let now = Instant::now();
        let due = self.due.unwrap_or(now);
        if due > now {
            std::thread::sleep(due - now);
        }
        // Behind by more than a frame (a slow disk): restart the clock instead of bursting.
        let after = Instant::now();
        self.due = Some(
            if after > due + self.period {
                after
            } else {
                due
            } + self.period,
        );
        let path = &self.frames[self.next];
        self.next = (self.next + 1) % self.frames.len();
        load_image(path).map_err(|e| match e {
            ImageLoadError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                CameraError::Disconnected(self.name.clone())
            }
            other => CameraError::Other(other.to_string()),
        })
    }
}
