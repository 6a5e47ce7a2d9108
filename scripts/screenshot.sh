#!/usr/bin/env bash
# Takes a screenshot of the app as a user sees it (Xvfb + ImageMagick), for the README.
# Usage: scripts/screenshot.sh [OUT.png] [assd gui arguments…]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-assets/readme/screenshot.png}"
shift || true
for p in xvfb imagemagick xdotool mesa-vulkan-drivers; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="${missing:-} $p"
done
if [ -n "${missing:-}" ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
source scripts/env.sh
cargo build --quiet --bin assd
mkdir -p "$(dirname "$out")"
export DISPLAY=:97
Xvfb "$DISPLAY" -screen 0 1600x1000x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb $app 2>/dev/null || true' EXIT
sleep 1
"$CARGO_TARGET_DIR/debug/assd" gui --device cpu "$@" &
app=$!
# Model load + first forward pass on the CPU, then whatever the caller set up.
sleep "${ASSD_SCREENSHOT_WAIT:-40}"
# Optional clicks, "x,y x,y …" in screen pixels (e.g. a checkbox, then a pixel of the image),
# each followed by ASSD_SCREENSHOT_SETTLE seconds (default 4).
for click in ${ASSD_SCREENSHOT_CLICKS:-}; do
  xdotool mousemove "${click%,*}" "${click#*,}" click 1
  sleep "${ASSD_SCREENSHOT_SETTLE:-4}"
done
import -window root -crop 1400x900+0+0 "$out"
echo "wrote $out"
