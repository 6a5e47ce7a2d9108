//! TIDE's error breakdown (Bolya et al., ECCV 2020) of box detections, as tidecv 1.0.1
//! computes it: matching at IoU 0.5 within each class (≤ 100 detections per image), every
//! false positive put in one class (Loc, Cls, Dupe, Bkg, Both, in that order of tests), every
//! ground truth nobody came near a Miss, and each kind fixed by an oracle to say how much AP50
//! it costs (dAP, in AP points).

use std::collections::HashMap;

use serde::Serialize;

use super::predict::ImagePredictions;
use crate::dataset::Dataset;

/// One image's ground truth and detections (class indices, `[x1, y1, x2, y2]` pixels).
#[derive(Debug, Clone, Default)]
pub struct TideImage {
    pub truths: Vec<(usize, [f32; 4])>,
    /// Crowd regions: detections of their class mostly inside them are ignored.
    pub ignore: Vec<(usize, [f32; 4])>,
    /// `(class, score, box)` in the order the detector gave them.
    pub detections: Vec<(usize, f32, [f32; 4])>,
}

/// How many of each error there are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TideCounts {
    pub cls: usize,
    pub loc: usize,
    pub both: usize,
    pub dupe: usize,
    pub bkg: usize,
    pub miss: usize,
}

/// dAP (AP50 points gained when the errors of a kind are fixed), as tidecv prints them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TideReport {
    /// The AP50 the fixes are measured from (tidecv's: classes with detections but no ground
    /// truth count as 0).
    pub ap50: f64,
    pub cls: f64,
    pub loc: f64,
    pub both: f64,
    pub dupe: f64,
    pub bkg: f64,
    pub miss: f64,
    /// Perfect precision at the same recall (false positives scored 0).
    pub false_pos: f64,
    /// Perfect recall at the same precision (missed ground truth forgotten).
    pub false_neg: f64,
    pub counts: TideCounts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cls,
    Loc,
    Both,
    Dupe,
    Bkg,
    Miss,
}

/// A data point of the AP: `(score, true positive)`.
type Point = (f64, bool);

/// What fixing or not fixing an error puts in the AP data.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Nothing,
    Point {
        class: usize,
        point: Point,
    },
    /// One ground truth fewer of the class (a Miss fixed).
    Forget {
        class: usize,
    },
}

struct Error {
    kind: Kind,
    /// The detection's id, or the ground truth's for a Miss.
    id: usize,
    original: Outcome,
    fixed: Outcome,
}

/// Per class, the data points by id in insertion order (a Python dict) and the number of
/// ground-truth positives.
#[derive(Default, Clone)]
struct ApData {
    /// Classes in the order they were first touched.
    order: Vec<usize>,
    classes: HashMap<usize, ClassAp>,
}

#[derive(Default, Clone)]
struct ClassAp {
    points: Vec<(usize, Point)>,
    index: HashMap<usize, usize>,
    positives: i64,
}

impl ApData {
    fn class(&mut self, class: usize) -> &mut ClassAp {
        if !self.classes.contains_key(&class) {
            self.order.push(class);
        }
        self.classes.entry(class).or_default()
    }

    fn push(&mut self, class: usize, id: usize, point: Point) {
        let c = self.class(class);
        match c.index.get(&id) {
            Some(&i) => c.points[i].1 = point,
            None => {
                c.index.insert(id, c.points.len());
                c.points.push((id, point));
            }
        }
    }

    fn add_positives(&mut self, class: usize, n: i64) {
        self.class(class).positives += n;
    }

    fn map(&self) -> f64 {
        let aps: Vec<f64> = (self.order.iter())
            .map(|c| &self.classes[c])
            .filter(|c| !(c.points.is_empty() && c.positives == 0))
            .map(ClassAp::ap)
            .collect();
        if aps.is_empty() {
            0.0
        } else {
            aps.iter().sum::<f64>() / aps.len() as f64
        }
    }
}

impl ClassAp {
    /// tidecv's AP: the 101-point interpolated precision, in points.
    fn ap(&self) -> f64 {
        if self.positives == 0 {
            return 0.0;
        }
        let mut points: Vec<Point> = self.points.iter().map(|(_, p)| *p).collect();
        // Stable, as Python's sort.
        points.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (mut tp, mut fp) = (0usize, 0usize);
        let (mut precision, mut recall) = (Vec::new(), Vec::new());
        for (_, correct) in points {
            if correct {
                tp += 1;
            } else {
                fp += 1;
            }
            precision.push(tp as f64 / (tp + fp) as f64);
            recall.push(tp as f64 / self.positives as f64);
        }
        for i in (1..precision.len()).rev() {
            if precision[i] > precision[i - 1] {
                precision[i - 1] = precision[i];
            }
        }
        let sum: f64 = (0..=100)
            .map(|k| {
                let level = k as f64 / 100.0;
                let i = recall.partition_point(|&r| r < level);
                precision.get(i).copied().unwrap_or(0.0)
            })
            .sum();
        sum / 101.0 * 100.0
    }
}

