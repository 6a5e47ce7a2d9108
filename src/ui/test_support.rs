//! Fixtures for the panels' tests: detections, a processed image and attention rows made by
//! hand, so a panel can be driven with its own state alone (no app, no worker, no model).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::attention_state::AttentionView;
use super::library::Entry;
use crate::attention_query::ScaleAttention;
use crate::detect::Detection;
use crate::inference::RawOutputs;

pub fn detection(class_id: usize, label: &str, bbox: [f32; 4], scale: usize) -> Detection {
    Detection {
        class_id,
        label: label.into(),
        score: 0.9,
        bbox,
        scale,
        prior: 3,
    }
}

/// A `width`×`height` grey image whose forward pass had maps of `feature_sizes` and found
/// `detections`.
pub fn entry(
    width: u32,
    height: u32,
    feature_sizes: &[usize],
    detections: Vec<Detection>,
) -> Entry {
    let raw = RawOutputs {
        loc: Vec::new(),
        scores: Vec::new(),
        feature_sizes: feature_sizes.iter().map(|&f| [f, f]).collect(),
        image_size: [width, height],
    };
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([90, 90, 90]));
    let mut entry = Entry::new(
        Arc::new(image),
        Arc::new(raw),
        None,
        Duration::from_millis(7),
    );
    entry.detections = detections;
    entry
}

/// Attention of `pixel` on square maps of `sides`: uniform rows, query cell `[0, s - 1]`.
pub fn attention(path: &str, pixel: [f32; 2], sides: &[usize]) -> AttentionView {
    let scales = sides
        .iter()
        .enumerate()
        .map(|(scale, &f)| ScaleAttention {
            scale,
            shape: [f, f],
            cell: [0, f - 1],
            row: vec![1.0 / (f * f) as f32; f * f],
            received: vec![1.0 / (f * f) as f32; f * f],
        })
        .collect();
    AttentionView::new(PathBuf::from(path), pixel, scales)
}

/// A harness of `size` points drawing `ui` with `state`.
pub fn harness<S>(
    size: [f32; 2],
    state: S,
    ui: impl FnMut(&mut egui::Ui, &mut S) + 'static,
) -> egui_kittest::Harness<'static, S> {
    egui_kittest::Harness::builder()
        .with_size(egui::vec2(size[0], size[1]))
        .build_ui_state(ui, state)
}
