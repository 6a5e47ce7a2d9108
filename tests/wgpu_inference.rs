//! Inference on the GPU path (wgpu, on Mesa's lavapipe in CI) computes what the CPU backend
//! computes: assd-tiny's box offsets, class scores and every scale's attention map agree with
//! Flex on a real image.

mod common;

use assd::config::AssdConfig;
use assd::inference::{Detector, tensor_to_vec};
use burn::prelude::*;

fn max_relative(want: &[f32], got: &[f32]) -> f32 {
    assert_eq!(want.len(), got.len());
    let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    want.iter()
        .zip(got)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()))
        / scale
}

#[test]
fn assd_tiny_on_wgpu_matches_flex() {
    let Some(image) = common::shared_fixture("assd513/test_image.jpg") else {
        return;
    };
    let Some(gpu) = common::software_wgpu() else {
        return;
    };
    let image = assd::preprocess::load_image(&image).unwrap();
    let flex = Device::flex();
    let model = AssdConfig::preset("assd-tiny")
        .unwrap()
        .init(&flex)
        .unwrap();
    let on_cpu = Detector::new(model.clone(), flex).unwrap().infer(&image);
    let on_gpu = Detector::new(model.fork(&gpu), gpu).unwrap().infer(&image);
    let flat = |l: &[[f32; 4]]| l.iter().flatten().copied().collect::<Vec<f32>>();
    let loc = max_relative(&flat(&on_cpu.raw.loc), &flat(&on_gpu.raw.loc));
    let scores = max_relative(&on_cpu.raw.scores, &on_gpu.raw.scores);
    eprintln!("loc {loc:.2e}, scores {scores:.2e}");
    assert!(loc < 1e-4, "box offsets differ by {loc}");
    assert!(scores < 1e-4, "class scores differ by {scores}");
    assert_eq!(on_cpu.attention.len(), on_gpu.attention.len());
    for (k, (a, b)) in on_cpu.attention.iter().zip(&on_gpu.attention).enumerate() {
        let err = max_relative(&tensor_to_vec(a.clone()), &tensor_to_vec(b.clone()));
        eprintln!("attention scale {k} {:?}: {err:.2e}", a.dims());
        assert!(err < 1e-4, "attention at scale {k} differs by {err}");
    }
}
