//! `assd`: run ASSD on images, export attention, inspect checkpoints, benchmark.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// Large tensors are allocated and freed on every forward pass; mimalloc reuses their pages,
/// where glibc returns them to the kernel and faults them back in (measured in README
/// "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3); libmimalloc-sys names only some options.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// Freed memory is never handed back to the kernel (-1): every forward pass reuses the pages of
/// the last one. With mimalloc's default (10 ms) or even 2 s, ASSD513's largest tensors were
/// faulted in afresh on every pass (65,000 page faults in a benchmark against 1,600, and
/// ~15 % slower); the cost is a peak RSS of 742 MB instead of 579 MB for ASSD513.
const PURGE_DELAY_MS: std::os::raw::c_long = -1;

fn main() -> ExitCode {
    // SAFETY: sets a plain integer option; mimalloc allows this at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
