//! The Annotate section: editing on or off, the classes of new boxes, the selected box's
//! class, and saving the current image's labels.

use std::path::Path;

use egui::Color32;

use super::action::Action;
use super::label_editor::LabelEditor;
use super::palette::color32;

/// The Annotate section for the image at `image` (none open: no labels to show).
pub fn annotate_panel(
    ui: &mut egui::Ui,
    editor: &mut LabelEditor,
    image: Option<&Path>,
) -> Option<Action> {
    ui.heading("Annotate");
    let mut on = editor.enabled;
    if ui
        .checkbox(&mut on, "Edit labels (W new box, Del delete, Ctrl+S save)")
        .changed()
    {
        // Turning it on needs the model's classes: the app decides.
        return Some(Action::SetAnnotating(on));
    }
    if !editor.enabled {
        return None;
    }
    if editor.armed {
        ui.label("Drag on the image to draw the new box.");
    }
    ui.label("Class of new boxes:");
    for (i, name) in editor.classes.iter().enumerate() {
        let text = egui::RichText::new(name).color(color32(i + 1));
        ui.radio_value(&mut editor.current_class, i, text);
    }
    ui.horizontal(|ui| {
        ui.add(egui::TextEdit::singleline(&mut editor.new_class).hint_text("new class name"));
        let name = editor.new_class.trim().to_string();
        if ui
            .add_enabled(!name.is_empty(), egui::Button::new("Add class"))
            .clicked()
        {
            editor.current_class = editor.class_index(&name);
            editor.new_class.clear();
        }
    });
    let mut action = None;
    if let Some(image) = image {
        selected_box_class(ui, editor, image);
        let count = editor.labels.get(image).map_or(0, |l| l.objects.len());
        let dirty = editor.is_dirty(image);
        ui.label(format!(
            "{count} labels{}",
            if dirty { " (unsaved)" } else { "" }
        ));
        if ui.add_enabled(dirty, egui::Button::new("Save")).clicked() {
            action = Some(Action::Report(editor.save_reporting(image)));
        }
    }
    if let Some(e) = &editor.last_error {
        ui.colored_label(Color32::LIGHT_RED, e);
    }
    action
}

/// A combo box changing the selected box's class.
fn selected_box_class(ui: &mut egui::Ui, editor: &mut LabelEditor, image: &Path) {
    let classes = &editor.classes;
    let Some(labels) = editor.labels.get_mut(image) else {
        return;
    };
    let Some(o) = editor.selected.and_then(|i| labels.objects.get_mut(i)) else {
        return;
    };
    let before = o.class;
    egui::ComboBox::from_label("Selected box")
        .selected_text(classes.get(o.class).map_or("?", String::as_str))
        .show_ui(ui, |ui| {
            for (i, name) in classes.iter().enumerate() {
                ui.selectable_value(&mut o.class, i, name);
            }
        });
    if o.class != before {
        labels.dirty = true;
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::ui::test_support::{detection, harness};

    fn panel(editor: LabelEditor) -> egui_kittest::Harness<'static, (LabelEditor, Vec<Action>)> {
        harness(
            [350.0, 500.0],
            (editor, Vec::new()),
            |ui, (editor, actions)| {
                actions.extend(annotate_panel(ui, editor, Some(Path::new("/tmp/a.jpg"))));
            },
        )
    }

    #[test]
    fn switching_editing_on_is_asked_of_the_app() {
        let mut h = panel(LabelEditor::default());
        h.run();
        assert!(h.query_by_label("Class of new boxes:").is_none());
        h.get_by_label("Edit labels (W new box, Del delete, Ctrl+S save)")
            .click();
        h.run();
        assert_eq!(h.state().1, [Action::SetAnnotating(true)]);
        assert!(
            !h.state().0.enabled,
            "the app decides the classes it starts with"
        );
    }

    #[test]
    fn classes_are_added_and_picked_and_unsaved_labels_counted() {
        let mut editor = LabelEditor::default();
        editor.set_enabled(true, None);
        editor.accept(
            Path::new("/tmp/a.jpg"),
            [100, 100],
            &detection(1, "cat", [1.0, 1.0, 9.0, 9.0], 0),
        );
        let mut h = panel(editor);
        h.run();
        assert!(h.query_by_label("1 labels (unsaved)").is_some());
        h.get_by_role(egui::accesskit::Role::TextInput).focus();
        h.run();
        h.get_by_role(egui::accesskit::Role::TextInput)
            .type_text("wheel");
        h.run();
        assert_eq!(h.state().0.new_class, "wheel");
        h.get_by_label("Add class").click();
        h.run();
        let editor = &h.state().0;
        assert_eq!(editor.classes, ["object", "cat", "wheel"]);
        assert_eq!(editor.current_class, 2);
        assert!(editor.new_class.is_empty());
        h.get_by_label("object").click();
        h.run();
        assert_eq!(h.state().0.current_class, 0);
        assert!(h.state().1.is_empty());
    }
}
