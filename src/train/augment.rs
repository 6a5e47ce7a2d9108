//! SSD's training augmentation (the authors' ssd.pytorch lineage), seeded and reproducible:
//! photometric distortion, expansion onto a mean-colour canvas, a random crop with a minimum
//! IoU, and a horizontal flip. Boxes are `[x1, y1, x2, y2]` pixels.
//!
//! Fixed with respect to the authors' code (spec §4.4 and §6):
//! * `Expand` fills with the ImageNet mean in 0–255 pixel units (theirs used the 0–1 means as
//!   pixel values, a black canvas);
//! * the crop's IoU test requires every object's IoU with the patch to reach the mode's minimum
//!   (theirs used `and`, which almost never rejects);
//! * the crop's offset is drawn from U(0, W − w) (theirs from U(W − w, 1));
//! * the 0.5 minimum-IoU mode of the SSD paper is included.

use image::RgbImage;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::hsv::rgb_to_hsv;
// `hsv_to_rgb` lives in `crate::hsv` (the class colours use it too); re-exported for
// `assd::train::augment::hsv_to_rgb`.
pub use crate::hsv::hsv_to_rgb;

/// ImageNet mean, RGB, 0–255.
pub const MEAN_RGB: [f32; 3] = [0.485 * 255.0, 0.456 * 255.0, 0.406 * 255.0];

/// Which steps run (each, when on, fires with the authors' probabilities).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AugmentConfig {
    pub photometric: bool,
    pub expand: bool,
    /// Largest canvas side relative to the image (the authors: 4).
    pub max_expand: f32,
    pub crop: bool,
    pub mirror: bool,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        Self {
            photometric: true,
            expand: true,
            max_expand: 4.0,
            crop: true,
            mirror: true,
        }
    }
}

/// An image being augmented: f32 RGB, unclamped between steps as in the authors' code.
struct Work {
    width: usize,
    height: usize,
    pixels: Vec<[f32; 3]>,
}

impl Work {
    fn from_image(image: &RgbImage) -> Self {
        Self {
            width: image.width() as usize,
            height: image.height() as usize,
            pixels: image.pixels().map(|p| p.0.map(|c| c as f32)).collect(),
        }
    }

    fn into_image(self) -> RgbImage {
        let mut out = RgbImage::new(self.width as u32, self.height as u32);
        for (dst, src) in out.pixels_mut().zip(self.pixels) {
            dst.0 = src.map(|c| c.round().clamp(0.0, 255.0) as u8);
        }
        out
    }
}

/// A seeded generator for sample `index` of epoch `epoch`: the same run reproduces the same
/// augmentations, whatever the order samples are loaded in.
pub fn sample_rng(seed: u64, epoch: u64, index: u64) -> StdRng {
    StdRng::seed_from_u64(
        seed ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ index.wrapping_mul(0xBF58_476D_1CE4_E5B9),
    )
}

/// Augments one training sample.
pub fn augment(
    image: &RgbImage,
    boxes: &[[f32; 4]],
    labels: &[usize],
    config: &AugmentConfig,
    rng: &mut StdRng,
) -> (RgbImage, Vec<[f32; 4]>, Vec<usize>) {
    let mut work = Work::from_image(image);
    let mut boxes = boxes.to_vec();
    let mut labels = labels.to_vec();
    if config.photometric {
        photometric(&mut work, rng);
    }
    if config.expand && rng.random_bool(0.5) {
        expand(&mut work, &mut boxes, config.max_expand, rng);
    }
    if config.crop {
        crop(&mut work, &mut boxes, &mut labels, rng);
    }
    if config.mirror && rng.random_bool(0.5) {
        mirror(&mut work, &mut boxes);
    }
    (work.into_image(), boxes, labels)
}

