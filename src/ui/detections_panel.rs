//! Thresholds, class filter and the detections table.

use super::action::Action;
use super::class_filter::{ClassFilter, class_counts};
use super::detection_focus::DetectionFocus;
use super::palette::color32;
use super::settings::DetectionSettings;
use crate::detect::Detection;

/// Rows the table shows at most (the image draws every box).
const MAX_ROWS: usize = 300;

/// The Detections section. `detections`: the current image's, before the class filter (none
/// until it has run); `labelling` adds a "+" per row that accepts it as a label. Clicking a
/// row selects it; hovering one sets `focus.table_hovered`.
pub fn detections_panel(
    ui: &mut egui::Ui,
    settings: &mut DetectionSettings,
    filter: &mut ClassFilter,
    focus: &mut DetectionFocus,
    detections: Option<&[Detection]>,
    labelling: bool,
) -> Option<Action> {
    ui.heading("Detections");
    ui.add(egui::Slider::new(&mut settings.conf_thresh, 0.0..=1.0).text("Confidence"));
    ui.add(egui::Slider::new(&mut settings.nms_thresh, 0.0..=1.0).text("NMS IoU"));
    ui.add(
        egui::Slider::new(&mut settings.top_k, 1..=1000)
            .logarithmic(true)
            .text("Top-k"),
    );
    ui.horizontal(|ui| {
        ui.checkbox(&mut settings.class_agnostic, "Class-agnostic NMS");
        ui.checkbox(&mut settings.show_boxes, "Show boxes");
    });
    let detections = detections?;
    ui.label(format!("{} detections", filter.visible(detections).len()));
    if !detections.is_empty() {
        ui.collapsing("Classes", |ui| {
            for (class_id, (label, count)) in class_counts(detections) {
                let mut shown = !filter.is_hidden(class_id);
                let text =
                    egui::RichText::new(format!("{label} ({count})")).color(color32(class_id));
                if ui.checkbox(&mut shown, text).changed() {
                    filter.set_hidden(class_id, !shown);
                }
            }
        });
    }
    detections_table(ui, &filter.visible(detections), focus, labelling)
}

fn detections_table(
    ui: &mut egui::Ui,
    visible: &[&Detection],
    focus: &mut DetectionFocus,
    labelling: bool,
) -> Option<Action> {
    focus.table_hovered = None;
    let mut action = None;
    egui::Grid::new("detections")
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            ui.strong("class");
            ui.strong("score");
            ui.strong("box (x1, y1, x2, y2)");
            ui.strong("scale");
            ui.end_row();
            for (i, d) in visible.iter().enumerate().take(MAX_ROWS) {
                let under_pointer = focus.image_hovered == Some(i);
                let r = ui
                    .selectable_label(focus.selected == Some(i) || under_pointer, d.label.as_str());
                if under_pointer {
                    r.scroll_to_me(None);
                }
                let [x1, y1, x2, y2] = d.bbox;
                let r = r
                    | ui.label(format!("{:.3}", d.score))
                    | ui.label(format!("{x1:.0}, {y1:.0}, {x2:.0}, {y2:.0}"))
                    | ui.label(d.scale.to_string());
                if r.hovered() {
                    focus.table_hovered = Some(i);
                }
                if r.clicked() {
                    action = Some(Action::SelectDetection(i));
                }
                if labelling
                    && ui
                        .small_button("+")
                        .on_hover_text("Add this detection as a label")
                        .clicked()
                {
                    action = Some(Action::AcceptDetection(i));
                }
                ui.end_row();
            }
        });
    action
}

#[cfg(test)]
mod tests {
    use egui::accesskit::Toggled;
    use egui_kittest::kittest::{NodeT, Queryable};

    use super::*;
    use crate::ui::settings::Settings;
    use crate::ui::test_support::{detection, harness};

    struct State {
        settings: DetectionSettings,
        filter: ClassFilter,
        focus: DetectionFocus,
        detections: Vec<Detection>,
        labelling: bool,
        actions: Vec<Action>,
    }

    fn panel(labelling: bool) -> egui_kittest::Harness<'static, State> {
        let mut filter = ClassFilter::default();
        filter.set_hidden(12, true);
        let state = State {
            settings: Settings::default().detection,
            filter,
            focus: DetectionFocus::default(),
            detections: vec![
                detection(8, "cat", [1.0, 2.0, 30.0, 40.0], 1),
                detection(12, "dog", [5.0, 5.0, 50.0, 50.0], 2),
                detection(8, "cat", [60.0, 10.0, 90.0, 45.0], 3),
            ],
            labelling,
            actions: Vec::new(),
        };
        harness([400.0, 600.0], state, |ui, s: &mut State| {
            let detections = Some(s.detections.as_slice());
            let (settings, filter, focus) = (&mut s.settings, &mut s.filter, &mut s.focus);
            let action = detections_panel(ui, settings, filter, focus, detections, s.labelling);
            s.actions.extend(action);
        })
    }

    #[test]
    fn the_table_shows_the_visible_rows_and_a_click_selects_one() {
        let mut h = panel(false);
        h.run();
        assert!(
            h.query_by_label("2 detections").is_some(),
            "the dog is hidden"
        );
        assert_eq!(h.get_all_by_label("cat").count(), 2);
        assert!(h.query_by_label("dog").is_none());
        assert!(h.query_by_label("60, 10, 90, 45").is_some());
        assert!(
            h.query_by_label("+").is_none(),
            "no accept buttons unless labelling"
        );
        h.get_by_label("60, 10, 90, 45").click();
        h.run();
        // Row 1 of the visible rows is the second cat (index 2 among all detections).
        assert_eq!(h.state().actions, [Action::SelectDetection(1)]);
    }

    #[test]
    fn showing_a_hidden_class_again_brings_its_rows_back() {
        let mut h = panel(false);
        h.run();
        h.get_by_label("Classes").click();
        h.run();
        h.get_by_label("dog (1)").click();
        h.run();
        assert!(!h.state().filter.is_hidden(12));
        assert!(h.query_by_label("3 detections").is_some());
        assert!(h.query_by_label("dog").is_some());
        assert!(
            h.state().actions.is_empty(),
            "filtering is the panel's own business"
        );
    }

    #[test]
    fn while_labelling_plus_accepts_a_detection_and_the_image_hover_is_highlighted() {
        let mut h = panel(true);
        h.state_mut().focus.image_hovered = Some(0);
        h.run();
        let buttons: Vec<_> = h.get_all_by_label("+").collect();
        assert_eq!(buttons.len(), 2);
        buttons[0].click();
        h.run();
        assert_eq!(h.state().actions, [Action::AcceptDetection(0)]);
        // The row under the image pointer is drawn selected.
        let first = h.get_all_by_label("cat").next().unwrap();
        let toggled = first.accesskit_node().toggled();
        assert_eq!(toggled, Some(Toggled::True), "hovered in the image");
        let second = h.get_all_by_label("cat").nth(1).unwrap();
        assert_eq!(second.accesskit_node().toggled(), Some(Toggled::False));
    }
}
