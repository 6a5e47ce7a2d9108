//! App state, worker responses and the window layout.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{ColorImage, TextureHandle, TextureOptions};
use image::RgbImage;

use super::settings::Settings;
use super::worker::{Request, Response, Worker};
use crate::attention_query::ScaleAttention;
use crate::backend::DeviceChoice;
use crate::detect::{DetectConfig, Detection};
use crate::image_files::images_in;
use crate::inference::{DetectionHead, RawOutputs};

const SETTINGS_KEY: &str = "assd-settings";
/// Images whose forward pass stays cached (going back to them is instant).
const CACHED_IMAGES: usize = 48;

/// How the app starts.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// An image or a folder to open.
    pub path: Option<PathBuf>,
    /// Weights to load (default: the first of the default locations that exists).
    pub weights: Option<PathBuf>,
    pub device: DeviceChoice,
    /// Ignore persisted settings (tests).
    pub fresh_settings: bool,
    /// A camera to start streaming from.
    pub camera: Option<crate::camera::SourceSpec>,
    /// The device already chosen for the model (the window shares its GPU); else chosen from
    /// `device` when weights load.
    pub selected_device: Option<crate::backend::SelectedDevice>,
}

/// One image's forward pass and what is derived from it.
pub(super) struct Entry {
    pub image: Arc<RgbImage>,
    pub raw: Arc<RawOutputs>,
    pub texture: Option<TextureHandle>,
    pub inference_time: Duration,
    /// Detections for `filtered_with`.
    pub detections: Vec<Detection>,
    pub filtered_with: Option<DetectConfig>,
}

/// One scale's heatmap as the renderer draws it.
pub(super) enum Heat {
    /// Colour-mapped on the CPU, upsampled by texture sampling (no wgpu renderer).
    Texture(TextureHandle),
    /// Values for the WGSL heatmap shader.
    Gpu(super::heatmap_gpu::HeatValues),
}

impl Entry {
    /// A fresh forward pass, not yet filtered.
    pub(super) fn new(
        image: Arc<RgbImage>,
        raw: Arc<RawOutputs>,
        texture: TextureHandle,
        inference_time: Duration,
    ) -> Self {
        Self {
            image,
            raw,
            texture: Some(texture),
            inference_time,
            detections: Vec::new(),
            filtered_with: None,
        }
    }
}

