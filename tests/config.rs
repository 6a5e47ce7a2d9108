//! Prior and parameter counts per configuration.

use assd::config::{AssdConfig, ConfigError};
use burn::prelude::*;

#[test]
fn prior_counts_per_configuration() {
    let expect = [
        ("assd513", vec![65, 33, 17, 9, 5, 3, 1], 25_844),
        ("assd321", vec![41, 21, 11, 6, 3, 2, 1], 10_386),
        ("assd300", vec![38, 19, 10, 5, 3, 1], 8_732),
        ("ssd300", vec![38, 19, 10, 5, 3, 1], 8_732),
        ("assd512", vec![64, 32, 16, 8, 4, 2, 1], 24_564),
        ("ssd512", vec![64, 32, 16, 8, 4, 2, 1], 24_564),
        // TensorFlow's SSD-MobileNetV1: TF "SAME" sizes 300 → 150 → 75 → 38 → 19 → 10 → 5 → 3
        // → 2 → 1, 3 anchors per cell on the first source and 6 elsewhere (spec.md §4).
        ("ssd-mobilenet", vec![19, 10, 5, 3, 2, 1], 1_917),
        ("assd-mobilenet", vec![19, 10, 5, 3, 2, 1], 1_917),
    ];
    for (name, sizes, priors) in expect {
        let config = AssdConfig::preset(name).unwrap();
        assert_eq!(config.feature_sizes().unwrap(), sizes, "{name}");
        assert_eq!(config.num_priors().unwrap(), priors, "{name}");
    }
}

#[test]
fn parameter_counts_per_configuration() {
    let device = Device::flex();
    let count = |c: AssdConfig| c.init(&device).unwrap().parameter_count();
    assert_eq!(count(AssdConfig::assd513()), 67_546_820);
    // The COCO head the spec derives (81 classes).
    assert_eq!(
        count(AssdConfig::assd513().with_num_classes(81)),
        84_690_740
    );
    // SSD300 (VGG16, 21 classes) as in ssd.pytorch: 26,285,486 weights.
    assert_eq!(count(AssdConfig::ssd300()), 26_285_486);
    // Ablations remove exactly the fusion and attention parameters (spec §5).
    assert_eq!(
        count(AssdConfig::assd513().with_attention(false)),
        67_546_820 - 8_683_520
    );
    let no_fusion = count(AssdConfig::assd513().with_fusion(false));
    assert_eq!(no_fusion, 67_546_820 - 1_313_536);
    // detect.tflite holds 4,101,231 parameters (spec.md §0). Attention adds, per source of C
    // channels, 2·C·C/8 (query, key) + C² (value): C = 384, 768, 384, 192, 192, 96.
    assert_eq!(count(AssdConfig::ssd_mobilenet()), 4_101_231);
    let attention: usize = [384, 768, 384, 192, 192, 96]
        .iter()
        .map(|&c| 2 * c * (c / 8) + c * c)
        .sum();
    assert_eq!(attention, 1_209_600);
    assert_eq!(count(AssdConfig::assd_mobilenet()), 4_101_231 + attention);
}

#[test]
fn mobilenet_forward_pads_as_tensorflow() {
    // Burn's "SAME" padding must give TF's sizes on even inputs too (300 → 150, 38 → 19, …).
    let device = Device::flex();
    let model = AssdConfig::ssd_mobilenet().init(&device).unwrap();
    let out = model.forward(Tensor::zeros([1, 3, 300, 300], &device));
    let sizes: Vec<usize> = out.feature_sizes.iter().map(|s| s[0]).collect();
    assert_eq!(sizes, vec![19, 10, 5, 3, 2, 1]);
    assert_eq!(out.loc.dims(), [1, 1_917, 4]);
    assert_eq!(out.conf.dims(), [1, 1_917, 91]);
    assert!(out.attention.is_empty());
}

#[test]
fn the_authors_stack_refuses_small_inputs() {
    let mut config = AssdConfig::assd513();
    config.input_size = 321;
    let err = config.feature_sizes().unwrap_err();
    assert!(matches!(err, ConfigError::InputTooSmall { .. }), "{err}");
    assert!(AssdConfig::preset("yolo").is_err());
}

#[test]
fn models_forward_with_the_derived_shapes() {
    // A tiny VGG run checks that the layer arithmetic in the config is what the network does.
    let device = Device::flex();
    let config = AssdConfig::assd300().with_num_classes(3);
    let model = config.init(&device).unwrap();
    let out = model.forward(Tensor::zeros([1, 3, 300, 300], &device));
    let sizes: Vec<usize> = out.feature_sizes.iter().map(|s| s[0]).collect();
    assert_eq!(sizes, config.feature_sizes().unwrap());
    assert_eq!(out.loc.dims(), [1, 8_732, 4]);
    assert_eq!(out.conf.dims(), [1, 8_732, 3]);
    assert_eq!(out.attention.len(), 6);
    assert_eq!(out.attention[0].dims(), [1, 38 * 38, 38 * 38]);
}
