//! `assd train`: train or fine-tune on a dataset, with a progress bar; Ctrl-C saves a
//! checkpoint and stops.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use assd::backend::DeviceChoice;
use assd::dataset::Format;
use assd::train::{EpochReport, StepReport, TrainConfig, TrainObserver, train};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Dataset: a VOC root, a COCO root or instances JSON, or a YOLO root. Repeat to train
    /// on several together (classes merged by name).
    #[arg(long)]
    data: Vec<PathBuf>,
    /// Hold out every K-th training image (never trained on): the validation set, or with
    /// --val-every a test set left for `assd eval --holdout-every K`.
    #[arg(long, value_name = "K")]
    holdout_every: Option<usize>,
    /// With --holdout-every: validate (and pick best.safetensors) on every J-th of the other
    /// images, also not trained on.
    #[arg(long, value_name = "J")]
    val_every: Option<usize>,
    /// Dataset format (default: detected).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Network preset (assd513, assd300, ssd300, assd-tiny, ssd-tiny, …).
    #[arg(long)]
    model: Option<String>,
    /// Run folder: config.json, last/best checkpoints, metrics.csv, state.json.
    #[arg(long)]
    out: PathBuf,
    /// Attention units on or off (overrides the preset; the paper's ablation).
    #[arg(long)]
    attention: Option<bool>,
    /// Semantic fusion on or off (overrides the preset).
    #[arg(long)]
    fusion: Option<bool>,
    /// A JSON or TOML file of training settings; the flags below override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Passes over the training split (default 10).
    #[arg(long)]
    epochs: Option<usize>,
    /// Stop after this many optimisation steps, whatever the epoch.
    #[arg(long)]
    max_steps: Option<usize>,
    /// Images per step (default 8).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Base learning rate of SGD (default 1e-3; momentum 0.9, weight decay 5e-4).
    #[arg(long)]
    lr: Option<f64>,
    /// Steps of linear warm-up from a third of the rate (default 100).
    #[arg(long)]
    warmup_steps: Option<usize>,
    /// Clip gradients to this L2 norm per parameter.
    #[arg(long)]
    grad_clip: Option<f32>,
    /// A frozen teacher checkpoint (e.g. the SSD the student started from): its class
    /// probabilities and boxes on every prior become an extra target (KL and confidence-
    /// weighted L1). It must share the student's priors and classes.
    #[arg(long)]
    teacher: Option<PathBuf>,
    /// Factor on the distillation terms (default 1).
    #[arg(long)]
    distill: Option<f32>,
    /// Initial weights: a checkpoint of the same configuration (with another class count the
    /// class-score heads start fresh).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Training split (default trainval, else train, else everything).
    #[arg(long)]
    train_split: Option<String>,
    /// Validation split for the per-epoch mAP and best.safetensors (default test, else val).
    #[arg(long)]
    val_split: Option<String>,
    /// Keep the backbone fixed.
    #[arg(long)]
    freeze_backbone: bool,
    /// Also keep the extra layers and the fusion block fixed.
    #[arg(long)]
    freeze_extras: bool,
    /// Also keep the loc/conf heads fixed (with both above: only the attention units train).
    #[arg(long)]
    freeze_heads: bool,
    /// No augmentation.
    #[arg(long)]
    no_augment: bool,
    /// Seed of shuffling and augmentation (default 0).
    #[arg(long)]
    seed: Option<u64>,
    /// auto (GPU if a hardware adapter exists), gpu or cpu.
    #[arg(long, value_enum)]
    device: Option<DeviceChoice>,
    /// Split each batch across N devices, data parallel (default 1): the first N GPUs, or N
    /// CPU replicas with --device cpu (no faster; for testing).
    #[arg(long, value_name = "N")]
    devices: Option<usize>,
    /// Continue from <out>/last.safetensors and <out>/state.json.
    #[arg(long)]
    resume: bool,
}

struct Progress {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
}

