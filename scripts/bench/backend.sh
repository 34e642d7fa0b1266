#!/usr/bin/env bash
# Backend throughput from a second process on loopback (wrk): catalog listing, a product
# picture, and order placement with a fresh Idempotency-Key per request.
# Usage: scripts/bench/backend.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
conns=${2:-32}
bin=${CARGO_TARGET_DIR:-target}/release/customerclient-backend
work=$(mktemp -d)
port=18600
# --demo: the demo secrets; one guest places every order, so its order limit is lifted.
# (Builds from before these flags existed run without them, for before/after figures.)
extra=()
if "$bin" --help | grep -q -- --orders-per-account; then
  extra=(--demo --no-videos --orders-per-account 100000000)
fi
"$bin" "${extra[@]}" --listen 127.0.0.1:$port --database-url "sqlite://$work/bench.sqlite" \
  --catalog-size 1000 >"$work/log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
  sleep 0.1
done
base=http://127.0.0.1:$port/api/v1
image=$(curl -sf "$base/products/1" | sed -E 's/.*"image_ids":\["([^"]+)".*/\1/')
TOKEN=$(curl -sf -X POST "$base/auth/guest" | sed -E 's/.*"token":"([^"]+)".*/\1/')
export TOKEN
echo "## catalog: GET /products?per_page=20&page=3"
wrk -t2 -c"$conns" -d"${secs}s" --latency "$base/products?per_page=20&page=3" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket"
echo "## picture: GET /files/$image"
wrk -t2 -c"$conns" -d"${secs}s" --latency "$base/files/$image" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket"
echo "## orders: POST /orders with Idempotency-Key"
RUN=wide wrk -t2 -c"$conns" -d"${secs}s" --latency -s scripts/bench/orders.lua "$base/orders" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket"
echo "## orders, 4 connections (latency without a queue)"
RUN=narrow wrk -t2 -c4 -d"${secs}s" --latency -s scripts/bench/orders.lua "$base/orders" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket"
orders=$(sqlite3 "$work/bench.sqlite" "SELECT COUNT(*) FROM orders o JOIN accounts a ON a.id = o.account_id WHERE a.guest" 2>/dev/null || echo "?")
echo "orders the guest holds afterwards: $orders"
echo "server warnings and errors during the runs: $(grep -cE "WARN|ERROR" "$work/log" || true)"
grep -E "WARN|ERROR" "$work/log" | grep -v "demo secret" | tail -5 || true
