#!/usr/bin/env bash
# The fleet benchmark: simulated kiosks (crates/backend/examples/fleet_bench.rs) against
# 1 backend on SQLite, 1 on PostgreSQL and 2 on PostgreSQL. Each kiosk takes a guest session,
# pages the catalog, fetches pictures and keeps its event stream open; orders come at a fixed
# rate, paid by card or by QR plus the signed webhook, and each kiosk follows its stream until
# the demo courier delivers. Prints one JSON summary per setup.
# Usage: scripts/bench/fleet.sh [KIOSKS] [ORDERS_PER_S] [SECONDS] [SETUPS…]
#   SETUPS: any of sqlite pg1 pg2 (default all three).
# SIMULATOR_SPEED=0 leaves the demo kitchen and couriers off (orders stay placed): the kiosks'
# own traffic without the couriers' status and position writes.
set -euo pipefail
cd "$(dirname "$0")/../.."
kiosks=${1:-1000}
rate=${2:-50}
secs=${3:-60}
shift $(( $# < 3 ? $# : 3 ))
setups=("${@:-sqlite pg1 pg2}")
setups=(${setups[*]})
target=${CARGO_TARGET_DIR:-target}
cargo build --release --locked -p customerclient-backend --bin customerclient-backend --example fleet_bench
bin=$target/release/customerclient-backend
bench=$target/release/examples/fleet_bench
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -d "$work/pg" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true
speed=${SIMULATOR_SPEED:-600}
sim=(--simulator-speed "$speed")
wait_deliveries=()
if [ "$speed" = 0 ]; then sim=(); wait_deliveries=(--no-deliveries); fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

start_pg() {
  mkdir -p "$work/pg" && chown postgres: "$work/pg" "$work"
  runuser -u postgres -- "$pgbin/initdb" -A trust -U postgres -E UTF8 --locale=C -D "$work/pg" >/dev/null
  # Durable commits as production would run them (fsync on); connections for 2 instances.
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
    -o "-p 18700 -k $work -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  psql -h 127.0.0.1 -p 18700 -U postgres -qc "CREATE DATABASE fleet"
}

start_backend() { # PORT DATABASE_URL [extra…]
  local port=$1 db=$2
  shift 2
  RUST_LOG=warn "$bin" --demo --no-videos --listen 127.0.0.1:$port --database-url "$db" \
    "${sim[@]}" --orders-per-account 1000 "$@" >"$work/backend-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && return 0
    sleep 0.1
  done
  echo "backend on $port did not start"; tail "$work/backend-$port.log"; exit 1
}

stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
  if [ -d "$work/pg" ]; then
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null
    rm -rf "$work/pg"
  fi
}

for setup in "${setups[@]}"; do
  echo "## $setup: $kiosks kiosks, $rate orders/s for ${secs}s"
  case $setup in
    sqlite)
      start_backend 18601 "sqlite://$work/fleet.sqlite"
      "$bench" --label "1 instance, SQLite" --url http://127.0.0.1:18601 --kiosks "$kiosks" \
        --rate "$rate" --duration "$secs" --pid "backend=${pids[0]}" "${wait_deliveries[@]}"
      ;;
    pg1|pg2)
      start_pg
      postmaster=$(head -1 "$work/pg/postmaster.pid")
      start_backend 18601 "postgres://postgres@127.0.0.1:18700/fleet"
      urls=(--url http://127.0.0.1:18601)
      watch=(--pid "backend-a=${pids[0]}")
      label="1 instance, PostgreSQL"
      if [ "$setup" = pg2 ]; then
        start_backend 18602 "postgres://postgres@127.0.0.1:18700/fleet" --no-seed
        urls+=(--url http://127.0.0.1:18602)
        watch+=(--pid "backend-b=${pids[1]}")
        label="2 instances, PostgreSQL"
      fi
      "$bench" --label "$label" "${urls[@]}" --kiosks "$kiosks" --rate "$rate" \
        --duration "$secs" "${watch[@]}" --pid "postgres=$postmaster" "${wait_deliveries[@]}"
      ;;
    *) echo "unknown setup $setup (sqlite, pg1, pg2)"; exit 2 ;;
  esac
  echo "backend warnings and errors: $(cat "$work"/backend-*.log | grep -cE "WARN|ERROR" || true)"
  cat "$work"/backend-*.log | grep -E "WARN|ERROR" | grep -v "demo secret" | sort | uniq -c | sort -rn | head -5 || true
  stop_all
done
