//! SSD-MobileNetV1 imported from TensorFlow's `detect.tflite` against the float reference
//! executor's fixtures (`../shared/models/ssd-mobilenet-v1-coco/`), and ASSD-MobileNet with
//! fresh attention units against it.

mod common;

use std::path::Path;

use assd::config::{AssdConfig, PriorLayout, mobilenet_anchors};
use assd::detect::{DetectConfig, decode, detect_classes};
use assd::inference::tensor_to_vec;
use assd::weights::{add_attention, load_model, read_tflite};
use burn::prelude::*;
use common::{Fx, max_abs_diff, shared_model};

/// spec.md §9: a float32 port fed `P/input` matches sources, box encodings and logits to
/// ~1e-4 (float32 vs float64 of the reference: ≤ 2.3e-5); 1e-3 leaves room for other
/// summation orders, as the spec advises.
const NET_TOL: f64 = 1e-3;
/// Decoded boxes and detection scores/boxes: "~1e-4" (spec.md §9).
const DET_TOL: f64 = 1e-4;

fn fixtures() -> Option<(std::path::PathBuf, std::collections::HashMap<String, Fx>)> {
    let tflite = shared_model("ssd-mobilenet-v1-coco/detect.tflite")?;
    let fx = shared_model("ssd-mobilenet-v1-coco/fixtures.safetensors")?;
    Some((tflite, common::load(&fx)))
}

/// `[1, 300, 300, 3]` NHWC → `[1, 3, 300, 300]`.
fn nchw(fx: &Fx, device: &Device) -> Tensor<4> {
    Tensor::<4>::from_data(TensorData::new(fx.f32(), [1, 300, 300, 3]), device)
        .permute([0, 3, 1, 2])
}

