//! What the CLI and the app write: the detections JSON, annotated images, attention images.

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::attention_query::ScaleAttention;
use crate::detect::Detection;
use crate::ui::colormap::Colormap;

/// The detections document (`assd detect --json`, and the app's export).
#[derive(Debug, Serialize, Deserialize)]
pub struct DetectionsFile {
    pub images: Vec<ImageDetections>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ImageDetections {
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub detections: Vec<Detection>,
}

/// PNG bytes of an image.
pub fn png_bytes(image: &RgbImage) -> Result<Vec<u8>, image::ImageError> {
    let mut png = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok(png)
}

/// How a heatmap is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeatmapStyle {
    pub colormap: Colormap,
    /// Exponent applied to the normalised values before colour mapping.
    pub gamma: f32,
    pub opacity: f32,
    /// Bilinear (else nearest) upsampling.
    pub bilinear: bool,
}

/// `values` (`[h, w]` row-major, scaled by `max`, raised to `style.gamma`) upsampled to the
/// image and blended over it with `style.opacity`. Bilinear upsampling samples cell centres (half-pixel), nearest takes the
/// cell containing the pixel, the same cell convention as the attention queries.
pub fn blend_heatmap(
    image: &RgbImage,
    values: &[f32],
    [h, w]: [usize; 2],
    max: f32,
    style: HeatmapStyle,
) -> RgbImage {
    let HeatmapStyle {
        colormap,
        gamma,
        opacity,
        bilinear,
    } = style;
    let (iw, ih) = image.dimensions();
    let at = |r: usize, c: usize| values[r * w + c];
    let sample = |x: u32, y: u32| -> f32 {
        let fx = (x as f32 + 0.5) * w as f32 / iw as f32;
        let fy = (y as f32 + 0.5) * h as f32 / ih as f32;
        if !bilinear {
            return at((fy as usize).min(h - 1), (fx as usize).min(w - 1));
        }
        let (gx, gy) = (
            (fx - 0.5).clamp(0.0, (w - 1) as f32),
            (fy - 0.5).clamp(0.0, (h - 1) as f32),
        );
        let (c0, r0) = (gx.floor() as usize, gy.floor() as usize);
        let (c1, r1) = ((c0 + 1).min(w - 1), (r0 + 1).min(h - 1));
        let (tx, ty) = (gx - c0 as f32, gy - r0 as f32);
        let top = at(r0, c0) * (1.0 - tx) + at(r0, c1) * tx;
        let bottom = at(r1, c0) * (1.0 - tx) + at(r1, c1) * tx;
        top * (1.0 - ty) + bottom * ty
    };
    RgbImage::from_fn(iw, ih, |x, y| {
        let heat = colormap.rgb_scaled(sample(x, y), max, gamma);
        let base = image.get_pixel(x, y).0;
        image::Rgb(std::array::from_fn(|c| {
            (base[c] as f32 * (1.0 - opacity) + heat[c] as f32 * opacity).round() as u8
        }))
    })
}

/// Share of a scale's attention row that falls inside a pixel box `[x1, y1, x2, y2]`: the
/// summed row over the cells whose centres lie in the box (the row sums to 1).
pub fn mass_in_box(
    scale: &ScaleAttention,
    [x1, y1, x2, y2]: [f32; 4],
    [width, height]: [u32; 2],
) -> f32 {
    let [h, w] = scale.shape;
    let mut sum = 0.0;
    for r in 0..h {
        let cy = (r as f32 + 0.5) * height as f32 / h as f32;
        if cy < y1 || cy > y2 {
            continue;
        }
        for c in 0..w {
            let cx = (c as f32 + 0.5) * width as f32 / w as f32;
            if cx >= x1 && cx <= x2 {
                sum += scale.row[r * w + c];
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(opacity: f32, bilinear: bool) -> HeatmapStyle {
        HeatmapStyle {
            colormap: Colormap::Grey,
            gamma: 1.0,
            opacity,
            bilinear,
        }
    }

    fn scale(row: Vec<f32>, shape: [usize; 2]) -> ScaleAttention {
        ScaleAttention {
            scale: 0,
            shape,
            cell: [0, 0],
            received: row.clone(),
            row,
        }
    }

    #[test]
    fn nearest_heatmap_paints_each_cell_over_its_pixels() {
        let image = RgbImage::from_pixel(4, 4, image::Rgb([0, 0, 0]));
        // 2×2 map: top-left hot, others cold; opacity 1 shows the colormap alone.
        let out = blend_heatmap(
            &image,
            &[1.0, 0.0, 0.0, 0.0],
            [2, 2],
            1.0,
            style(1.0, false),
        );
        assert_eq!(out.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(out.get_pixel(1, 1).0, [255, 255, 255]);
        assert_eq!(out.get_pixel(2, 1).0, [0, 0, 0]);
        assert_eq!(out.get_pixel(3, 3).0, [0, 0, 0]);
        // Half opacity over a grey image.
        let grey = RgbImage::from_pixel(4, 4, image::Rgb([100, 100, 100]));
        let half = blend_heatmap(&grey, &[1.0, 0.0, 0.0, 0.0], [2, 2], 1.0, style(0.5, false));
        assert_eq!(half.get_pixel(0, 0).0, [178, 178, 178]);
        assert_eq!(half.get_pixel(3, 0).0, [50, 50, 50]);
    }

    #[test]
    fn bilinear_heatmap_interpolates_between_cell_centres() {
        let image = RgbImage::from_pixel(4, 1, image::Rgb([0, 0, 0]));
        let out = blend_heatmap(&image, &[0.0, 1.0], [1, 2], 1.0, style(1.0, true));
        // Pixel centres 0.5, 1.5, 2.5, 3.5 map to map coordinates −0.25, 0.25, 0.75, 1.25.
        let v: Vec<u8> = (0..4).map(|x| out.get_pixel(x, 0).0[0]).collect();
        assert_eq!(v, vec![0, 64, 191, 255]);
    }

    #[test]
    fn attention_mass_counts_the_cells_whose_centres_are_inside() {
        // 2×2 map over a 100×100 image: cell centres at 25 and 75.
        let s = scale(vec![0.1, 0.2, 0.3, 0.4], [2, 2]);
        assert!((mass_in_box(&s, [0.0, 0.0, 100.0, 100.0], [100, 100]) - 1.0).abs() < 1e-6);
        assert!((mass_in_box(&s, [50.0, 0.0, 100.0, 100.0], [100, 100]) - 0.6).abs() < 1e-6);
        assert!((mass_in_box(&s, [0.0, 60.0, 30.0, 90.0], [100, 100]) - 0.3).abs() < 1e-6);
        assert_eq!(mass_in_box(&s, [30.0, 30.0, 70.0, 70.0], [100, 100]), 0.0);
    }
}
