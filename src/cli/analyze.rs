//! `assd analyze`: where each scale's attention goes over a whole dataset, per object, class
//! and size, and which scale fires for which objects (definitions in the README).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use assd::Detector;
use assd::analysis::{Analyser, Difference, Objects, Summary, write_plots};
use assd::dataset::Dataset;
use assd::fsutil::write_atomic;
use assd::image_files::images_in;
use assd::preprocess::load_image;
use clap::Args;

use super::data_args::{DataArgs, image_bar, shared_classes};
use super::model_args::ModelArgs;

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Datasets as for `eval`; a folder of images without annotations analyses the detections
    /// (score ≥ --conf) instead of ground-truth boxes.
    #[command(flatten)]
    data: DataArgs,
    /// Where analysis.json, the CSV tables and (with --dump-maps) maps/ go.
    #[arg(long)]
    out: PathBuf,
    /// Detections count from this score: which scale fired for an object, and the objects of
    /// an unannotated folder.
    #[arg(long, default_value_t = 0.3)]
    conf: f32,
    /// A second checkpoint analysed on the same images: its figures go to DIR/baseline/, and
    /// the per-scale differences (this model minus the baseline) to DIR/difference.csv.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Images per forward pass, as for `assd detect --batch` (each image's maps are still
    /// read and dropped one at a time).
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Also write every image's full maps as maps/<image stem>.safetensors (`scale_<s>`,
    /// `[N, N]` f32; metadata image, width, height).
    #[arg(long)]
    dump_maps: bool,
}

/// The images to analyse, read once for the model and its baseline.
struct Images {
    dataset: Dataset,
    /// Ground-truth boxes are the objects; else the detections are.
    annotated: bool,
}

impl Images {
    /// The datasets `args` names, or a folder of images without annotations (said so).
    fn load(args: &AnalyzeArgs) -> Result<Self> {
        let images = match args.data.load() {
            Ok(dataset) => Self {
                dataset,
                annotated: true,
            },
            Err(e) => match unannotated(&args.data.data) {
                Some(dataset) => {
                    eprintln!(
                        "note: no annotations found ({e:#}); analysing the detections with score \
                         ≥ {} instead",
                        args.conf
                    );
                    Self {
                        dataset: args.data.limited(dataset)?,
                        annotated: false,
                    }
                }
                None => return Err(e),
            },
        };
        if images.dataset.samples.is_empty() {
            anyhow::bail!("no images to analyse");
        }
        Ok(images)
    }
}

