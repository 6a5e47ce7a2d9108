//! `assd info`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use assd::weights::{CheckpointFormat, read_checkpoint};
use clap::Args;

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Checkpoint (.pth or .safetensors).
    file: PathBuf,
    /// List every tensor with its shape.
    #[arg(long)]
    tensors: bool,
}

pub fn run(args: InfoArgs) -> Result<ExitCode> {
    let checkpoint = read_checkpoint(&args.file)?;
    let format = match checkpoint.format {
        CheckpointFormat::Pytorch => "PyTorch state_dict (authors' layout)",
        CheckpointFormat::Safetensors => "safetensors (assd layout)",
        CheckpointFormat::Tflite => "TensorFlow Lite (dequantized on import)",
    };
    println!("file:        {}", args.file.display());
    println!("format:      {format}");
    println!(
        "tensors:     {} weight tensors (+{} bookkeeping scalars ignored)",
        checkpoint.tensors.len(),
        checkpoint.bookkeeping
    );
    println!("parameters:  {}", group_digits(checkpoint.num_params()));
    if !checkpoint.unmapped.is_empty() {
        println!(
            "unrecognised: {} ({})",
            checkpoint.unmapped.len(),
            checkpoint.unmapped.join(", ")
        );
    }
    match checkpoint.detect_config() {
        Ok(config) => {
            println!("model:       {}", config.name);
            println!(
                "backbone:    {:?}, input {}×{}",
                config.backbone, config.input_size, config.input_size
            );
            println!("classes:     {} (including background)", config.num_classes);
            println!("fusion:      {}", if config.fusion { "on" } else { "off" });
            println!(
                "attention:   {}",
                if config.attention { "on" } else { "off" }
            );
            if let (Ok(sizes), Ok(priors)) = (config.feature_sizes(), config.num_priors()) {
                let sizes: Vec<String> = sizes.iter().map(|s| format!("{s}×{s}")).collect();
                println!("scales:      {}", sizes.join(", "));
                println!(
                    "priors:      {} ({})",
                    group_digits(priors),
                    match config.priors {
                        assd::config::PriorLayout::Generated => "generated",
                        assd::config::PriorLayout::Stored { .. } => "stored in the checkpoint",
                    }
                );
            }
            let p = &config.preprocess;
            println!(
                "input:       {:?}, {:?} resize, (x / {} − {:?}) / {:?}",
                p.color, p.resize, p.divisor, p.mean, p.std
            );
            println!("scores:      {:?}", config.score);
            let d = &config.detect;
            println!(
                "detection:   score > {}, NMS {}, top {} per class{}",
                d.conf_thresh,
                d.nms_thresh,
                d.top_k,
                d.max_per_image
                    .map(|n| format!(", {n} per image"))
                    .unwrap_or_default()
            );
        }
        Err(err) => println!("model:       not recognised ({err})"),
    }
    if args.tensors {
        for (path, t) in &checkpoint.tensors {
            let name = checkpoint.file_names.get(path).unwrap_or(path);
            println!("  {name:<48} {:?}", t.shape);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn group_digits(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
