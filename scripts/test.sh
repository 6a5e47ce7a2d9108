#!/usr/bin/env bash
# Installs what is missing, then runs the whole test suite (CPU backend).
# Fixture tests skip with a message when ../shared is absent; ASSD_REQUIRE_FIXTURES=1 makes
# them fail instead (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/env.sh
# tests/train_wgpu.rs trains on Mesa's software Vulkan, where autotuning each new kernel shape
# (benchmarking its candidates) is most of the run; the least effort is enough for a test.
export CUBECL_AUTOTUNE_LEVEL="${CUBECL_AUTOTUNE_LEVEL:-minimal}"
cargo test --all-targets "$@"
