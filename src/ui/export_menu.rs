//! File → Export: one item per `ExportKind`, each asking where to save.

use super::action::Action;
use super::current::Current;
use super::exports::ExportKind;

/// The menu for `current` (an image that has run; the attention items once it was read).
pub fn export_menu(ui: &mut egui::Ui, current: Current<'_>) -> Option<Action> {
    let mut action = None;
    let has_attention = current.attention.is_some();
    for kind in ExportKind::ALL {
        let enabled = current.entry.is_some() && (!kind.needs_attention() || has_attention);
        if ui
            .add_enabled(enabled, egui::Button::new(kind.label()))
            .clicked()
        {
            ui.close();
            let stem = (current.path)
                .and_then(|p| p.file_stem())
                .map_or_else(|| "image".to_string(), |s| s.to_string_lossy().into_owned());
            let dialog = rfd::FileDialog::new()
                .set_file_name(format!("{stem}_{}.{}", kind.suffix(), kind.extension()))
                .add_filter(kind.extension(), &[kind.extension()]);
            if let Some(path) = dialog.save_file() {
                action = Some(Action::Export(kind, path));
            }
        }
    }
    action
}
