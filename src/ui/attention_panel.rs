//! Attention settings, the per-scale heatmaps and the strip of small multiples.

use egui::{Color32, ColorImage, Sense, TextureOptions, vec2};

use super::app::{AssdApp, Heat};
use super::colormap::Colormap;
use super::heatmap_gpu::HeatValues;
use super::image_view::{cell_rect, crosshair, paint_layers};
use super::settings::AttentionMode;
use crate::attention_query::{ScaleAttention, query_cell};

/// The values a heatmap shows for one scale.
pub(super) fn values(scale: &ScaleAttention, mode: AttentionMode) -> &[f32] {
    match mode {
        AttentionMode::Row => &scale.row,
        AttentionMode::Received => &scale.received,
    }
}

/// The value each scale's colour scale tops out at: its own maximum, or the maximum over
/// all scales when `shared`.
pub(super) fn scale_maxima(
    scales: &[ScaleAttention],
    mode: AttentionMode,
    shared: bool,
) -> Vec<f32> {
    let own: Vec<f32> = scales
        .iter()
        .map(|s| values(s, mode).iter().copied().fold(0.0, f32::max))
        .collect();
    if shared {
        let top = own.iter().copied().fold(0.0, f32::max);
        vec![top; own.len()]
    } else {
        own
    }
}

/// RGBA heatmap of `values` (`[h, w]` row-major) scaled by `max`, raised to `gamma`.
pub fn heatmap(
    values: &[f32],
    [h, w]: [usize; 2],
    max: f32,
    colormap: Colormap,
    gamma: f32,
) -> ColorImage {
    let rgba: Vec<u8> = values
        .iter()
        .flat_map(|&v| {
            let [r, g, b] = colormap.rgb_scaled(v, max, gamma);
            [r, g, b, 255]
        })
        .collect();
    ColorImage::from_rgba_unmultiplied([w, h], &rgba)
}

impl AssdApp {
    pub(super) fn attention_controls(&mut self, ui: &mut egui::Ui) {
        ui.heading("Attention");
        ui.horizontal(|ui| {
            ui.radio_value(
                &mut self.settings.mode,
                AttentionMode::Row,
                "Where the pixel looks",
            );
            ui.radio_value(&mut self.settings.mode, AttentionMode::Received, "Received");
        });
        egui::ComboBox::from_label("Colormap")
            .selected_text(self.settings.colormap.name())
            .show_ui(ui, |ui| {
                for c in Colormap::ALL {
                    ui.selectable_value(&mut self.settings.colormap, c, c.name());
                }
            });
        ui.add(egui::Slider::new(&mut self.settings.opacity, 0.0..=1.0).text("Opacity"));
        ui.add(
            egui::Slider::new(&mut self.settings.gamma, 0.1..=1.0)
                .text("Gamma (lift faint attention)"),
        );
        ui.checkbox(
            &mut self.settings.shared_normalisation,
            "One colour scale for all scales",
        );
        ui.checkbox(&mut self.settings.bilinear, "Bilinear upsampling");
        ui.checkbox(
            &mut self.settings.follow_hover,
            "Follow the pointer (else click)",
        );
        match self
            .attention
            .as_ref()
            .filter(|v| Some(&v.path) == self.current_path())
        {
            Some(view) => {
                let [x, y] = view.pixel;
                ui.label(format!("Query pixel ({x:.0}, {y:.0})"));
                if let Some(s) = view.scales.get(self.selected_scale) {
                    ui.label(format!(
                        "Scale {}: query cell (row {}, col {}) of {}×{}",
                        s.scale, s.cell[0], s.cell[1], s.shape[0], s.shape[1]
                    ));
                }
            }
            None => {
                ui.label("Click the image to see where that spot attends, at every scale.");
            }
        }
        ui.small("Keys: 1-9 pick the scale shown large; left/right arrows or A/D change image.");
        self.mass_chart(ui);
    }

