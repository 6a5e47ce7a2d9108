//! The image on screen, read from the parts that know it: the live frame or the selected
//! file, its forward pass, its attention.

use std::path::Path;
use std::time::Duration;

use super::attention_state::{AttentionState, AttentionView};
use super::class_filter::ClassFilter;
use super::library::{Entry, Library};
use super::live::Live;
use crate::attention_query::ScaleAttention;
use crate::detect::Detection;

/// What is shown now (all `None` before anything is open).
#[derive(Clone, Copy)]
pub struct Current<'a> {
    /// The live stream's newest frame in live mode, else the selected file.
    pub path: Option<&'a Path>,
    /// Its forward pass, once it has run.
    pub entry: Option<&'a Entry>,
    /// Its attention, once asked for and read.
    pub attention: Option<&'a AttentionView>,
    filter_time: Duration,
    attention_time: Duration,
}

/// The path of the image on screen: the live stream's newest frame in live mode, else the
/// selected file.
pub fn shown_path<'a>(library: &'a Library, live: Option<&'a Live>) -> Option<&'a Path> {
    match live {
        Some(live) => Some(live.key.as_path()),
        None => library.current_file().map(|p| p.as_path()),
    }
}

impl<'a> Current<'a> {
    pub fn new(
        library: &'a Library,
        live: Option<&'a Live>,
        attention: &'a AttentionState,
    ) -> Self {
        let path = shown_path(library, live);
        Self {
            path,
            entry: path.and_then(|p| library.entry(p)),
            attention: attention.view_for(path),
            filter_time: library.last_filter_time(),
            attention_time: attention.last_time,
        }
    }

    /// Its detections under the current thresholds, without the classes `filter` hides.
    pub fn detections(&self, filter: &ClassFilter) -> Vec<&'a Detection> {
        self.entry
            .map_or_else(Vec::new, |e| filter.visible(&e.detections))
    }

    /// The attention rows shown, one per scale.
    pub fn attention_scales(&self) -> Option<&'a [ScaleAttention]> {
        self.attention.map(|v| v.scales.as_slice())
    }

    /// The image pixel whose attention is shown.
    pub fn attention_pixel(&self) -> Option<[f32; 2]> {
        self.attention.map(|v| v.pixel)
    }

    /// Last measured (inference, threshold re-filter, attention read-back) times, as the
    /// status bar shows them.
    pub fn timings(&self) -> (Option<Duration>, Duration, Duration) {
        let inference = self.entry.map(|e| e.inference_time);
        (inference, self.filter_time, self.attention_time)
    }
}
