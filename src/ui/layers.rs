//! Drawing an image with a heatmap over it and the query crosshair: what the central view and
//! every thumbnail of the attention strip share.

use egui::{Color32, Pos2, Rect, Stroke, StrokeKind, vec2};

use super::attention_state::Heat;
use super::heatmap_gpu::HeatmapCallback;
use crate::export::HeatmapStyle;

const FULL_UV: Rect = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));

/// Image pixel (x, y) → screen position inside `rect` showing a `size` image.
pub fn to_screen(rect: Rect, size: [u32; 2], [x, y]: [f32; 2]) -> Pos2 {
    Pos2::new(
        rect.min.x + x / size[0] as f32 * rect.width(),
        rect.min.y + y / size[1] as f32 * rect.height(),
    )
}

/// The screen rectangle of feature-map cell `[row, col]` of an `[h, w]` map.
pub fn cell_rect(rect: Rect, [h, w]: [usize; 2], [row, col]: [usize; 2]) -> Rect {
    let (cw, ch) = (rect.width() / w as f32, rect.height() / h as f32);
    Rect::from_min_size(
        Pos2::new(rect.min.x + col as f32 * cw, rect.min.y + row as f32 * ch),
        vec2(cw, ch),
    )
}

/// The image, then (if any) a heatmap over it. `slot` names the heatmap's GPU resources
/// (one per place a heatmap is drawn).
pub fn paint_layers(
    painter: &egui::Painter,
    rect: Rect,
    image: Option<egui::TextureId>,
    heat: Option<&Heat>,
    style: HeatmapStyle,
    slot: u64,
) {
    if let Some(id) = image {
        painter.image(id, rect, FULL_UV, Color32::WHITE);
    }
    match heat {
        Some(Heat::Texture(texture)) => {
            painter.image(
                texture.id(),
                rect,
                FULL_UV,
                Color32::from_white_alpha((style.opacity * 255.0) as u8),
            );
        }
        Some(Heat::Gpu(values)) => {
            let visible = rect.intersect(painter.clip_rect());
            if visible.is_positive() {
                painter.add(eframe::egui_wgpu::Callback::new_paint_callback(
                    visible,
                    HeatmapCallback {
                        slot,
                        heat: values.clone(),
                        style,
                        image_rect: rect,
                    },
                ));
            }
        }
        None => {}
    }
}

/// A crosshair through the middle of `cell`, spanning `rect`.
pub fn crosshair(painter: &egui::Painter, rect: Rect, cell: Rect) {
    let stroke = Stroke::new(1.0, Color32::WHITE);
    let c = cell.center();
    painter.line_segment(
        [Pos2::new(rect.min.x, c.y), Pos2::new(rect.max.x, c.y)],
        Stroke::new(1.0, Color32::from_white_alpha(90)),
    );
    painter.line_segment(
        [Pos2::new(c.x, rect.min.y), Pos2::new(c.x, rect.max.y)],
        Stroke::new(1.0, Color32::from_white_alpha(90)),
    );
    painter.rect_stroke(cell, 0.0, stroke, StrokeKind::Outside);
}