pub fn run(args: AnalyzeArgs) -> Result<ExitCode> {
    let (detector, selected) = args.model.load()?;
    eprintln!("device: {}", selected.description);
    let images = Images::load(&args)?;
    let weights = args.model.weights_path()?;
    let summary = analyse(
        &detector,
        &weights,
        &images,
        &args,
        &args.out,
        args.dump_maps,
    )?;
    print!("{}", summary.table());
    write_summary(&summary, &args.out)?;
    eprintln!(
        "{} objects in {} images: {}",
        summary.objects.len(),
        summary.images,
        args.out.join("analysis.json").display()
    );
    if let Some(baseline) = &args.baseline {
        let other = args.model.load_other(baseline, &selected)?;
        let dir = args.out.join("baseline");
        let base = analyse(&other, baseline, &images, &args, &dir, false)?;
        write_summary(&base, &dir)?;
        let difference = Difference::between(&summary, &base);
        println!("baseline {}:\n{}", base.model, base.table());
        println!("this model − baseline:\n{}", difference.table());
        let path = args.out.join("difference.csv");
        write_atomic(&path, difference.csv().as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `detector` (from `weights`) over `images`; `dump_maps`: also write every image's maps
/// under `out/maps/`.
fn analyse(
    detector: &Detector,
    weights: &Path,
    images: &Images,
    args: &AnalyzeArgs,
    out: &Path,
    dump_maps: bool,
) -> Result<Summary> {
    // The classes this model shares with the dataset (each model its own).
    let (dataset, objects_are) = if images.annotated {
        let names = &detector.head.class_names;
        let (dataset, labels) = shared_classes(images.dataset.clone(), names)?;
        let classes = dataset.classes.clone();
        (
            Cow::Owned(dataset),
            Objects::GroundTruth { classes, labels },
        )
    } else {
        (Cow::Borrowed(&images.dataset), Objects::Detections)
    };
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let maps_dir = out.join("maps");
    if dump_maps {
        std::fs::create_dir_all(&maps_dir)
            .with_context(|| format!("creating {}", maps_dir.display()))?;
    }
    let mut analyser = Analyser::new(objects_are, args.conf);
    let bar = image_bar(dataset.samples.len());
    for chunk in dataset.samples.chunks(args.batch.max(1)) {
        let mut read = Vec::new();
        for sample in chunk {
            match load_image(&sample.image) {
                Ok(image) => read.push((sample, image)),
                Err(e) => analyser.skip(&sample.image, &e.to_string()),
            }
        }
        let pictures: Vec<_> = read.iter().map(|(_, image)| image.clone()).collect();
        let inferences = if pictures.is_empty() {
            Vec::new()
        } else {
            detector.infer_batch(&pictures)
        };
        for ((sample, image), inference) in read.iter().zip(&inferences) {
            let mut dumped = Vec::new();
            analyser.add(detector, sample, inference, |s, n, map| {
                if dump_maps {
                    dumped.push((format!("scale_{s}"), n, map.to_vec()));
                }
            });
            if dump_maps {
                let size = [image.width(), image.height()];
                write_maps(&maps_dir, &sample.image, size, &dumped)?;
            }
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    if !analyser.unreadable.is_empty() {
        eprintln!(
            "note: {} unreadable images skipped:",
            analyser.unreadable.len()
        );
        for u in &analyser.unreadable {
            eprintln!("  {u}");
        }
    }
    if analyser.has_attention() == Some(false) {
        eprintln!(
            "note: {} has no attention units: only which scale fires is reported",
            detector.config().name
        );
    }
    let data = (args.data.data.iter())
        .map(|d| d.display().to_string())
        .collect();
    let model = format!("{} ({})", detector.config().name, weights.display());
    Ok(analyser.finish(model, data))
}

/// `analysis.json` and the CSV tables in `dir`.
fn write_summary(summary: &Summary, dir: &Path) -> Result<()> {
    let files = [
        ("analysis.json", serde_json::to_string_pretty(summary)?),
        ("scales.csv", summary.scales_csv()),
        (
            "by_class.csv",
            Summary::groups_csv("class", &summary.by_class),
        ),
        ("by_size.csv", Summary::groups_csv("size", &summary.by_size)),
        ("objects.csv", summary.objects_csv()),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    write_plots(summary, dir)?;
    Ok(())
}

/// A single folder of images with no annotations, as a dataset without objects.
fn unannotated(data: &[PathBuf]) -> Option<Dataset> {
    let [folder] = data else {
        return None;
    };
    let files = images_in(folder).ok().filter(|f| !f.is_empty())?;
    Some(Dataset::unannotated(files))
}

/// Writes an image's maps as `maps/<stem>.safetensors`.
fn write_maps(
    dir: &Path,
    image: &Path,
    [width, height]: [u32; 2],
    maps: &[(String, usize, Vec<f32>)],
) -> Result<()> {
    let stem = image
        .file_stem()
        .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
    let path = dir.join(format!("{stem}.safetensors"));
    let metadata = HashMap::from([
        ("image".to_string(), image.display().to_string()),
        ("width".to_string(), width.to_string()),
        ("height".to_string(), height.to_string()),
    ]);
    assd::attention_query::write_maps(&path, maps, metadata)
        .with_context(|| format!("writing {}", path.display()))
}
