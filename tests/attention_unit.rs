//! The attention unit against the authors' `Attention(c=64)` on a 2×64×5×7 input.

mod common;

use assd::model::AttentionUnitConfig;
use burn::prelude::*;
use burn::store::ModuleSnapshot;
use burn::store::burn_pack::Tensor as PackTensor;
use burn::tensor::DType;
use common::{assert_close, module_fixture};

#[test]
fn attention_unit_matches_the_authors() {
    let fx = module_fixture("attention_unit.safetensors");
    let device = Device::flex();
    let mut unit = AttentionUnitConfig::new(64).init(&device);
    let weights = [
        ("query.weight", "conv1.weight"),
        ("key.weight", "conv2.weight"),
        ("value.weight", "conv3.weight"),
    ]
    .into_iter()
    .map(|(ours, theirs)| {
        let t = &fx[theirs];
        let bytes = TensorData::new(t.f32(), t.shape.clone()).into_bytes();
        PackTensor::new(ours.to_string(), DType::F32, t.shape.clone(), None, bytes)
    })
    .collect();
    let result = unit.apply(weights, None, None, false);
    assert!(
        result.errors.is_empty() && result.missing.is_empty(),
        "{result:?}"
    );

    let x = Tensor::<4>::from_data(TensorData::new(fx["input"].f32(), [2, 64, 5, 7]), &device);
    let out = unit.forward(x);
    assert_eq!(out.attention.dims(), [2, 35, 35]);
    let beta = assd::inference::tensor_to_vec(out.attention.clone());
    assert_close("beta", &beta, &fx["beta"], 1e-5);
    assert_close(
        "output",
        &assd::inference::tensor_to_vec(out.output),
        &fx["output"],
        1e-4,
    );
    // Rows are distributions over keys.
    for row in beta.chunks_exact(35) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
    // Reading single rows and column means works on the same tensor.
    let row = assd::attention_query::attention_row(&out.attention, 17);
    assert_eq!(row.as_slice(), &beta[17 * 35..18 * 35]);
    let received = assd::attention_query::attention_received(&out.attention);
    let want: Vec<f32> = (0..35)
        .map(|m| (0..35).map(|n| beta[n * 35 + m]).sum::<f32>() / 35.0)
        .collect();
    for (g, w) in received.iter().zip(&want) {
        assert!((g - w).abs() < 1e-6);
    }
}
