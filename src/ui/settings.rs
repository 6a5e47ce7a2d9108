//! What the app remembers between runs (eframe storage), grouped by the panel that edits it.
//! On disk it stays the flat record earlier versions wrote (same key, same field names), so
//! a user's settings survive the grouping.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::colormap::Colormap;
use crate::camera::FormatRequest;
use crate::detect::DetectConfig;
use crate::export::HeatmapStyle;

/// Which attention a heatmap shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AttentionMode {
    /// Where the clicked pixel's query cell looks (its row of β).
    #[default]
    Row,
    /// How much attention each location receives (column mean of β).
    Received,
}

/// Thresholds and drawing of the detections (the detections panel).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectionSettings {
    pub conf_thresh: f32,
    pub nms_thresh: f32,
    pub top_k: usize,
    pub class_agnostic: bool,
    pub show_boxes: bool,
}

/// How attention is drawn and asked for (the attention panel).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeatmapSettings {
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
}

/// The Camera menu's choices.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraSettings {
    /// Webcam resolution and rate asked for.
    pub format: FormatRequest,
    /// Playback rate of folder-backed virtual cameras.
    pub virtual_fps: f32,
    /// Where snapshots go (default: `snapshots/` in the working directory).
    pub snapshot_folder: Option<PathBuf>,
}

/// Where the user has been (dialogs start there, the Recent menu lists it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Places {
    pub last_folder: Option<PathBuf>,
    pub last_weights: Option<PathBuf>,
    pub recent: Vec<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "Stored", into = "Stored")]
pub struct Settings {
    pub detection: DetectionSettings,
    pub heatmap: HeatmapSettings,
    pub camera: CameraSettings,
    pub places: Places,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            detection: DetectionSettings {
                // Display defaults; the authors' evaluation threshold (0.01) draws thousands of
                // boxes.
                conf_thresh: 0.5,
                nms_thresh: 0.45,
                top_k: 200,
                class_agnostic: false,
                show_boxes: true,
            },
            heatmap: HeatmapSettings {
                colormap: Colormap::Viridis,
                opacity: 0.6,
                gamma: 0.5,
                shared_normalisation: false,
                bilinear: true,
                mode: AttentionMode::Row,
                follow_hover: false,
            },
            camera: CameraSettings {
                format: FormatRequest::default(),
                virtual_fps: 10.0,
                snapshot_folder: None,
            },
            places: Places::default(),
        }
    }
}

/// Where eframe keeps them.
const KEY: &str = "assd-settings";

impl Settings {
    /// What `storage` remembers (defaults without it, or when it holds none).
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Self {
        storage
            .and_then(|s| eframe::get_value(s, KEY))
            .unwrap_or_default()
    }

    pub fn save(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, KEY, self);
    }
}

impl DetectionSettings {
    pub fn detect_config(&self) -> DetectConfig {
        DetectConfig {
            conf_thresh: self.conf_thresh,
            nms_thresh: self.nms_thresh,
            top_k: self.top_k,
            class_agnostic: self.class_agnostic,
            max_per_image: None,
        }
    }
}

impl HeatmapSettings {
    pub fn style(&self) -> HeatmapStyle {
        HeatmapStyle {
            colormap: self.colormap,
            gamma: self.gamma,
            opacity: self.opacity,
            bilinear: self.bilinear,
        }
    }
}

impl Places {
    /// Most recent first, without duplicates, at most 10.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| *p != path);
        self.recent.insert(0, path);
        self.recent.truncate(10);
    }
}

/// The record as stored: flat, with the field names of every earlier version; fields it
/// lacks (an older file) take their defaults.
#[derive(Serialize, Deserialize)]
#[serde(default)]
struct Stored {
    conf_thresh: f32,
    nms_thresh: f32,
    top_k: usize,
    class_agnostic: bool,
    colormap: Colormap,
    opacity: f32,
    gamma: f32,
    shared_normalisation: bool,
    bilinear: bool,
    mode: AttentionMode,
    follow_hover: bool,
    show_boxes: bool,
    last_folder: Option<PathBuf>,
    last_weights: Option<PathBuf>,
    recent: Vec<PathBuf>,
    camera_format: FormatRequest,
    virtual_fps: f32,
    snapshot_folder: Option<PathBuf>,
}

impl Default for Stored {
    fn default() -> Self {
        Settings::default().into()
    }
}

