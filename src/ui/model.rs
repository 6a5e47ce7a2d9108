//! The model as the app sees it: the worker thread that runs it, the detection head of the
//! loaded weights, how loading went, and the device the user asked for.

use std::path::PathBuf;
use std::sync::Arc;

use super::worker::{Request, Response, Worker};
use crate::backend::{DeviceChoice, SelectedDevice};
use crate::inference::DetectionHead;

#[derive(Debug, Clone, PartialEq)]
pub enum WeightsState {
    Missing,
    Loading(PathBuf),
    Loaded { path: PathBuf, device: String },
    Failed { path: PathBuf, error: String },
}

/// The worker and what it has loaded. Talking to the worker takes `&mut`: a part that only
/// reads the model cannot send it requests.
pub struct Model {
    worker: Worker,
    pub head: Option<Arc<DetectionHead>>,
    pub weights: WeightsState,
    /// Why the GPU was not used, when it was asked for.
    pub notice: Option<String>,
    /// Where the user asked the model to run (fine-tuning uses the same).
    pub device_choice: DeviceChoice,
}

impl Model {
    /// Starts the worker; `wake` runs after each of its answers (a repaint).
    pub fn spawn(
        device: DeviceChoice,
        selected: Option<SelectedDevice>,
        wake: impl Fn() + Send + 'static,
    ) -> Self {
        Self {
            worker: Worker::spawn(device, selected, wake),
            head: None,
            weights: WeightsState::Missing,
            notice: None,
            device_choice: device,
        }
    }

    pub fn load(&mut self, path: PathBuf) {
        self.weights = WeightsState::Loading(path.clone());
        self.worker.send(Request::LoadWeights(path));
    }

    pub fn is_loading(&self) -> bool {
        matches!(self.weights, WeightsState::Loading(_))
    }

    /// The weights file in use, once loaded.
    pub fn loaded_path(&self) -> Option<&PathBuf> {
        match &self.weights {
            WeightsState::Loaded { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Weights arrived: the worker answers in order, so everything after this used them.
    pub fn loaded(
        &mut self,
        path: PathBuf,
        head: Arc<DetectionHead>,
        device: String,
        notice: Option<String>,
    ) {
        self.head = Some(head);
        self.weights = WeightsState::Loaded { path, device };
        self.notice = notice;
    }

    pub fn send(&mut self, request: Request) {
        self.worker.send(request);
    }

    /// A handle other threads (the camera's) send frames with.
    pub fn sender(&mut self) -> std::sync::mpsc::Sender<Request> {
        self.worker.sender()
    }

    /// The next answer of the worker, if one is waiting.
    pub fn try_response(&mut self) -> Option<Response> {
        self.worker.responses.try_recv().ok()
    }

    /// Number of prediction scales of the loaded model (0 without one).
    pub fn scales(&self) -> usize {
        self.head.as_ref().map_or(0, |h| h.feature_sizes.len())
    }
}
