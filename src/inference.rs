//! A loaded detector: network + priors + pre/post-processing, and what one forward pass gives.

use std::sync::Arc;

use burn::prelude::*;
use burn::tensor::activation::{sigmoid, softmax};
use image::RgbImage;

use crate::config::assd_config::{AssdConfig, ConfigError};
use crate::config::score::ScoreFunction;
use crate::detect::detector::{DetectConfig, Detection, detect_classes, to_pixels};
use crate::detect::priors::{prior_boxes, prior_info};
use crate::labels::class_names;
use crate::model::assd::Assd;
use crate::preprocess::{PreprocessConfig, preprocess};

/// Everything that turns raw outputs into detections, without the network: cheap to share
/// with threads that re-filter (threshold sliders) while the network runs elsewhere.
#[derive(Debug, Clone)]
pub struct DetectionHead {
    pub config: AssdConfig,
    /// `[P][cy, cx, h, w]`.
    pub priors: Vec<[f32; 4]>,
    /// Side of each scale's feature map.
    pub feature_sizes: Vec<usize>,
    pub class_names: Vec<String>,
    /// Output columns that are classes (≥ 1, and not one of the unnamed placeholder columns).
    pub classes: Vec<usize>,
    /// Per scale, the smallest and largest prior side in input pixels (√(h·w), for labels).
    pub prior_sizes: Vec<(f32, f32)>,
}

impl DetectionHead {
    pub fn new(config: AssdConfig) -> Result<Self, ConfigError> {
        let feature_sizes = config.feature_sizes()?;
        let priors = prior_boxes(&config, &feature_sizes);
        let class_names = config
            .class_names
            .clone()
            .filter(|names| names.len() == config.num_classes)
            .unwrap_or_else(|| class_names(config.num_classes));
        let classes = (1..config.num_classes)
            .filter(|&c| !class_names[c].is_empty())
            .collect();
        let size = config.input_size as f32;
        let mut rest = priors.as_slice();
        let prior_sizes = feature_sizes
            .iter()
            .zip(config.boxes_per_location())
            .map(|(&f, b)| {
                let (scale, next) = rest.split_at((f * f * b).min(rest.len()));
                rest = next;
                scale
                    .iter()
                    .map(|p| (p[2] * p[3]).sqrt() * size)
                    .fold((f32::INFINITY, 0f32), |(lo, hi), s| (lo.min(s), hi.max(s)))
            })
            .collect();
        Ok(Self {
            config,
            priors,
            feature_sizes,
            class_names,
            classes,
            prior_sizes,
        })
    }

    /// Detections of a forward pass in original-image pixels.
    pub fn detections(&self, raw: &RawOutputs, config: &DetectConfig) -> Vec<Detection> {
        let found = detect_classes(
            &raw.loc,
            &raw.scores,
            &self.priors,
            self.config.num_classes,
            &self.classes,
            self.config.variances,
            config,
        );
        let [w, h] = raw.image_size;
        found
            .into_iter()
            .map(|d| Detection {
                class_id: d.class_id,
                label: self.class_names[d.class_id].clone(),
                score: d.score,
                bbox: to_pixels(d.bbox, w, h),
                scale: prior_info(&self.config, &self.feature_sizes, d.prior)
                    .map_or(0, |p| p.scale),
                prior: d.prior,
            })
            .collect()
    }
}

/// Host copies of a forward pass's detection outputs: enough to re-run NMS with other
/// thresholds without the network.
#[derive(Debug, Clone)]
pub struct RawOutputs {
    /// `[P][dy, dx, dh, dw]`.
    pub loc: Vec<[f32; 4]>,
    /// Class scores (the model's softmax or sigmoid), `[P × classes]` row-major.
    pub scores: Vec<f32>,
    /// Per scale `[H_k, W_k]`.
    pub feature_sizes: Vec<[usize; 2]>,
    /// Original image size `[width, height]`.
    pub image_size: [u32; 2],
}

/// One forward pass: raw outputs on the host, attention maps still on the device.
#[derive(Debug, Clone)]
pub struct Inference {
    pub raw: RawOutputs,
    /// Per scale, β `[1, N_k, N_k]` on the device.
    pub attention: Vec<Tensor<3>>,
    /// Per scale, the column means of β (what each location receives), computed on the first
    /// attention query: they do not depend on the pixel, and each is a full N×N reduction.
    pub received: std::sync::OnceLock<Vec<Vec<f32>>>,
}

