//! The full ASSD513 network, loaded from the authors' fp16 checkpoint, against their outputs.

mod common;

use assd::attention_query::{attention_received, attention_row};
use assd::inference::tensor_to_vec;
use assd::weights::load_model;
use burn::prelude::*;
use common::{assert_close, shared_fixture};

/// Per-scale bound on |β − β_ref|. Measured maxima: 5.67e-4 (scale 1), 5.33e-4, 5.87e-4,
/// 5.19e-4, 1.73e-3 (scale 5), 0 (scale 6), with at most 4 values per scale above the fixture
/// README's 5e-4. They come from backbone rounding that differs from PyTorch's oneDNN (Flex's
/// convs are f32-exact to ~1e-6), and scale 5 sits behind BN layers whose running variance
/// came from a 3×3 map (amplifying it).
const ATT_TOL: [f64; 7] = [7.5e-4, 7.5e-4, 7.5e-4, 7.5e-4, 7.5e-4, 2.5e-3, 1e-6];

#[test]
fn assd513_reproduces_the_authors_outputs_and_attention() {
    let (Some(weights), Some(outputs), Some(attention)) = (
        shared_fixture("assd513/assd513_voc_fp16.pth"),
        shared_fixture("assd513/assd513_outputs.safetensors"),
        shared_fixture("assd513/assd513_attention.safetensors"),
    ) else {
        return;
    };
    let device = Device::flex();
    let model = load_model(&weights, None, &device).expect("the authors' checkpoint loads");
    assert_eq!(model.config.name, "assd513");
    assert_eq!(model.config.num_classes, 21);

    let fx = common::load(&outputs);
    let input = Tensor::<4>::from_data(
        TensorData::new(fx["input"].f32(), [1, 3, 513, 513]),
        &device,
    );
    let out = model.forward(input);
    assert_eq!(
        out.feature_sizes,
        vec![[65, 65], [33, 33], [17, 17], [9, 9], [5, 5], [3, 3], [1, 1]]
    );
    let loc = tensor_to_vec(out.loc.clone());
    let conf = tensor_to_vec(out.conf.clone());
    let (want_loc, want_conf) = (fx["loc"].f32(), fx["conf"].f32());
    // Per scale. Scale 6 is a 1×1 map whose extra-layer BN has the running variance of a
    // single value (≈ 0), so 1/√ε ≈ 316 amplifies summation-order rounding from the backbone
    // (measured: 6.6e-3 on conf there, ≤ 4.5e-3 on every other scale; computing the whole
    // tail in f64 gives the same 6.6e-3, so it is not our arithmetic).
    let offsets = [
        0usize, 16_900, 23_434, 25_168, 25_654, 25_804, 25_840, 25_844,
    ];
    for k in 0..7 {
        let tol = if k == 6 { 1e-2 } else { 5e-3 };
        let (a, b) = (offsets[k], offsets[k + 1]);
        let max = |got: &[f32], want: &[f32], w: usize| {
            got[a * w..b * w]
                .iter()
                .zip(&want[a * w..b * w])
                .map(|(x, y)| (x - y).abs())
                .fold(0f32, f32::max)
        };
        let (dl, dc) = (max(&loc, &want_loc, 4), max(&conf, &want_conf, 21));
        assert!(
            dl <= tol && dc <= tol,
            "scale {k}: loc {dl:e}, conf {dc:e} > {tol:e}"
        );
    }
    let mean = |got: &[f32], want: &[f32]| {
        got.iter()
            .zip(want)
            .map(|(x, y)| (x - y).abs())
            .sum::<f32>()
            / got.len() as f32
    };
    assert!(mean(&loc, &want_loc) < 3e-4 && mean(&conf, &want_conf) < 3e-4);

    let att = common::load(&attention);
    // Scale 0: every 13th row, and the column sums (4225 × mean received).
    let idx = att["beta_0_row_idx"].usize();
    let rows = att["beta_0_rows"].f32();
    for (i, &n) in idx.iter().enumerate() {
        let got = attention_row(&out.attention[0], n);
        let want: Vec<f64> = rows[i * 4225..(i + 1) * 4225]
            .iter()
            .map(|&v| v as f64)
            .collect();
        let d = common::max_abs_diff(&got, &want);
        assert!(d <= ATT_TOL[0], "scale 0 row {n}: max |diff| {d:e}");
    }
    let received = attention_received(&out.attention[0]);
    // Column sums add 4225 rows, so compare relatively (errors accumulate with the sum).
    let want_sum = att["beta_0_col_sum"].f32();
    let worst = received
        .iter()
        .zip(&want_sum)
        .map(|(r, w)| (r * 4225.0 - w).abs() / w.abs().max(1.0))
        .fold(0f32, f32::max);
    eprintln!("beta_0_col_sum: worst relative error {worst:e}");
    assert!(worst <= 2e-3, "beta_0_col_sum: relative error {worst:e}");
    for k in 1..7 {
        let got = tensor_to_vec(out.attention[k].clone());
        let want = &att[&format!("beta_{k}")];
        assert_close(&format!("beta_{k}"), &got, want, ATT_TOL[k]);
        // The fixture README's 5e-4 holds for all but a handful of values per scale.
        let over = got
            .iter()
            .zip(&want.data)
            .filter(|(g, w)| (**g as f64 - **w).abs() > 5e-4)
            .count();
        assert!(
            over <= 4,
            "beta_{k}: {over} values differ by more than 5e-4"
        );
    }
}
