#!/usr/bin/env bash
# Times assd against its peers on this machine, back to back and alternating:
#   1. ASSD513 (`assd bench --model assd513`) against the authors' PyTorch forward
#      (scripts/peers/assd_pytorch_bench.py, run on their repository at AUTHORS_REPO);
#   2. the default model (`assd bench`) against TensorFlow Lite's XNNPACK on the original
#      detect.tflite, with 1 and 2 threads (scripts/peers/litert_bench.py).
# Prints the CPU, each round, the medians and the ratios.
# Usage: scripts/bench-peers.sh [ROUNDS] [AUTHORS_REPO]   (default 3 rounds)
# AUTHORS_REPO is a checkout of github.com/yijingru/ASSD-Pytorch (not vendored, not fetched);
# without it (or $ASSD_AUTHORS_REPO) part 1 is skipped. The Python side comes from PyPI only
# (numpy, ai-edge-litert, torch) into a venv under ~/.cache.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
authors="${2:-${ASSD_AUTHORS_REPO:-}}"
tflite=../shared/models/ssd-mobilenet-v1-coco/detect.tflite
[ -f "$tflite" ] || { echo "error: $tflite not found (../shared beside the project)" >&2; exit 1; }
if [ -n "$authors" ] && [ ! -f "$authors/assd_resnet101.py" ]; then
  echo "error: $authors has no assd_resnet101.py (a checkout of yijingru/ASSD-Pytorch?)" >&2
  exit 1
fi
venv="${ASSD_PEERS_VENV:-$HOME/.cache/assd-peers-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import numpy, ai_edge_litert" 2>/dev/null ||
  "$venv/bin/pip" install --quiet numpy ai-edge-litert
if [ -n "$authors" ]; then
  "$venv/bin/python" -c "import torch" 2>/dev/null || "$venv/bin/pip" install --quiet torch
fi
source scripts/env.sh
cargo build --quiet --bin assd
assd="$CARGO_TARGET_DIR/debug/assd"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
echo "assd backend: $("$assd" bench --device cpu --runs 1 --warmup 0 2>/dev/null | sed -n 's/^backend: *//p')"
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# The forward column (4th) of the first model row of `assd bench`'s table.
forward() { "$assd" bench --device cpu "$@" 2>/dev/null | awk '$2 ~ /^[0-9]+$/ {print $4; exit}'; }
ms() { sed 's/.*median_ms=\([0-9.]*\).*/\1/'; }
big=(); torch=(); ours=(); one=(); two=()
for r in $(seq "$rounds"); do
  if [ -n "$authors" ]; then
    big+=("$(forward --model assd513 --runs 8)")
    torch+=("$("$venv/bin/python" scripts/peers/assd_pytorch_bench.py "$authors" "$(nproc)" 8 | ms)")
    echo "round $r: ASSD513 forward: assd ${big[-1]} ms, PyTorch ${torch[-1]} ms"
  fi
  ours+=("$(forward --runs 50)")
  one+=("$("$venv/bin/python" scripts/peers/litert_bench.py "$tflite" 1 2>/dev/null | ms)")
  two+=("$("$venv/bin/python" scripts/peers/litert_bench.py "$tflite" 2 2>/dev/null | ms)")
  echo "round $r: default model forward ${ours[-1]} ms; LiteRT XNNPACK 1 thread ${one[-1]} ms, 2 threads ${two[-1]} ms"
done
echo "medians over $rounds rounds:"
if [ -n "$authors" ]; then
  a=$(median "${big[@]}"); t=$(median "${torch[@]}")
  awk -v a="$a" -v t="$t" 'BEGIN {printf "  ASSD513: assd %s ms, PyTorch %s ms: %.2f×\n", a, t, a/t}'
fi
a=$(median "${ours[@]}"); b=$(median "${one[@]}"); c=$(median "${two[@]}")
awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN {printf "  default model: assd %s ms, LiteRT %s ms (1 thread), %s ms (2 threads): %.2f×, %.2f×\n", a, b, c, a/b, a/c}'
