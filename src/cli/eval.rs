//! `assd eval`: AP of a checkpoint on an annotated dataset.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use assd::dataset::{Dataset, Format};
use assd::eval::class_map;
use assd::eval::{Report, evaluate, pr_curves_png, predict};
use assd::export::png_bytes;
use assd::fsutil::write_atomic;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::model_args::ModelArgs;

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// A VOC root, a COCO root or instances JSON (images beside it or --images), or a YOLO
    /// root. Repeat to evaluate several together (classes merged by name).
    #[arg(long, required = true)]
    data: Vec<PathBuf>,
    /// Evaluate only every K-th image: the part `assd train --holdout-every K` held out of the
    /// same `--data` list.
    #[arg(long, value_name = "K")]
    holdout_every: Option<usize>,
    /// With --holdout-every: evaluate the validation part `assd train --val-every J` used
    /// instead (every J-th of the images not held out).
    #[arg(long, value_name = "J")]
    val_every: Option<usize>,
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

pub fn run(args: EvalArgs) -> Result<ExitCode> {
    let (detector, selected) = args.model.load()?;
    eprintln!("device: {}", selected.description);
    let mut dataset: Option<Dataset> = None;
    for (i, data) in args.data.iter().enumerate() {
        let split = args.split.clone().filter(|_| i == 0).or_else(|| {
            data.join("ImageSets/Main/test.txt")
                .is_file()
                .then(|| "test".to_string())
        });
        let images = args.images.as_deref().filter(|_| i == 0);
        let read = assd::dataset::open(data, args.format, split.as_deref(), images)
            .with_context(|| format!("reading {}", data.display()))?;
        dataset = Some(match dataset {
            Some(d) => d.merged(read),
            None => read,
        });
    }
    let mut dataset = dataset.context("no --data")?;
    if let Some(k) = args.holdout_every {
        dataset = dataset.holdout(k, args.val_every).1;
    }
    if !dataset.skipped.is_empty() {
        eprintln!("note: {} annotations skipped:", dataset.skipped.len());
        for s in &dataset.skipped {
            eprintln!("  {s}");
        }
    }
    if let Some(n) = args.limit {
        dataset.samples.truncate(n);
    }
    let matched = class_map(&dataset, &detector.head.class_names).map_err(anyhow::Error::msg)?;
    if matched.by_position {
        eprintln!(
            "note: class names differ ({} vs the model's); matching them by position",
            dataset.classes.join(", ")
        );
    }
    let map = matched.labels;
    let left_out: Vec<&str> = dataset
        .classes
        .iter()
        .zip(&map)
        .filter(|(_, m)| m.is_none())
        .map(|(c, _)| c.as_str())
        .collect();
    if !left_out.is_empty() {
        eprintln!(
            "note: evaluating the {} classes the model and the dataset share; left out (the \
             model does not predict them): {}",
            map.len() - left_out.len(),
            left_out.join(", ")
        );
    }
    let (dataset, map) = dataset.restricted_to(&map);
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
