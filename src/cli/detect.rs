//! `assd detect`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use assd::detect::{DetectConfig, Detection};
use assd::draw::draw_detections;
use assd::export::{DetectionsFile, ImageDetections, png_bytes};
use assd::fsutil::write_atomic;
use assd::image_files::images_in;
use assd::preprocess::load_image;
use clap::Args;
use image::RgbImage;
use indicatif::{ProgressBar, ProgressStyle};

use super::model_args::ModelArgs;

#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Image files and/or folders (folders: every image inside, sorted, not recursive).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    /// Confidence threshold (scores strictly above it are kept). Default: the model's
    /// (0.01 for both families).
    #[arg(long)]
    conf: Option<f32>,
    /// NMS IoU threshold. Default: the model's (ASSD513 0.45, SSD-MobileNet 0.6).
    #[arg(long)]
    nms: Option<f32>,
    /// Candidates per class entering NMS (and kept at most). Default: the model's (200, 100).
    #[arg(long)]
    top_k: Option<usize>,
    /// At most this many detections per image. Default: the model's (none, 100).
    #[arg(long)]
    max_per_image: Option<usize>,
    /// One NMS across all classes instead of per class.
    #[arg(long)]
    class_agnostic: bool,
    /// Only draw detections scoring at least this (the JSON keeps all).
    #[arg(long, default_value_t = 0.5)]
    draw_threshold: f32,
    /// Draw at most this many boxes per image, highest scores first.
    #[arg(long, default_value_t = 100)]
    max_draw: usize,
    /// Folder for annotated images (PNG, named after the input).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write all detections as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Images per forward pass (a GPU gives throughput only with batches); the detections
    /// are those of batch 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=256))]
    batch: u64,
}

/// Files as given, folders expanded to their images (sorted). Unreadable folders are errors.
fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            files.extend(
                images_in(input).with_context(|| format!("reading folder {}", input.display()))?,
            );
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

pub fn run(args: DetectArgs) -> Result<ExitCode> {
    let files = expand_inputs(&args.inputs)?;
    anyhow::ensure!(!files.is_empty(), "no images found in the given inputs");
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    }
    let (detector, selected) = args.model.load()?;
    eprintln!(
        "{} on {}: {} priors, {} classes",
        detector.config().name,
        selected.description,
        detector.head.priors.len(),
        detector.config().num_classes
    );
    let defaults = detector.config().detect;
    let config = DetectConfig {
        conf_thresh: args.conf.unwrap_or(defaults.conf_thresh),
        nms_thresh: args.nms.unwrap_or(defaults.nms_thresh),
        top_k: args.top_k.unwrap_or(defaults.top_k),
        class_agnostic: args.class_agnostic || defaults.class_agnostic,
        max_per_image: args.max_per_image.or(defaults.max_per_image),
    };
    let bar = if files.len() > 1 {
        let bar = ProgressBar::new(files.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} eta {eta} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut images = Vec::new();
    let mut failures = 0usize;
    for chunk in files.chunks(args.batch as usize) {
        // Unreadable files are reported and skipped; the rest of the chunk still runs.
        let (mut names, mut pictures) = (Vec::new(), Vec::new());
        for file in chunk {
            match load_image(file) {
                Ok(image) => {
                    names.push(file);
                    pictures.push(image);
                }
                Err(err) => {
                    failures += 1;
                    bar.suspend(|| eprintln!("skipped {}: {err:#}", file.display()));
                    bar.inc(1);
                }
            }
        }
        let Some(first) = names.first() else {
            continue;
        };
        bar.set_message(
            first
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        let inferences = detector.infer_batch(&pictures);
        for ((file, image), inference) in names.into_iter().zip(pictures).zip(inferences) {
            let detections = detector.detections(&inference, &config);
            match finish(file, image, detections, &args) {
                Ok(result) => {
                    if files.len() == 1 {
                        print_summary(&result, args.draw_threshold);
                    }
                    images.push(result);
                }
                Err(err) => {
                    failures += 1;
                    bar.suspend(|| eprintln!("skipped {}: {err:#}", file.display()));
                }
            }
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    if let Some(json) = &args.json {
        let doc = serde_json::to_vec_pretty(&DetectionsFile { images })?;
        write_atomic(json, &doc).with_context(|| format!("writing {}", json.display()))?;
    }
    eprintln!(
        "{} image(s) processed, {failures} failed",
        files.len() - failures
    );
    Ok(if failures > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Draws (with `--out`) and describes one image's detections.
fn finish(
    file: &Path,
    mut image: RgbImage,
    detections: Vec<Detection>,
    args: &DetectArgs,
) -> Result<ImageDetections> {
    if let Some(out) = &args.out {
        let shown: Vec<Detection> = detections
            .iter()
            .filter(|d| d.score >= args.draw_threshold)
            .cloned()
            .collect();
        draw_detections(&mut image, &shown);
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "image".into());
        let target = out.join(format!("{stem}.png"));
        let png = png_bytes(&image).context("encoding PNG")?;
        write_atomic(&target, &png).with_context(|| format!("writing {}", target.display()))?;
    }
    Ok(ImageDetections {
        path: file.display().to_string(),
        width: image.width(),
        height: image.height(),
        detections,
    })
}

fn print_summary(result: &ImageDetections, threshold: f32) {
    let shown: Vec<&Detection> = result
        .detections
        .iter()
        .filter(|d| d.score >= threshold)
        .collect();
    println!(
        "{}: {} detections, {} with score ≥ {threshold}",
        result.path,
        result.detections.len(),
        shown.len()
    );
    let mut sorted = shown;
    sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
    for d in sorted.iter().take(20) {
        let [x1, y1, x2, y2] = d.bbox;
        println!(
            "  {:<12} {:.3}  [{x1:.0}, {y1:.0}, {x2:.0}, {y2:.0}]  scale {}",
            d.label, d.score, d.scale
        );
    }
}
