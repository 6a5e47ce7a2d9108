//! The capture thread and the one-frame mailbox between it and the model: frames that arrive
//! while the model is busy replace the waiting one (and are counted as dropped), so latency
//! stays one forward pass however slow the model is.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use image::RgbImage;

use super::error::CameraError;
use super::source::SourceInfo;
use super::source_spec::SourceSpec;

/// Consecutive undecodable frames after which the stream gives up.
const MAX_BAD_FRAMES: u32 = 30;

/// A captured frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// 1, 2, … in capture order.
    pub id: u64,
    pub image: Arc<RgbImage>,
    pub captured_at: Instant,
}

/// Holds at most one frame: the newest not yet taken.
#[derive(Debug, Default)]
pub struct LatestFrame {
    slot: Mutex<Option<Frame>>,
    dropped: AtomicU64,
}

impl LatestFrame {
    /// Stores `frame`, replacing (and counting as dropped) one still waiting. True when the
    /// slot was empty, i.e. the consumer has not been told about a waiting frame yet.
    pub fn put(&self, frame: Frame) -> bool {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        let was_empty = slot.is_none();
        if !was_empty {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        *slot = Some(frame);
        was_empty
    }

    /// The waiting frame, if any.
    pub fn take(&self) -> Option<Frame> {
        self.slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Frames replaced before the consumer took them.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StreamState {
    Opening,
    Running(SourceInfo),
    Paused(SourceInfo),
    /// Ended by an error; the user may start again.
    Failed(CameraError),
    Stopped,
}

/// What the status line shows.
#[derive(Debug, Clone)]
pub struct StreamStats {
    pub state: StreamState,
    pub captured: u64,
    /// Frames replaced while the model was busy.
    pub dropped: u64,
    /// Undecodable frames skipped.
    pub bad_frames: u64,
    /// Measured capture rate over the last two seconds.
    pub camera_fps: f32,
}

/// A running capture thread.
pub struct CameraStream {
    pub spec: SourceSpec,
    pub frames: Arc<LatestFrame>,
    stats: Arc<Mutex<StreamStats>>,
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
}

impl CameraStream {
    /// Opens `spec` on a new thread and starts capturing. `on_frame` runs when a frame lands in
    /// an empty mailbox (tell the model), `on_change` after every state or rate change (repaint).
    pub fn start(
        spec: SourceSpec,
        on_frame: impl Fn(Arc<LatestFrame>) + Send + 'static,
        on_change: impl Fn() + Send + 'static,
    ) -> Self {
        let stream = Self {
            spec: spec.clone(),
            frames: Arc::new(LatestFrame::default()),
            stats: Arc::new(Mutex::new(StreamStats {
                state: StreamState::Opening,
                captured: 0,
                dropped: 0,
                bad_frames: 0,
                camera_fps: 0.0,
            })),
            stop: Arc::new(AtomicBool::new(false)),
            paused: Arc::new(AtomicBool::new(false)),
        };
        let (frames, stats, stop, paused) = (
            stream.frames.clone(),
            stream.stats.clone(),
            stream.stop.clone(),
            stream.paused.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("assd-camera".into())
            .spawn(move || {
                let capture = Capture {
                    frames,
                    stats: stats.clone(),
                    stop,
                    paused,
                };
                let end = capture.run(&spec, &on_frame, &on_change);
                let mut s = stats.lock().unwrap_or_else(PoisonError::into_inner);
                s.state = match end {
                    Ok(()) => StreamState::Stopped,
                    Err(e) => StreamState::Failed(e),
                };
                drop(s);
                on_change();
            });
        if let Err(e) = spawned {
            stream.set_state(StreamState::Failed(CameraError::Other(format!(
                "cannot start the capture thread: {e}"
            ))));
        }
        stream
    }

    fn set_state(&self, state: StreamState) {
        self.stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .state = state;
    }

    pub fn stats(&self) -> StreamStats {
        let mut stats = self
            .stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        stats.dropped = self.frames.dropped();
        stats
    }

    /// Paused: the camera stays open but frames go nowhere, so the last one can be explored.
    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::Relaxed);
    }

    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    /// Whether the thread has ended (failed or stopped).
    pub fn has_ended(&self) -> bool {
        matches!(
            self.stats().state,
            StreamState::Failed(_) | StreamState::Stopped
        )
    }
}

impl Drop for CameraStream {
    /// Tells the thread to stop; it closes the camera after the frame it is waiting for. Not
    /// joined: an unplugged camera may block that long, and the UI must not.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct Capture {
    frames: Arc<LatestFrame>,
    stats: Arc<Mutex<StreamStats>>,
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
}

impl Capture {
    fn update(&self, f: impl FnOnce(&mut StreamStats)) {
        f(&mut self.stats.lock().unwrap_or_else(PoisonError::into_inner));
    }

    fn run(
        &self,
        spec: &SourceSpec,
        on_frame: &dyn Fn(Arc<LatestFrame>),
        on_change: &dyn Fn(),
    ) -> Result<(), CameraError> {
        let mut source = spec.open()?;
        let info = source.info();
        self.update(|s| s.state = StreamState::Running(info.clone()));
        on_change();
        let mut recent: VecDeque<Instant> = VecDeque::new();
        let mut bad_in_a_row = 0;
        let mut id = 0;
        let mut last_report = Instant::now();
        while !self.stop.load(Ordering::Relaxed) {
            let image = match source.next_frame() {
                Ok(image) => image,
                Err(CameraError::Other(message)) => {
                    bad_in_a_row += 1;
                    self.update(|s| s.bad_frames += 1);
                    if bad_in_a_row >= MAX_BAD_FRAMES {
                        return Err(CameraError::Other(format!(
                            "{MAX_BAD_FRAMES} bad frames in a row, last: {message}"
                        )));
                    }
                    continue;
                }
                Err(fatal) => return Err(fatal),
            };
            bad_in_a_row = 0;
            let now = Instant::now();
            recent.push_back(now);
            while recent
                .front()
                .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(2))
            {
                recent.pop_front();
            }
            let fps = match (recent.front(), recent.len()) {
                (Some(first), n) if n > 1 && now > *first => {
                    (n - 1) as f32 / now.duration_since(*first).as_secs_f32()
                }
                _ => 0.0,
            };
            let paused = self.paused.load(Ordering::Relaxed);
            self.update(|s| {
                s.captured += 1;
                s.camera_fps = fps;
                s.state = if paused {
                    StreamState::Paused(info.clone())
                } else {
                    StreamState::Running(info.clone())
                };
            });
            if paused {
                if now.duration_since(last_report) > Duration::from_millis(500) {
                    last_report = now;
                    on_change();
                }
                continue;
            }
            id += 1;
            let frame = Frame {
                id,
                image: Arc::new(image),
                captured_at: now,
            };
            if self.frames.put(frame) {
                on_frame(self.frames.clone());
            }
            if now.duration_since(last_report) > Duration::from_millis(500) {
                last_report = now;
                on_change();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(id: u64) -> Frame {
        Frame {
            id,
            image: Arc::new(RgbImage::new(1, 1)),
            captured_at: Instant::now(),
        }
    }

    #[test]
    fn a_busy_consumer_gets_the_newest_frame_and_the_rest_are_dropped() {
        let latest = LatestFrame::default();
        assert!(latest.put(frame(1)), "the first frame wakes the consumer");
        for id in 2..=10 {
            assert!(!latest.put(frame(id)), "no second wake-up while one waits");
        }
        assert_eq!(latest.take().map(|f| f.id), Some(10));
        assert_eq!(latest.dropped(), 9);
        assert!(latest.take().is_none());
        assert!(
            latest.put(frame(11)),
            "an empty mailbox wakes the consumer again"
        );
    }
}
