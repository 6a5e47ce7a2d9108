//! The model's thread: loads weights, decodes images, runs the network and reads attention rows,
//! so the UI thread never waits on any of it.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::time::{Duration, Instant};

use image::RgbImage;

use super::analysis_job::{AnalysisJob, AnalysisRequest, AnalysisUpdate};
use crate::attention_query::{ScaleAttention, attention_at};
use crate::backend::{DeviceChoice, SelectedDevice, select_device};
use crate::camera::LatestFrame;
use crate::inference::{DetectionHead, Detector, Inference, RawOutputs};
use crate::preprocess::load_image;
use crate::weights::load_model;

/// Forward passes whose attention maps stay on the device for pixel queries. Each ASSD513
/// pass holds ~77 MB of maps.
const KEPT_INFERENCES: usize = 2;

/// The cache key of the live stream's newest frame (no file is called that).
pub const LIVE_KEY: &str = "<camera>";

#[derive(Debug)]
pub enum Request {
    LoadWeights(PathBuf),
    Infer(PathBuf),
    /// Attention of the query cells containing image pixel `pixel`, all scales. For the live
    /// key it also pins the pixel: every following frame comes with its attention.
    Attention {
        path: PathBuf,
        pixel: [f32; 2],
    },
    /// A camera frame is waiting in `frames`; its results are cached under `key`.
    Frame {
        key: PathBuf,
        frames: Arc<LatestFrame>,
    },
    /// Forget the pinned live pixel (a new stream).
    UnpinLive,
    /// Analyse a folder (replacing any analysis under way): one image per turn, between the
    /// other requests.
    Analyse(AnalysisRequest),
    CancelAnalysis,
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
    /// A camera frame's forward pass, with the pinned pixel's attention when one is pinned.
    FrameInferred {
        key: PathBuf,
        frame_id: u64,
        captured_at: Instant,
        image: Arc<RgbImage>,
        raw: Arc<RawOutputs>,
        elapsed: Duration,
        attention: Option<([f32; 2], Vec<ScaleAttention>, Duration)>,
    },
    Analysis(AnalysisUpdate),
}

/// Handle to the model thread.
pub struct Worker {
    requests: Sender<Request>,
    pub responses: Receiver<Response>,
}