/// The attention read back for one pixel, with its heatmaps.
pub(super) struct AttentionView {
    pub path: PathBuf,
    pub pixel: [f32; 2],
    pub scales: Vec<ScaleAttention>,
    pub heat: Vec<Heat>,
    /// Settings the heatmaps were made with.
    pub made_with: Option<(
        super::colormap::Colormap,
        bool,
        bool,
        super::AttentionMode,
        f32,
    )>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum WeightsState {
    Missing,
    Loading(PathBuf),
    Loaded { path: PathBuf, device: String },
    Failed { path: PathBuf, error: String },
}

/// 1–9 select the scale shown large.
const SCALE_KEYS: [egui::Key; 9] = [
    egui::Key::Num1,
    egui::Key::Num2,
    egui::Key::Num3,
    egui::Key::Num4,
    egui::Key::Num5,
    egui::Key::Num6,
    egui::Key::Num7,
    egui::Key::Num8,
    egui::Key::Num9,
];

pub struct AssdApp {
    pub(super) worker: Worker,
    pub settings: Settings,
    pub(super) head: Option<Arc<DetectionHead>>,
    pub(super) weights: WeightsState,
    pub(super) notice: Option<String>,
    pub(super) files: Vec<PathBuf>,
    pub(super) current: Option<usize>,
    pub(super) entries: HashMap<PathBuf, Entry>,
    pub(super) errors: HashMap<PathBuf, String>,
    /// Image whose forward pass is running.
    pub(super) running: Option<PathBuf>,
    pub(super) attention: Option<AttentionView>,
    /// Pixel whose attention was asked for and has not arrived yet.
    pub(super) attention_pending: Option<[f32; 2]>,
    pub(super) selected_scale: usize,
    /// Classes hidden by the class filter.
    pub(super) hidden_classes: BTreeMap<usize, bool>,
    pub(super) hovered_detection: Option<usize>,
    /// Detection under the pointer in the image (highlighted in the table).
    pub(super) image_hovered_detection: Option<usize>,
    pub(super) selected_detection: Option<usize>,
    pub(super) last_filter_time: Duration,
    pub(super) last_attention_time: Duration,
    /// Outcome of the last export, shown in the status bar.
    pub(super) message: Option<String>,
    /// Image view zoom relative to fit-to-window, and pan in points.
    pub(super) view_zoom: f32,
    pub(super) view_offset: egui::Vec2,
    /// Where the image was drawn in the last frame.
    pub(super) image_rect: Option<egui::Rect>,
    /// Heatmaps go through the WGSL shader (egui renders with wgpu).
    pub(super) gpu_heatmaps: bool,
    /// Bumped whenever heatmap values change, so the shader's textures are re-uploaded.
    pub(super) heat_generation: u64,
    /// The live stream, when one is shown.
    pub(super) live: Option<super::live_panel::Live>,
    /// Cameras the system listed (asked when the Camera menu opens).
    pub(super) cameras: Option<Result<Vec<crate::camera::CameraEntry>, crate::camera::CameraError>>,
    /// For repaints and textures from outside the frame callbacks.
    pub(super) repaint: egui::Context,
    /// The label editor (fine-tuning data).
    pub(super) annotator: super::annotate::Annotator,
    pub(super) finetune: super::finetune_panel::FineTune,
    /// Where the user asked the model to run (fine-tuning uses the same).
    pub(super) device_choice: DeviceChoice,
}

impl AssdApp {
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> Self {
        let settings = match (options.fresh_settings, cc.storage) {
            (false, Some(storage)) => eframe::get_value(storage, SETTINGS_KEY).unwrap_or_default(),
            _ => Settings::default(),
        };
        let mut app = Self::with_context(&cc.egui_ctx, options, settings);
        app.gpu_heatmaps = super::heatmap_gpu::register(cc.wgpu_render_state.as_ref());
        app
    }

    /// The app on an existing egui context (what the tests drive).
    pub fn with_context(ctx: &egui::Context, options: AppOptions, settings: Settings) -> Self {
        let repaint = ctx.clone();
        let worker = Worker::spawn(options.device, options.selected_device.clone(), move || {
            repaint.request_repaint()
        });
        let mut app = Self {
            worker,
            settings,
            head: None,
            weights: WeightsState::Missing,
            notice: None,
            files: Vec::new(),
            current: None,
            entries: HashMap::new(),
            errors: HashMap::new(),
            running: None,
            attention: None,
            attention_pending: None,
            selected_scale: 0,
            hidden_classes: BTreeMap::new(),
            hovered_detection: None,
            image_hovered_detection: None,
            selected_detection: None,
            last_filter_time: Duration::ZERO,
            last_attention_time: Duration::ZERO,
            message: None,
            view_zoom: 1.0,
            view_offset: egui::Vec2::ZERO,
            image_rect: None,
            gpu_heatmaps: false,
            heat_generation: 0,
            live: None,
            cameras: None,
            repaint: ctx.clone(),
            annotator: Default::default(),
            finetune: Default::default(),
            device_choice: options.device,
        };
        let weights = options
            .weights
            .or_else(|| {
                app.settings
                    .last_weights
                    .clone()
                    .filter(|p| p.exists() || crate::weights::is_builtin(p))
            })
            .or_else(default_weights);
        if let Some(weights) = weights {
            app.load_weights(weights);
        }
        let start = options.path.or_else(|| {
            let assets = Path::new("assets");
            assets.is_dir().then(|| assets.to_path_buf())
        });
        if let Some(path) = start {
            app.open_path(&path);
        }
        if let Some(camera) = options.camera {
            app.start_camera(camera);
        }
        app
    }

