//! An evaluation's figures: per class and their means, and the table `assd eval` prints.

use serde::Serialize;

use super::ap::PrCurve;

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
