#!/usr/bin/env bash
# Tap latency of the release kiosk as a customer meets it: fullscreen under Xvfb with Mesa's
# software Vulkan and no window manager, real X pointer input from xdotool, the kiosk writing a
# frame trace (KIOSK_FRAME_TRACE). For gallery taps (+ Add), on-screen keyboard keys and screen
# changes it prints p50/p99 from the moment the tap is sent to the end of the first rendered
# and presented frame that shows its effect, and where that time goes.
# Usage: scripts/bench/taps.sh [LOAD]   LOAD: busy processes to run alongside (a loaded PC).
set -euo pipefail
cd "$(dirname "$0")/../.."
load=${1:-0}
command -v xdotool >/dev/null || { echo "needs xdotool (apt-get install xdotool)"; exit 1; }
# PROFILE=dev measures the debug build (unoptimised Bevy: the slow case).
profile=${PROFILE:-release}
cargo build --profile "$profile" --locked --bin customerclient
dir=$profile; [ "$profile" = dev ] && dir=debug
bin=${CARGO_TARGET_DIR:-target}/$dir/customerclient
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1920x1080x24 >/dev/null 2>&1 & pids+=($!)
export DISPLAY=$display XDG_RUNTIME_DIR=$work
sleep 1
KIOSK_FRAME_TRACE=$work/trace "$bin" --database-url "sqlite://$work/k.sqlite" \
  --simulator-speed 0 --idle-seconds 3600 >"$work/kiosk.log" 2>&1 & pids+=($!)
# Until the menu is in (the attract line counts the dishes).
for _ in $(seq 120); do grep -q "catalog loaded" "$work/kiosk.log" && break; sleep 0.5; done
sleep 3
for _ in $(seq "$load"); do (while :; do :; done) & pids+=($!); done
gap=${GAP:-1.2}
tap() { # kind x y
  echo "$1 $(date +%s%6N)" >>"$work/taps"
  xdotool mousemove "$2" "$3" click 1
  sleep "$gap"
}
tap screen 343 630                      # attract → menu
for i in $(seq 0 19); do                # + Add on four cards in turn
  xs=(298 671 1044 1418); tap cart "${xs[$((i % 4))]}" 612
done
for _ in $(seq 10); do                  # menu → cart → menu
  tap screen 1780 55
  tap screen 1592 605
done
tap screen 1780 55                      # cart → checkout, keyboard on the address
tap screen 1592 484
tap none 496 463
keys=(442 539 637 735 833 931 1029 1127 1225 1323)   # q w e r t y u i o p
for i in $(seq 0 19); do tap key "${keys[$((i % 10))]}" 738; done
sleep 2
echo "# $profile build, $(nproc) cores, $load busy processes, ${gap}s between taps"
python3 scripts/bench/taps.py "$work/trace" "$work/taps"
