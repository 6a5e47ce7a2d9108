//! The one place that chooses where the model runs.
//!
//! wgpu on a real GPU by default; Burn's Flex CPU backend when there is none, when only a
//! software adapter (llvmpipe/lavapipe, about 15× slower than Flex for this model) exists,
//! or when the user asks for the CPU.

use burn::tensor::{Device, DeviceKind, Tensor};

/// What the user asked for (`--device`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// GPU when a hardware adapter exists, otherwise CPU (with a notice).
    #[default]
    Auto,
    /// GPU or fail.
    Gpu,
    /// Flex CPU backend.
    Cpu,
}

/// The device the model runs on, and how to describe it to the user.
#[derive(Debug, Clone)]
pub struct SelectedDevice {
    pub device: Device,
    /// "GPU: <adapter name> (<api>)" or "CPU (Flex, <kernels>)".
    pub description: String,
    pub is_gpu: bool,
    /// Set when `Auto` fell back to the CPU: why, for the user to see.
    pub fallback_notice: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("{0}; use --device cpu or auto")]
    NoGpu(String),
    #[error("asked for {wanted} GPUs, found {}: {}", found.len(), found.join(", "))]
    TooFewGpus { wanted: usize, found: Vec<String> },
}

/// A hardware adapter wgpu can see.
#[derive(Debug, Clone)]
struct Adapter {
    name: String,
    api: String,
    kind: DeviceKind,
}

/// Hardware adapters, best first (discrete, integrated, virtual). Software rasterisers
/// (`DeviceType::Cpu`) are left out on purpose, unless `ASSD_SOFTWARE_GPU=1`.
fn hardware_adapters() -> Vec<Adapter> {
    use burn::tensor::wgpu::wgpu;
    let probe = std::panic::catch_unwind(|| {
        let instance = wgpu::Instance::default();
        pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
            .into_iter()
            .map(|a| a.get_info())
            .collect::<Vec<_>>()
    });
    // A broken driver stack must not take the application down: treat it as "no GPU".
    let infos = probe.unwrap_or_default();
    // For testing the GPU code path (scripts/gpu-check.sh) on a machine without one: software
    // rasterisers (lavapipe) count as GPUs, last.
    let software = std::env::var("ASSD_SOFTWARE_GPU").is_ok_and(|v| v == "1");
    let mut counts = [0usize; 4];
    let mut adapters: Vec<(usize, Adapter)> = Vec::new();
    for info in infos {
        let (rank, kind) = match info.device_type {
            wgpu::DeviceType::DiscreteGpu => (0, DeviceKind::DiscreteGpu(counts[0])),
            wgpu::DeviceType::IntegratedGpu => (1, DeviceKind::IntegratedGpu(counts[1])),
            wgpu::DeviceType::VirtualGpu => (2, DeviceKind::VirtualGpu(counts[2])),
            wgpu::DeviceType::Cpu if software => (3, DeviceKind::Cpu),
            wgpu::DeviceType::Cpu | wgpu::DeviceType::Other => continue,
        };
        counts[rank] += 1;
        adapters.push((
            rank,
            Adapter {
                name: info.name,
                api: format!("{:?}", info.backend),
                kind,
            },
        ));
    }
    adapters.sort_by_key(|(rank, _)| *rank);
    adapters.into_iter().map(|(_, a)| a).collect()
}

/// How long the CPU pool's idle workers keep looking for work before they fall asleep.
///
/// A forward pass is ~100 parallel kernels with short serial stretches between them; with
/// rayon's own few microseconds of looking, the other worker fell asleep in each stretch and
/// every kernel began with a wake-up. ASSD-MobileNet on the 2-core Intel Xeon: 14.6-16.8 →
/// 12.0-14.6 ms per pass, the same from 50 µs to 5 ms of spin (vendor/rayon-core/PATCHES.md).
/// After the last kernel each worker keeps a core busy for this long, yielding to any other
/// thread. `ASSD_IDLE_SPIN_US` overrides it (0 is rayon's behaviour), for measuring.
const CPU_IDLE_SPIN: std::time::Duration = std::time::Duration::from_millis(1);

fn cpu_idle_spin() -> std::time::Duration {
    std::env::var("ASSD_IDLE_SPIN_US")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .map_or(CPU_IDLE_SPIN, std::time::Duration::from_micros)
}

/// The CPU device, with its matrix-product kernels chosen for this CPU
/// ([`crate::cpu_kernels`]) and its pool's workers kept awake between kernels.
pub fn cpu() -> SelectedDevice {
    let kernels = crate::cpu_kernels::choose();
    rayon_core::set_idle_spin(cpu_idle_spin());
    SelectedDevice {
        device: Device::flex(),
        description: format!("CPU (Flex, {})", kernels.label()),
        is_gpu: false,
        fallback_notice: None,
    }
}

/// Runs `f` (a forward pass on `device`) where the CPU backend works fastest: on the CPU, on
/// one of rayon's worker threads, so that each parallel kernel inside starts on the calling
/// worker and wakes only the others. Called from any other thread, every kernel is handed to
/// the pool and that thread waits: with ~100 kernels per ASSD-MobileNet pass this cost 1.5 ms
/// of 17 (2-core Intel Xeon). On a GPU, `f` runs where it is.
pub fn run_model<T: Send>(device: &Device, f: impl FnOnce() -> T + Send) -> T {
    if *device == Device::flex() {
        rayon::scope(|_| f())
    } else {
        f()
    }
}