/// Network plus everything needed around it.
#[derive(Debug)]
pub struct Detector {
    /// The network as it runs: batch norm folded (see [`Detector::new`]).
    pub model: Assd,
    pub head: Arc<DetectionHead>,
    pub preprocess: PreprocessConfig,
    pub device: Device,
}

impl Detector {
    /// `model` for inference: its batch norms are folded into their convolutions
    /// ([`crate::model::fold`]) except on an autodiff device, so `self.model` is not for
    /// training or saving.
    pub fn new(model: Assd, device: Device) -> Result<Self, ConfigError> {
        let head = Arc::new(DetectionHead::new(model.config.clone())?);
        let model = if device.is_autodiff() {
            model
        } else {
            model.fold_batch_norm()
        };
        Ok(Self {
            preprocess: model.config.preprocess,
            model,
            head,
            device,
        })
    }

    pub fn config(&self) -> &AssdConfig {
        &self.model.config
    }

    /// Runs the network on an already preprocessed CHW input.
    pub fn infer_input(&self, chw: Vec<f32>, image_size: [u32; 2]) -> Inference {
        self.infer_inputs(chw, vec![image_size])
            .pop()
            .expect("one input gives one inference")
    }

    /// Runs the network once on a batch: `chw` holds `image_sizes.len()` preprocessed inputs
    /// back to back; one [`Inference`] per image, in order.
    pub fn infer_inputs(&self, chw: Vec<f32>, image_sizes: Vec<[u32; 2]>) -> Vec<Inference> {
        let size = self.config().input_size;
        let classes = self.config().num_classes;
        let batch = image_sizes.len();
        // Upload, network, scores and read-back all on the CPU pool's worker (run_model).
        let (attention, feature_sizes, priors, loc, scores) =
            crate::backend::run_model(&self.device, || {
                let x = Tensor::<4>::from_data(
                    TensorData::new(chw, [batch, 3, size, size]),
                    &self.device,
                );
                let out = self.model.forward(x);
                let [_, priors, _] = out.loc.dims();
                let logits = out.conf.reshape([batch * priors, classes]);
                let scores = match self.config().score {
                    ScoreFunction::Softmax => softmax(logits, 1),
                    ScoreFunction::Sigmoid => sigmoid(logits),
                };
                let (loc, scores) = (tensor_to_vec(out.loc), tensor_to_vec(scores));
                (out.attention, out.feature_sizes, priors, loc, scores)
            });
        image_sizes
            .into_iter()
            .enumerate()
            .map(|(i, image_size)| Inference {
                raw: RawOutputs {
                    loc: loc[i * priors * 4..(i + 1) * priors * 4]
                        .chunks_exact(4)
                        .map(|c| [c[0], c[1], c[2], c[3]])
                        .collect(),
                    scores: scores[i * priors * classes..(i + 1) * priors * classes].to_vec(),
                    feature_sizes: feature_sizes.clone(),
                    image_size,
                },
                // Each image's maps stay on the device, `[1, N_k, N_k]`.
                attention: attention
                    .iter()
                    .map(|a| a.clone().slice(i..i + 1))
                    .collect(),
                received: std::sync::OnceLock::new(),
            })
            .collect()
    }

    /// Preprocesses images and runs the network on them as one batch.
    pub fn infer_batch(&self, images: &[RgbImage]) -> Vec<Inference> {
        let size = self.config().input_size;
        let chw: Vec<f32> = images
            .iter()
            .flat_map(|image| preprocess(image, size, &self.preprocess))
            .collect();
        let sizes = images.iter().map(|i| [i.width(), i.height()]).collect();
        self.infer_inputs(chw, sizes)
    }

    /// Preprocesses an image and runs the network.
    pub fn infer(&self, image: &RgbImage) -> Inference {
        let chw = preprocess(image, self.config().input_size, &self.preprocess);
        self.infer_input(chw, [image.width(), image.height()])
    }

    /// Detections of a forward pass in original-image pixels.
    pub fn detections(&self, inference: &Inference, config: &DetectConfig) -> Vec<Detection> {
        self.head.detections(&inference.raw, config)
    }
}

/// Reads a float tensor back to the host.
pub fn tensor_to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap_or_default()
}
