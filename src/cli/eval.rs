//! `assd eval`: AP of a checkpoint on an annotated dataset.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use assd::dataset::{Dataset, Format};
use assd::eval::{Report, evaluate, pr_curves_png, predict};
use assd::export::png_bytes;
use assd::fsutil::write_atomic;
use assd::labels::canonical_class_name;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::ModelArgs;

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

/// Dataset class index → the model's label (1-based), or `None` for a dataset class the
/// model does not predict: by name (VOC and COCO spellings meet, see
/// [`canonical_class_name`]) when any class is shared, else by position when the counts agree.
fn class_map(dataset: &Dataset, model_names: &[String]) -> Result<Vec<Option<usize>>> {
    let foreground: Vec<String> = model_names[1.min(model_names.len())..]
        .iter()
        .map(|n| canonical_class_name(n))
        .collect();
    let by_name: Vec<Option<usize>> = dataset
        .classes
        .iter()
        .map(|c| {
            let c = canonical_class_name(c);
            foreground
                .iter()
                .position(|m| !m.is_empty() && *m == c)
                .map(|i| i + 1)
        })
        .collect();
    if by_name.iter().any(Option::is_some) {
        return Ok(by_name);
    }
    let named: Vec<&String> = model_names
        .iter()
        .skip(1)
        .filter(|n| !n.is_empty())
        .collect();
    if named.len() == dataset.classes.len() {
        eprintln!(
            "note: class names differ ({} vs {}); matching them by position",
            dataset.classes.join(", "),
            foreground.join(", ")
        );
        return Ok((1..=foreground.len()).map(Some).collect());
    }
    bail!(
        "the model and the dataset share no class: the model predicts {} classes ({}), the \
         dataset has {} ({})",
        named.len(),
        named
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        dataset.classes.len(),
        dataset.classes.join(", ")
    )
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
        dataset = dataset.split_every(k).1;
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
    let map = class_map(&dataset, &detector.head.class_names)?;
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
