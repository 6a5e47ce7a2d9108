//! The Fine-tune section: steps and learning rate, start or cancel, a live loss plot, and the
//! result to switch to or save elsewhere.

use super::action::Action;
use super::finetune::{FineTune, Job};

pub fn finetune_panel(ui: &mut egui::Ui, finetune: &mut FineTune) -> Option<Action> {
    ui.heading("Fine-tune");
    let running = finetune.running();
    ui.add_enabled(
        !running,
        egui::Slider::new(&mut finetune.steps, 10..=5000)
            .logarithmic(true)
            .text("steps"),
    );
    ui.add_enabled(
        !running,
        egui::Slider::new(&mut finetune.lr, 1e-5..=1e-2)
            .logarithmic(true)
            .text("learning rate"),
    );
    let mut action = None;
    if running {
        if ui.button("Cancel").clicked() {
            finetune.cancel();
        }
    } else if ui
        .button("Fine-tune on the labelled images")
        .on_hover_text(
            "Trains the attention units and heads of the loaded model (backbone frozen) in the \
             background",
        )
        .clicked()
    {
        action = Some(Action::StartFinetune);
    }
    if let Some(job) = &finetune.job {
        job_status(ui, job, &mut action);
    }
    action
}

/// Progress, the loss plot, notes and the outcome of `job`; what the user does with the
/// result goes into `action`.
fn job_status(ui: &mut egui::Ui, job: &Job, action: &mut Option<Action>) {
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
    match &job.result {
        Some(Ok((path, cancelled))) => {
            ui.label(format!(
                "{} weights: {}",
                if *cancelled {
                    "Cancelled; partial"
                } else {
                    "Fine-tuned"
                },
                path.display()
            ));
            ui.horizontal(|ui| {
                if ui.button("Use them").clicked() {
                    *action = Some(Action::LoadWeights(path.clone()));
                }
                if ui.button("Save as…").clicked()
                    && let Some(target) = rfd::FileDialog::new()
                        .set_file_name("finetuned.safetensors")
                        .save_file()
                {
                    let saved = std::fs::read(path)
                        .and_then(|bytes| crate::fsutil::write_atomic(&target, &bytes));
                    *action = Some(Action::Report(match saved {
                        Ok(()) => format!("saved {}", target.display()),
                        Err(e) => format!("could not save {}: {e}", target.display()),
                    }));
                }
            });
        }
        Some(Err(e)) => {
            ui.colored_label(egui::Color32::LIGHT_RED, format!("fine-tuning failed: {e}"));
            ui.small(format!("run folder: {}", job.out.display()));
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::ui::finetune::Job;
    use crate::ui::test_support::harness;

    fn panel(finetune: FineTune) -> egui_kittest::Harness<'static, (FineTune, Vec<Action>)> {
        harness(
            [350.0, 500.0],
            (finetune, Vec::new()),
            |ui, (finetune, actions)| {
                actions.extend(finetune_panel(ui, finetune));
            },
        )
    }

    #[test]
    fn starting_is_asked_of_the_app() {
        let mut h = panel(FineTune::default());
        h.run();
        assert!(h.query_by_label_contains("step ").is_none(), "no job yet");
        h.get_by_label("Fine-tune on the labelled images").click();
        h.run();
        assert_eq!(h.state().1, [Action::StartFinetune]);
    }

    #[test]
    fn a_finished_job_offers_its_weights() {
        let weights = PathBuf::from("/tmp/run/last.safetensors");
        let finetune = FineTune {
            job: Some(Job::finished(Ok((weights.clone(), false)))),
            ..FineTune::default()
        };
        let mut h = panel(finetune);
        h.run();
        assert!(h.query_by_label("step 2 / 2").is_some());
        assert!(
            h.query_by_label("Fine-tuned weights: /tmp/run/last.safetensors")
                .is_some()
        );
        h.get_by_label("Use them").click();
        h.run();
        assert_eq!(h.state().1, [Action::LoadWeights(weights)]);
    }

    #[test]
    fn a_failed_job_says_why_and_where() {
        let finetune = FineTune {
            job: Some(Job::finished(Err("out of memory".into()))),
            ..FineTune::default()
        };
        let mut h = panel(finetune);
        h.run();
        assert!(
            h.query_by_label("fine-tuning failed: out of memory")
                .is_some()
        );
        assert!(h.query_by_label("run folder: /tmp/run").is_some());
        assert!(h.query_by_label("Use them").is_none());
    }
}
