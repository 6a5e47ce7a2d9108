//! One wgpu context for the model and the window: Burn creates the device, the heatmap shader
//! (what the window draws with) runs on the very same device and queue, and tensors computed
//! by the model there are correct. Runs on Mesa's lavapipe in CI, the path a GPU takes.

use assd::backend::share_gpu;
use assd::export::HeatmapStyle;
use assd::ui::colormap::Colormap;
use assd::ui::heatmap_gpu::{HeatmapParams, HeatmapPipeline};
use burn::prelude::*;
use burn::tensor::DeviceKind;

#[test]
fn the_model_and_the_heatmap_shader_share_one_wgpu_device() {
    let (device, gpu) = match share_gpu(DeviceKind::Cpu) {
        Ok(shared) => shared,
        Err(e) => {
            assert!(
                std::env::var_os("ASSD_REQUIRE_VULKAN").is_none(),
                "no software wgpu adapter: {e}"
            );
            eprintln!("skipping: {e}");
            return;
        }
    };
    // The model's side: a softmax row on the shared device, as the attention units compute.
    let logits = Tensor::<2>::from_floats([[1.0, 2.0, 3.0, 4.0]], &device);
    let row = burn::tensor::activation::softmax(logits, 1)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let expected: Vec<f32> = {
        let e: Vec<f32> = [1.0f32, 2.0, 3.0, 4.0].iter().map(|v| v.exp()).collect();
        let sum: f32 = e.iter().sum();
        e.iter().map(|v| v / sum).collect()
    };
    for (a, b) in row.iter().zip(&expected) {
        assert!((a - b).abs() < 1e-6, "{row:?} vs {expected:?}");
    }
    // The window's side: the heatmap pipeline builds on the same device handle and uploads
    // that row through the same queue.
    let mut pipeline = HeatmapPipeline::new(
        &gpu.device,
        burn::tensor::wgpu::wgpu::TextureFormat::Rgba8Unorm,
    );
    let params = HeatmapParams {
        rect_px: [0.0, 0.0, 4.0, 1.0],
        max: row.iter().copied().fold(0.0, f32::max),
        style: HeatmapStyle {
            colormap: Colormap::Viridis,
            gamma: 1.0,
            opacity: 1.0,
            bilinear: false,
        },
    };
    pipeline.prepare(&gpu.device, &gpu.queue, 0, &row, [1, 4], 1, &params);
    gpu.queue.submit([]);
    gpu.device
        .poll(burn::tensor::wgpu::wgpu::PollType::wait_indefinitely())
        .expect("the shared queue drains");
    // Burn still works on the device after the UI used its queue.
    let again = Tensor::<1>::from_floats([1.0, 2.0], &device)
        .sum()
        .into_scalar::<f32>();
    assert_eq!(again, 3.0);
}
