//! PASCAL VOC: `Annotations/*.xml`, `JPEGImages/`, `ImageSets/Main/<split>.txt`.

use std::path::{Path, PathBuf};

use roxmltree::{Document, Node};

use super::collection::Dataset;
use super::error::{DatasetError, read_to_string};
use super::reader::DatasetReader;
use super::sample::{Object, Sample};
use crate::labels::VOC_CLASSES;

pub struct VocReader {
    root: PathBuf,
    split: Option<String>,
    classes: Option<Vec<String>>,
}

/// One annotation file, before class names become indices.
struct Parsed {
    image: PathBuf,
    width: u32,
    height: u32,
    objects: Vec<(String, [f32; 4], bool, usize)>,
    skipped: Vec<String>,
}

impl VocReader {
    /// `split`: an image set in `ImageSets/Main/` (every annotation when `None`).
    pub fn new(root: &Path, split: Option<&str>) -> Self {
        Self {
            root: root.to_path_buf(),
            split: split.map(str::to_string),
            classes: None,
        }
    }

    /// Fixes the class list (else: VOC's 20 when every name is one of them, otherwise the
    /// names found, sorted).
    pub fn with_classes(mut self, classes: Vec<String>) -> Self {
        self.classes = Some(classes);
        self
    }

    fn ids(&self) -> Result<Vec<String>, DatasetError> {
        match &self.split {
            Some(split) => {
                let path = self
                    .root
                    .join("ImageSets/Main")
                    .join(format!("{split}.txt"));
                Ok(read_to_string(&path)?
                    .lines()
                    .filter_map(|l| l.split_whitespace().next())
                    .map(str::to_string)
                    .collect())
            }
            None => {
                let dir = self.root.join("Annotations");
                let entries = std::fs::read_dir(&dir).map_err(|source| DatasetError::Io {
                    path: dir.clone(),
                    source,
                })?;
                let mut ids: Vec<String> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "xml"))
                    .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                    .collect();
                ids.sort();
                Ok(ids)
            }
        }
    }
}

fn line(doc: &Document, node: Node) -> usize {
    doc.text_pos_at(node.range().start).row as usize
}

fn child<'a, 'i>(node: Node<'a, 'i>, tag: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(tag))
}

/// Parses one annotation file.
fn parse(path: &Path, text: &str, image_dir: &Path) -> Result<Parsed, DatasetError> {
    let doc = Document::parse(text).map_err(|e| DatasetError::Syntax {
        path: path.to_path_buf(),
        line: e.pos().row as usize,
        column: e.pos().col as usize,
        message: e.to_string(),
    })?;
    let root = doc.root_element();
    let field_error = |node: Node, field: &str, message: String| DatasetError::Field {
        path: path.to_path_buf(),
        line: line(&doc, node),
        field: field.to_string(),
        message,
    };
    let number = |parent: Node, tag: &str| -> Result<f32, DatasetError> {
        let node = child(parent, tag)
            .ok_or_else(|| field_error(parent, tag, format!("missing <{tag}>")))?;
        let text = node.text().unwrap_or("").trim();
        text.parse::<f32>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| field_error(node, tag, format!("'{text}' is not a number")))
    };
    let filename = child(root, "filename")
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let image = match filename {
        Some(name) => image_dir.join(name),
        None => {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            image_dir.join(format!("{stem}.jpg"))
        }
    };
    let (mut width, mut height) = match child(root, "size") {
        Some(size) => (
            number(size, "width")? as u32,
            number(size, "height")? as u32,
        ),
        None => (0, 0),
    };
    if width == 0 || height == 0 {
        // Some tools write 0 or no size: the image header knows.
        let (w, h) = image::image_dimensions(&image).map_err(|e| {
            field_error(
                root,
                "size",
                format!("missing, and {}: {e}", image.display()),
            )
        })?;
        (width, height) = (w, h);
    }
    let mut objects = Vec::new();
    let mut skipped = Vec::new();
    for object in root.children().filter(|n| n.has_tag_name("object")) {
        let name = child(object, "name")
            .and_then(|n| n.text())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| field_error(object, "name", "missing object name".into()))?;
        let difficult = match child(object, "difficult") {
            Some(_) => number(object, "difficult")? != 0.0,
            None => false,
        };
        let bndbox = child(object, "bndbox")
            .ok_or_else(|| field_error(object, "bndbox", "missing <bndbox>".into()))?;
        // VOC corners are 1-based pixel indices; the authors subtract 1.
        let [x1, y1, x2, y2] = [
            number(bndbox, "xmin")? - 1.0,
            number(bndbox, "ymin")? - 1.0,
            number(bndbox, "xmax")? - 1.0,
            number(bndbox, "ymax")? - 1.0,
        ];
        if x2 <= x1 || y2 <= y1 {
            // Real datasets have a few zero-area boxes: nothing to learn or match, skip them.
            skipped.push(format!(
                "{}:{}: empty box ({}, {}, {}, {})",
                path.display(),
                line(&doc, bndbox),
                x1 + 1.0,
                y1 + 1.0,
                x2 + 1.0,
                y2 + 1.0
            ));
            continue;
        }
        objects.push((name, [x1, y1, x2, y2], difficult, line(&doc, object)));
    }
    Ok(Parsed {
        image,
        width,
        height,
        objects,
        skipped,
    })
}

