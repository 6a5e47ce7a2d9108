//! Live mode's state: a webcam or a folder-backed virtual camera streamed through the model.
//! Frames that arrive while the model is busy replace the waiting one (never queue); the
//! figures here say how that went.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use super::worker::{LIVE_KEY, Request};
use crate::camera::{CameraStream, SourceSpec, StreamState};

/// Results kept for the inference rate.
const RATE_WINDOW: usize = 8;

/// The live stream and what has come out of it.
pub struct Live {
    /// Cache key of the newest frame (`LIVE_KEY`).
    pub key: PathBuf,
    pub spec: SourceSpec,
    /// `None` once stopped: the last frame stays on screen to explore and save.
    pub stream: Option<CameraStream>,
    /// Why the stream ended, when it failed.
    pub error: Option<String>,
    pub inferred: u64,
    pub last_frame_id: u64,
    /// Capture → result on screen, and the forward pass alone, for the newest frame.
    pub latency: Option<Duration>,
    pub forward: Option<Duration>,
    results: VecDeque<Instant>,
}

/// Live figures, as the panel shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveStatus {
    pub state: StreamState,
    pub captured: u64,
    pub dropped: u64,
    pub inferred: u64,
    pub last_frame_id: u64,
    pub camera_fps: f32,
    pub inference_fps: f32,
    pub latency: Option<Duration>,
    pub error: Option<String>,
}

impl Live {
    /// Starts streaming `spec`: each frame goes to the worker through `worker` under
    /// `LIVE_KEY`; `repaint` wakes the UI.
    pub fn start(spec: SourceSpec, worker: Sender<Request>, repaint: egui::Context) -> Self {
        let key = PathBuf::from(LIVE_KEY);
        let frame_key = key.clone();
        let stream = CameraStream::start(
            spec.clone(),
            move |frames| {
                let _ = worker.send(Request::Frame {
                    key: frame_key.clone(),
                    frames,
                });
            },
            move || repaint.request_repaint(),
        );
        Self {
            key,
            spec,
            stream: Some(stream),
            error: None,
            inferred: 0,
            last_frame_id: 0,
            latency: None,
            forward: None,
            results: VecDeque::new(),
        }
    }

    /// Stops capturing; the last frame stays on screen.
    pub fn stop(&mut self) {
        self.stream = None;
    }

    pub fn set_paused(&self, paused: bool) {
        if let Some(stream) = &self.stream {
            stream.set_paused(paused);
        }
    }

    pub fn is_paused(&self) -> bool {
        self.stream.as_ref().is_some_and(|s| s.is_paused())
    }

    /// A frame's forward pass arrived.
    pub fn took(&mut self, frame_id: u64, captured_at: Instant, forward: Duration) {
        self.inferred += 1;
        self.last_frame_id = frame_id;
        self.forward = Some(forward);
        self.latency = Some(captured_at.elapsed());
        self.results.push_back(Instant::now());
        if self.results.len() > RATE_WINDOW {
            self.results.pop_front();
        }
    }

    /// Checks on the stream: a failure is kept to show after the stream is gone.
    pub fn poll(&mut self) {
        let ended = self.stream.as_ref().map(|s| s.stats().state);
        if let Some(StreamState::Failed(e)) = &ended {
            self.error = Some(e.to_string());
            self.stream = None;
        } else if let Some(StreamState::Stopped) = ended {
            self.stream = None;
        }
    }

    /// The stream's figures.
    pub fn status(&self) -> LiveStatus {
        let stats = self.stream.as_ref().map(|s| s.stats());
        LiveStatus {
            state: stats
                .as_ref()
                .map_or(StreamState::Stopped, |s| s.state.clone()),
            captured: stats.as_ref().map_or(0, |s| s.captured),
            dropped: stats.as_ref().map_or(0, |s| s.dropped),
            inferred: self.inferred,
            last_frame_id: self.last_frame_id,
            camera_fps: stats.as_ref().map_or(0.0, |s| s.camera_fps),
            inference_fps: self.inference_fps(),
            latency: self.latency,
            error: self.error.clone(),
        }
    }

    fn inference_fps(&self) -> f32 {
        match (self.results.front(), self.results.back()) {
            (Some(first), Some(last)) if self.results.len() > 1 && last > first => {
                (self.results.len() - 1) as f32 / last.duration_since(*first).as_secs_f32()
            }
            _ => 0.0,
        }
    }
}
