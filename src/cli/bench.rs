//! `assd bench`: median latencies per configuration on the selected backend.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use assd::attention_query::attention_row;
use assd::backend::{DeviceChoice, select_device};
use assd::config::AssdConfig;
use assd::detect::DetectConfig;
use assd::preprocess::{load_image, preprocess};
use assd::{Detector, weights};
use clap::Args;
use image::RgbImage;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Configurations to measure (randomly initialised unless --weights is given).
    #[arg(long, num_args = 1.., default_values_t = vec!["assd513".to_string()])]
    model: Vec<String>,
    /// Measure this checkpoint instead of random weights (realistic NMS load).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Image to run on; default: a synthetic 500×375 gradient.
    #[arg(long)]
    image: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    device: DeviceChoice,
    /// Timed runs per stage (the median is reported).
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Untimed runs first (kernel compilation, autotuning, allocator warm-up).
    #[arg(long, default_value_t = 2)]
    warmup: usize,
}

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    }
}

fn time<T>(warmup: usize, runs: usize, mut f: impl FnMut() -> T) -> f64 {
    for _ in 0..warmup {
        std::hint::black_box(f());
    }
    let samples = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    median_ms(samples)
}

/// "CPU model (N logical cores)" from /proc/cpuinfo where available.
pub fn machine_description() -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    format!("{model} ({cores} logical cores, {})", std::env::consts::OS)
}

fn synthetic_image() -> RgbImage {
    RgbImage::from_fn(500, 375, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    })
}

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    let selected = select_device(args.device)?;
    if let Some(notice) = &selected.fallback_notice {
        eprintln!("notice: {notice}");
    }
    let image = match &args.image {
        Some(p) => load_image(p)?,
        None => synthetic_image(),
    };
    println!("machine: {}", machine_description());
    println!("backend: {}", selected.description);
    println!(
        "image:   {}×{}, {} timed runs after {} warm-up (medians, ms)",
        image.width(),
        image.height(),
        args.runs,
        args.warmup
    );
    println!(
        "{:<10} {:>8} {:>12} {:>10} {:>12} {:>12} {:>12}",
        "model", "priors", "preprocess", "forward", "decode+nms", "att. rows", "end-to-end"
    );
    for name in &args.model {
        let model = match &args.weights {
            Some(path) => {
                weights::load_model(path, Some(AssdConfig::preset(name)?), &selected.device)
                    .with_context(|| format!("loading {}", path.display()))?
            }
            None => AssdConfig::preset(name)?.init(&selected.device)?,
        };
        let detector = Detector::new(model, selected.device.clone())?;
        let size = detector.config().input_size;
        let pre = time(args.warmup, args.runs, || {
            preprocess(&image, size, &detector.preprocess)
        });
        let chw = preprocess(&image, size, &detector.preprocess);
        let dims = [image.width(), image.height()];
        // Forward includes upload, the network, softmax and the loc/conf readback (a sync).
        let forward = time(args.warmup, args.runs, || {
            detector.infer_input(chw.clone(), dims)
        });
        let inference = detector.infer_input(chw.clone(), dims);
        let config = DetectConfig::default();
        let nms = time(args.warmup, args.runs, || {
            detector.detections(&inference, &config)
        });
        let rows = if inference.attention.is_empty() {
            f64::NAN
        } else {
            time(args.warmup, args.runs, || {
                inference
                    .attention
                    .iter()
                    .map(|a| attention_row(a, 0).len())
                    .sum::<usize>()
            })
        };
        let e2e = time(args.warmup, args.runs, || {
            let inference = detector.infer(&image);
            detector.detections(&inference, &config)
        });
        println!(
            "{:<10} {:>8} {:>12.1} {:>10.1} {:>12.1} {:>12.2} {:>12.1}",
            name,
            detector.head.priors.len(),
            pre,
            forward,
            nms,
            rows,
            e2e
        );
    }
    Ok(ExitCode::SUCCESS)
}
