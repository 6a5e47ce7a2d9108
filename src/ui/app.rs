//! The composition root: owns the parts of the app's state, lays out the panels with the parts
//! each one needs, applies the actions they return, and talks to the worker (via the session).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::action::Action;
use super::attention_strip::attention_strip;
use super::camera_menu::CameraList;
use super::class_filter::ClassFilter;
use super::controls_panel::{Controls, controls_panel};
use super::dataset_panel::{Folder, dataset_panel};
use super::dataset_view::{DatasetView, Page};
use super::detection_focus::DetectionFocus;
use super::exports::{ExportKind, Shown, export_to, snapshot};
use super::file_list::file_list;
use super::finetune::{FineTune, Start};
use super::image_view::{MarkedObject, Overlay, Picture, image_view};
use super::input::{dropped_file, navigation_keys};
use super::label_editor::LabelEditor;
use super::live::Live;
use super::live_panel::live_panel;
use super::menu_bar::menu_bar;
use super::model::Model;
use super::options::AppOptions;
use super::session::Session;
use super::settings::Settings;
use super::status_bar::{Status, status_bar};
use super::zoom_pan::ZoomPan;
use crate::detect::Detection;

pub struct AssdApp {
    pub settings: Settings,
    session: Session,
    view: ZoomPan,
    focus: DetectionFocus,
    filter: ClassFilter,
    cameras: CameraList,
    editor: LabelEditor,
    finetune: FineTune,
    /// The Dataset page's view of the analysis, and which page is shown.
    dataset: DatasetView,
    /// The object the Dataset page opened, marked on its image.
    marked: Option<MarkedObject>,
    /// Outcome of the last action, shown in the status bar.
    message: Option<String>,
    /// For repaints and textures from outside the frame callbacks.
    repaint: egui::Context,
}

impl AssdApp {
    /// The app on an existing egui context (what the tests drive).
    pub fn with_context(ctx: &egui::Context, options: AppOptions, settings: Settings) -> Self {
        let repaint = ctx.clone();
        let wake = move || repaint.request_repaint();
        let model = Model::spawn(options.device, options.selected_device.clone(), wake);
        let weights = options.weights_to_load(&settings.places);
        let mut app = Self {
            session: Session::new(model, weights, options.gpu_heatmaps),
            settings,
            view: ZoomPan::default(),
            focus: DetectionFocus::default(),
            filter: ClassFilter::default(),
            cameras: None,
            editor: LabelEditor::default(),
            finetune: FineTune::default(),
            dataset: DatasetView::default(),
            marked: None,
            message: None,
            repaint: ctx.clone(),
        };
        if let Some(path) = options.path_to_open() {
            app.apply(Action::OpenPath(path));
        }
        if let Some(camera) = options.camera {
            app.apply(Action::StartCamera(camera));
        }
        app
    }

