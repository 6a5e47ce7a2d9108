//! Annotation editing for fine-tuning: draw, move, resize and delete boxes on the images of
//! the open folder, with labelImg's habits (W new box, A/D previous/next, Del delete, Ctrl+S
//! save, auto-save on image change). Annotations are VOC XML beside each image, written
//! atomically; a model detection becomes a label with one click.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use egui::{Color32, Pos2, Rect, Stroke, StrokeKind, vec2};

use super::app::AssdApp;
use super::detections_panel::color32;
use crate::dataset::{Object, Sample, read_annotation, write_annotation};

/// Corner handles grab within this many points.
const HANDLE: f32 = 6.0;
/// Boxes smaller than this (image pixels) are discarded when drawn.
const MIN_SIDE: f32 = 2.0;

/// One image's labels.
#[derive(Debug, Clone)]
pub(super) struct ImageLabels {
    pub objects: Vec<Object>,
    pub width: u32,
    pub height: u32,
    /// Changed since the last save.
    pub dirty: bool,
}

/// What a drag on the image is doing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Drag {
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
pub(super) struct Annotator {
    pub enabled: bool,
    pub classes: Vec<String>,
    pub current_class: usize,
    pub labels: HashMap<PathBuf, ImageLabels>,
    pub selected: Option<usize>,
    /// W was pressed: the next drag draws a box.
    pub armed: bool,
    pub drag: Option<Drag>,
    pub new_class: String,
    pub last_error: Option<String>,
}

/// The VOC XML file of an image: beside it, same stem.
pub fn annotation_path(image: &Path) -> PathBuf {
    image.with_extension("xml")
}

fn normalised([x1, y1, x2, y2]: [f32; 4], [w, h]: [u32; 2]) -> [f32; 4] {
    let (w, h) = (w as f32, h as f32);
    [
        x1.min(x2).clamp(0.0, w),
        y1.min(y2).clamp(0.0, h),
        x1.max(x2).clamp(0.0, w),
        y1.max(y2).clamp(0.0, h),
    ]
}

fn corners([x1, y1, x2, y2]: [f32; 4]) -> [[f32; 2]; 4] {
    [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]
}

impl AssdApp {
    /// The labels of `image`, loaded from its XML on first use (none when there is no file).
    pub(super) fn labels_for(&mut self, image: &Path, size: [u32; 2]) -> Option<&mut ImageLabels> {
        if !self.annotator.labels.contains_key(image) {
            let xml = annotation_path(image);
            let objects = if xml.is_file() {
                match read_annotation(&xml, image, &mut self.annotator.classes) {
                    Ok(sample) => sample.objects,
                    Err(e) => {
                        // A broken file is reported and left untouched until the user saves.
                        self.annotator.last_error = Some(e.to_string());
                        Vec::new()
                    }
                }
            } else {
                Vec::new()
            };
            self.annotator.labels.insert(
                image.to_path_buf(),
                ImageLabels {
                    objects,
                    width: size[0],
                    height: size[1],
                    dirty: false,
                },
            );
        }
        self.annotator.labels.get_mut(image)
    }

