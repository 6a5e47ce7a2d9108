//! The attention the user asked for: the query pixel, the request in flight, the rows read
//! back with their heatmaps, and the scale shown large.

use std::path::{Path, PathBuf};
use std::time::Duration;

use egui::TextureOptions;

use super::heatmap_gpu::HeatValues;
use super::heatmaps::{heatmap, scale_maxima, values};
use super::settings::{AttentionMode, HeatmapSettings};
use crate::attention_query::ScaleAttention;

/// One scale's heatmap as the renderer draws it.
pub enum Heat {
    /// Colour-mapped on the CPU, upsampled by texture sampling (no wgpu renderer).
    Texture(egui::TextureHandle),
    /// Values for the WGSL heatmap shader.
    Gpu(HeatValues),
}

/// The attention read back for one pixel, with its heatmaps.
pub struct AttentionView {
    pub path: PathBuf,
    pub pixel: [f32; 2],
    pub scales: Vec<ScaleAttention>,
    pub heat: Vec<Heat>,
    /// Settings the heatmaps were made with.
    made_with: Option<HeatmapKey>,
}

/// The settings a heatmap's pixels depend on (opacity is applied when drawing).
type HeatmapKey = (super::colormap::Colormap, bool, bool, AttentionMode, f32);

fn key(s: &HeatmapSettings) -> HeatmapKey {
    (
        s.colormap,
        s.shared_normalisation,
        s.bilinear,
        s.mode,
        s.gamma,
    )
}

impl AttentionView {
    pub fn new(path: PathBuf, pixel: [f32; 2], scales: Vec<ScaleAttention>) -> Self {
        Self {
            path,
            pixel,
            scales,
            heat: Vec::new(),
            made_with: None,
        }
    }
}

/// What the attention panels show and what is being asked for.
#[derive(Default)]
pub struct AttentionState {
    view: Option<AttentionView>,
    /// Pixel whose attention was asked for and has not arrived yet.
    pending: Option<[f32; 2]>,
    /// The scale shown large over the image.
    pub selected_scale: usize,
    /// The last read-back time, for the status bar.
    pub last_time: Duration,
    /// Heatmaps go through the WGSL shader (egui renders with wgpu).
    pub gpu_heatmaps: bool,
    /// Bumped whenever heatmap values change, so the shader's textures are re-uploaded.
    heat_generation: u64,
}

impl AttentionState {
    /// The attention shown for `path`, if it is for that image.
    pub fn view_for(&self, path: Option<&Path>) -> Option<&AttentionView> {
        self.view
            .as_ref()
            .filter(|v| Some(v.path.as_path()) == path)
    }

    /// Whether a request for `pixel` should go out (none for it is already waiting); marks
    /// it as waiting.
    pub fn ask(&mut self, pixel: [f32; 2]) -> bool {
        if self.pending == Some(pixel) {
            return false;
        }
        self.pending = Some(pixel);
        true
    }

    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// The request can no longer be answered (its image failed).
    pub fn give_up(&mut self) {
        self.pending = None;
    }

    /// Rows arrived for `pixel` of `path`.
    pub fn arrived(
        &mut self,
        path: PathBuf,
        pixel: [f32; 2],
        scales: Vec<ScaleAttention>,
        took: Duration,
    ) {
        if self.pending == Some(pixel) {
            self.pending = None;
        }
        self.last_time = took;
        self.view = Some(AttentionView::new(path, pixel, scales));
    }

    /// Forgets what is shown and asked (another image, stream or model).
    pub fn clear(&mut self) {
        self.view = None;
        self.pending = None;
    }

    /// Forgets what is shown, keeping a request in flight (new weights answer it again).
    pub fn clear_shown(&mut self) {
        self.view = None;
    }

    /// (Re)builds the heatmaps when the attention or the display settings changed.
    pub fn ensure_heatmaps(&mut self, ctx: &egui::Context, settings: &HeatmapSettings) {
        let made = key(settings);
        let Some(view) = self.view.as_mut() else {
            return;
        };
        if view.made_with == Some(made) && view.heat.len() == view.scales.len() {
            return;
        }
        let mode = settings.mode;
        let maxima = scale_maxima(&view.scales, mode, settings.shared_normalisation);
        let options = if settings.bilinear {
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
                let image = heatmap(values, s.shape, max, settings.colormap, settings.gamma);
                Heat::Texture(ctx.load_texture(format!("attention-{}", s.scale), image, options))
            })
            .collect();
        view.made_with = Some(made);
    }
}
