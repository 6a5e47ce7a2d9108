//! A loaded detector: network + priors + pre/post-processing, and what one forward pass gives.

use burn::prelude::*;
use burn::tensor::activation::softmax;
use image::RgbImage;

use crate::config::AssdConfig;
use crate::detect::{DetectConfig, Detection, detect, prior_boxes, prior_info, to_pixels};
use crate::labels::class_names;
use crate::model::Assd;
use crate::preprocess::{PreprocessConfig, preprocess};

/// Network plus everything needed around it.
#[derive(Debug)]
pub struct Detector {
    pub model: Assd,
    pub priors: Vec<[f32; 4]>,
    pub feature_sizes: Vec<usize>,
    pub preprocess: PreprocessConfig,
    pub class_names: Vec<String>,
    pub device: Device,
}

/// Host copies of a forward pass's detection outputs (enough to re-run NMS with other
/// thresholds), plus the attention maps, which stay on the device.
#[derive(Debug, Clone)]
pub struct Inference {
    /// `[P][dy, dx, dh, dw]`.
    pub loc: Vec<[f32; 4]>,
    /// Softmaxed class scores, `[P × classes]` row-major.
    pub scores: Vec<f32>,
    /// Per scale, β `[1, N_k, N_k]` on the device.
    pub attention: Vec<Tensor<3>>,
    /// Per scale `[H_k, W_k]`.
    pub feature_sizes: Vec<[usize; 2]>,
    /// Original image size `[width, height]`.
    pub image_size: [u32; 2],
}

impl Detector {
    pub fn new(model: Assd, device: Device) -> Result<Self, crate::config::ConfigError> {
        let feature_sizes = model.config.feature_sizes()?;
        let priors = prior_boxes(&model.config, &feature_sizes);
        let class_names = class_names(model.config.num_classes);
        Ok(Self {
            model,
            priors,
            feature_sizes,
            preprocess: PreprocessConfig::default(),
            class_names,
            device,
        })
    }

    pub fn config(&self) -> &AssdConfig {
        &self.model.config
    }

    /// Runs the network on an already preprocessed CHW input.
    pub fn infer_input(&self, chw: Vec<f32>, image_size: [u32; 2]) -> Inference {
        let size = self.config().input_size;
        let classes = self.config().num_classes;
        let x = Tensor::<4>::from_data(TensorData::new(chw, [1, 3, size, size]), &self.device);
        let out = self.model.forward(x);
        let [_, priors, _] = out.loc.dims();
        let scores = softmax(out.conf.reshape([priors, classes]), 1);
        let loc = tensor_to_vec(out.loc);
        let scores = tensor_to_vec(scores);
        Inference {
            loc: loc
                .chunks_exact(4)
                .map(|c| [c[0], c[1], c[2], c[3]])
                .collect(),
            scores,
            attention: out.attention,
            feature_sizes: out.feature_sizes,
            image_size,
        }
    }

    /// Preprocesses an image and runs the network.
    pub fn infer(&self, image: &RgbImage) -> Inference {
        let chw = preprocess(image, self.config().input_size, &self.preprocess);
        self.infer_input(chw, [image.width(), image.height()])
    }

    /// Detections of a forward pass in original-image pixels.
    pub fn detections(&self, inference: &Inference, config: &DetectConfig) -> Vec<Detection> {
        let raw = detect(
            &inference.loc,
            &inference.scores,
            &self.priors,
            self.config().num_classes,
            self.config().variances,
            config,
        );
        let [w, h] = inference.image_size;
        raw.into_iter()
            .map(|d| Detection {
                class_id: d.class_id,
                label: self.class_names[d.class_id].clone(),
                score: d.score,
                bbox: to_pixels(d.bbox, w, h),
                scale: prior_info(self.config(), &self.feature_sizes, d.prior)
                    .map_or(0, |p| p.scale),
                prior: d.prior,
            })
            .collect()
    }
}

/// Reads a float tensor back to the host.
pub fn tensor_to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap_or_default()
}
