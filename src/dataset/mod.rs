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

    /// The classes renamed to a model's outputs: class c becomes model label `labels[c]`
    /// (1-based), and the class list is `model_names[1..]`, so class index = label − 1.
    pub fn relabelled(self, labels: &[usize], model_names: &[String]) -> Dataset {
        let samples = renumbered(self.samples, |c| Some(labels[c] - 1));
        Dataset {
            classes: model_names.get(1..).unwrap_or_default().to_vec(),
            samples,
            skipped: self.skipped,
        }
    }

    /// Both datasets' images; `other`'s classes are matched to this one's by name, new ones
    /// appended.
    pub fn merged(mut self, other: Dataset) -> Dataset {
        let index: Vec<usize> = other
            .classes
            .iter()
            .map(|c| match self.classes.iter().position(|x| x == c) {
                Some(i) => i,
                None => {
                    self.classes.push(c.clone());
                    self.classes.len() - 1
                }
            })
            .collect();
        self.samples
            .extend(renumbered(other.samples, |c| Some(index[c])));
        self.skipped.extend(other.skipped);
        self
    }

    /// (every image but each k-th, each k-th): a fixed held-out split (k ≥ 2), in reading order.
    pub fn split_every(self, k: usize) -> (Dataset, Dataset) {
        let k = k.max(2);
        let (mut kept, mut held) = (Vec::new(), Vec::new());
        for (i, s) in self.samples.into_iter().enumerate() {
            if i % k == k - 1 {
                held.push(s);
            } else {
                kept.push(s);
            }
        }
        let make = |samples| Dataset {
            classes: self.classes.clone(),
            samples,
            skipped: Vec::new(),
        };
        let mut train = make(kept);
        train.skipped = self.skipped.clone();
        (train, make(held))
    }

    /// The split `assd train --holdout-every k [--val-every j]` and `assd eval` agree on:
    /// every k-th image is held out; with `j`, every j-th of the rest is the validation part
    /// instead. Returns (training images, the part validated or evaluated on).
    pub fn holdout(self, k: usize, val_every: Option<usize>) -> (Dataset, Dataset) {
        let (kept, held_out) = self.split_every(k);
        match val_every {
            Some(j) => kept.split_every(j),
            None => (kept, held_out),
        }
    }

    /// Only the classes `map` gives a value for (e.g. the model labels of the classes a model
    /// shares with the dataset), renumbered in order, their objects kept and the others
    /// dropped; returns the dataset and the kept classes' values.
    pub fn restricted_to<T: Copy>(self, map: &[Option<T>]) -> (Dataset, Vec<T>) {
        let mut index = vec![None; self.classes.len()];
        let mut classes = Vec::new();
        let mut values = Vec::new();
        for (c, name) in self.classes.iter().enumerate() {
            if let Some(v) = map.get(c).copied().flatten() {
                index[c] = Some(classes.len());
                classes.push(name.clone());
                values.push(v);
            }
        }
        let samples = renumbered(self.samples, |c| index[c]);
        (
            Dataset {
                classes,
                samples,
                skipped: self.skipped,
            },
            values,
        )
    }
}

/// Every object's class `c` replaced by `class(c)`; objects it maps to `None` are dropped.
fn renumbered(samples: Vec<Sample>, class: impl Fn(usize) -> Option<usize>) -> Vec<Sample> {
    samples
        .into_iter()
        .map(|s| Sample {
            objects: s
                .objects
                .into_iter()
                .filter_map(|o| class(o.class).map(|class| Object { class, ..o }))
                .collect(),
            ..s
        })
        .collect()
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
