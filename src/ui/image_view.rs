//! The central image: detections, the selected scale's attention heatmap, the query crosshair;
//! clicking (or hovering, when enabled) a pixel asks for its attention.

use egui::{Color32, Pos2, Rect, Sense, Stroke, StrokeKind, vec2};

use super::app::{AssdApp, Heat};
use super::detections_panel::color32;
use super::heatmap_gpu::HeatmapCallback;
use crate::attention_query::query_cell;
use crate::export::HeatmapStyle;

const FULL_UV: Rect = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));

/// Image pixel (x, y) → screen position inside `rect` showing a `size` image.
fn to_screen(rect: Rect, size: [u32; 2], [x, y]: [f32; 2]) -> Pos2 {
    Pos2::new(
        rect.min.x + x / size[0] as f32 * rect.width(),
        rect.min.y + y / size[1] as f32 * rect.height(),
    )
}

/// The screen rectangle of feature-map cell `[row, col]` of an `[h, w]` map.
pub(super) fn cell_rect(rect: Rect, [h, w]: [usize; 2], [row, col]: [usize; 2]) -> Rect {
    let (cw, ch) = (rect.width() / w as f32, rect.height() / h as f32);
    Rect::from_min_size(
        Pos2::new(rect.min.x + col as f32 * cw, rect.min.y + row as f32 * ch),
        vec2(cw, ch),
    )
}

/// The image, then (if any) a heatmap over it. `slot` names the heatmap's GPU resources
/// (one per place a heatmap is drawn).
pub(super) fn paint_layers(
    painter: &egui::Painter,
    rect: Rect,
    image: Option<egui::TextureId>,
    heat: Option<&Heat>,
    style: HeatmapStyle,
    slot: u64,
) {
    if let Some(id) = image {
        painter.image(id, rect, FULL_UV, Color32::WHITE);
    }
    match heat {
        Some(Heat::Texture(texture)) => {
            painter.image(
                texture.id(),
                rect,
                FULL_UV,
                Color32::from_white_alpha((style.opacity * 255.0) as u8),
            );
        }
        Some(Heat::Gpu(values)) => {
            let visible = rect.intersect(painter.clip_rect());
            if visible.is_positive() {
                painter.add(eframe::egui_wgpu::Callback::new_paint_callback(
                    visible,
                    HeatmapCallback {
                        slot,
                        heat: values.clone(),
                        style,
                        image_rect: rect,
                    },
                ));
            }
        }
        None => {}
    }
}

/// A crosshair through the middle of `cell`, spanning `rect`.
pub(super) fn crosshair(painter: &egui::Painter, rect: Rect, cell: Rect) {
    let stroke = Stroke::new(1.0, Color32::WHITE);
    let c = cell.center();
    painter.line_segment(
        [Pos2::new(rect.min.x, c.y), Pos2::new(rect.max.x, c.y)],
        Stroke::new(1.0, Color32::from_white_alpha(90)),
    );
    painter.line_segment(
        [Pos2::new(c.x, rect.min.y), Pos2::new(c.x, rect.max.y)],
        Stroke::new(1.0, Color32::from_white_alpha(90)),
    );
    painter.rect_stroke(cell, 0.0, stroke, StrokeKind::Outside);
}

fn box_area([x1, y1, x2, y2]: [f32; 4]) -> f32 {
    (x2 - x1) * (y2 - y1)
}

