//! Fine-tuning from the app: the labelled images of the open folder train the loaded model on
//! a background thread (attention units and heads; backbone, extras and fusion frozen), with a
//! live loss plot and a cancel button. Labels are saved first and the previous weights are never
//! touched: the result is a new file the user can switch to and save.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{SystemTime, UNIX_EPOCH};

use super::annotate::annotation_path;
use super::app::{AssdApp, WeightsState};
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
pub(super) struct Job {
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
pub(super) struct FineTune {
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

impl AssdApp {
    /// The labelled images of the open folder, as a dataset (labels saved first).
    fn labelled_dataset(&mut self) -> Result<Dataset, String> {
        self.save_all_annotations()?;
        let mut classes = self.annotator.classes.clone();
        let mut samples = Vec::new();
        for image in self.files.clone() {
            let xml = annotation_path(&image);
            if !xml.is_file() {
                continue;
            }
            let sample = read_annotation(&xml, &image, &mut classes).map_err(|e| e.to_string())?;
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

    /// Starts fine-tuning the loaded model on the labelled images.
    pub fn start_finetune(&mut self) -> Result<(), String> {
        if self
            .finetune
            .job
            .as_ref()
            .is_some_and(|j| j.result.is_none())
        {
            return Err("fine-tuning is already running".into());
        }
        let WeightsState::Loaded { path: weights, .. } = &self.weights else {
            return Err("load weights first: fine-tuning starts from them".into());
        };
        let weights = weights.clone();
        let model = self
            .head
            .as_ref()
            .map(|h| h.config.name.clone())
            .ok_or("no model loaded")?;
        let dataset = self.labelled_dataset()?;
        let folder = self
            .files
            .first()
            .and_then(|f| f.parent())
            .map(PathBuf::from)
            .unwrap_or_default();
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let out = folder.join(format!("finetune-{stamp}"));
        let batch = dataset.samples.len().min(4);
        let config = TrainConfig {
            model,
            weights: Some(weights),
            epochs: usize::MAX,
            max_steps: Some(self.finetune.steps),
            batch_size: batch,
            lr: self.finetune.lr,
            warmup_steps: (self.finetune.steps / 10).min(50),
            schedule: Schedule::Constant,
            freeze_backbone: true,
            freeze_extras: true,
            augment: Some(AugmentConfig::default()),
            device: self.device_choice,
            eval_every: 0,
            ..TrainConfig::default()
        };
        let (tx, rx) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let mut observer = ChannelObserver {
            tx: tx.clone(),
            stop: stop.clone(),
            repaint: self.repaint.clone(),
        };
        let run_dir = out.clone();
        let repaint = self.repaint.clone();
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
        self.finetune.job = Some(Job {
            rx,
            stop,
            losses: Vec::new(),
            total: self.finetune.steps,
            step: 0,
            out,
            result: None,
            notes: Vec::new(),
        });
        Ok(())
    }

    /// Steps and learning rate of the next fine-tuning run.
    pub fn set_finetune(&mut self, steps: usize, lr: f64) {
        self.finetune.steps = steps;
        self.finetune.lr = lr;
    }

    /// Asks a running job to stop (it saves what it has).
    pub fn cancel_finetune(&mut self) {
        if let Some(job) = &self.finetune.job {
            job.stop.store(true, Ordering::Relaxed);
        }
    }

    /// Takes in the job's progress.
    pub(super) fn poll_finetune(&mut self) {
        let Some(job) = &mut self.finetune.job else {
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
    pub fn finetuned_weights(&self) -> Option<PathBuf> {
        match &self.finetune.job.as_ref()?.result {
            Some(Ok((path, _))) => Some(path.clone()),
            _ => None,
        }
    }

    /// Why the last job failed, if it did.
    pub fn finetune_error(&self) -> Option<String> {
        match &self.finetune.job.as_ref()?.result {
            Some(Err(e)) => Some(e.clone()),
            _ => None,
        }
    }

    pub fn finetune_running(&self) -> bool {
        self.finetune
            .job
            .as_ref()
            .is_some_and(|j| j.result.is_none())
    }

    pub(super) fn finetune_controls(&mut self, ui: &mut egui::Ui) {
        ui.heading("Fine-tune");
        let running = self.finetune_running();
        ui.add_enabled(
            !running,
            egui::Slider::new(&mut self.finetune.steps, 10..=5000)
                .logarithmic(true)
                .text("steps"),
        );
        ui.add_enabled(
            !running,
            egui::Slider::new(&mut self.finetune.lr, 1e-5..=1e-2)
                .logarithmic(true)
                .text("learning rate"),
        );
        if running {
            if ui.button("Cancel").clicked() {
                self.cancel_finetune();
            }
        } else if ui
            .button("Fine-tune on the labelled images")
            .on_hover_text("Trains the attention units and heads of the loaded model (backbone frozen) in the background")
            .clicked()
            && let Err(e) = self.start_finetune()
        {
            self.message = Some(format!("cannot fine-tune: {e}"));
        }
        let Some(job) = &self.finetune.job else {
            return;
        };
        ui.add(
            egui::ProgressBar::new(job.step as f32 / job.total.max(1) as f32)
                .text(format!("step {} / {}", job.step, job.total)),
        );
        if !job.losses.is_empty() {
            egui_plot::Plot::new("finetune-loss")
                .height(120.0)
                .allow_zoom(false)
                .allow_drag(false)
                .allow_scroll(false)
                .x_axis_label("step")
                .y_axis_label("loss")
                .show(ui, |plot| {
                    plot.line(egui_plot::Line::new("loss", job.losses.clone()));
                });
        }
        for note in job.notes.iter().rev().take(2) {
            ui.small(note);
        }
        let out = job.out.clone();
        match job.result.clone() {
            Some(Ok((path, cancelled))) => {
                ui.label(format!(
                    "{} weights: {}",
                    if cancelled {
                        "Cancelled; partial"
                    } else {
                        "Fine-tuned"
                    },
                    path.display()
                ));
                ui.horizontal(|ui| {
                    if ui.button("Use them").clicked() {
                        self.load_weights(path.clone());
                    }
                    if ui.button("Save as…").clicked()
                        && let Some(target) = rfd::FileDialog::new()
                            .set_file_name("finetuned.safetensors")
                            .save_file()
                    {
                        self.message = Some(
                            match std::fs::read(&path)
                                .and_then(|bytes| crate::fsutil::write_atomic(&target, &bytes))
                            {
                                Ok(()) => format!("saved {}", target.display()),
                                Err(e) => format!("could not save {}: {e}", target.display()),
                            },
                        );
                    }
                });
            }
            Some(Err(e)) => {
                ui.colored_label(egui::Color32::LIGHT_RED, format!("fine-tuning failed: {e}"));
                ui.small(format!("run folder: {}", out.display()));
            }
            None => {}
        }
    }
}
