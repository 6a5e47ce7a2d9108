//! The left panel's list of the open folder's images (errors in red).

use super::action::Action;
use super::library::Library;
use super::status_bar::file_name;

/// The list; `live`: the live stream is shown instead of a file (clicking one leaves it).
pub fn file_list(ui: &mut egui::Ui, library: &Library, live: bool) -> Option<Action> {
    let files = library.files();
    match library.current_file() {
        Some(path) if !live => {
            ui.strong(file_name(path));
            ui.label(format!(
                "{} / {}",
                library.current().map_or(0, |i| i + 1),
                files.len()
            ));
        }
        _ if live && !files.is_empty() => {
            ui.label("Folder (click an image to leave live mode)");
        }
        _ if live => {}
        _ => {
            ui.label("Open an image or a folder (File menu, or drop it here).");
        }
    }
    ui.separator();
    let mut action = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        for (i, path) in files.iter().enumerate() {
            let mut text = egui::RichText::new(file_name(path));
            if library.error(path).is_some() {
                text = text.color(egui::Color32::LIGHT_RED);
            }
            if ui
                .selectable_label(!live && library.current() == Some(i), text)
                .clicked()
            {
                action = Some(Action::SelectImage(i));
            }
        }
    });
    action
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::ui::test_support::harness;

    #[test]
    fn the_list_shows_the_folder_marks_errors_and_a_click_selects() {
        let dir = std::env::temp_dir().join(format!("assd-file-list-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["a.png", "b.png", "c.jpg"] {
            std::fs::write(dir.join(f), b"").unwrap();
        }
        let mut library = Library::default();
        library.open(&dir).unwrap();
        library.set_current(1);
        library.fail(dir.join("c.jpg"), "broken".into());
        let state = (library, Vec::<Action>::new());
        let mut h = harness([300.0, 400.0], state, |ui, (library, actions)| {
            actions.extend(file_list(ui, library, false));
        });
        h.run();
        assert!(h.query_by_label("2 / 3").is_some());
        assert_eq!(h.get_all_by_label("b.png").count(), 2, "heading and row");
        h.get_by_label("c.jpg").click();
        h.run();
        assert_eq!(h.state().1, [Action::SelectImage(2)]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn in_live_mode_it_offers_to_leave_it() {
        let mut h = harness([300.0, 400.0], Library::default(), |ui, library| {
            file_list(ui, library, true);
        });
        h.run();
        assert!(h.query_by_label_contains("Open an image").is_none());
        let mut h = harness([300.0, 400.0], Library::default(), |ui, library| {
            file_list(ui, library, false);
        });
        h.run();
        assert!(h.query_by_label_contains("Open an image").is_some());
    }
}
