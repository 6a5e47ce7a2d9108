//! The authors' `Detect` (per-class NMS over decoded priors) and `eval_single`'s scaling to
//! pixels, plus a class-agnostic variant.

use serde::{Deserialize, Serialize};

use super::boxes::decode;
use super::nms::nms;

/// Detection thresholds; defaults are the authors' `config.py`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DetectConfig {
    /// Candidates need a score strictly above this. Default: 0.01.
    pub conf_thresh: f32,
    /// Boxes with IoU above this against a kept box are suppressed. Default: 0.45.
    pub nms_thresh: f32,
    /// At most this many candidates per class enter NMS (and are output). Default: 200.
    pub top_k: usize,
    /// Run one NMS over all classes instead of one per class. Default: false.
    pub class_agnostic: bool,
    /// Keep at most this many detections per image, best first (COCO evaluation keeps 100).
    /// Default: no limit (the authors').
    #[serde(default)]
    pub max_per_image: Option<usize>,
}

impl Default for DetectConfig {
    fn default() -> Self {
        Self {
            conf_thresh: 0.01,
            nms_thresh: 0.45,
            top_k: 200,
            class_agnostic: false,
            max_per_image: None,
        }
    }
}

/// One detection in normalised network coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawDetection {
    /// Class index (≥ 1; 0 is background).
    pub class_id: usize,
    pub score: f32,
    /// `[y1, x1, y2, x2]`, normalised, unclipped.
    pub bbox: [f32; 4],
    /// Flat index of the prior box it was decoded from.
    pub prior: usize,
}

/// Decodes every prior and runs NMS.
///
/// `loc` is `[P][dy, dx, dh, dw]`, `scores` the softmaxed `[P × classes]` row-major,
/// `priors` `[P][cy, cx, h, w]`. Output is grouped by class (ascending) and, within a class,
/// in pick order (descending score), like the authors' `[1, classes, top_k, 5]` tensor;
/// with `class_agnostic` it is a single list in pick order.
pub fn detect(
    loc: &[[f32; 4]],
    scores: &[f32],
    priors: &[[f32; 4]],
    num_classes: usize,
    variances: [f32; 2],
    config: &DetectConfig,
) -> Vec<RawDetection> {
    let classes: Vec<usize> = (1..num_classes).collect();
    detect_classes(
        loc,
        scores,
        priors,
        num_classes,
        &classes,
        variances,
        config,
    )
}

/// [`detect`] over the listed classes only (a model's output columns that are not classes,
/// such as COCO's unused ids, are left out). With [`DetectConfig::max_per_image`] the best
/// that many are kept, still grouped by class.
pub fn detect_classes(
    loc: &[[f32; 4]],
    scores: &[f32],
    priors: &[[f32; 4]],
    num_classes: usize,
    classes: &[usize],
    variances: [f32; 2],
    config: &DetectConfig,
) -> Vec<RawDetection> {
    let boxes: Vec<[f32; 4]> = loc
        .iter()
        .zip(priors)
        .map(|(&l, &p)| decode(l, p, variances))
        .collect();
    let candidates = |class: usize| {
        (0..priors.len())
            .filter(move |&p| scores[p * num_classes + class] > config.conf_thresh)
            .map(move |p| (p, class))
    };
    let run = |cands: Vec<(usize, usize)>, out: &mut Vec<RawDetection>| {
        let cand_boxes: Vec<[f32; 4]> = cands.iter().map(|&(p, _)| boxes[p]).collect();
        let cand_scores: Vec<f32> = cands
            .iter()
            .map(|&(p, c)| scores[p * num_classes + c])
            .collect();
        for i in nms(&cand_boxes, &cand_scores, config.nms_thresh, config.top_k) {
            let (prior, class_id) = cands[i];
            out.push(RawDetection {
                class_id,
                score: cand_scores[i],
                bbox: cand_boxes[i],
                prior,
            });
        }
    };
    let mut out = Vec::new();
    if config.class_agnostic {
        run(
            classes.iter().flat_map(|&c| candidates(c)).collect(),
            &mut out,
        );
    } else {
        for &class in classes {
            run(candidates(class).collect(), &mut out);
        }
    }
    if let Some(limit) = config.max_per_image.filter(|&l| l < out.len()) {
        // The score of the limit-th best; ties at the cut keep the earlier detections.
        let mut order: Vec<usize> = (0..out.len()).collect();
        order.sort_by(|&a, &b| out[b].score.total_cmp(&out[a].score).then(a.cmp(&b)));
        let mut keep = vec![false; out.len()];
        for &i in &order[..limit] {
            keep[i] = true;
        }
        let mut i = 0;
        out.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }
    out
}

/// A detection in original-image pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub class_id: usize,
    pub label: String,
    pub score: f32,
    /// `[x1, y1, x2, y2]` in pixels of the original image.
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    /// Prediction scale the winning prior belongs to.
    pub scale: usize,
    /// Flat prior index.
    pub prior: usize,
}

/// Scales a normalised y-first box to pixels and clips it as `eval_single` does
/// (y1, x1 ≥ 0; y2 ≤ height; x2 ≤ width), returning `[x1, y1, x2, y2]`.
pub fn to_pixels(bbox: [f32; 4], width: u32, height: u32) -> [f32; 4] {
    let (w, h) = (width as f32, height as f32);
    let y1 = (bbox[0] * h).max(0.0);
    let x1 = (bbox[1] * w).max(0.0);
    let y2 = (bbox[2] * h).min(h);
    let x2 = (bbox[3] * w).min(w);
    [x1, y1, x2, y2]
}
