//! Annotated datasets: PASCAL VOC XML, COCO JSON and YOLO txt, read into one in-memory form
//! (images with pixel boxes and class indices). Malformed files are errors that name the file
//! and the line or field.

mod coco;
mod voc;
mod yolo;

use std::path::{Path, PathBuf};

pub use coco::CocoReader;
pub use voc::{VocReader, annotation_xml, read_annotation, write_annotation};
pub use yolo::YoloReader;

/// One annotated object.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// Index into [`Dataset::classes`].
    pub class: usize,
    /// `[x1, y1, x2, y2]` in pixels, 0-based, continuous (VOC's 1-based corners minus 1, as the
    /// authors' loader does).
    pub bbox: [f32; 4],
    /// VOC `difficult` / COCO `iscrowd`: left out of training, ignored by evaluation.
    pub difficult: bool,
}

/// One image and its objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub image: PathBuf,
    pub width: u32,
    pub height: u32,
    pub objects: Vec<Object>,
}

impl Sample {
    /// Boxes normalised and y-first (`[y1, x1, y2, x2]`), with 1-based labels (0 is
    /// background), difficult objects dropped: the training targets.
    pub fn targets(&self) -> (Vec<[f32; 4]>, Vec<usize>) {
        let (w, h) = (self.width as f32, self.height as f32);
        self.objects
            .iter()
            .filter(|o| !o.difficult)
            .map(|o| {
                let [x1, y1, x2, y2] = o.bbox;
                ([y1 / h, x1 / w, y2 / h, x2 / w], o.class + 1)
            })
            .unzip()
    }
}

/// A dataset: class names and samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub classes: Vec<String>,
    pub samples: Vec<Sample>,
    /// Annotations skipped (e.g. zero-area boxes), each naming its file and line.
    pub skipped: Vec<String>,
}

impl Dataset {
    pub fn object_count(&self) -> usize {
        self.samples.iter().map(|s| s.objects.len()).sum()
    }
}

/// A way of reading a dataset from disk.
pub trait DatasetReader {
    fn read(&self) -> Result<Dataset, DatasetError>;
}

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not well-formed (XML, JSON, YAML).
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A field is missing or has a bad value.
    #[error("{path}:{line}: {field}: {message}")]
    Field {
        path: PathBuf,
        line: usize,
        field: String,
        message: String,
    },
    /// An entry of a structured file (JSON) that parses but does not make sense.
    #[error("{path}: {entry}: {message}")]
    Entry {
        path: PathBuf,
        entry: String,
        message: String,
    },
    #[error("{path}: {message}")]
    Layout { path: PathBuf, message: String },
}

pub(crate) fn read_to_string(path: &Path) -> Result<String, DatasetError> {
    std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })
}

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

/// Guesses the format of `path`: a `.json` file is COCO, a folder with `Annotations/` is VOC,
/// one with `labels/` is YOLO.
pub fn detect_format(path: &Path) -> Result<Format, DatasetError> {
    if path.is_file() && path.extension().is_some_and(|e| e == "json") {
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
        Format::Coco => CocoReader::new(path, images).read(),
        Format::Yolo | Format::Auto => YoloReader::new(path, split).read(),
    }
}
