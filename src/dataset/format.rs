//! The on-disk formats, and how a path's format is recognised.

use std::path::Path;

use super::error::DatasetError;

/// On-disk formats.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Auto,
    Voc,
    Coco,
    Yolo,
}

/// Guesses the format of `path`: a `.json` file or a folder with `annotations/instances_*.json`
/// is COCO, a folder with `Annotations/` is VOC, one with `labels/` is YOLO.
pub fn detect_format(path: &Path) -> Result<Format, DatasetError> {
    if path.is_file() && path.extension().is_some_and(|e| e == "json") {
        return Ok(Format::Coco);
    }
    if !coco_splits(path).is_empty() {
        return Ok(Format::Coco);
    }
    if path.join("Annotations").is_dir() {
        return Ok(Format::Voc);
    }
    if path.join("labels").is_dir() {
        return Ok(Format::Yolo);
    }
    Err(DatasetError::Layout {
        path: path.to_path_buf(),
        message: "not a dataset: expected a COCO instances .json, a VOC root (Annotations/, \
                  JPEGImages/) or a YOLO root (images/, labels/, data.yaml)"
            .into(),
    })
}

/// Splits of a COCO root as people keep it: `annotations/instances_<split>.json`, sorted.
pub fn coco_splits(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join("annotations")) else {
        return Vec::new();
    };
    let mut splits: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("instances_")
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_string)
        })
        .collect();
    splits.sort();
    splits
}
