//! The training loop: SGD with momentum and weight decay, warm-up and a schedule, per-epoch
//! checkpoints, validation mAP, `metrics.csv`, resume, and a clean stop on request.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use burn::grad_clipping::GradientClippingConfig;
use burn::optim::SgdConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::augment::AugmentConfig;
use super::data::BatchMaker;
use super::distill::{DistillLossConfig, Teacher, check_teacher};
use super::gpu_check::check_gradients;
use super::loss::MultiboxLossConfig;
use super::resume::{restore_optimizer, save_optimizer};
use super::schedule::{Schedule, learning_rate};
use super::step::{Objective, train_step};
use crate::backend::{DeviceChoice, select_devices};
use crate::config::AssdConfig;
use crate::dataset::{Dataset, Format};
use crate::eval::{Report, evaluate, predict};
use crate::fsutil::write_atomic;
use crate::inference::{DetectionHead, Detector};
use crate::model::Assd;
use crate::weights::{load_model, save_model};

/// Everything a run needs; written to `<out>/config.json`. Every field has a default, so a
/// config file only names what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Network preset (`assd513`, `assd300`, `ssd300`, `assd-tiny`, …).
    pub model: String,
    /// Override the preset's attention units (the paper's Table 3 ablation).
    pub attention: Option<bool>,
    /// Override the preset's semantic fusion block.
    pub fusion: Option<bool>,
    /// Dataset root or COCO instances file.
    pub data: PathBuf,
    /// Further datasets trained on together with `data` (all their images; classes merged by
    /// name).
    pub more_data: Vec<PathBuf>,
    /// Hold out every k-th image of the (merged) training images, never trained on (for data
    /// without a test split, e.g. coco128 + coco-mini-train); it is the validation set unless
    /// `val_every` is set, and `assd eval --holdout-every k` scores it afterwards.
    pub holdout_every: Option<usize>,
    /// With `holdout_every`: validate on every j-th of the remaining images instead (also not
    /// trained on), so that choosing the best epoch never sees the held-out test images.
    pub val_every: Option<usize>,
    pub format: Format,
    /// Training split (VOC image set / YOLO sub-folder); default `trainval`, else `train`,
    /// else everything.
    pub train_split: Option<String>,
    /// Validation split for the per-epoch mAP and the best model; default `test`, else `val`.
    pub val_split: Option<String>,
    /// COCO image folder.
    pub images: Option<PathBuf>,
    /// Initial weights. A checkpoint of the preset's family keeps its whole configuration
    /// (stored anchors, preprocessing, score function); when it names every class of the data
    /// (VOC and COCO spellings meet), its classes are kept too, so a COCO model fine-tunes on
    /// COCO images with its 91 outputs. An SSD checkpoint for an ASSD preset gets identity
    /// attention units added.
    pub weights: Option<PathBuf>,
    pub epochs: usize,
    /// Stop after this many steps (whatever the epoch).
    pub max_steps: Option<usize>,
    pub batch_size: usize,
    pub lr: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    pub warmup_steps: usize,
    pub schedule: Schedule,
    /// Clip each parameter's gradient to this L2 norm (`None`: no clipping, as the authors).
    pub grad_clip: Option<f32>,
    /// Keep the backbone's weights fixed (train extras, fusion, attention and heads).
    pub freeze_backbone: bool,
    /// Also keep the extra layers and the fusion block fixed (train attention units and heads
    /// only: the app's fine-tuning default).
    pub freeze_extras: bool,
    /// Also keep the loc/conf heads fixed (with the two above: train the attention units only).
    pub freeze_heads: bool,
    /// `None`: no augmentation.
    pub augment: Option<AugmentConfig>,
    /// A frozen teacher (e.g. the SSD the student started from) whose class probabilities and
    /// boxes on every prior are an extra target (`train::distill`); it must share the
    /// student's priors and classes.
    pub teacher: Option<PathBuf>,
    /// Factor on the distillation terms.
    pub distill: f32,
    pub seed: u64,
    pub device: DeviceChoice,
    /// Split each batch across this many devices (data parallel, Burn's multi-device scheme):
    /// the first N GPUs, or N replicas of the CPU device (no faster; for testing).
    pub devices: usize,
    /// Validate every this many epochs (0: never).
    pub eval_every: usize,
    /// Validate on at most this many images.
    pub eval_limit: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            model: "assd-tiny".into(),
            attention: None,
            fusion: None,
            data: PathBuf::new(),
            more_data: Vec::new(),
            holdout_every: None,
            val_every: None,
            format: Format::Auto,
            train_split: None,
            val_split: None,
            images: None,
            weights: None,
            epochs: 10,
            max_steps: None,
            batch_size: 8,
            lr: 1e-3,
            momentum: 0.9,
            weight_decay: 5e-4,
            warmup_steps: 100,
            schedule: Schedule::default(),
            grad_clip: None,
            teacher: None,
            distill: 1.0,
            freeze_backbone: false,
            freeze_extras: false,
            freeze_heads: false,
            augment: Some(AugmentConfig::default()),
            seed: 0,
            device: DeviceChoice::Auto,
            devices: 1,
            eval_every: 1,
            eval_limit: None,
        }
    }
}

