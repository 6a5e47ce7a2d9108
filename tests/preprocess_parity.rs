//! cv2-style resize, normalisation and the align-corners upsampling against the fixtures.

mod common;

use assd::preprocess::{PreprocessConfig, normalize_to_chw, preprocess_hwc, resize_linear};
use common::{assert_close, module_fixture, shared_fixture};

#[test]
fn resize_matches_opencv_inter_linear() {
    let fx = module_fixture("resize_small.safetensors");
    let src = fx["src_hwc"].f32();
    for (key, h, w) in [("dst_5x17", 5, 17), ("dst_23x29", 23, 29)] {
        let got = resize_linear(&src, [11, 13, 3], [h, w]);
        assert_close(key, &got, &fx[key], 5e-5);
    }
}

#[test]
fn test_image_preprocessing_matches_the_authors() {
    let Some(path) = shared_fixture("assd513/preprocess.safetensors") else {
        return;
    };
    let fx = common::load(&path);
    let decoded: Vec<u8> = fx["decoded_bgr_u8"].data.iter().map(|&v| v as u8).collect();
    assert_eq!(fx["decoded_bgr_u8"].shape, vec![375, 500, 3]);
    let src: Vec<f32> = decoded.iter().map(|&v| v as f32).collect();
    let resized = resize_linear(&src, [375, 500, 3], [513, 513]);
    assert_close("resized_bgr_f32", &resized, &fx["resized_bgr_f32"], 5e-5);
    let config = PreprocessConfig::default();
    let chw = normalize_to_chw(&resized, 513, &config);
    assert_close("input_chw", &chw, &fx["input_chw"], 2e-6);
    let end_to_end = preprocess_hwc(&decoded, [375, 500], 513, &config);
    assert_close("preprocess_hwc", &end_to_end, &fx["input_chw"], 2e-6);
}

#[test]
fn upsampling_matches_pytorch_align_corners() {
    use assd::model::bilinear_align_corners;
    use burn::prelude::*;
    let fx = module_fixture("upsample_bilinear_small.safetensors");
    let device = Device::flex();
    let input = Tensor::<4>::from_data(TensorData::new(fx["input"].f32(), [1, 3, 5, 7]), &device);
    for (key, size) in [("output_11x13", [11, 13]), ("output_3x4", [3, 4])] {
        let out = bilinear_align_corners(input.clone(), size);
        assert_eq!(out.dims(), [1, 3, size[0], size[1]]);
        let got = assd::inference::tensor_to_vec(out);
        assert_close(key, &got, &fx[key], 1e-5);
    }
}
