//! The desktop app: open images and folders, see detections, explore attention per scale.

mod app;
mod attention_panel;
pub mod colormap;
mod detections_panel;
mod export_menu;
pub mod heatmap_gpu;
mod image_view;
mod settings;
pub mod worker;

pub use app::{AppOptions, AssdApp};
pub use export_menu::ExportKind;
pub use settings::{AttentionMode, Settings};

/// Opens the window and runs until it is closed.
pub fn run(options: AppOptions) -> eframe::Result {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("assd: ASSD detections and attention")
            .with_inner_size([1400.0, 900.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "assd",
        native,
        Box::new(move |cc| Ok(Box::new(AssdApp::new(cc, options)))),
    )
}
