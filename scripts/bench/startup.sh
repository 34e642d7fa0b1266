#!/usr/bin/env bash
# Launch → first gallery frame with products, peak PSS and idle CPU of the kiosk (release build,
# embedded backend in the same process) under Xvfb with software rendering.
# Usage: scripts/bench/startup.sh PRODUCTS RUNS   → one line per run: seconds peak_pss_mib idle_cpu_percent
set -euo pipefail
cd "$(dirname "$0")/../.."
products=${1:-100}
runs=${2:-5}
bin=${CARGO_TARGET_DIR:-target}/release/customerclient
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_RUNTIME_DIR=$work
db="sqlite://$work/kiosk-$products.sqlite"

launch() { # prints "seconds peak_pss_kib idle_cpu_percent"
  local log=$work/log pss_peak=0
  : >"$log"
  local t0; t0=$(date +%s.%N)
  xvfb-run -a -s "-screen 0 1920x1080x24" "$bin" --windowed --start-in-gallery \
    --catalog-size "$products" --database-url "$db" --simulator-speed 0 >"$log" 2>&1 &
  local wrapper=$!
  local pid=""
  local first=""
  for _ in $(seq 1 6000); do
    # The kiosk itself, not the xvfb-run wrapper that carries the same arguments.
    [ -z "$pid" ] && pid=$(pgrep -n -x customerclient || true)
    if [ -n "$pid" ] && [ -r "/proc/$pid/smaps_rollup" ]; then
      local pss; pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
      [ "${pss:-0}" -gt "$pss_peak" ] && pss_peak=$pss
    fi
    if grep -q "gallery: first frame with products" "$log"; then
      first=$(date +%s.%N); break
    fi
    sleep 0.01
  done
  [ -n "$first" ] || { echo "no gallery frame; log:" >&2; tail -20 "$log" >&2; exit 1; }
  # Idle: nothing touched for 20 s; PSS keeps being sampled.
  sleep 2
  local c0; c0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  for _ in $(seq 1 200); do
    local pss; pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
    [ "${pss:-0}" -gt "$pss_peak" ] && pss_peak=$pss
    sleep 0.1
  done
  local c1; c1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  local ticks; ticks=$(getconf CLK_TCK)
  kill "$pid" 2>/dev/null || true
  wait "$wrapper" 2>/dev/null || true
  # xvfb-run stops its X server when the kiosk exits; make sure before the next launch.
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  awk -v a="$t0" -v b="$first" -v p="$pss_peak" -v c0="$c0" -v c1="$c1" -v t="$ticks" \
    'BEGIN { printf "%.3f %.1f %.2f\n", b - a, p / 1024, (c1 - c0) / t / 20 * 100 }'
}

# The first start seeds the database (catalog, pictures, videos, history); not measured.
launch >/dev/null
for _ in $(seq 1 "$runs"); do launch; done