/// pycocotools' box IoU in double precision (`crowd`: over the detection's area alone).
fn iou(d: [f32; 4], g: [f32; 4], crowd: bool) -> f64 {
    let xywh = |b: [f32; 4]| {
        let [x1, y1, x2, y2] = b.map(f64::from);
        [x1, y1, x2 - x1, y2 - y1]
    };
    let ([dx, dy, dw, dh], [gx, gy, gw, gh]) = (xywh(d), xywh(g));
    let w = (dx + dw).min(gx + gw) - dx.max(gx);
    let h = (dy + dh).min(gy + gh) - dy.max(gy);
    if w <= 0.0 || h <= 0.0 {
        return 0.0;
    }
    let inter = w * h;
    let union = if crowd {
        dw * dh
    } else {
        dw * dh + gw * gh - inter
    };
    inter / union
}

/// numpy's argmax: the first index of the largest value.
fn argmax(values: impl Iterator<Item = f64>) -> (usize, f64) {
    values
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, v)| {
            if v > bv { (i, v) } else { (bi, bv) }
        })
}

/// Whether a ground truth was matched, could have been, and by whom best.
#[derive(Clone, Copy, Default)]
struct Truth {
    used: bool,
    usable: bool,
    best: Option<(f64, usize)>,
}

/// `dataset`'s images with `predictions` (one per sample, same order) as TIDE sees them:
/// difficult (crowd) objects are ignore regions of their class.
pub fn tide_images(dataset: &Dataset, predictions: &[ImagePredictions]) -> Vec<TideImage> {
    (dataset.samples.iter())
        .zip(predictions)
        .map(|(sample, p)| {
            let (ignore, truths) = sample
                .objects
                .iter()
                .partition::<Vec<_>, _>(|o| o.difficult);
            TideImage {
                truths: truths.iter().map(|o| (o.class, o.bbox)).collect(),
                ignore: ignore.iter().map(|o| (o.class, o.bbox)).collect(),
                detections: p.boxes.clone(),
            }
        })
        .collect()
}

