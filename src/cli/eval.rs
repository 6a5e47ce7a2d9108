//! `assd eval`: AP of a checkpoint on an annotated dataset.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use assd::eval::{Report, evaluate, predict, tide, tide_images, write_pr_curves};
use assd::fsutil::write_atomic;
use clap::Args;

use super::data_args::{DataArgs, image_bar, shared_classes};
use super::model_args::ModelArgs;

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    data: DataArgs,
    /// Write the report (per-class APs and means) as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Also TIDE's error breakdown (tidecv 1.0.1: AP50 base, background IoU 0.1): dAP of
    /// Cls, Loc, Both, Dupe, Bkg, Miss, FalsePos and FalseNeg.
    #[arg(long)]
    tide: bool,
    /// Where to save the precision/recall curves (PNG; an SVG goes beside it).
    #[arg(long, default_value = "pr_curves.png")]
    curves: PathBuf,
}

pub fn run(args: EvalArgs) -> Result<ExitCode> {
    let (detector, selected) = args.model.load()?;
    eprintln!("device: {}", selected.description);
    let dataset = args.data.load()?;
    let (dataset, map) = shared_classes(dataset, &detector.head.class_names)?;
    let bar = image_bar(dataset.samples.len());
    let predictions = predict(&detector, &dataset, &map, || bar.inc(1))?;
    bar.finish_and_clear();
    let mut report: Report = evaluate(&dataset, &predictions);
    if args.tide {
        report.tide = Some(tide(&tide_images(&dataset, &predictions)));
    }
    print!("{}", report.table());
    let written = write_pr_curves(&report, &args.curves)?;
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    eprintln!("precision/recall curves: {}", names.join(", "));
    if let Some(path) = &args.json {
        write_atomic(path, &serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
