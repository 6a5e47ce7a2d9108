//! Image loading and preprocessing: the authors' (BGR, OpenCV INTER_LINEAR resize to the square
//! input, /255, ImageNet mean/std applied in storage order) and TensorFlow's SSD pipeline (RGB,
//! TF1-legacy bilinear resize rounded to u8, `(u8 − 128)/128`); HWC → CHW. Which one a model
//! needs travels in its checkpoint.

use std::path::{Path, PathBuf};

use image::{ImageDecoder, ImageReader, RgbImage};
use serde::{Deserialize, Serialize};

/// Channel order fed to the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, Default)]
pub enum ColorOrder {
    /// OpenCV's order, as the authors' checkpoints expect.
    #[default]
    Bgr,
    Rgb,
}

/// How the image is resized to the square network input (aspect ratio never kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ResizeRule {
    /// OpenCV's `INTER_LINEAR` on f32 values: half-pixel centres (the authors').
    #[default]
    OpenCvLinear,
    /// TF1 `resize_bilinear(align_corners=False)`: `src = dst·in/out`, edge-clamped, in f64,
    /// rounded to u8 (what TensorFlow's SSD models were trained and exported with).
    Tf1LegacyU8,
}

/// How images become network input. Defaults reproduce the authors' pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PreprocessConfig {
    pub color: ColorOrder,
    #[serde(default)]
    pub resize: ResizeRule,
    /// Resized values are divided by this first (255 for the authors', 1 for TensorFlow's).
    #[serde(default = "default_divisor")]
    pub divisor: f32,
    /// Subtracted per channel *in the order fed to the network* (after the divisor).
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

fn default_divisor() -> f32 {
    255.0
}

impl Default for PreprocessConfig {
    /// The authors': ImageNet RGB statistics applied to B, G, R (their quirk).
    fn default() -> Self {
        Self {
            color: ColorOrder::Bgr,
            resize: ResizeRule::OpenCvLinear,
            divisor: 255.0,
            mean: [0.485, 0.456, 0.406],
            std: [0.229, 0.224, 0.225],
        }
    }
}

impl PreprocessConfig {
    /// TensorFlow's quantized SSD models: RGB, TF1-legacy resize to u8, `(u8 − 128)/128`.
    pub fn tensorflow() -> Self {
        Self {
            color: ColorOrder::Rgb,
            resize: ResizeRule::Tf1LegacyU8,
            divisor: 1.0,
            mean: [128.0; 3],
            std: [128.0; 3],
        }
    }
}

/// Largest accepted image side; larger files are refused before decoding.
pub const MAX_IMAGE_SIDE: u32 = 16_384;

#[derive(Debug, thiserror::Error)]
pub enum ImageLoadError {
    #[error("cannot open {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot decode {path}: {message}")]
    Decode { path: PathBuf, message: String },
}

/// Decodes an image file to RGB8 as `cv2.imread` would: JPEGs through libjpeg-turbo's decoder
/// (accurate integer IDCT, fancy upsampling), other formats through the `image` crate, EXIF
/// orientation applied. Images beyond [`MAX_IMAGE_SIDE`] or 1 GiB are refused before decoding.
pub fn load_image(path: &Path) -> Result<RgbImage, ImageLoadError> {
    let bytes = std::fs::read(path).map_err(|source| ImageLoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode_image(&bytes).map_err(|message| ImageLoadError::Decode {
        path: path.to_path_buf(),
        message,
    })
}

/// [`load_image`] on bytes already in memory.
pub fn decode_image(bytes: &[u8]) -> Result<RgbImage, String> {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(1 << 30);
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let is_jpeg = reader.format() == Some(image::ImageFormat::Jpeg);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    // libjpeg cannot convert CMYK/YCCK to RGB; those fall back to the image crate.
    let mut image = match is_jpeg.then(|| decode_jpeg_libjpeg(bytes)) {
        Some(Ok(rgb)) => image::DynamicImage::ImageRgb8(rgb),
        _ => image::DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?,
    };
    image.apply_orientation(orientation);
    Ok(image.into_rgb8())
}

/// libjpeg-turbo's default decode to RGB (what OpenCV's bundled libjpeg-turbo produces).
fn decode_jpeg_libjpeg(bytes: &[u8]) -> Result<RgbImage, String> {
    // libjpeg reports fatal errors by unwinding (without the panic hook); catch them here.
    std::panic::catch_unwind(|| -> Result<RgbImage, String> {
        let decompress = mozjpeg::Decompress::new_mem(bytes).map_err(|e| e.to_string())?;
        let (width, height) = decompress.size();
        if width > MAX_IMAGE_SIDE as usize || height > MAX_IMAGE_SIDE as usize {
            return Err(format!(
                "{width}×{height} exceeds the {MAX_IMAGE_SIDE}-pixel limit"
            ));
        }
        let mut started = decompress.rgb().map_err(|e| e.to_string())?;
        let pixels = started.read_scanlines::<u8>().map_err(|e| e.to_string())?;
        started.finish().map_err(|e| e.to_string())?;
        RgbImage::from_raw(width as u32, height as u32, pixels)
            .ok_or_else(|| "short JPEG scanlines".to_string())
    })
    .unwrap_or_else(|payload| {
        Err(payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "libjpeg failed".to_string()))
    })
}

/// One output position's two source taps and weights.
#[derive(Debug, Clone, Copy)]
struct Tap {
    i0: usize,
    i1: usize,
    w0: f32,
    w1: f32,
}

