//! The Camera menu: the system's cameras, the format asked of them, virtual cameras (a folder
//! of frames at a set rate) and where snapshots go.

use std::path::Path;

use super::action::Action;
use super::dialogs::starting_in;
use super::settings::CameraSettings;
use crate::camera::{CameraEntry, CameraError, FormatRequest, SourceSpec, list_cameras};

/// The cameras the system listed; asked when the menu first opens and on "Look again".
pub type CameraList = Option<Result<Vec<CameraEntry>, CameraError>>;

/// The menu's contents; `last_folder`: where the folder dialog opens.
pub fn camera_menu(
    ui: &mut egui::Ui,
    cameras: &mut CameraList,
    settings: &mut CameraSettings,
    last_folder: Option<&Path>,
) -> Option<Action> {
    let mut action = None;
    match cameras.get_or_insert_with(list_cameras) {
        Ok(cameras) if cameras.is_empty() => {
            ui.label("No camera found.");
        }
        Ok(cameras) => {
            for camera in cameras.iter() {
                if ui
                    .button(format!("{} (#{})", camera.name, camera.index))
                    .on_hover_text(&camera.description)
                    .clicked()
                {
                    ui.close();
                    action = Some(Action::StartCamera(SourceSpec::Webcam {
                        index: camera.index,
                        name: camera.name.clone(),
                        format: settings.format,
                    }));
                }
            }
        }
        Err(e) => {
            ui.colored_label(egui::Color32::LIGHT_RED, e.to_string());
        }
    }
    if ui.button("Look for cameras again").clicked() {
        *cameras = None;
    }
    ui.menu_button("Resolution and rate", |ui| {
        for format in FormatRequest::ALL {
            ui.radio_value(&mut settings.format, format, format.label());
        }
    });
    ui.separator();
    ui.add(
        egui::Slider::new(&mut settings.virtual_fps, 0.5..=60.0)
            .logarithmic(true)
            .text("virtual camera fps"),
    );
    if ui
        .button("Play a folder of frames (virtual camera)…")
        .clicked()
    {
        ui.close();
        if let Some(folder) = starting_in(rfd::FileDialog::new(), last_folder).pick_folder() {
            action = Some(Action::StartCamera(SourceSpec::Virtual {
                folder,
                fps: settings.virtual_fps,
            }));
        }
    }
    if ui.button("Snapshot folder…").clicked() {
        ui.close();
        if let Some(folder) = rfd::FileDialog::new().pick_folder() {
            settings.snapshot_folder = Some(folder);
        }
    }
    action
}
