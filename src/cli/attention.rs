//! `assd attention`: the scriptable twin of the app's click-a-pixel view.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use assd::attention_query::{attention_at, write_attention_safetensors};
use assd::preprocess::load_image;
use clap::Args;

use super::model_args::ModelArgs;

#[derive(Debug, Args)]
pub struct AttentionArgs {
    /// The image.
    image: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
    /// Image pixel "x,y" whose query cell is read at every scale.
    #[arg(long, value_parser = parse_point)]
    at: [f32; 2],
    /// Output safetensors file: scale<k>/row, scale<k>/received, scale<k>/shape, scale<k>/cell.
    #[arg(long)]
    out: PathBuf,
}

fn parse_point(s: &str) -> Result<[f32; 2], String> {
    let (x, y) = s.split_once(',').ok_or("expected x,y (e.g. 120,80)")?;
    let parse = |v: &str| v.trim().parse::<f32>().map_err(|e| format!("'{v}': {e}"));
    Ok([parse(x)?, parse(y)?])
}

pub fn run(args: AttentionArgs) -> Result<ExitCode> {
    let image = load_image(&args.image)?;
    let [x, y] = args.at;
    anyhow::ensure!(
        x >= 0.0 && y >= 0.0 && x < image.width() as f32 && y < image.height() as f32,
        "pixel ({x}, {y}) lies outside the {}×{} image",
        image.width(),
        image.height()
    );
    let (detector, selected) = args.model.load()?;
    anyhow::ensure!(
        detector.config().attention,
        "{} has no attention units (attention is off in this configuration)",
        detector.config().name
    );
    eprintln!("{} on {}", detector.config().name, selected.description);
    let inference = detector.infer(&image);
    let scales = attention_at(&inference, args.at);
    let metadata = HashMap::from([
        ("image".to_string(), args.image.display().to_string()),
        ("pixel".to_string(), format!("{x},{y}")),
        (
            "image_size".to_string(),
            format!("{},{}", image.width(), image.height()),
        ),
        ("model".to_string(), detector.config().name.clone()),
    ]);
    write_attention_safetensors(&args.out, &scales, metadata)
        .with_context(|| format!("writing {}", args.out.display()))?;
    for s in &scales {
        let (argmax, max) =
            s.row.iter().enumerate().fold(
                (0, f32::MIN),
                |best, (i, &v)| if v > best.1 { (i, v) } else { best },
            );
        println!(
            "scale {} ({}×{}): query cell (row {}, col {}) looks most at (row {}, col {}) with {:.4}",
            s.scale,
            s.shape[0],
            s.shape[1],
            s.cell[0],
            s.cell[1],
            argmax / s.shape[1],
            argmax % s.shape[1],
            max
        );
    }
    eprintln!("wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