    /// Opens an image (its folder becomes the strip) or a folder: what the dialogs, drag and
    /// drop, the command line and the recent list all call.
    pub fn open_path(&mut self, path: &Path) {
        let (folder, select) = if path.is_dir() {
            (path.to_path_buf(), None)
        } else {
            let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
            (parent, Some(path.to_path_buf()))
        };
        match images_in(if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &folder
        }) {
            Ok(mut files) => {
                if let Some(p) = &select
                    && !files.contains(p)
                {
                    // A file without an image extension, opened explicitly: still try it.
                    files.insert(0, p.clone());
                }
                self.files = files;
                self.current = None;
                let index = match &select {
                    Some(p) => self.files.iter().position(|f| f == p),
                    None if self.files.is_empty() => None,
                    None => Some(0),
                };
                if let Some(i) = index {
                    self.select(i);
                }
                self.settings.last_folder = Some(folder);
                self.settings.remember(path.to_path_buf());
            }
            Err(err) => {
                self.errors
                    .insert(path.to_path_buf(), format!("cannot read folder: {err}"));
            }
        }
    }

    /// Shows image `index` of the strip (leaving live mode), asking the worker for it unless
    /// cached.
    pub fn select(&mut self, index: usize) {
        if self.live.is_some() {
            self.close_camera();
        }
        // Leaving an image saves its labels (labelImg's auto-save).
        if let Some(path) = self.current_path().cloned()
            && let Err(e) = self.save_annotations(&path)
        {
            self.message = Some(format!("could not save the labels: {e}"));
        }
        self.annotator.selected = None;
        self.annotator.drag = None;
        self.show_file(index);
    }

    /// After a worker answer: asks for the current file again if it still needs running.
    fn refresh_current(&mut self) {
        if self.live.is_none()
            && let Some(i) = self.current
        {
            self.show_file(i);
        }
    }

    fn show_file(&mut self, index: usize) {
        let Some(path) = self.files.get(index).cloned() else {
            return;
        };
        if self.current != Some(index) {
            self.view_zoom = 1.0;
            self.view_offset = egui::Vec2::ZERO;
            self.attention = None;
            self.attention_pending = None;
            self.selected_detection = None;
            self.hovered_detection = None;
        }
        self.current = Some(index);
        let known = self.entries.contains_key(&path) || self.errors.contains_key(&path);
        // Without weights the worker still decodes the image (to see and label it).
        if !known && self.running.as_ref() != Some(&path) {
            self.running = Some(path.clone());
            self.worker.send(Request::Infer(path));
        }
    }

    pub fn load_weights(&mut self, path: PathBuf) {
        self.weights = WeightsState::Loading(path.clone());
        self.worker.send(Request::LoadWeights(path));
    }

    /// The image shown: the live stream's newest frame in live mode, else the selected file.
    pub fn current_path(&self) -> Option<&PathBuf> {
        if let Some(live) = &self.live {
            return Some(&live.key);
        }
        self.current.and_then(|i| self.files.get(i))
    }

    /// The cached forward pass of the current image, once it has run.
    pub(super) fn current_entry(&self) -> Option<&Entry> {
        self.current_path().and_then(|p| self.entries.get(p))
    }

    /// Nothing is loading or running.
    pub fn is_idle(&self) -> bool {
        !matches!(self.weights, WeightsState::Loading(_))
            && self.running.is_none()
            && self.attention_pending.is_none()
    }

    /// Detections of the current image under the current settings (class filter applied).
    pub fn visible_detections(&self) -> Vec<&Detection> {
        let Some(entry) = self.current_entry() else {
            return Vec::new();
        };
        entry
            .detections
            .iter()
            .filter(|d| {
                !self
                    .hidden_classes
                    .get(&d.class_id)
                    .copied()
                    .unwrap_or(false)
            })
            .collect()
    }

    /// The attention currently shown (for the current image), if any.
    pub fn attention_scales(&self) -> Option<&[ScaleAttention]> {
        let view = self.attention.as_ref()?;
        (Some(&view.path) == self.current_path()).then_some(view.scales.as_slice())
    }

    /// Last measured (inference, threshold re-filter, attention read-back) times, as the status
    /// bar shows them.
    pub fn timings(&self) -> (Option<Duration>, Duration, Duration) {
        let inference = self.current_entry().map(|e| e.inference_time);
        (inference, self.last_filter_time, self.last_attention_time)
    }

    /// Where the current image was drawn in the last frame (screen points).
    pub fn image_rect(&self) -> Option<egui::Rect> {
        self.image_rect
    }

