//! How the app starts: what to open, which weights, where the model runs.

use std::path::{Path, PathBuf};

use super::settings::Places;
use crate::backend::{DeviceChoice, SelectedDevice};
use crate::camera::SourceSpec;

#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// An image or a folder to open.
    pub path: Option<PathBuf>,
    /// Weights to load (default: the first of the default locations that exists).
    pub weights: Option<PathBuf>,
    pub device: DeviceChoice,
    /// Ignore persisted settings (tests).
    pub fresh_settings: bool,
    /// A camera to start streaming from.
    pub camera: Option<SourceSpec>,
    /// The device already chosen for the model (the window shares its GPU); else chosen from
    /// `device` when weights load.
    pub selected_device: Option<SelectedDevice>,
    /// Heatmaps go through the WGSL shader (the window renders with wgpu).
    pub gpu_heatmaps: bool,
}

impl AppOptions {
    /// The weights asked for, else the last ones used (while they exist), else the built-in
    /// default model.
    pub fn weights_to_load(&self, places: &Places) -> PathBuf {
        let remembered =
            (places.last_weights.clone()).filter(|p| p.exists() || crate::weights::is_builtin(p));
        (self.weights.clone())
            .or(remembered)
            .unwrap_or_else(|| crate::weights::DEFAULT_WEIGHTS.into())
    }

    /// The image or folder asked for, else `assets/` when run from the checkout.
    pub fn path_to_open(&self) -> Option<PathBuf> {
        let assets = Path::new("assets");
        (self.path.clone()).or_else(|| assets.is_dir().then(|| assets.to_path_buf()))
    }
}
