//! Precision/recall curves as a PNG: one line per class (the class colours of the overlays),
//! recall on x, precision on y, with a legend giving each class's VOC all-point AP.

use image::{Rgb, RgbImage};

use super::report::Report;
use crate::draw::{class_color, draw_label};

const SIZE: (u32, u32) = (760, 520);
const PLOT: [f32; 4] = [60.0, 34.0, 560.0, 470.0];

fn put(image: &mut RgbImage, x: i64, y: i64, color: [u8; 3]) {
    if x >= 0 && y >= 0 && (x as u32) < image.width() && (y as u32) < image.height() {
        image.put_pixel(x as u32, y as u32, Rgb(color));
    }
}

/// A 2-px line from a to b.
fn line(image: &mut RgbImage, a: (f32, f32), b: (f32, f32), color: [u8; 3]) {
    let steps = ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as usize).max(1);
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            put(image, x as i64 + dx, y as i64 + dy, color);
        }
    }
}

fn to_screen(recall: f64, precision: f64) -> (f32, f32) {
    let [x0, y0, x1, y1] = PLOT;
    (
        x0 + recall as f32 * (x1 - x0),
        y1 - precision as f32 * (y1 - y0),
    )
}

/// The PR curves of every class with ground truth (VOC matching at IoU > 0.5).
pub fn pr_curves_png(report: &Report) -> RgbImage {
    let mut image = RgbImage::from_pixel(SIZE.0, SIZE.1, Rgb([255, 255, 255]));
    let grey = [200, 200, 200];
    for k in 0..=10 {
        let v = k as f64 / 10.0;
        line(&mut image, to_screen(v, 0.0), to_screen(v, 1.0), grey);
        line(&mut image, to_screen(0.0, v), to_screen(1.0, v), grey);
    }
    let black = [0, 0, 0];
    line(&mut image, to_screen(0.0, 0.0), to_screen(1.0, 0.0), black);
    line(&mut image, to_screen(0.0, 0.0), to_screen(0.0, 1.0), black);
    for k in [0, 5, 10] {
        let v = k as f64 / 10.0;
        let (x, y) = to_screen(v, 0.0);
        draw_label(
            &mut image,
            &format!("{v:.1}"),
            x as i64 - 12,
            y as i64 + 4,
            14.0,
            [90, 90, 90],
        );
        let (x, y) = to_screen(0.0, v);
        draw_label(
            &mut image,
            &format!("{v:.1}"),
            x as i64 - 44,
            y as i64 - 8,
            14.0,
            [90, 90, 90],
        );
    }
    draw_label(&mut image, "recall", 280, 494, 14.0, [90, 90, 90]);
    draw_label(&mut image, "precision", 4, 2, 14.0, [90, 90, 90]);
    let mut legend_y = 30;
    for (class, result) in report.classes.iter().enumerate() {
        if result.positives == 0 {
            continue;
        }
        let color = class_color(class + 1);
        let curve = &result.curve;
        let mut previous = to_screen(0.0, curve.precision.first().copied().unwrap_or(0.0));
        for (r, p) in curve.recall.iter().zip(&curve.precision) {
            let point = to_screen(*r, *p);
            line(&mut image, previous, point, color);
            previous = point;
        }
        let label = format!("{} AP {:.3}", result.class, result.ap_voc_all);
        draw_label(&mut image, &label, 575, legend_y, 14.0, color);
        legend_y += 22;
    }
    image
}
