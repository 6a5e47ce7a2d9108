//! Running a detector over a dataset to get what evaluation scores.

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
