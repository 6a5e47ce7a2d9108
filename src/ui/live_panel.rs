//! Live mode: a webcam or a folder-backed virtual camera streamed through the model. Frames
//! that arrive while the model is busy replace the waiting one (never queue); the newest
//! result is shown with its boxes, and a clicked pixel stays pinned so every new frame brings
//! its attention at all scales.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use egui::{ColorImage, TextureOptions};

use super::app::{AssdApp, Entry};
use super::worker::{LIVE_KEY, Request};
use crate::camera::{
    CameraEntry, CameraStream, FormatRequest, SourceSpec, StreamState, list_cameras,
};
use crate::draw::draw_detections;
use crate::export::png_bytes;
use crate::fsutil::write_atomic;

/// Results kept for the inference rate.
const RATE_WINDOW: usize = 8;

/// The live stream and what has come out of it.
pub(super) struct Live {
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
    fn inference_fps(&self) -> f32 {
        match (self.results.front(), self.results.back()) {
            (Some(first), Some(last)) if self.results.len() > 1 && last > first => {
                (self.results.len() - 1) as f32 / last.duration_since(*first).as_secs_f32()
            }
            _ => 0.0,
        }
    }
}

impl AssdApp {
    /// Starts streaming `spec` (replacing any stream) and shows it.
    pub fn start_camera(&mut self, spec: SourceSpec) {
        let key = PathBuf::from(LIVE_KEY);
        self.entries.remove(&key);
        self.errors.remove(&key);
        self.attention = None;
        self.attention_pending = None;
        self.selected_detection = None;
        self.view_zoom = 1.0;
        self.view_offset = egui::Vec2::ZERO;
        self.worker.send(Request::UnpinLive);
        let sender = self.worker.sender();
        let repaint = self.repaint.clone();
        let frame_key = key.clone();
        let stream = CameraStream::start(
            spec.clone(),
            move |frames| {
                let _ = sender.send(Request::Frame {
                    key: frame_key.clone(),
                    frames,
                });
            },
            move || repaint.request_repaint(),
        );
        self.live = Some(Live {
            key,
            spec,
            stream: Some(stream),
            error: None,
            inferred: 0,
            last_frame_id: 0,
            latency: None,
            forward: None,
            results: VecDeque::new(),
        });
    }

    /// Stops capturing; the last frame stays on screen.
    pub fn stop_camera(&mut self) {
        if let Some(live) = &mut self.live {
            live.stream = None;
        }
    }

    /// Leaves live mode (back to the folder).
    pub fn close_camera(&mut self) {
        self.live = None;
        self.attention = None;
        self.attention_pending = None;
        self.entries.remove(&PathBuf::from(LIVE_KEY));
    }

    pub fn set_camera_paused(&mut self, paused: bool) {
        if let Some(stream) = self.live.as_ref().and_then(|l| l.stream.as_ref()) {
            stream.set_paused(paused);
        }
    }

    /// The live stream's figures, when live.
    pub fn live_status(&self) -> Option<LiveStatus> {
        let live = self.live.as_ref()?;
        let stats = live.stream.as_ref().map(|s| s.stats());
        Some(LiveStatus {
            state: stats
                .as_ref()
                .map_or(StreamState::Stopped, |s| s.state.clone()),
            captured: stats.as_ref().map_or(0, |s| s.captured),
            dropped: stats.as_ref().map_or(0, |s| s.dropped),
            inferred: live.inferred,
            last_frame_id: live.last_frame_id,
            camera_fps: stats.as_ref().map_or(0.0, |s| s.camera_fps),
            inference_fps: live.inference_fps(),
            latency: live.latency,
            error: live.error.clone(),
        })
    }

