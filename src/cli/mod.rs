//! Command-line interface.

mod analyze;
mod attention;
mod bench;
mod convert;
mod data_args;
mod detect;
mod eval;
mod info;
mod model_args;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use assd::backend::DeviceChoice;
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
    /// Where each scale's attention goes over a dataset, per object, class and size, and
    /// which scale fires for which objects (analysis.json, CSV tables).
    Analyze(analyze::AnalyzeArgs),
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
        Command::Analyze(args) => analyze::run(args),
        Command::Train(args) => train::run(args),
        Command::Bench(args) => bench::run(args),
    }
}
