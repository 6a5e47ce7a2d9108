//! The model's thread: loads weights, decodes images, runs the network and reads attention rows,
//! so the UI thread never waits on any of it.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use image::RgbImage;

use crate::attention_query::{ScaleAttention, attention_at};
use crate::backend::{DeviceChoice, select_device};
use crate::inference::{DetectionHead, Detector, Inference, RawOutputs};
use crate::preprocess::load_image;
use crate::weights::load_model;

/// Forward passes whose attention maps stay on the device for pixel queries. Each ASSD513
/// pass holds ~77 MB of maps.
const KEPT_INFERENCES: usize = 2;

#[derive(Debug)]
pub enum Request {
    LoadWeights(PathBuf),
    Infer(PathBuf),
    /// Attention of the query cells containing image pixel `pixel`, all scales.
    Attention {
        path: PathBuf,
        pixel: [f32; 2],
    },
}

#[derive(Debug)]
pub enum Response {
    WeightsLoaded {
        path: PathBuf,
        head: Arc<DetectionHead>,
        device: String,
        notice: Option<String>,
    },
    WeightsFailed {
        path: PathBuf,
        error: String,
    },
    Inferred {
        path: PathBuf,
        image: Arc<RgbImage>,
        raw: Arc<RawOutputs>,
        elapsed: Duration,
    },
    Failed {
        path: PathBuf,
        error: String,
    },
    Attention {
        path: PathBuf,
        pixel: [f32; 2],
        scales: Vec<ScaleAttention>,
        elapsed: Duration,
    },
}

/// Handle to the model thread.
pub struct Worker {
    requests: Sender<Request>,
    pub responses: Receiver<Response>,
}

impl Worker {
    /// Starts the thread; `wake` is called after every response (the UI's repaint request).
    pub fn spawn(device: DeviceChoice, wake: impl Fn() + Send + 'static) -> Self {
        let (requests, inbox) = channel::<Request>();
        let (outbox, responses) = channel::<Response>();
        std::thread::Builder::new()
            .name("assd-model".into())
            .spawn(move || {
                let mut state = State {
                    device,
                    detector: None,
                    kept: VecDeque::new(),
                };
                while let Ok(first) = inbox.recv() {
                    for request in latest_wins(first, &inbox) {
                        let response = state.handle(request);
                        if outbox.send(response).is_err() {
                            return;
                        }
                        wake();
                    }
                }
            })
            .ok();
        Self {
            requests,
            responses,
        }
    }

    pub fn send(&self, request: Request) {
        // A dead worker shows up as a missing response; the UI reports what it is waiting for.
        let _ = self.requests.send(request);
    }
}

/// Everything queued, with only the newest image request and the newest attention request
/// kept: paging quickly through a folder or sweeping the pointer must not build a backlog.
fn latest_wins(first: Request, inbox: &Receiver<Request>) -> Vec<Request> {
    let mut queued = vec![first];
    while let Ok(r) = inbox.try_recv() {
        queued.push(r);
    }
    let last_infer = queued.iter().rposition(|r| matches!(r, Request::Infer(_)));
    let last_attention = queued
        .iter()
        .rposition(|r| matches!(r, Request::Attention { .. }));
    queued
        .into_iter()
        .enumerate()
        .filter(|(i, r)| match r {
            Request::Infer(_) => Some(*i) == last_infer,
            Request::Attention { .. } => Some(*i) == last_attention,
            Request::LoadWeights(_) => true,
        })
        .map(|(_, r)| r)
        .collect()
}

struct State {
    device: DeviceChoice,
    detector: Option<Detector>,
    kept: VecDeque<(PathBuf, Inference)>,
}

impl State {
    fn handle(&mut self, request: Request) -> Response {
        match request {
            Request::LoadWeights(path) => match self.load(&path) {
                Ok(response) => response,
                Err(error) => Response::WeightsFailed { path, error },
            },
            Request::Infer(path) => match self.infer(&path) {
                Ok(response) => response,
                Err(error) => Response::Failed { path, error },
            },
            Request::Attention { path, pixel } => {
                // Maps of images paged away from were dropped: run the network again for them.
                if !self.kept.iter().any(|(p, _)| *p == path)
                    && let Err(error) = self.infer(&path)
                {
                    return Response::Failed { path, error };
                }
                let start = Instant::now();
                let scales = self
                    .kept
                    .iter()
                    .find(|(p, _)| *p == path)
                    .map(|(_, inference)| attention_at(inference, pixel))
                    .unwrap_or_default();
                Response::Attention {
                    path,
                    pixel,
                    scales,
                    elapsed: start.elapsed(),
                }
            }
        }
    }

    fn load(&mut self, path: &Path) -> Result<Response, String> {
        let selected = select_device(self.device).map_err(|e| e.to_string())?;
        let model = load_model(path, None, &selected.device).map_err(|e| e.to_string())?;
        let detector = Detector::new(model, selected.device.clone()).map_err(|e| e.to_string())?;
        let head = detector.head.clone();
        self.detector = Some(detector);
        self.kept.clear();
        Ok(Response::WeightsLoaded {
            path: path.to_path_buf(),
            head,
            device: selected.description,
            notice: selected.fallback_notice,
        })
    }

    fn infer(&mut self, path: &Path) -> Result<Response, String> {
        let image = load_image(path).map_err(|e| e.to_string())?;
        let detector = self.detector.as_ref().ok_or("no weights loaded")?;
        let start = Instant::now();
        let inference = detector.infer(&image);
        let elapsed = start.elapsed();
        let raw = Arc::new(inference.raw.clone());
        self.kept.retain(|(p, _)| p != path);
        self.kept.push_front((path.to_path_buf(), inference));
        self.kept.truncate(KEPT_INFERENCES);
        Ok(Response::Inferred {
            path: path.to_path_buf(),
            image: Arc::new(image),
            raw,
            elapsed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_image_and_attention_requests_survive() {
        let (tx, rx) = channel();
        for r in [
            Request::Infer("b".into()),
            Request::Attention {
                path: "a".into(),
                pixel: [1.0, 1.0],
            },
            Request::LoadWeights("w".into()),
            Request::Infer("c".into()),
            Request::Attention {
                path: "a".into(),
                pixel: [2.0, 2.0],
            },
        ] {
            tx.send(r).unwrap();
        }
        let kept = latest_wins(Request::Infer("a".into()), &rx);
        let summary: Vec<String> = kept
            .iter()
            .map(|r| match r {
                Request::Infer(p) => format!("infer {}", p.display()),
                Request::Attention { pixel, .. } => format!("attention {}", pixel[0]),
                Request::LoadWeights(p) => format!("weights {}", p.display()),
            })
            .collect();
        assert_eq!(summary, ["weights w", "infer c", "attention 2"]);
    }
}
