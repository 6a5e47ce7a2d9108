//! The training objective against the authors' `DEC_loss`: IoU matrices, matched targets,
//! positive and mined negative masks, mining scores and both loss terms, on the toy fixture
//! (batch 2, 158 priors) and on the full ASSD513 outputs of the test image.

mod common;

use assd::train::{MatchTargets, MultiboxLossConfig, iou_matrix, match_priors, point_form};
use burn::prelude::*;
use common::{Fx, module_fixture, shared_fixture};

const VARIANCES: [f32; 2] = [0.1, 0.2];

fn boxes_and_labels(targets: &Fx) -> (Vec<[f32; 4]>, Vec<usize>) {
    let v = targets.f32();
    let rows: Vec<&[f32]> = v.chunks_exact(5).collect();
    (
        rows.iter().map(|r| [r[0], r[1], r[2], r[3]]).collect(),
        rows.iter().map(|r| r[4] as usize).collect(),
    )
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn tensor3(values: Vec<f32>, shape: [usize; 3], device: &Device) -> Tensor<3> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

fn scalar(t: Tensor<1>) -> f32 {
    t.into_data().try_to_vec::<f32>().unwrap()[0]
}

#[test]
fn matching_mining_and_loss_match_the_toy_fixture() {
    let fx = module_fixture("loss_small.safetensors");
    let priors = fx["priors"].rows4();
    let p = priors.len();
    let mut targets = Vec::new();
    for image in 0..2 {
        let (boxes, labels) = boxes_and_labels(&fx[&format!("targets_{image}")]);
        let corners: Vec<[f32; 4]> = priors.iter().map(|&q| point_form(q)).collect();
        let overlaps: Vec<f32> = iou_matrix(&boxes, &corners).concat();
        let d = max_abs_diff(&overlaps, &fx[&format!("overlaps_{image}")].f32());
        assert!(d < 1e-6, "image {image}: IoU differs by {d}");
        targets.push(match_priors(&boxes, &labels, &priors, 0.5, VARIANCES));
    }
    let t_conf: Vec<usize> = targets.iter().flat_map(|t| t.conf.clone()).collect();
    assert_eq!(t_conf, fx["t_conf"].usize());
    let t_loc: Vec<f32> = targets.iter().flat_map(|t| t.loc.concat()).collect();
    let d = max_abs_diff(&t_loc, &fx["t_locs"].f32());
    assert!(d < 1e-5, "encoded targets differ by {d}");

    let device = Device::flex();
    let loss = MultiboxLossConfig::new().forward(
        tensor3(fx["p_locs"].f32(), [2, p, 4], &device),
        tensor3(fx["p_conf"].f32(), [2, p, 21], &device),
        &targets,
    );
    assert_eq!(loss.num_pos, fx["num_pos"].usize());
    assert_eq!(loss.num_neg, fx["num_neg"].usize());
    let mask = |m: &[bool]| m.iter().map(|&b| usize::from(b)).collect::<Vec<_>>();
    assert_eq!(mask(&loss.pos), fx["pos_mask"].usize());
    assert_eq!(mask(&loss.neg), fx["neg_mask"].usize());
    let d = max_abs_diff(&loss.mining, &fx["mining_loss"].f32());
    assert!(d < 1e-5, "mining scores differ by {d}");
    let (l, c) = (scalar(loss.loc.clone()), scalar(loss.conf.clone()));
    let (want_l, want_c) = (fx["loss_l"].f32()[0], fx["loss_c"].f32()[0]);
    assert!((l - want_l).abs() < 1e-5 * want_l, "loss_l {l} vs {want_l}");
    assert!((c - want_c).abs() < 1e-5 * want_c, "loss_c {c} vs {want_c}");
    assert!((scalar(loss.total()) - (want_l + want_c)).abs() < 1e-4);
}

#[test]
fn the_loss_matches_on_the_full_model_outputs() {
    let Some(outputs) = shared_fixture("assd513/assd513_outputs.safetensors") else {
        return;
    };
    let out = common::load(&outputs);
    let fx = module_fixture("loss_full.safetensors");
    let priors = out["priors"].rows4();
    let p = priors.len();
    let (boxes, labels) = boxes_and_labels(&fx["targets"]);
    let targets: Vec<MatchTargets> = vec![match_priors(&boxes, &labels, &priors, 0.5, VARIANCES)];
    assert_eq!(targets[0].conf, fx["t_conf"].usize());
    let d = max_abs_diff(&targets[0].loc.concat(), &fx["t_locs"].f32());
    assert!(d < 1e-4, "encoded targets differ by {d}");

    let device = Device::flex();
    let loss = MultiboxLossConfig::new().forward(
        tensor3(out["loc"].f32(), [1, p, 4], &device),
        tensor3(out["conf"].f32(), [1, p, 21], &device),
        &targets,
    );
    let indices = |m: &[bool]| {
        m.iter()
            .enumerate()
            .filter(|(_, b)| **b)
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    };
    assert_eq!(indices(&loss.pos), fx["pos_idx"].usize());
    assert_eq!(indices(&loss.neg), fx["neg_idx"].usize());
    let (l, c) = (scalar(loss.loc), scalar(loss.conf));
    let (want_l, want_c) = (fx["loss_l"].f32()[0], fx["loss_c"].f32()[0]);
    assert!((l - want_l).abs() < 1e-5 * want_l, "loss_l {l} vs {want_l}");
    assert!((c - want_c).abs() < 1e-5 * want_c, "loss_c {c} vs {want_c}");
}

#[test]
fn gradients_flow_to_the_network_outputs() {
    let fx = module_fixture("loss_small.safetensors");
    let priors = fx["priors"].rows4();
    let p = priors.len();
    let (boxes, labels) = boxes_and_labels(&fx["targets_0"]);
    let targets = vec![match_priors(&boxes, &labels, &priors, 0.5, VARIANCES)];
    let device = Device::flex().autodiff();
    let loc = tensor3(fx["p_locs"].f32()[..p * 4].to_vec(), [1, p, 4], &device).require_grad();
    let conf = tensor3(fx["p_conf"].f32()[..p * 21].to_vec(), [1, p, 21], &device).require_grad();
    let loss = MultiboxLossConfig::new().forward(loc.clone(), conf.clone(), &targets);
    let grads = loss.total().backward();
    let g_loc: Vec<f32> = loc
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let g_conf: Vec<f32> = conf
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    // Only positives' offsets get a gradient; only positives and mined negatives' logits do.
    let n = loss.num_pos[0] as f32;
    for prior in 0..p {
        let loc_grad = g_loc[prior * 4..prior * 4 + 4].iter().any(|g| *g != 0.0);
        assert_eq!(loc_grad, loss.pos[prior], "prior {prior}");
        let conf_grad: f32 = g_conf[prior * 21..prior * 21 + 21]
            .iter()
            .map(|g| g.abs())
            .sum();
        assert_eq!(
            conf_grad > 0.0,
            loss.pos[prior] || loss.neg[prior],
            "prior {prior}"
        );
        // d(CE)/d(logits) sums to zero per prior (softmax minus one-hot), scaled by 1/N.
        let sum: f32 = g_conf[prior * 21..prior * 21 + 21].iter().sum();
        assert!(sum.abs() < 1e-5 / n.max(1.0) + 1e-6);
    }
}

#[test]
fn sigmoid_loss_is_the_hand_computed_cross_entropy() {
    use assd::config::ScoreFunction;
    // 1 image, 4 priors, 3 outputs (column 0 background). Prior 1 is a positive of class 2;
    // with 3 negatives per positive all three others are mined, in order of their loss.
    let logits = [
        [0.5f32, -1.0, 2.0], // negative, loss ≈ 3.59 (ranked 1st)
        [-2.0, 0.3, 1.5],    // positive (class 2)
        [1.0, -3.0, -0.5],   // negative, loss ≈ 1.68
        [3.0, -4.0, -4.0],   // negative, almost right, loss ≈ 0.12
    ];
    let targets = vec![MatchTargets {
        loc: vec![[0.0; 4], [0.5, -0.5, 0.1, 0.2], [0.0; 4], [0.0; 4]],
        conf: vec![0, 2, 0, 0],
    }];
    let bce = |x: f64, z: f64| (1.0 + x.exp()).ln() - x * z;
    let want: Vec<f64> = logits
        .iter()
        .zip(&targets[0].conf)
        .map(|(row, &t)| {
            row.iter()
                .enumerate()
                .map(|(j, &x)| bce(x as f64, f64::from(u8::from(j == t))))
                .sum()
        })
        .collect();
    let device = Device::flex();
    let loc = tensor3(vec![0.0; 16], [1, 4, 4], &device);
    let conf = tensor3(
        logits.iter().flatten().copied().collect(),
        [1, 4, 3],
        &device,
    );
    let loss = MultiboxLossConfig::new()
        .with_score(ScoreFunction::Sigmoid)
        .forward(loc, conf, &targets);
    for (got, want) in loss.mining.iter().zip(&want) {
        assert!((*got as f64 - want).abs() < 1e-5, "mining {got} vs {want}");
    }
    assert_eq!(loss.pos, vec![false, true, false, false]);
    assert_eq!(loss.neg, vec![true, false, true, true]);
    let want_c: f64 = want.iter().sum();
    let c = scalar(loss.conf) as f64;
    assert!((c - want_c).abs() < 1e-5 * want_c, "loss_c {c} vs {want_c}");
    // Smooth L1 of the positive's offsets (all below 1: ½d²), over N = 1 positive.
    let want_l = 0.5 * (0.25 + 0.25 + 0.01 + 0.04);
    assert!((scalar(loss.loc) as f64 - want_l).abs() < 1e-6);

    // Only one negative per positive: the hardest (prior 0).
    let targets_one = targets.clone();
    let logits_t = tensor3(
        logits.iter().flatten().copied().collect(),
        [1, 4, 3],
        &device,
    );
    let one = MultiboxLossConfig::new()
        .with_score(ScoreFunction::Sigmoid)
        .with_neg_pos_ratio(1)
        .forward(
            tensor3(vec![0.0; 16], [1, 4, 4], &device),
            logits_t,
            &targets_one,
        );
    assert_eq!(one.neg, vec![true, false, false, false]);
}
