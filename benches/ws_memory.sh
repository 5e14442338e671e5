#!/usr/bin/env bash
# Resident memory per idle WebSocket: starts `imshare serve` (release, SQLite, temp data
# dir, free ports on 127.0.0.1), then examples/ws_idle.rs signs up users through the API,
# opens the sockets and divides the server's RSS growth (VmRSS) by their number.
#   benches/ws_memory.sh [connections] [users]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. benches/common.sh
CONNECTIONS="${1:-10000}"
USERS="${2:-100}"
ensure_build_deps
ensure_packages curl python3
# One descriptor per socket on each side, plus the database and the store.
ulimit -n "$(( CONNECTIONS + 2048 ))"
say "building imshare and the load generator (release)"
cargo build --release --locked --bin imshare --example ws_idle >/dev/null
TARGET="${CARGO_TARGET_DIR:-$PWD/target}/release"
WORK=$(mktemp -d)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(free_port)
STORE_PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
start_server() {
    bench_lift_limits
    RUST_LOG=warn "$TARGET/imshare" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" \
        --store-listen "127.0.0.1:$STORE_PORT" >>"$WORK/serve.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && return 0; sleep 0.1; done
    cat "$WORK/serve.log" >&2
    return 1
}
start_server
say "signing up $USERS users"
"$TARGET/examples/ws_idle" --base "$BASE" --users "$USERS" --save "$WORK/users"
# A fresh process: the measurement starts from a server that never hashed a password.
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
start_server
say "opening $CONNECTIONS idle WebSockets for $USERS users"
"$TARGET/examples/ws_idle" --base "$BASE" --load "$WORK/users" --server-pid "$SERVER" --connections "$CONNECTIONS"
