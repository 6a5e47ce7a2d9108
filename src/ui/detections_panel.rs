//! Thresholds, class filter and the detections table.

use super::app::AssdApp;
use crate::draw::class_color;

pub(super) fn color32(class_id: usize) -> egui::Color32 {
    let [r, g, b] = class_color(class_id);
    egui::Color32::from_rgb(r, g, b)
}

impl AssdApp {
    pub(super) fn detection_controls(&mut self, ui: &mut egui::Ui) {
        ui.heading("Detections");
        ui.add(egui::Slider::new(&mut self.settings.conf_thresh, 0.0..=1.0).text("Confidence"));
        ui.add(egui::Slider::new(&mut self.settings.nms_thresh, 0.0..=1.0).text("NMS IoU"));
        ui.add(
            egui::Slider::new(&mut self.settings.top_k, 1..=1000)
                .logarithmic(true)
                .text("Top-k"),
        );
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.settings.class_agnostic, "Class-agnostic NMS");
            ui.checkbox(&mut self.settings.show_boxes, "Show boxes");
        });

        let Some(entry) = self.current_entry() else {
            return;
        };
        let mut counts = std::collections::BTreeMap::<usize, (String, usize)>::new();
        for d in &entry.detections {
            counts
                .entry(d.class_id)
                .or_insert_with(|| (d.label.clone(), 0))
                .1 += 1;
        }
        let total = entry.detections.len();
        ui.label(format!("{} detections", self.visible_detections().len()));
        if total > 0 {
            ui.collapsing("Classes", |ui| {
                for (class_id, (label, count)) in counts {
                    let hidden = self.hidden_classes.entry(class_id).or_insert(false);
                    let mut shown = !*hidden;
                    let text =
                        egui::RichText::new(format!("{label} ({count})")).color(color32(class_id));
                    if ui.checkbox(&mut shown, text).changed() {
                        *hidden = !shown;
                    }
                }
            });
        }
        self.detections_table(ui);
    }

    fn detections_table(&mut self, ui: &mut egui::Ui) {
        let rows: Vec<(usize, String, f32, [f32; 4], usize)> = self
            .visible_detections()
            .iter()
            .enumerate()
            .take(300)
            .map(|(i, d)| (i, d.label.clone(), d.score, d.bbox, d.scale))
            .collect();
        self.hovered_detection = None;
        let mut accept = None;
        egui::Grid::new("detections")
            .striped(true)
            .num_columns(5)
            .show(ui, |ui| {
                ui.strong("class");
                ui.strong("score");
                ui.strong("box (x1, y1, x2, y2)");
                ui.strong("scale");
                ui.end_row();
                for (i, label, score, [x1, y1, x2, y2], scale) in rows {
                    let selected = self.selected_detection == Some(i);
                    let under_pointer = self.image_hovered_detection == Some(i);
                    let r = ui.selectable_label(selected || under_pointer, label);
                    if under_pointer {
                        r.scroll_to_me(None);
                    }
                    let r = r
                        | ui.label(format!("{score:.3}"))
                        | ui.label(format!("{x1:.0}, {y1:.0}, {x2:.0}, {y2:.0}"))
                        | ui.label(scale.to_string());
                    if r.hovered() {
                        self.hovered_detection = Some(i);
                    }
                    if r.clicked() {
                        self.select_detection(i);
                    }
                    if self.annotator.enabled
                        && ui
                            .small_button("+")
                            .on_hover_text("Add this detection as a label")
                            .clicked()
                    {
                        accept = Some(i);
                    }
                    ui.end_row();
                }
            });
        if let Some(i) = accept {
            self.accept_detection(i);
        }
    }

    /// Highlights a detection, selects the scale it came from and shows the attention of its
    /// centre.
    pub fn select_detection(&mut self, index: usize) {
        let Some(d) = self.visible_detections().get(index).map(|d| (*d).clone()) else {
            return;
        };
        self.selected_detection = Some(index);
        self.selected_scale = d.scale;
        let [x1, y1, x2, y2] = d.bbox;
        self.query_attention([(x1 + x2) / 2.0, (y1 + y2) / 2.0]);
    }
}
