//! Scoring predictions against a dataset's ground truth under every AP summary.

use super::ap;
use super::ap::{AreaRange, MatchRule, ScoredBox, TruthBox, pr_curve};
use super::predict::ImagePredictions;
use super::report::{ClassResult, Report};
use crate::dataset::Dataset;

/// Scores `predictions` (one per sample, same order) against `dataset`.
pub fn evaluate(dataset: &Dataset, predictions: &[ImagePredictions]) -> Report {
    let mut classes = Vec::with_capacity(dataset.classes.len());
    for (c, name) in dataset.classes.iter().enumerate() {
        let truths = class_truths(dataset, c);
        let detections: Vec<ScoredBox> = predictions
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                p.boxes.iter().filter(move |(class, _, _)| *class == c).map(
                    move |&(_, score, bbox)| ScoredBox {
                        image: i,
                        score,
                        bbox,
                    },
                )
            })
            .collect();
        let coco_detections = coco_detections(predictions, c);
        let curve = pr_curve(&detections, &truths, 0.5, MatchRule::Voc);
        let sized =
            |range| ap::coco_ap_in(&coco_detections, &truths, &ap::coco_thresholds(), range);
        classes.push(ClassResult {
            class: name.clone(),
            positives: curve.positives,
            detections: detections.len(),
            ap_voc07: ap::voc07_ap(&curve),
            ap_voc_all: ap::all_point_ap(&curve),
            ap_coco: ap::coco_ap(&coco_detections, &truths),
            ap50_coco: ap::coco_ap50(&coco_detections, &truths),
            ap75_coco: ap::coco_ap_in(&coco_detections, &truths, &[0.75], AreaRange::ALL)
                .unwrap_or(0.0),
            ap_small: sized(AreaRange::SMALL),
            ap_medium: sized(AreaRange::MEDIUM),
            ap_large: sized(AreaRange::LARGE),
            curve,
        });
    }
    let scored: Vec<&ClassResult> = classes.iter().filter(|c| c.positives > 0).collect();
    let mean = |f: fn(&ClassResult) -> f64| {
        if scored.is_empty() {
            0.0
        } else {
            scored.iter().map(|c| f(c)).sum::<f64>() / scored.len() as f64
        }
    };
    Report {
        images: dataset.samples.len(),
        map_voc07: mean(|c| c.ap_voc07),
        map_voc_all: mean(|c| c.ap_voc_all),
        map_coco: mean(|c| c.ap_coco),
        map50_coco: mean(|c| c.ap50_coco),
        map75_coco: mean(|c| c.ap75_coco),
        map_small: mean_of_some(&classes, |c| c.ap_small),
        map_medium: mean_of_some(&classes, |c| c.ap_medium),
        map_large: mean_of_some(&classes, |c| c.ap_large),
        tide: None,
        classes,
    }
}

/// The ground-truth boxes of class `c`, each with its sample's index as image.
pub fn class_truths(dataset: &Dataset, c: usize) -> Vec<TruthBox> {
    (dataset.samples.iter().enumerate())
        .flat_map(|(i, s)| {
            (s.objects.iter().filter(|o| o.class == c)).map(move |o| TruthBox {
                image: i,
                bbox: o.bbox,
                difficult: o.difficult,
                area: o.bucket_area(),
            })
        })
        .collect()
}

/// The detections of class `c` that COCO's AP scores: each image's 100 best (pycocotools'
/// maxDets=100).
pub fn coco_detections(predictions: &[ImagePredictions], c: usize) -> Vec<ScoredBox> {
    (predictions.iter().enumerate())
        .flat_map(|(i, p)| {
            let mut own: Vec<&(usize, f32, [f32; 4])> =
                p.boxes.iter().filter(|(class, _, _)| *class == c).collect();
            own.sort_by(|a, b| b.1.total_cmp(&a.1));
            own.into_iter()
                .take(100)
                .map(|&(_, score, bbox)| ScoredBox {
                    image: i,
                    score,
                    bbox,
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The mean of the classes' figures that exist (`None` when none does).
fn mean_of_some(classes: &[ClassResult], f: fn(&ClassResult) -> Option<f64>) -> Option<f64> {
    let values: Vec<f64> = classes.iter().filter_map(f).collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}
