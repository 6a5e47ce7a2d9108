//! COCO: an instances JSON (`images`, `annotations`, `categories`) and an image folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::collection::Dataset;
use super::error::{DatasetError, read_to_string};
use super::reader::DatasetReader;
use super::sample::{Object, Sample};

pub struct CocoReader {
    instances: PathBuf,
    images: Option<PathBuf>,
}

#[derive(Deserialize)]
struct Instances {
    images: Vec<ImageEntry>,
    #[serde(default)]
    annotations: Vec<Annotation>,
    categories: Vec<Category>,
}

#[derive(Deserialize)]
struct ImageEntry {
    id: u64,
    file_name: String,
    width: u32,
    height: u32,
}

#[derive(Deserialize)]
struct Annotation {
    id: Option<u64>,
    image_id: u64,
    category_id: u64,
    /// `[x, y, width, height]`, 0-based pixels.
    bbox: [f32; 4],
    #[serde(default)]
    iscrowd: u8,
    /// The segmentation's area (absent in some exports: the box's is used).
    #[serde(default)]
    area: Option<f32>,
}

#[derive(Deserialize)]
struct Category {
    id: u64,
    name: String,
}

impl CocoReader {
    /// `images`: the image folder (default: beside the JSON, or its `images/` sub-folder).
    pub fn new(instances: &Path, images: Option<&Path>) -> Self {
        Self {
            instances: instances.to_path_buf(),
            images: images.map(Path::to_path_buf),
        }
    }

    fn image_dir(&self, first: Option<&str>) -> PathBuf {
        if let Some(dir) = &self.images {
            return dir.clone();
        }
        let beside = self
            .instances
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        match first {
            Some(name)
                if !beside.join(name).exists() && beside.join("images").join(name).exists() =>
            {
                beside.join("images")
            }
            _ => beside,
        }
    }
}

impl DatasetReader for CocoReader {
    fn read(&self) -> Result<Dataset, DatasetError> {
        let path = &self.instances;
        let text = read_to_string(path)?;
        let doc: Instances = serde_json::from_str(&text).map_err(|e| DatasetError::Syntax {
            path: path.clone(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let field = |entry: String, message: String| DatasetError::Entry {
            path: path.clone(),
            entry,
            message,
        };
        // Classes in category-id order (COCO's ids have gaps).
        let mut categories = doc.categories;
        categories.sort_by_key(|c| c.id);
        let class_of: HashMap<u64, usize> = categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        let dir = self.image_dir(doc.images.first().map(|i| i.file_name.as_str()));
        let index_of: HashMap<u64, usize> = doc
            .images
            .iter()
            .enumerate()
            .map(|(i, im)| (im.id, i))
            .collect();
        let mut samples: Vec<Sample> = doc
            .images
            .iter()
            .map(|im| Sample {
                image: dir.join(&im.file_name),
                width: im.width,
                height: im.height,
                objects: Vec::new(),
            })
            .collect();
        for (k, a) in doc.annotations.iter().enumerate() {
            let which = |name: &str| {
                let id = a.id.map_or("-".into(), |i| i.to_string());
                format!("annotations[{k}] (id {id}).{name}")
            };
            let class = *class_of.get(&a.category_id).ok_or_else(|| {
                field(
                    which("category_id"),
                    format!("unknown category {}", a.category_id),
                )
            })?;
            let sample = *index_of
                .get(&a.image_id)
                .ok_or_else(|| field(which("image_id"), format!("unknown image {}", a.image_id)))?;
            let [x, y, w, h] = a.bbox;
            if !(w > 0.0 && h > 0.0 && x.is_finite() && y.is_finite()) {
                return Err(field(which("bbox"), format!("bad box {:?}", a.bbox)));
            }
            samples[sample].objects.push(Object {
                class,
                bbox: [x, y, x + w, y + h],
                difficult: a.iscrowd != 0,
                area: a.area,
            });
        }
        Ok(Dataset {
            classes: categories.into_iter().map(|c| c.name).collect(),
            samples,
            skipped: Vec::new(),
        })
    }
}
