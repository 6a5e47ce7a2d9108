//! The strip of small multiples: one thumbnail per scale with that scale's heatmap and query
//! cell, labelled with the map size, N and the prior sizes it predicts.

use egui::{Sense, vec2};

use super::action::Action;
use super::attention_state::AttentionView;
use super::layers::{cell_rect, crosshair, paint_layers};
use super::library::Entry;
use super::settings::{AttentionMode, HeatmapSettings};
use crate::attention_query::query_cell;
use crate::inference::DetectionHead;

/// The strip for the current image, `selected_scale` outlined; clicking a thumbnail selects
/// its scale.
pub fn attention_strip(
    ui: &mut egui::Ui,
    head: &DetectionHead,
    entry: &Entry,
    view: Option<&AttentionView>,
    settings: &HeatmapSettings,
    selected_scale: usize,
) -> Option<Action> {
    let mut clicked = None;
    let size = entry.size();
    let image_texture = entry.texture.as_ref().map(|t| t.id());
    let height = (ui.available_height() - 40.0).max(60.0);
    let width = height * size[0] as f32 / size[1] as f32;
    egui::ScrollArea::horizontal().show(ui, |ui| {
        ui.horizontal(|ui| {
            for (k, &f) in head.feature_sizes.iter().enumerate() {
                ui.vertical(|ui| {
                    let (response, painter) =
                        ui.allocate_painter(vec2(width, height), Sense::click());
                    response.widget_info(|| {
                        egui::WidgetInfo::labeled(
                            egui::Role::Button,
                            true,
                            format!("scale {k} thumbnail"),
                        )
                    });
                    let rect = response.rect;
                    let heat = view.and_then(|v| v.heat.get(k));
                    paint_layers(
                        &painter,
                        rect,
                        image_texture,
                        heat,
                        settings.style(),
                        1 + k as u64,
                    );
                    if let Some(view) = view
                        && settings.mode == AttentionMode::Row
                    {
                        let cell = query_cell(view.pixel, size, [f, f]);
                        crosshair(&painter, rect, cell_rect(rect, [f, f], cell));
                    }
                    let stroke = if k == selected_scale { 3.0 } else { 1.0 };
                    painter.rect_stroke(
                        rect,
                        0.0,
                        egui::Stroke::new(stroke, ui.visuals().strong_text_color()),
                        egui::StrokeKind::Outside,
                    );
                    if response.clicked() {
                        clicked = Some(Action::SelectScale(k));
                    }
                    ui.label(format!("scale {k}: {f}×{f}, N={}", f * f));
                    let (lo, hi) = head.prior_sizes.get(k).copied().unwrap_or_default();
                    ui.small(format!("priors {lo:.0}–{hi:.0} px"));
                });
            }
        });
    });
    clicked
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::config::AssdConfig;
    use crate::ui::settings::Settings;
    use crate::ui::test_support::{attention, entry, harness};

    struct State {
        head: DetectionHead,
        entry: Entry,
        view: AttentionView,
        settings: HeatmapSettings,
        actions: Vec<Action>,
    }

    #[test]
    fn one_labelled_thumbnail_per_scale_and_a_click_selects_its_scale() {
        let head = DetectionHead::new(AssdConfig::preset("ssd-tiny").unwrap()).unwrap();
        let sides = head.feature_sizes.clone();
        let state = State {
            entry: entry(64, 48, &sides, Vec::new()),
            view: attention("a.png", [10.0, 10.0], &sides),
            head,
            settings: Settings::default().heatmap,
            actions: Vec::new(),
        };
        let mut h = harness([1200.0, 220.0], state, |ui, s: &mut State| {
            let strip = attention_strip(ui, &s.head, &s.entry, Some(&s.view), &s.settings, 0);
            s.actions.extend(strip);
        });
        h.run();
        for (k, f) in sides.iter().enumerate() {
            let label = format!("scale {k}: {f}×{f}, N={}", f * f);
            assert!(h.query_by_label(&label).is_some(), "{label}");
        }
        assert_eq!(h.get_all_by_label_contains("priors ").count(), sides.len());
        h.get_by_label("scale 1 thumbnail").click();
        h.run();
        assert_eq!(h.state().actions, [Action::SelectScale(1)]);
    }
}
