#!/usr/bin/env bash
# Fan-out across two nodes against one, on the same box: a 1,000-member group on
# PostgreSQL, first served by one `imshare serve` (release, no Redis), then by two nodes
# sharing a private Redis, every other member connected to the second node and the
# senders on the first, so half of every message crosses Redis. Driven by
# examples/fanout_load.rs as benches/fanout.sh does; prints both peaks and their ratio.
#   benches/fanout_cluster.sh [members] [senders] [step seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. benches/common.sh
MEMBERS="${1:-1000}"
SENDERS="${2:-4}"
STEP="${3:-4}"
ensure_build_deps
ensure_postgres
ensure_packages curl python3 redis-server
ulimit -n "$(( MEMBERS * 2 + 2048 ))"
say "building imshare and the load generator (release)"
cargo build --release --locked --bin imshare --example fanout_load >/dev/null
TARGET="${CARGO_TARGET_DIR:-$PWD/target}/release"
bench_workspace
bench_lift_limits
LOAD=("$TARGET/examples/fanout_load" --members "$MEMBERS" --senders "$SENDERS" --step-secs "$STEP")
SECRET=bench-secret-bench-secret-bench-secret-0123

fresh_database() {
    local name="imshare_bench_$RANDOM$RANDOM"
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $name" >/dev/null
    DATABASES+=("$name")
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/$name"
}
DATABASES=()
drop_databases() {
    for db in "${DATABASES[@]}"; do psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null || true; done
}

# start_node NAME REDIS_URL: one serve node on the current DATABASE_URL; sets NODE_<NAME>.
start_node() {
    local name=$1 redis=$2 port
    port=$(free_port)
    IMSHARE__DATABASE__URL="$DATABASE_URL" IMSHARE__REDIS__URL="$redis" IMSHARE__AUTH__JWT_SECRET="$SECRET" \
    IMSHARE__MEDIA__IN_PROCESS_WORKER=false \
    IMSHARE__REALTIME__RATE_PER_SEC=1000000 IMSHARE__REALTIME__RATE_BURST=1000000 RUST_LOG=warn \
        "$TARGET/imshare" --data-dir "$WORK/$name" serve --listen "127.0.0.1:$port" \
        --store-listen "127.0.0.1:$(free_port)" >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
    printf -v "NODE_$name" '%s' "http://127.0.0.1:$port"
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0; sleep 0.1; done
    cat "$WORK/$name.log" >&2
    return 1
}

stop_all() {
    kill "${PIDS[@]}" 2>/dev/null || true
    wait "${PIDS[@]}" 2>/dev/null || true
    PIDS=()
}
trap 'stop_all; drop_databases; cleanup' EXIT

fresh_database
start_node one ""
say "one node: fan-out"
"${LOAD[@]}" --mode imshare --base "$NODE_one" | tee "$WORK/one.out"
stop_all

REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
sleep 0.3
fresh_database
start_node a "redis://127.0.0.1:$REDIS_PORT"
start_node b "redis://127.0.0.1:$REDIS_PORT"
say "two nodes and Redis: fan-out, every other member on the second node"
"${LOAD[@]}" --mode imshare --base "$NODE_a" --also "$NODE_b" | tee "$WORK/two.out"

one=$(awk '/peak deliveries/ {print $NF}' "$WORK/one.out")
two=$(awk '/peak deliveries/ {print $NF}' "$WORK/two.out")
python3 -c "import sys; o,t=map(float,sys.argv[1:]); print(f'peak deliveries/s: one node {o:.0f}, two nodes {t:.0f}: {t/o:.2f}x')" "$one" "$two"
