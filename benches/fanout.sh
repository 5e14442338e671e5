#!/usr/bin/env bash
# Fan-out of one group's messages to 1,000 members: imshare (release, SQLite, temp data
# dir) against a private mosquitto (Debian's MQTT broker, temp config, QoS 0) carrying the
# same load to the same number of subscribers, both on free ports on 127.0.0.1, driven by
# examples/fanout_load.rs. Each steps the send rate up until delivery falls behind, then
# holds 80 % of the peak. imshare's per-connection frame rate limit is lifted for the run:
# this measures fan-out, not the limiter.
#   benches/fanout.sh [members] [senders] [step seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. benches/common.sh
MEMBERS="${1:-1000}"
SENDERS="${2:-4}"
STEP="${3:-4}"
ensure_build_deps
ensure_packages curl python3 mosquitto
ulimit -n "$(( MEMBERS * 2 + 2048 ))"
say "building imshare and the load generator (release)"
cargo build --release --locked --bin imshare --example fanout_load >/dev/null
TARGET="${CARGO_TARGET_DIR:-$PWD/target}/release"
bench_workspace
LOAD=("$TARGET/examples/fanout_load" --members "$MEMBERS" --senders "$SENDERS" --step-secs "$STEP")

start_realtime_imshare
say "imshare: seeding $MEMBERS users through the API, then fan-out"
"${LOAD[@]}" --mode imshare --base "$BASE"
kill "${PIDS[@]}"; wait "${PIDS[@]}" 2>/dev/null || true; PIDS=()

start_mosquitto
say "mosquitto $(mosquitto_version): fan-out"
"${LOAD[@]}" --mode mqtt --mqtt-port "$MQTT_PORT"
