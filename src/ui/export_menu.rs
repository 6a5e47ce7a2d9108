//! File → Export: annotated image, detections JSON, attention image and raw rows.

use std::collections::HashMap;
use std::path::Path;

use super::app::AssdApp;
use super::attention_panel::{scale_maxima, values};
use crate::attention_query::write_attention_safetensors;
use crate::draw::draw_detections;
use crate::export::{DetectionsFile, ImageDetections, blend_heatmap, png_bytes};
use crate::fsutil::write_atomic;

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// The image with the visible boxes (PNG).
    AnnotatedImage,
    /// The visible detections, in `assd detect --json`'s schema.
    DetectionsJson,
    /// Every scale's heatmap over the image, side by side (PNG).
    AttentionImage,
    /// The attention rows and column means shown (safetensors, as `assd attention`).
    AttentionRows,
}

impl ExportKind {
    pub const ALL: [ExportKind; 4] = [
        ExportKind::AnnotatedImage,
        ExportKind::DetectionsJson,
        ExportKind::AttentionImage,
        ExportKind::AttentionRows,
    ];

    fn label(self) -> &'static str {
        match self {
            ExportKind::AnnotatedImage => "Annotated image (PNG)…",
            ExportKind::DetectionsJson => "Detections (JSON)…",
            ExportKind::AttentionImage => "Attention, every scale (PNG)…",
            ExportKind::AttentionRows => "Attention rows (safetensors)…",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ExportKind::AnnotatedImage | ExportKind::AttentionImage => "png",
            ExportKind::DetectionsJson => "json",
            ExportKind::AttentionRows => "safetensors",
        }
    }
}

impl AssdApp {
    pub(super) fn export_menu(&mut self, ui: &mut egui::Ui) {
        for kind in ExportKind::ALL {
            let needs_attention =
                matches!(kind, ExportKind::AttentionImage | ExportKind::AttentionRows);
            let enabled = self.current_entry().is_some()
                && (!needs_attention || self.attention_scales().is_some());
            if ui
                .add_enabled(enabled, egui::Button::new(kind.label()))
                .clicked()
            {
                ui.close();
                let stem = self
                    .current_path()
                    .and_then(|p| p.file_stem())
                    .map_or_else(|| "image".to_string(), |s| s.to_string_lossy().into_owned());
                let suffix = match kind {
                    ExportKind::AnnotatedImage => "annotated",
                    ExportKind::DetectionsJson => "detections",
                    ExportKind::AttentionImage | ExportKind::AttentionRows => "attention",
                };
                let dialog = rfd::FileDialog::new()
                    .set_file_name(format!("{stem}_{suffix}.{}", kind.extension()))
                    .add_filter(kind.extension(), &[kind.extension()]);
                if let Some(path) = dialog.save_file() {
                    let message = match self.export_to(kind, &path) {
                        Ok(()) => format!("saved {}", path.display()),
                        Err(e) => format!("could not save {}: {e}", path.display()),
                    };
                    self.message = Some(message);
                }
            }
        }
    }

    /// Writes `kind` for the current image to `path` (atomically).
    /// The current image's visible detections in the CLI's schema, under the name `path`.
    pub(super) fn detections_doc(&self, path: String) -> Result<DetectionsFile, String> {
        let entry = self
            .current_entry()
            .ok_or("the image has not been processed yet")?;
        Ok(DetectionsFile {
            images: vec![ImageDetections {
                path,
                width: entry.image.width(),
                height: entry.image.height(),
                detections: self.visible_detections().into_iter().cloned().collect(),
            }],
        })
    }

    pub fn export_to(&self, kind: ExportKind, path: &Path) -> Result<(), String> {
        let image_path = self.current_path().ok_or("no image is open")?;
        let entry = self
            .entries
            .get(image_path)
            .ok_or("the image has not been processed yet")?;
        let detections: Vec<_> = self.visible_detections().into_iter().cloned().collect();
        let bytes = match kind {
            ExportKind::AnnotatedImage => {
                let mut image = (*entry.image).clone();
                draw_detections(&mut image, &detections);
                png_bytes(&image).map_err(|e| e.to_string())?
            }
            ExportKind::DetectionsJson => {
                let doc = self.detections_doc(image_path.display().to_string())?;
                serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?
            }
            ExportKind::AttentionImage => {
                let scales = self.attention_scales().ok_or("click the image first")?;
                let mode = self.settings.mode;
                let maxima = scale_maxima(scales, mode, self.settings.shared_normalisation);
                let style = self.settings.heatmap_style();
                let panels: Vec<_> = scales
                    .iter()
                    .zip(maxima)
                    .map(|(s, max)| {
                        blend_heatmap(&entry.image, values(s, mode), s.shape, max, style)
                    })
                    .collect();
                let (w, h) = entry.image.dimensions();
                let mut sheet = image::RgbImage::new(w * panels.len() as u32, h);
                for (i, panel) in panels.iter().enumerate() {
                    image::imageops::replace(&mut sheet, panel, i as i64 * w as i64, 0);
                }
                png_bytes(&sheet).map_err(|e| e.to_string())?
            }
            ExportKind::AttentionRows => {
                let scales = self.attention_scales().ok_or("click the image first")?;
                let [x, y] = self.attention_pixel().unwrap_or_default();
                let metadata = HashMap::from([
                    ("image".to_string(), image_path.display().to_string()),
                    ("pixel".to_string(), format!("{x},{y}")),
                ]);
                return write_attention_safetensors(path, scales, metadata)
                    .map_err(|e| e.to_string());
            }
        };
        write_atomic(path, &bytes).map_err(|e| e.to_string())
    }
}
