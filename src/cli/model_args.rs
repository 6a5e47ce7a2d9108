//! The options every command that runs the model shares, and how they become a detector.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use assd::backend::{DeviceChoice, SelectedDevice, select_device};
use assd::config::AssdConfig;
use assd::{Detector, weights};

/// Options shared by every command that runs the model.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Checkpoint: the project's .safetensors, the authors' .pth, or a TensorFlow Lite
    /// SSD-MobileNet (.tflite). Default: the built-in ASSD-MobileNet COCO model
    /// (builtin:assd-mobilenet-coco).
    #[arg(long, short)]
    weights: Option<PathBuf>,
    /// Network configuration (assd513, assd321, assd300, assd512, ssd300, ssd512,
    /// assd-mobilenet, ssd-mobilenet); default: recognised from the checkpoint.
    #[arg(long)]
    model: Option<String>,
    /// Where to run: auto (GPU if a hardware adapter exists), gpu or cpu.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    device: DeviceChoice,
    /// Feed RGB whatever the checkpoint says (for .pth weights trained on RGB input; the
    /// project's checkpoints carry their colour order).
    #[arg(long)]
    rgb: bool,
}

impl ModelArgs {
    pub fn weights_path(&self) -> Result<PathBuf> {
        match &self.weights {
            Some(p) => Ok(p.clone()),
            None => Ok(PathBuf::from(assd::weights::DEFAULT_WEIGHTS)),
        }
    }

    pub fn device(&self) -> Result<SelectedDevice> {
        let selected = select_device(self.device)?;
        if let Some(notice) = &selected.fallback_notice {
            eprintln!("notice: {notice}");
        }
        Ok(selected)
    }

    pub fn config(&self) -> Result<Option<AssdConfig>> {
        self.model
            .as_deref()
            .map(AssdConfig::preset)
            .transpose()
            .map_err(Into::into)
    }

    /// Loads the checkpoint onto the selected device and wraps it in a [`Detector`].
    pub fn load(&self) -> Result<(Detector, SelectedDevice)> {
        let path = self.weights_path()?;
        let selected = self.device()?;
        let model = weights::load_model(&path, self.config()?, &selected.device)
            .with_context(|| format!("loading weights {}", path.display()))?;
        let mut detector = Detector::new(model, selected.device.clone())?;
        if self.rgb {
            detector.preprocess.color = assd::preprocess::ColorOrder::Rgb;
        }
        Ok((detector, selected))
    }

    /// Another checkpoint (a baseline) on the device already selected, its configuration
    /// recognised from the file.
    pub fn load_other(&self, weights: &Path, selected: &SelectedDevice) -> Result<Detector> {
        let model = weights::load_model(weights, None, &selected.device)
            .with_context(|| format!("loading weights {}", weights.display()))?;
        let mut detector = Detector::new(model, selected.device.clone())?;
        if self.rgb {
            detector.preprocess.color = assd::preprocess::ColorOrder::Rgb;
        }
        Ok(detector)
    }
}
