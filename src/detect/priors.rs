//! The authors' `PriorBox`: computed in f64, stored as f32, never clipped.

use crate::config::assd_config::AssdConfig;
use crate::config::priors::PriorLayout;

/// Prior boxes `[P][cy, cx, h, w]` for a configuration whose feature sizes are `sizes`: the
/// stored ones when the configuration carries them, else generated.
///
/// Order: scale k, then row i, column j, then min box, sqrt(min·max) box, and per aspect
/// ratio a wide then a tall box. Centres use the configured `step`, not input/size, so grids
/// may overrun the image exactly as the authors' do.
pub fn prior_boxes(config: &AssdConfig, sizes: &[usize]) -> Vec<[f32; 4]> {
    if let PriorLayout::Stored { boxes, .. } = &config.priors {
        return boxes.clone();
    }
    let image = config.input_size as f64;
    let mut out = Vec::new();
    for (spec, &f) in config.scales.iter().zip(sizes) {
        let f_k = image / spec.step;
        let s = spec.min_size / image;
        let s_prime = (s * (spec.max_size / image)).sqrt();
        for i in 0..f {
            for j in 0..f {
                let cy = (i as f64 + 0.5) / f_k;
                let cx = (j as f64 + 0.5) / f_k;
                out.push([cy, cx, s, s]);
                out.push([cy, cx, s_prime, s_prime]);
                for &ar in &spec.aspect_ratios {
                    let r = ar.sqrt();
                    out.push([cy, cx, s / r, s * r]);
                    out.push([cy, cx, s * r, s / r]);
                }
            }
        }
    }
    out.into_iter().map(|p| p.map(|v| v as f32)).collect()
}

/// Where a prior sits: its scale, grid cell and box index at that cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorInfo {
    pub scale: usize,
    /// Row and column of the cell in the scale's feature map.
    pub cell: [usize; 2],
    /// Box index at the cell (0 = min box, 1 = sqrt(min·max), then wide/tall pairs).
    pub anchor: usize,
}

/// Inverse of the flat prior index: offset_k + (y·W_k + x)·boxes_k + a.
pub fn prior_info(config: &AssdConfig, sizes: &[usize], index: usize) -> Option<PriorInfo> {
    let mut offset = 0;
    for (scale, (boxes, &f)) in config
        .boxes_per_location()
        .into_iter()
        .zip(sizes)
        .enumerate()
    {
        let count = f * f * boxes;
        if index < offset + count {
            let local = index - offset;
            let cell = local / boxes;
            return Some(PriorInfo {
                scale,
                cell: [cell / f, cell % f],
                anchor: local % boxes,
            });
        }
        offset += count;
    }
    None
}