/// OpenCV's INTER_LINEAR taps: half-pixel centres, the fraction computed in f64 and rounded
/// to f32 once (what OpenCV 5 does for images ≥ 2 px wide), weights zeroed outside the image.
fn linear_taps(dst: usize, src: usize) -> Vec<Tap> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|d| {
            let f = (d as f64 + 0.5) * scale - 0.5;
            let mut s = f.floor() as i64;
            let mut frac = (f - f.floor()) as f32;
            if s < 0 {
                s = 0;
                frac = 0.0;
            }
            if s >= src as i64 - 1 {
                s = src as i64 - 1;
                frac = 0.0;
            }
            let s = s as usize;
            Tap {
                i0: s,
                i1: (s + 1).min(src - 1),
                w0: 1.0 - frac,
                w1: frac,
            }
        })
        .collect()
}

/// OpenCV `cv2.resize(src, (dst_w, dst_h))` with INTER_LINEAR on f32 HWC data (no
/// antialiasing): a horizontal then a vertical pass, each `fma(b, w1, a·w0)`. Matches
/// OpenCV 5.0 to within an ulp or two.
pub fn resize_linear(
    src: &[f32],
    [src_h, src_w, channels]: [usize; 3],
    [dst_h, dst_w]: [usize; 2],
) -> Vec<f32> {
    let xs = linear_taps(dst_w, src_w);
    let ys = linear_taps(dst_h, src_h);
    let row_len = dst_w * channels;
    let rows: Vec<Vec<f32>> = (0..src_h)
        .map(|y| {
            let row = &src[y * src_w * channels..(y + 1) * src_w * channels];
            let mut out = Vec::with_capacity(row_len);
            for t in &xs {
                for c in 0..channels {
                    let (a, b) = (row[t.i0 * channels + c], row[t.i1 * channels + c]);
                    out.push(b.mul_add(t.w1, a * t.w0));
                }
            }
            out
        })
        .collect();
    let mut dst = Vec::with_capacity(dst_h * row_len);
    for t in &ys {
        let (r0, r1) = (&rows[t.i0], &rows[t.i1]);
        dst.extend(r0.iter().zip(r1).map(|(&a, &b)| b.mul_add(t.w1, a * t.w0)));
    }
    dst
}

/// TF1 `resize_bilinear` with `align_corners=False, half_pixel_centers=False` on u8 HWC:
/// `src = dst·in/out` per axis, clamped to the last pixel, interpolated in f64 as
/// `top·(1−fy) + bottom·fy`, then rounded half up to u8.
pub fn resize_tf1_legacy_u8(
    src: &[u8],
    [src_h, src_w, channels]: [usize; 3],
    [dst_h, dst_w]: [usize; 2],
) -> Vec<u8> {
    let taps = |dst: usize, src: usize| -> Vec<(usize, usize, f64)> {
        let scale = src as f64 / dst as f64;
        (0..dst)
            .map(|d| {
                let s = (d as f64 * scale).clamp(0.0, (src - 1) as f64);
                let i0 = s.floor() as usize;
                (i0, (i0 + 1).min(src - 1), s - i0 as f64)
            })
            .collect()
    };
    let (xs, ys) = (taps(dst_w, src_w), taps(dst_h, src_h));
    let px = |y: usize, x: usize, c: usize| src[(y * src_w + x) * channels + c] as f64;
    let mut out = Vec::with_capacity(dst_h * dst_w * channels);
    for &(y0, y1, fy) in &ys {
        for &(x0, x1, fx) in &xs {
            for c in 0..channels {
                let top = px(y0, x0, c) * (1.0 - fx) + px(y0, x1, c) * fx;
                let bottom = px(y1, x0, c) * (1.0 - fx) + px(y1, x1, c) * fx;
                let v = top * (1.0 - fy) + bottom * fy;
                out.push((v + 0.5).floor().clamp(0.0, 255.0) as u8);
            }
        }
    }
    out
}

/// BGR (or RGB) u8 HWC of an RGB image, as `cv2.imread` would hand it over.
pub fn to_channel_order(image: &RgbImage, color: ColorOrder) -> Vec<u8> {
    match color {
        ColorOrder::Rgb => image.as_raw().clone(),
        ColorOrder::Bgr => image.pixels().flat_map(|p| [p[2], p[1], p[0]]).collect(),
    }
}

/// u8 HWC (already in network channel order) → network input CHW `[3, size, size]`.
pub fn preprocess_hwc(
    hwc: &[u8],
    [h, w]: [usize; 2],
    size: usize,
    config: &PreprocessConfig,
) -> Vec<f32> {
    let resized = match config.resize {
        ResizeRule::OpenCvLinear => {
            let src: Vec<f32> = hwc.iter().map(|&v| v as f32).collect();
            resize_linear(&src, [h, w, 3], [size, size])
        }
        ResizeRule::Tf1LegacyU8 => resize_tf1_legacy_u8(hwc, [h, w, 3], [size, size])
            .into_iter()
            .map(f32::from)
            .collect(),
    };
    normalize_to_chw(&resized, size, config)
}

/// Resized f32 HWC (0–255) → `(x/divisor − mean[c]) / std[c]`, CHW.
pub fn normalize_to_chw(resized: &[f32], size: usize, config: &PreprocessConfig) -> Vec<f32> {
    let plane = size * size;
    let mut chw = vec![0.0f32; 3 * plane];
    for (i, px) in resized.chunks_exact(3).enumerate() {
        for c in 0..3 {
            chw[c * plane + i] = (px[c] / config.divisor - config.mean[c]) / config.std[c];
        }
    }
    chw
}

/// An RGB image → network input CHW `[3, size, size]`.
pub fn preprocess(image: &RgbImage, size: usize, config: &PreprocessConfig) -> Vec<f32> {
    let hwc = to_channel_order(image, config.color);
    preprocess_hwc(
        &hwc,
        [image.height() as usize, image.width() as usize],
        size,
        config,
    )
}
