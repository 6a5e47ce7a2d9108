//! The Attention section: how heatmaps are drawn, which query cell is shown, and for a
//! selected detection the share of its centre's attention that stays inside its box.

use egui::Color32;

use super::attention_state::AttentionView;
use super::colormap::Colormap;
use super::settings::{AttentionMode, HeatmapSettings};
use crate::detect::Detection;

/// The Attention section. `view`: the current image's attention, if any; `selected`: the
/// selected detection with the image's `[width, height]`, for the chart.
pub fn attention_panel(
    ui: &mut egui::Ui,
    settings: &mut HeatmapSettings,
    view: Option<&AttentionView>,
    selected_scale: usize,
    selected: Option<(&Detection, [u32; 2])>,
) {
    ui.heading("Attention");
    ui.horizontal(|ui| {
        ui.radio_value(
            &mut settings.mode,
            AttentionMode::Row,
            "Where the pixel looks",
        );
        ui.radio_value(&mut settings.mode, AttentionMode::Received, "Received");
    });
    egui::ComboBox::from_label("Colormap")
        .selected_text(settings.colormap.name())
        .show_ui(ui, |ui| {
            for c in Colormap::ALL {
                ui.selectable_value(&mut settings.colormap, c, c.name());
            }
        });
    ui.add(egui::Slider::new(&mut settings.opacity, 0.0..=1.0).text("Opacity"));
    ui.add(egui::Slider::new(&mut settings.gamma, 0.1..=1.0).text("Gamma (lift faint attention)"));
    ui.checkbox(
        &mut settings.shared_normalisation,
        "One colour scale for all scales",
    );
    ui.checkbox(&mut settings.bilinear, "Bilinear upsampling");
    ui.checkbox(
        &mut settings.follow_hover,
        "Follow the pointer (else click)",
    );
    match view {
        Some(view) => {
            let [x, y] = view.pixel;
            ui.label(format!("Query pixel ({x:.0}, {y:.0})"));
            if let Some(s) = view.scales.get(selected_scale) {
                ui.label(format!(
                    "Scale {}: query cell (row {}, col {}) of {}×{}",
                    s.scale, s.cell[0], s.cell[1], s.shape[0], s.shape[1]
                ));
            }
        }
        None => {
            ui.label("Click the image to see where that spot attends, at every scale.");
        }
    }
    ui.small("Keys: 1-9 pick the scale shown large; left/right arrows or A/D change image.");
    if let (Some(view), Some((detection, size))) = (view, selected) {
        mass_chart(ui, view, detection, size);
    }
}

/// The share of the detection's centre's attention that stays inside its own box, per scale
/// (the scale that fired it highlighted).
fn mass_chart(ui: &mut egui::Ui, view: &AttentionView, detection: &Detection, size: [u32; 2]) {
    let bars: Vec<egui_plot::Bar> = view
        .scales
        .iter()
        .map(|s| {
            let share = crate::export::mass_in_box(s, detection.bbox, size) as f64;
            let bar = egui_plot::Bar::new(s.scale as f64, share)
                .name(format!("scale {}", s.scale))
                .width(0.7);
            if s.scale == detection.scale {
                bar.fill(Color32::from_rgb(240, 180, 40))
            } else {
                bar
            }
        })
        .collect();
    ui.label(format!(
        "Attention of the {} box's centre that falls inside the box (fired by scale {}):",
        detection.label, detection.scale
    ));
    egui_plot::Plot::new("mass-in-box")
        .height(140.0)
        .include_y(0.0)
        .include_y(1.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .x_axis_label("scale")
        .y_axis_label("share")
        .show(ui, |plot| {
            plot.bar_chart(egui_plot::BarChart::new("share inside the box", bars))
        });
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::ui::settings::Settings;
    use crate::ui::test_support::{attention, detection, harness};

    struct State {
        settings: HeatmapSettings,
        view: Option<AttentionView>,
        scale: usize,
        selected: Option<Detection>,
    }

    fn panel(
        view: Option<AttentionView>,
        selected: Option<Detection>,
    ) -> egui_kittest::Harness<'static, State> {
        let state = State {
            settings: Settings::default().heatmap,
            view,
            scale: 1,
            selected,
        };
        harness([400.0, 700.0], state, |ui, s: &mut State| {
            let selected = s.selected.as_ref().map(|d| (d, [100, 80]));
            attention_panel(ui, &mut s.settings, s.view.as_ref(), s.scale, selected);
        })
    }

    #[test]
    fn it_names_the_query_cell_of_the_selected_scale_and_edits_the_settings() {
        let mut h = panel(Some(attention("a.png", [12.0, 34.0], &[4, 2])), None);
        h.run();
        assert!(h.query_by_label("Query pixel (12, 34)").is_some());
        assert!(
            h.query_by_label("Scale 1: query cell (row 0, col 1) of 2×2")
                .is_some()
        );
        assert!(h.query_by_label_contains("falls inside the box").is_none());
        h.get_by_label("Received").click();
        h.get_by_label("Follow the pointer (else click)").click();
        h.run();
        assert_eq!(h.state().settings.mode, AttentionMode::Received);
        assert!(h.state().settings.follow_hover);
    }

    #[test]
    fn without_attention_it_says_what_to_do() {
        let mut h = panel(None, Some(detection(1, "cup", [0.0, 0.0, 10.0, 10.0], 1)));
        h.run();
        assert!(h.query_by_label_contains("Click the image").is_some());
        assert!(h.query_by_label_contains("falls inside the box").is_none());
    }

    #[test]
    fn a_selected_detection_charts_its_share_per_scale() {
        let cup = detection(1, "cup", [0.0, 0.0, 50.0, 40.0], 1);
        let mut h = panel(Some(attention("a.png", [25.0, 20.0], &[4, 2])), Some(cup));
        h.run();
        assert!(
            h.query_by_label(
                "Attention of the cup box's centre that falls inside the box (fired by scale 1):"
            )
            .is_some()
        );
    }
}