impl From<Settings> for Stored {
    fn from(s: Settings) -> Self {
        let (d, h, c, p) = (s.detection, s.heatmap, s.camera, s.places);
        Self {
            conf_thresh: d.conf_thresh,
            nms_thresh: d.nms_thresh,
            top_k: d.top_k,
            class_agnostic: d.class_agnostic,
            show_boxes: d.show_boxes,
            colormap: h.colormap,
            opacity: h.opacity,
            gamma: h.gamma,
            shared_normalisation: h.shared_normalisation,
            bilinear: h.bilinear,
            mode: h.mode,
            follow_hover: h.follow_hover,
            last_folder: p.last_folder,
            last_weights: p.last_weights,
            recent: p.recent,
            camera_format: c.format,
            virtual_fps: c.virtual_fps,
            snapshot_folder: c.snapshot_folder,
        }
    }
}

impl From<Stored> for Settings {
    fn from(s: Stored) -> Self {
        Self {
            detection: DetectionSettings {
                conf_thresh: s.conf_thresh,
                nms_thresh: s.nms_thresh,
                top_k: s.top_k,
                class_agnostic: s.class_agnostic,
                show_boxes: s.show_boxes,
            },
            heatmap: HeatmapSettings {
                colormap: s.colormap,
                opacity: s.opacity,
                gamma: s.gamma,
                shared_normalisation: s.shared_normalisation,
                bilinear: s.bilinear,
                mode: s.mode,
                follow_hover: s.follow_hover,
            },
            camera: CameraSettings {
                format: s.camera_format,
                virtual_fps: s.virtual_fps,
                snapshot_folder: s.snapshot_folder,
            },
            places: Places {
                last_folder: s.last_folder,
                last_weights: s.last_weights,
                recent: s.recent,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;

    /// eframe's storage as a map of strings (what its file backend holds).
    #[derive(Default)]
    struct MemoryStorage(HashMap<String, String>);

    impl eframe::Storage for MemoryStorage {
        fn get_string(&self, key: &str) -> Option<String> {
            self.0.get(key).cloned()
        }
        fn set_string(&mut self, key: &str, value: String) {
            self.0.insert(key.to_string(), value);
        }
        fn remove_string(&mut self, key: &str) {
            self.0.remove(key);
        }
        fn flush(&mut self) {}
    }

    #[test]
    fn settings_written_by_the_flat_version_still_load() {
        // What the previous (flat) `Settings` wrote, by hand: some fields set, others absent.
        let mut storage = MemoryStorage::default();
        storage.0.insert(
            "assd-settings".into(),
            "(conf_thresh:0.3,top_k:50,colormap:Turbo,mode:Received,show_boxes:false,\
             recent:[\"/data/a\",\"/data/b\"],last_weights:Some(\"/w/m.pth\"),virtual_fps:5.0)"
                .into(),
        );
        let loaded = Settings::load(Some(&storage));
        let mut want = Settings::default();
        want.detection.conf_thresh = 0.3;
        want.detection.top_k = 50;
        want.detection.show_boxes = false;
        want.heatmap.colormap = Colormap::Turbo;
        want.heatmap.mode = AttentionMode::Received;
        want.places.recent = vec!["/data/a".into(), "/data/b".into()];
        want.places.last_weights = Some("/w/m.pth".into());
        want.camera.virtual_fps = 5.0;
        assert_eq!(loaded, want);
    }

    #[test]
    fn settings_round_trip_through_storage_under_the_flat_names() {
        let mut settings = Settings::default();
        settings.detection.nms_thresh = 0.6;
        settings.heatmap.gamma = 0.8;
        settings.camera.snapshot_folder = Some("/snaps".into());
        settings.places.remember("/x".into());
        let mut storage = MemoryStorage::default();
        settings.save(&mut storage);
        let text = storage.0["assd-settings"].clone();
        for field in [
            "nms_thresh:0.6",
            "gamma:0.8",
            "snapshot_folder:Some(\"/snaps\")",
        ] {
            assert!(text.replace(' ', "").contains(field), "{field} in {text}");
        }
        assert_eq!(Settings::load(Some(&storage)), settings);
        assert_eq!(Settings::load(None), Settings::default());
    }

    #[test]
    fn recent_places_are_deduplicated_newest_first_and_bounded() {
        let mut places = Places::default();
        for i in 0..12 {
            places.remember(format!("/p{i}").into());
        }
        places.remember("/p5".into());
        assert_eq!(places.recent.len(), 10);
        assert_eq!(places.recent[0], PathBuf::from("/p5"));
        assert_eq!(
            places
                .recent
                .iter()
                .filter(|p| p.as_path() == Path::new("/p5"))
                .count(),
            1
        );
    }
}
