//! The desktop app: open images and folders, see detections, explore attention per scale.

mod annotate;
mod app;
mod attention_panel;
pub mod colormap;
mod detections_panel;
mod export_menu;
mod finetune_panel;
pub mod heatmap_gpu;
mod image_view;
mod live_panel;
mod settings;
pub mod worker;

pub use app::{AppOptions, AssdApp};
pub use export_menu::ExportKind;
pub use live_panel::LiveStatus;
pub use settings::{AttentionMode, Settings};

/// Opens the window and runs until it is closed. On a GPU, the model's wgpu device is the
/// one the window draws with (one context: the heatmap shader and the model share it).
pub fn run(mut options: AppOptions) -> eframe::Result {
    let mut wgpu_options = eframe::egui_wgpu::WgpuConfiguration::default();
    if options.selected_device.is_none() {
        let (selected, shared) = match crate::backend::select_device_shared(options.device) {
            Ok(chosen) => chosen,
            // `--device gpu` without one: say so in the window and run on the CPU.
            Err(e) => (
                crate::backend::SelectedDevice {
                    fallback_notice: Some(e.to_string()),
                    ..crate::backend::cpu()
                },
                None,
            ),
        };
        if let Some(gpu) = shared {
            wgpu_options.wgpu_setup =
                eframe::egui_wgpu::WgpuSetup::Existing(eframe::egui_wgpu::WgpuSetupExisting {
                    instance: gpu.instance,
                    adapter: gpu.adapter,
                    device: gpu.device,
                    queue: gpu.queue,
                });
        }
        options.selected_device = Some(selected);
    }
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("assd: ASSD detections and attention")
            .with_inner_size([1400.0, 900.0])
            .with_drag_and_drop(true),
        wgpu_options,
        ..Default::default()
    };
    eframe::run_native(
        "assd",
        native,
        Box::new(move |cc| Ok(Box::new(AssdApp::new(cc, options)))),
    )
}
