//! Two models scored on the same images, with a paired bootstrap over images: how much of a
//! difference in COCO AP and AP50 the images at hand can tell apart from chance.
//!
//! Each resample draws as many images as there are, with replacement, and scores both models
//! on that same draw (a drawn image counts as often as it is drawn, as if the dataset held
//! that many copies). COCO's matching is per image, so each image's outcomes are computed once
//! and only the ranking and the curves are redone per resample. The interval is the 2.5th and
//! 97.5th percentile of the resampled differences (numpy's linear interpolation).

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

use super::ap::{AreaRange, Outcome, coco_101_ap, coco_match, coco_thresholds, curve_of};
use super::evaluate::{class_truths, coco_detections};
use super::predict::ImagePredictions;
use crate::dataset::Dataset;

/// A difference and its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// On the images as they are.
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// Model A against model B on the same images (A − B), AP in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub images: usize,
    pub resamples: usize,
    pub seed: u64,
    pub map_a: f64,
    pub map_b: f64,
    pub map50_a: f64,
    pub map50_b: f64,
    pub delta_map: Interval,
    pub delta_map50: Interval,
}

/// One class's outcomes, per IoU threshold in rank order, and its counted objects per image.
struct ClassOutcomes {
    positives: Vec<u32>,
    ranked: Vec<Vec<(usize, Outcome)>>,
}

/// Every class's outcomes for one model's `predictions` on `dataset`.
fn outcomes(dataset: &Dataset, predictions: &[ImagePredictions]) -> Vec<ClassOutcomes> {
    let thresholds = coco_thresholds();
    (0..dataset.classes.len())
        .map(|c| {
            let truths = class_truths(dataset, c);
            let detections = coco_detections(predictions, c);
            let mut positives = vec![0u32; dataset.samples.len()];
            for t in truths.iter().filter(|t| !t.difficult) {
                positives[t.image] += 1;
            }
            let ranked = (thresholds.iter())
                .map(|&t| coco_match(&detections, &truths, t, AreaRange::ALL).0)
                .collect();
            ClassOutcomes { positives, ranked }
        })
        .collect()
}

/// COCO mAP and mAP50 with image `i` counted `weights[i]` times: the mean over the classes
/// with counted objects of the 101-point AP (over IoU 0.50:0.95, and at 0.50).
fn maps(classes: &[ClassOutcomes], weights: &[u32]) -> (f64, f64) {
    let (mut sum, mut sum50, mut scored) = (0.0, 0.0, 0usize);
    for class in classes {
        let positives: u32 = (class.positives.iter().zip(weights))
            .map(|(p, w)| p * w)
            .sum();
        if positives == 0 {
            continue;
        }
        let aps: Vec<f64> = (class.ranked.iter())
            .map(|ranked| {
                let repeated = (ranked.iter())
                    .flat_map(|&(image, o)| std::iter::repeat_n(o, weights[image] as usize));
                coco_101_ap(&curve_of(repeated, positives as usize))
            })
            .collect();
        sum += aps.iter().sum::<f64>() / aps.len() as f64;
        sum50 += aps[0];
        scored += 1;
    }
    if scored == 0 {
        return (0.0, 0.0);
    }
    (sum / scored as f64, sum50 / scored as f64)
}

/// The `q` quantile of sorted `values` (numpy's default linear interpolation).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let (below, above) = (position.floor() as usize, position.ceil() as usize);
    let t = position - below as f64;
    sorted[below] + (sorted[above] - sorted[below]) * t
}

fn interval(estimate: f64, mut deltas: Vec<f64>) -> Interval {
    deltas.sort_by(f64::total_cmp);
    Interval {
        estimate,
        low: quantile(&deltas, 0.025),
        high: quantile(&deltas, 0.975),
    }
}

/// Scores `a` and `b` (one prediction per sample of `dataset` each) and bootstraps their
/// difference over `resamples` draws of images seeded by `seed`.
pub fn compare(
    dataset: &Dataset,
    a: &[ImagePredictions],
    b: &[ImagePredictions],
    resamples: usize,
    seed: u64,
) -> Comparison {
    let n = dataset.samples.len();
    let (oa, ob) = (outcomes(dataset, a), outcomes(dataset, b));
    let ones = vec![1u32; n];
    let (map_a, map50_a) = maps(&oa, &ones);
    let (map_b, map50_b) = maps(&ob, &ones);
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut d, mut d50) = (Vec::with_capacity(resamples), Vec::with_capacity(resamples));
    let mut weights = vec![0u32; n];
    for _ in 0..resamples.max(1) {
        weights.iter_mut().for_each(|w| *w = 0);
        for _ in 0..n {
            weights[rng.random_range(0..n)] += 1;
        }
        let (ra, ra50) = maps(&oa, &weights);
        let (rb, rb50) = maps(&ob, &weights);
        d.push(ra - rb);
        d50.push(ra50 - rb50);
    }
    Comparison {
        images: n,
        resamples: resamples.max(1),
        seed,
        map_a,
        map_b,
        map50_a,
        map50_b,
        delta_map: interval(map_a - map_b, d),
        delta_map50: interval(map50_a - map50_b, d50),
    }
}