/// Brightness; then contrast before or after (saturation, hue) in HSV; then a channel swap.
fn photometric(work: &mut Work, rng: &mut StdRng) {
    if rng.random_bool(0.5) {
        let delta = rng.random_range(-32.0f32..32.0);
        work.pixels
            .iter_mut()
            .for_each(|p| p.iter_mut().for_each(|c| *c += delta));
    }
    let contrast_first = rng.random_bool(0.5);
    let contrast = |work: &mut Work, rng: &mut StdRng| {
        if rng.random_bool(0.5) {
            let alpha = rng.random_range(0.5f32..1.5);
            work.pixels
                .iter_mut()
                .for_each(|p| p.iter_mut().for_each(|c| *c *= alpha));
        }
    };
    if contrast_first {
        contrast(work, rng);
    }
    let saturation = rng.random_bool(0.5).then(|| rng.random_range(0.5f32..1.5));
    let hue = rng
        .random_bool(0.5)
        .then(|| rng.random_range(-18.0f32..18.0));
    if saturation.is_some() || hue.is_some() {
        for p in &mut work.pixels {
            let [mut h, mut s, v] = rgb_to_hsv(*p);
            if let Some(a) = saturation {
                s *= a;
            }
            if let Some(d) = hue {
                h += d;
            }
            *p = hsv_to_rgb([h, s, v]);
        }
    }
    if !contrast_first {
        contrast(work, rng);
    }
    if rng.random_bool(0.5) {
        const PERMUTATIONS: [[usize; 3]; 6] = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        let perm = PERMUTATIONS[rng.random_range(0..6)];
        work.pixels.iter_mut().for_each(|p| *p = perm.map(|i| p[i]));
    }
}

/// Places the image on a canvas up to `max_ratio` times larger, filled with the mean colour.
fn expand(work: &mut Work, boxes: &mut [[f32; 4]], max_ratio: f32, rng: &mut StdRng) {
    if max_ratio <= 1.0 {
        return;
    }
    let ratio = rng.random_range(1.0..max_ratio);
    let (w, h) = (work.width, work.height);
    let (cw, ch) = ((w as f32 * ratio) as usize, (h as f32 * ratio) as usize);
    let left = rng.random_range(0.0..=(cw - w) as f32) as usize;
    let top = rng.random_range(0.0..=(ch - h) as f32) as usize;
    let mut canvas = vec![MEAN_RGB; cw * ch];
    for y in 0..h {
        canvas[(top + y) * cw + left..(top + y) * cw + left + w]
            .copy_from_slice(&work.pixels[y * w..(y + 1) * w]);
    }
    *work = Work {
        width: cw,
        height: ch,
        pixels: canvas,
    };
    for b in boxes {
        *b = [
            b[0] + left as f32,
            b[1] + top as f32,
            b[2] + left as f32,
            b[3] + top as f32,
        ];
    }
}

fn iou(a: [f32; 4], b: [f32; 4]) -> f32 {
    crate::eval::ap::box_iou(a, b)
}

/// SSD's random patch: a mode (keep the image, or a minimum IoU of 0.1/0.3/0.5/0.7/0.9, or
/// any), then up to 50 patches of 0.3–1 of each side with aspect 0.5–2 until every object
/// overlaps enough and some object's centre lies inside; objects whose centres are outside
/// are dropped, the rest clipped.
fn crop(work: &mut Work, boxes: &mut Vec<[f32; 4]>, labels: &mut Vec<usize>, rng: &mut StdRng) {
    const MODES: [Option<f32>; 7] = [
        None,
        Some(0.1),
        Some(0.3),
        Some(0.5),
        Some(0.7),
        Some(0.9),
        Some(f32::NEG_INFINITY),
    ];
    if boxes.is_empty() {
        return;
    }
    let (w, h) = (work.width as f32, work.height as f32);
    // Try a few modes before giving up (the authors loop until one succeeds).
    for _ in 0..10 {
        let Some(min_iou) = MODES[rng.random_range(0..MODES.len())] else {
            return;
        };
        for _ in 0..50 {
            let pw = rng.random_range(0.3 * w..=w);
            let ph = rng.random_range(0.3 * h..=h);
            if ph / pw < 0.5 || ph / pw > 2.0 {
                continue;
            }
            let left = rng.random_range(0.0..=w - pw).floor();
            let top = rng.random_range(0.0..=h - ph).floor();
            let patch = [left, top, (left + pw).floor(), (top + ph).floor()];
            if boxes.iter().any(|b| iou(*b, patch) < min_iou) {
                continue;
            }
            let inside = |b: &[f32; 4]| {
                let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
                cx > patch[0] && cy > patch[1] && cx < patch[2] && cy < patch[3]
            };
            if !boxes.iter().any(inside) {
                continue;
            }
            let (x0, y0) = (patch[0] as usize, patch[1] as usize);
            let (pw, ph) = (
                (patch[2] - patch[0]) as usize,
                (patch[3] - patch[1]) as usize,
            );
            let mut pixels = Vec::with_capacity(pw * ph);
            for y in y0..y0 + ph {
                pixels
                    .extend_from_slice(&work.pixels[y * work.width + x0..y * work.width + x0 + pw]);
            }
            *work = Work {
                width: pw,
                height: ph,
                pixels,
            };
            let kept: Vec<([f32; 4], usize)> = boxes
                .iter()
                .zip(labels.iter())
                .filter(|(b, _)| inside(b))
                .map(|(b, &l)| {
                    (
                        [
                            b[0].max(patch[0]) - patch[0],
                            b[1].max(patch[1]) - patch[1],
                            b[2].min(patch[2]) - patch[0],
                            b[3].min(patch[3]) - patch[1],
                        ],
                        l,
                    )
                })
                .collect();
            (*boxes, *labels) = kept.into_iter().unzip();
            return;
        }
    }
}

