#!/usr/bin/env bash
# The kiosk driven with real X input, as at the screen: Xvfb with no window manager, the
# kiosk brought to a scene (screenshot mode, held open), then finger drags with xdotool and
# whole-screen pictures with ImageMagick's import.
# Usage: scripts/touch-demo.sh [OUT_DIR]   (needs xdotool and imagemagick)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
mkdir -p "$out"
cargo build --bin customerclient
cargo build -p customerclient-backend --bin customerclient-backend
bin=${CARGO_TARGET_DIR:-target}/debug
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
display=:$((80 + RANDOM % 9))
Xvfb "$display" -screen 0 1920x1080x24 >/dev/null 2>&1 & pids+=($!)
export DISPLAY=$display XDG_RUNTIME_DIR=$work
sleep 1

# hold NAME SCENE [ARGS...]: the kiosk at SCENE, waiting for input.
hold() {
  local name=$1 scene=$2; shift 2
  rm -f "$work"/*.sqlite* "$work/$name.png"
  SHOT_HOLD=1 "$bin/customerclient" --screenshot "$work/$name.png" --scene "$scene" \
    --simulator-speed 60 --idle-seconds 3600 "$@" >"$work/$name.log" 2>&1 &
  kiosk=$!; pids+=($kiosk)
  for _ in $(seq 240); do [ -s "$work/$name.png" ] && break; sleep 0.5; done
  sleep 1
}
drag() { # x y dy: a finger drag up by dy pixels in 12 steps
  xdotool mousemove "$1" "$2" mousedown 1
  for i in $(seq 1 12); do xdotool mousemove "$1" $(($2 - $3 * i / 12)); sleep 0.03; done
  xdotool mouseup 1; sleep 0.8
}
shot() { import -window root "$out/$1.png"; echo "wrote $out/$1.png"; }
done_with() { kill "$kiosk" 2>/dev/null || true; wait "$kiosk" 2>/dev/null || true; }

hold orders orders --database-url "sqlite://$work/k.sqlite"
for _ in 1 2 3; do drag 1300 900 500; done
shot touch-order-detail-dragged-to-rating; done_with

SHOT_LARGE_TEXT=1 hold settings settings --database-url "sqlite://$work/k.sqlite"
for _ in 1 2 3; do drag 1500 900 500; done
shot touch-settings-large-text-dragged-to-bottom; done_with

SHOT_TOAST="Order 1042: the courier is on the way" hold toast checkout \
  --database-url "sqlite://$work/k.sqlite"
shot touch-toast-over-checkout; done_with

hold checkout-ru checkout --language ru --database-url "sqlite://$work/k.sqlite"
shot touch-checkout-ru; done_with

# Offline: a separate backend, killed while the customer is at the checkout.
"$bin/customerclient-backend" --demo --listen 127.0.0.1:18931 \
  --database-url "sqlite://$work/b.sqlite" >"$work/backend.log" 2>&1 &
backend=$!; pids+=($backend)
for _ in $(seq 60); do curl -sf http://127.0.0.1:18931/api/v1/health >/dev/null && break; sleep 0.5; done
hold offline checkout --backend-url http://127.0.0.1:18931
kill -9 "$backend"; sleep 5
shot touch-offline; done_with
