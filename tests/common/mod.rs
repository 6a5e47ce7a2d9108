//! Fixture access shared by the integration tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors};

/// A fixture tensor converted to f64 for comparisons, with its shape.
#[derive(Debug, Clone)]
pub struct Fx {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

impl Fx {
    pub fn f32(&self) -> Vec<f32> {
        self.data.iter().map(|&v| v as f32).collect()
    }
    pub fn usize(&self) -> Vec<usize> {
        self.data.iter().map(|&v| v as usize).collect()
    }
    pub fn rows4(&self) -> Vec<[f32; 4]> {
        self.f32()
            .chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect()
    }
}

/// Every tensor of a safetensors file, as f64.
pub fn load(path: &Path) -> HashMap<String, Fx> {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let file = SafeTensors::deserialize(&bytes).expect("valid safetensors fixture");
    file.tensors()
        .into_iter()
        .map(|(name, view)| {
            let d = view.data();
            let data: Vec<f64> = match view.dtype() {
                Dtype::F32 => d
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64)
                    .collect(),
                Dtype::F64 => d
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                    .collect(),
                Dtype::F16 => d
                    .chunks_exact(2)
                    .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f64())
                    .collect(),
                Dtype::I64 => d
                    .chunks_exact(8)
                    .map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f64)
                    .collect(),
                Dtype::U8 => d.iter().map(|&v| v as f64).collect(),
                other => panic!("unsupported fixture dtype {other:?}"),
            };
            (
                name,
                Fx {
                    shape: view.shape().to_vec(),
                    data,
                },
            )
        })
        .collect()
}

/// The small per-module fixtures copied into `tests/fixtures/`.
pub fn module_fixture(name: &str) -> HashMap<String, Fx> {
    load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
}

/// `../shared/fixtures/<rel>`, or `None` (test skipped with a message) when it is absent;
/// with `ASSD_REQUIRE_FIXTURES=1` a missing fixture fails the test instead.
pub fn shared_fixture(rel: &str) -> Option<PathBuf> {
    shared("fixtures", rel)
}

/// `../shared/data/<rel>` (real datasets), with the same rules as [`shared_fixture`].
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    shared("data", rel)
}

/// `../shared/models/<rel>` (real pretrained models), with the same rules.
pub fn shared_model(rel: &str) -> Option<PathBuf> {
    shared("models", rel)
}

fn shared(kind: &str, rel: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(kind)
        .join(rel);
    if path.exists() {
        return Some(path);
    }
    if std::env::var("ASSD_REQUIRE_FIXTURES").is_ok_and(|v| v == "1") {
        panic!(
            "required fixture {} is missing (ASSD_REQUIRE_FIXTURES=1)",
            path.display()
        );
    }
    eprintln!("SKIPPED: fixture {} not found", path.display());
    None
}

/// Largest absolute difference, asserting equal lengths.
pub fn max_abs_diff(a: &[f32], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64 - y).abs())
        .fold(0.0, f64::max)
}

pub fn assert_close(name: &str, got: &[f32], want: &Fx, tol: f64) {
    let d = max_abs_diff(got, &want.data);
    assert!(d <= tol, "{name}: max |diff| = {d:e} > {tol:e}");
}

/// A wgpu device on Mesa's software Vulkan (lavapipe), the code path a GPU takes; `None`
/// (test skipped) without one, unless `ASSD_REQUIRE_VULKAN` is set (CI), which fails instead.
pub fn software_wgpu() -> Option<burn::tensor::Device> {
    use burn::tensor::{Device, DeviceKind, Tensor};
    let probe = std::panic::catch_unwind(|| {
        let device = Device::wgpu(DeviceKind::Cpu);
        // Fails here, not mid-test, when there is no adapter.
        Tensor::<1>::from_floats([1.0], &device).into_scalar::<f32>();
        device
    });
    match probe {
        Ok(device) => Some(device),
        Err(_) => {
            assert!(
                std::env::var_os("ASSD_REQUIRE_VULKAN").is_none(),
                "no software wgpu adapter (ASSD_REQUIRE_VULKAN is set)"
            );
            eprintln!("SKIPPED: no wgpu adapter");
            None
        }
    }
}