    /// The image pixel whose attention is shown, if any.
    pub fn attention_pixel(&self) -> Option<[f32; 2]> {
        self.attention_scales()?;
        self.attention.as_ref().map(|v| v.pixel)
    }

    /// Asks for the attention of the query cells containing image pixel `pixel`.
    pub fn query_attention(&mut self, pixel: [f32; 2]) {
        let Some(path) = self.current_path().cloned() else {
            return;
        };
        if !self.entries.contains_key(&path) || self.attention_pending == Some(pixel) {
            return;
        }
        self.attention_pending = Some(pixel);
        self.worker.send(Request::Attention { path, pixel });
    }

    fn handle_responses(&mut self, ctx: &egui::Context) {
        while let Ok(response) = self.worker.responses.try_recv() {
            match response {
                Response::WeightsLoaded {
                    path,
                    head,
                    device,
                    notice,
                } => {
                    // The worker answers in order, so everything after this used the new weights.
                    // Other weights bring their own NMS and top-k (they differ per family); the
                    // same weights as last time keep the user's, and the display threshold
                    // always stays the user's.
                    if self.settings.last_weights.as_ref() != Some(&path) {
                        self.settings.nms_thresh = head.config.detect.nms_thresh;
                        self.settings.top_k = head.config.detect.top_k;
                    }
                    self.head = Some(head);
                    self.running = None;
                    self.entries.clear();
                    self.errors.clear();
                    self.attention = None;
                    self.settings.last_weights = Some(path.clone());
                    self.weights = WeightsState::Loaded { path, device };
                    self.notice = notice;
                    self.refresh_current();
                }
                Response::WeightsFailed { path, error } => {
                    self.weights = WeightsState::Failed { path, error };
                }
                Response::Inferred {
                    path,
                    image,
                    raw,
                    elapsed,
                } => {
                    if self.running.as_ref() == Some(&path) {
                        self.running = None;
                    }
                    let size = [image.width() as usize, image.height() as usize];
                    let texture = ctx.load_texture(
                        path.display().to_string(),
                        ColorImage::from_rgb(size, image.as_raw()),
                        TextureOptions::LINEAR,
                    );
                    self.evict_entries();
                    self.entries
                        .insert(path, Entry::new(image, raw, texture, elapsed));
                    // A newer image may have been selected while this one ran.
                    self.refresh_current();
                }
                Response::Failed { path, error } => {
                    if self.running.as_ref() == Some(&path) {
                        self.running = None;
                    }
                    // An attention request re-runs the network when its maps were dropped;
                    // if that fails, nothing else will answer it.
                    if self.current_path() == Some(&path) {
                        self.attention_pending = None;
                    }
                    self.errors.insert(path, error);
                    self.refresh_current();
                }
                Response::FrameInferred {
                    key,
                    frame_id,
                    captured_at,
                    image,
                    raw,
                    elapsed,
                    attention,
                } => self.take_frame(key, frame_id, captured_at, image, raw, elapsed, attention),
                Response::Attention {
                    path,
                    pixel,
                    scales,
                    elapsed,
                } => {
                    if self.attention_pending == Some(pixel) {
                        self.attention_pending = None;
                    }
                    self.last_attention_time = elapsed;
                    self.attention = Some(AttentionView {
                        path,
                        pixel,
                        scales,
                        heat: Vec::new(),
                        made_with: None,
                    });
                }
            }
        }
    }

    /// Keeps the per-image cache bounded (each entry holds the image, its texture and
    /// ~2.6 MB of raw ASSD513 outputs): drops the entries farthest from the current image.
    fn evict_entries(&mut self) {
        while self.entries.len() >= CACHED_IMAGES {
            let current = self.current.unwrap_or(0);
            let farthest = self
                .entries
                .keys()
                .filter(|p| p.as_os_str() != super::worker::LIVE_KEY)
                .max_by_key(|p| {
                    self.files
                        .iter()
                        .position(|f| f == *p)
                        .map_or(usize::MAX, |i| i.abs_diff(current))
                })
                .cloned();
            match farthest {
                Some(path) => {
                    self.entries.remove(&path);
                }
                None => break,
            }
        }
    }

