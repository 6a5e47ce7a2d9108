//! Attention heatmaps drawn by a WGSL shader (`shaders/heatmap.wgsl`): the attention values go
//! to the GPU as a small `[h, w]` float texture and the fragment shader upsamples (bilinear or
//! nearest), normalises, applies gamma and the colormap, and blends over the image. Used
//! whenever egui renders through wgpu; the CPU path (`heatmaps::heatmap`) remains for
//! renderers without one (the headless tests).

use std::collections::HashMap;
use std::sync::Arc;

use eframe::egui_wgpu::{self, wgpu};

use crate::export::HeatmapStyle;

const SHADER: &str = include_str!("../../shaders/heatmap.wgsl");
const MAX_ANCHORS: usize = 10;
/// Size of `Params` in the shader.
const PARAMS_BYTES: usize = 48 + 16 * MAX_ANCHORS;

/// What one heatmap draw needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeatmapParams {
    /// The image rectangle in framebuffer pixels: x, y, width, height.
    pub rect_px: [f32; 4],
    /// Value at the top of the colormap.
    pub max: f32,
    pub style: HeatmapStyle,
}

impl HeatmapParams {
    fn bytes(&self, srgb_target: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(PARAMS_BYTES);
        let mut f = |v: f32| out.extend_from_slice(&v.to_le_bytes());
        self.rect_px.iter().for_each(|&v| f(v));
        f(self.max);
        f(self.style.gamma);
        f(self.style.opacity);
        let anchors = self.style.colormap.anchors();
        let words = [
            u32::from(self.style.bilinear),
            anchors.len().min(MAX_ANCHORS) as u32,
            u32::from(srgb_target),
            0,
            0,
        ];
        for w in words {
            out.extend_from_slice(&w.to_le_bytes());
        }
        for k in 0..MAX_ANCHORS {
            let rgb = anchors.get(k).copied().unwrap_or(0);
            for shift in [16, 8, 0] {
                out.extend_from_slice(&(((rgb >> shift) & 0xff) as f32).to_le_bytes());
            }
            out.extend_from_slice(&1f32.to_le_bytes());
        }
        out
    }
}

/// GPU resources of one heatmap on screen (the large view, or one thumbnail).
struct Slot {
    params: wgpu::Buffer,
    values: wgpu::Texture,
    bind_group: wgpu::BindGroup,
    /// Which values the texture holds.
    generation: u64,
}

/// The heatmap pipeline and the per-slot buffers.
pub struct HeatmapPipeline {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    srgb_target: bool,
    slots: HashMap<u64, Slot>,
}

