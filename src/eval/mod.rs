//! Detection quality on an annotated dataset: per-class AP under the VOC07 11-point, VOC
//! all-point and COCO-style AP@[.5:.95] summaries, and precision/recall curves.

pub mod ap;
mod classes;
mod plot;

use serde::Serialize;

pub use ap::{MatchRule, PrCurve, ScoredBox, TruthBox, box_iou, pr_curve};
pub use classes::{ClassMatch, class_map};
pub use plot::pr_curves_png;

use crate::dataset::Dataset;
use crate::inference::Detector;
use crate::preprocess::{ImageLoadError, load_image};

/// Detections of one image, in dataset class indices and pixels.
#[derive(Debug, Clone, Default)]
pub struct ImagePredictions {
    /// `(class, score, [x1, y1, x2, y2])`.
    pub boxes: Vec<(usize, f32, [f32; 4])>,
}

/// Runs `detector` over every sample at its model's evaluation setting (the checkpoint's
/// [`crate::detect::DetectConfig`]: for the authors' ASSD score > 0.01, top 200 per class, NMS 0.45; for
/// SSD-MobileNet NMS 0.6, top 100 per class and 100 per image), whatever the display
/// threshold. `labels[c]` is the model label (1-based) of dataset class `c`; other
/// labels are dropped. `on_image` runs after each image (progress).
pub fn predict(
    detector: &Detector,
    dataset: &Dataset,
    labels: &[usize],
    mut on_image: impl FnMut(),
) -> Result<Vec<ImagePredictions>, ImageLoadError> {
    let config = detector.config().detect;
    let mut predictions = Vec::with_capacity(dataset.samples.len());
    for sample in &dataset.samples {
        let inference = detector.infer(&load_image(&sample.image)?);
        let boxes = detector
            .detections(&inference, &config)
            .into_iter()
            .filter_map(|d| {
                labels
                    .iter()
                    .position(|&label| label == d.class_id)
                    .map(|class| (class, d.score, d.bbox))
            })
            .collect();
        predictions.push(ImagePredictions { boxes });
        on_image();
    }
    Ok(predictions)
}

/// One class's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ClassResult {
    pub class: String,
    /// Non-difficult ground-truth boxes.
    pub positives: usize,
    pub detections: usize,
    /// VOC2007 11-point AP at IoU > 0.5.
    pub ap_voc07: f64,
    /// VOC2010+ all-point AP at IoU > 0.5.
    pub ap_voc_all: f64,
    /// COCO-style AP averaged over IoU 0.50:0.05:0.95 (101-point, ≤ 100 detections/image).
    pub ap_coco: f64,
    /// The same at IoU 0.5 only (COCO's AP50).
    pub ap50_coco: f64,
    #[serde(skip)]
    pub curve: PrCurve,
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub images: usize,
    pub classes: Vec<ClassResult>,
    /// Means over the classes that have ground truth.
    pub map_voc07: f64,
    pub map_voc_all: f64,
    pub map_coco: f64,
    pub map50_coco: f64,
}

/// Scores `predictions` (one per sample, same order) against `dataset`.
pub fn evaluate(dataset: &Dataset, predictions: &[ImagePredictions]) -> Report {
    let mut classes = Vec::with_capacity(dataset.classes.len());
    for (c, name) in dataset.classes.iter().enumerate() {
        let truths: Vec<TruthBox> = dataset
            .samples
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.objects
                    .iter()
                    .filter(|o| o.class == c)
                    .map(move |o| TruthBox {
                        image: i,
                        bbox: o.bbox,
                        difficult: o.difficult,
                    })
            })
            .collect();
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
        // pycocotools keeps each image's 100 best detections of the class (maxDets=100).
        let coco_detections: Vec<ScoredBox> = predictions
            .iter()
            .enumerate()
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
            .collect();
        let curve = pr_curve(&detections, &truths, 0.5, MatchRule::Voc);
        classes.push(ClassResult {
            class: name.clone(),
            positives: curve.positives,
            detections: detections.len(),
            ap_voc07: ap::voc07_ap(&curve),
            ap_voc_all: ap::all_point_ap(&curve),
            ap_coco: ap::coco_ap(&coco_detections, &truths),
            ap50_coco: ap::coco_ap50(&coco_detections, &truths),
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
        classes,
    }
}

impl Report {
    /// The per-class table and the means, labelled with which AP is which.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<16} {:>6} {:>8} {:>10} {:>10} {:>10} {:>10}\n",
            "class", "GT", "dets", "AP VOC07", "AP VOC all", "AP .5:.95", "AP50 COCO"
        );
        for c in &self.classes {
            out += &format!(
                "{:<16} {:>6} {:>8} {:>10.4} {:>10.4} {:>10.4} {:>10.4}\n",
                c.class,
                c.positives,
                c.detections,
                c.ap_voc07,
                c.ap_voc_all,
                c.ap_coco,
                c.ap50_coco
            );
        }
        out += &format!(
            "{:<16} {:>6} {:>8} {:>10.4} {:>10.4} {:>10.4} {:>10.4}\n",
            "mean", "", "", self.map_voc07, self.map_voc_all, self.map_coco, self.map50_coco
        );
        out += &format!(
            "({} images. AP VOC07: 11-point at IoU > 0.5; AP VOC all: all-point at IoU > 0.5; \
             AP .5:.95: COCO-style 101-point averaged over IoU 0.50:0.05:0.95, ≤ 100 detections \
             per image; AP50 COCO: the same at IoU 0.5. IoU without the devkit's +1.)\n",
            self.images
        );
        out
    }
}