impl Worker {
    /// Starts the thread; `wake` is called after every response (the UI's repaint request).
    /// `selected`: a device already chosen (the app's GPU, shared with the window); else one
    /// is chosen for `device` when weights load.
    pub fn spawn(
        device: DeviceChoice,
        selected: Option<SelectedDevice>,
        wake: impl Fn() + Send + 'static,
    ) -> Self {
        let (requests, inbox) = channel::<Request>();
        let (outbox, responses) = channel::<Response>();
        std::thread::Builder::new()
            .name("assd-model".into())
            .spawn(move || {
                let mut state = State {
                    device,
                    selected,
                    detector: None,
                    kept: VecDeque::new(),
                    live_pixel: None,
                    analysis: None,
                };
                let send = |response: Response| {
                    let sent = outbox.send(response).is_ok();
                    wake();
                    sent
                };
                loop {
                    // While an analysis runs, requests are taken as they come and one of its
                    // images runs after each round of them.
                    let first = if state.analysis.is_some() {
                        match inbox.try_recv() {
                            Ok(request) => Some(request),
                            Err(TryRecvError::Empty) => None,
                            Err(TryRecvError::Disconnected) => return,
                        }
                    } else {
                        match inbox.recv() {
                            Ok(request) => Some(request),
                            Err(_) => return,
                        }
                    };
                    for request in first.map(|f| latest_wins(f, &inbox)).unwrap_or_default() {
                        if let Some(response) = state.handle(request)
                            && !send(response)
                        {
                            return;
                        }
                    }
                    if let Some(update) = state.analyse_next()
                        && !send(Response::Analysis(update))
                    {
                        return;
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

    /// A handle other threads (the camera's) can send requests with.
    pub fn sender(&self) -> Sender<Request> {
        self.requests.clone()
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
            // A frame request only says "look in the mailbox", which always holds the newest.
            Request::LoadWeights(_)
            | Request::Frame { .. }
            | Request::UnpinLive
            | Request::Analyse(_)
            | Request::CancelAnalysis => true,
        })
        .map(|(_, r)| r)
        .collect()
}

struct State {
    device: DeviceChoice,
    selected: Option<SelectedDevice>,
    detector: Option<Detector>,
    kept: VecDeque<(PathBuf, Inference)>,
    /// The live key and the pixel whose attention every frame reports.
    live_pixel: Option<(PathBuf, [f32; 2])>,
    analysis: Option<AnalysisJob>,
}

impl State {
    fn handle(&mut self, request: Request) -> Option<Response> {
        Some(match request {
            Request::LoadWeights(path) => {
                if self.analysis.take().is_some() {
                    // Its figures would mix two models.
                    let why = "the weights changed while it ran: run it again".to_string();
                    return Some(Response::Analysis(AnalysisUpdate::Failed(why)));
                }
                match self.load(&path) {
                    Ok(response) => response,
                    Err(error) => Response::WeightsFailed { path, error },
                }
            }
            Request::Analyse(request) => {
                let Some(detector) = self.detector.as_ref() else {
                    let why = "load weights first".to_string();
                    return Some(Response::Analysis(AnalysisUpdate::Failed(why)));
                };
                match AnalysisJob::start(request, detector) {
                    Ok(job) => {
                        let progress = job.progress();
                        self.analysis = Some(job);
                        Response::Analysis(progress)
                    }
                    Err(why) => {
                        self.analysis = None;
                        Response::Analysis(AnalysisUpdate::Failed(why))
                    }
                }
            }
            Request::CancelAnalysis => {
                self.analysis.take()?;
                Response::Analysis(AnalysisUpdate::Cancelled)
            }
            Request::Infer(path) => match self.infer(&path) {
                Ok(response) => response,
                Err(error) => Response::Failed { path, error },
            },
            Request::UnpinLive => {
                self.live_pixel = None;
                return None;
            }
            Request::Frame { key, frames } => {
                let frame = frames.take()?;
                let detector = self.detector.as_ref()?;
                let start = Instant::now();
                let inference = detector.infer(&frame.image);
                let elapsed = start.elapsed();
                let attention =
                    self.live_pixel
                        .as_ref()
                        .filter(|(k, _)| *k == key)
                        .map(|(_, pixel)| {
                            let start = Instant::now();
                            let scales = attention_at(&inference, *pixel);
                            (*pixel, scales, start.elapsed())
                        });
                let raw = Arc::new(inference.raw.clone());
                self.keep(&key, inference);
                Response::FrameInferred {
                    key,
                    frame_id: frame.id,
                    captured_at: frame.captured_at,
                    image: frame.image,
                    raw,
                    elapsed,
                    attention,
                }
            }
            Request::Attention { path, pixel } => {
                if path == Path::new(LIVE_KEY) {
                    self.live_pixel = Some((path.clone(), pixel));
                    // No frame has run yet: the next one brings this pixel's attention.
                    if !self.kept.iter().any(|(p, _)| *p == path) {
                        return None;
                    }
                }
                // Maps of images paged away from were dropped: run the network again for them.
                if !self.kept.iter().any(|(p, _)| *p == path)
                    && let Err(error) = self.infer(&path)
                {
                    return Some(Response::Failed { path, error });
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
        })
    }

    /// Runs the analysis's next image, if one is under way; what to report.
    fn analyse_next(&mut self) -> Option<AnalysisUpdate> {
        let detector = self.detector.as_ref()?;
        let job = self.analysis.as_mut()?;
        if job.step(detector) {
            return Some(job.progress());
        }
        let job = self.analysis.take()?;
        Some(AnalysisUpdate::Done(Box::new(job.finish(detector))))
    }

    fn keep(&mut self, key: &Path, inference: Inference) {
        self.kept.retain(|(p, _)| p != key);
        self.kept.push_front((key.to_path_buf(), inference));
        self.kept.truncate(KEPT_INFERENCES);
    }

    fn load(&mut self, path: &Path) -> Result<Response, String> {
        let selected = match &self.selected {
            Some(selected) => selected.clone(),
            None => select_device(self.device).map_err(|e| e.to_string())?,
        };
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
        let Some(detector) = self.detector.as_ref() else {
            // No model yet: the image alone, so it can be seen and labelled.
            let image_size = [image.width(), image.height()];
            return Ok(Response::Inferred {
                path: path.to_path_buf(),
                image: Arc::new(image),
                raw: Arc::new(RawOutputs {
                    loc: Vec::new(),
                    scores: Vec::new(),
                    feature_sizes: Vec::new(),
                    image_size,
                }),
                elapsed: Duration::ZERO,
            });
        };
        let start = Instant::now();
        let inference = detector.infer(&image);
        let elapsed = start.elapsed();
        let raw = Arc::new(inference.raw.clone());
        self.keep(path, inference);
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
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(summary, ["weights w", "infer c", "attention 2"]);
    }
}
