#!/usr/bin/env bash
# Installs the system packages assd needs on Debian/Ubuntu (only those missing), and Rust
# through rustup if cargo is absent. Safe to run repeatedly.
set -euo pipefail

# Build: a C toolchain and pkg-config for -sys crates; libclang for the V4L2 (webcam) bindings
# nokhwa generates. Run: the Vulkan loader, so wgpu can find
# a GPU (without it, assd runs the model on the CPU and says so); Mesa's drivers so the window
# can always be drawn (software Vulkan at worst); the X11/Wayland client libraries winit loads.
PACKAGES=(build-essential pkg-config libclang-dev libvulkan1 mesa-vulkan-drivers libx11-6 libxcursor1 libxrandr2
  libxi6 libxkbcommon-x11-0 libwayland-client0)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "installing: ${missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    exit 0
  fi
  echo "installing Rust (rustup)" >&2
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
fi
