#!/usr/bin/env bash
# Region-sync delivery latency to 100 participants: imshare (release, SQLite, temp data
# dir) with a source and 99 friends in one sync room, each on one WebSocket, driven by
# examples/sync_latency.rs; the source sends sync.region updates at a fixed rate, then as
# fast as its own copies come back. The reference is a private mosquitto (Debian's MQTT
# broker, temp config, QoS 0) carrying payloads of the same size to as many subscribers
# at the same rates. Both on free ports on 127.0.0.1. imshare's per-connection frame rate
# limit is lifted for the run: this measures delivery, not the limiter.
#   benches/sync_latency.sh [participants] [rate per second] [seconds per phase]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. benches/common.sh
PARTICIPANTS="${1:-100}"
RATE="${2:-20}"
SECS="${3:-10}"
ensure_build_deps
ensure_packages curl python3 mosquitto
ulimit -n "$(( PARTICIPANTS * 4 + 2048 ))"
say "building imshare and the load generator (release)"
cargo build --release --locked --bin imshare --example sync_latency >/dev/null
TARGET="${CARGO_TARGET_DIR:-$PWD/target}/release"
bench_workspace

start_realtime_imshare
start_mosquitto

say "imshare, then mosquitto $(mosquitto_version): $PARTICIPANTS participants, $RATE updates/s and closed-loop, ${SECS}s each"
"$TARGET/examples/sync_latency" --base "$BASE" --mqtt-port "$MQTT_PORT" \
    --participants "$PARTICIPANTS" --rate "$RATE" --secs "$SECS"
