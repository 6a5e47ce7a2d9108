//! Priors, box coding, NMS and Detect against the authors' outputs.

mod common;

use assd::config::{AssdConfig, ScaleSpec};
use assd::detect::{DetectConfig, decode, detect, encode, nms, prior_boxes, prior_info, to_pixels};
use common::{Fx, assert_close, module_fixture, shared_fixture};

fn flat(rows: &[[f32; 4]]) -> Vec<f32> {
    rows.iter().flatten().copied().collect()
}

#[test]
fn priors_match_the_authors_for_assd513() {
    let fx = module_fixture("priors.safetensors");
    let config = AssdConfig::assd513();
    let sizes = config.feature_sizes().unwrap();
    assert_eq!(sizes, vec![65, 33, 17, 9, 5, 3, 1]);
    let priors = prior_boxes(&config, &sizes);
    assert_eq!(priors.len(), 25_844);
    assert_eq!(
        flat(&priors),
        fx["priors_513"].f32(),
        "priors must be bit-identical"
    );
}

#[test]
fn priors_match_the_authors_for_the_toy_layout() {
    let fx = module_fixture("priors.safetensors");
    let spec = |min: f64, max: f64, ars: &[f64], step: f64| ScaleSpec {
        min_size: min,
        max_size: max,
        aspect_ratios: ars.to_vec(),
        step,
    };
    let mut config = AssdConfig::assd513();
    config.input_size = 100;
    config.scales = vec![
        spec(20.0, 45.0, &[2.0], 20.0),
        spec(45.0, 75.0, &[2.0, 3.0], 33.0),
        spec(75.0, 105.0, &[2.0], 100.0),
    ];
    let priors = prior_boxes(&config, &[5, 3, 1]);
    assert_eq!(flat(&priors), fx["priors_toy"].f32());
}

#[test]
fn prior_info_inverts_the_flat_index() {
    let config = AssdConfig::assd513();
    let sizes = config.feature_sizes().unwrap();
    let first_scale1 = prior_info(&config, &sizes, 16_900).unwrap();
    assert_eq!(
        (first_scale1.scale, first_scale1.cell, first_scale1.anchor),
        (1, [0, 0], 0)
    );
    // offset 23434 is scale 2; (y=3, x=5) at 17 wide, 6 boxes, anchor 4.
    let i = 23_434 + (3 * 17 + 5) * 6 + 4;
    let info = prior_info(&config, &sizes, i).unwrap();
    assert_eq!((info.scale, info.cell, info.anchor), (2, [3, 5], 4));
    assert_eq!(prior_info(&config, &sizes, 25_843).unwrap().scale, 6);
    assert!(prior_info(&config, &sizes, 25_844).is_none());
}

#[test]
fn encode_and_decode_match_the_authors() {
    let fx = module_fixture("encode_decode.safetensors");
    let priors = fx["priors"].rows4();
    let v = [0.1, 0.2];
    let encoded: Vec<[f32; 4]> = fx["boxes_yxyx"]
        .rows4()
        .iter()
        .zip(&priors)
        .map(|(&b, &p)| encode(b, p, v))
        .collect();
    assert_close("encoded", &flat(&encoded), &fx["encoded"], 1e-5);
    let decoded: Vec<[f32; 4]> = fx["loc"]
        .rows4()
        .iter()
        .zip(&priors)
        .map(|(&l, &p)| decode(l, p, v))
        .collect();
    assert_close("decoded", &flat(&decoded), &fx["decoded"], 1e-6);
    let roundtrip: Vec<[f32; 4]> = encoded
        .iter()
        .zip(&priors)
        .map(|(&l, &p)| decode(l, p, v))
        .collect();
    assert_close(
        "decode(encode)",
        &flat(&roundtrip),
        &fx["decoded_of_encoded"],
        1e-6,
    );
}

#[test]
fn nms_keeps_exactly_what_the_authors_keep() {
    let fx = module_fixture("nms.safetensors");
    for case in ["a", "b"] {
        let boxes = fx[&format!("{case}_boxes")].rows4();
        let scores = fx[&format!("{case}_scores")].f32();
        let keep = nms(&boxes, &scores, 0.45, 200);
        assert_eq!(keep, fx[&format!("{case}_keep")].usize(), "case {case}");
    }
}

