//! The images the app knows: the open folder's files, which one is shown, each image's cached
//! forward pass or error, and the one the network is running on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use egui::{ColorImage, TextureHandle, TextureOptions};
use image::RgbImage;

use super::worker::LIVE_KEY;
use crate::detect::{DetectConfig, Detection};
use crate::image_files::images_in;
use crate::inference::{DetectionHead, RawOutputs};

/// Images whose forward pass stays cached (going back to them is instant).
const CACHED_IMAGES: usize = 48;

/// One image's forward pass and what is derived from it.
pub struct Entry {
    pub image: Arc<RgbImage>,
    pub raw: Arc<RawOutputs>,
    pub texture: Option<TextureHandle>,
    pub inference_time: Duration,
    /// Detections for `filtered_with`.
    pub detections: Vec<Detection>,
    pub filtered_with: Option<DetectConfig>,
}

impl Entry {
    /// A fresh forward pass, not yet filtered.
    pub fn new(
        image: Arc<RgbImage>,
        raw: Arc<RawOutputs>,
        texture: Option<TextureHandle>,
        inference_time: Duration,
    ) -> Self {
        Self {
            image,
            raw,
            texture,
            inference_time,
            detections: Vec::new(),
            filtered_with: None,
        }
    }

    /// A decoded image's forward pass, with its texture made in `ctx` under `name`.
    pub fn decoded(
        ctx: &egui::Context,
        name: String,
        image: Arc<RgbImage>,
        raw: Arc<RawOutputs>,
        inference_time: Duration,
    ) -> Self {
        let texture = ctx.load_texture(name, pixels(&image), TextureOptions::LINEAR);
        Self::new(image, raw, Some(texture), inference_time)
    }

    /// `[width, height]` in pixels.
    pub fn size(&self) -> [u32; 2] {
        [self.image.width(), self.image.height()]
    }

    /// Re-runs decode + NMS from the raw outputs unless they were filtered with `config`;
    /// true when the detections changed.
    pub fn refilter(&mut self, head: &DetectionHead, config: DetectConfig) -> bool {
        if self.filtered_with == Some(config) {
            return false;
        }
        self.detections = head.detections(&self.raw, &config);
        self.filtered_with = Some(config);
        true
    }
}

fn pixels(image: &RgbImage) -> ColorImage {
    let size = [image.width() as usize, image.height() as usize];
    ColorImage::from_rgb(size, image.as_raw())
}

/// The open folder and the results per image.
#[derive(Default)]
pub struct Library {
    folder: Option<PathBuf>,
    files: Vec<PathBuf>,
    current: Option<usize>,
    entries: HashMap<PathBuf, Entry>,
    errors: HashMap<PathBuf, String>,
    /// Image whose forward pass is running.
    running: Option<PathBuf>,
    /// How long the last threshold re-filter took.
    last_filter_time: Duration,
}

