//! An evaluation's figures: per class and their means, and the table `assd eval` prints.

use serde::Serialize;

use super::ap::PrCurve;
use super::tide::TideReport;

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
    /// The same at IoU 0.75 only (COCO's AP75).
    pub ap75_coco: f64,
    /// AP@[.5:.95] of the small (area < 32²), medium (< 96²) and large objects alone, as
    /// pycocotools scores them; `None` without ground truth of that size.
    pub ap_small: Option<f64>,
    pub ap_medium: Option<f64>,
    pub ap_large: Option<f64>,
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
    pub map75_coco: f64,
    /// Means over the classes with ground truth of that size (`None`: no class has any).
    pub map_small: Option<f64>,
    pub map_medium: Option<f64>,
    pub map_large: Option<f64>,
    /// TIDE's error breakdown (`assd eval --tide`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tide: Option<TideReport>,
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
        let size = |ap: Option<f64>| ap.map_or("-".to_string(), |ap| format!("{ap:.4}"));
        out += &format!(
            "COCO: AP75 {:.4} · AP small {} · medium {} · large {}\n",
            self.map75_coco,
            size(self.map_small),
            size(self.map_medium),
            size(self.map_large)
        );
        if let Some(t) = &self.tide {
            out += &format!(
                "TIDE (dAP50 in AP points from AP50 {:.2}): Cls {:.2} · Loc {:.2} · Both {:.2} · \
                 Dupe {:.2} · Bkg {:.2} · Miss {:.2} · FalsePos {:.2} · FalseNeg {:.2}\n",
                t.ap50, t.cls, t.loc, t.both, t.dupe, t.bkg, t.miss, t.false_pos, t.false_neg
            );
        }
        out += &format!(
            "({} images. AP VOC07: 11-point at IoU > 0.5; AP VOC all: all-point at IoU > 0.5; \
             AP .5:.95: COCO-style 101-point averaged over IoU 0.50:0.05:0.95, ≤ 100 detections \
             per image; AP50 COCO: the same at IoU 0.5; AP75 at 0.75; small / medium / large: AP .5:.95 \
             of objects of area < 32², < 96², ≥ 96² pixels² (COCO's annotated area). IoU without \
             the devkit's +1.)\n",
            self.images
        );
        out
    }
}
