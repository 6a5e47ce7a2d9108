//! Annotated images: one colour per class, a box and a "label score" tag per detection.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{Rgb, RgbImage};

use crate::detect::Detection;

pub(crate) static FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/DejaVuSansMono-Bold.ttf");

/// A distinct, stable colour per class (golden-angle hue steps, full saturation).
pub fn class_color(class_id: usize) -> [u8; 3] {
    let hue = (class_id as f32 * 137.507_77) % 360.0;
    crate::hsv::hsv_to_rgb([hue, 0.85, 0.95]).map(|ch| (ch * 255.0).round() as u8)
}

fn fill_rect(image: &mut RgbImage, [x0, y0, x1, y1]: [i64; 4], color: [u8; 3]) {
    let (w, h) = (image.width() as i64, image.height() as i64);
    for y in y0.max(0)..y1.min(h) {
        for x in x0.max(0)..x1.min(w) {
            image.put_pixel(x as u32, y as u32, Rgb(color));
        }
    }
}

/// Draws `text` with its top-left at (x, y) in white on a `color` background.
fn draw_tag(
    image: &mut RgbImage,
    font: &FontRef<'_>,
    text: &str,
    x: i64,
    y: i64,
    size: f32,
    color: [u8; 3],
) {
    let scaled = font.as_scaled(PxScale::from(size));
    let width: f32 = text
        .chars()
        .map(|c| scaled.h_advance(font.glyph_id(c)))
        .sum();
    let height = scaled.height().ceil() as i64;
    fill_rect(
        image,
        [x, y, x + width.ceil() as i64 + 4, y + height],
        color,
    );
    let mut caret = x as f32 + 2.0;
    for ch in text.chars() {
        let glyph = font
            .glyph_id(ch)
            .with_scale_and_position(size, ab_glyph::point(caret, y as f32 + scaled.ascent()));
        caret += scaled.h_advance(font.glyph_id(ch));
        if let Some(outline) = font.outline_glyph(glyph) {
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + gx as i64;
                let py = bounds.min.y as i64 + gy as i64;
                if px >= 0 && py >= 0 && (px as u32) < image.width() && (py as u32) < image.height()
                {
                    let p = image.get_pixel_mut(px as u32, py as u32);
                    for c in 0..3 {
                        p.0[c] =
                            (p.0[c] as f32 * (1.0 - coverage) + 255.0 * coverage).round() as u8;
                    }
                }
            });
        }
    }
}

/// White `text` on a `background` tag with its top-left at (x, y) (plots, legends).
pub fn draw_label(
    image: &mut RgbImage,
    text: &str,
    x: i64,
    y: i64,
    size: f32,
    background: [u8; 3],
) {
    if let Ok(font) = FontRef::try_from_slice(FONT_BYTES) {
        draw_tag(image, &font, text, x, y, size, background);
    }
}

/// Draws every detection onto the image.
pub fn draw_detections(image: &mut RgbImage, detections: &[Detection]) {
    let font = FontRef::try_from_slice(FONT_BYTES).ok();
    let side = image.width().min(image.height()) as f32;
    let thickness = ((side / 300.0).round() as i64).max(1);
    let text_size = (side / 30.0).clamp(10.0, 28.0);
    for det in detections {
        let color = class_color(det.class_id);
        let [x1, y1, x2, y2] = det.bbox.map(|v| v.round() as i64);
        fill_rect(image, [x1, y1, x2, y1 + thickness], color);
        fill_rect(image, [x1, y2 - thickness, x2, y2], color);
        fill_rect(image, [x1, y1, x1 + thickness, y2], color);
        fill_rect(image, [x2 - thickness, y1, x2, y2], color);
        if let Some(font) = &font {
            let text = format!("{} {:.2}", det.label, det.score);
            let tag_y = if y1 >= text_size as i64 {
                y1 - text_size as i64 - 2
            } else {
                y1
            };
            draw_tag(image, font, &text, x1, tag_y, text_size, color);
        }
    }
}
