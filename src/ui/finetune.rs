//! Fine-tuning from the app: the labelled images of the open folder train the loaded model on
//! a background thread (attention units and heads; backbone, extras and fusion frozen). Labels
//! are saved first and the previous weights are never touched: the result is a new file.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{SystemTime, UNIX_EPOCH};

use super::label_editor::{LabelEditor, annotation_path};
use super::session::Session;
use crate::backend::DeviceChoice;
use crate::dataset::{Dataset, read_annotation};
use crate::train::augment::AugmentConfig;
use crate::train::schedule::Schedule;
use crate::train::{EpochReport, StepReport, TrainConfig, TrainObserver, train_on};

enum Progress {
    Step(StepReport),
    Note(String),
    Done(Result<(PathBuf, bool), String>),
}

/// A running (or finished) fine-tuning job.
pub struct Job {
    rx: Receiver<Progress>,
    stop: Arc<AtomicBool>,
    pub losses: Vec<[f64; 2]>,
    pub total: usize,
    pub step: usize,
    pub out: PathBuf,
    /// The trained weights, and whether the run was cancelled early; or the error.
    pub result: Option<Result<(PathBuf, bool), String>>,
    pub notes: Vec<String>,
}

/// Fine-tuning settings and the current job.
pub struct FineTune {
    pub steps: usize,
    pub lr: f64,
    pub job: Option<Job>,
}

impl Default for FineTune {
    fn default() -> Self {
        Self {
            steps: 200,
            lr: 1e-3,
            job: None,
        }
    }
}

struct ChannelObserver {
    tx: Sender<Progress>,
    stop: Arc<AtomicBool>,
    repaint: egui::Context,
}

impl TrainObserver for ChannelObserver {
    fn step(&mut self, report: &StepReport) {
        let _ = self.tx.send(Progress::Step(report.clone()));
        self.repaint.request_repaint();
    }
    fn epoch(&mut self, _report: &EpochReport) {}
    fn note(&mut self, message: &str) {
        let _ = self.tx.send(Progress::Note(message.to_string()));
    }
    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// The labelled images among `files`, as a dataset (the editor's labels saved first).
pub fn labelled_dataset(editor: &mut LabelEditor, files: &[PathBuf]) -> Result<Dataset, String> {
    editor.save_all()?;
    let mut classes = editor.classes.clone();
    let mut samples = Vec::new();
    for image in files {
        let xml = annotation_path(image);
        if !xml.is_file() {
            continue;
        }
        let sample = read_annotation(&xml, image, &mut classes).map_err(|e| e.to_string())?;
        if !sample.objects.is_empty() {
            samples.push(sample);
        }
    }
    if samples.is_empty() {
        return Err("no labelled images in this folder yet: draw boxes first".into());
    }
    // Classes nobody used would get a head output that never sees an example.
    Ok(Dataset {
        classes,
        samples,
        skipped: Vec::new(),
    })
}

/// Where a run starts from.
pub struct Start {
    /// The loaded model's name and weights.
    pub model: String,
    pub weights: PathBuf,
    pub dataset: Dataset,
    /// The run folder goes in here.
    pub folder: PathBuf,
    pub device: DeviceChoice,
}

impl Start {
    /// A run from the session's loaded weights on the labelled images of its folder (the
    /// editor's labels are saved first); the run folder goes beside the images.
    pub fn prepare(session: &Session, editor: &mut LabelEditor) -> Result<Self, String> {
        let (model, files) = (&session.model, session.library.files());
        let weights = (model.loaded_path().cloned())
            .ok_or("load weights first: fine-tuning starts from them")?;
        let name = (model.head.as_ref().map(|h| h.config.name.clone())).ok_or("no model loaded")?;
        let dataset = labelled_dataset(editor, files)?;
        let folder = files.first().and_then(|f| f.parent()).map(PathBuf::from);
        Ok(Self {
            model: name,
            weights,
            dataset,
            folder: folder.unwrap_or_default(),
            device: model.device_choice,
        })
    }
}

impl Job {
    /// A job that ended with `result` (the panel's tests).
    #[cfg(test)]
    pub fn finished(result: Result<(PathBuf, bool), String>) -> Self {
        Self {
            rx: channel().1,
            stop: Arc::new(AtomicBool::new(false)),
            losses: vec![[1.0, 2.0], [2.0, 1.5]],
            total: 2,
            step: 2,
            out: PathBuf::from("/tmp/run"),
            result: Some(result),
            notes: Vec::new(),
        }
    }
}

impl FineTune {
    pub fn running(&self) -> bool {
        self.job.as_ref().is_some_and(|j| j.result.is_none())
    }

    /// Starts a run on a background thread; `repaint` wakes the UI on progress.
    pub fn start(&mut self, start: Start, repaint: egui::Context) -> Result<(), String> {
        if self.running() {
            return Err("fine-tuning is already running".into());
        }
        let Start {
            model,
            weights,
            dataset,
            folder,
            device,
        } = start;
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let out = folder.join(format!("finetune-{stamp}"));
        let batch = dataset.samples.len().min(4);
        let config = TrainConfig {
            model,
            weights: Some(weights),
            epochs: usize::MAX,
            max_steps: Some(self.steps),
            batch_size: batch,
            lr: self.lr,
            warmup_steps: (self.steps / 10).min(50),
            schedule: Schedule::Constant,
            freeze_backbone: true,
            freeze_extras: true,
            augment: Some(AugmentConfig::default()),
            device,
            eval_every: 0,
            ..TrainConfig::default()
        };
        let (tx, rx) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let mut observer = ChannelObserver {
            tx: tx.clone(),
            stop: stop.clone(),
            repaint: repaint.clone(),
        };
        let run_dir = out.clone();
        std::thread::Builder::new()
            .name("assd-finetune".into())
            .spawn(move || {
                let result = train_on(&config, dataset, None, &run_dir, false, &mut observer)
                    .map(|summary| (summary.last, summary.stopped_early))
                    .map_err(|e| e.to_string());
                let _ = tx.send(Progress::Done(result));
                repaint.request_repaint();
            })
            .map_err(|e| e.to_string())?;
        self.job = Some(Job {
            rx,
            stop,
            losses: Vec::new(),
            total: self.steps,
            step: 0,
            out,
            result: None,
            notes: Vec::new(),
        });
        Ok(())
    }

    /// Asks a running job to stop (it saves what it has).
    pub fn cancel(&self) {
        if let Some(job) = &self.job {
            job.stop.store(true, Ordering::Relaxed);
        }
    }

    /// Takes in the job's progress.
    pub fn poll(&mut self) {
        let Some(job) = &mut self.job else {
            return;
        };
        while let Ok(p) = job.rx.try_recv() {
            match p {
                Progress::Step(r) => {
                    job.step = r.step;
                    job.total = r.total_steps;
                    job.losses.push([r.step as f64, r.loss as f64]);
                }
                Progress::Note(n) => job.notes.push(n),
                Progress::Done(result) => job.result = Some(result),
            }
        }
    }

    /// The finished job's weights, if it produced some.
    pub fn weights(&self) -> Option<PathBuf> {
        match &self.job.as_ref()?.result {
            Some(Ok((path, _))) => Some(path.clone()),
            _ => None,
        }
    }

    /// Why the last job failed, if it did.
    pub fn error(&self) -> Option<String> {
        match &self.job.as_ref()?.result {
            Some(Err(e)) => Some(e.clone()),
            _ => None,
        }
    }
}