impl Progress {
    /// Above the bar on a terminal; plain lines when the output is a log file (the bar is
    /// hidden there, and so would be its `println`).
    fn line(&self, text: String) {
        if self.bar.is_hidden() {
            eprintln!("{text}");
        } else {
            self.bar.println(text);
        }
    }
}

impl TrainObserver for Progress {
    fn step(&mut self, r: &StepReport) {
        self.bar.set_length(r.total_steps as u64);
        self.bar.set_position(r.step as u64);
        let distill = if r.loss_distill > 0.0 {
            format!(" distill {:.3}", r.loss_distill)
        } else {
            String::new()
        };
        let message = format!(
            "epoch {} loss {:.3} (loc {:.3} conf {:.3}{distill}) lr {:.2e} {:.1} img/s",
            r.epoch + 1,
            r.loss,
            r.loss_l,
            r.loss_c,
            r.lr,
            r.images_per_sec
        );
        // Without a terminal (nohup, a log file) the bar is hidden: a line every 10 steps.
        if self.bar.is_hidden() && (r.step == 1 || r.step.is_multiple_of(10)) {
            eprintln!("step {}/{}: {message}", r.step, r.total_steps);
        }
        self.bar.set_message(message);
    }

    fn epoch(&mut self, r: &EpochReport) {
        let val = r.validation.as_ref().map_or(String::new(), |v| {
            format!(
                ", val mAP VOC07 {:.4} / VOC all {:.4} / COCO .5:.95 {:.4} / COCO AP50 {:.4}",
                v.map_voc07, v.map_voc_all, v.map_coco, v.map50_coco
            )
        });
        self.line(format!(
            "epoch {} (step {}): mean loss {:.4}{val}; saved {}",
            r.epoch,
            r.step,
            r.mean_loss,
            r.checkpoint.display()
        ));
    }

    fn note(&mut self, message: &str) {
        self.line(message.to_string());
    }

    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

pub fn run(args: TrainArgs) -> Result<ExitCode> {
    let mut config = match &args.config {
        Some(path) => TrainConfig::from_file(path)?,
        None => TrainConfig::default(),
    };
    let mut data = args.data.into_iter();
    if let Some(v) = data.next() {
        config.data = v;
        config.more_data = data.collect();
    }
    if let Some(v) = args.format {
        config.format = v;
    }
    if let Some(v) = args.model {
        config.model = v;
    }
    macro_rules! set {
        ($($field:ident),*) => {$(if let Some(v) = args.$field { config.$field = v; })*};
    }
    set!(
        epochs,
        batch_size,
        lr,
        warmup_steps,
        seed,
        device,
        devices,
        distill
    );
    // Optional settings: a flag given replaces the file's value.
    macro_rules! set_some {
        ($($field:ident),*) => {$(if args.$field.is_some() { config.$field = args.$field; })*};
    }
    set_some!(
        attention,
        fusion,
        grad_clip,
        teacher,
        max_steps,
        weights,
        train_split,
        val_split
    );
    config.freeze_backbone |= args.freeze_backbone;
    config.freeze_extras |= args.freeze_extras;
    config.freeze_heads |= args.freeze_heads;
    if args.holdout_every.is_some() {
        config.holdout_every = args.holdout_every;
    }
    if args.val_every.is_some() {
        config.val_every = args.val_every;
    }
    if args.no_augment {
        config.augment = None;
    }
    if config.data.as_os_str().is_empty() {
        anyhow::bail!("no dataset: pass --data <PATH> or set \"data\" in --config");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed))
        .context("installing the Ctrl-C handler")?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut progress = Progress { bar, stop };
    let summary = train(&config, &args.out, args.resume, &mut progress)?;
    progress.bar.finish_and_clear();
    println!(
        "{} after {} steps ({} epochs): last {}{}",
        if summary.stopped_early {
            "stopped (Ctrl-C)"
        } else {
            "done"
        },
        summary.steps,
        summary.epochs,
        summary.last.display(),
        summary
            .best
            .as_ref()
            .map_or(String::new(), |b| format!(", best {}", b.display()))
    );
    Ok(ExitCode::SUCCESS)
}
