#!/usr/bin/env bash
# Installs what is missing, builds, and runs `assd` with the given arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/env.sh
exec cargo run --quiet --bin assd -- "$@"
