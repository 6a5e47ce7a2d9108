//! Assigning ground-truth boxes to priors (`match` in the authors' code): every prior takes the
//! box it overlaps most, positives need IoU ≥ 0.5, and every box keeps its best prior even
//! below that. Boxes are y-first `[y1, x1, y2, x2]`, normalised; priors `[cy, cx, h, w]`.

use crate::detect::encode;

/// Prior `[cy, cx, h, w]` → corners `[y1, x1, y2, x2]`.
pub fn point_form(prior: [f32; 4]) -> [f32; 4] {
    let [cy, cx, h, w] = prior;
    [cy - h / 2.0, cx - w / 2.0, cy + h / 2.0, cx + w / 2.0]
}

/// IoU of every box with every prior corner box, `[G][P]`: intersection over
/// `A + B − intersection`, without the +1 of pixel conventions (as the authors).
pub fn iou_matrix(boxes: &[[f32; 4]], priors: &[[f32; 4]]) -> Vec<Vec<f32>> {
    boxes
        .iter()
        .map(|a| {
            let area_a = (a[2] - a[0]) * (a[3] - a[1]);
            priors
                .iter()
                .map(|b| {
                    let h = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
                    let w = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
                    let inter = h * w;
                    let area_b = (b[2] - b[0]) * (b[3] - b[1]);
                    inter / (area_a + area_b - inter)
                })
                .collect()
        })
        .collect()
}

/// Per-prior training targets of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchTargets {
    /// Encoded offsets `[dy, dx, dh, dw]` towards the matched box (for every prior; only the
    /// positives' are used).
    pub loc: Vec<[f32; 4]>,
    /// Class per prior: 0 background, else the matched box's label.
    pub conf: Vec<usize>,
}

impl MatchTargets {
    /// Priors matched to an object.
    pub fn positives(&self) -> usize {
        self.conf.iter().filter(|&&c| c > 0).count()
    }
}

/// Matches `boxes` (labels `labels`, 1-based classes) to `priors` at IoU `threshold`.
/// Ties pick the first maximum; when two boxes share a best prior the later one keeps it
/// (the authors' loop order).
pub fn match_priors(
    boxes: &[[f32; 4]],
    labels: &[usize],
    priors: &[[f32; 4]],
    threshold: f32,
    variances: [f32; 2],
) -> MatchTargets {
    let corners: Vec<[f32; 4]> = priors.iter().map(|&p| point_form(p)).collect();
    if boxes.is_empty() {
        return MatchTargets {
            loc: vec![[0.0; 4]; priors.len()],
            conf: vec![0; priors.len()],
        };
    }
    let overlaps = iou_matrix(boxes, &corners);
    // Per prior: the box it overlaps most.
    let mut best_gt = vec![f32::NEG_INFINITY; priors.len()];
    let mut best_gt_idx = vec![0usize; priors.len()];
    for (g, row) in overlaps.iter().enumerate() {
        for (p, &v) in row.iter().enumerate() {
            if v > best_gt[p] {
                best_gt[p] = v;
                best_gt_idx[p] = g;
            }
        }
    }
    // Per box: its best prior, which it keeps whatever the IoU.
    let best_prior: Vec<usize> = overlaps
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| {
                    if v > bv { (i, v) } else { (bi, bv) }
                })
                .0
        })
        .collect();
    for &p in &best_prior {
        best_gt[p] = 2.0;
    }
    for (g, &p) in best_prior.iter().enumerate() {
        best_gt_idx[p] = g;
    }
    let conf = (0..priors.len())
        .map(|p| {
            if best_gt[p] < threshold {
                0
            } else {
                labels[best_gt_idx[p]]
            }
        })
        .collect();
    let loc = (0..priors.len())
        .map(|p| encode(boxes[best_gt_idx[p]], priors[p], variances))
        .collect();
    MatchTargets { loc, conf }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_box_keeps_its_best_prior_even_below_the_threshold() {
        // Two priors; the box overlaps the second by 0.25 only, yet it is matched there.
        let priors = [[0.25, 0.25, 0.5, 0.5], [0.75, 0.75, 0.5, 0.5]];
        let boxes = [[0.5, 0.5, 0.75, 0.75]];
        let t = match_priors(&boxes, &[3], &priors, 0.5, [0.1, 0.2]);
        assert_eq!(t.conf, vec![0, 3]);
        // Centre (0.625, 0.625) vs prior centre 0.75: −0.125 / (0.1·0.5) = −2.5; size ln(0.5)/0.2.
        let [dy, dx, dh, dw] = t.loc[1];
        assert!((dy + 2.5).abs() < 1e-6 && (dx + 2.5).abs() < 1e-6);
        assert!((dh - 0.5f32.ln() / 0.2).abs() < 1e-6 && (dw - dh).abs() < 1e-6);
        assert_eq!(iou_matrix(&boxes, &[point_form(priors[1])])[0][0], 0.25);
    }

    #[test]
    fn no_boxes_means_all_background() {
        let t = match_priors(&[], &[], &[[0.5, 0.5, 0.2, 0.2]], 0.5, [0.1, 0.2]);
        assert_eq!(t.conf, vec![0]);
    }
}
