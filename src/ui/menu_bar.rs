//! The menu bar: File (open, export, recent), the page shown (Image or Dataset), Camera and
//! the "Edit labels" toggle.

use super::action::Action;
use super::camera_menu::{CameraList, camera_menu};
use super::current::Current;
use super::dataset_view::Page;
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
    page: &mut Page,
    current: Current<'_>,
) -> Option<Action> {
    let mut action = None;
    let last_folder = places.last_folder.as_deref();
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            file_menu(ui, places, current, &mut action);
        });
        ui.separator();
        ui.selectable_value(page, Page::Image, "Image")
            .on_hover_text("The image with its detections and attention");
        ui.selectable_value(page, Page::Dataset, "Dataset")
            .on_hover_text("Which scale attends to which objects, over the whole folder");
        ui.separator();
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
    });
    action
}

/// File: open an image, a folder or weights, export, recent places.
fn file_menu(
    ui: &mut egui::Ui,
    places: &Places,
    current: Current<'_>,
    action: &mut Option<Action>,
) {
    let last_folder = places.last_folder.as_deref();
    if ui.button("Open image…").clicked() {
        if let Some(path) = image_dialog(last_folder).pick_file() {
            *action = Some(Action::OpenPath(path));
        }
        ui.close();
    }
    if ui.button("Open folder…").clicked() {
        if let Some(path) = starting_in(rfd::FileDialog::new(), last_folder).pick_folder() {
            *action = Some(Action::OpenPath(path));
        }
        ui.close();
    }
    if ui.button("Open weights…").clicked() {
        if let Some(path) = weights_dialog().pick_file() {
            *action = Some(Action::LoadWeights(path));
        }
        ui.close();
    }
    ui.menu_button("Export", |ui| {
        *action = export_menu(ui, current).or(action.take());
    });
    ui.menu_button("Recent", |ui| {
        for path in &places.recent {
            if ui.button(path.display().to_string()).clicked() {
                *action = Some(Action::OpenPath(path.clone()));
                ui.close();
            }
        }
    });
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
        page: Page,
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
            page: Page::Image,
            actions: Vec::new(),
        };
        harness([800.0, 400.0], state, |ui, s: &mut State| {
            let current = Current::new(&s.library, None, &s.attention);
            let (camera, places) = (&mut s.settings.camera, &s.settings.places);
            let (labelling, page) = (s.labelling, &mut s.page);
            let bar = menu_bar(ui, &mut s.cameras, camera, places, labelling, page, current);
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
    fn the_dataset_page_is_chosen_in_the_bar() {
        let mut h = bar(false, &[]);
        h.run();
        h.get_by_label("Dataset").click();
        h.run();
        assert_eq!(h.state().page, Page::Dataset);
        h.get_by_label("Image").click();
        h.run();
        assert_eq!(h.state().page, Page::Image);
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
