//! The status bar: the model and device (or why there is none), notices, the last outcome,
//! zoom with "Fit", and timings.

use std::time::Duration;

use super::action::Action;
use super::current::Current;
use super::dialogs::weights_dialog;
use super::model::WeightsState;
use super::session::Session;
use super::zoom_pan::ZoomPan;

/// What the status bar reports.
pub struct Status<'a> {
    pub weights: &'a WeightsState,
    /// The loaded model's name.
    pub model_name: &'a str,
    /// Why the GPU was not used.
    pub notice: Option<&'a str>,
    /// The outcome of the last action.
    pub message: Option<&'a str>,
    pub gpu_heatmaps: bool,
    /// The network is running on an image.
    pub running: bool,
    /// The shown image's inference, the last threshold re-filter and attention read-back.
    pub timings: Option<[Duration; 3]>,
}

impl<'a> Status<'a> {
    /// What `session` is doing and has loaded, with `current`'s timings.
    pub fn of(session: &'a Session, current: Current<'_>, message: Option<&'a str>) -> Self {
        let model = &session.model;
        let (inference, filter, attention) = current.timings();
        Self {
            weights: &model.weights,
            model_name: model.head.as_ref().map_or("", |h| h.config.name.as_str()),
            notice: model.notice.as_deref(),
            message,
            gpu_heatmaps: session.attention.gpu_heatmaps,
            running: session.library.is_running(),
            timings: inference.map(|i| [i, filter, attention]),
        }
    }
}

/// The bar; "Fit" resets `view`.
pub fn status_bar(ui: &mut egui::Ui, status: Status<'_>, view: &mut ZoomPan) -> Option<Action> {
    let mut action = None;
    ui.horizontal(|ui| {
        match status.weights {
            WeightsState::Missing => {
                ui.colored_label(
                    egui::Color32::YELLOW,
                    "No weights found (weights/assd513.safetensors or .pth).",
                );
                if ui.button("Open weights…").clicked()
                    && let Some(path) = weights_dialog().pick_file()
                {
                    action = Some(Action::LoadWeights(path));
                }
            }
            WeightsState::Loading(path) => {
                ui.spinner();
                ui.label(format!("loading {}", path.display()));
            }
            WeightsState::Loaded { path, device } => {
                let heatmaps = if status.gpu_heatmaps {
                    "Heatmaps: WGSL shader (upsampling and colour mapping on the GPU)"
                } else {
                    "Heatmaps: colour-mapped on the CPU"
                };
                ui.label(format!(
                    "{} · {device} · {}",
                    status.model_name,
                    file_name(path)
                ))
                .on_hover_text(heatmaps);
            }
            WeightsState::Failed { path, error } => {
                ui.colored_label(
                    egui::Color32::LIGHT_RED,
                    format!("{}: {error}", path.display()),
                );
            }
        }
        if let Some(notice) = status.notice {
            ui.colored_label(egui::Color32::YELLOW, format!("No GPU: {notice}"));
        }
        if let Some(message) = status.message {
            ui.label(message);
        }
        if !view.is_fitted() {
            ui.label(format!("zoom {:.0} %", view.zoom * 100.0));
            if ui.button("Fit").clicked() {
                view.fit();
            }
        }
        if status.running {
            ui.spinner();
            ui.label("running the network…");
        }
        if let Some([inference, filter, attention]) = status.timings {
            ui.label(format!(
                "inference {:.0} ms · filter {:.1} ms · attention {:.1} ms",
                inference.as_secs_f64() * 1e3,
                filter.as_secs_f64() * 1e3,
                attention.as_secs_f64() * 1e3
            ));
        }
    });
    action
}

/// The last component of `path` (all of it when it has none).
pub fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::ui::test_support::harness;

    struct State {
        weights: WeightsState,
        view: ZoomPan,
    }

    fn bar(weights: WeightsState) -> egui_kittest::Harness<'static, State> {
        let view = ZoomPan {
            zoom: 2.0,
            ..ZoomPan::default()
        };
        harness(
            [1000.0, 40.0],
            State { weights, view },
            |ui, s: &mut State| {
                let status = Status {
                    weights: &s.weights,
                    model_name: "assd513",
                    notice: Some("no adapter"),
                    message: Some("saved x.png"),
                    gpu_heatmaps: false,
                    running: true,
                    timings: Some([
                        Duration::from_millis(812),
                        Duration::from_micros(1500),
                        Duration::ZERO,
                    ]),
                };
                status_bar(ui, status, &mut s.view);
            },
        )
    }

    #[test]
    fn it_reports_the_model_notices_timings_and_fits_the_view() {
        let mut h = bar(WeightsState::Loaded {
            path: "/w/assd513.pth".into(),
            device: "CPU (Flex)".into(),
        });
        h.run_steps(2);
        assert!(
            h.query_by_label("assd513 · CPU (Flex) · assd513.pth")
                .is_some()
        );
        assert!(h.query_by_label("No GPU: no adapter").is_some());
        assert!(h.query_by_label("saved x.png").is_some());
        assert!(h.query_by_label("running the network…").is_some());
        assert!(
            h.query_by_label("inference 812 ms · filter 1.5 ms · attention 0.0 ms")
                .is_some()
        );
        assert!(h.query_by_label("zoom 200 %").is_some());
        h.get_by_label("Fit").click();
        h.run_steps(2);
        assert!(h.state().view.is_fitted());
        assert!(h.query_by_label("Fit").is_none());
    }

    #[test]
    fn failed_weights_name_the_file_and_the_error() {
        let mut h = bar(WeightsState::Failed {
            path: "/w/broken.pth".into(),
            error: "missing key conf.0.weight".into(),
        });
        h.run_steps(2);
        assert!(
            h.query_by_label("/w/broken.pth: missing key conf.0.weight")
                .is_some()
        );
    }
}
