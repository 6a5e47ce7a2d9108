#!/usr/bin/env bash
# Trains the attention recipes compared in the README (Training → "An attention that learned
# something") and scores each on the held-out test split against the SSD it started from.
# Usage: scripts/attention-recipes.sh [OUT_DIR]   (default runs/recipes; ~40 min on 2 cores)
# Data: the 343 COCO train2017 images in ../shared/data (coco128, coco-mini-train,
# coco-tiny-train): every 4th image is the test split (never trained on, never used to choose),
# every 4th of the rest validates (picks each run's epoch), the others train.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --quiet --bin assd
assd="$CARGO_TARGET_DIR/debug/assd"
out="${1:-runs/recipes}"
mkdir -p "$out"
shared=../shared
tflite="$shared/models/ssd-mobilenet-v1-coco/detect.tflite"
data=(--data "$shared/data/coco128" --data "$shared/data/coco-mini-train"
      --data "$shared/data/coco-tiny-train" --holdout-every 4)
# The SSD (teacher and baseline) and the same SSD with identity attention units (the start).
"$assd" convert "$tflite" "$out/ssd.safetensors"
"$assd" convert "$tflite" --model assd-mobilenet "$out/fresh.safetensors"
common=(--model assd-mobilenet --weights "$out/fresh.safetensors" --batch-size 8
        --warmup-steps 20 --grad-clip 10 --seed 1 --device cpu --freeze-backbone --freeze-extras
        --val-every 4)
recipe() {
  local name=$1; shift
  "$assd" train "${data[@]}" "${common[@]}" "$@" --out "$out/$name"
  "$assd" eval --device cpu --weights "$out/$name/best.safetensors" "${data[@]}" \
    --compare "$out/ssd.safetensors" --json "$out/$name/test.json" --curves "$out/$name/test_pr.png"
}
recipe attention --freeze-heads --lr 2e-4 --epochs 8
recipe attention-distill1 --freeze-heads --teacher "$out/ssd.safetensors" --distill 1 --lr 2e-4 --epochs 8
recipe attention-distill10 --freeze-heads --teacher "$out/ssd.safetensors" --distill 10 --lr 2e-4 --epochs 8
recipe attention-distill50 --freeze-heads --teacher "$out/ssd.safetensors" --distill 50 --lr 2e-4 --epochs 8
recipe attention-distill50-lr1e-3 --freeze-heads --teacher "$out/ssd.safetensors" --distill 50 --lr 1e-3 --epochs 8
recipe attention-distill50-lr5e-3 --freeze-heads --teacher "$out/ssd.safetensors" --distill 50 --lr 5e-3 --epochs 8
recipe attention-distill50-lr2e-3-16ep --freeze-heads --teacher "$out/ssd.safetensors" --distill 50 --lr 2e-3 --epochs 16
recipe heads --lr 2e-4 --epochs 8
recipe heads-distill1 --teacher "$out/ssd.safetensors" --distill 1 --lr 2e-4 --epochs 8
recipe heads-distill50 --teacher "$out/ssd.safetensors" --distill 50 --lr 2e-4 --epochs 8
# Where each model's attention goes on the test split, and the freshly initialised units'.
"$assd" analyze --device cpu --weights "$out/fresh.safetensors" "${data[@]}" --out "$out/fresh-analysis"
for dir in "$out"/*/; do
  [ -f "$dir/best.safetensors" ] || continue
  "$assd" analyze --device cpu --weights "$dir/best.safetensors" "${data[@]}" --out "$dir/analysis"
done
