//! Which matrix-product kernels the CPU backend uses on this CPU.
//!
//! The gemm crate under Burn Flex has AVX2/FMA kernels and AVX-512 ones. Which is faster
//! depends on the CPU, not only on what it supports (README "Performance"): on the Intel Xeon
//! machines measured here AVX-512 made ASSD513 1.4× faster, on the AMD EPYC (Zen, which splits
//! 512-bit operations in two) it made the default model 46 → 65 ms. So the choice is made at
//! run time: AVX-512 on Intel CPUs that have it, AVX2/FMA elsewhere. `ASSD_CPU_KERNELS=avx512`
//! or `avx2` overrides it (for measuring).

use std::sync::OnceLock;

/// The kernels chosen for this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuKernels {
    Avx512,
    Avx2,
    /// Not x86-64, or an x86 without AVX2/FMA: whatever gemm picks.
    Other,
}

impl CpuKernels {
    pub fn label(self) -> &'static str {
        match self {
            CpuKernels::Avx512 => "AVX-512",
            CpuKernels::Avx2 => "AVX2",
            CpuKernels::Other => "portable",
        }
    }
}

/// Chooses the kernels once, before the first matrix product (gemm fixes its choice then),
/// and says which.
pub fn choose() -> CpuKernels {
    static CHOSEN: OnceLock<CpuKernels> = OnceLock::new();
    *CHOSEN.get_or_init(|| {
        let wanted = std::env::var("ASSD_CPU_KERNELS").ok();
        let kernels = decide(wanted.as_deref(), cpu_vendor().as_deref(), detected());
        gemm_common::allow_avx512(kernels == CpuKernels::Avx512);
        kernels
    })
}

/// What this CPU can run: (AVX-512F, AVX2 with FMA).
fn detected() -> (bool, bool) {
    #[cfg(target_arch = "x86_64")]
    {
        (
            std::arch::is_x86_feature_detected!("avx512f"),
            std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma"),
        )
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        (false, false)
    }
}

/// The CPUID vendor string ("GenuineIntel", "AuthenticAMD", …).
fn cpu_vendor() -> Option<String> {
    #[cfg(target_arch = "x86_64")]
    {
        let id = std::arch::x86_64::__cpuid(0);
        let bytes: Vec<u8> = [id.ebx, id.edx, id.ecx]
            .iter()
            .flat_map(|r| r.to_le_bytes())
            .collect();
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        None
    }
}

/// The policy, apart from the machine: an override, else AVX-512 only on Intel.
fn decide(wanted: Option<&str>, vendor: Option<&str>, (avx512, avx2): (bool, bool)) -> CpuKernels {
    let prefer_avx512 = match wanted.map(str::to_ascii_lowercase).as_deref() {
        Some("avx512") => true,
        Some("avx2") => false,
        _ => vendor == Some("GenuineIntel"),
    };
    if avx512 && prefer_avx512 {
        CpuKernels::Avx512
    } else if avx2 {
        CpuKernels::Avx2
    } else {
        CpuKernels::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avx512_on_intel_avx2_on_amd_unless_overridden() {
        let both = (true, true);
        assert_eq!(decide(None, Some("GenuineIntel"), both), CpuKernels::Avx512);
        assert_eq!(decide(None, Some("AuthenticAMD"), both), CpuKernels::Avx2);
        assert_eq!(
            decide(Some("avx512"), Some("AuthenticAMD"), both),
            CpuKernels::Avx512
        );
        assert_eq!(
            decide(Some("AVX2"), Some("GenuineIntel"), both),
            CpuKernels::Avx2
        );
        assert_eq!(
            decide(Some("auto"), Some("GenuineIntel"), both),
            CpuKernels::Avx512
        );
        // Asking for what the CPU lacks gets the best it has.
        assert_eq!(
            decide(Some("avx512"), Some("GenuineIntel"), (false, true)),
            CpuKernels::Avx2
        );
        assert_eq!(decide(None, None, (false, false)), CpuKernels::Other);
    }

    #[test]
    fn the_vendor_is_read_on_x86() {
        if cfg!(target_arch = "x86_64") {
            let vendor = cpu_vendor().unwrap_or_default();
            assert_eq!(vendor.len(), 12, "{vendor:?}");
        }
    }
}
