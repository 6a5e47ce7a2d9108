//! `assd convert`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use assd::backend::cpu;
use assd::config::AssdConfig;
use assd::weights::{load_model, save_model};
use clap::Args;

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input checkpoint (.pth or .safetensors).
    input: PathBuf,
    /// Output .safetensors file (written atomically).
    output: PathBuf,
    /// Configuration; default: recognised from the checkpoint.
    #[arg(long)]
    model: Option<String>,
}

pub fn run(args: ConvertArgs) -> Result<ExitCode> {
    let config = args.model.as_deref().map(AssdConfig::preset).transpose()?;
    let model = load_model(&args.input, config, &cpu().device)
        .with_context(|| format!("loading {}", args.input.display()))?;
    save_model(&model, &args.output)?;
    eprintln!("wrote {} ({})", args.output.display(), model.config.name);
    Ok(ExitCode::SUCCESS)
}
