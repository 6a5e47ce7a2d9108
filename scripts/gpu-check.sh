#!/usr/bin/env bash
# One-shot GPU measurement, for a session that is lent a device machine (see the README,
# Performance). Two steps:
#
#   scripts/gpu-check.sh prepare     here: builds and strips the binary into .gpu-check/ and
#                                    downloads the Vulkan/EGL loaders into .gl/ (both ignored
#                                    through .git/info/exclude); ASSD_PROFILE=dev reuses the
#                                    warm dev build (dependencies are optimised there too)
#   scripts/gpu-check.sh             there, from the repo root, carrying .gpu-check and .gl:
#                                    writes $OUT/gpu-check.json and $OUT/gpu-check.log
#
# The run measures, each step under its own time limit (8 minutes at the very most; the limits
# add up to 495 s, so run it with timeout_s 600): the adapter;
# `assd bench --device gpu` for the default model, assd300 and assd513 (random weights) at
# batch 1 and 8, and the default model on the CPU for the ratio; GPU-vs-CPU parity of the
# default model's detections and attention rows on assets/; the training gradient self-check
# and a short training run's images/s; torchvision's ssd300_vgg16 in eager CUDA as the peer.
# Locally, ASSD_SOFTWARE_GPU=1 GPU_CHECK_QUICK=1 scripts/gpu-check.sh runs the same steps on
# Mesa's software Vulkan (the default model only; figures there mean nothing, the plumbing does).
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = prepare ]; then
  set -e
  source scripts/env.sh
  profile="${ASSD_PROFILE:-release}"
  if [ "$profile" = dev ]; then
    cargo build --quiet --bin assd
    dir=debug
  else
    cargo build --quiet --release --bin assd
    dir=release
  fi
  mkdir -p .gpu-check
  # Stripped, it is still ~125 MB (Burn's and wgpu's kernels); xz brings it to ~28 MB, under
  # what a device call carries (64 MiB with the rest of the tree).
  strip -o .gpu-check/assd "$CARGO_TARGET_DIR/$dir/assd"
  xz -T2 -6 -f .gpu-check/assd
  for ignored in /.gpu-check/ /.gl/; do
    grep -qxF "$ignored" .git/info/exclude 2>/dev/null || echo "$ignored" >>.git/info/exclude
  done
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update -qq
  # shellcheck disable=SC2086
  (cd .gl && apt-get $o download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  du -sh .gpu-check .gl
  echo "carry: .gpu-check .gl"
  exit 0
fi

OUT="${OUT:-${1:-/tmp/gpu-check}}"
mkdir -p "$OUT"
log="$OUT/gpu-check.log"
work="$(mktemp -d)"
bin="${GPU_CHECK_BIN:-$work/assd}"
if [ -z "${GPU_CHECK_BIN:-}" ]; then
  [ -f .gpu-check/assd.xz ] || { echo "no .gpu-check/assd.xz: run 'scripts/gpu-check.sh prepare' first" | tee "$log"; exit 1; }
  python3 -c "import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], 'wb'))" \
    .gpu-check/assd.xz "$bin"
  chmod +x "$bin"
fi
if [ -d .gl ] && ! ldconfig -p | grep -q libvulkan; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && [ -z "${VK_DRIVER_FILES:-}" ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
quick="${GPU_CHECK_QUICK:-0}"

# step NAME SECONDS CMD...: runs CMD with a limit, keeps its output in $work/NAME.txt.
step() {
  local name=$1 limit=$2
  shift 2
  echo "== $name: $*" >>"$log"
  local start=$SECONDS
  timeout "$limit" "$@" >"$work/$name.txt" 2>&1
  local rc=$?
  cat "$work/$name.txt" >>"$log"
  echo "== $name: exit $rc after $((SECONDS - start)) s" >>"$log"
  echo "$rc" >"$work/$name.rc"
}

img=assets/astronaut.png
step bench_default_gpu 75 "$bin" bench --device gpu --runs 20 --warmup 3 --batch 8 --image "$img"
step bench_default_cpu 30 "$bin" bench --device cpu --runs 20 --image "$img"
if [ "$quick" != 1 ]; then
  step bench_random_gpu 120 "$bin" bench --device gpu --model assd300 assd513 --runs 10 --warmup 2 --batch 8 --image "$img"
fi
step detect_gpu 40 "$bin" detect assets --device gpu --json "$work/dets_gpu.json"
step detect_cpu 20 "$bin" detect assets --device cpu --json "$work/dets_cpu.json"
step attention_gpu 30 "$bin" attention "$img" --at 256,200 --device gpu --out "$work/att_gpu.safetensors"
step attention_cpu 15 "$bin" attention "$img" --at 256,200 --device cpu --out "$work/att_cpu.safetensors"
# A small VOC dataset from the sample images (the CPU detections ≥ 0.3 as labels) for the
# self-check and a short training run.
python3 - "$work" <<'EOF' >>"$log" 2>&1
import json, os, shutil, sys
work = sys.argv[1]
root = os.path.join(work, "voc")
for d in ("JPEGImages", "Annotations", "ImageSets/Main"):
    os.makedirs(os.path.join(root, d), exist_ok=True)
ids = []
for im in json.load(open(os.path.join(work, "dets_cpu.json")))["images"]:
    dets = [d for d in im["detections"] if d["score"] >= 0.3]
    if not dets:
        continue
    stem = os.path.splitext(os.path.basename(im["path"]))[0]
    ext = os.path.splitext(im["path"])[1]
    shutil.copy(im["path"], os.path.join(root, "JPEGImages", stem + ext))
    objs = "".join(
        f"<object><name>{d['label']}</name><difficult>0</difficult><bndbox><xmin>{d['box'][0] + 1:.1f}</xmin>"
        f"<ymin>{d['box'][1] + 1:.1f}</ymin><xmax>{d['box'][2]:.1f}</xmax><ymax>{d['box'][3]:.1f}</ymax></bndbox></object>"
        for d in dets)
    with open(os.path.join(root, "Annotations", stem + ".xml"), "w") as f:
        f.write(f"<annotation><filename>{stem}{ext}</filename><size><width>{im['width']}</width>"
                f"<height>{im['height']}</height></size>{objs}</annotation>")
    ids.append(stem)
with open(os.path.join(root, "ImageSets/Main/train.txt"), "w") as f:
    f.write("\n".join(ids * 4) + "\n")
print(f"voc dataset: {len(ids)} images")
EOF
step train_gpu 75 "$bin" train --data "$work/voc" --train-split train --model assd-tiny --device gpu \
  --max-steps 20 --batch-size 8 --no-augment --out "$work/run_gpu"
step train_cpu 30 "$bin" train --data "$work/voc" --train-split train --model assd-tiny --device cpu \
  --max-steps 5 --batch-size 8 --no-augment --out "$work/run_cpu"
# The peer: torchvision's SSD300-VGG16, eager CUDA, random weights (none can be fetched).
cat >"$work/peer.py" <<'EOF'
import json, statistics, time, torch, torchvision
out = {"torch": torch.__version__, "torchvision": torchvision.__version__}
if torch.cuda.is_available():
    dev = torch.device("cuda")
    m = torchvision.models.detection.ssd300_vgg16(weights=None, weights_backbone=None).to(dev).eval()
    out["device"] = torch.cuda.get_device_name(0)
    for batch in (1, 8):
        x = [torch.rand(3, 300, 300, device=dev) for _ in range(batch)]
        with torch.no_grad():
            for _ in range(5):
                m(x)
            torch.cuda.synchronize()
            ts = []
            for _ in range(20):
                t = time.perf_counter(); m(x); torch.cuda.synchronize(); ts.append((time.perf_counter() - t) * 1e3)
        out[f"ssd300_vgg16_batch{batch}_ms"] = statistics.median(ts)
        # The backbone + heads alone, without torchvision's post-processing.
        with torch.no_grad():
            xb = torch.rand(batch, 3, 300, 300, device=dev)
            for _ in range(5):
                m.head(m.backbone(xb))
            torch.cuda.synchronize()
            ts = []
            for _ in range(20):
                t = time.perf_counter(); m.head(m.backbone(xb)); torch.cuda.synchronize(); ts.append((time.perf_counter() - t) * 1e3)
        out[f"ssd300_vgg16_network_batch{batch}_ms"] = statistics.median(ts)
else:
    out["error"] = "no CUDA device"
print(json.dumps(out))
EOF
step peer 60 python3 "$work/peer.py"

# Everything into one report.
python3 - "$work" "$OUT/gpu-check.json" <<'EOF' >>"$log" 2>&1
import json, os, re, sys
work, target = sys.argv[1], sys.argv[2]
def text(name):
    p = os.path.join(work, name + ".txt")
    return open(p).read() if os.path.exists(p) else ""
def rc(name):
    p = os.path.join(work, name + ".rc")
    return int(open(p).read()) if os.path.exists(p) else None
def bench(name):
    t = text(name)
    rows = {}
    for line in t.splitlines():
        m = re.match(r"^(\S+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", line)
        if m and m.group(1) != "model":
            rows[m.group(1)] = {"priors": int(m.group(2)), "preprocess_ms": float(m.group(3)),
                                "forward_ms": float(m.group(4)), "fps": float(m.group(5)),
                                "decode_nms_ms": float(m.group(6))}
        m = re.match(r"^\s+(\S+): batch (\d+): ([\d.]+) ms per batch, ([\d.]+) images/s", line)
        if m:
            rows.setdefault(m.group(1), {})[f"batch{m.group(2)}"] = {
                "ms_per_batch": float(m.group(3)), "images_per_s": float(m.group(4))}
    backend = re.search(r"^backend: (.*)$", t, re.M)
    machine = re.search(r"^machine: (.*)$", t, re.M)
    return {"exit": rc(name), "backend": backend and backend.group(1),
            "machine": machine and machine.group(1), "models": rows}
report = {"adapter": None, "bench_gpu": bench("bench_default_gpu"), "bench_cpu": bench("bench_default_cpu"),
          "bench_random_gpu": bench("bench_random_gpu")}
report["adapter"] = report["bench_gpu"]["backend"]
# Parity of detections (matched by class and prior) and attention rows.
def load(name):
    p = os.path.join(work, name)
    return json.load(open(p)) if os.path.exists(p) else None
g, c = load("dets_gpu.json"), load("dets_cpu.json")
if g and c:
    worst_s = worst_b = 0.0
    missing = compared = 0
    for a, b in zip(c["images"], g["images"]):
        theirs = {(d["class_id"], d["prior"]): d for d in b["detections"]}
        for d in a["detections"]:
            if d["score"] < 0.3:
                continue
            e = theirs.get((d["class_id"], d["prior"]))
            if e is None:
                missing += 1
                continue
            compared += 1
            worst_s = max(worst_s, abs(d["score"] - e["score"]))
            worst_b = max(worst_b, max(abs(x - y) for x, y in zip(d["box"], e["box"])))
    report["detections_parity"] = {"compared_ge_0.3": compared, "missing_on_gpu": missing,
                                   "max_score_diff": worst_s, "max_box_diff_px": worst_b}
try:
    from safetensors.numpy import load_file
    import numpy as np
    ag, ac = load_file(os.path.join(work, "att_gpu.safetensors")), load_file(os.path.join(work, "att_cpu.safetensors"))
    report["attention_parity"] = {k: float(np.abs(ag[k] - ac[k]).max()) for k in sorted(ac) if k.endswith("/row")}
except Exception as e:
    report["attention_parity"] = {"error": str(e)}
for name in ("train_gpu", "train_cpu"):
    t = text(name)
    ips = re.findall(r"([\d.]+) img/s", t)
    report[name] = {"exit": rc(name), "images_per_s": float(ips[-1]) if ips else None,
                    "self_check": [l for l in t.splitlines() if "self-check" in l or "gradient" in l][:3]}
peer = [l for l in text("peer").splitlines() if l.startswith("{")]
report["peer"] = json.loads(peer[-1]) if peer else {"exit": rc("peer"), "output": text("peer")[-500:]}
json.dump(report, open(target, "w"), indent=2)
print(json.dumps(report, indent=2))
EOF
cat "$OUT/gpu-check.json" 2>/dev/null || tail -20 "$log"
rm -rf "$work"