fn mirror(work: &mut Work, boxes: &mut [[f32; 4]]) {
    for row in work.pixels.chunks_exact_mut(work.width) {
        row.reverse();
    }
    let w = work.width as f32;
    for b in boxes {
        *b = [w - b[2], b[1], w - b[0], b[3]];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 128]))
    }

    #[test]
    fn the_same_seed_gives_the_same_sample_and_boxes_stay_valid() {
        let image = gradient(60, 40);
        let boxes = [[5.0, 5.0, 25.0, 30.0], [30.0, 10.0, 55.0, 35.0]];
        let config = AugmentConfig::default();
        let mut differs = false;
        for index in 0..40 {
            let a = augment(
                &image,
                &boxes,
                &[1, 2],
                &config,
                &mut sample_rng(7, 0, index),
            );
            let b = augment(
                &image,
                &boxes,
                &[1, 2],
                &config,
                &mut sample_rng(7, 0, index),
            );
            assert_eq!(a, b);
            let (out, out_boxes, out_labels) = a;
            assert_eq!(out_boxes.len(), out_labels.len());
            assert!(!out_boxes.is_empty());
            for bx in &out_boxes {
                assert!(bx[0] >= 0.0 && bx[1] >= 0.0 && bx[0] < bx[2] && bx[1] < bx[3]);
                assert!(bx[2] <= out.width() as f32 && bx[3] <= out.height() as f32);
            }
            differs |= out != image;
        }
        assert!(differs);
        assert_ne!(
            augment(&image, &boxes, &[1, 2], &config, &mut sample_rng(7, 0, 1)),
            augment(&image, &boxes, &[1, 2], &config, &mut sample_rng(7, 1, 1)),
            "another epoch draws differently"
        );
    }

    #[test]
    fn mirror_flips_pixels_and_boxes() {
        let image = gradient(10, 4);
        let mut work = Work::from_image(&image);
        let mut boxes = vec![[1.0, 0.0, 4.0, 2.0]];
        mirror(&mut work, &mut boxes);
        assert_eq!(boxes, vec![[6.0, 0.0, 9.0, 2.0]]);
        let out = work.into_image();
        assert_eq!(out.get_pixel(0, 1), image.get_pixel(9, 1));
    }

    #[test]
    fn expand_fills_with_the_mean_colour_not_black() {
        let image = RgbImage::from_pixel(10, 10, image::Rgb([255, 255, 255]));
        let mut work = Work::from_image(&image);
        let mut boxes = vec![[0.0, 0.0, 10.0, 10.0]];
        let mut rng = sample_rng(3, 0, 0);
        expand(&mut work, &mut boxes, 4.0, &mut rng);
        let [x1, y1, x2, y2] = boxes[0];
        assert_eq!((x2 - x1, y2 - y1), (10.0, 10.0));
        assert!(work.width > 10 || work.height > 10);
        let out = work.into_image();
        assert_eq!(
            out.get_pixel(x1 as u32 + 5, y1 as u32 + 5).0,
            [255, 255, 255]
        );
        let corner = if x1 > 0.0 {
            (0, 0)
        } else {
            (out.width() - 1, out.height() - 1)
        };
        assert_eq!(out.get_pixel(corner.0, corner.1).0, [124, 116, 104]);
    }

    #[test]
    fn crops_keep_objects_whose_centres_are_inside() {
        let image = gradient(64, 64);
        let boxes = [[2.0, 2.0, 12.0, 12.0], [40.0, 40.0, 60.0, 60.0]];
        for index in 0..50 {
            let mut work = Work::from_image(&image);
            let (mut b, mut l) = (boxes.to_vec(), vec![1, 2]);
            crop(&mut work, &mut b, &mut l, &mut sample_rng(11, 0, index));
            assert!(!b.is_empty());
            for (bx, label) in b.iter().zip(&l) {
                assert!(bx[2] <= work.width as f32 && bx[3] <= work.height as f32);
                assert!(*label == 1 || *label == 2);
            }
        }
    }
}
