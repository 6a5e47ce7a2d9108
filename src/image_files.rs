//! Which files are images, and the images of a folder.

use std::path::{Path, PathBuf};

/// Extensions read as images (case-insensitive).
pub const IMAGE_EXTENSIONS: [&str; 8] = ["jpg", "jpeg", "jpe", "png", "bmp", "tif", "tiff", "webp"];

pub fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The image files directly inside `dir`, sorted by name.
pub fn images_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_image(p))
        .collect();
    found.sort();
    Ok(found)
}