    /// Does what a panel asked for (tests drive the app through the same door).
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::OpenPath(path) => match self.session.library.open(&path) {
                Ok((folder, index)) => {
                    index.into_iter().for_each(|i| self.select(i));
                    self.settings.places.last_folder = Some(folder);
                    self.settings.places.remember(path);
                }
                Err(e) => self.message = Some(e),
            },
            Action::SelectImage(index) => self.select(index),
            Action::SelectDetection(index) => {
                if let Some(d) = self.visible_detections().get(index).map(|d| (*d).clone()) {
                    self.focus.selected = Some(index);
                    self.session.look_at(&d);
                }
            }
            Action::AcceptDetection(index) => {
                let current = self.session.current();
                self.editor.accept_visible(current, &self.filter, index);
            }
            Action::SetAnnotating(on) => self.editor.set_enabled(on, self.session.head()),
            Action::Export(kind, path) => {
                let written = self.export_to(kind, &path).map(|()| path);
                self.message = Some(saved(written, "could not save"));
            }
            Action::StartCamera(spec) => {
                self.focus = DetectionFocus::default();
                self.view.fit();
                self.session.start_camera(spec, self.repaint.clone());
            }
            Action::Snapshot => self.message = Some(saved(self.snapshot(), "snapshot failed")),
            Action::StartFinetune => {
                let start = Start::prepare(&self.session, &mut self.editor);
                if let Err(e) = start.and_then(|s| self.finetune.start(s, self.repaint.clone())) {
                    self.message = Some(format!("cannot fine-tune: {e}"));
                }
            }
            Action::OpenObject {
                image,
                bbox,
                scale,
                label,
            } => self.open_object(image, bbox, scale, label),
            Action::Report(message) => self.message = Some(message),
            session_only => self.session.apply(session_only),
        }
    }

    /// Shows image `index` of the list (leaving live mode); leaving an image saves its labels
    /// (labelImg's auto-save).
    fn select(&mut self, index: usize) {
        self.session.leave_live();
        let path = self.session.current().path.map(Path::to_path_buf);
        if let Err(e) = self.editor.leave(path.as_deref()) {
            self.message = Some(format!("could not save the labels: {e}"));
        }
        if self.session.show_file(index) {
            self.view.fit();
            self.focus = DetectionFocus::default();
        }
    }

    /// Shows `image` (in the list, else opening its folder) with `bbox` marked, `scale` large
    /// and the attention of the box's centre.
    fn open_object(&mut self, image: PathBuf, bbox: [f32; 4], scale: usize, label: String) {
        match self
            .session
            .library
            .files()
            .iter()
            .position(|f| *f == image)
        {
            Some(index) => self.select(index),
            None => self.apply(Action::OpenPath(image.clone())),
        }
        if self.session.current().path != Some(image.as_path()) {
            return; // it could not be opened: the status bar says why
        }
        self.dataset.page = Page::Image;
        let [x1, y1, x2, y2] = bbox;
        let centre = [(x1 + x2) / 2.0, (y1 + y2) / 2.0];
        self.marked = Some(MarkedObject {
            image: image.clone(),
            bbox,
            label,
        });
        self.session.look_at_pixel(image, centre, scale);
    }

    /// The Dataset page's view (page shown, cell chosen).
    pub fn dataset_view(&self) -> &DatasetView {
        &self.dataset
    }

    /// The object the Dataset page opened.
    pub fn marked(&self) -> Option<&MarkedObject> {
        self.marked.as_ref()
    }

    /// The model, the images and live stream it runs on, and the attention asked of it.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Detections of the current image under the current settings (class filter applied).
    pub fn visible_detections(&self) -> Vec<&Detection> {
        self.session.current().detections(&self.filter)
    }

    /// The shown image with what is drawn over it (what exports and snapshots write).
    fn shown(&self) -> Result<Shown<'_>, String> {
        Shown::of(self.session.current(), &self.filter, &self.settings.heatmap)
    }

    /// Writes `kind` for the current image to `path` (atomically).
    pub fn export_to(&self, kind: ExportKind, path: &Path) -> Result<(), String> {
        export_to(kind, path, &self.shown()?)
    }

    /// Saves the shown frame, its annotated copy and its detections; returns the frame's path.
    pub fn snapshot(&self) -> Result<PathBuf, String> {
        let folder = self.settings.camera.snapshot_folder.as_deref();
        snapshot(folder, self.session.live.as_ref(), &self.shown()?)
    }

    /// Where the current image was drawn in the last frame (screen points).
    pub fn image_rect(&self) -> Option<egui::Rect> {
        self.view.image_rect
    }

    /// The label editor (its labels, classes, and whether it is on).
    pub fn editor(&self) -> &LabelEditor {
        &self.editor
    }

    /// The fine-tuning job, and the next run's steps and learning rate (the panel's sliders).
    pub fn finetune_mut(&mut self) -> &mut FineTune {
        &mut self.finetune
    }

    /// The whole window: takes in the worker's answers and the input, lays out the panels
    /// with the parts each one needs, then applies what they asked for.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let mut actions = self.take_input(&ctx);
        let heatmap_before = self.settings.heatmap;
        let session = &self.session;
        let current = session.current();
        let (path, entry, view) = (current.path, current.entry, current.attention);
        let head = session.model.head.as_deref();
        let scale = session.attention.selected_scale;
        egui::Panel::top("menu").show(ui, |ui| {
            let (camera, places) = (&mut self.settings.camera, &self.settings.places);
            let labelling = self.editor.enabled;
            let page = &mut self.dataset.page;
            let menu = menu_bar(
                ui,
                &mut self.cameras,
                camera,
                places,
                labelling,
                page,
                current,
            );
            actions.extend(menu);
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            let status = Status::of(session, current, self.message.as_deref());
            actions.extend(status_bar(ui, status, &mut self.view));
        });
        resizable(egui::Panel::bottom("scales"), 190.0).show(ui, |ui| {
            if let (Some(head), Some(entry)) = (head, entry) {
                let heatmap = &self.settings.heatmap;
                actions.extend(attention_strip(ui, head, entry, view, heatmap, scale));
            }
        });
        resizable(egui::Panel::left("files"), 200.0).show(ui, |ui| {
            if let Some(live) = &session.live {
                actions.extend(live_panel(ui, live, entry.is_some()));
            }
            actions.extend(file_list(ui, &session.library, session.live.is_some()));
        });
        resizable(egui::Panel::right("controls"), 330.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                let controls = Controls {
                    detection: &mut self.settings.detection,
                    heatmap: &mut self.settings.heatmap,
                    filter: &mut self.filter,
                    focus: &mut self.focus,
                    editor: &mut self.editor,
                    finetune: &mut self.finetune,
                    current,
                    selected_scale: scale,
                };
                actions.extend(controls_panel(ui, controls));
            });
        });
        egui::CentralPanel::default().show(ui, |ui| {
            if self.dataset.page == Page::Dataset {
                let folder = Folder {
                    path: session.library.folder(),
                    images: session.library.files().len(),
                    model_loaded: head.is_some(),
                };
                let run = &session.dataset;
                actions.extend(dataset_panel(ui, &mut self.dataset, run, folder));
                return;
            }
            let detections = current.detections(&self.filter);
            let overlay = Overlay {
                attention: view,
                selected_scale: scale,
                heatmap: &self.settings.heatmap,
                show_boxes: self.settings.detection.show_boxes,
                detections: &detections,
                marked: self.marked.as_ref(),
            };
            let picture = Picture::new(path, &session.library, head.is_some());
            let editor = self.editor.enabled.then_some(&mut self.editor);
            let (view, focus) = (&mut self.view, &mut self.focus);
            actions.extend(image_view(ui, picture, overlay, view, focus, editor));
        });
        for action in actions {
            self.apply(action);
        }
        if self.settings.heatmap != heatmap_before {
            // The heatmaps are rebuilt at the start of a frame: ask for the next one now.
            ctx.request_repaint();
        }
        if !self.session.is_idle() {
            // Keep polling the worker while something runs (its wake-up also repaints).
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    /// Before the panels: the worker's answers, the stream and the fine-tuning job, then
    /// dropped files and keys; thresholds and heatmap settings take effect here.
    fn take_input(&mut self, ctx: &egui::Context) -> Vec<Action> {
        self.session.take_responses(ctx, &mut self.settings);
        self.session.live.iter_mut().for_each(Live::poll);
        self.finetune.poll();
        let mut actions: Vec<Action> = dropped_file(ctx).into_iter().collect();
        // Only typing into a text field takes the keys (a focused button or checkbox does not).
        if !ctx.egui_wants_keyboard_input() {
            let path = self.session.current().path.map(Path::to_path_buf);
            actions.extend(self.editor.keys(ctx, path.as_deref()).map(Action::Report));
            let library = &self.session.library;
            let current = library.current().filter(|_| self.session.live.is_none());
            let scales = self.session.model.scales();
            actions.extend(navigation_keys(ctx, current, library.files().len(), scales));
        }
        // Thresholds re-filter the cached raw outputs, without running the network again.
        let config = self.settings.detection.detect_config();
        if self.session.refilter(config) {
            self.focus = DetectionFocus::default();
        }
        (self.session.attention).ensure_heatmaps(ctx, &self.settings.heatmap);
        actions
    }
}

fn resizable(panel: egui::Panel, default_size: f32) -> egui::Panel {
    panel.resizable(true).default_size(default_size)
}

/// "saved PATH", or `failed` with the error (the status bar's line).
fn saved(written: Result<PathBuf, String>, failed: &str) -> String {
    match written {
        Ok(path) => format!("saved {}", path.display()),
        Err(e) => format!("{failed}: {e}"),
    }
}

impl eframe::App for AssdApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.settings.save(storage);
        // Also runs on exit: unsaved labels are written, never dropped.
        if let Err(e) = self.editor.save_all() {
            eprintln!("error: could not save labels: {e}");
        }
    }
}