/// Chooses the device for `choice`.
pub fn select_device(choice: DeviceChoice) -> Result<SelectedDevice, BackendError> {
    select(choice, false).map(|(selected, _)| selected)
}

/// `count` devices for data-parallel training: the first `count` hardware GPUs, or `count`
/// replicas of the CPU device (no faster than one; it exercises the same code path).
/// `Auto` without any GPU falls back to CPU replicas with a notice; asking for more GPUs than
/// exist is an error that says how many there are.
pub fn select_devices(
    choice: DeviceChoice,
    count: usize,
) -> Result<Vec<SelectedDevice>, BackendError> {
    let count = count.max(1);
    let first = select_device(choice)?;
    if count == 1 {
        return Ok(vec![first]);
    }
    if !first.is_gpu {
        return Ok(vec![first; count]);
    }
    let adapters = hardware_adapters();
    if adapters.len() < count {
        return Err(BackendError::TooFewGpus {
            wanted: count,
            found: adapters.iter().map(|a| a.name.clone()).collect(),
        });
    }
    let mut devices = vec![first];
    for adapter in adapters.into_iter().skip(1).take(count - 1) {
        let device = Device::wgpu(adapter.kind);
        if !works(&device) {
            return Err(BackendError::NoGpu(format!(
                "GPU {} ({}) failed to run a test computation",
                adapter.name, adapter.api
            )));
        }
        devices.push(SelectedDevice {
            device,
            description: format!("GPU: {} ({})", adapter.name, adapter.api),
            is_gpu: true,
            fallback_notice: None,
        });
    }
    Ok(devices)
}

/// The wgpu handles of the model's GPU, for the window to draw with: one device, one queue,
/// so textures and buffers can pass between the model and the UI without a second context.
#[derive(Clone)]
pub struct SharedGpu {
    pub instance: burn::tensor::wgpu::wgpu::Instance,
    pub adapter: burn::tensor::wgpu::wgpu::Adapter,
    pub device: burn::tensor::wgpu::wgpu::Device,
    pub queue: burn::tensor::wgpu::wgpu::Queue,
}

/// Like [`select_device`], for the app: on a GPU, Burn creates the wgpu device (with the
/// features its kernels need) and hands back its handles, which the window then draws with.
pub fn select_device_shared(
    choice: DeviceChoice,
) -> Result<(SelectedDevice, Option<SharedGpu>), BackendError> {
    select(choice, true)
}

fn select(
    choice: DeviceChoice,
    share: bool,
) -> Result<(SelectedDevice, Option<SharedGpu>), BackendError> {
    if choice == DeviceChoice::Cpu {
        return Ok((cpu(), None));
    }
    let failure = match hardware_adapters().into_iter().next() {
        Some(adapter) => {
            let label = format!("GPU {} ({})", adapter.name, adapter.api);
            let (device, shared) = if share {
                match share_gpu(adapter.kind) {
                    Ok((device, shared)) => (Some(device), Some(shared)),
                    Err(e) => {
                        eprintln!("notice: {label}: cannot share it with the window: {e}");
                        (None, None)
                    }
                }
            } else {
                (Some(Device::wgpu(adapter.kind)), None)
            };
            match device {
                Some(device) if works(&device) => {
                    let description = format!(
                        "GPU: {} ({}){}",
                        adapter.name,
                        adapter.api,
                        if shared.is_some() {
                            ", shared with the window"
                        } else {
                            ""
                        }
                    );
                    return Ok((
                        SelectedDevice {
                            device,
                            description,
                            is_gpu: true,
                            fallback_notice: None,
                        },
                        shared,
                    ));
                }
                _ => format!("{label} failed to run a test computation"),
            }
        }
        None => "no GPU adapter found (software renderers do not count)".to_string(),
    };
    if choice == DeviceChoice::Gpu {
        return Err(BackendError::NoGpu(failure));
    }
    Ok((
        SelectedDevice {
            fallback_notice: Some(format!("{failure}: running on the CPU (Flex)")),
            ..cpu()
        },
        None,
    ))
}

/// Registers a new wgpu runtime for adapter `kind` and returns its handles to share. The app
/// calls it for hardware adapters; tests call it with `DeviceKind::Cpu` (lavapipe).
pub fn share_gpu(kind: DeviceKind) -> Result<(Device, SharedGpu), String> {
    let init =
        std::panic::catch_unwind(|| Device::wgpu_options().device_kind(kind).init_with_setup());
    match init {
        Ok(Ok((device, setup))) => Ok((
            device,
            SharedGpu {
                instance: setup.instance,
                adapter: setup.adapter,
                device: setup.device,
                queue: setup.queue,
            },
        )),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the wgpu runtime panicked while starting".to_string()),
    }
}

/// Runs a tiny computation on `device`; a driver that fails here would fail mid-inference.
fn works(device: &Device) -> bool {
    let previous = std::panic::take_hook();
    // The failure is reported as a notice; keep the panic message off the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| {
        let t = Tensor::<1>::from_floats([1.0, 2.0, 3.0], device);
        t.sum().into_scalar::<f32>()
    });
    std::panic::set_hook(previous);
    matches!(result, Ok(v) if v == 6.0)
}