impl TrainConfig {
    /// Reads a JSON or TOML file (by extension).
    pub fn from_file(path: &Path) -> Result<Self, TrainError> {
        let text = std::fs::read_to_string(path).map_err(|e| TrainError::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let parsed = if path.extension().is_some_and(|e| e == "toml") {
            toml::from_str(&text).map_err(|e| e.to_string())
        } else {
            serde_json::from_str(&text).map_err(|e| e.to_string())
        };
        parsed.map_err(|message| TrainError::Config {
            path: path.to_path_buf(),
            message,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error(transparent)]
    Dataset(#[from] crate::dataset::DatasetError),
    #[error(transparent)]
    Model(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Weights(#[from] crate::weights::WeightsError),
    #[error(transparent)]
    Backend(#[from] crate::backend::BackendError),
    #[error("{0}")]
    Other(String),
}

/// Progress after one optimisation step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    pub epoch: usize,
    pub step: usize,
    pub total_steps: usize,
    pub loss: f32,
    pub loss_l: f32,
    pub loss_c: f32,
    /// The distillation terms (0 without a teacher).
    pub loss_distill: f32,
    pub lr: f64,
    pub images_per_sec: f64,
}

/// After an epoch (and its validation).
#[derive(Debug, Clone)]
pub struct EpochReport {
    pub epoch: usize,
    pub step: usize,
    pub mean_loss: f32,
    pub validation: Option<Report>,
    pub checkpoint: PathBuf,
}

/// Where a run reports to, and how it is told to stop.
pub trait TrainObserver {
    fn step(&mut self, report: &StepReport);
    fn epoch(&mut self, report: &EpochReport);
    /// Something the user should know (a skipped image, a saved checkpoint).
    fn note(&mut self, message: &str);
    /// Checked after every step: true saves a checkpoint and ends the run.
    fn should_stop(&self) -> bool;
}

/// Where a run resumes from (`<out>/state.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct RunState {
    epoch: usize,
    step: usize,
    best_score: Option<f64>,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct TrainSummary {
    pub steps: usize,
    pub epochs: usize,
    pub last: PathBuf,
    pub best: Option<PathBuf>,
    pub stopped_early: bool,
    /// Per step: (step, loss).
    pub losses: Vec<(usize, f32)>,
}

fn default_split(dataset: &Path, candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|s| {
            dataset
                .join("ImageSets/Main")
                .join(format!("{s}.txt"))
                .is_file()
                || dataset.join("images").join(s).is_dir()
                || dataset
                    .join("annotations")
                    .join(format!("instances_{s}.json"))
                    .is_file()
        })
        .map(|s| s.to_string())
}

/// Loads the training and validation sets named by `config`.
pub fn load_datasets(config: &TrainConfig) -> Result<(Dataset, Option<Dataset>), TrainError> {
    let train_split = config
        .train_split
        .clone()
        .or_else(|| default_split(&config.data, &["trainval", "train"]));
    let val_split = config
        .val_split
        .clone()
        .or_else(|| default_split(&config.data, &["test", "val"]));
    let open = |split: Option<&str>| {
        crate::dataset::open(&config.data, config.format, split, config.images.as_deref())
    };
    let mut train = open(train_split.as_deref())?;
    for more in &config.more_data {
        let split = default_split(more, &["trainval", "train"]);
        train = train.merged(crate::dataset::open(
            more,
            config.format,
            split.as_deref(),
            None,
        )?);
    }
    if let Some(k) = config.holdout_every {
        let (kept, val) = train.holdout(k, config.val_every);
        return Ok((kept, Some(val)));
    }
    let val = match &val_split {
        Some(s) if Some(s) != train_split.as_ref() => Some(open(Some(s))?),
        _ => None,
    };
    Ok((train, val))
}

/// Whether two configurations have the same layers, attention aside (so one's weights run in
/// the other's configuration, with attention units added if need be).
fn same_layers(a: &AssdConfig, b: &AssdConfig) -> bool {
    a.backbone == b.backbone
        && a.input_size == b.input_size
        && a.extras == b.extras
        && a.head_kernel == b.head_kernel
        && a.fusion == b.fusion
}

/// The configuration a run trains: the preset, or, when the initial weights (`initial`, their
/// configuration) are of the preset's family, their own configuration (with attention added
/// when the preset has it and they do not); classes are the initial model's when it names
/// every class of the data, else the data's. Also returns, in the first case, each data
/// class's model label.
fn run_config(
    config: &TrainConfig,
    train_set: &Dataset,
    initial: Option<AssdConfig>,
) -> Result<(AssdConfig, Option<Vec<usize>>), TrainError> {
    let preset = AssdConfig::preset(&config.model)?;
    let mut model_config = match initial.clone().filter(|c| same_layers(c, &preset)) {
        Some(c) => AssdConfig {
            name: preset.name.clone(),
            attention: preset.attention,
            // Units added to a trained detector start as the identity.
            attention_identity_init: c.attention_identity_init
                || (preset.attention && !c.attention),
            ..c
        },
        None => preset,
    };
    if let Some(on) = config.attention {
        model_config.attention = on;
    }
    if let Some(on) = config.fusion {
        model_config.fusion = on;
    }
    let names = initial.as_ref().and_then(|c| c.class_names.clone());
    // Every class of the data must be one of the model's, by name, to keep its outputs.
    let labels: Option<Vec<usize>> = names.as_ref().and_then(|names| {
        let matched = crate::eval::class_map(train_set, names)
            .ok()
            .filter(|m| !m.by_position)?;
        matched.labels.into_iter().collect()
    });
    match (&labels, initial) {
        (Some(_), Some(initial)) => {
            model_config.num_classes = initial.num_classes;
            model_config.class_names = initial.class_names;
            model_config.dataset_ids = initial.dataset_ids;
        }
        _ => {
            model_config.num_classes = train_set.classes.len() + 1;
            model_config.class_names = Some(
                std::iter::once("background".to_string())
                    .chain(train_set.classes.iter().cloned())
                    .collect(),
            );
            model_config.dataset_ids = None;
        }
    }
    Ok((model_config, labels))
}

/// mAP of `model` on `dataset` at the authors' evaluation setting.
pub fn validate(
    model: &Assd,
    device: &Device,
    dataset: &Dataset,
    limit: Option<usize>,
) -> Result<Report, TrainError> {
    let detector = Detector::new(model.clone(), device.clone())?;
    let mut subset = dataset.clone();
    if let Some(n) = limit {
        subset.samples.truncate(n);
    }
    // Trained models' labels are the dataset's classes, 1-based.
    let labels: Vec<usize> = (1..=subset.classes.len()).collect();
    let predictions = predict(&detector, &subset, &labels, || {})
        .map_err(|e| TrainError::Other(e.to_string()))?;
    Ok(evaluate(&subset, &predictions))
}

/// Starts from `source`'s weights for `target`: everything when the configurations agree;
/// with another class count (fine-tuning a VOC model on new classes), every layer but the
/// class-score heads, which start fresh.
pub fn adopt_weights(
    source: Assd,
    target: &AssdConfig,
    device: &Device,
    observer: &mut dyn TrainObserver,
) -> Result<Assd, TrainError> {
    let mut same = source.config.clone();
    same.num_classes = target.num_classes;
    same.name.clone_from(&target.name);
    same.class_names.clone_from(&target.class_names);
    same.dataset_ids.clone_from(&target.dataset_ids);
    if same != *target {
        return Err(TrainError::Other(format!(
            "the initial weights are a {} network, not {} (only the class count may differ)",
            source.config.name, target.name
        )));
    }
    if source.config.num_classes == target.num_classes {
        let mut model = source;
        model.config = target.clone();
        return Ok(model);
    }
    observer.note(&format!(
        "initial weights have {} classes, the data {}: class-score heads start fresh",
        source.config.num_classes, target.num_classes
    ));
    let mut model = target.init(device)?;
    model.backbone = source.backbone;
    model.extras = source.extras;
    model.fusion = source.fusion;
    model.attention = source.attention;
    model.heads.loc = source.heads.loc;
    Ok(model)
}

/// Trains per `config`, writing into `out`; resumes from `out/last.safetensors` when `resume`.
pub fn train(
    config: &TrainConfig,
    out: &Path,
    resume: bool,
    observer: &mut dyn TrainObserver,
) -> Result<TrainSummary, TrainError> {
    let (train_set, val_set) = load_datasets(config)?;
    train_on(config, train_set, val_set, out, resume, observer)
}

/// [`train`] on datasets already in memory (the app's labelled folder).
pub fn train_on(
    config: &TrainConfig,
    train_set: Dataset,
    val_set: Option<Dataset>,
    out: &Path,
    resume: bool,
    observer: &mut dyn TrainObserver,
) -> Result<TrainSummary, TrainError> {
    let io = |e: std::io::Error| TrainError::Other(format!("{}: {e}", out.display()));
    std::fs::create_dir_all(out).map_err(io)?;
    write_atomic(
        &out.join("config.json"),
        &serde_json::to_vec_pretty(config).map_err(|e| TrainError::Other(e.to_string()))?,
    )
    .map_err(io)?;
    if train_set.samples.is_empty() {
        return Err(TrainError::Other("the training split has no images".into()));
    }
    let mut selected = select_devices(config.device, config.devices)?;
    if let Some((gpu, why)) = selected
        .iter()
        .filter(|s| s.is_gpu)
        .find_map(|s| check_gradients(&s.device).err().map(|why| (s, why)))
    {
        let message = format!(
            "{} failed the gradient self-check ({why}): training there would silently learn \
             from wrong gradients",
            gpu.description
        );
        if config.device == DeviceChoice::Gpu {
            return Err(TrainError::Other(format!("{message}; use --device cpu")));
        }
        observer.note(&format!("{message}; training on the CPU instead"));
        selected = vec![crate::backend::cpu()];
    }
    if let Some(notice) = selected.iter().find_map(|s| s.fallback_notice.as_ref()) {
        observer.note(notice);
    }
    if selected.len() > 1 {
        let names: Vec<&str> = selected.iter().map(|s| s.description.as_str()).collect();
        observer.note(&format!(
            "data parallel on {} devices: {}",
            selected.len(),
            names.join(", ")
        ));
    }
    let inner = selected[0].device.clone();
    let devices: Vec<Device> = selected
        .iter()
        .map(|s| s.device.clone().autodiff())
        .collect();
    let device = devices[0].clone();
    let (last, state_path) = (out.join("last.safetensors"), out.join("state.json"));
    let mut state = RunState::default();
    let resuming = resume && last.is_file();
    // The initial weights are read once: their configuration shapes the run, their tensors
    // start it (a resumed run takes its tensors from `last` instead).
    let source = match &config.weights {
        Some(weights) if !resuming => Some(load_model(weights, None, &device)?),
        _ => None,
    };
    let initial = match (&source, &config.weights) {
        (Some(source), _) => Some(source.config.clone()),
        (None, Some(weights)) => Some(crate::weights::read_checkpoint(weights)?.detect_config()?),
        (None, None) => None,
    };
    let (model_config, labels) = run_config(config, &train_set, initial)?;
    // The data's classes become the model's columns (a COCO model keeps its 91 outputs).
    let (train_set, val_set) = match &labels {
        Some(labels) => {
            observer.note(&format!(
                "keeping the initial model's {} outputs: the data's {} classes map to them by name",
                model_config.num_classes,
                train_set.classes.len()
            ));
            let names = model_config.class_names.clone().unwrap_or_default();
            (
                train_set.relabelled(labels, &names),
                val_set.map(|v| {
                    // Validation classes the model lacks are left out of the score.
                    let map = crate::eval::class_map(&v, &names)
                        .map_or_else(|_| vec![None; v.classes.len()], |m| m.labels);
                    let (v, kept) = v.restricted_to(&map);
                    v.relabelled(&kept, &names)
                }),
            )
        }
        None => (train_set, val_set),
    };
    let mut model = if resuming {
        if let Ok(text) = std::fs::read_to_string(&state_path) {
            state = serde_json::from_str(&text).unwrap_or_default();
        }
        observer.note(&format!(
            "resuming from {} (epoch {}, step {})",
            last.display(),
            state.epoch,
            state.step
        ));
        load_model(&last, Some(model_config.clone()), &device)?
    } else if let Some(mut source) = source {
        if model_config.attention
            && !source.config.attention
            && same_layers(&source.config, &model_config)
        {
            observer.note("the initial weights have no attention units: adding identity units");
            source = crate::weights::add_attention(&source, &model_config.name, &device)?;
        }
        adopt_weights(source, &model_config, &device, observer)?
    } else {
        model_config.init(&device)?
    };
    if config.freeze_backbone {
        model.backbone = model.backbone.no_grad();
    }
    if config.freeze_extras {
        model.extras = model.extras.no_grad();
        model.fusion = model.fusion.no_grad();
    }
    if config.freeze_heads {
        model.heads = model.heads.no_grad();
    }
    let head = crate::inference::DetectionHead::new(model_config.clone())?;
    let maker = BatchMaker {
        samples: Arc::new(train_set.samples.clone()),
        priors: Arc::new(head.priors.clone()),
        input_size: model_config.input_size,
        preprocess: model_config.preprocess,
        variances: model_config.variances,
        augment: config.augment,
        seed: config.seed,
    };
    let optim = SgdConfig::new()
        .with_momentum(Some(
            MomentumConfig::new()
                .with_momentum(config.momentum)
                .with_dampening(0.0),
        ))
        .with_weight_decay(Some(WeightDecayConfig::new(config.weight_decay as f32)))
        .with_gradient_clipping(config.grad_clip.map(GradientClippingConfig::Norm))
        .init();
    let mut optim = if resuming {
        match restore_optimizer(model.clone(), optim.clone(), out) {
            Ok((restored, Some(state))) => {
                model = restored;
                observer.note("optimizer state (momentum) restored");
                state
            }
            Ok((_, None)) => {
                observer.note("no optimizer state in the run folder: momentum starts afresh");
                optim
            }
            Err(e) => {
                observer.note(&format!("{e}; momentum starts afresh"));
                optim
            }
        }
    } else {
        optim
    };
    let loss_fn = MultiboxLossConfig::new().with_score(model_config.score);
    let teacher = match &config.teacher {
        Some(path) => {
            let model = load_model(path, None, &inner)?;
            let (theirs, ours) = (
                DetectionHead::new(model.config.clone()),
                DetectionHead::new(model_config.clone()),
            );
            let (theirs, ours) = (
                theirs.map_err(|e| TrainError::Other(e.to_string()))?,
                ours.map_err(|e| TrainError::Other(e.to_string()))?,
            );
            let student = config
                .weights
                .as_ref()
                .map_or(config.model.clone(), |w| w.display().to_string());
            check_teacher(&theirs, &path.display().to_string(), &ours, &student)
                .map_err(TrainError::Other)?;
            observer.note(&format!(
                "distilling from {} (×{})",
                path.display(),
                config.distill
            ));
            Some(Teacher {
                model,
                device: inner.clone(),
                loss: DistillLossConfig::new()
                    .with_weight(config.distill)
                    .with_score(model_config.score),
            })
        }
        None => None,
    };
    let objective = Objective {
        loss: &loss_fn,
        teacher: teacher.as_ref(),
    };
    let n = train_set.samples.len();
    let steps_per_epoch = n.div_ceil(config.batch_size.max(1));
    let total_steps = config
        .max_steps
        .unwrap_or(usize::MAX)
        .min(steps_per_epoch.saturating_mul(config.epochs));
    let new_metrics = !out.join("metrics.csv").is_file();
    let mut metrics = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out.join("metrics.csv"))
        .map_err(io)?;
    if new_metrics {
        writeln!(
            metrics,
            "epoch,step,loss,lr,images_per_sec,val_map_voc07,val_map_voc_all,val_map_coco,val_map50_coco"
        )
        .map_err(io)?;
    }
    let size = model_config.input_size;
    let mut step = state.step;
    let mut losses = Vec::new();
    let mut best = state.best_score;
    let mut best_path = None;
    let mut stopped = false;
    let mut epoch = state.epoch;
    while epoch < config.epochs && step < total_steps && !stopped {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut StdRng::seed_from_u64(
            config.seed.wrapping_add(epoch as u64),
        ));
        let batches = maker.spawn(order, config.batch_size, epoch as u64);
        let mut cut = false;
        let (mut sum, mut count) = (0.0f32, 0usize);
        let started = Instant::now();
        let mut images = 0usize;
        for batch in batches {
            // Checked before a batch, so a limit that falls on the epoch's end completes it.
            if step >= total_steps {
                cut = true;
                break;
            }
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    observer.note(&format!("skipped: {e}"));
                    continue;
                }
            };
            let batch_images = batch.size;
            let lr = learning_rate(
                &config.schedule,
                config.lr,
                config.warmup_steps,
                step,
                total_steps,
                steps_per_epoch,
            );
            let (updated, loss) =
                match train_step(&model, &mut optim, lr, batch, &devices, size, objective) {
                    Ok(done) => done,
                    Err(e) => {
                        save_model(&model, &last)?;
                        return Err(TrainError::Other(format!(
                            "{e} (weights before that step saved to {})",
                            last.display()
                        )));
                    }
                };
            model = updated;
            let values = [loss.total, loss.loc, loss.conf];
            step += 1;
            images += batch_images;
            sum += values[0];
            count += 1;
            losses.push((step, values[0]));
            observer.step(&StepReport {
                epoch,
                step,
                total_steps,
                loss: values[0],
                loss_l: values[1],
                loss_c: values[2],
                loss_distill: loss.distill,
                lr,
                images_per_sec: images as f64 / started.elapsed().as_secs_f64().max(1e-9),
            });
            if !values[0].is_finite() {
                return Err(TrainError::Other(format!(
                    "the loss became {} at step {step}: lower the learning rate",
                    values[0]
                )));
            }
            if observer.should_stop() {
                stopped = true;
                break;
            }
        }
        // An epoch counts once all its batches ran (a step limit or a stop can end it early;
        // a resumed run then starts that epoch again).
        let finished_epoch = !stopped && !cut;
        if finished_epoch {
            epoch += 1;
        }
        save_model(&model, &last)?;
        save_optimizer(&model, &optim, out).map_err(TrainError::Other)?;
        let validation = match &val_set {
            Some(val)
                if finished_epoch && config.eval_every > 0 && epoch % config.eval_every == 0 =>
            {
                Some(validate(&model.valid(), &inner, val, config.eval_limit)?)
            }
            _ => None,
        };
        // Best: highest validation mAP (VOC all-point), else lowest mean training loss.
        let mean_loss = if count > 0 {
            sum / count as f32
        } else {
            f32::NAN
        };
        let score = match &validation {
            Some(report) => Some(report.map_voc_all),
            None if val_set.is_none() && mean_loss.is_finite() => Some(-(mean_loss as f64)),
            None => None,
        };
        if let Some(score) = score
            && best.is_none_or(|b| score > b)
        {
            best = Some(score);
            let path = out.join("best.safetensors");
            save_model(&model, &path)?;
            best_path = Some(path);
        }
        state = RunState {
            epoch,
            step,
            best_score: best,
        };
        write_atomic(
            &state_path,
            &serde_json::to_vec_pretty(&state).map_err(|e| TrainError::Other(e.to_string()))?,
        )
        .map_err(io)?;
        let v = validation.as_ref();
        writeln!(
            metrics,
            "{epoch},{step},{mean_loss},{},{:.3},{},{},{},{}",
            learning_rate(
                &config.schedule,
                config.lr,
                config.warmup_steps,
                step.saturating_sub(1),
                total_steps,
                steps_per_epoch
            ),
            images as f64 / started.elapsed().as_secs_f64().max(1e-9),
            v.map_or(String::new(), |r| format!("{:.4}", r.map_voc07)),
            v.map_or(String::new(), |r| format!("{:.4}", r.map_voc_all)),
            v.map_or(String::new(), |r| format!("{:.4}", r.map_coco)),
            v.map_or(String::new(), |r| format!("{:.4}", r.map50_coco)),
        )
        .map_err(io)?;
        observer.epoch(&EpochReport {
            epoch,
            step,
            mean_loss,
            validation,
            checkpoint: last.clone(),
        });
    }
    Ok(TrainSummary {
        steps: step,
        epochs: epoch,
        last,
        best: best_path.or_else(|| {
            out.join("best.safetensors")
                .is_file()
                .then(|| out.join("best.safetensors"))
        }),
        stopped_early: stopped,
        losses,
    })
}
