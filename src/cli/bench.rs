//! `assd bench`: median latencies per configuration on the selected backend.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use assd::attention_query::attention_row;
use assd::backend::{DeviceChoice, select_device};
use assd::config::AssdConfig;
use assd::preprocess::{load_image, preprocess};
use assd::{Detector, weights};
use clap::Args;
use image::RgbImage;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Configurations to measure with random weights (assd513, ssd300, assd-mobilenet, …).
    /// Default: the built-in model, with its trained weights.
    #[arg(long, num_args = 1..)]
    model: Vec<String>,
    /// Measure this checkpoint (in its own configuration) instead of random weights.
    #[arg(long)]
    weights: Option<PathBuf>,
    /// A reference forward time (ms) to state the ratio to, e.g. another implementation's
    /// median on the same machine.
    #[arg(long)]
    reference_ms: Option<f64>,
    /// Also time batched forward passes of these sizes (throughput: images/s).
    #[arg(long, num_args = 1..)]
    batch: Vec<usize>,
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
    /// Also stream this camera through the first model, as the app's live mode does
    /// (latest frame wins), and report capture-to-result latency: a webcam index or
    /// `virtual:FOLDER[@FPS]`.
    #[arg(long, value_parser = assd::camera::SourceSpec::parse)]
    camera: Option<assd::camera::SourceSpec>,
    /// How long to stream (seconds).
    #[arg(long, default_value_t = 30.0)]
    seconds: f32,
}

/// What one row of the table measures.
enum Measured<'a> {
    Checkpoint(PathBuf),
    Preset(&'a str),
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
        "{:<15} {:>8} {:>12} {:>10} {:>8} {:>12} {:>10} {:>11} {:>11} {:>12}",
        "model",
        "priors",
        "preprocess",
        "forward",
        "FPS",
        "decode+nms",
        "att. rows",
        "1st click",
        "next click",
        "end-to-end"
    );
    // A checkpoint runs in its own configuration; presets run with random weights.
    let measured: Vec<Measured> = match (&args.weights, args.model.is_empty()) {
        (Some(path), _) => vec![Measured::Checkpoint(path.clone())],
        (None, true) => vec![Measured::Checkpoint(PathBuf::from(
            weights::DEFAULT_WEIGHTS,
        ))],
        (None, false) => args.model.iter().map(|m| Measured::Preset(m)).collect(),
    };
    let mut live = Vec::new();
    for (i, what) in measured.into_iter().enumerate() {
        let model = match what {
            Measured::Checkpoint(path) => weights::load_model(&path, None, &selected.device)
                .with_context(|| format!("loading {}", path.display()))?,
            Measured::Preset(name) => AssdConfig::preset(name)?.init(&selected.device)?,
        };
        let name = model.config.name.clone();
        let detector = Detector::new(model, selected.device.clone())?;
        if let Some(spec) = args.camera.as_ref().filter(|_| i == 0) {
            live.push((name.clone(), stream_latency(&detector, spec, args.seconds)?));
        }
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
        let config = detector.config().detect;
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
        // What a click costs: every scale's row and what each location receives. The first
        // query of a forward pass also computes the column means; later ones reuse them.
        let centre = [image.width() as f32 / 2.0, image.height() as f32 / 2.0];
        let (first_query, query) = if inference.attention.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            let unqueried = inference.clone();
            (
                time(args.warmup, args.runs, || {
                    assd::attention_query::attention_at(&unqueried.clone(), centre)
                }),
                time(args.warmup, args.runs, || {
                    assd::attention_query::attention_at(&inference, centre)
                }),
            )
        };
        let e2e = time(args.warmup, args.runs, || {
            let inference = detector.infer(&image);
            detector.detections(&inference, &config)
        });
        println!(
            "{:<15} {:>8} {:>12.1} {:>10.1} {:>8.1} {:>12.1} {:>10.2} {:>11.2} {:>11.2} {:>12.1}",
            name,
            detector.head.priors.len(),
            pre,
            forward,
            1e3 / forward,
            nms,
            rows,
            first_query,
            query,
            e2e
        );
        if let Some(reference) = args.reference_ms {
            println!(
                "  {name}: forward {forward:.1} ms = {:.2}× the reference {reference:.1} ms",
                forward / reference
            );
        }
        println!(
            "  {name}: batch 1: {forward:.1} ms per batch, {:.1} images/s",
            1e3 / forward
        );
        for &b in args.batch.iter().filter(|&&b| b > 1) {
            let inputs: Vec<f32> = (0..b).flat_map(|_| chw.iter().copied()).collect();
            let sizes = vec![dims; b];
            let ms = time(args.warmup, args.runs, || {
                detector.infer_inputs(inputs.clone(), sizes.clone())
            });
            println!(
                "  {name}: batch {b}: {ms:.1} ms per batch, {:.1} images/s",
                b as f64 * 1e3 / ms
            );
        }
    }
    for (name, report) in live {
        println!("live ({name}): {report}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Streams `spec` through `detector` for `seconds` the way live mode does (one-frame mailbox,
/// forward + decode/NMS + the attention of the centre pixel per frame) and summarises it.
fn stream_latency(
    detector: &Detector,
    spec: &assd::camera::SourceSpec,
    seconds: f32,
) -> Result<String> {
    use assd::camera::{CameraStream, StreamState};
    use std::sync::mpsc::channel;
    use std::time::Duration;

    let (tx, rx) = channel();
    let stream = CameraStream::start(
        spec.clone(),
        move |frames| {
            let _ = tx.send(frames);
        },
        || {},
    );
    let config = detector.config().detect;
    let deadline = Instant::now() + Duration::from_secs_f32(seconds);
    let mut latencies = Vec::new();
    let mut forwards = Vec::new();
    let mut first_result = None;
    while Instant::now() < deadline {
        let Ok(frames) = rx.recv_timeout(Duration::from_millis(200)) else {
            if let StreamState::Failed(e) = stream.stats().state {
                anyhow::bail!("{}: {e}", spec.label());
            }
            continue;
        };
        let Some(frame) = frames.take() else {
            continue;
        };
        let start = Instant::now();
        let inference = detector.infer(&frame.image);
        forwards.push(start.elapsed().as_secs_f64() * 1e3);
        let detections = detector.detections(&inference, &config);
        let (w, h) = frame.image.dimensions();
        let rows =
            assd::attention_query::attention_at(&inference, [w as f32 / 2.0, h as f32 / 2.0]);
        std::hint::black_box((detections, rows));
        latencies.push(frame.captured_at.elapsed().as_secs_f64() * 1e3);
        first_result.get_or_insert_with(Instant::now);
    }
    let stats = stream.stats();
    let processed = latencies.len();
    let rate = match first_result {
        Some(t) if processed > 1 => (processed - 1) as f64 / t.elapsed().as_secs_f64(),
        _ => 0.0,
    };
    Ok(format!(
        "{}: camera {:.1} fps, {} frames captured, {} processed ({:.2} fps), {} dropped; median capture-to-result {:.0} ms (forward {:.0} ms)",
        spec.label(),
        stats.camera_fps,
        stats.captured,
        processed,
        rate,
        stats.dropped,
        median_ms(latencies),
        median_ms(forwards)
    ))
}
