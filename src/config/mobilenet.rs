//! TensorFlow's COCO SSD-MobileNetV1 family (`ssd_mobilenet_v1_0.75_depth_quantized_300x300`):
//! the detector `assd convert detect.tflite` imports, and ASSD on top of it.

use super::assd_config::AssdConfig;
use super::backbone::BackboneKind;
use super::extra_layer::{Activation, ExtraLayer};
use super::priors::PriorLayout;
use super::score::ScoreFunction;
use crate::detect::detector::DetectConfig;
use crate::labels::COCO_LABELMAP;
use crate::preprocess::PreprocessConfig;

/// The four (1×1 squeeze, 3×3 stride-2 source) pairs after Conv2d_13, ReLU6, no BN (folded).
fn mobilenet_extras() -> Vec<ExtraLayer> {
    [(192, 384), (96, 192), (96, 192), (48, 96)]
        .iter()
        .flat_map(|&(mid, out)| {
            [
                ExtraLayer::new(mid, 1, 1, 0),
                ExtraLayer::new(out, 3, 2, 0).same().source(),
            ]
        })
        .collect()
}

/// TensorFlow's `ssd_anchor_generator` for six sources of sides `sizes` (min scale 0.2, max
/// 0.95, aspect ratios 1, 2, 1/2, 3, 1/3 plus an interpolated square, three boxes on the
/// lowest layer): boxes per location and `[cy, cx, h, w]` in head order. The converted model
/// uses the anchors stored in its file instead (these rounded to the uint8 grid).
pub fn mobilenet_anchors(sizes: &[usize]) -> (Vec<usize>, Vec<[f32; 4]>) {
    let layers = sizes.len();
    let scale = |k: usize| {
        if k >= layers {
            1.0
        } else {
            0.2 + (0.95 - 0.2) * k as f64 / (layers - 1) as f64
        }
    };
    let mut per_location = Vec::new();
    let mut boxes = Vec::new();
    for (k, &f) in sizes.iter().enumerate() {
        let specs: Vec<(f64, f64)> = if k == 0 {
            vec![(0.1, 1.0), (scale(0), 2.0), (scale(0), 0.5)]
        } else {
            let s = scale(k);
            vec![
                (s, 1.0),
                (s, 2.0),
                (s, 0.5),
                (s, 3.0),
                (s, 0.3333),
                ((s * scale(k + 1)).sqrt(), 1.0),
            ]
        };
        per_location.push(specs.len());
        for y in 0..f {
            for x in 0..f {
                let cy = (y as f64 + 0.5) / f as f64;
                let cx = (x as f64 + 0.5) / f as f64;
                for &(s, ar) in &specs {
                    let r = ar.sqrt();
                    boxes.push([cy as f32, cx as f32, (s / r) as f32, (s * r) as f32]);
                }
            }
        }
    }
    (per_location, boxes)
}

impl AssdConfig {
    /// TensorFlow's COCO SSD-MobileNetV1 (depth 0.75, 300 px, 1,917 anchors, 91 sigmoid
    /// outputs: column j = COCO category id j): RGB, TF1-legacy bilinear resize to 300×300
    /// rounded to u8, `(u8 − 128)/128`, 1×1 heads, box codes y-first with scales 10/10/5/5.
    pub fn ssd_mobilenet() -> Self {
        let sizes = [19, 10, 5, 3, 2, 1];
        let (per_location, boxes) = mobilenet_anchors(&sizes);
        Self::new(
            "ssd-mobilenet".into(),
            BackboneKind::MobileNetV1,
            300,
            mobilenet_extras(),
            Vec::new(),
        )
        .with_num_classes(COCO_LABELMAP.len())
        .with_fusion(false)
        .with_attention(false)
        .with_extras_batch_norm(false)
        .with_activation(Activation::Relu6)
        .with_head_kernel(1)
        .with_score(ScoreFunction::Sigmoid)
        .with_priors(PriorLayout::Stored {
            per_location,
            boxes,
        })
        .with_preprocess(PreprocessConfig::tensorflow())
        .with_detect(DetectConfig {
            conf_thresh: 0.01,
            nms_thresh: 0.6,
            top_k: 100,
            class_agnostic: false,
            max_per_image: Some(100),
        })
        .with_class_names(Some(COCO_LABELMAP.iter().map(|s| s.to_string()).collect()))
        .with_dataset_ids(Some((0..COCO_LABELMAP.len() as u32).collect()))
    }

    /// `ssd-mobilenet` with an ASSD attention unit on each of its six sources (no fusion
    /// block: this detector has none). The value convolutions start at zero, so fresh units
    /// are the identity and the pretrained detector's outputs are unchanged.
    pub fn assd_mobilenet() -> Self {
        Self {
            name: "assd-mobilenet".into(),
            ..Self::ssd_mobilenet()
                .with_attention(true)
                .with_attention_identity_init(true)
        }
    }
}
