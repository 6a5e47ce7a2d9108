//! Average precision from ranked detections: matching to ground truth (VOC and COCO rules),
//! precision/recall curves, and the three AP summaries (VOC07 11-point, VOC all-point,
//! COCO-style 101-point over IoU 0.50:0.05:0.95, for all objects or one of COCO's sizes).

use std::collections::HashMap;

/// A detection of one class in image `image`, `[x1, y1, x2, y2]` pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredBox {
    pub image: usize,
    pub score: f32,
    pub bbox: [f32; 4],
}

/// A ground-truth box of one class; difficult (VOC) or crowd (COCO) boxes are neither
/// required nor counted as false positives when matched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruthBox {
    pub image: usize,
    pub bbox: [f32; 4],
    pub difficult: bool,
    /// The area COCO's size buckets use (the annotated one, else the box's).
    pub area: f32,
}

/// A range of object areas in pixels², bounds included (pycocotools' `areaRng`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AreaRange {
    pub min: f32,
    pub max: f32,
}

impl AreaRange {
    pub const ALL: Self = Self {
        min: 0.0,
        max: 1e10,
    };
    /// COCO's small objects: area < 32².
    pub const SMALL: Self = Self {
        min: 0.0,
        max: 32.0 * 32.0,
    };
    /// COCO's medium objects: 32² ≤ area < 96².
    pub const MEDIUM: Self = Self {
        min: 32.0 * 32.0,
        max: 96.0 * 96.0,
    };
    /// COCO's large objects: 96² ≤ area.
    pub const LARGE: Self = Self {
        min: 96.0 * 96.0,
        max: 1e10,
    };

    pub fn contains(self, area: f32) -> bool {
        area >= self.min && area <= self.max
    }
}

/// COCO's IoU thresholds 0.50, 0.55, …, 0.95.
pub fn coco_thresholds() -> [f32; 10] {
    std::array::from_fn(|k| 0.5 + 0.05 * k as f32)
}

fn area([x1, y1, x2, y2]: [f32; 4]) -> f32 {
    (x2 - x1) * (y2 - y1)
}

/// IoU of pixel boxes without the devkit's +1 (continuous coordinates, as the authors).
pub fn box_iou(a: [f32; 4], b: [f32; 4]) -> f32 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

/// Intersection over the detection's own area (pycocotools' IoU against a crowd region).
pub fn crowd_overlap(det: [f32; 4], crowd: [f32; 4]) -> f32 {
    let w = (det[2].min(crowd[2]) - det[0].max(crowd[0])).max(0.0);
    let h = (det[3].min(crowd[3]) - det[1].max(crowd[1])).max(0.0);
    let area = (det[2] - det[0]) * (det[3] - det[1]);
    if area > 0.0 { w * h / area } else { 0.0 }
}

/// The precision/recall curve of one class, detections in descending score order.
#[derive(Debug, Clone, PartialEq)]
pub struct PrCurve {
    pub recall: Vec<f64>,
    pub precision: Vec<f64>,
    /// Non-difficult ground-truth boxes.
    pub positives: usize,
}

/// How a detection is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchRule {
    /// VOC devkit: the best-overlapping box (matched or not) decides; IoU must exceed the
    /// threshold; a second hit on a box is a false positive.
    Voc,
    /// COCO: the best still-unmatched box with IoU ≥ threshold; crowd boxes absorb the rest.
    Coco,
}

/// Recall and precision after `tp` hits and `fp` false positives of `positives` objects.
fn point(tp: usize, fp: usize, positives: usize) -> (f64, f64) {
    let recall = if positives > 0 {
        tp as f64 / positives as f64
    } else {
        0.0
    };
    (recall, tp as f64 / (tp + fp) as f64)
}

