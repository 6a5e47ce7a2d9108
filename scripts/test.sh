#!/usr/bin/env bash
# Installs what is missing, then runs the whole test suite (CPU backend).
# Fixture tests skip with a message when ../shared is absent; ASSD_REQUIRE_FIXTURES=1 makes
# them fail instead (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/env.sh
cargo test --all-targets "$@"
