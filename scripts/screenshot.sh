#!/usr/bin/env bash
# Renders kiosk scenes to PNGs under Xvfb with Mesa's software Vulkan (no GPU, no display needed).
# Usage: scripts/screenshot.sh [OUT_DIR] [SCENE ...]   (default: docs/screenshots, every scene)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
shift || true
scenes=("$@")
[ ${#scenes[@]} -gt 0 ] || scenes=(attract gallery product cart checkout qr card pay-choice confirmation)
mkdir -p "$out"
cargo build ${PROFILE:+--profile "$PROFILE"} --bin customerclient
bin=${CARGO_TARGET_DIR:-target}/${PROFILE:-debug}/customerclient
[ "${PROFILE:-}" = dev ] && bin=${CARGO_TARGET_DIR:-target}/debug/customerclient
# A throw-away database per run, so screenshots always show the fresh demo catalog.
db_dir=$(mktemp -d)
trap 'rm -rf "$db_dir"' EXIT
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$db_dir}
for scene in "${scenes[@]}"; do
  rm -f "$db_dir"/*.sqlite*
  # Demo kitchen and couriers fast enough for a picture; slower for the delivery itself.
  speed=${SIMULATOR_SPEED:-60}
  [ "$scene" = tracking ] && speed=${SIMULATOR_SPEED:-20}
  xvfb-run -a -s "-screen 0 1920x1080x24" \
    "$bin" --screenshot "$out/$scene${LANGUAGE:+-$LANGUAGE}.png" --scene "$scene" --language "${LANGUAGE:-en}" \
    --simulator-speed "$speed" \
    --database-url "sqlite://$db_dir/kiosk.sqlite"
  echo "wrote $out/$scene${LANGUAGE:+-$LANGUAGE}.png"
done
