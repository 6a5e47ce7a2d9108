//! The model's side of the app: the worker and what it has loaded, the images it runs on
//! (files and the live stream) with their cached results, and the attention asked of it.
//! Everything that sends the worker a request or takes in its answers goes through here.

use std::path::{Path, PathBuf};

use super::action::Action;
use super::analysis_job::AnalysisRequest;
use super::attention_state::AttentionState;
use super::current::Current;
use super::dataset_run::DatasetRun;
use super::library::Library;
use super::live::{Live, LiveStatus};
use super::model::Model;
use super::responses::{Inbox, take_response};
use super::settings::Settings;
use super::worker::{LIVE_KEY, Request};
use crate::camera::SourceSpec;
use crate::detect::{DetectConfig, Detection};
use crate::inference::DetectionHead;

pub struct Session {
    pub model: Model,
    pub library: Library,
    /// The live stream, when one is shown.
    pub live: Option<Live>,
    pub attention: AttentionState,
    /// The open folder's dataset analysis.
    pub dataset: DatasetRun,
    /// A pixel of an image being opened whose attention is asked for once it has run.
    look_when_shown: Option<(PathBuf, [f32; 2])>,
}

impl Session {
    /// A session on `model`, loading `weights`; `gpu_heatmaps`: the window draws heatmaps
    /// with the WGSL shader.
    pub fn new(mut model: Model, weights: PathBuf, gpu_heatmaps: bool) -> Self {
        model.load(weights);
        let mut attention = AttentionState::default();
        attention.gpu_heatmaps = gpu_heatmaps;
        Self {
            model,
            library: Library::default(),
            live: None,
            attention,
            dataset: DatasetRun::default(),
            look_when_shown: None,
        }
    }

    /// The image on screen, its forward pass and its attention.
    pub fn current(&self) -> Current<'_> {
        Current::new(&self.library, self.live.as_ref(), &self.attention)
    }

    /// Nothing is loading or running.
    pub fn is_idle(&self) -> bool {
        !self.model.is_loading()
            && !self.library.is_running()
            && !self.attention.is_pending()
            && !self.dataset.is_running()
    }

    /// Makes file `index` current, asking the worker for it unless cached or running; true
    /// when another image is now shown (its attention is forgotten).
    pub fn show_file(&mut self, index: usize) -> bool {
        let Some((changed, run)) = self.library.set_current(index) else {
            return false;
        };
        if changed {
            self.attention.clear();
        }
        // Without weights the worker still decodes the image (to see and label it).
        if let Some(path) = run {
            self.model.send(Request::Infer(path));
        }
        changed
    }

    /// Does the actions that concern only the session (the app applies the others itself
    /// and passes these on).
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::LoadWeights(path) => self.model.load(path),
            Action::SelectScale(k) => self.attention.selected_scale = k,
            Action::QueryAttention(pixel) => self.query_attention(pixel),
            Action::StopCamera => self.live.iter_mut().for_each(Live::stop),
            Action::PauseCamera(paused) => self.live.iter().for_each(|l| l.set_paused(paused)),
            Action::CloseCamera => self.close_camera(),
            Action::AnalyseFolder { conf } => self.analyse_folder(conf),
            Action::CancelAnalysis => self.model.send(Request::CancelAnalysis),
            _ => {}
        }
    }

    /// Shows `detection`'s scale and the attention of its centre.
    pub fn look_at(&mut self, detection: &Detection) {
        self.attention.selected_scale = detection.scale;
        let [x1, y1, x2, y2] = detection.bbox;
        self.query_attention([(x1 + x2) / 2.0, (y1 + y2) / 2.0]);
    }

    /// Shows scale `scale` of the current image `path` and the attention of `pixel` once the
    /// image has run (at once when it has).
    pub fn look_at_pixel(&mut self, path: PathBuf, pixel: [f32; 2], scale: usize) {
        self.attention.selected_scale = scale;
        self.look_when_shown = Some((path, pixel));
        self.look_if_shown();
    }

    /// Asks for the waiting look once its image is on screen with its forward pass.
    fn look_if_shown(&mut self) {
        let current = self.current();
        let ready = current.entry.is_some();
        let path = current.path.map(Path::to_path_buf);
        match self.look_when_shown.take() {
            Some((p, pixel)) if ready && path.as_ref() == Some(&p) => self.query_attention(pixel),
            // Another image was chosen meanwhile: that look is void.
            Some((p, _)) if path.as_ref() != Some(&p) => {}
            waiting => self.look_when_shown = waiting,
        }
    }

    /// Analyses the open folder's images on the worker (replacing a run under way).
    fn analyse_folder(&mut self, conf: f32) {
        let files = self.library.files().to_vec();
        let folder = match self.library.folder() {
            Some(f) if !f.as_os_str().is_empty() => f.to_path_buf(),
            _ => PathBuf::from("."),
        };
        self.dataset.started(files.len());
        let request = AnalysisRequest {
            folder,
            files,
            conf,
        };
        self.model.send(Request::Analyse(request));
    }

    /// The live stream's figures, when live.
    pub fn live_status(&self) -> Option<LiveStatus> {
        self.live.as_ref().map(Live::status)
    }

    /// Asks for the attention of the query cells containing `pixel` of the current image
    /// (once it has run, and unless that pixel is already asked for).
    pub fn query_attention(&mut self, pixel: [f32; 2]) {
        let current = self.current();
        let Some(path) = current.path.filter(|_| current.entry.is_some()) else {
            return;
        };
        let path = path.to_path_buf();
        if self.attention.ask(pixel) {
            self.model.send(Request::Attention { path, pixel });
        }
    }

    /// Streams `spec` (replacing any stream) and shows it.
    pub fn start_camera(&mut self, spec: SourceSpec, repaint: egui::Context) {
        self.library.forget(Path::new(LIVE_KEY));
        self.attention.clear();
        self.model.send(Request::UnpinLive);
        self.live = Some(Live::start(spec, self.model.sender(), repaint));
    }

    /// The loaded model's detection head.
    pub fn head(&self) -> Option<&DetectionHead> {
        self.model.head.as_deref()
    }

    /// Leaves live mode, if in it.
    pub fn leave_live(&mut self) {
        if self.live.is_some() {
            self.close_camera();
        }
    }

    /// Leaves live mode (back to the folder).
    pub fn close_camera(&mut self) {
        self.live = None;
        self.attention.clear();
        self.library.forget(Path::new(LIVE_KEY));
    }

    /// Re-filters the current image's cached raw outputs with `config` (no network run);
    /// true when its detections changed.
    pub fn refilter(&mut self, config: DetectConfig) -> bool {
        let path = self.current().path.map(Path::to_path_buf);
        match (&self.model.head, path) {
            (Some(head), Some(path)) => self.library.refilter(&path, head, config),
            _ => false,
        }
    }

    /// Takes in every answer the worker has.
    pub fn take_responses(&mut self, ctx: &egui::Context, settings: &mut Settings) {
        while let Some(response) = self.model.try_response() {
            let inbox = Inbox {
                ctx,
                settings: &mut *settings,
                model: &mut self.model,
                library: &mut self.library,
                attention: &mut self.attention,
                live: self.live.as_mut(),
                dataset: &mut self.dataset,
            };
            // A newer image may have been selected while this one ran, or new weights loaded.
            if take_response(response, inbox)
                && self.live.is_none()
                && let Some(i) = self.library.current()
            {
                self.show_file(i);
            }
        }
        self.look_if_shown();
    }
}
