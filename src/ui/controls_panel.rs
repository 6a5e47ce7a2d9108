//! The right-hand panel: Detections, Attention and Annotate, and Fine-tune while labels are
//! edited.

use super::action::Action;
use super::annotate_panel::annotate_panel;
use super::attention_panel::attention_panel;
use super::class_filter::ClassFilter;
use super::current::Current;
use super::detection_focus::DetectionFocus;
use super::detections_panel::detections_panel;
use super::finetune::FineTune;
use super::finetune_panel::finetune_panel;
use super::label_editor::LabelEditor;
use super::settings::{DetectionSettings, HeatmapSettings};

/// What the panel changes and what it reads of the current image.
pub struct Controls<'a> {
    pub detection: &'a mut DetectionSettings,
    pub heatmap: &'a mut HeatmapSettings,
    pub filter: &'a mut ClassFilter,
    pub focus: &'a mut DetectionFocus,
    pub editor: &'a mut LabelEditor,
    pub finetune: &'a mut FineTune,
    /// The image on screen.
    pub current: Current<'a>,
    pub selected_scale: usize,
}

pub fn controls_panel(ui: &mut egui::Ui, c: Controls<'_>) -> Vec<Action> {
    let entry = c.current.entry;
    let detections = entry.map(|e| e.detections.as_slice());
    let labelling = c.editor.enabled;
    let mut actions = Vec::new();
    actions.extend(detections_panel(
        ui,
        c.detection,
        c.filter,
        c.focus,
        detections,
        labelling,
    ));
    ui.separator();
    let selected = entry.and_then(|e| {
        let visible = c.current.detections(c.filter);
        Some((*visible.get(c.focus.selected?)?, e.size()))
    });
    attention_panel(
        ui,
        c.heatmap,
        c.current.attention,
        c.selected_scale,
        selected,
    );
    ui.separator();
    actions.extend(annotate_panel(ui, c.editor, c.current.path));
    if c.editor.enabled {
        ui.separator();
        actions.extend(finetune_panel(ui, c.finetune));
    }
    actions
}
