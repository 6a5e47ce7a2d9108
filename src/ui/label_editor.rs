//! The label editor's state: each image's boxes (VOC XML beside the image, labelImg's
//! layout, loaded on first use and written atomically), the class list, the selected box and
//! the drag in progress.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::class_filter::ClassFilter;
use super::current::Current;
use crate::dataset::{Object, Sample, read_annotation, write_annotation};
use crate::detect::Detection;
use crate::inference::DetectionHead;

/// One image's labels.
#[derive(Debug, Clone)]
pub struct ImageLabels {
    pub objects: Vec<Object>,
    pub width: u32,
    pub height: u32,
    /// Changed since the last save.
    pub dirty: bool,
}

/// What a drag on the image is doing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Drag {
    New {
        start: [f32; 2],
        end: [f32; 2],
    },
    Move {
        index: usize,
        grab: [f32; 2],
        original: [f32; 4],
    },
    /// Corner 0..4: top-left, top-right, bottom-right, bottom-left.
    Resize {
        index: usize,
        corner: usize,
    },
}

/// The annotation editor's state.
#[derive(Debug, Default)]
pub struct LabelEditor {
    pub enabled: bool,
    pub classes: Vec<String>,
    pub current_class: usize,
    pub labels: HashMap<PathBuf, ImageLabels>,
    pub selected: Option<usize>,
    /// W was pressed: the next drag draws a box.
    pub armed: bool,
    pub drag: Option<Drag>,
    /// The "Add class" text field.
    pub new_class: String,
    pub last_error: Option<String>,
}

/// The VOC XML file of an image: beside it, same stem.
pub fn annotation_path(image: &Path) -> PathBuf {
    image.with_extension("xml")
}

impl LabelEditor {
    /// The labels of `image`, loaded from its XML on first use (none when there is no file).
    pub fn labels_for(&mut self, image: &Path, size: [u32; 2]) -> &mut ImageLabels {
        self.labels.entry(image.to_path_buf()).or_insert_with(|| {
            let xml = annotation_path(image);
            let objects = if xml.is_file() {
                match read_annotation(&xml, image, &mut self.classes) {
                    Ok(sample) => sample.objects,
                    Err(e) => {
                        // A broken file is reported and left untouched until the user saves.
                        self.last_error = Some(e.to_string());
                        Vec::new()
                    }
                }
            } else {
                Vec::new()
            };
            ImageLabels {
                objects,
                width: size[0],
                height: size[1],
                dirty: false,
            }
        })
    }

    /// The labels of `image` (none when never loaded).
    pub fn objects(&self, image: &Path) -> Vec<Object> {
        self.labels
            .get(image)
            .map(|l| l.objects.clone())
            .unwrap_or_default()
    }

    pub fn is_dirty(&self, image: &Path) -> bool {
        self.labels.get(image).is_some_and(|l| l.dirty)
    }

    /// Saves `image`'s labels if they changed.
    pub fn save(&mut self, image: &Path) -> Result<(), String> {
        let Some(labels) = self.labels.get_mut(image) else {
            return Ok(());
        };
        if !labels.dirty {
            return Ok(());
        }
        let sample = Sample {
            image: image.to_path_buf(),
            width: labels.width,
            height: labels.height,
            objects: labels.objects.clone(),
        };
        write_annotation(&annotation_path(image), &sample, &self.classes)
            .map_err(|e| e.to_string())?;
        labels.dirty = false;
        Ok(())
    }

    /// Saves `image`'s labels, saying how it went (the status bar's line).
    pub fn save_reporting(&mut self, image: &Path) -> String {
        match self.save(image) {
            Ok(()) => format!("saved {}", annotation_path(image).display()),
            Err(e) => format!("could not save: {e}"),
        }
    }

    /// Saves every changed image (before leaving one, closing, or training).
    pub fn save_all(&mut self) -> Result<(), String> {
        let mut dirty: Vec<PathBuf> = self
            .labels
            .iter()
            .filter(|(_, l)| l.dirty)
            .map(|(p, _)| p.clone())
            .collect();
        dirty.sort();
        for path in dirty {
            self.save(&path)?;
        }
        Ok(())
    }

