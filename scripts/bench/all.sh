#!/usr/bin/env bash
# Reruns every benchmark of docs/benchmarks.md: frame cost at 100 / 1,000 / 10,000 products,
# start-up, memory and idle CPU of the release kiosk, and backend throughput.
set -euo pipefail
cd "$(dirname "$0")/../.."
./scripts/setup
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
# The load generator, and the browser kiosk we compare with (Debian's Chromium, driven over
# the DevTools protocol from Debian's own Python).
need=""
command -v wrk >/dev/null || need="$need wrk"
command -v chromium >/dev/null || need="$need chromium"
command -v sqlite3 >/dev/null || need="$need sqlite3"
/usr/bin/python3 -c "import websocket" 2>/dev/null || need="$need python3-websocket"
if [ -n "$need" ]; then $SUDO apt-get update -qq; $SUDO apt-get install -y -qq $need; fi
cargo build --release --locked -p customerclient -p customerclient-backend \
  --bin customerclient --bin customerclient-backend
echo "# machine"; nproc; grep -m1 "model name" /proc/cpuinfo; free -g | head -2
echo "# frame cost (cargo bench --bench frames)"
cargo bench --locked --bench frames
echo "# side by side with Chromium: launch → first paint, peak PSS, idle CPU (5 runs each)"
for n in 56 1000 10000; do scripts/bench/versus_browser.py --products "$n" --runs 5; done
echo "# backend throughput"
scripts/bench/backend.sh 10 32