    /// Saves `image`'s labels if they changed.
    pub fn save_annotations(&mut self, image: &Path) -> Result<(), String> {
        let Some(labels) = self.annotator.labels.get_mut(image) else {
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
        write_annotation(&annotation_path(image), &sample, &self.annotator.classes)
            .map_err(|e| e.to_string())?;
        labels.dirty = false;
        Ok(())
    }

    /// Saves every changed image (before leaving one, closing, or training).
    pub fn save_all_annotations(&mut self) -> Result<(), String> {
        let dirty: Vec<PathBuf> = self
            .annotator
            .labels
            .iter()
            .filter(|(_, l)| l.dirty)
            .map(|(p, _)| p.clone())
            .collect();
        for path in dirty {
            self.save_annotations(&path)?;
        }
        Ok(())
    }

    /// The current image's labels (test and UI access).
    pub fn annotations(&self) -> Vec<Object> {
        self.current_path()
            .and_then(|p| self.annotator.labels.get(p))
            .map(|l| l.objects.clone())
            .unwrap_or_default()
    }

    /// The label classes offered for new boxes, in order.
    pub fn annotation_classes(&self) -> &[String] {
        &self.annotator.classes
    }

    pub fn set_annotating(&mut self, on: bool) {
        self.annotator.enabled = on;
        if on && self.annotator.classes.is_empty() {
            // A model trained here knows its classes: start from them, so that accepted
            // detections and new boxes share names. Otherwise (or for the VOC reference
            // model, whose 20 classes rarely fit a new folder) one generic class.
            let trained = self
                .head
                .as_ref()
                .filter(|h| h.config.class_names.is_some())
                .map(|h| h.class_names[1..].to_vec())
                .unwrap_or_default();
            if trained.is_empty() {
                self.annotator.classes.push("object".into());
            } else {
                self.annotator.classes = trained;
            }
        }
    }

    /// Adds a model detection of the current image as a label (class by name, added if new).
    pub fn accept_detection(&mut self, index: usize) {
        let Some(d) = self.visible_detections().get(index).map(|d| (*d).clone()) else {
            return;
        };
        let (Some(path), Some(entry)) = (self.current_path().cloned(), self.current_entry()) else {
            return;
        };
        let size = [entry.image.width(), entry.image.height()];
        let class = match self.annotator.classes.iter().position(|c| *c == d.label) {
            Some(i) => i,
            None => {
                self.annotator.classes.push(d.label.clone());
                self.annotator.classes.len() - 1
            }
        };
        if let Some(labels) = self.labels_for(&path, size) {
            labels.objects.push(Object {
                class,
                bbox: d.bbox,
                difficult: false,
            });
            labels.dirty = true;
        }
    }

    /// Keys of the editor (only while annotating and no text field has focus).
    pub(super) fn annotation_keys(&mut self, ctx: &egui::Context) {
        if !self.annotator.enabled {
            return;
        }
        let (new, delete, save) = ctx.input(|i| {
            (
                i.key_pressed(egui::Key::W),
                i.key_pressed(egui::Key::Delete) || i.key_pressed(egui::Key::Backspace),
                i.modifiers.command && i.key_pressed(egui::Key::S),
            )
        });
        if new {
            self.annotator.armed = true;
        }
        let Some(path) = self.current_path().cloned() else {
            return;
        };
        if delete
            && let Some(index) = self.annotator.selected.take()
            && let Some(labels) = self.annotator.labels.get_mut(&path)
            && index < labels.objects.len()
        {
            labels.objects.remove(index);
            labels.dirty = true;
        }
        if save {
            self.message = Some(match self.save_annotations(&path) {
                Ok(()) => format!("saved {}", annotation_path(&path).display()),
                Err(e) => format!("could not save: {e}"),
            });
        }
    }

    /// Pointer editing on the image and drawing of the labels. `rect` shows the image at
    /// `zoom` screen points per image pixel.
    pub(super) fn annotation_layer(
        &mut self,
        response: &egui::Response,
        painter: &egui::Painter,
        rect: Rect,
        zoom: f32,
        size: [u32; 2],
    ) {
        let Some(path) = self.current_path().cloned() else {
            return;
        };
        let to_pixel = |p: Pos2| [(p.x - rect.min.x) / zoom, (p.y - rect.min.y) / zoom];
        let to_screen = |[x, y]: [f32; 2]| Pos2::new(rect.min.x + x * zoom, rect.min.y + y * zoom);
        let selected = self.annotator.selected;
        let armed = self.annotator.armed;
        let current_class = self.annotator.current_class;
        let mut drag = self.annotator.drag;
        let Some(labels) = self.labels_for(&path, size) else {
            return;
        };
        // A drag starts where the button went down, not where egui noticed the movement.
        let origin = response
            .ctx
            .input(|i| i.pointer.press_origin())
            .or_else(|| response.interact_pointer_pos());
        if response.drag_started()
            && let Some(pos) = origin
        {
            let p = to_pixel(pos);
            let corner = selected.and_then(|i| {
                labels.objects.get(i).and_then(|o| {
                    corners(o.bbox)
                        .iter()
                        .position(|c| to_screen(*c).distance(pos) <= HANDLE)
                        .map(|corner| (i, corner))
                })
            });
            let inside = labels.objects.iter().rposition(|o| {
                let [x1, y1, x2, y2] = o.bbox;
                p[0] >= x1 && p[0] <= x2 && p[1] >= y1 && p[1] <= y2
            });
            drag = if armed {
                Some(Drag::New { start: p, end: p })
            } else if let Some((index, corner)) = corner {
                Some(Drag::Resize { index, corner })
            } else {
                inside.map(|index| Drag::Move {
                    index,
                    grab: p,
                    original: labels.objects[index].bbox,
                })
            };
        }
        let mut select = None;
        if response.dragged()
            && let Some(pos) = response.interact_pointer_pos()
        {
            let p = to_pixel(pos);
            match &mut drag {
                Some(Drag::New { end, .. }) => *end = p,
                Some(Drag::Move {
                    index,
                    grab,
                    original,
                }) => {
                    if let Some(o) = labels.objects.get_mut(*index) {
                        let [dx, dy] = [p[0] - grab[0], p[1] - grab[1]];
                        let [x1, y1, x2, y2] = *original;
                        // Moves keep the size: clamp the shift, not the corners.
                        let (w, h) = (size[0] as f32, size[1] as f32);
                        let dx = dx.clamp(-x1, w - x2);
                        let dy = dy.clamp(-y1, h - y2);
                        o.bbox = [x1 + dx, y1 + dy, x2 + dx, y2 + dy];
                        labels.dirty = true;
                        select = Some(*index);
                    }
                }
                Some(Drag::Resize { index, corner }) => {
                    if let Some(o) = labels.objects.get_mut(*index) {
                        let [mut x1, mut y1, mut x2, mut y2] = o.bbox;
                        match corner {
                            0 => (x1, y1) = (p[0], p[1]),
                            1 => (x2, y1) = (p[0], p[1]),
                            2 => (x2, y2) = (p[0], p[1]),
                            _ => (x1, y2) = (p[0], p[1]),
                        }
                        o.bbox = normalised([x1, y1, x2, y2], size);
                        labels.dirty = true;
                    }
                }
                None => {}
            }
        }
        let mut disarm = false;
        let mut deselect = false;
        if response.drag_stopped() {
            if let Some(Drag::New { start, end }) = drag {
                let bbox = normalised([start[0], start[1], end[0], end[1]], size);
                if bbox[2] - bbox[0] >= MIN_SIDE && bbox[3] - bbox[1] >= MIN_SIDE {
                    labels.objects.push(Object {
                        class: current_class,
                        bbox,
                        difficult: false,
                    });
                    labels.dirty = true;
                    select = Some(labels.objects.len() - 1);
                }
                disarm = true;
            }
            drag = None;
        }
        if response.clicked()
            && let Some(pos) = response.interact_pointer_pos()
        {
            let p = to_pixel(pos);
            // The smallest box under the pointer (nested boxes stay reachable).
            select = labels
                .objects
                .iter()
                .enumerate()
                .filter(|(_, o)| {
                    let [x1, y1, x2, y2] = o.bbox;
                    p[0] >= x1 && p[0] <= x2 && p[1] >= y1 && p[1] <= y2
                })
                .min_by(|(_, a), (_, b)| {
                    let area = |o: &Object| (o.bbox[2] - o.bbox[0]) * (o.bbox[3] - o.bbox[1]);
                    area(a).total_cmp(&area(b))
                })
                .map(|(i, _)| i);
            deselect = select.is_none();
        }
        let objects = labels.objects.clone();
        if select.is_some() || deselect {
            self.annotator.selected = select;
        }
        if disarm {
            self.annotator.armed = false;
        }
        self.annotator.drag = drag;
        for (i, o) in objects.iter().enumerate() {
            let [x1, y1, x2, y2] = o.bbox;
            let r = Rect::from_min_max(to_screen([x1, y1]), to_screen([x2, y2]));
            let color = color32(o.class + 1);
            let chosen = self.annotator.selected == Some(i);
            painter.rect_stroke(
                r,
                0.0,
                Stroke::new(if chosen { 3.0 } else { 2.0 }, color),
                StrokeKind::Middle,
            );
            let name = self
                .annotator
                .classes
                .get(o.class)
                .map_or("?", String::as_str);
            painter.text(
                r.left_top() + vec2(2.0, 2.0),
                egui::Align2::LEFT_TOP,
                name,
                egui::FontId::proportional(12.0),
                color,
            );
            if chosen {
                for c in corners(o.bbox) {
                    painter.rect_filled(
                        Rect::from_center_size(to_screen(c), vec2(HANDLE, HANDLE)),
                        0.0,
                        Color32::WHITE,
                    );
                }
            }
        }
        if let Some(Drag::New { start, end }) = self.annotator.drag {
            let r = Rect::from_two_pos(to_screen(start), to_screen(end));
            painter.rect_stroke(r, 0.0, Stroke::new(1.5, Color32::WHITE), StrokeKind::Middle);
        }
    }

    /// The Annotate panel: mode switch, classes, the selected box's class, saving.
    pub(super) fn annotation_controls(&mut self, ui: &mut egui::Ui) {
        ui.heading("Annotate");
        let mut on = self.annotator.enabled;
        if ui
            .checkbox(&mut on, "Edit labels (W new box, Del delete, Ctrl+S save)")
            .changed()
        {
            self.set_annotating(on);
        }
        if !self.annotator.enabled {
            return;
        }
        if self.annotator.armed {
            ui.label("Drag on the image to draw the new box.");
        }
        ui.label("Class of new boxes:");
        let mut current = self.annotator.current_class;
        for (i, name) in self.annotator.classes.iter().enumerate() {
            ui.radio_value(
                &mut current,
                i,
                egui::RichText::new(name).color(color32(i + 1)),
            );
        }
        self.annotator.current_class = current;
        ui.horizontal(|ui| {
            ui.text_edit_singleline(&mut self.annotator.new_class);
            let name = self.annotator.new_class.trim().to_string();
            if ui
                .add_enabled(!name.is_empty(), egui::Button::new("Add class"))
                .clicked()
            {
                match self.annotator.classes.iter().position(|c| *c == name) {
                    Some(i) => self.annotator.current_class = i,
                    None => {
                        self.annotator.classes.push(name);
                        self.annotator.current_class = self.annotator.classes.len() - 1;
                    }
                }
                self.annotator.new_class.clear();
            }
        });
        let path = self.current_path().cloned();
        if let (Some(path), Some(index)) = (path.clone(), self.annotator.selected) {
            let classes = self.annotator.classes.clone();
            if let Some(labels) = self.annotator.labels.get_mut(&path)
                && let Some(o) = labels.objects.get_mut(index)
            {
                let before = o.class;
                egui::ComboBox::from_label("Selected box")
                    .selected_text(classes.get(o.class).map_or("?", String::as_str))
                    .show_ui(ui, |ui| {
                        for (i, name) in classes.iter().enumerate() {
                            ui.selectable_value(&mut o.class, i, name);
                        }
                    });
                if o.class != before {
                    labels.dirty = true;
                }
            }
        }
        if let Some(path) = path {
            let count = self
                .annotator
                .labels
                .get(&path)
                .map_or(0, |l| l.objects.len());
            let dirty = self.annotator.labels.get(&path).is_some_and(|l| l.dirty);
            ui.label(format!(
                "{count} labels{}",
                if dirty { " (unsaved)" } else { "" }
            ));
            if ui.add_enabled(dirty, egui::Button::new("Save")).clicked() {
                self.message = Some(match self.save_annotations(&path) {
                    Ok(()) => format!("saved {}", annotation_path(&path).display()),
                    Err(e) => format!("could not save: {e}"),
                });
            }
        }
        if let Some(e) = &self.annotator.last_error {
            ui.colored_label(Color32::LIGHT_RED, e);
        }
    }
}
