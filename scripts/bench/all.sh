#!/usr/bin/env bash
# Reruns every benchmark of docs/benchmarks.md: frame cost at 100 / 1,000 / 10,000 products,
# start-up, memory and idle CPU of the release kiosk, and backend throughput.
set -euo pipefail
cd "$(dirname "$0")/../.."
./scripts/setup
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
command -v wrk >/dev/null || { $SUDO apt-get update -qq; $SUDO apt-get install -y -qq wrk; }
cargo build --release --locked --bin customerclient -p customerclient -p customerclient-backend
echo "# machine"; nproc; grep -m1 "model name" /proc/cpuinfo; free -g | head -2
echo "# frame cost (cargo bench --bench frames)"
cargo bench --locked --bench frames
echo "# start-up, peak PSS, idle CPU (5 runs each): seconds PSS_MiB CPU%"
for n in 56 1000 10000; do echo "## $n products"; scripts/bench/startup.sh "$n" 5; done
echo "# backend throughput"
scripts/bench/backend.sh 10 32
