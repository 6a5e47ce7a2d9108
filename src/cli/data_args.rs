//! The dataset options `eval` and `analyze` share, and how they become one dataset whose
//! classes meet the model's.

use std::path::PathBuf;

use anyhow::{Context, Result};
use assd::dataset::{Dataset, Format};
use assd::eval::shared_with_model;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// A VOC root, a COCO root or instances JSON (images beside it or --images), or a YOLO
    /// root. Repeat to use several together (classes merged by name).
    #[arg(long, required = true)]
    pub data: Vec<PathBuf>,
    /// Use only every K-th image: the part `assd train --holdout-every K` held out of the
    /// same `--data` list.
    #[arg(long, value_name = "K")]
    holdout_every: Option<usize>,
    /// With --holdout-every: the validation part `assd train --val-every J` used instead
    /// (every J-th of the images not held out).
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
    /// Use only the first N images.
    #[arg(long)]
    limit: Option<usize>,
}

impl DataArgs {
    /// The datasets read and merged, held-out part and limit applied; skipped annotations
    /// are listed.
    pub fn load(&self) -> Result<Dataset> {
        let mut dataset: Option<Dataset> = None;
        for (i, data) in self.data.iter().enumerate() {
            let split = self.split.clone().filter(|_| i == 0).or_else(|| {
                data.join("ImageSets/Main/test.txt")
                    .is_file()
                    .then(|| "test".to_string())
            });
            let images = self.images.as_deref().filter(|_| i == 0);
            let read = assd::dataset::open(data, self.format, split.as_deref(), images)
                .with_context(|| format!("reading {}", data.display()))?;
            dataset = Some(match dataset {
                Some(d) => d.merged(read),
                None => read,
            });
        }
        let mut dataset = dataset.context("no --data")?;
        if let Some(k) = self.holdout_every {
            dataset = dataset.holdout(k, self.val_every).1;
        }
        if !dataset.skipped.is_empty() {
            eprintln!("note: {} annotations skipped:", dataset.skipped.len());
            for s in &dataset.skipped {
                eprintln!("  {s}");
            }
        }
        self.limited(dataset)
    }

    /// `dataset` cut to `--limit`.
    pub fn limited(&self, mut dataset: Dataset) -> Result<Dataset> {
        if let Some(n) = self.limit {
            dataset.samples.truncate(n);
        }
        Ok(dataset)
    }
}

/// `dataset` restricted to the classes the model predicts (named when some are left out),
/// with each kept class's model label (1-based).
pub fn shared_classes(dataset: Dataset, model_names: &[String]) -> Result<(Dataset, Vec<usize>)> {
    let (dataset, labels, notes) =
        shared_with_model(dataset, model_names).map_err(anyhow::Error::msg)?;
    for note in notes {
        eprintln!("note: {note}");
    }
    Ok((dataset, labels))
}

/// A progress bar over `images` images.
pub fn image_bar(images: usize) -> ProgressBar {
    let bar = ProgressBar::new(images as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} images, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