impl Library {
    /// Lists the folder of `path` (or `path` itself, a folder) as the new file list. Returns
    /// the folder and the index to show: the file opened, else the folder's first image.
    pub fn open(&mut self, path: &Path) -> Result<(PathBuf, Option<usize>), String> {
        let (folder, select) = if path.is_dir() {
            (path.to_path_buf(), None)
        } else {
            let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
            (parent, Some(path.to_path_buf()))
        };
        let listed = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &folder
        };
        let mut files = match images_in(listed) {
            Ok(files) => files,
            Err(err) => {
                let error = format!("cannot read folder: {err}");
                self.errors.insert(path.to_path_buf(), error.clone());
                return Err(error);
            }
        };
        if let Some(p) = &select
            && !files.contains(p)
        {
            // A file without an image extension, opened explicitly: still try it.
            files.insert(0, p.clone());
        }
        let index = match &select {
            Some(p) => files.iter().position(|f| f == p),
            None if files.is_empty() => None,
            None => Some(0),
        };
        self.files = files;
        self.current = None;
        self.folder = Some(folder.clone());
        Ok((folder, index))
    }

    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The folder listed, once one is open.
    pub fn folder(&self) -> Option<&Path> {
        self.folder.as_deref()
    }

    /// Index of the file shown in the strip.
    pub fn current(&self) -> Option<usize> {
        self.current
    }

    /// The selected file (not the live stream).
    pub fn current_file(&self) -> Option<&PathBuf> {
        self.current.and_then(|i| self.files.get(i))
    }

    /// Makes file `index` the current one; true when it was not already. It returns the path
    /// to run when that image has neither a result, nor an error, nor a run under way.
    pub fn set_current(&mut self, index: usize) -> Option<(bool, Option<PathBuf>)> {
        let path = self.files.get(index)?.clone();
        let changed = self.current != Some(index);
        self.current = Some(index);
        let known = self.entries.contains_key(&path) || self.errors.contains_key(&path);
        if known || self.running.as_ref() == Some(&path) {
            return Some((changed, None));
        }
        self.running = Some(path.clone());
        Some((changed, Some(path)))
    }

    pub fn entry(&self, path: &Path) -> Option<&Entry> {
        self.entries.get(path)
    }

    /// Re-filters `path`'s raw outputs unless they were filtered with `config`; true when the
    /// detections changed.
    pub fn refilter(&mut self, path: &Path, head: &DetectionHead, config: DetectConfig) -> bool {
        let start = std::time::Instant::now();
        let changed = (self.entries.get_mut(path)).is_some_and(|e| e.refilter(head, config));
        if changed {
            self.last_filter_time = start.elapsed();
        }
        changed
    }

    pub fn last_filter_time(&self) -> Duration {
        self.last_filter_time
    }

    pub fn error(&self, path: &Path) -> Option<&str> {
        self.errors.get(path).map(String::as_str)
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// A forward pass arrived: cached (dropping the farthest images beyond the bound).
    pub fn insert(&mut self, path: PathBuf, entry: Entry) {
        self.finished(&path);
        self.evict();
        self.entries.insert(path, entry);
    }

    /// The live stream's newest frame replaces the one under `key`: same texture, new pixels
    /// (no new GPU allocation per frame).
    pub fn show_frame(
        &mut self,
        ctx: &egui::Context,
        key: PathBuf,
        image: Arc<RgbImage>,
        raw: Arc<RawOutputs>,
        elapsed: Duration,
    ) {
        match self.entries.get_mut(&key) {
            Some(entry) if entry.texture.is_some() => {
                if let Some(texture) = &mut entry.texture {
                    texture.set(pixels(&image), TextureOptions::LINEAR);
                }
                entry.image = image;
                entry.raw = raw;
                entry.inference_time = elapsed;
                entry.filtered_with = None;
            }
            _ => {
                let entry = Entry::decoded(ctx, "live".into(), image, raw, elapsed);
                self.entries.insert(key, entry);
            }
        }
    }

    /// Running `path` failed with `error`.
    pub fn fail(&mut self, path: PathBuf, error: String) {
        self.finished(&path);
        self.errors.insert(path, error);
    }

    /// Forgets `path`'s result and error (a new live stream).
    pub fn forget(&mut self, path: &Path) {
        self.entries.remove(path);
        self.errors.remove(path);
    }

    /// Forgets every result and error (new weights), and the run under way.
    pub fn clear_results(&mut self) {
        self.entries.clear();
        self.errors.clear();
        self.running = None;
    }

    fn finished(&mut self, path: &Path) {
        if self.running.as_deref() == Some(path) {
            self.running = None;
        }
    }

    /// Keeps the per-image cache bounded (each entry holds the image, its texture and
    /// ~2.6 MB of raw ASSD513 outputs): drops the entries farthest from the current image.
    fn evict(&mut self) {
        while self.entries.len() >= CACHED_IMAGES {
            let current = self.current.unwrap_or(0);
            let farthest = self
                .entries
                .keys()
                .filter(|p| p.as_os_str() != LIVE_KEY)
                .max_by_key(|p| {
                    self.files
                        .iter()
                        .position(|f| f == *p)
                        .map_or(usize::MAX, |i| i.abs_diff(current))
                })
                .cloned();
            match farthest {
                Some(path) => {
                    self.entries.remove(&path);
                }
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str, files: &[&str]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("assd-library-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for f in files {
            std::fs::write(dir.join(f), b"").unwrap();
        }
        dir
    }

    #[test]
    fn opening_a_file_lists_its_folder_and_selects_it() {
        let dir = folder("open", &["a.png", "b.jpg", "notes.txt"]);
        let mut library = Library::default();
        let (opened, index) = library.open(&dir.join("b.jpg")).unwrap();
        assert_eq!(opened, dir);
        assert_eq!(library.files(), [dir.join("a.png"), dir.join("b.jpg")]);
        assert_eq!(index, Some(1));
        // The first time it must run; asking again while it runs does not ask twice.
        assert_eq!(
            library.set_current(1),
            Some((true, Some(dir.join("b.jpg"))))
        );
        assert_eq!(library.set_current(1), Some((false, None)));
        assert!(library.is_running());
        library.fail(dir.join("b.jpg"), "broken".into());
        assert!(!library.is_running());
        assert_eq!(library.error(&dir.join("b.jpg")), Some("broken"));
        assert_eq!(
            library.set_current(0),
            Some((true, Some(dir.join("a.png"))))
        );
        assert_eq!(library.set_current(7), None);
        // A folder opens on its first image.
        assert_eq!(library.open(&dir).unwrap().1, Some(0));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_folder_is_an_error_kept_for_the_path() {
        let mut library = Library::default();
        let missing = Path::new("/nonexistent/assd/folder");
        let error = library.open(missing).unwrap_err();
        assert!(error.contains("cannot read folder"), "{error}");
        assert_eq!(library.error(missing), Some(error.as_str()));
    }
}
