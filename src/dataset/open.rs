//! Reading a dataset from a path in any format.

use std::path::{Path, PathBuf};

use super::coco::CocoReader;
use super::collection::Dataset;
use super::error::DatasetError;
use super::format::{Format, coco_splits, detect_format};
use super::reader::DatasetReader;
use super::voc::VocReader;
use super::yolo::YoloReader;

/// The instances file of `split` (default: the only one) in a COCO root, and its image
/// folder `<root>/<split>/` when that exists.
fn coco_layout(
    root: &Path,
    split: Option<&str>,
) -> Result<(PathBuf, Option<PathBuf>), DatasetError> {
    let splits = coco_splits(root);
    let split = match split {
        Some(s) if splits.iter().any(|x| x == s) => s.to_string(),
        Some(s) => {
            return Err(DatasetError::Layout {
                path: root.to_path_buf(),
                message: format!(
                    "no annotations/instances_{s}.json (splits here: {})",
                    splits.join(", ")
                ),
            });
        }
        None if splits.len() == 1 => splits[0].clone(),
        None => {
            return Err(DatasetError::Layout {
                path: root.to_path_buf(),
                message: format!(
                    "several COCO splits ({}): choose one with --split",
                    splits.join(", ")
                ),
            });
        }
    };
    let images = root.join(&split);
    Ok((
        root.join("annotations")
            .join(format!("instances_{split}.json")),
        images.is_dir().then_some(images),
    ))
}

/// Reads the dataset at `path` (`split`: a VOC image set or a YOLO sub-folder; `images`: the
/// image folder of a COCO file when not beside it).
pub fn open(
    path: &Path,
    format: Format,
    split: Option<&str>,
    images: Option<&Path>,
) -> Result<Dataset, DatasetError> {
    let format = match format {
        Format::Auto => detect_format(path)?,
        f => f,
    };
    match format {
        Format::Voc => VocReader::new(path, split).read(),
        Format::Coco if path.is_dir() => {
            let (json, split_images) = coco_layout(path, split)?;
            CocoReader::new(&json, images.or(split_images.as_deref())).read()
        }
        Format::Coco => CocoReader::new(path, images).read(),
        Format::Yolo | Format::Auto => YoloReader::new(path, split).read(),
    }
}
