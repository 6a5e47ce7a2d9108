//! YOLO (Ultralytics layout): `images/[split/]`, `labels/[split/]` with one `class cx cy w h`
//! line (normalised) per object, class names from `data.yaml` (`names:` list or map).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::collection::Dataset;
use super::error::{DatasetError, read_to_string};
use super::reader::DatasetReader;
use super::sample::{Object, Sample};
use crate::image_files::images_in;

pub struct YoloReader {
    root: PathBuf,
    split: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Names {
    List(Vec<String>),
    Map(BTreeMap<usize, String>),
}

#[derive(Deserialize)]
struct DataYaml {
    names: Names,
}

impl YoloReader {
    /// `split`: the sub-folder of `images/` and `labels/` (e.g. `train`); `None` for a flat
    /// layout.
    pub fn new(root: &Path, split: Option<&str>) -> Self {
        Self {
            root: root.to_path_buf(),
            split: split.map(str::to_string),
        }
    }

    fn classes(&self) -> Result<Vec<String>, DatasetError> {
        let path = ["data.yaml", "data.yml", "dataset.yaml"]
            .iter()
            .map(|n| self.root.join(n))
            .find(|p| p.is_file())
            .ok_or_else(|| DatasetError::Layout {
                path: self.root.clone(),
                message: "no data.yaml with the class names".into(),
            })?;
        let text = read_to_string(&path)?;
        let data: DataYaml = serde_yaml_ng::from_str(&text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            DatasetError::Syntax {
                path: path.clone(),
                line,
                column,
                message: e.to_string(),
            }
        })?;
        Ok(match data.names {
            Names::List(names) => names,
            Names::Map(map) => {
                // Indices must run 0..n without gaps.
                for (expected, index) in map.keys().enumerate() {
                    if *index != expected {
                        return Err(DatasetError::Entry {
                            path,
                            entry: "names".into(),
                            message: format!("class index {expected} is missing"),
                        });
                    }
                }
                map.into_values().collect()
            }
        })
    }
}

fn parse_labels(
    path: &Path,
    text: &str,
    classes: usize,
    [width, height]: [u32; 2],
) -> Result<Vec<Object>, DatasetError> {
    let mut objects = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        if tokens.is_empty() {
            continue;
        }
        let bad = |field: &str, message: String| DatasetError::Field {
            path: path.to_path_buf(),
            line: i + 1,
            field: field.to_string(),
            message,
        };
        if tokens.len() != 5 {
            return Err(bad(
                "line",
                format!("expected 'class cx cy w h', found {} values", tokens.len()),
            ));
        }
        let class = tokens[0]
            .parse::<usize>()
            .ok()
            .filter(|c| *c < classes)
            .ok_or_else(|| {
                bad(
                    "class",
                    format!("'{}' is not a class index below {classes}", tokens[0]),
                )
            })?;
        let mut v = [0f32; 4];
        for (k, name) in ["cx", "cy", "w", "h"].iter().enumerate() {
            v[k] = tokens[k + 1]
                .parse::<f32>()
                .ok()
                .filter(|x| x.is_finite() && (0.0..=1.0).contains(x))
                .ok_or_else(|| {
                    bad(
                        name,
                        format!("'{}' is not a number in [0, 1]", tokens[k + 1]),
                    )
                })?;
        }
        let [cx, cy, w, h] = v;
        if w <= 0.0 || h <= 0.0 {
            return Err(bad("w/h", "empty box".into()));
        }
        let (iw, ih) = (width as f32, height as f32);
        objects.push(Object {
            class,
            bbox: [
                (cx - w / 2.0) * iw,
                (cy - h / 2.0) * ih,
                (cx + w / 2.0) * iw,
                (cy + h / 2.0) * ih,
            ],
            difficult: false,
            area: None,
        });
    }
    Ok(objects)
}

impl DatasetReader for YoloReader {
    fn read(&self) -> Result<Dataset, DatasetError> {
        let classes = self.classes()?;
        let sub = |top: &str| match &self.split {
            Some(s) => self.root.join(top).join(s),
            None => self.root.join(top),
        };
        let (image_dir, label_dir) = (sub("images"), sub("labels"));
        let images = images_in(&image_dir).map_err(|source| DatasetError::Io {
            path: image_dir.clone(),
            source,
        })?;
        let mut samples = Vec::with_capacity(images.len());
        for image in images {
            let (width, height) =
                image::image_dimensions(&image).map_err(|e| DatasetError::Layout {
                    path: image.clone(),
                    message: e.to_string(),
                })?;
            let stem = image.file_stem().unwrap_or_default().to_string_lossy();
            let label = label_dir.join(format!("{stem}.txt"));
            // No label file: an image without objects (the YOLO convention).
            let objects = if label.is_file() {
                parse_labels(
                    &label,
                    &read_to_string(&label)?,
                    classes.len(),
                    [width, height],
                )?
            } else {
                Vec::new()
            };
            samples.push(Sample {
                image,
                width,
                height,
                objects,
            });
        }
        Ok(Dataset {
            classes,
            samples,
            skipped: Vec::new(),
        })
    }
}
