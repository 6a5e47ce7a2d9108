//! Training on the GPU path, on Mesa's lavapipe in CI (the code path a GPU takes).
//!
//! The gradient self-check that guards training on a GPU either passes, and then one SGD step
//! of assd-tiny (attention units and the fusion block, whose bilinear upsampling Burn cannot
//! differentiate on wgpu unless written as matrix products) must give the same loss and the
//! same update on wgpu as on Flex; or it fails and names what is wrong. With Burn 0.22.1 on
//! lavapipe it fails: long sums and convolution weight gradients are wrong there (a full step
//! agreed with Flex on every parameter but the first convolution's, which is exactly what the
//! check catches).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use assd::config::AssdConfig;
use assd::inference::DetectionHead;
use assd::preprocess::PreprocessConfig;
use assd::train::MultiboxLossConfig;
use assd::train::data::{Batch, BatchMaker};
use assd::train::gpu_check::check_gradients;
use assd::train::step::train_step;
use burn::optim::SgdConfig;
use burn::optim::momentum::MomentumConfig;
use burn::prelude::*;
use burn::store::ModuleSnapshot;

fn weights(model: &assd::model::Assd) -> BTreeMap<String, Vec<f32>> {
    model
        .collect(None, None, true)
        .into_iter()
        .map(|t| {
            let (name, dtype, shape, _, bytes) = t.into_parts().unwrap();
            let data = TensorData::from_bytes(bytes, shape, dtype);
            (name, data.convert::<f32>().try_to_vec::<f32>().unwrap())
        })
        .collect()
}

#[test]
fn training_on_wgpu_matches_flex_or_the_self_check_says_why_not() {
    let Some(bccd) = common::shared_data("bccd") else {
        return;
    };
    let Some(gpu) = common::software_wgpu() else {
        return;
    };
    if let Err(why) = check_gradients(&gpu) {
        eprintln!("gradient self-check on lavapipe: {why}");
        assert!(why.contains("off by"), "{why}");
        // Not the CPU's results: the trainer refuses such a device (or falls back to the CPU).
        assert!(check_gradients(&Device::flex()).is_ok());
        return;
    }
    let dataset =
        assd::dataset::open(&bccd, assd::dataset::Format::Auto, Some("train"), None).unwrap();
    let config = AssdConfig::preset("assd-tiny")
        .unwrap()
        .with_num_classes(dataset.classes.len() + 1);
    assert!(config.attention && config.fusion);
    let head = DetectionHead::new(config.clone()).unwrap();
    let maker = BatchMaker {
        samples: Arc::new(dataset.samples[..2].to_vec()),
        priors: Arc::new(head.priors.clone()),
        input_size: config.input_size,
        preprocess: PreprocessConfig::default(),
        variances: config.variances,
        augment: None,
        seed: 0,
    };
    let mut input = Vec::new();
    let mut targets = Vec::new();
    for i in 0..2 {
        let (pixels, t) = maker.prepare(i, 0).unwrap();
        input.extend(pixels);
        targets.push(t);
    }
    let batch = Batch {
        input,
        targets,
        size: 2,
    };
    // Each new kernel shape is autotuned and compiled on first use; on lavapipe that is most of
    // this test's minutes (CI sets CUBECL_AUTOTUNE_LEVEL=minimal).

    let flex = Device::flex().autodiff();
    let model = config.init(&flex).unwrap();
    let before = weights(&model);
    // Each device gets its own copy: clones share batch norm's running statistics, which the
    // first step would update for both.
    let init = std::env::temp_dir().join(format!(
        "assd-train-wgpu-{}.safetensors",
        std::process::id()
    ));
    assd::weights::save_model(&model, &init).unwrap();
    let step = |device: Device| {
        let mut optim = SgdConfig::new()
            .with_momentum(Some(MomentumConfig::new().with_dampening(0.0)))
            .init();
        let start = assd::weights::load_model(&init, Some(config.clone()), &device).unwrap();
        let (after, loss) = train_step(
            &start,
            &mut optim,
            0.1,
            batch.clone(),
            &[device],
            config.input_size,
            // Every negative kept: an untrained network scores all priors nearly alike, and
            // rounding differences between backends would reorder the 3:1 selection.
            assd::train::step::Objective {
                loss: &MultiboxLossConfig::new().with_neg_pos_ratio(1_000_000),
                teacher: None,
            },
        )
        .unwrap();
        (weights(&after), loss)
    };
    let (on_flex, flex_loss) = step(flex.clone());
    let (on_gpu, gpu_loss) = step(gpu.autodiff());
    let _ = std::fs::remove_file(&init);
    eprintln!("loss: flex {flex_loss:?}, wgpu {gpu_loss:?}");
    assert!(
        (flex_loss.total - gpu_loss.total).abs() < 1e-4 * flex_loss.total,
        "{flex_loss:?} vs {gpu_loss:?}"
    );
    // Every parameter's update agrees (attention, fusion and backbone layers included),
    // relative to its own size, or to 1% of the largest update for parameters whose gradient
    // is zero in exact arithmetic (a conv bias followed by batch norm) and is rounding noise.
    let deltas: BTreeMap<&String, Vec<f32>> = before
        .iter()
        .map(|(name, w0)| {
            let d: Vec<f32> = on_flex[name].iter().zip(w0).map(|(x, y)| x - y).collect();
            (name, d)
        })
        .collect();
    let largest = |d: &[f32]| d.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let global = deltas.values().map(|d| largest(d)).fold(0.0f32, f32::max);
    let mut worst = (0.0f32, String::new());
    let mut moved = 0;
    for (name, delta) in &deltas {
        let scale = largest(delta);
        if scale > 1e-3 * global {
            moved += 1;
        }
        let err = on_flex[*name]
            .iter()
            .zip(&on_gpu[*name])
            .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()))
            / scale.max(1e-2 * global);
        if err > 1e-3 {
            let gpu_delta: Vec<f32> = on_gpu[*name]
                .iter()
                .zip(&before[*name])
                .map(|(x, y)| x - y)
                .take(4)
                .collect();
            eprintln!(
                "{name}: flex update {:?}…, wgpu update {gpu_delta:?}…",
                &delta[..delta.len().min(4)]
            );
        }
        if err > worst.0 {
            worst = (err, name.to_string());
        }
    }
    eprintln!(
        "{moved} parameters updated (largest update {global:.3e}); worst relative difference {:.2e} ({})",
        worst.0, worst.1
    );
    assert!(moved > 20, "only {moved} parameters were updated");
    assert!(worst.0 < 1e-3, "update differs: {worst:?}");
}
