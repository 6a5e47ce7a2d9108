//! Where the default model's forward pass spends its time, layer by layer, on the CPU.
//!
//! `cargo bench --bench layers [-- RUNS]`: every convolution, activation, attention unit and
//! head of the built-in ASSD-MobileNet, each timed on its own input (median of RUNS, default
//! 50), with its multiply-adds and GFLOP/s, then the whole forward pass for comparison.

use std::time::Instant;

use assd::backend::{DeviceChoice, select_device};
use assd::model::Backbone;
use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::activation::{relu6, sigmoid, softmax};

/// The `assd` binary's allocator and setting (src/main.rs): freed pages are kept for reuse.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

struct Row {
    name: String,
    shape: String,
    macs: f64,
    ms: f64,
}

fn median_ms<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    for _ in 0..3 {
        std::hint::black_box(f());
    }
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn dims(t: &Tensor<4>) -> String {
    let [_, c, h, w] = t.dims();
    format!("{c}×{h}×{w}")
}

fn conv_macs(conv: &Conv2d, out: &Tensor<4>) -> f64 {
    let [o, i, kh, kw] = conv.weight.dims();
    let [_, _, h, w] = out.dims();
    (o * i * kh * kw * h * w) as f64
}

/// Times `conv` and the ReLU6 after it; returns the output.
fn conv_relu6(
    rows: &mut Vec<Row>,
    runs: usize,
    name: &str,
    conv: &Conv2d,
    x: Tensor<4>,
) -> Tensor<4> {
    let y = conv.forward(x.clone());
    rows.push(Row {
        name: name.to_string(),
        shape: format!("{} → {}", dims(&x), dims(&y)),
        macs: conv_macs(conv, &y),
        ms: median_ms(runs, || conv.forward(x.clone())),
    });
    rows.push(Row {
        name: format!("{name} relu6"),
        shape: dims(&y),
        macs: 0.0,
        ms: median_ms(runs, || relu6(y.clone())),
    });
    relu6(y)
}