impl Comparison {
    /// The terminal's summary, in AP points.
    pub fn table(&self, name_a: &str, name_b: &str) -> String {
        let row = |what: &str, a: f64, b: f64, i: &Interval| {
            format!(
                "{what:<6} {:>7.2} {:>7.2} {:>+8.2}  [{:+.2}, {:+.2}]\n",
                100.0 * a,
                100.0 * b,
                100.0 * i.estimate,
                100.0 * i.low,
                100.0 * i.high
            )
        };
        format!(
            "A = {name_a}\nB = {name_b}\n{} images, paired bootstrap over images ({} resamples, \
             seed {}), 95% interval of A − B:\n{:<6} {:>7} {:>7} {:>8}  interval\n{}{}",
            self.images,
            self.resamples,
            self.seed,
            "",
            "A",
            "B",
            "A − B",
            row("AP", self.map_a, self.map_b, &self.delta_map),
            row("AP50", self.map50_a, self.map50_b, &self.delta_map50),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{Object, Sample};
    use crate::eval::evaluate;

    fn sample(boxes: &[(usize, [f32; 4])]) -> Sample {
        Sample {
            image: "x.jpg".into(),
            width: 100,
            height: 100,
            objects: (boxes.iter())
                .map(|&(class, bbox)| Object {
                    class,
                    bbox,
                    difficult: false,
                    area: None,
                })
                .collect(),
        }
    }

    /// Three images of two classes, and detections that hit, miss and land beside them.
    fn case() -> (Dataset, Vec<ImagePredictions>, Vec<ImagePredictions>) {
        let dataset = Dataset {
            classes: vec!["a".into(), "b".into()],
            samples: vec![
                sample(&[(0, [10.0, 10.0, 50.0, 50.0]), (1, [60.0, 60.0, 90.0, 90.0])]),
                sample(&[(0, [0.0, 0.0, 40.0, 30.0])]),
                sample(&[(1, [20.0, 20.0, 70.0, 80.0])]),
            ],
            skipped: Vec::new(),
        };
        let good = vec![
            ImagePredictions {
                boxes: vec![
                    (0, 0.9, [11.0, 10.0, 50.0, 52.0]),
                    (1, 0.8, [60.0, 62.0, 90.0, 90.0]),
                ],
            },
            ImagePredictions {
                boxes: vec![
                    (0, 0.7, [0.0, 0.0, 38.0, 30.0]),
                    (1, 0.6, [5.0, 5.0, 9.0, 9.0]),
                ],
            },
            ImagePredictions {
                boxes: vec![(1, 0.95, [22.0, 20.0, 70.0, 75.0])],
            },
        ];
        let worse = vec![
            ImagePredictions {
                boxes: vec![(0, 0.9, [30.0, 30.0, 70.0, 70.0])],
            },
            good[1].clone(),
            ImagePredictions {
                boxes: vec![(1, 0.3, [20.0, 30.0, 70.0, 80.0])],
            },
        ];
        (dataset, good, worse)
    }

    #[test]
    fn identical_models_differ_by_zero_with_an_interval_of_zero_width() {
        let (dataset, good, _) = case();
        let c = compare(&dataset, &good, &good, 1000, 7);
        assert_eq!(c.resamples, 1000);
        for i in [c.delta_map, c.delta_map50] {
            assert_eq!((i.estimate, i.low, i.high), (0.0, 0.0, 0.0));
        }
    }

    #[test]
    fn the_figures_on_all_images_are_those_of_evaluate() {
        let (dataset, good, worse) = case();
        let c = compare(&dataset, &good, &worse, 200, 1);
        let (ra, rb) = (evaluate(&dataset, &good), evaluate(&dataset, &worse));
        assert!(
            (c.map_a - ra.map_coco).abs() < 1e-12,
            "{} {}",
            c.map_a,
            ra.map_coco
        );
        assert!((c.map_b - rb.map_coco).abs() < 1e-12);
        assert!((c.map50_a - ra.map50_coco).abs() < 1e-12);
        assert!((c.map50_b - rb.map50_coco).abs() < 1e-12);
        assert!(c.delta_map.estimate > 0.0, "the good model is better");
        let i = c.delta_map;
        assert!(i.low <= i.estimate && i.estimate <= i.high, "{i:?}");
        assert!(i.high > i.low, "three images cannot pin it down: {i:?}");
        // Seeded: the same draws give the same interval.
        assert_eq!(compare(&dataset, &good, &worse, 200, 1), c);
    }

    #[test]
    fn an_image_drawn_twice_counts_as_two_copies() {
        let (dataset, good, worse) = case();
        let mut doubled = dataset.clone();
        doubled.samples.push(dataset.samples[2].clone());
        let twice = |p: &[ImagePredictions]| {
            let mut p = p.to_vec();
            p.push(p[2].clone());
            p
        };
        let (good2, worse2) = (twice(&good), twice(&worse));
        for (preds, preds2) in [(&good, &good2), (&worse, &worse2)] {
            let weighted = maps(&outcomes(&dataset, preds), &[1, 1, 2]);
            let report = evaluate(&doubled, preds2);
            assert!((weighted.0 - report.map_coco).abs() < 1e-12);
            assert!((weighted.1 - report.map50_coco).abs() < 1e-12);
        }
    }

    #[test]
    fn quantiles_interpolate_as_numpy() {
        let v = [0.0, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.0);
        assert!((quantile(&v, 0.025) - 0.1).abs() < 1e-12);
        assert!((quantile(&v, 0.975) - 3.9).abs() < 1e-12);
    }
}
