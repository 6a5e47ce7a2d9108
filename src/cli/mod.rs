//! Command-line interface.

mod attention;
mod bench;
mod convert;
mod detect;
mod eval;
mod info;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use assd::backend::{DeviceChoice, SelectedDevice, select_device};
use assd::config::AssdConfig;
use assd::{Detector, weights};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "assd",
    version,
    about = "ASSD object detection with visible attention maps"
)]
pub struct Cli {
    /// Without a subcommand, opens the app.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open the app (also what `assd` without a subcommand does).
    Gui(GuiArgs),
    /// Detect objects in images or folders of images.
    Detect(detect::DetectArgs),
    /// Export per-scale attention for one image pixel (safetensors).
    Attention(attention::AttentionArgs),
    /// Describe a checkpoint: tensors, parameter count, detected configuration.
    Info(info::InfoArgs),
    /// Convert a checkpoint (e.g. the authors' .pth) to the project's safetensors format.
    Convert(convert::ConvertArgs),
    /// Measure preprocessing, forward and decode+NMS latency (medians).
    Bench(bench::BenchArgs),
    /// Average precision on an annotated dataset (VOC07 11-point, VOC all-point, COCO-style).
    Eval(eval::EvalArgs),
    /// Train or fine-tune on a VOC, COCO or YOLO dataset.
    Train(train::TrainArgs),
}

/// `assd gui`.
#[derive(Debug, Default, clap::Args)]
pub struct GuiArgs {
    /// An image or a folder to open (default: the sample images in assets/).
    path: Option<PathBuf>,
    /// Checkpoint (default: as for `detect`).
    #[arg(long, short)]
    weights: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    device: DeviceChoice,
    /// Start streaming: a webcam index (0, 1, …) or a folder of frames played as a virtual
    /// camera, `virtual:FOLDER[@FPS]` (default 10 fps).
    #[arg(long, value_parser = assd::camera::SourceSpec::parse)]
    camera: Option<assd::camera::SourceSpec>,
}

fn gui(args: GuiArgs) -> Result<ExitCode> {
    assd::ui::run(assd::ui::AppOptions {
        path: args.path,
        weights: args.weights,
        device: args.device,
        fresh_settings: false,
        camera: args.camera,
        ..Default::default()
    })
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command.unwrap_or(Command::Gui(GuiArgs::default())) {
        Command::Gui(args) => gui(args),
        Command::Detect(args) => detect::run(args),
        Command::Attention(args) => attention::run(args),
        Command::Info(args) => info::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Train(args) => train::run(args),
        Command::Bench(args) => bench::run(args),
    }
}

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
}