    /// For the selected detection: the share of its centre's attention that stays inside its own
    /// box, per scale (the scale that fired it highlighted).
    fn mass_chart(&self, ui: &mut egui::Ui) {
        let (Some(index), Some(scales)) = (self.selected_detection, self.attention_scales()) else {
            return;
        };
        let Some(detection) = self.visible_detections().get(index).map(|d| (*d).clone()) else {
            return;
        };
        let Some(entry) = self.current_entry() else {
            return;
        };
        let size = [entry.image.width(), entry.image.height()];
        let bars: Vec<egui_plot::Bar> = scales
            .iter()
            .map(|s| {
                let share = crate::export::mass_in_box(s, detection.bbox, size) as f64;
                let bar = egui_plot::Bar::new(s.scale as f64, share)
                    .name(format!("scale {}", s.scale))
                    .width(0.7);
                if s.scale == detection.scale {
                    bar.fill(Color32::from_rgb(240, 180, 40))
                } else {
                    bar
                }
            })
            .collect();
        ui.label(format!(
            "Attention of the {} box's centre that falls inside the box (fired by scale {}):",
            detection.label, detection.scale
        ));
        egui_plot::Plot::new("mass-in-box")
            .height(140.0)
            .include_y(0.0)
            .include_y(1.0)
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .x_axis_label("scale")
            .y_axis_label("share")
            .show(ui, |plot| {
                plot.bar_chart(egui_plot::BarChart::new("share inside the box", bars))
            });
    }

    /// (Re)builds the heatmap textures when the attention or the display settings changed.
    pub(super) fn ensure_heatmaps(&mut self, ctx: &egui::Context) {
        let key = (
            self.settings.colormap,
            self.settings.shared_normalisation,
            self.settings.bilinear,
            self.settings.mode,
            self.settings.gamma,
        );
        let Some(view) = self.attention.as_mut() else {
            return;
        };
        if view.made_with == Some(key) && view.heat.len() == view.scales.len() {
            return;
        }
        let mode = self.settings.mode;
        let maxima = scale_maxima(&view.scales, mode, self.settings.shared_normalisation);
        let options = if self.settings.bilinear {
            TextureOptions::LINEAR
        } else {
            TextureOptions::NEAREST
        };
        self.heat_generation += 1;
        let generation = self.heat_generation;
        let gpu = self.gpu_heatmaps;
        view.heat = view
            .scales
            .iter()
            .zip(maxima)
            .map(|(s, max)| {
                let values = values(s, mode);
                if gpu {
                    return Heat::Gpu(HeatValues {
                        values: values.into(),
                        shape: s.shape,
                        max,
                        generation: generation * 64 + s.scale as u64,
                    });
                }
                let image = heatmap(
                    values,
                    s.shape,
                    max,
                    self.settings.colormap,
                    self.settings.gamma,
                );
                Heat::Texture(ctx.load_texture(format!("attention-{}", s.scale), image, options))
            })
            .collect();
        view.made_with = Some(key);
    }

    /// One thumbnail per scale: the image, that scale's heatmap and the query cell, labelled
    /// with the map size, N and the prior sizes it predicts. Clicking one selects the scale.
    pub(super) fn attention_strip(&mut self, ui: &mut egui::Ui) {
        let (Some(head), Some(path)) = (self.head.clone(), self.current_path().cloned()) else {
            return;
        };
        let Some(entry) = self.entries.get(&path) else {
            return;
        };
        let size = [entry.image.width(), entry.image.height()];
        let image_texture = entry.texture.as_ref().map(|t| t.id());
        let view = self.attention.as_ref().filter(|v| v.path == path);
        let height = (ui.available_height() - 40.0).max(60.0);
        let width = height * size[0] as f32 / size[1] as f32;
        let mut clicked = None;
        egui::ScrollArea::horizontal().show(ui, |ui| {
            ui.horizontal(|ui| {
                for k in 0..head.feature_sizes.len() {
                    let f = head.feature_sizes.get(k).copied().unwrap_or(0);
                    ui.vertical(|ui| {
                        let (response, painter) =
                            ui.allocate_painter(vec2(width, height), Sense::click());
                        let rect = response.rect;
                        let heat = view.and_then(|v| v.heat.get(k));
                        let style = self.settings.heatmap_style();
                        paint_layers(&painter, rect, image_texture, heat, style, 1 + k as u64);
                        if let Some(view) = view
                            && self.settings.mode == AttentionMode::Row
                        {
                            let cell = query_cell(view.pixel, size, [f, f]);
                            crosshair(&painter, rect, cell_rect(rect, [f, f], cell));
                        }
                        let stroke = if k == self.selected_scale { 3.0 } else { 1.0 };
                        painter.rect_stroke(
                            rect,
                            0.0,
                            egui::Stroke::new(stroke, ui.visuals().strong_text_color()),
                            egui::StrokeKind::Outside,
                        );
                        if response.clicked() {
                            clicked = Some(k);
                        }
                        ui.label(format!("scale {k}: {f}×{f}, N={}", f * f));
                        let (lo, hi) = head.prior_sizes.get(k).copied().unwrap_or_default();
                        ui.small(format!("priors {lo:.0}–{hi:.0} px"));
                    });
                }
            });
        });
        if let Some(k) = clicked {
            self.selected_scale = k;
        }
    }
}
