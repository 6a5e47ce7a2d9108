//! From attention rows to colours: the values a heatmap shows, their colour-scale maxima and
//! the CPU colour mapping (the exports' path; the WGSL shader does the same on the GPU).

use egui::ColorImage;

use super::colormap::Colormap;
use super::settings::AttentionMode;
use crate::attention_query::ScaleAttention;

/// The values a heatmap shows for one scale.
pub fn values(scale: &ScaleAttention, mode: AttentionMode) -> &[f32] {
    match mode {
        AttentionMode::Row => &scale.row,
        AttentionMode::Received => &scale.received,
    }
}

/// The value each scale's colour scale tops out at: its own maximum, or the maximum over
/// all scales when `shared`.
pub fn scale_maxima(scales: &[ScaleAttention], mode: AttentionMode, shared: bool) -> Vec<f32> {
    let own: Vec<f32> = scales
        .iter()
        .map(|s| values(s, mode).iter().copied().fold(0.0, f32::max))
        .collect();
    if shared {
        let top = own.iter().copied().fold(0.0, f32::max);
        vec![top; own.len()]
    } else {
        own
    }
}

/// RGBA heatmap of `values` (`[h, w]` row-major) scaled by `max`, raised to `gamma`.
pub fn heatmap(
    values: &[f32],
    [h, w]: [usize; 2],
    max: f32,
    colormap: Colormap,
    gamma: f32,
) -> ColorImage {
    let rgba: Vec<u8> = values
        .iter()
        .flat_map(|&v| {
            let [r, g, b] = colormap.rgb_scaled(v, max, gamma);
            [r, g, b, 255]
        })
        .collect();
    ColorImage::from_rgba_unmultiplied([w, h], &rgba)
}
