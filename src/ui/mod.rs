//! The desktop app: open images and folders, see detections, explore attention per scale.
//!
//! `app.rs` is the composition root. It owns the parts of the state, each a struct in its
//! own file, and hands each panel only the parts it changes (`&mut`) and reads (`&`):
//!
//! ```text
//! AssdApp ─┬─ settings   detection · heatmap · camera · places (persisted, flat on disk)
//!          ├─ session    model (worker, head, weights) · library (files, cached passes)
//!          │             · live (stream, figures) · attention (rows, pending pixel, scale)
//!          │             · dataset (the folder's analysis: progress, last result)
//!          ├─ view (zoom, pan) · focus (hovered / selected detection) · filter (classes)
//!          ├─ dataset view (page shown, heatmap cell chosen) · marked (object opened)
//!          └─ editor (labels, classes) · finetune (job) · cameras · message
//!
//! each frame:  worker ──Response──► session.take_responses(&mut settings)
//!              keys, drops ──────► Action
//!              panel(ui, &mut its parts, & what it reads, Current) ──► Action
//!                menu_bar · status_bar · file_list · live_panel · attention_strip
//!                controls_panel (detections · attention · annotate · finetune)
//!                image_view, or dataset_panel on the Dataset page
//!              app.apply(Action): the one place that changes several parts
//!                └─ session.apply: what concerns the model alone ──Request──► worker
//! ```
//!
//! Panels never see `AssdApp`, and only `Session` sends the worker requests (`Model::send`
//! takes `&mut`); what a panel wants done elsewhere comes back as an `Action`, applied after
//! the frame is laid out. `Current` is the image on screen (path, forward pass, attention)
//! as every panel reads it.

mod action;
mod analysis_job;
mod annotate_panel;
mod app;
mod attention_panel;
mod attention_state;
mod attention_strip;
mod camera_menu;
mod class_filter;
pub mod colormap;
mod controls_panel;
mod current;
mod dataset_panel;
mod dataset_run;
mod dataset_view;
mod detection_focus;
mod detections_panel;
mod dialogs;
mod export_menu;
mod exports;
mod file_list;
mod finetune;
mod finetune_panel;
pub mod heatmap_gpu;
mod heatmaps;
mod image_view;
mod input;
mod label_editor;
mod label_layer;
mod layers;
mod library;
mod live;
mod live_panel;
mod menu_bar;
mod model;
mod options;
mod palette;
mod responses;
mod session;
mod settings;
mod status_bar;
#[cfg(test)]
mod test_support;
pub mod worker;
mod zoom_pan;

pub use action::Action;
pub use app::AssdApp;
pub use current::Current;
pub use dataset_view::{DatasetView, Page};
pub use exports::ExportKind;
pub use finetune::FineTune;
pub use image_view::MarkedObject;
pub use label_editor::LabelEditor;
pub use live::LiveStatus;
pub use options::AppOptions;
pub use session::Session;
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
        Box::new(move |cc| {
            let storage = cc.storage.filter(|_| !options.fresh_settings);
            options.gpu_heatmaps = heatmap_gpu::register(cc.wgpu_render_state.as_ref());
            let settings = Settings::load(storage);
            Ok(Box::new(AssdApp::with_context(
                &cc.egui_ctx,
                options,
                settings,
            )))
        }),
    )
}