/// The TIDE breakdown of `images` at tidecv's defaults (foreground IoU 0.5, background 0.1,
/// 100 detections per image).
pub fn tide(images: &[TideImage]) -> TideReport {
    const POS: f64 = 0.5;
    const BG: f64 = 0.1;
    const MAX_DETS: usize = 100;
    let mut ap = ApData::default();
    let mut errors: Vec<Error> = Vec::new();
    let mut false_negatives: HashMap<usize, i64> = HashMap::new();
    let mut next_id = 0usize;
    // Loc and Cls errors point at a ground truth whose best-scoring such detection is the
    // one the fix turns into a hit: resolved once every image is seen.
    // (error, truth, detection id)
    let mut pending: Vec<(usize, usize, usize)> = Vec::new();
    let mut truths_state: Vec<Truth> = Vec::new();
    for image in images {
        // Detections are numbered in input order across images, as tidecv's annotation ids.
        let first_id = next_id;
        next_id += image.detections.len();
        for &(class, _) in &image.truths {
            ap.add_positives(class, 1);
        }
        let base = truths_state.len();
        truths_state.extend(std::iter::repeat_n(Truth::default(), image.truths.len()));
        let truth_id = |g: usize| base + g;
        let mut order: Vec<usize> = (0..image.detections.len()).collect();
        order.sort_by(|&a, &b| image.detections[b].1.total_cmp(&image.detections[a].1));
        order.truncate(MAX_DETS);
        if order.is_empty() {
            for (g, &(class, _)) in image.truths.iter().enumerate() {
                *false_negatives.entry(class).or_default() += 1;
                errors.push(Error {
                    kind: Kind::Miss,
                    id: truth_id(g),
                    original: Outcome::Nothing,
                    fixed: Outcome::Forget { class },
                });
            }
            continue;
        }
        let dets: Vec<(usize, f32, [f32; 4])> =
            order.iter().map(|&i| image.detections[i]).collect();
        let det_ids: Vec<usize> = order.iter().map(|&i| first_id + i).collect();
        let gt_iou: Vec<Vec<f64>> = (dets.iter())
            .map(|d| image.truths.iter().map(|g| iou(d.2, g.1, false)).collect())
            .collect();
        let same = |p: usize, g: usize| dets[p].0 == image.truths[g].0;
        // Some(true) hit, Some(false) false positive, None ignored (inside a crowd region).
        let mut used: Vec<Option<bool>> = vec![Some(false); dets.len()];
        if !image.truths.is_empty() {
            let mut taken = vec![false; image.truths.len()];
            for p in 0..dets.len() {
                let (g, v) = argmax((0..image.truths.len()).map(|g| {
                    if taken[g] || !same(p, g) {
                        0.0
                    } else {
                        gt_iou[p][g]
                    }
                }));
                if v >= POS {
                    used[p] = Some(true);
                    taken[g] = true;
                    truths_state[truth_id(g)].used = true;
                }
            }
        }
        for &(class, region) in &image.ignore {
            for p in 0..dets.len() {
                if used[p] != Some(true) && iou(dets[p].2, region, true) > POS && class == dets[p].0
                {
                    used[p] = None;
                }
            }
        }
        for p in 0..dets.len() {
            let (class, score, _) = dets[p];
            let score = score as f64;
            let id = det_ids[p];
            if let Some(hit) = used[p] {
                ap.push(class, id, (score, hit));
            }
            if used[p] == Some(true) {
                continue;
            }
            let original = match used[p] {
                None => Outcome::Nothing,
                Some(_) => Outcome::Point {
                    class,
                    point: (score, false),
                },
            };
            let n = image.truths.len();
            // The one error this detection gets is the next one.
            let at = errors.len();
            let mut error = |kind, fixed| {
                errors.push(Error {
                    kind,
                    id,
                    original,
                    fixed,
                })
            };
            if n == 0 {
                error(Kind::Bkg, Outcome::Nothing);
                continue;
            }
            let gt_used = |g: usize| truths_state[truth_id(g)].used;
            let (g, v) = argmax((0..n).map(|g| if same(p, g) { gt_iou[p][g] } else { 0.0 }));
            let (gc, gv) = argmax((0..n).map(|g| if same(p, g) { 0.0 } else { gt_iou[p][g] }));
            let (_, dv) = argmax((0..n).map(|g| {
                if same(p, g) && gt_used(g) {
                    gt_iou[p][g]
                } else {
                    0.0
                }
            }));
            let (_, any) = argmax((0..n).map(|g| gt_iou[p][g]));
            let (kind, truth, fixed_class) = if (BG..=POS).contains(&v) {
                (Kind::Loc, Some(g), class)
            } else if gv >= POS {
                (Kind::Cls, Some(gc), image.truths[gc].0)
            } else if dv >= POS {
                (Kind::Dupe, None, class)
            } else if any <= BG {
                (Kind::Bkg, None, class)
            } else {
                (Kind::Both, None, class)
            };
            match truth {
                Some(g) if !gt_used(g) => {
                    let t = &mut truths_state[truth_id(g)];
                    t.usable = true;
                    if t.best.is_none_or(|(best, _)| best < score) {
                        t.best = Some((score, id));
                    }
                    pending.push((at, truth_id(g), id));
                    error(
                        kind,
                        Outcome::Point {
                            class: fixed_class,
                            point: (score, true),
                        },
                    );
                }
                // The ground truth was hit by another detection: fixing this one adds nothing.
                _ => error(kind, Outcome::Nothing),
            }
        }
        for (g, &(class, _)) in image.truths.iter().enumerate() {
            let t = truths_state[truth_id(g)];
            if t.used {
                continue;
            }
            *false_negatives.entry(class).or_default() += 1;
            if !t.usable {
                errors.push(Error {
                    kind: Kind::Miss,
                    id: truth_id(g),
                    original: Outcome::Nothing,
                    fixed: Outcome::Forget { class },
                });
            }
        }
    }
    // Only the best-scoring detection pointing at a ground truth becomes its hit.
    for (e, t, id) in pending {
        if truths_state[t].best.map(|(_, best)| best) != Some(id) {
            errors[e].fixed = Outcome::Nothing;
        }
    }
    let base = ap.map();
    let fixed =
        |fix: &dyn Fn(&Error) -> bool, transform: &dyn Fn(Point) -> Point, forget_missed: bool| {
            let mut positives: Vec<(usize, i64)> = ap
                .order
                .iter()
                .map(|c| (*c, ap.classes[c].positives))
                .collect();
            let mut new = ApData::default();
            for e in &errors {
                let outcome = if fix(e) { e.fixed } else { e.original };
                match outcome {
                    Outcome::Nothing => {}
                    Outcome::Point { class, point } => new.push(class, e.id, transform(point)),
                    Outcome::Forget { class } => {
                        if let Some(p) = positives.iter_mut().find(|(c, _)| *c == class) {
                            p.1 -= 1;
                        }
                    }
                }
            }
            for &(class, _) in &positives {
                for &(id, point) in &ap.classes[&class].points {
                    if point.1 {
                        new.push(class, id, transform(point));
                    }
                }
            }
            for &(class, n) in &positives {
                let missed = if forget_missed {
                    false_negatives.get(&class).copied().unwrap_or(0)
                } else {
                    0
                };
                new.add_positives(class, n - missed);
            }
            new.map()
        };
    let keep = |p: Point| p;
    let gain = |kind: Kind| (fixed(&|e| e.kind == kind, &keep, false) - base).max(0.0);
    let count = |kind: Kind| errors.iter().filter(|e| e.kind == kind).count();
    TideReport {
        ap50: base,
        cls: gain(Kind::Cls),
        loc: gain(Kind::Loc),
        both: gain(Kind::Both),
        dupe: gain(Kind::Dupe),
        bkg: gain(Kind::Bkg),
        miss: gain(Kind::Miss),
        false_pos: fixed(
            &|_| false,
            &|(_, hit)| (if hit { 1.0 } else { 0.0 }, hit),
            false,
        ) - base,
        false_neg: fixed(&|_| false, &keep, true) - base,
        counts: TideCounts {
            cls: count(Kind::Cls),
            loc: count(Kind::Loc),
            both: count(Kind::Both),
            dupe: count(Kind::Dupe),
            bkg: count(Kind::Bkg),
            miss: count(Kind::Miss),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: f32) -> [f32; 4] {
        [x, 0.0, x + 10.0, 10.0]
    }

    #[test]
    fn each_kind_of_error_is_found_and_fixing_it_is_hand_computed() {
        // Class 0: A at 0, B at 100, D at 400; class 1: C at 200.
        let image = TideImage {
            truths: vec![(0, at(0.0)), (0, at(100.0)), (1, at(200.0)), (0, at(400.0))],
            ignore: Vec::new(),
            detections: vec![
                (0, 0.9, at(0.0)),   // hits A
                (0, 0.8, at(0.0)),   // A again: Dupe
                (0, 0.7, at(200.0)), // on C with the wrong class: Cls
                (0, 0.6, at(300.0)), // nothing near: Bkg
                (0, 0.5, at(105.0)), // IoU 1/3 with B: Loc (B is not missed)
            ],
        };
        let t = tide(&[image]);
        let counts = TideCounts {
            cls: 1,
            loc: 1,
            both: 0,
            dupe: 1,
            bkg: 1,
            miss: 1, // D
        };
        assert_eq!(t.counts, counts);
        // Class 0: TP then four FPs, recall 1/3: 34 of 101 recall levels at precision 1.
        // Class 1: a ground truth and no detection: AP 0. tidecv means the two.
        let base = 34.0 / 101.0 * 100.0 / 2.0;
        assert!((t.ap50 - base).abs() < 1e-12, "{}", t.ap50);
        // Fixing Loc makes the last detection B's hit: precision 1, ½, ⅓, ¼, ⅖ at recall
        // ⅓ ×4, ⅔; the envelope is 1 up to ⅓ and ⅖ up to ⅔.
        let fixed = (34.0 + 33.0 * 0.4) / 101.0 * 100.0 / 2.0;
        assert!((t.loc - (fixed - base)).abs() < 1e-12, "{}", t.loc);
        // Removing the duplicate, the wrong-class or the background detection alone leaves the
        // envelope at 1 up to recall ⅓: no gain.
        assert_eq!((t.dupe, t.bkg), (0.0, 0.0));
    }

    #[test]
    fn a_detection_inside_a_crowd_region_of_its_class_is_ignored() {
        let image = TideImage {
            truths: vec![(0, at(0.0))],
            ignore: vec![(0, [100.0, 0.0, 200.0, 100.0])],
            detections: vec![(0, 0.9, at(0.0)), (0, 0.8, at(120.0))],
        };
        let t = tide(&[image]);
        assert_eq!(
            t.ap50, 100.0,
            "the crowd detection is neither a hit nor a false positive"
        );
        assert_eq!(t.false_pos, 0.0);
    }
}