impl AssdApp {
    pub(super) fn image_view(&mut self, ui: &mut egui::Ui) {
        self.ensure_heatmaps(ui.ctx());
        let Some(path) = self.current_path().cloned() else {
            ui.centered_and_justified(|ui| {
                ui.label("Open an image or a folder: File menu, or drag it onto the window.")
            });
            return;
        };
        if let Some(error) = self.errors.get(&path) {
            ui.colored_label(
                Color32::LIGHT_RED,
                format!("Cannot show {}: {error}", path.display()),
            );
            return;
        }
        let Some(entry) = self.entries.get(&path) else {
            ui.centered_and_justified(|ui| {
                if self.head.is_some() {
                    ui.spinner();
                } else {
                    ui.label("Load weights to run the detector (File > Open weights…).");
                }
            });
            return;
        };
        let size = [entry.image.width(), entry.image.height()];
        if self.head.is_none() {
            ui.label(
                "No model loaded: File > Open weights… to detect (labels can still be drawn).",
            );
        }
        let (response, painter) = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "image view"));
        let area = response.rect;
        let painter = painter.with_clip_rect(area);
        let fit = (area.width() / size[0] as f32).min(area.height() / size[1] as f32);
        // Scroll zooms about the pointer, drag pans, double-click fits the window again.
        if response.double_clicked() {
            self.view_zoom = 1.0;
            self.view_offset = egui::Vec2::ZERO;
        }
        // While editing labels a drag edits boxes; otherwise it pans.
        if response.dragged() && !self.annotator.enabled {
            self.view_offset += response.drag_delta();
        }
        let scroll = if response.hovered() {
            ui.input(|i| i.smooth_scroll_delta.y)
        } else {
            0.0
        };
        if scroll != 0.0
            && let Some(pointer) = response.hover_pos()
        {
            let old = self.view_zoom;
            self.view_zoom = (old * (scroll * 0.003).exp()).clamp(0.25, 40.0);
            // Keep the image point under the pointer where it is.
            let centre = area.center() + self.view_offset;
            self.view_offset += (pointer - centre) * (1.0 - self.view_zoom / old);
        }
        let zoom = fit * self.view_zoom;
        let rect = Rect::from_center_size(
            area.center() + self.view_offset,
            vec2(size[0] as f32 * zoom, size[1] as f32 * zoom),
        );
        self.image_rect = Some(rect);
        let view = self.attention.as_ref().filter(|v| v.path == path);
        let heat = view.and_then(|v| v.heat.get(self.selected_scale));
        paint_layers(
            &painter,
            rect,
            entry.texture.as_ref().map(|t| t.id()),
            heat,
            self.settings.heatmap_style(),
            0,
        );
        if let Some(view) = view
            && let Some(scale) = view.scales.get(self.selected_scale)
        {
            let cell = query_cell(view.pixel, size, scale.shape);
            crosshair(&painter, rect, cell_rect(rect, scale.shape, cell));
        }
        // The smallest visible box under the pointer: emphasised here, highlighted in the table.
        let pointer_pixel = response
            .hover_pos()
            .map(|p| [(p.x - rect.min.x) / zoom, (p.y - rect.min.y) / zoom]);
        let under_pointer =
            pointer_pixel
                .filter(|_| self.settings.show_boxes)
                .and_then(|[x, y]| {
                    self.visible_detections()
                        .iter()
                        .enumerate()
                        .filter(|(_, d)| {
                            let [x1, y1, x2, y2] = d.bbox;
                            x >= x1 && x <= x2 && y >= y1 && y <= y2
                        })
                        .min_by(|(_, a), (_, b)| box_area(a.bbox).total_cmp(&box_area(b.bbox)))
                        .map(|(i, _)| i)
                });
        self.image_hovered_detection = under_pointer;
        if self.settings.show_boxes {
            let font = egui::FontId::proportional(12.0);
            for (i, d) in self.visible_detections().iter().enumerate() {
                let emphasised = self.hovered_detection == Some(i)
                    || self.selected_detection == Some(i)
                    || under_pointer == Some(i);
                let [x1, y1, x2, y2] = d.bbox;
                let r = Rect::from_min_max(
                    to_screen(rect, size, [x1, y1]),
                    to_screen(rect, size, [x2, y2]),
                );
                let color = color32(d.class_id);
                painter.rect_stroke(
                    r,
                    0.0,
                    Stroke::new(if emphasised { 3.0 } else { 1.5 }, color),
                    StrokeKind::Middle,
                );
                let text = format!("{} {:.2}", d.label, d.score);
                let galley = painter.layout_no_wrap(text, font.clone(), Color32::BLACK);
                let tag = Rect::from_min_size(
                    r.min - vec2(0.0, galley.size().y),
                    galley.size() + vec2(4.0, 0.0),
                );
                painter.rect_filled(tag, 0.0, color);
                painter.galley(tag.min + vec2(2.0, 0.0), galley, Color32::BLACK);
            }
        }
        let response = match under_pointer.and_then(|i| self.visible_detections().get(i).copied()) {
            Some(d) => {
                let [x1, y1, x2, y2] = d.bbox;
                let text = format!(
                    "{} {:.3}\nbox {x1:.0}, {y1:.0}, {x2:.0}, {y2:.0}\nfired by scale {}, prior {}",
                    d.label, d.score, d.scale, d.prior
                );
                response.on_hover_text_at_pointer(text)
            }
            None => response,
        };
        if self.annotator.enabled {
            self.annotation_layer(&response, &painter, rect, zoom, size);
            return;
        }
        let pointer = if self.settings.follow_hover {
            response.hover_pos()
        } else {
            None
        };
        let clicked = if response.clicked() {
            response.interact_pointer_pos()
        } else {
            None
        };
        if let Some(pos) = clicked.or(pointer) {
            let pixel = [
                ((pos.x - rect.min.x) / zoom).clamp(0.0, size[0] as f32 - 1.0),
                ((pos.y - rect.min.y) / zoom).clamp(0.0, size[1] as f32 - 1.0),
            ];
            // Hovering only asks again when the finest scale's query cell changes.
            let finest = entry.raw.feature_sizes.first().copied().unwrap_or([1, 1]);
            let shown = self
                .attention
                .as_ref()
                .filter(|v| v.path == path)
                .map(|v| query_cell(v.pixel, size, finest));
            if clicked.is_some() || shown != Some(query_cell(pixel, size, finest)) {
                self.query_attention(pixel);
            }
        }
    }
}