/// XML text with `&`, `<`, `>`, `"` and `'` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// One image's annotation in VOC XML (1-based corners, as VOC and labelImg write them).
pub fn annotation_xml(sample: &Sample, classes: &[String]) -> String {
    let file = sample
        .image
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let folder = sample
        .image
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut xml = format!(
        "<annotation>\n\t<folder>{}</folder>\n\t<filename>{}</filename>\n\t<size>\n\t\t<width>{}</width>\n\t\t<height>{}</height>\n\t\t<depth>3</depth>\n\t</size>\n\t<segmented>0</segmented>\n",
        escape(&folder),
        escape(&file),
        sample.width,
        sample.height
    );
    for o in &sample.objects {
        let name = classes.get(o.class).map_or("unknown", String::as_str);
        let [x1, y1, x2, y2] = o.bbox.map(|v| v + 1.0);
        xml += &format!(
            "\t<object>\n\t\t<name>{}</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>0</truncated>\n\t\t<difficult>{}</difficult>\n\t\t<bndbox>\n\t\t\t<xmin>{}</xmin>\n\t\t\t<ymin>{}</ymin>\n\t\t\t<xmax>{}</xmax>\n\t\t\t<ymax>{}</ymax>\n\t\t</bndbox>\n\t</object>\n",
            escape(name),
            u8::from(o.difficult),
            trim(x1),
            trim(y1),
            trim(x2),
            trim(y2)
        );
    }
    xml + "</annotation>\n"
}

/// Whole pixels without a fraction, else up to 2 decimals.
fn trim(v: f32) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Writes `sample`'s annotation to `path` atomically (temp file + rename): a crash never
/// leaves a half-written file, and the previous version stays until the new one is complete.
pub fn write_annotation(
    path: &Path,
    sample: &Sample,
    classes: &[String],
) -> Result<(), DatasetError> {
    crate::fsutil::write_atomic(path, annotation_xml(sample, classes).as_bytes()).map_err(
        |source| DatasetError::Io {
            path: path.to_path_buf(),
            source,
        },
    )
}

/// Reads one annotation file against `classes` (names not in it are added at the end): what
/// an annotation editor loads for an image.
pub fn read_annotation(
    path: &Path,
    image: &Path,
    classes: &mut Vec<String>,
) -> Result<Sample, DatasetError> {
    let text = read_to_string(path)?;
    let image_dir = image.parent().unwrap_or(Path::new("."));
    let parsed = parse(path, &text, image_dir)?;
    let objects = parsed
        .objects
        .into_iter()
        .map(|(name, bbox, difficult, _)| {
            let class = match classes.iter().position(|c| *c == name) {
                Some(i) => i,
                None => {
                    classes.push(name);
                    classes.len() - 1
                }
            };
            Object {
                class,
                bbox,
                difficult,
                area: None,
            }
        })
        .collect();
    Ok(Sample {
        image: image.to_path_buf(),
        width: parsed.width,
        height: parsed.height,
        objects,
    })
}

impl DatasetReader for VocReader {
    fn read(&self) -> Result<Dataset, DatasetError> {
        let image_dir = self.root.join("JPEGImages");
        let mut parsed = Vec::new();
        for id in self.ids()? {
            let path = self.root.join("Annotations").join(format!("{id}.xml"));
            let text = read_to_string(&path)?;
            parsed.push((path.clone(), parse(&path, &text, &image_dir)?));
        }
        let classes = match &self.classes {
            Some(c) => c.clone(),
            None => {
                let mut names: Vec<String> = parsed
                    .iter()
                    .flat_map(|(_, p)| p.objects.iter().map(|o| o.0.clone()))
                    .collect();
                names.sort();
                names.dedup();
                // VOC's 20 classes in the authors' label order (label k + 1 of a 21-class model).
                let voc = &VOC_CLASSES[1..];
                if !names.is_empty() && names.iter().all(|n| voc.contains(&n.as_str())) {
                    voc.iter().map(|s| s.to_string()).collect()
                } else {
                    names
                }
            }
        };
        let mut samples = Vec::with_capacity(parsed.len());
        let mut skipped = Vec::new();
        for (path, p) in parsed {
            skipped.extend(p.skipped);
            let mut objects = Vec::with_capacity(p.objects.len());
            for (name, bbox, difficult, line) in p.objects {
                let class =
                    classes
                        .iter()
                        .position(|c| *c == name)
                        .ok_or_else(|| DatasetError::Field {
                            path: path.clone(),
                            line,
                            field: "name".into(),
                            message: format!(
                                "unknown class '{name}' (classes: {})",
                                classes.join(", ")
                            ),
                        })?;
                objects.push(Object {
                    class,
                    bbox,
                    difficult,
                    area: None,
                });
            }
            samples.push(Sample {
                image: p.image,
                width: p.width,
                height: p.height,
                objects,
            });
        }
        Ok(Dataset {
            classes,
            samples,
            skipped,
        })
    }
}
