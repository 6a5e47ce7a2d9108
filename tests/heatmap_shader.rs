//! The WGSL heatmap shader against the CPU path (`export::blend_heatmap`): rendered offscreen
//! on whatever wgpu adapter exists (Mesa's lavapipe in CI), every pixel must agree to one
//! 8-bit step for nearest and bilinear upsampling, gamma, opacity and each colormap.

use assd::export::{HeatmapStyle, blend_heatmap};
use assd::ui::colormap::Colormap;
use assd::ui::heatmap_gpu::{HeatmapParams, HeatmapPipeline};
use eframe::egui_wgpu::wgpu;
use image::RgbImage;

const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

fn device() -> Option<(wgpu::Device, wgpu::Queue)> {
    let instance = wgpu::Instance::default();
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::LowPower,
        force_fallback_adapter: false,
        compatible_surface: None,
        ..Default::default()
    }))
    .ok()?;
    pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default())).ok()
}

/// Renders `values` over a uniform `background` into a `width`×`height` target.
#[allow(clippy::too_many_arguments)]
fn render(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    values: &[f32],
    shape: [usize; 2],
    max: f32,
    style: HeatmapStyle,
    [width, height]: [u32; 2],
    background: [u8; 3],
) -> RgbImage {
    let mut pipeline = HeatmapPipeline::new(device, FORMAT);
    let params = HeatmapParams {
        rect_px: [0.0, 0.0, width as f32, height as f32],
        max,
        style,
    };
    pipeline.prepare(device, queue, 0, values, shape, 1, &params);
    let target = device.create_texture(&wgpu::TextureDescriptor {
        label: None,
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: FORMAT,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    });
    let view = target.create_view(&wgpu::TextureViewDescriptor::default());
    let row = (4 * width).div_ceil(256) * 256;
    let readback = device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: (row * height) as u64,
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
    {
        let [r, g, b] = background.map(|c| c as f64 / 255.0);
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: None,
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: &view,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color { r, g, b, a: 1.0 }),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pipeline.draw(&mut pass, 0);
    }
    encoder.copy_texture_to_buffer(
        target.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &readback,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(row),
                rows_per_image: None,
            },
        },
        target.size(),
    );
    queue.submit([encoder.finish()]);
    readback
        .slice(..)
        .map_async(wgpu::MapMode::Read, |r| r.expect("map"));
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .expect("poll");
    let data = readback.slice(..).get_mapped_range().expect("mapped");
    RgbImage::from_fn(width, height, |x, y| {
        let at = (y * row + 4 * x) as usize;
        image::Rgb([data[at], data[at + 1], data[at + 2]])
    })
}

fn max_difference(a: &RgbImage, b: &RgbImage) -> u8 {
    a.as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0)
}

#[test]
fn shader_matches_the_cpu_heatmap() {
    let Some((device, queue)) = device() else {
        assert!(
            std::env::var_os("ASSD_REQUIRE_VULKAN").is_none(),
            "no wgpu adapter (install mesa-vulkan-drivers for lavapipe)"
        );
        eprintln!("skipping: no wgpu adapter");
        return;
    };
    // A 5×7 map with a peak, a ramp and exact zeros, shown on a 61×43 image (not a multiple
    // of the grid, so cell edges fall inside pixels).
    let shape = [5, 7];
    let values: Vec<f32> = (0..35)
        .map(|i| {
            let (r, c) = (i / 7, i % 7);
            if r == 0 {
                0.0
            } else {
                (r * 7 + c) as f32 / 40.0 + if (r, c) == (3, 4) { 0.6 } else { 0.0 }
            }
        })
        .collect();
    let size = [61, 43];
    let background = [90, 140, 200];
    let image = RgbImage::from_pixel(size[0], size[1], image::Rgb(background));
    let mut cases = 0;
    for colormap in Colormap::ALL {
        for (bilinear, gamma, opacity, max) in [
            (false, 1.0, 1.0, 1.5),
            (true, 1.0, 1.0, 1.5),
            (true, 0.5, 0.6, 1.0),
            (false, 0.3, 0.35, 0.0),
        ] {
            let style = HeatmapStyle {
                colormap,
                gamma,
                opacity,
                bilinear,
            };
            let gpu = render(
                &device, &queue, &values, shape, max, style, size, background,
            );
            let cpu = blend_heatmap(&image, &values, shape, max, style);
            let diff = max_difference(&gpu, &cpu);
            assert!(diff <= 1, "{style:?} max {max}: shader differs by {diff}");
            cases += 1;
        }
    }
    assert_eq!(cases, 16);
    // The heatmap actually shows: a full-opacity viridis map is not the background.
    let style = HeatmapStyle {
        colormap: Colormap::Viridis,
        gamma: 1.0,
        opacity: 1.0,
        bilinear: false,
    };
    let gpu = render(
        &device, &queue, &values, shape, 1.0, style, size, background,
    );
    assert_eq!(gpu.get_pixel(0, 0).0, [0x44, 0x01, 0x54]);
}
