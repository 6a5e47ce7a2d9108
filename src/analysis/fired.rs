//! Which scale fired for an object.

use crate::detect::Detection;
use crate::eval::ap::box_iou;

/// The scale of the highest-scoring of `detections` (after NMS) of model label `label` with
/// score ≥ `conf` and IoU ≥ 0.5 with `bbox`; `None` when none qualifies.
pub fn fired_scale(
    bbox: [f32; 4],
    label: usize,
    detections: &[Detection],
    conf: f32,
) -> Option<usize> {
    detections
        .iter()
        .filter(|d| d.class_id == label && d.score >= conf && box_iou(d.bbox, bbox) >= 0.5)
        .max_by(|a, b| a.score.total_cmp(&b.score))
        .map(|d| d.scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(class_id: usize, score: f32, x: f32, scale: usize) -> Detection {
        Detection {
            class_id,
            label: String::new(),
            score,
            bbox: [x, 0.0, x + 10.0, 10.0],
            scale,
            prior: 0,
        }
    }

    #[test]
    fn the_best_overlapping_detection_of_the_class_names_the_scale() {
        let truth = [0.0, 0.0, 10.0, 10.0];
        let dets = [
            det(1, 0.9, 50.0, 0), // elsewhere
            det(2, 0.95, 0.0, 1), // another class
            det(1, 0.6, 1.0, 2),  // IoU 9/11
            det(1, 0.7, 2.0, 3),  // IoU 8/12: the best-scoring hit
            det(1, 0.2, 0.0, 4),  // below the threshold
        ];
        assert_eq!(fired_scale(truth, 1, &dets, 0.3), Some(3));
        assert_eq!(fired_scale(truth, 1, &dets, 0.8), None);
        assert_eq!(fired_scale(truth, 3, &dets, 0.3), None);
    }
}