#[test]
fn import_reads_the_graph_weights_and_anchors() {
    let Some((tflite, _)) = fixtures() else {
        return;
    };
    let import = read_tflite(&tflite).expect("detect.tflite imports");
    assert_eq!(import.op_counts["CONV_2D"], 34);
    assert_eq!(import.op_counts["DEPTHWISE_CONV_2D"], 13);
    // 47 weights + 47 biases, 4,101,231 parameters (spec.md §0).
    assert_eq!(import.checkpoint.tensors.len(), 94);
    assert_eq!(import.checkpoint.num_params(), 4_101_231);
    assert_eq!(import.config.variances, [0.1, 0.2]);
    assert_eq!(import.config.detect.nms_thresh, 0.6);
    // Stored anchors are the analytic ones on the uint8 grid: within half a step (0.00645).
    let PriorLayout::Stored {
        boxes,
        per_location,
    } = &import.config.priors
    else {
        panic!("stored anchors expected");
    };
    assert_eq!(boxes.len(), 1917);
    assert_eq!(per_location, &vec![3, 6, 6, 6, 6, 6]);
    let (_, analytic) = mobilenet_anchors(&[19, 10, 5, 3, 2, 1]);
    let worst = boxes
        .iter()
        .flatten()
        .zip(analytic.iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(
        worst <= 0.0033,
        "anchors differ from the generator by {worst}"
    );
    // First anchor: (0.02581, 0.02581, 0.09680, 0.09680) (spec.md §6).
    assert!((boxes[0][2] - 0.09680).abs() < 1e-4, "{:?}", boxes[0]);
}

#[test]
fn ssd_mobilenet_reproduces_the_float_reference() {
    let Some((tflite, fx)) = fixtures() else {
        return;
    };
    let device = Device::flex();
    let model = load_model(&tflite, None, &device).expect("detect.tflite loads");
    assert_eq!(model.config.name, "ssd-mobilenet");
    let priors = assd::detect::prior_boxes(&model.config, &model.config.feature_sizes().unwrap());
    for image in ["rocket", "astronaut"] {
        let input = nchw(&fx[&format!("{image}/input")], &device);
        let sources = model.sources(input);
        for (k, source) in sources.iter().enumerate() {
            let want = &fx[&format!("{image}/source_{k}")];
            assert_eq!(source.dims().to_vec(), want.shape, "{image} source {k}");
            let d = max_abs_diff(&tensor_to_vec(source.clone()), &want.data);
            eprintln!("{image} source {k}: max |diff| {d:e}");
            assert!(d <= NET_TOL, "{image} source {k}: max |diff| {d:e}");
        }
        let out = model.predict(sources);
        let loc = tensor_to_vec(out.loc);
        let conf = tensor_to_vec(out.conf);
        let d_loc = max_abs_diff(&loc, &fx[&format!("{image}/box_encodings")].data);
        let d_conf = max_abs_diff(&conf, &fx[&format!("{image}/class_logits")].data);
        eprintln!("{image}: box codes {d_loc:e}, logits {d_conf:e}");
        assert!(
            d_loc <= NET_TOL && d_conf <= NET_TOL,
            "{image}: {d_loc:e} {d_conf:e}"
        );

        let loc: Vec<[f32; 4]> = loc
            .chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect();
        let decoded: Vec<f32> = loc
            .iter()
            .zip(&priors)
            .flat_map(|(&l, &p)| decode(l, p, model.config.variances))
            .collect();
        let d = max_abs_diff(&decoded, &fx[&format!("{image}/decoded_boxes")].data);
        eprintln!("{image}: decoded boxes {d:e}");
        assert!(d <= DET_TOL, "{image}: decoded boxes {d:e}");

        // TFLite_Detection_PostProcess as shipped: class-agnostic NMS at 0.6, 10 detections.
        let scores: Vec<f32> = conf.iter().map(|&x| 1.0 / (1.0 + (-x).exp())).collect();
        let config = DetectConfig {
            conf_thresh: 1e-8,
            nms_thresh: 0.6,
            top_k: scores.len(),
            class_agnostic: true,
            max_per_image: Some(10),
        };
        let classes: Vec<usize> = (1..91).collect();
        let dets = detect_classes(&loc, &scores, &priors, 91, &classes, [0.1, 0.2], &config);
        let want_classes = fx[&format!("{image}/det_classes")].usize();
        let want_scores = &fx[&format!("{image}/det_scores")].data;
        let want_boxes = &fx[&format!("{image}/det_boxes")].data;
        assert_eq!(dets.len(), 10);
        for (i, d) in dets.iter().enumerate() {
            assert_eq!(
                d.class_id,
                want_classes[i] + 1,
                "{image} detection {i}: class"
            );
            assert!(
                (d.score as f64 - want_scores[i]).abs() <= DET_TOL,
                "{image} detection {i}: score {} vs {}",
                d.score,
                want_scores[i]
            );
            for j in 0..4 {
                assert!(
                    (d.bbox[j] as f64 - want_boxes[i * 4 + j]).abs() <= DET_TOL,
                    "{image} detection {i}: box {:?} vs {:?}",
                    d.bbox,
                    &want_boxes[i * 4..i * 4 + 4]
                );
            }
        }
    }
}

#[test]
fn preprocessing_reproduces_the_reference_input() {
    let Some((_, fx)) = fixtures() else { return };
    let config = AssdConfig::ssd_mobilenet();
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    for (image, file) in [("rocket", "rocket.jpg"), ("astronaut", "astronaut.png")] {
        let rgb = assd::preprocess::load_image(&assets.join(file)).unwrap();
        let chw = assd::preprocess::preprocess(&rgb, 300, &config.preprocess);
        // The fixture is NHWC.
        let want = fx[&format!("{image}/input")].f32();
        let plane = 300 * 300;
        let mut differ = 0;
        let mut worst = 0f32;
        for i in 0..plane {
            for c in 0..3 {
                let d = (chw[c * plane + i] - want[i * 3 + c]).abs();
                worst = worst.max(d);
                differ += (d > 0.0) as usize;
            }
        }
        eprintln!(
            "{image}: {differ} of {} input values differ, by ≤ {worst}",
            3 * plane
        );
        assert_eq!(
            differ, 0,
            "{image}: preprocessed input differs (max {worst})"
        );
    }
}

#[test]
fn fresh_attention_units_leave_the_detector_unchanged() {
    let Some((tflite, fx)) = fixtures() else {
        return;
    };
    let device = Device::flex();
    let ssd = load_model(&tflite, None, &device).unwrap();
    let assd = add_attention(&ssd, "assd-mobilenet", &device).unwrap();
    assert_eq!(assd.attention.len(), 6);
    let input = nchw(&fx["rocket/input"], &device);
    let a = ssd.forward(input.clone());
    let b = assd.forward(input);
    assert_eq!(tensor_to_vec(a.loc), tensor_to_vec(b.loc));
    assert_eq!(tensor_to_vec(a.conf), tensor_to_vec(b.conf));
    // The units still compute real attention: row-stochastic maps of every source.
    assert_eq!(b.attention.len(), 6);
    let beta0 = tensor_to_vec(b.attention[0].clone());
    assert_eq!(beta0.len(), 361 * 361);
    let row: f32 = beta0[..361].iter().sum();
    assert!((row - 1.0).abs() < 1e-5);
    // The preset builds the same layout from scratch.
    let preset = AssdConfig::assd_mobilenet().init(&device).unwrap();
    assert_eq!(preset.parameter_count(), assd.parameter_count());
}

#[test]
fn the_built_in_model_is_the_imported_detector_plus_trained_attention() {
    use burn::store::ModuleSnapshot;
    let Some((tflite, _)) = fixtures() else {
        return;
    };
    let device = Device::flex();
    let builtin = load_model(Path::new(assd::weights::BUILTIN_WEIGHTS), None, &device).unwrap();
    assert_eq!(builtin.config.name, "assd-mobilenet");
    let import = load_model(&tflite, None, &device).unwrap();
    let values = |m: &assd::model::Assd| {
        m.collect(None, None, true)
            .into_iter()
            .map(|t| {
                let bytes = t.to_bytes().unwrap();
                let v: Vec<f32> = bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                (t.name.clone(), v)
            })
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let (ours, theirs) = (values(&builtin), values(&import));
    // Every detector tensor is the import's, rounded to fp16 (the file's storage).
    for (name, want) in &theirs {
        let rounded: Vec<f32> = want
            .iter()
            .map(|&v| half::f16::from_f32(v).to_f32())
            .collect();
        assert_eq!(&ours[name], &rounded, "{name}");
    }
    // The six attention units are trained: their value convs have left zero.
    for k in 0..6 {
        let v = &ours[&format!("attention.{k}.value.weight")];
        assert!(
            v.iter().any(|&x| x != 0.0),
            "attention {k} is still the identity"
        );
    }
    // And the configuration is the import's (anchors, preprocessing, classes, NMS).
    assert_eq!(builtin.config.priors, import.config.priors);
    assert_eq!(builtin.config.preprocess, import.config.preprocess);
    assert_eq!(builtin.config.class_names, import.config.class_names);
    assert_eq!(builtin.config.detect, import.config.detect);
}

#[test]
fn a_batch_gives_each_image_its_own_outputs_and_attention() {
    use assd::attention_query::attention_row;
    let device = Device::flex();
    let model = load_model(Path::new(assd::weights::BUILTIN_WEIGHTS), None, &device).unwrap();
    let detector = assd::Detector::new(model, device).unwrap();
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let images: Vec<_> = ["chelsea.png", "coffee.png", "rocket.jpg"]
        .iter()
        .map(|n| assd::preprocess::load_image(&assets.join(n)).unwrap())
        .collect();
    let batch = detector.infer_batch(&images);
    assert_eq!(batch.len(), 3);
    for (image, b) in images.iter().zip(&batch) {
        let single = detector.infer(image);
        assert_eq!(b.raw.image_size, single.raw.image_size);
        let d_loc = single
            .raw
            .loc
            .iter()
            .flatten()
            .zip(b.raw.loc.iter().flatten())
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        let d_scores = single
            .raw
            .scores
            .iter()
            .zip(&b.raw.scores)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        assert!(d_loc <= 1e-5 && d_scores <= 1e-6, "{d_loc} {d_scores}");
        for (k, (a, s)) in b.attention.iter().zip(&single.attention).enumerate() {
            assert_eq!(a.dims(), s.dims(), "scale {k}");
            let (ra, rs) = (attention_row(a, 0), attention_row(s, 0));
            let d = ra
                .iter()
                .zip(&rs)
                .map(|(x, y)| (x - y).abs())
                .fold(0f32, f32::max);
            assert!(d <= 1e-6, "scale {k}: {d}");
        }
    }
}
