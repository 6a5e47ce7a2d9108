//! `assd eval`: AP of a checkpoint on an annotated dataset.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use assd::dataset::Dataset;
use assd::eval::{
    Report, class_map, compare, evaluate, predict, tide, tide_images, write_pr_curves,
};
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
    /// A second checkpoint scored on the same images: AP and AP50 of both, and this model
    /// minus W2 with a paired bootstrap 95% interval over images.
    #[arg(long, value_name = "W2")]
    compare: Option<PathBuf>,
    /// Bootstrap resamples for --compare.
    #[arg(long, default_value_t = 1000)]
    resamples: usize,
    /// Seed of the bootstrap's draws (the same seed gives the same interval).
    #[arg(long, default_value_t = 0)]
    seed: u64,
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
    let mut comparison = None;
    if let Some(other) = &args.compare {
        let b = args.model.load_other(other, &selected)?;
        let labels = same_classes(&dataset, &b.head.class_names, other)?;
        eprintln!("scoring {}", other.display());
        let bar = image_bar(dataset.samples.len());
        let theirs = predict(&b, &dataset, &labels, || bar.inc(1))?;
        bar.finish_and_clear();
        comparison = Some(compare(
            &dataset,
            &predictions,
            &theirs,
            args.resamples,
            args.seed,
        ));
    }
    print!("{}", report.table());
    if let Some(c) = &comparison {
        let a = args.model.weights_path()?;
        let b = args.compare.as_deref().unwrap_or(Path::new("?"));
        print!(
            "{}",
            c.table(&a.display().to_string(), &b.display().to_string())
        );
    }
    let written = write_pr_curves(&report, &args.curves)?;
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    eprintln!("precision/recall curves: {}", names.join(", "));
    if let Some(path) = &args.json {
        let mut json = serde_json::to_value(&report)?;
        if let (Some(c), Some(object)) = (&comparison, json.as_object_mut()) {
            object.insert("compare".into(), serde_json::to_value(c)?);
        }
        write_atomic(path, &serde_json::to_vec_pretty(&json)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The model labels of `dataset`'s classes in the second model (`names`, from `weights`); an
/// error naming the classes it lacks.
fn same_classes(dataset: &Dataset, names: &[String], weights: &Path) -> Result<Vec<usize>> {
    let matched = class_map(dataset, names).map_err(anyhow::Error::msg)?;
    let missing: Vec<&str> = (dataset.classes.iter())
        .zip(&matched.labels)
        .filter(|(_, l)| l.is_none())
        .map(|(c, _)| c.as_str())
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "{} does not predict {} (both models must score the same classes)",
            weights.display(),
            missing.join(", ")
        );
    }
    Ok(matched.labels.into_iter().flatten().collect())
}