    /// Takes in a frame's forward pass (from the worker).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn take_frame(
        &mut self,
        key: PathBuf,
        frame_id: u64,
        captured_at: Instant,
        image: std::sync::Arc<image::RgbImage>,
        raw: std::sync::Arc<crate::inference::RawOutputs>,
        elapsed: Duration,
        attention: Option<(
            [f32; 2],
            Vec<crate::attention_query::ScaleAttention>,
            Duration,
        )>,
    ) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        live.inferred += 1;
        live.last_frame_id = frame_id;
        live.forward = Some(elapsed);
        live.latency = Some(captured_at.elapsed());
        live.results.push_back(Instant::now());
        if live.results.len() > RATE_WINDOW {
            live.results.pop_front();
        }
        let size = [image.width() as usize, image.height() as usize];
        let pixels = ColorImage::from_rgb(size, image.as_raw());
        match self.entries.get_mut(&key) {
            // Same texture, new pixels: no new GPU allocation per frame.
            Some(entry) if entry.texture.is_some() => {
                if let Some(texture) = &mut entry.texture {
                    texture.set(pixels, TextureOptions::LINEAR);
                }
                entry.image = image;
                entry.raw = raw;
                entry.inference_time = elapsed;
                entry.filtered_with = None;
            }
            _ => {
                let texture = self
                    .repaint
                    .load_texture("live", pixels, TextureOptions::LINEAR);
                self.entries
                    .insert(key.clone(), Entry::new(image, raw, texture, elapsed));
            }
        }
        if let Some((pixel, scales, took)) = attention {
            if self.attention_pending == Some(pixel) {
                self.attention_pending = None;
            }
            self.last_attention_time = took;
            self.attention = Some(super::app::AttentionView {
                path: key,
                pixel,
                scales,
                heat: Vec::new(),
                made_with: None,
            });
        }
    }

    /// Checks on the stream: a failure is kept to show after the stream is gone.
    pub(super) fn poll_camera(&mut self) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        let ended = live.stream.as_ref().map(|s| s.stats().state);
        if let Some(StreamState::Failed(e)) = &ended {
            live.error = Some(e.to_string());
            live.stream = None;
        } else if let Some(StreamState::Stopped) = ended {
            live.stream = None;
        }
    }

    /// Saves the shown frame, its annotated copy and its detections (JSON) side by side.
    pub fn snapshot(&mut self) -> Result<PathBuf, String> {
        let folder = self
            .settings
            .snapshot_folder
            .clone()
            .unwrap_or_else(|| PathBuf::from("snapshots"));
        std::fs::create_dir_all(&folder)
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        let entry = self
            .current_entry()
            .ok_or("no frame has been processed yet")?;
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let frame_id = self.live.as_ref().map_or(0, |l| l.last_frame_id);
        let stem = format!("snapshot-{millis}-frame{frame_id}");
        let frame_name = format!("{stem}.png");
        let mut annotated = (*entry.image).clone();
        let detections: Vec<_> = self.visible_detections().into_iter().cloned().collect();
        draw_detections(&mut annotated, &detections);
        let doc = self.detections_doc(frame_name.clone())?;
        let json = serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?;
        let frame_png = png_bytes(&entry.image).map_err(|e| e.to_string())?;
        let annotated_png = png_bytes(&annotated).map_err(|e| e.to_string())?;
        for (name, bytes) in [
            (frame_name, frame_png),
            (format!("{stem}_annotated.png"), annotated_png),
            (format!("{stem}_detections.json"), json),
        ] {
            let path = folder.join(&name);
            write_atomic(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(folder.join(format!("{stem}.png")))
    }

    /// The Camera menu: system cameras, the format asked of them, and virtual cameras.
    pub(super) fn camera_menu(&mut self, ui: &mut egui::Ui) {
        if self.cameras.is_none() {
            self.cameras = Some(list_cameras());
        }
        match &self.cameras {
            Some(Ok(cameras)) if cameras.is_empty() => {
                ui.label("No camera found.");
            }
            Some(Ok(cameras)) => {
                let cameras: Vec<CameraEntry> = cameras.clone();
                for camera in cameras {
                    if ui
                        .button(format!("{} (#{})", camera.name, camera.index))
                        .on_hover_text(&camera.description)
                        .clicked()
                    {
                        ui.close();
                        self.start_camera(SourceSpec::Webcam {
                            index: camera.index,
                            name: camera.name,
                            format: self.settings.camera_format,
                        });
                    }
                }
            }
            Some(Err(e)) => {
                ui.colored_label(egui::Color32::LIGHT_RED, e.to_string());
            }
            None => {}
        }
        if ui.button("Look for cameras again").clicked() {
            self.cameras = None;
        }
        ui.menu_button("Resolution and rate", |ui| {
            for format in FormatRequest::ALL {
                ui.radio_value(&mut self.settings.camera_format, format, format.label());
            }
        });
        ui.separator();
        ui.add(
            egui::Slider::new(&mut self.settings.virtual_fps, 0.5..=60.0)
                .logarithmic(true)
                .text("virtual camera fps"),
        );
        if ui
            .button("Play a folder of frames (virtual camera)…")
            .clicked()
        {
            ui.close();
            if let Some(folder) = self.dialog_start(rfd::FileDialog::new()).pick_folder() {
                self.start_camera(SourceSpec::Virtual {
                    folder,
                    fps: self.settings.virtual_fps,
                });
            }
        }
        if ui.button("Snapshot folder…").clicked() {
            ui.close();
            if let Some(folder) = rfd::FileDialog::new().pick_folder() {
                self.settings.snapshot_folder = Some(folder);
            }
        }
    }

    /// Controls and figures of the live stream (top of the left panel).
    pub(super) fn live_panel(&mut self, ui: &mut egui::Ui) {
        let Some(status) = self.live_status() else {
            return;
        };
        let Some(live) = &self.live else {
            return;
        };
        let label = live.spec.label();
        let running = live.stream.is_some();
        ui.strong("Live");
        ui.label(&label);
        match &status.state {
            StreamState::Opening => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("opening…");
                });
            }
            StreamState::Running(info) | StreamState::Paused(info) => {
                ui.label(format!(
                    "{}×{} at {:.0} fps (nominal)",
                    info.width, info.height, info.fps
                ));
            }
            StreamState::Failed(_) | StreamState::Stopped => {}
        }
        if let Some(error) = &status.error {
            ui.colored_label(egui::Color32::LIGHT_RED, error);
        }
        ui.horizontal(|ui| {
            if running {
                if ui.button("Stop").clicked() {
                    self.stop_camera();
                }
                let paused = matches!(status.state, StreamState::Paused(_))
                    || self
                        .live
                        .as_ref()
                        .and_then(|l| l.stream.as_ref())
                        .is_some_and(|s| s.is_paused());
                if ui.button(if paused { "Resume" } else { "Pause" }).clicked() {
                    self.set_camera_paused(!paused);
                }
            } else if ui.button("Start").clicked()
                && let Some(spec) = self.live.as_ref().map(|l| l.spec.clone())
            {
                self.start_camera(spec);
            }
            if ui
                .add_enabled(
                    self.current_entry().is_some(),
                    egui::Button::new("Snapshot"),
                )
                .clicked()
            {
                self.message = Some(match self.snapshot() {
                    Ok(path) => format!("saved {}", path.display()),
                    Err(e) => format!("snapshot failed: {e}"),
                });
            }
            if ui.button("Close").clicked() {
                self.close_camera();
            }
        });
        egui::Grid::new("live-figures")
            .num_columns(2)
            .show(ui, |ui| {
                ui.label("camera");
                ui.label(format!("{:.1} fps", status.camera_fps));
                ui.end_row();
                ui.label("inference");
                ui.label(format!("{:.2} fps", status.inference_fps));
                ui.end_row();
                ui.label("latency");
                ui.label(status.latency.map_or("-".to_string(), |l| {
                    format!("{:.0} ms", l.as_secs_f64() * 1e3)
                }));
                ui.end_row();
                ui.label("frames");
                ui.label(format!(
                    "{} shown, {} dropped of {}",
                    status.inferred, status.dropped, status.captured
                ));
                ui.end_row();
            });
        ui.separator();
    }
}
