//! The menu bar: Camera, the "Edit labels" toggle, and File (open, export, recent).

use super::action::Action;
use super::camera_menu::{CameraList, camera_menu};
use super::current::Current;
use super::dialogs::{image_dialog, starting_in, weights_dialog};
use super::export_menu::export_menu;
use super::settings::{CameraSettings, Places};

/// The bar; `current` says what File → Export can write.
pub fn menu_bar(
    ui: &mut egui::Ui,
    cameras: &mut CameraList,
    camera: &mut CameraSettings,
    places: &Places,
    labelling: bool,
    current: Current<'_>,
) -> Option<Action> {
    let mut action = None;
    let last_folder = places.last_folder.as_deref();
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("Camera", |ui| {
            action = camera_menu(ui, cameras, camera, last_folder).or(action.take());
        });
        let mut on = labelling;
        if ui
            .toggle_value(&mut on, "Edit labels")
            .on_hover_text(
                "Draw and edit boxes for fine-tuning (W new box, Del delete, Ctrl+S save)",
            )
            .changed()
        {
            action = Some(Action::SetAnnotating(on));
        }
        ui.menu_button("File", |ui| {
            if ui.button("Open image…").clicked() {
                if let Some(path) = image_dialog(last_folder).pick_file() {
                    action = Some(Action::OpenPath(path));
                }
                ui.close();
            }
            if ui.button("Open folder…").clicked() {
                if let Some(path) = starting_in(rfd::FileDialog::new(), last_folder).pick_folder() {
                    action = Some(Action::OpenPath(path));
                }
                ui.close();
            }
            if ui.button("Open weights…").clicked() {
                if let Some(path) = weights_dialog().pick_file() {
                    action = Some(Action::LoadWeights(path));
                }
                ui.close();
            }
            ui.menu_button("Export", |ui| {
                action = export_menu(ui, current).or(action.take());
            });
            ui.menu_button("Recent", |ui| {
                for path in &places.recent {
                    if ui.button(path.display().to_string()).clicked() {
                        action = Some(Action::OpenPath(path.clone()));
                        ui.close();
                    }
                }
            });
        });
    });
    action
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::ui::attention_state::AttentionState;
    use crate::ui::library::Library;
    use crate::ui::settings::Settings;
    use crate::ui::test_support::harness;

    struct State {
        cameras: CameraList,
        settings: Settings,
        library: Library,
        attention: AttentionState,
        labelling: bool,
        actions: Vec<Action>,
    }

    fn bar(labelling: bool, recent: &[&str]) -> egui_kittest::Harness<'static, State> {
        let mut settings = Settings::default();
        for r in recent.iter().rev() {
            settings.places.remember(r.into());
        }
        let state = State {
            cameras: None,
            settings,
            library: Library::default(),
            attention: AttentionState::default(),
            labelling,
            actions: Vec::new(),
        };
        harness([800.0, 400.0], state, |ui, s: &mut State| {
            let current = Current::new(&s.library, None, &s.attention);
            let (camera, places) = (&mut s.settings.camera, &s.settings.places);
            let bar = menu_bar(ui, &mut s.cameras, camera, places, s.labelling, current);
            s.actions.extend(bar);
        })
    }

    #[test]
    fn edit_labels_toggles_through_the_app() {
        let mut h = bar(true, &[]);
        h.run();
        h.get_by_label("Edit labels").click();
        h.run();
        assert_eq!(h.state().actions, [Action::SetAnnotating(false)]);
        assert!(
            h.state().cameras.is_none(),
            "cameras are listed only when the menu opens"
        );
    }

    #[test]
    fn a_recent_place_opens_again() {
        let mut h = bar(false, &["/data/b", "/data/a"]);
        h.run();
        h.get_by_label("File").click();
        h.run();
        h.get_by_label("Recent").hover();
        h.run();
        h.get_by_label("/data/a").click();
        h.run();
        assert_eq!(h.state().actions, [Action::OpenPath("/data/a".into())]);
    }
}