    /// Re-runs decode + NMS from the cached raw outputs when the thresholds changed.
    fn refilter(&mut self) {
        let (Some(head), Some(path)) = (self.head.clone(), self.current_path().cloned()) else {
            return;
        };
        let config = self.settings.detect_config();
        if let Some(entry) = self.entries.get_mut(&path)
            && entry.filtered_with != Some(config)
        {
            let start = Instant::now();
            entry.detections = head.detections(&entry.raw, &config);
            entry.filtered_with = Some(config);
            self.last_filter_time = start.elapsed();
            self.selected_detection = None;
            self.hovered_detection = None;
        }
    }

    fn handle_input(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if let Some(path) = dropped.first() {
            if path
                .extension()
                .is_some_and(|e| e == "pth" || e == "pt" || e == "safetensors")
            {
                self.load_weights(path.clone());
            } else {
                self.open_path(path);
            }
        }
        // Only typing into a text field takes the keys (a focused button or checkbox does not).
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        self.annotation_keys(ctx);
        let (next, prev, digit) = ctx.input(|i| {
            (
                i.key_pressed(egui::Key::ArrowRight) || i.key_pressed(egui::Key::D),
                i.key_pressed(egui::Key::ArrowLeft) || i.key_pressed(egui::Key::A),
                SCALE_KEYS.iter().position(|k| i.key_pressed(*k)),
            )
        });
        let scales = self.head.as_ref().map_or(0, |h| h.feature_sizes.len());
        if let Some(k) = digit.filter(|&k| k < scales) {
            self.selected_scale = k;
        }
        if let Some(i) = self.current.filter(|_| self.live.is_none()) {
            if next && i + 1 < self.files.len() {
                self.select(i + 1);
            } else if prev && i > 0 {
                self.select(i - 1);
            }
        }
    }

