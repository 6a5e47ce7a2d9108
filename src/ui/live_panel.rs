//! The live stream's controls and figures (top of the left panel): Stop or Start, Pause,
//! Snapshot, Close; camera and inference rates, latency, shown and dropped frames.

use super::action::Action;
use super::live::Live;
use crate::camera::StreamState;

/// The panel for `live`; `has_frame`: a processed frame is shown (it can be saved).
pub fn live_panel(ui: &mut egui::Ui, live: &Live, has_frame: bool) -> Option<Action> {
    let status = live.status();
    let mut action = None;
    ui.strong("Live");
    ui.label(live.spec.label());
    match &status.state {
        StreamState::Opening => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("opening…");
            });
        }
        StreamState::Running(info) | StreamState::Paused(info) => {
            ui.label(format!(
                "{}×{} at {:.0} fps (nominal)",
                info.width, info.height, info.fps
            ));
        }
        StreamState::Failed(_) | StreamState::Stopped => {}
    }
    if let Some(error) = &status.error {
        ui.colored_label(egui::Color32::LIGHT_RED, error);
    }
    ui.horizontal(|ui| {
        if live.stream.is_some() {
            if ui.button("Stop").clicked() {
                action = Some(Action::StopCamera);
            }
            let paused = matches!(status.state, StreamState::Paused(_)) || live.is_paused();
            if ui.button(if paused { "Resume" } else { "Pause" }).clicked() {
                action = Some(Action::PauseCamera(!paused));
            }
        } else if ui.button("Start").clicked() {
            action = Some(Action::StartCamera(live.spec.clone()));
        }
        if ui
            .add_enabled(has_frame, egui::Button::new("Snapshot"))
            .clicked()
        {
            action = Some(Action::Snapshot);
        }
        if ui.button("Close").clicked() {
            action = Some(Action::CloseCamera);
        }
    });
    egui::Grid::new("live-figures")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label("camera");
            ui.label(format!("{:.1} fps", status.camera_fps));
            ui.end_row();
            ui.label("inference");
            ui.label(format!("{:.2} fps", status.inference_fps));
            ui.end_row();
            ui.label("latency");
            ui.label(status.latency.map_or("-".to_string(), |l| {
                format!("{:.0} ms", l.as_secs_f64() * 1e3)
            }));
            ui.end_row();
            ui.label("frames");
            ui.label(format!(
                "{} shown, {} dropped of {}",
                status.inferred, status.dropped, status.captured
            ));
            ui.end_row();
        });
    ui.separator();
    action
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::camera::SourceSpec;
    use crate::ui::test_support::harness;

    #[test]
    fn a_failed_stream_shows_why_and_start_asks_to_restart_it() {
        let spec = SourceSpec::Virtual {
            folder: "/nonexistent/assd/frames".into(),
            fps: 5.0,
        };
        let (sender, _requests) = std::sync::mpsc::channel();
        let mut live = Live::start(spec.clone(), sender, egui::Context::default());
        let started = Instant::now();
        while live.stream.is_some() {
            live.poll();
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the stream never failed"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let error = live.error.clone().expect("a reason");
        let mut h = harness([300.0, 400.0], (live, Vec::new()), |ui, (live, actions)| {
            actions.extend(live_panel(ui, live, false));
        });
        h.run();
        assert!(h.query_by_label(&error).is_some(), "{error}");
        assert!(h.query_by_label("Stop").is_none());
        assert!(h.query_by_label("0 shown, 0 dropped of 0").is_some());
        h.get_by_label("Start").click();
        h.run();
        h.get_by_label("Close").click();
        h.run();
        assert_eq!(
            h.state().1,
            [Action::StartCamera(spec), Action::CloseCamera]
        );
    }
}
