//! What the app remembers between runs (eframe storage).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::colormap::Colormap;
use crate::detect::DetectConfig;

/// Which attention a heatmap shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AttentionMode {
    /// Where the clicked pixel's query cell looks (its row of β).
    #[default]
    Row,
    /// How much attention each location receives (column mean of β).
    Received,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub conf_thresh: f32,
    pub nms_thresh: f32,
    pub top_k: usize,
    pub class_agnostic: bool,
    pub colormap: Colormap,
    pub opacity: f32,
    /// Exponent applied to normalised attention before colour mapping (< 1 lifts the faint
    /// values of peaked maps).
    pub gamma: f32,
    /// One colour scale across all scales instead of one per map.
    pub shared_normalisation: bool,
    /// Bilinear (else nearest) upsampling of the heatmaps.
    pub bilinear: bool,
    pub mode: AttentionMode,
    /// Follow the pointer instead of clicks.
    pub follow_hover: bool,
    pub show_boxes: bool,
    pub last_folder: Option<PathBuf>,
    pub last_weights: Option<PathBuf>,
    pub recent: Vec<PathBuf>,
    /// Webcam resolution and rate asked for.
    pub camera_format: crate::camera::FormatRequest,
    /// Playback rate of folder-backed virtual cameras.
    pub virtual_fps: f32,
    /// Where snapshots go (default: `snapshots/` in the working directory).
    pub snapshot_folder: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            // Display defaults; the authors' evaluation threshold (0.01) draws thousands of boxes.
            conf_thresh: 0.5,
            nms_thresh: 0.45,
            top_k: 200,
            class_agnostic: false,
            colormap: Colormap::Viridis,
            opacity: 0.6,
            gamma: 0.5,
            shared_normalisation: false,
            bilinear: true,
            mode: AttentionMode::Row,
            follow_hover: false,
            show_boxes: true,
            last_folder: None,
            last_weights: None,
            recent: Vec::new(),
            camera_format: crate::camera::FormatRequest::default(),
            virtual_fps: 10.0,
            snapshot_folder: None,
        }
    }
}

impl Settings {
    pub fn detect_config(&self) -> DetectConfig {
        DetectConfig {
            conf_thresh: self.conf_thresh,
            nms_thresh: self.nms_thresh,
            top_k: self.top_k,
            class_agnostic: self.class_agnostic,
            max_per_image: None,
        }
    }

    pub fn heatmap_style(&self) -> crate::export::HeatmapStyle {
        crate::export::HeatmapStyle {
            colormap: self.colormap,
            gamma: self.gamma,
            opacity: self.opacity,
            bilinear: self.bilinear,
        }
    }

    /// Most recent first, without duplicates, at most 10.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| *p != path);
        self.recent.insert(0, path);
        self.recent.truncate(10);
    }
}