/// Rows of the authors' `[1, classes, top_k, 5]` output: (class, score, y1, x1, y2, x2) with
/// score > 0, in class then pick order.
fn authors_rows(out: &Fx) -> Vec<(usize, [f32; 5])> {
    let (classes, k) = (out.shape[1], out.shape[2]);
    let v = out.f32();
    let mut rows = Vec::new();
    for c in 0..classes {
        for r in 0..k {
            let row = &v[(c * k + r) * 5..(c * k + r + 1) * 5];
            if row[0] > 0.0 {
                rows.push((c, [row[0], row[1], row[2], row[3], row[4]]));
            }
        }
    }
    rows
}

/// Picks, their order and scores must be identical; box corners may differ by an ulp or two
/// because PyTorch's vectorised `exp` (Sleef, 1-ulp accuracy) and libm's `expf` round
/// differently (seen: 0.84849775 vs 0.8484977).
const BOX_ULPS: f32 = 1e-6;

fn assert_same_detections(
    got: &[assd::detect::RawDetection],
    want: &[(usize, [f32; 5])],
    tol: f32,
) {
    assert_eq!(got.len(), want.len(), "number of detections");
    for (i, (g, (c, w))) in got.iter().zip(want).enumerate() {
        assert_eq!(g.class_id, *c, "row {i}: class");
        assert_eq!(g.score, w[0], "row {i}: score");
        for j in 0..4 {
            assert!(
                (g.bbox[j] - w[j + 1]).abs() <= tol,
                "row {i}: box {:?} vs {:?}",
                g.bbox,
                &w[1..]
            );
        }
    }
}

#[test]
fn detect_matches_the_authors_on_the_small_case() {
    let fx = module_fixture("detect_small.safetensors");
    let priors = fx["priors"].rows4();
    let loc = fx["loc"].rows4();
    let scores = fx["conf_softmax"].f32();
    for (thresh, key) in [(0.01, "out_thresh_0_01"), (0.3, "out_thresh_0_3")] {
        let config = DetectConfig {
            conf_thresh: thresh,
            ..DetectConfig::default()
        };
        let got = detect(&loc, &scores, &priors, 4, [0.1, 0.2], &config);
        assert_same_detections(&got, &authors_rows(&fx[key]), BOX_ULPS);
    }
}

#[test]
fn detect_matches_the_authors_on_assd513_outputs() {
    let Some(path) = shared_fixture("assd513/assd513_outputs.safetensors") else {
        return;
    };
    let fx = common::load(&path);
    let priors = fx["priors"].rows4();
    let loc = fx["loc"].rows4();
    let scores = fx["conf_softmax"].f32();
    let got = detect(
        &loc,
        &scores,
        &priors,
        21,
        [0.1, 0.2],
        &DetectConfig::default(),
    );
    let want = authors_rows(&fx["detections"]);
    // Every stored detection is one row of the final pixel table.
    assert_eq!(want.len(), fx["final_dets_pixels"].shape[0]);
    assert_same_detections(&got, &want, BOX_ULPS);

    // eval_single: pixels of the 500×375 test image, clipped on the authors' sides.
    let pixels = fx["final_dets_pixels"].f32();
    for (i, d) in got.iter().enumerate() {
        let row = &pixels[i * 6..(i + 1) * 6];
        assert_eq!(d.class_id, row[0] as usize);
        let [x1, y1, x2, y2] = to_pixels(d.bbox, 500, 375);
        for (g, w) in [y1, x1, y2, x2].iter().zip(&row[2..]) {
            assert!((g - w).abs() <= 1e-3, "row {i}: {g} vs {w}");
        }
    }
}

#[test]
fn class_agnostic_nms_suppresses_across_classes() {
    // Two classes fire on the same prior box: per-class NMS keeps both, agnostic keeps one.
    let priors = vec![[0.5, 0.5, 0.2, 0.2], [0.2, 0.2, 0.1, 0.1]];
    let loc = vec![[0.0; 4]; 2];
    let scores = vec![0.1, 0.5, 0.4, 0.2, 0.7, 0.1];
    let per_class = detect(
        &loc,
        &scores,
        &priors,
        3,
        [0.1, 0.2],
        &DetectConfig::default(),
    );
    assert_eq!(
        per_class
            .iter()
            .map(|d| (d.class_id, d.prior))
            .collect::<Vec<_>>(),
        vec![(1, 1), (1, 0), (2, 0), (2, 1)]
    );
    let agnostic = DetectConfig {
        class_agnostic: true,
        ..DetectConfig::default()
    };
    let got = detect(&loc, &scores, &priors, 3, [0.1, 0.2], &agnostic);
    assert_eq!(
        got.iter()
            .map(|d| (d.class_id, d.prior))
            .collect::<Vec<_>>(),
        vec![(1, 1), (1, 0)]
    );
    assert_eq!(got[0].score, 0.7);
}