fn main() {
    // SAFETY: sets a plain integer option, as the `assd` binary does.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    let runs = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50);
    let device = select_device(DeviceChoice::Cpu)
        .expect("the CPU backend")
        .device;
    let model = assd::weights::load_model(
        std::path::Path::new(assd::weights::DEFAULT_WEIGHTS),
        None,
        &device,
    )
    .expect("the built-in model");
    let Backbone::MobileNetV1(net) = &model.backbone else {
        panic!("the built-in model is ASSD-MobileNet");
    };
    let size = model.config.input_size;
    let x = Tensor::<4>::random(
        [1, 3, size, size],
        burn::tensor::Distribution::Uniform(-1.0, 1.0),
        &device,
    );
    let mut rows = Vec::new();
    let mut parts = Vec::new();
    let mut h = conv_relu6(&mut rows, runs, "conv0", &net.conv0, x.clone());
    let mut taps = Vec::new();
    for (i, block) in net.blocks.iter().enumerate() {
        h = conv_relu6(
            &mut rows,
            runs,
            &format!("block{} dw", i + 1),
            &block.depthwise,
            h,
        );
        h = conv_relu6(
            &mut rows,
            runs,
            &format!("block{} pw", i + 1),
            &block.pointwise,
            h,
        );
        if i + 1 == 11 || i + 1 == 13 {
            taps.push(h.clone());
        }
    }
    for (i, block) in model.extras.iter().enumerate() {
        let y = block.forward(h.clone());
        rows.push(Row {
            name: format!("extra{i} (conv+relu6)"),
            shape: format!("{} → {}", dims(&h), dims(&y)),
            macs: conv_macs(&block.conv, &y),
            ms: median_ms(runs, || block.forward(h.clone())),
        });
        h = y;
    }
    let sources = model.sources(x.clone());
    for (k, (unit, s)) in model.attention.iter().zip(&sources).enumerate() {
        let [_, c, hh, ww] = s.dims();
        let n = (hh * ww) as f64;
        let c = c as f64;
        // q, k (C/8 each), v (C) 1×1 convs, qᵀk, v·βᵀ.
        let macs = n * c * (c / 4.0 + c) + n * n * (c / 8.0 + c);
        rows.push(Row {
            name: format!("attention{k}"),
            shape: dims(s),
            macs,
            ms: median_ms(runs, || unit.forward(s.clone())),
        });
        if k < 2 {
            // Its parts (not counted in the sums below).
            let nn = hh * ww;
            let qkv = || {
                let f = unit.query.forward(s.clone());
                let g = unit.key.forward(s.clone());
                let v = unit.value.forward(s.clone());
                (f, g, v)
            };
            parts.push(Row {
                name: format!("  attention{k} q,k,v convs"),
                shape: dims(s),
                macs: n * c * (c / 4.0 + c),
                ms: median_ms(runs, qkv),
            });
            let (f, g, v) = qkv();
            let r = f.dims()[1];
            let (f, g) = (f.reshape([1, r, nn]), g.reshape([1, r, nn]));
            let logits = || softmax(f.clone().swap_dims(1, 2).matmul(g.clone()), 2);
            parts.push(Row {
                name: format!("  attention{k} qᵀk, softmax"),
                shape: format!("{nn}×{nn}"),
                macs: n * n * c / 8.0,
                ms: median_ms(runs, logits),
            });
            let beta = logits();
            let v = v.reshape([1, c as usize, nn]);
            parts.push(Row {
                name: format!("  attention{k} v·βᵀ + x"),
                shape: dims(s),
                macs: n * n * c,
                ms: median_ms(runs, || {
                    v.clone()
                        .matmul(beta.clone().swap_dims(1, 2))
                        .reshape(s.dims())
                        + s.clone()
                }),
            });
        }
    }
    let attended: Vec<_> = model
        .attention
        .iter()
        .zip(&sources)
        .map(|(u, s)| u.forward(s.clone()).output)
        .collect();
    rows.push(Row {
        name: "heads (loc+conf)".into(),
        shape: format!("{} sources", attended.len()),
        macs: 0.0,
        ms: median_ms(runs, || model.heads.forward(&attended)),
    });
    let convs = || {
        attended
            .iter()
            .zip(model.heads.loc.iter().zip(&model.heads.conf))
            .map(|(x, (l, c))| (l.forward(x.clone()), c.forward(x.clone())))
            .collect::<Vec<_>>()
    };
    let head_macs: f64 = attended
        .iter()
        .zip(model.heads.loc.iter().zip(&model.heads.conf))
        .map(|(x, (l, c))| {
            let [_, _, h, w] = x.dims();
            let per = |conv: &Conv2d| conv.weight.dims().iter().product::<usize>();
            ((per(l) + per(c)) * h * w) as f64
        })
        .sum();
    parts.push(Row {
        name: "  heads: the convs".into(),
        shape: format!("{} sources", attended.len()),
        macs: head_macs,
        ms: median_ms(runs, convs),
    });
    let (_, conf) = model.heads.forward(&attended);
    rows.push(Row {
        name: "sigmoid of conf".into(),
        shape: format!("{:?}", conf.dims()),
        macs: 0.0,
        ms: median_ms(runs, || sigmoid(conf.clone())),
    });
    // As `assd bench` runs it: on the CPU pool's worker (backend::run_model). The layers above
    // are timed from this thread, so each also pays for handing its kernels to the pool.
    let whole = median_ms(runs, || {
        assd::backend::run_model(&device, || {
            let out = model.forward(x.clone());
            sigmoid(out.conf).into_data()
        })
    });
    println!(
        "{:<24} {:<28} {:>9} {:>9} {:>9}",
        "layer", "shape", "MMACs", "ms", "GFLOP/s"
    );
    let mut sum = 0.0;
    for r in &rows {
        sum += r.ms;
        let gflops = if r.macs > 0.0 {
            format!("{:.1}", 2.0 * r.macs / r.ms / 1e6)
        } else {
            String::new()
        };
        println!(
            "{:<24} {:<28} {:>9.2} {:>9.3} {:>9}",
            r.name,
            r.shape,
            r.macs / 1e6,
            r.ms,
            gflops
        );
    }
    for r in &parts {
        println!(
            "{:<24} {:<28} {:>9.2} {:>9.3} {:>9.1}",
            r.name,
            r.shape,
            r.macs / 1e6,
            r.ms,
            2.0 * r.macs / r.ms / 1e6
        );
    }
    let group = |pred: &dyn Fn(&str) -> bool| {
        rows.iter()
            .filter(|r| pred(&r.name))
            .map(|r| r.ms)
            .sum::<f64>()
    };
    println!("depthwise convs {:.2} ms", group(&|n| n.ends_with(" dw")));
    println!("pointwise convs {:.2} ms", group(&|n| n.ends_with(" pw")));
    println!("relu6 {:.2} ms", group(&|n| n.ends_with("relu6")));
    println!("attention {:.2} ms", group(&|n| n.starts_with("attention")));
    println!("sum of layers {sum:.2} ms; whole forward (+ sigmoid, read-back) {whole:.2} ms");
}