/// Matches `detections` (any order) to `truths` at `threshold`.
pub fn pr_curve(
    detections: &[ScoredBox],
    truths: &[TruthBox],
    threshold: f32,
    rule: MatchRule,
) -> PrCurve {
    if rule == MatchRule::Coco {
        return coco_curve(detections, truths, threshold, AreaRange::ALL);
    }
    let positives = truths.iter().filter(|t| !t.difficult).count();
    let mut order: Vec<&ScoredBox> = detections.iter().collect();
    // Stable: equal scores keep their input order.
    order.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut matched = vec![false; truths.len()];
    let (mut tp, mut fp) = (0usize, 0usize);
    let (mut recall, mut precision) = (Vec::new(), Vec::new());
    for d in order {
        // The VOC devkit: the best-overlapping box (matched or not) decides.
        let hit = truths
            .iter()
            .enumerate()
            .filter(|(_, t)| t.image == d.image)
            .map(|(i, t)| (i, box_iou(d.bbox, t.bbox)))
            .fold(None, |best: Option<(usize, f32)>, (i, iou)| match best {
                Some((_, b)) if b >= iou => best,
                _ => Some((i, iou)),
            })
            .filter(|&(_, iou)| iou > threshold)
            .map(|(i, _)| i);
        match hit {
            Some(i) if truths[i].difficult => continue,
            Some(i) if !matched[i] => {
                matched[i] = true;
                tp += 1;
            }
            _ => fp += 1,
        }
        let (r, p) = point(tp, fp, positives);
        recall.push(r);
        precision.push(p);
    }
    PrCurve {
        recall,
        precision,
        positives,
    }
}

/// What a ranked detection counts as under COCO's matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Hit,
    FalsePositive,
    /// Matched to an ignored box (crowd, or outside the area range), or an unmatched detection
    /// whose own box lies outside the range: neither a hit nor a false positive.
    Ignored,
}

/// pycocotools' matching (`evaluateImg`) of one class at `threshold`, counting only objects in
/// `range`: crowd boxes and objects outside the range are ignored, a detection matched to one
/// is neither a hit nor a false positive, and so is an unmatched detection whose own box lies
/// outside the range. Each detection takes the best-overlapping box not yet matched (crowd
/// regions absorb any number), preferring counted boxes to ignored ones; on equal overlap the
/// later box, as pycocotools' loop does. Returns each detection's image and outcome in rank
/// order (descending score; equal scores in input order, as numpy's mergesort), and the
/// number of counted objects. Matching is per image: an image's outcomes do not depend on the
/// others.
pub fn coco_match(
    detections: &[ScoredBox],
    truths: &[TruthBox],
    threshold: f32,
    range: AreaRange,
) -> (Vec<(usize, Outcome)>, usize) {
    let ignored: Vec<bool> = (truths.iter())
        .map(|t| t.difficult || !range.contains(t.area))
        .collect();
    let positives = ignored.iter().filter(|i| !**i).count();
    // Per image, the boxes in pycocotools' order: counted ones first, then the ignored.
    let mut by_image: HashMap<usize, Vec<usize>> = HashMap::new();
    for pass in [false, true] {
        for (i, t) in truths
            .iter()
            .enumerate()
            .filter(|(i, _)| ignored[*i] == pass)
        {
            by_image.entry(t.image).or_default().push(i);
        }
    }
    let mut order: Vec<&ScoredBox> = detections.iter().collect();
    order.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut matched = vec![false; truths.len()];
    let mut ranked = Vec::with_capacity(order.len());
    for d in order {
        let mut best = threshold.min(1.0 - 1e-10);
        let mut hit: Option<usize> = None;
        for &g in by_image.get(&d.image).map_or(&[][..], Vec::as_slice) {
            let t = &truths[g];
            if matched[g] && !t.difficult {
                continue;
            }
            // Matched to a counted box: the ignored ones (after it) cannot take it away.
            if hit.is_some_and(|m| !ignored[m]) && ignored[g] {
                break;
            }
            // A crowd region's overlap is the share of the detection inside it.
            let iou = if t.difficult {
                crowd_overlap(d.bbox, t.bbox)
            } else {
                box_iou(d.bbox, t.bbox)
            };
            if iou < best {
                continue;
            }
            best = iou;
            hit = Some(g);
        }
        let outcome = match hit {
            Some(g) => {
                matched[g] = true;
                if ignored[g] {
                    Outcome::Ignored
                } else {
                    Outcome::Hit
                }
            }
            None if !range.contains(area(d.bbox)) => Outcome::Ignored,
            None => Outcome::FalsePositive,
        };
        ranked.push((d.image, outcome));
    }
    (ranked, positives)
}

/// The precision/recall curve of ranked `outcomes` of `positives` objects (pycocotools'
/// `accumulate`; ignored detections add no point).
pub fn curve_of(outcomes: impl IntoIterator<Item = Outcome>, positives: usize) -> PrCurve {
    let (mut tp, mut fp) = (0usize, 0usize);
    let (mut recall, mut precision) = (Vec::new(), Vec::new());
    for outcome in outcomes {
        match outcome {
            Outcome::Hit => tp += 1,
            Outcome::FalsePositive => fp += 1,
            Outcome::Ignored => continue,
        }
        let (r, p) = point(tp, fp, positives);
        recall.push(r);
        precision.push(p);
    }
    PrCurve {
        recall,
        precision,
        positives,
    }
}

