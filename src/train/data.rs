//! Training batches: decode, augment, resize + normalise as at inference, and match to the
//! priors, on a background thread so the model never waits for the disk.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

use super::augment::{AugmentConfig, augment, sample_rng};
use super::matching::{MatchTargets, match_priors};
use crate::dataset::Sample;
use crate::preprocess::{PreprocessConfig, load_image, preprocess};

/// A batch ready for the network.
#[derive(Debug, Clone)]
pub struct Batch {
    /// `[batch, 3, s, s]`, row-major.
    pub input: Vec<f32>,
    pub targets: Vec<MatchTargets>,
    pub size: usize,
}

/// Everything needed to turn samples into batches.
#[derive(Clone)]
pub struct BatchMaker {
    pub samples: Arc<Vec<Sample>>,
    pub priors: Arc<Vec<[f32; 4]>>,
    pub input_size: usize,
    pub preprocess: PreprocessConfig,
    pub variances: [f32; 2],
    pub augment: Option<AugmentConfig>,
    pub seed: u64,
}

impl BatchMaker {
    /// One sample: pixels (CHW) and its targets; `None` (with the reason) when the image
    /// cannot be read.
    pub fn prepare(&self, index: usize, epoch: u64) -> Result<(Vec<f32>, MatchTargets), String> {
        let sample = &self.samples[index];
        let image = load_image(&sample.image).map_err(|e| e.to_string())?;
        let boxes: Vec<[f32; 4]> = sample
            .objects
            .iter()
            .filter(|o| !o.difficult)
            .map(|o| o.bbox)
            .collect();
        let labels: Vec<usize> = sample
            .objects
            .iter()
            .filter(|o| !o.difficult)
            .map(|o| o.class + 1)
            .collect();
        let (image, boxes, labels) = match &self.augment {
            Some(config) => {
                let mut rng = sample_rng(self.seed, epoch, index as u64);
                augment(&image, &boxes, &labels, config, &mut rng)
            }
            None => (image, boxes, labels),
        };
        let (w, h) = (image.width() as f32, image.height() as f32);
        // y-first and normalised, as the authors' targets.
        let normalised: Vec<[f32; 4]> = boxes
            .iter()
            .map(|b| [b[1] / h, b[0] / w, b[3] / h, b[2] / w])
            .collect();
        let input = preprocess(&image, self.input_size, &self.preprocess);
        let targets = match_priors(&normalised, &labels, &self.priors, 0.5, self.variances);
        Ok((input, targets))
    }

    /// Batches of `order` (indices into the samples) on a background thread, two ahead.
    /// Unreadable images are reported through `Err` items and skipped.
    pub fn spawn(
        &self,
        order: Vec<usize>,
        batch_size: usize,
        epoch: u64,
    ) -> Receiver<Result<Batch, String>> {
        let (tx, rx) = sync_channel(2);
        let maker = self.clone();
        std::thread::spawn(move || {
            for chunk in order.chunks(batch_size.max(1)) {
                let mut input = Vec::new();
                let mut targets = Vec::new();
                for &i in chunk {
                    match maker.prepare(i, epoch) {
                        Ok((pixels, t)) => {
                            input.extend(pixels);
                            targets.push(t);
                        }
                        Err(e) => {
                            if tx.send(Err(e)).is_err() {
                                return;
                            }
                        }
                    }
                }
                if targets.is_empty() {
                    continue;
                }
                let size = targets.len();
                if tx
                    .send(Ok(Batch {
                        input,
                        targets,
                        size,
                    }))
                    .is_err()
                {
                    return;
                }
            }
        });
        rx
    }
}