    /// Turns editing on or off. Turned on with no classes yet, it starts from the classes of
    /// `model` if it was trained here, so accepted detections and new boxes share names; else
    /// (or for a reference model, whose classes rarely fit a new folder) one generic class.
    pub fn set_enabled(&mut self, on: bool, model: Option<&DetectionHead>) {
        self.enabled = on;
        if !on || !self.classes.is_empty() {
            return;
        }
        let trained = model.filter(|h| h.config.class_names.is_some());
        match trained {
            Some(head) if head.class_names.len() > 1 => {
                self.classes = head.class_names[1..].to_vec();
            }
            _ => self.classes.push("object".into()),
        }
    }

    /// The index of class `name`, added if new.
    pub fn class_index(&mut self, name: &str) -> usize {
        match self.classes.iter().position(|c| c == name) {
            Some(i) => i,
            None => {
                self.classes.push(name.to_string());
                self.classes.len() - 1
            }
        }
    }

    /// Adds detection `index` of `current`'s visible ones (`filter` applied) as a label.
    pub fn accept_visible(&mut self, current: Current<'_>, filter: &ClassFilter, index: usize) {
        let detection = current.detections(filter).get(index).copied();
        if let (Some(path), Some(entry), Some(d)) = (current.path, current.entry, detection) {
            self.accept(path, entry.size(), d);
        }
    }

    /// Adds a model detection of `image` (`size` pixels) as a label, its class by name.
    pub fn accept(&mut self, image: &Path, size: [u32; 2], detection: &Detection) {
        let class = self.class_index(&detection.label);
        let labels = self.labels_for(image, size);
        labels.objects.push(Object {
            class,
            bbox: detection.bbox,
            difficult: false,
            area: None,
        });
        labels.dirty = true;
    }

    /// Another image is about to be shown: `image`'s labels are saved (labelImg's
    /// auto-save) and nothing stays selected or dragged.
    pub fn leave(&mut self, image: Option<&Path>) -> Result<(), String> {
        self.selected = None;
        self.drag = None;
        image.map_or(Ok(()), |image| self.save(image))
    }

    /// W arms a new box, Del deletes the selected one, Ctrl+S saves `image`; returns the
    /// save's outcome. Only while editing and no text field has focus.
    pub fn keys(&mut self, ctx: &egui::Context, image: Option<&Path>) -> Option<String> {
        if !self.enabled {
            return None;
        }
        let (new, delete, save) = ctx.input(|i| {
            (
                i.key_pressed(egui::Key::W),
                i.key_pressed(egui::Key::Delete) || i.key_pressed(egui::Key::Backspace),
                i.modifiers.command && i.key_pressed(egui::Key::S),
            )
        });
        if new {
            self.armed = true;
        }
        let image = image?;
        if delete
            && let Some(index) = self.selected.take()
            && let Some(labels) = self.labels.get_mut(image)
            && index < labels.objects.len()
        {
            labels.objects.remove(index);
            labels.dirty = true;
        }
        save.then(|| self.save_reporting(image))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(label: &str, bbox: [f32; 4]) -> Detection {
        Detection {
            class_id: 1,
            label: label.into(),
            score: 0.9,
            bbox,
            scale: 0,
            prior: 0,
        }
    }

    #[test]
    fn accepted_detections_are_saved_as_voc_beside_the_image_and_read_back() {
        let dir = std::env::temp_dir().join(format!("assd-editor-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let image = dir.join("a.jpg");
        let mut editor = LabelEditor::default();
        editor.set_enabled(true, None);
        assert_eq!(editor.classes, ["object"]);
        editor.accept(&image, [100, 80], &detection("cat", [1.0, 2.0, 30.0, 40.0]));
        assert_eq!(editor.classes, ["object", "cat"]);
        assert!(editor.is_dirty(&image));
        editor.save_all().unwrap();
        assert!(!editor.is_dirty(&image));
        let mut classes = vec!["object".to_string()];
        let saved = read_annotation(&annotation_path(&image), &image, &mut classes).unwrap();
        assert_eq!(saved.objects.len(), 1);
        assert_eq!(classes[saved.objects[0].class], "cat");
        assert_eq!(saved.objects[0].bbox, [1.0, 2.0, 30.0, 40.0]);
        // A fresh editor loads them from the file.
        let mut again = LabelEditor {
            classes: vec!["dog".into(), "cat".into()],
            ..LabelEditor::default()
        };
        again.set_enabled(true, None);
        assert_eq!(again.labels_for(&image, [100, 80]).objects.len(), 1);
        assert_eq!(again.classes, ["dog", "cat"]);
        assert_eq!(again.objects(&image)[0].class, 1, "cat, by name");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
