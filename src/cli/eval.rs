//! `assd eval`: AP of a checkpoint on an annotated dataset.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use assd::dataset::{Dataset, Format};
use assd::eval::{Report, evaluate, pr_curves_png, predict};
use assd::export::png_bytes;
use assd::fsutil::write_atomic;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::ModelArgs;

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// A VOC root, a COCO instances JSON (images beside it or --images), or a YOLO root.
    #[arg(long)]
    data: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    format: Format,
    /// VOC image set (ImageSets/Main/<split>.txt) or YOLO sub-folder; default: VOC `test`
    /// when it exists, else everything.
    #[arg(long)]
    split: Option<String>,
    /// The image folder of a COCO file.
    #[arg(long)]
    images: Option<PathBuf>,
    /// Write the report (per-class APs and means) as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Where to save the precision/recall curves.
    #[arg(long, default_value = "pr_curves.png")]
    curves: PathBuf,
    /// Evaluate only the first N images.
    #[arg(long)]
    limit: Option<usize>,
}

/// Dataset class index → the model's label (1-based): by name when every dataset class is one
/// of the model's, else by position when the counts agree.
fn class_map(dataset: &Dataset, model_names: &[String]) -> Result<Vec<usize>> {
    let foreground = &model_names[1.min(model_names.len())..];
    let by_name: Option<Vec<usize>> = dataset
        .classes
        .iter()
        .map(|c| foreground.iter().position(|m| m == c).map(|i| i + 1))
        .collect();
    if let Some(map) = by_name {
        return Ok(map);
    }
    if foreground.len() == dataset.classes.len() {
        eprintln!(
            "note: class names differ ({} vs {}); matching them by position",
            dataset.classes.join(", "),
            foreground.join(", ")
        );
        return Ok((1..=foreground.len()).collect());
    }
    bail!(
        "the model predicts {} classes ({}) but the dataset has {} ({})",
        foreground.len(),
        foreground.join(", "),
        dataset.classes.len(),
        dataset.classes.join(", ")
    )
}

pub fn run(args: EvalArgs) -> Result<ExitCode> {
    let (detector, selected) = args.model.load()?;
    eprintln!("device: {}", selected.description);
    let split = args.split.clone().or_else(|| {
        args.data
            .join("ImageSets/Main/test.txt")
            .is_file()
            .then(|| "test".to_string())
    });
    let mut dataset = assd::dataset::open(
        &args.data,
        args.format,
        split.as_deref(),
        args.images.as_deref(),
    )
    .with_context(|| format!("reading {}", args.data.display()))?;
    if !dataset.skipped.is_empty() {
        eprintln!("note: {} annotations skipped:", dataset.skipped.len());
        for s in &dataset.skipped {
            eprintln!("  {s}");
        }
    }
    if let Some(n) = args.limit {
        dataset.samples.truncate(n);
    }
    let map = class_map(&dataset, &detector.head.class_names)?;
    let bar = ProgressBar::new(dataset.samples.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} images, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let predictions = predict(&detector, &dataset, &map, || bar.inc(1))?;
    bar.finish_and_clear();
    let report: Report = evaluate(&dataset, &predictions);
    print!("{}", report.table());
    let png = png_bytes(&pr_curves_png(&report))?;
    write_atomic(&args.curves, &png)
        .with_context(|| format!("writing {}", args.curves.display()))?;
    eprintln!("precision/recall curves: {}", args.curves.display());
    if let Some(path) = &args.json {
        write_atomic(path, &serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
