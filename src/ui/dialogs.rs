//! Native file dialogs, opened where the user last was.

use std::path::Path;

/// Image files the Open dialog offers.
pub fn image_dialog(last_folder: Option<&Path>) -> rfd::FileDialog {
    starting_in(
        rfd::FileDialog::new().add_filter("images", &crate::image_files::IMAGE_EXTENSIONS),
        last_folder,
    )
}

/// Checkpoint files the Open weights dialog offers.
pub fn weights_dialog() -> rfd::FileDialog {
    rfd::FileDialog::new().add_filter("checkpoints", &["pth", "pt", "safetensors"])
}

/// `dialog`, opening in `folder` when it still exists.
pub fn starting_in(dialog: rfd::FileDialog, folder: Option<&Path>) -> rfd::FileDialog {
    match folder {
        Some(dir) if dir.is_dir() => dialog.set_directory(dir),
        _ => dialog,
    }
}