    /// The whole window.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.handle_responses(&ctx);
        self.poll_camera();
        self.poll_finetune();
        self.handle_input(&ctx);
        self.refilter();
        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        egui::Panel::bottom("scales")
            .resizable(true)
            .default_size(190.0)
            .show(ui, |ui| {
                self.attention_strip(ui);
            });
        egui::Panel::left("files")
            .resizable(true)
            .default_size(200.0)
            .show(ui, |ui| {
                self.live_panel(ui);
                self.file_list(ui);
            });
        egui::Panel::right("controls")
            .resizable(true)
            .default_size(330.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    self.detection_controls(ui);
                    ui.separator();
                    self.attention_controls(ui);
                    ui.separator();
                    self.annotation_controls(ui);
                    if self.annotator.enabled {
                        ui.separator();
                        self.finetune_controls(ui);
                    }
                });
            });
        egui::CentralPanel::default().show(ui, |ui| self.image_view(ui));
        if !self.is_idle() {
            // Keep polling the worker while something runs (its wake-up also repaints).
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("Camera", |ui| self.camera_menu(ui));
            let mut labelling = self.annotator.enabled;
            if ui
                .toggle_value(&mut labelling, "Edit labels")
                .on_hover_text(
                    "Draw and edit boxes for fine-tuning (W new box, Del delete, Ctrl+S save)",
                )
                .changed()
            {
                self.set_annotating(labelling);
            }
            ui.menu_button("File", |ui| {
                if ui.button("Open image…").clicked() {
                    let dialog = rfd::FileDialog::new()
                        .add_filter("images", &crate::image_files::IMAGE_EXTENSIONS);
                    if let Some(path) = self.dialog_start(dialog).pick_file() {
                        self.open_path(&path);
                    }
                    ui.close();
                }
                if ui.button("Open folder…").clicked() {
                    if let Some(path) = self.dialog_start(rfd::FileDialog::new()).pick_folder() {
                        self.open_path(&path);
                    }
                    ui.close();
                }
                if ui.button("Open weights…").clicked() {
                    let dialog = rfd::FileDialog::new()
                        .add_filter("checkpoints", &["pth", "pt", "safetensors"]);
                    if let Some(path) = dialog.pick_file() {
                        self.load_weights(path);
                    }
                    ui.close();
                }
                ui.menu_button("Export", |ui| self.export_menu(ui));
                ui.menu_button("Recent", |ui| {
                    for path in self.settings.recent.clone() {
                        if ui.button(path.display().to_string()).clicked() {
                            self.open_path(&path);
                            ui.close();
                        }
                    }
                });
            });
        });
    }

    pub(super) fn dialog_start(&self, dialog: rfd::FileDialog) -> rfd::FileDialog {
        match &self.settings.last_folder {
            Some(dir) if dir.is_dir() => dialog.set_directory(dir),
            _ => dialog,
        }
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            match &self.weights {
                WeightsState::Missing => {
                    ui.colored_label(
                        egui::Color32::YELLOW,
                        "No weights found (weights/assd513.safetensors or .pth).",
                    );
                    if ui.button("Open weights…").clicked()
                        && let Some(path) = rfd::FileDialog::new()
                            .add_filter("checkpoints", &["pth", "pt", "safetensors"])
                            .pick_file()
                    {
                        self.load_weights(path);
                    }
                }
                WeightsState::Loading(path) => {
                    ui.spinner();
                    ui.label(format!("loading {}", path.display()));
                }
                WeightsState::Loaded { path, device } => {
                    let name = self.head.as_ref().map_or("", |h| h.config.name.as_str());
                    let heatmaps = if self.gpu_heatmaps {
                        "Heatmaps: WGSL shader (upsampling and colour mapping on the GPU)"
                    } else {
                        "Heatmaps: colour-mapped on the CPU"
                    };
                    ui.label(format!("{name} · {device} · {}", file_name(path)))
                        .on_hover_text(heatmaps);
                }
                WeightsState::Failed { path, error } => {
                    ui.colored_label(
                        egui::Color32::LIGHT_RED,
                        format!("{}: {error}", path.display()),
                    );
                }
            }
            if let Some(notice) = &self.notice {
                ui.colored_label(egui::Color32::YELLOW, format!("No GPU: {notice}"));
            }
            if let Some(message) = &self.message {
                ui.label(message);
            }
            if self.view_zoom != 1.0 || self.view_offset != egui::Vec2::ZERO {
                ui.label(format!("zoom {:.0} %", self.view_zoom * 100.0));
                if ui.button("Fit").clicked() {
                    self.view_zoom = 1.0;
                    self.view_offset = egui::Vec2::ZERO;
                }
            }
            if self.running.is_some() {
                ui.spinner();
                ui.label("running the network…");
            }
            if let Some(entry) = self.current_entry() {
                ui.label(format!(
                    "inference {:.0} ms · filter {:.1} ms · attention {:.1} ms",
                    entry.inference_time.as_secs_f64() * 1e3,
                    self.last_filter_time.as_secs_f64() * 1e3,
                    self.last_attention_time.as_secs_f64() * 1e3
                ));
            }
        });
    }

    fn file_list(&mut self, ui: &mut egui::Ui) {
        let live = self.live.is_some();
        match self.current.and_then(|i| self.files.get(i)) {
            Some(path) if !live => {
                ui.strong(file_name(path));
                ui.label(format!(
                    "{} / {}",
                    self.current.map_or(0, |i| i + 1),
                    self.files.len()
                ));
            }
            _ if live && !self.files.is_empty() => {
                ui.label("Folder (click an image to leave live mode)");
            }
            _ if live => {}
            _ => {
                ui.label("Open an image or a folder (File menu, or drop it here).");
            }
        }
        ui.separator();
        let mut clicked = None;
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (i, path) in self.files.iter().enumerate() {
                let mut text = egui::RichText::new(file_name(path));
                if self.errors.contains_key(path) {
                    text = text.color(egui::Color32::LIGHT_RED);
                }
                if ui
                    .selectable_label(!live && self.current == Some(i), text)
                    .clicked()
                {
                    clicked = Some(i);
                }
            }
        });
        if let Some(i) = clicked {
            self.select(i);
        }
    }
}

impl eframe::App for AssdApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
        // Also runs on exit: unsaved labels are written, never dropped.
        if let Err(e) = self.save_all_annotations() {
            eprintln!("error: could not save labels: {e}");
        }
    }
}

pub(super) fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn default_weights() -> Option<PathBuf> {
    Some(PathBuf::from(crate::weights::DEFAULT_WEIGHTS))
}
