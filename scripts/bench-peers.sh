#!/usr/bin/env bash
# Times assd against its peers on this machine, back to back and alternating: the default model
# (`assd bench`) against TensorFlow Lite's XNNPACK on the original detect.tflite (1 and 2
# threads). Prints the CPU, each median and the ratios.
# Usage: scripts/bench-peers.sh [ROUNDS]   (default 3)
# The Python side comes from PyPI only (numpy, ai-edge-litert) into a venv under ~/.cache.
# Not yet here (issue 20): ASSD513 against the authors' PyTorch forward.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
tflite=../shared/models/ssd-mobilenet-v1-coco/detect.tflite
[ -f "$tflite" ] || { echo "error: $tflite not found (../shared beside the project)" >&2; exit 1; }
venv="${ASSD_PEERS_VENV:-$HOME/.cache/assd-peers-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet numpy ai-edge-litert
fi
source scripts/env.sh
cargo build --quiet --bin assd
assd="$CARGO_TARGET_DIR/debug/assd"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
ours=(); one=(); two=()
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for r in $(seq "$rounds"); do
  # The table's first model row: name, priors, preprocess, forward, …
  ms=$("$assd" bench --device cpu --runs 30 2>/dev/null | awk '$2 ~ /^[0-9]+$/ {print $4; exit}')
  ours+=("$ms")
  one+=("$("$venv/bin/python" scripts/peers/litert_bench.py "$tflite" 1 | sed 's/.*median_ms=\([0-9.]*\).*/\1/')")
  two+=("$("$venv/bin/python" scripts/peers/litert_bench.py "$tflite" 2 | sed 's/.*median_ms=\([0-9.]*\).*/\1/')")
  echo "round $r: assd default model forward ${ours[-1]} ms; LiteRT XNNPACK 1 thread ${one[-1]} ms, 2 threads ${two[-1]} ms"
done
a=$(median "${ours[@]}"); b=$(median "${one[@]}"); c=$(median "${two[@]}")
echo "medians over $rounds rounds: assd $a ms, LiteRT 1 thread $b ms, 2 threads $c ms"
awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN {printf "default model / LiteRT: %.2f× (1 thread), %.2f× (2 threads)\n", a/b, a/c}'
