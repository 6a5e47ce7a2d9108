// Attention heatmap: upsample one scale's attention values (an [h, w] R32Float texture) to the
// image rectangle, normalise, apply gamma, colour-map and blend over what is already drawn.
// The arithmetic mirrors `export::blend_heatmap` (the CPU path) so the screen and exported
// sheets agree to one 8-bit step; tests/heatmap_shader.rs checks that.

struct Params {
    // Image rectangle in framebuffer pixels: x, y, width, height.
    rect: vec4<f32>,
    // The value that maps to the top of the colormap.
    max_value: f32,
    gamma: f32,
    opacity: f32,
    // 1: bilinear between cell centres, 0: nearest cell.
    bilinear: u32,
    anchor_count: u32,
    // 1 when the target is an sRGB format (blending then happens in linear space).
    srgb_target: u32,
    _pad: vec2<u32>,
    // Colormap anchors as 0..255 RGB, evenly spaced over [0, 1].
    anchors: array<vec4<f32>, 10>,
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var values: texture_2d<f32>;

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    // One triangle covering the whole viewport; the fragment stage clips to the image.
    let x = f32((index << 1u) & 2u) * 2.0 - 1.0;
    let y = f32(index & 2u) * 2.0 - 1.0;
    return vec4<f32>(x, y, 0.0, 1.0);
}

fn value_at(cell: vec2<u32>) -> f32 {
    return textureLoad(values, cell, 0).r;
}

fn sample(uv: vec2<f32>) -> f32 {
    let dims = textureDimensions(values);
    let size = vec2<f32>(dims);
    let f = uv * size;
    if params.bilinear == 0u {
        return value_at(min(vec2<u32>(floor(f)), dims - 1u));
    }
    let g = clamp(f - 0.5, vec2<f32>(0.0), size - 1.0);
    let c0 = vec2<u32>(floor(g));
    let c1 = min(c0 + 1u, dims - 1u);
    let t = g - floor(g);
    let top = value_at(c0) * (1.0 - t.x) + value_at(vec2<u32>(c1.x, c0.y)) * t.x;
    let bottom = value_at(vec2<u32>(c0.x, c1.y)) * (1.0 - t.x) + value_at(c1) * t.x;
    return top * (1.0 - t.y) + bottom * t.y;
}

fn ramp(t: f32) -> vec3<f32> {
    let last = params.anchor_count - 1u;
    let x = clamp(t, 0.0, 1.0) * f32(last);
    let i = min(u32(floor(x)), last - 1u);
    let f = x - f32(i);
    let a = params.anchors[i].rgb;
    let b = params.anchors[i + 1u].rgb;
    // 8-bit colours, rounded like the CPU path.
    return round(a + (b - a) * f) / 255.0;
}

fn linear_from_gamma(srgb: vec3<f32>) -> vec3<f32> {
    let cutoff = srgb < vec3<f32>(0.04045);
    let lower = srgb / vec3<f32>(12.92);
    let higher = pow((srgb + vec3<f32>(0.055)) / vec3<f32>(1.055), vec3<f32>(2.4));
    return select(higher, lower, cutoff);
}

@fragment
fn fs_main(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    let uv = (position.xy - params.rect.xy) / params.rect.zw;
    if any(uv < vec2<f32>(0.0)) || any(uv >= vec2<f32>(1.0)) {
        discard;
    }
    var max_value = params.max_value;
    if max_value <= 0.0 {
        max_value = 1.0;
    }
    var t = clamp(sample(uv) / max_value, 0.0, 1.0);
    if t > 0.0 {
        t = pow(t, params.gamma);
    }
    var rgb = ramp(t);
    if params.srgb_target == 1u {
        rgb = linear_from_gamma(rgb);
    }
    // Premultiplied alpha, like egui's own pipeline.
    return vec4<f32>(rgb * params.opacity, params.opacity);
}
