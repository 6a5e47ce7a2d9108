//! `assd convert`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use assd::backend::cpu;
use assd::config::AssdConfig;
use assd::weights::{
    add_attention, model_from_checkpoint, read_checkpoint, read_tflite, save_model, save_model_f16,
};
use clap::Args;

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input checkpoint: the authors' .pth, a .safetensors, or TensorFlow's SSD-MobileNet
    /// `detect.tflite` (dequantized on import).
    input: PathBuf,
    /// Output .safetensors file (written atomically).
    output: PathBuf,
    /// Configuration; default: recognised from the checkpoint. `assd-mobilenet` on an
    /// SSD-MobileNet input adds an attention unit per source that starts as the identity.
    #[arg(long)]
    model: Option<String>,
    /// Store the weights as 16-bit floats (half the size).
    #[arg(long)]
    fp16: bool,
}

pub fn run(args: ConvertArgs) -> Result<ExitCode> {
    let device = cpu().device;
    let target = args.model.as_deref().map(AssdConfig::preset).transpose()?;
    let is_tflite = args
        .input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tflite"));
    let loading = || format!("loading {}", args.input.display());
    let checkpoint = if is_tflite {
        let import = read_tflite(&args.input)?;
        let ops: Vec<String> = import
            .op_counts
            .iter()
            .map(|(op, n)| format!("{n} {op}"))
            .collect();
        eprintln!(
            "{}: {} ({} tensors, {} anchors)",
            args.input.display(),
            ops.join(", "),
            import.checkpoint.tensors.len(),
            import.config.num_priors().unwrap_or(0)
        );
        import.checkpoint
    } else {
        read_checkpoint(&args.input).with_context(loading)?
    };
    let detected = checkpoint.detect_config().with_context(loading)?;
    // An attention-free detector gets its units added after loading rather than failing on
    // the missing tensors; the checkpoint's own configuration wins when the names agree.
    let (config, add_attention_as) = match target {
        Some(t) if t.attention && !detected.attention => (None, Some(t.name)),
        Some(t) if t.name != detected.name => (Some(t), None),
        _ => (None, None),
    };
    let mut model = model_from_checkpoint(checkpoint, config, &device).with_context(loading)?;
    if let Some(name) = add_attention_as {
        // Seeded, so the new query/key convs are the same on every run.
        device.seed(0);
        model = add_attention(&model, &name, &device)?;
    }
    if args.fp16 {
        save_model_f16(&model, &args.output)?;
    } else {
        save_model(&model, &args.output)?;
    }
    eprintln!(
        "wrote {} ({}, {} parameters{})",
        args.output.display(),
        model.config.name,
        model.parameter_count(),
        if args.fp16 { ", fp16" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}