/// pycocotools' matching and ranking of one class at `threshold` for objects in `range` (see
/// [`coco_match`]).
pub fn coco_curve(
    detections: &[ScoredBox],
    truths: &[TruthBox],
    threshold: f32,
    range: AreaRange,
) -> PrCurve {
    let (ranked, positives) = coco_match(detections, truths, threshold, range);
    curve_of(ranked.into_iter().map(|(_, o)| o), positives)
}

/// VOC2007 11-point AP: mean over recall levels 0, 0.1, …, 1 of the best precision at
/// recall ≥ the level (0 where none).
pub fn voc07_ap(curve: &PrCurve) -> f64 {
    (0..=10)
        .map(|k| {
            let level = k as f64 / 10.0;
            curve
                .recall
                .iter()
                .zip(&curve.precision)
                .filter(|(r, _)| **r >= level)
                .map(|(_, p)| *p)
                .fold(0.0, f64::max)
        })
        .sum::<f64>()
        / 11.0
}

/// VOC2010+ all-point AP: area under the precision envelope (precision made monotonically
/// decreasing), summed over the recall steps.
pub fn all_point_ap(curve: &PrCurve) -> f64 {
    let mut recall = vec![0.0];
    recall.extend(&curve.recall);
    recall.push(1.0);
    let mut precision = vec![0.0];
    precision.extend(&curve.precision);
    precision.push(0.0);
    for i in (0..precision.len() - 1).rev() {
        precision[i] = precision[i].max(precision[i + 1]);
    }
    (1..recall.len())
        .filter(|&i| recall[i] != recall[i - 1])
        .map(|i| (recall[i] - recall[i - 1]) * precision[i])
        .sum()
}

/// COCO's 101-point interpolated AP of one curve (precision envelope sampled at recall
/// 0, 0.01, …, 1).
pub fn coco_101_ap(curve: &PrCurve) -> f64 {
    let mut envelope = curve.precision.clone();
    for i in (0..envelope.len().saturating_sub(1)).rev() {
        envelope[i] = envelope[i].max(envelope[i + 1]);
    }
    (0..=100)
        .map(|k| {
            // numpy's linspace(0, 1, 101) as pycocotools samples it: k · 0.01.
            let level = k as f64 * 0.01;
            // First point reaching the level (recall is non-decreasing).
            let i = curve.recall.partition_point(|&r| r < level);
            envelope.get(i).copied().unwrap_or(0.0)
        })
        .sum::<f64>()
        / 101.0
}

/// COCO-style AP of one class for objects in `range`: the mean over `thresholds` of the
/// 101-point AP (the caller applies the 100-detections-per-image limit); `None` when the class
/// has no counted object in the range (pycocotools' -1, left out of the mean over classes).
pub fn coco_ap_in(
    detections: &[ScoredBox],
    truths: &[TruthBox],
    thresholds: &[f32],
    range: AreaRange,
) -> Option<f64> {
    let curves: Vec<PrCurve> = (thresholds.iter())
        .map(|&t| coco_curve(detections, truths, t, range))
        .collect();
    if curves.first().is_none_or(|c| c.positives == 0) {
        return None;
    }
    Some(curves.iter().map(coco_101_ap).sum::<f64>() / curves.len() as f64)
}

/// COCO-style AP@[.5:.95] of one class: the mean of the 101-point AP at IoU 0.50, 0.55, …,
/// 0.95 (all object sizes; the caller applies the 100-detections-per-image limit).
pub fn coco_ap(detections: &[ScoredBox], truths: &[TruthBox]) -> f64 {
    coco_ap_in(detections, truths, &coco_thresholds(), AreaRange::ALL).unwrap_or(0.0)
}

