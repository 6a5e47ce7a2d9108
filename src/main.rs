//! `assd`: run ASSD on images, export attention, inspect checkpoints, benchmark.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// Large tensors are allocated and freed on every forward pass; mimalloc reuses their pages,
/// where glibc returns them to the kernel and faults them back in (measured in README
/// "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
