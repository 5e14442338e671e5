#!/usr/bin/env bash
# Transcode benchmarks, each against its reference in the same run:
#  1. the media crate against the ffmpeg CLI running the same encoder settings on the same
#     60 s 720p30 input (media/examples/bench.rs): wall time ratio and first segment;
#  2. through the running service: from `POST /v1/uploads/{id}/complete` to the first
#     segment listed in the clip's HLS playlist (what a friend's player waits for).
#   benches/transcode.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. benches/common.sh
ensure_build_deps
ensure_packages curl jq
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --locked --bin imshare -p imshare -p imshare-media --example bench >/dev/null 2>&1 \
    || cargo build --release --locked --bin imshare >/dev/null
WORK=$(mktemp -d)
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc2=duration=60:size=1280x720:rate=30 \
    -f lavfi -i sine=frequency=440:duration=60 -c:v libx264 -preset veryfast -pix_fmt yuv420p \
    -c:a aac -shortest "$WORK/clip.mp4"

say "media crate vs ffmpeg CLI (same settings, same input)"
cargo run --release --locked -q -p imshare-media --example bench -- "$WORK/clip.mp4"

say "through the service: complete -> first playable segment"
port=$(free_port); store_port=$(free_port)
RUST_LOG=warn "$TARGET/release/imshare" --data-dir "$WORK/data" serve --listen "127.0.0.1:$port" \
    --store-listen "127.0.0.1:$store_port" >"$WORK/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
curl -sf -X POST "http://127.0.0.1:$port/v1/accounts" -H 'content-type: application/json' \
    -d '{"username":"bench","password":"bench-password"}' >/dev/null
export IMSHARE_PASSWORD=bench-password
out=$("$TARGET/release/imshare" upload "$WORK/clip.mp4" --server "http://127.0.0.1:$port" --username bench \
    --no-wait --json 2>/dev/null)
completed=$(date +%s.%N)
hls=$(echo "$out" | jq -r .play.hls_url)
first=""
for _ in $(seq 1 600); do
    variant=$(curl -sf "$hls" | grep -m1 'index.m3u8' || true)
    if [ -n "$variant" ] && curl -sf "${hls%/*}/$variant" | grep -q '#EXTINF'; then
        first=$(date +%s.%N)
        break
    fi
    sleep 0.05
done
python3 -c "print(f'first segment listed {float($first) - float($completed):.2f} s after complete (target <= 3 s)')"