impl HeatmapPipeline {
    /// Compiles the shader for render targets of `format` (single-sampled, no depth, as egui's).
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("assd heatmap"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("assd heatmap"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: wgpu::BufferSize::new(PARAMS_BYTES as u64),
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: false },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("assd heatmap"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("assd heatmap"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                buffers: &[],
                compilation_options: wgpu::PipelineCompilationOptions::default(),
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_main"),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    // egui's blending: premultiplied colour over the destination.
                    blend: Some(wgpu::BlendState {
                        color: wgpu::BlendComponent {
                            src_factor: wgpu::BlendFactor::One,
                            dst_factor: wgpu::BlendFactor::OneMinusSrcAlpha,
                            operation: wgpu::BlendOperation::Add,
                        },
                        alpha: wgpu::BlendComponent {
                            src_factor: wgpu::BlendFactor::OneMinusDstAlpha,
                            dst_factor: wgpu::BlendFactor::One,
                            operation: wgpu::BlendOperation::Add,
                        },
                    }),
                    write_mask: wgpu::ColorWrites::ALL,
                })],
                compilation_options: wgpu::PipelineCompilationOptions::default(),
            }),
            multiview_mask: None,
            cache: None,
        });
        Self {
            pipeline,
            layout,
            srgb_target: format.is_srgb(),
            slots: HashMap::new(),
        }
    }

    /// Uploads what slot `id` draws next: `values` (`[h, w]` row-major, tagged `generation` so
    /// unchanged values are not uploaded again) and the parameters.
    #[allow(clippy::too_many_arguments)]
    pub fn prepare(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        id: u64,
        values: &[f32],
        [h, w]: [usize; 2],
        generation: u64,
        params: &HeatmapParams,
    ) {
        let size = wgpu::Extent3d {
            width: w.max(1) as u32,
            height: h.max(1) as u32,
            depth_or_array_layers: 1,
        };
        let fits = self.slots.get(&id).is_some_and(|s| s.values.size() == size);
        if !fits {
            let slot = self.new_slot(device, size);
            self.slots.insert(id, slot);
        }
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        queue.write_buffer(&slot.params, 0, &params.bytes(self.srgb_target));
        if !fits || slot.generation != generation {
            if values.len() == h * w && !values.is_empty() {
                let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
                queue.write_texture(
                    slot.values.as_image_copy(),
                    &bytes,
                    wgpu::TexelCopyBufferLayout {
                        offset: 0,
                        bytes_per_row: Some(4 * w as u32),
                        rows_per_image: None,
                    },
                    size,
                );
            }
            slot.generation = generation;
        }
    }

    fn new_slot(&self, device: &wgpu::Device, size: wgpu::Extent3d) -> Slot {
        let params = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("assd heatmap params"),
            size: PARAMS_BYTES as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let values = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("assd heatmap values"),
            size,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::R32Float,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let view = values.create_view(&wgpu::TextureViewDescriptor::default());
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("assd heatmap"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&view),
                },
            ],
        });
        Slot {
            params,
            values,
            bind_group,
            generation: u64::MAX,
        }
    }

    /// Draws slot `id` into `pass` (whose viewport must cover the framebuffer the rectangle
    /// was given in). Nothing is drawn for a slot that was never prepared.
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>, id: u64) {
        if let Some(slot) = self.slots.get(&id) {
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &slot.bind_group, &[]);
            pass.draw(0..3, 0..1);
        }
    }
}

/// Makes the heatmap shader available to paint callbacks; false when egui does not render
/// through wgpu (then the CPU textures are used).
pub fn register(render_state: Option<&egui_wgpu::RenderState>) -> bool {
    let Some(state) = render_state else {
        return false;
    };
    let pipeline = HeatmapPipeline::new(&state.device, state.target_format);
    state.renderer.write().callback_resources.insert(pipeline);
    true
}

/// The values one heatmap shows, shared with the paint callbacks without copying.
#[derive(Clone)]
pub struct HeatValues {
    pub values: Arc<[f32]>,
    pub shape: [usize; 2],
    pub max: f32,
    /// Changes whenever `values` do.
    pub generation: u64,
}

/// A paint callback drawing `heat` over the image rectangle it is given.
pub struct HeatmapCallback {
    pub slot: u64,
    pub heat: HeatValues,
    pub style: HeatmapStyle,
    /// The image rectangle in points (may extend past the clip when zoomed in).
    pub image_rect: egui::Rect,
}

impl egui_wgpu::CallbackTrait for HeatmapCallback {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        screen: &egui_wgpu::ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut egui_wgpu::CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        if let Some(pipeline) = resources.get_mut::<HeatmapPipeline>() {
            let ppp = screen.pixels_per_point;
            let r = self.image_rect;
            let params = HeatmapParams {
                rect_px: [
                    r.min.x * ppp,
                    r.min.y * ppp,
                    r.width() * ppp,
                    r.height() * ppp,
                ],
                max: self.heat.max,
                style: self.style,
            };
            pipeline.prepare(
                device,
                queue,
                self.slot,
                &self.heat.values,
                self.heat.shape,
                self.heat.generation,
                &params,
            );
        }
        Vec::new()
    }

    fn paint(
        &self,
        info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &egui_wgpu::CallbackResources,
    ) {
        if let Some(pipeline) = resources.get::<HeatmapPipeline>() {
            // egui sets the viewport to the callback rectangle clamped to the screen; the
            // shader works in framebuffer pixels instead, so zoomed-in images stay aligned.
            let [w, h] = info.screen_size_px;
            pass.set_viewport(0.0, 0.0, w as f32, h as f32, 0.0, 1.0);
            pipeline.draw(pass, self.slot);
        }
    }
}