/// COCO-style AP at IoU 0.5 alone (101-point, COCO matching): pycocotools' AP50.
pub fn coco_ap50(detections: &[ScoredBox], truths: &[TruthBox]) -> f64 {
    coco_101_ap(&pr_curve(detections, truths, 0.5, MatchRule::Coco))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(image: usize, score: f32, x: f32) -> ScoredBox {
        ScoredBox {
            image,
            score,
            bbox: [x, 0.0, x + 10.0, 10.0],
        }
    }

    fn truth(image: usize, x: f32, difficult: bool) -> TruthBox {
        TruthBox {
            image,
            bbox: [x, 0.0, x + 10.0, 10.0],
            difficult,
            area: 100.0,
        }
    }

    #[test]
    fn iou_is_hand_checked() {
        assert_eq!(
            box_iou([0.0, 0.0, 10.0, 10.0], [5.0, 0.0, 15.0, 10.0]),
            50.0 / 150.0
        );
        assert_eq!(box_iou([0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0]), 0.0);
    }

    /// Three objects; ranked detections TP, FP, TP, FP (a duplicate), with one miss.
    /// Precision 1, 1/2, 2/3, 1/2 at recall 1/3, 1/3, 2/3, 2/3.
    fn example() -> (Vec<ScoredBox>, Vec<TruthBox>) {
        let truths = vec![
            truth(0, 0.0, false),
            truth(0, 100.0, false),
            truth(1, 0.0, false),
        ];
        let dets = vec![
            det(0, 0.9, 0.0),
            det(0, 0.8, 50.0),
            det(0, 0.7, 100.0),
            det(0, 0.6, 1.0), // IoU 0.82 with an already matched box: a duplicate.
        ];
        (dets, truths)
    }

    #[test]
    fn curves_and_the_three_aps_match_hand_computation() {
        let (dets, truths) = example();
        let c = pr_curve(&dets, &truths, 0.5, MatchRule::Voc);
        let third = 1.0 / 3.0;
        assert_eq!(c.positives, 3);
        assert_eq!(c.recall, vec![third, third, 2.0 * third, 2.0 * third]);
        assert_eq!(c.precision, vec![1.0, 0.5, 2.0 / 3.0, 0.5]);
        // 11-point: levels 0..0.3 → 1 (4 levels), 0.4..0.6 → 2/3 (3 levels), 0.7..1 → 0.
        let want11 = (4.0 + 3.0 * 2.0 / 3.0) / 11.0;
        assert!((voc07_ap(&c) - want11).abs() < 1e-12);
        // All-point: envelope 1 up to 1/3, then 2/3 up to 2/3, 0 after.
        let want_all = third * 1.0 + third * (2.0 / 3.0);
        assert!((all_point_ap(&c) - want_all).abs() < 1e-12);
        // 101-point: recall levels 0..0.33 (34 levels) → 1, 0.34..0.66 (33) → 2/3.
        let want101 = (34.0 + 33.0 * 2.0 / 3.0) / 101.0;
        assert!(
            (coco_101_ap(&pr_curve(&dets, &truths, 0.5, MatchRule::Coco)) - want101).abs() < 1e-12
        );
        assert!((coco_ap50(&dets, &truths) - want101).abs() < 1e-12);
        // At IoU ≥ 0.85 the third detection (exact) still matches, the first (exact) too: the
        // same curve; the mean over 0.50:0.95 equals AP50 here because every match is exact.
        assert!((coco_ap(&dets, &truths) - want101).abs() < 1e-12);
    }

    #[test]
    fn a_detection_inside_a_crowd_region_is_ignored_as_pycocotools_does() {
        // A 10×10 detection inside a 100×100 crowd box: IoU 0.01, but all of it is inside.
        let crowd = TruthBox {
            image: 0,
            bbox: [0.0, 0.0, 100.0, 100.0],
            difficult: true,
            area: 10_000.0,
        };
        let truths = vec![truth(0, 200.0, false), crowd];
        let dets = vec![det(0, 0.9, 200.0), det(0, 0.8, 20.0)];
        assert_eq!(crowd_overlap([20.0, 0.0, 30.0, 10.0], crowd.bbox), 1.0);
        let c = pr_curve(&dets, &truths, 0.5, MatchRule::Coco);
        // The second detection is neither a TP nor an FP: one point on the curve.
        assert_eq!((c.recall, c.precision), (vec![1.0], vec![1.0]));
        // The VOC rule uses plain IoU: it is a false positive there.
        let v = pr_curve(&dets, &truths, 0.5, MatchRule::Voc);
        assert_eq!(v.precision, vec![1.0, 0.5]);
    }

    #[test]
    fn difficult_boxes_are_neither_required_nor_false_positives() {
        let truths = vec![truth(0, 0.0, false), truth(0, 100.0, true)];
        let dets = vec![det(0, 0.9, 100.0), det(0, 0.8, 0.0)];
        let c = pr_curve(&dets, &truths, 0.5, MatchRule::Voc);
        assert_eq!(c.positives, 1);
        assert_eq!(
            (c.recall.clone(), c.precision.clone()),
            (vec![1.0], vec![1.0])
        );
        assert_eq!(voc07_ap(&c), 1.0);
        assert_eq!(all_point_ap(&c), 1.0);
    }

    #[test]
    fn coco_ap_averages_over_iou_thresholds() {
        // One object, one detection shifted by 1 px: IoU 9/11 ≈ 0.818, a hit at 0.50…0.80
        // (7 of 10 thresholds), a miss at 0.85…0.95.
        let truths = vec![truth(0, 0.0, false)];
        let dets = vec![det(0, 0.9, 1.0)];
        assert!((coco_ap(&dets, &truths) - 0.7).abs() < 1e-12);
        // A perfect detection scores 1 at every threshold.
        assert_eq!(coco_ap(&[det(0, 0.5, 0.0)], &truths), 1.0);
        // COCO gives a duplicate to the next unmatched box; VOC counts it as a false positive.
        let truths = vec![truth(0, 0.0, false), truth(0, 2.0, false)];
        let dets = vec![det(0, 0.9, 0.0), det(0, 0.8, 0.5)];
        let voc = pr_curve(&dets, &truths, 0.5, MatchRule::Voc);
        let coco = pr_curve(&dets, &truths, 0.5, MatchRule::Coco);
        assert_eq!(voc.precision, vec![1.0, 0.5]);
        assert_eq!(coco.precision, vec![1.0, 1.0]);
    }

    #[test]
    fn size_buckets_ignore_other_objects_and_detections_as_pycocotools_does() {
        let sized = |x: f32, side: f32| TruthBox {
            image: 0,
            bbox: [x, 0.0, x + side, side],
            difficult: false,
            area: side * side,
        };
        let det = |score: f32, x: f32, side: f32| ScoredBox {
            image: 0,
            score,
            bbox: [x, 0.0, x + side, side],
        };
        // A small object (10×10) and a large one (100×100), each found; a small false
        // positive and a large one.
        let truths = vec![sized(0.0, 10.0), sized(200.0, 100.0)];
        let dets = vec![
            det(0.9, 200.0, 100.0),
            det(0.8, 500.0, 10.0),
            det(0.7, 0.0, 10.0),
            det(0.6, 700.0, 100.0),
        ];
        // Small: the large hit and the large false positive are ignored (matched to an
        // ignored object / outside the range): FP then TP → precision 1/2 at recall 1.
        let small = coco_curve(&dets, &truths, 0.5, AreaRange::SMALL);
        assert_eq!(small.positives, 1);
        assert_eq!(small.recall, vec![0.0, 1.0]);
        assert_eq!(small.precision, vec![0.0, 0.5]);
        // Large: TP, then the large FP; the small ones are ignored.
        let large = coco_curve(&dets, &truths, 0.5, AreaRange::LARGE);
        assert_eq!(
            (large.recall, large.precision),
            (vec![1.0, 1.0], vec![1.0, 0.5])
        );
        // All sizes: TP, FP, TP, FP.
        let all = coco_curve(&dets, &truths, 0.5, AreaRange::ALL);
        assert_eq!(all.precision, vec![1.0, 0.5, 2.0 / 3.0, 0.5]);
        // 101-point APs: the envelope is 1/2 everywhere for small; 1 for large.
        let t = [0.5];
        assert!((coco_ap_in(&dets, &truths, &t, AreaRange::SMALL).unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(coco_ap_in(&dets, &truths, &t, AreaRange::LARGE), Some(1.0));
        // No medium object: no AP (left out of the mean, pycocotools' -1).
        assert_eq!(coco_ap_in(&dets, &truths, &t, AreaRange::MEDIUM), None);
        // Bounds are inclusive: a 32×32 object is small and medium.
        assert!(AreaRange::SMALL.contains(1024.0) && AreaRange::MEDIUM.contains(1024.0));
    }

    #[test]
    fn a_match_to_a_counted_object_is_not_taken_by_a_better_ignored_one() {
        // A crowd region overlapping the detection fully, and a real object at IoU 0.6:
        // pycocotools keeps the real one (counted boxes come first and stop the search).
        let real = TruthBox {
            image: 0,
            bbox: [0.0, 0.0, 10.0, 10.0],
            difficult: false,
            area: 100.0,
        };
        let crowd = TruthBox {
            image: 0,
            bbox: [0.0, 0.0, 100.0, 100.0],
            difficult: true,
            area: 10_000.0,
        };
        let d = ScoredBox {
            image: 0,
            score: 0.9,
            bbox: [0.0, 0.0, 10.0, 6.0],
        };
        let c = coco_curve(&[d], &[crowd, real], 0.5, AreaRange::ALL);
        assert_eq!((c.recall, c.precision), (vec![1.0], vec![1.0]));
    }
}
