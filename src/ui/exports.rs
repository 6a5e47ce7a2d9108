//! Writing what is shown: the annotated image, the detections (the CLI's JSON schema), every
//! scale's heatmap side by side, the raw attention rows, and live snapshots; all atomically.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::attention_state::AttentionView;
use super::class_filter::ClassFilter;
use super::current::Current;
use super::heatmaps::{scale_maxima, values};
use super::library::Entry;
use super::live::Live;
use super::settings::HeatmapSettings;
use crate::attention_query::write_attention_safetensors;
use crate::detect::Detection;
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

    pub fn label(self) -> &'static str {
        match self {
            ExportKind::AnnotatedImage => "Annotated image (PNG)…",
            ExportKind::DetectionsJson => "Detections (JSON)…",
            ExportKind::AttentionImage => "Attention, every scale (PNG)…",
            ExportKind::AttentionRows => "Attention rows (safetensors)…",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportKind::AnnotatedImage | ExportKind::AttentionImage => "png",
            ExportKind::DetectionsJson => "json",
            ExportKind::AttentionRows => "safetensors",
        }
    }

    /// What the file name says after the image's stem.
    pub fn suffix(self) -> &'static str {
        match self {
            ExportKind::AnnotatedImage => "annotated",
            ExportKind::DetectionsJson => "detections",
            ExportKind::AttentionImage | ExportKind::AttentionRows => "attention",
        }
    }

    pub fn needs_attention(self) -> bool {
        matches!(self, ExportKind::AttentionImage | ExportKind::AttentionRows)
    }
}

/// The shown image and what is drawn over it.
pub struct Shown<'a> {
    pub path: &'a Path,
    pub entry: &'a Entry,
    /// The visible detections (class filter applied).
    pub detections: Vec<Detection>,
    /// The image's attention, if any was asked for.
    pub attention: Option<&'a AttentionView>,
    pub heatmap: &'a HeatmapSettings,
}

impl<'a> Shown<'a> {
    /// `current`'s image, if it has run, with the detections `filter` leaves.
    pub fn of(
        current: Current<'a>,
        filter: &ClassFilter,
        heatmap: &'a HeatmapSettings,
    ) -> Result<Self, String> {
        Ok(Self {
            path: current.path.ok_or("no image is open")?,
            entry: current
                .entry
                .ok_or("the image has not been processed yet")?,
            detections: current.detections(filter).into_iter().cloned().collect(),
            attention: current.attention,
            heatmap,
        })
    }
}

/// The visible detections in the CLI's schema, under the name `name`.
pub fn detections_doc(name: String, shown: &Shown<'_>) -> DetectionsFile {
    DetectionsFile {
        images: vec![ImageDetections {
            path: name,
            width: shown.entry.image.width(),
            height: shown.entry.image.height(),
            detections: shown.detections.clone(),
        }],
    }
}

/// Writes `kind` for the shown image to `path` (atomically).
pub fn export_to(kind: ExportKind, path: &Path, shown: &Shown<'_>) -> Result<(), String> {
    let entry = shown.entry;
    let attention = || shown.attention.ok_or("click the image first");
    let bytes = match kind {
        ExportKind::AnnotatedImage => {
            let mut image = (*entry.image).clone();
            draw_detections(&mut image, &shown.detections);
            png_bytes(&image).map_err(|e| e.to_string())?
        }
        ExportKind::DetectionsJson => {
            let doc = detections_doc(shown.path.display().to_string(), shown);
            serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?
        }
        ExportKind::AttentionImage => {
            let scales = &attention()?.scales;
            let mode = shown.heatmap.mode;
            let maxima = scale_maxima(scales, mode, shown.heatmap.shared_normalisation);
            let style = shown.heatmap.style();
            let panels: Vec<_> = scales
                .iter()
                .zip(maxima)
                .map(|(s, max)| blend_heatmap(&entry.image, values(s, mode), s.shape, max, style))
                .collect();
            let (w, h) = entry.image.dimensions();
            let mut sheet = image::RgbImage::new(w * panels.len() as u32, h);
            for (i, panel) in panels.iter().enumerate() {
                image::imageops::replace(&mut sheet, panel, i as i64 * w as i64, 0);
            }
            png_bytes(&sheet).map_err(|e| e.to_string())?
        }
        ExportKind::AttentionRows => {
            let view = attention()?;
            let [x, y] = view.pixel;
            let metadata = HashMap::from([
                ("image".to_string(), shown.path.display().to_string()),
                ("pixel".to_string(), format!("{x},{y}")),
            ]);
            return write_attention_safetensors(path, &view.scales, metadata)
                .map_err(|e| e.to_string());
        }
    };
    write_atomic(path, &bytes).map_err(|e| e.to_string())
}

/// Saves the shown frame of `live`, its annotated copy and its detections (JSON) side by side
/// in `folder` (default: `snapshots/` in the working directory); returns the frame's path.
pub fn snapshot(
    folder: Option<&Path>,
    live: Option<&Live>,
    shown: &Shown<'_>,
) -> Result<PathBuf, String> {
    let folder = folder.unwrap_or(Path::new("snapshots"));
    let frame_id = live.map_or(0, |l| l.last_frame_id);
    std::fs::create_dir_all(folder)
        .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let stem = format!("snapshot-{millis}-frame{frame_id}");
    let frame_name = format!("{stem}.png");
    let image = &shown.entry.image;
    let mut annotated = (**image).clone();
    draw_detections(&mut annotated, &shown.detections);
    let doc = detections_doc(frame_name.clone(), shown);
    let json = serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?;
    let frame_png = png_bytes(image).map_err(|e| e.to_string())?;
    let annotated_png = png_bytes(&annotated).map_err(|e| e.to_string())?;
    for (name, bytes) in [
        (frame_name.clone(), frame_png),
        (format!("{stem}_annotated.png"), annotated_png),
        (format!("{stem}_detections.json"), json),
    ] {
        let path = folder.join(&name);
        write_atomic(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(folder.join(frame_name))
}
