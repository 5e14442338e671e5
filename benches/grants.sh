#!/usr/bin/env bash
# Benchmark of the upload-grant path (POST /v1/uploads): grants/s and latency under wrk,
# on SQLite and on PostgreSQL, next to nginx answering a static 201 JSON of the same size
# in the same run (the ceiling for any HTTP handler on this machine).
#   benches/grants.sh [seconds] [connections] [users]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. benches/common.sh
DURATION="${1:-10}"
CONNECTIONS="${2:-32}"
USERS="${3:-64}"
ensure_build_deps
ensure_packages wrk nginx curl jq
ensure_postgres
# IMSHARE_BIN: a binary built earlier (skips the build).
BIN="${IMSHARE_BIN:-}"
if [ -z "$BIN" ]; then
    cargo build --release --locked --bin imshare >/dev/null
    BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/imshare"
fi
bench_workspace


cat >"$WORK/grant.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"size": 65536, "content_type": "video/mp4", "title": "bench clip"}'
wrk.headers["Content-Type"] = "application/json"
-- Many mobile users ask at once: each request carries the next user's token.
tokens = {}
for t in string.gmatch(os.getenv("TOKENS"), "[^,]+") do tokens[#tokens + 1] = t end
i = 0
request = function()
    i = i % #tokens + 1
    wrk.headers["Authorization"] = "Bearer " .. tokens[i]
    return wrk.format()
end
LUA


bench_imshare() {
    local name=$1 db_url=$2 port store_port
    port=$(free_port); store_port=$(free_port)
    IMSHARE__DATABASE__URL="$db_url" IMSHARE__UPLOADS__DEFAULT_QUOTA_BYTES=1000000000000000 \
        IMSHARE__STORAGE__RESERVE_BYTES=0 RUST_LOG=warn \
        "$BIN" --data-dir "$WORK/$name" serve --listen "127.0.0.1:$port" --store-listen "127.0.0.1:$store_port" \
        >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
    local tokens=() token
    for u in $(seq 1 "$USERS"); do
        curl -sf -X POST "http://127.0.0.1:$port/v1/accounts" -H 'content-type: application/json' \
            -d "{\"username\":\"bench$u\",\"password\":\"bench-password\"}" >/dev/null
        token=$(curl -sf -X POST "http://127.0.0.1:$port/v1/sessions" -H 'content-type: application/json' \
            -d "{\"username\":\"bench$u\",\"password\":\"bench-password\"}" | jq -r .access_token)
        tokens+=("$token")
    done
    TOKENS=$(IFS=,; echo "${tokens[*]}")
    export TOKENS
    curl -sf -X POST "http://127.0.0.1:$port/v1/uploads" -H "authorization: Bearer ${tokens[0]}" \
        -H 'content-type: application/json' -d '{"size": 65536, "content_type": "video/mp4"}' >"$WORK/sample.json"
    run_wrk -s "$WORK/grant.lua" "http://127.0.0.1:$port/v1/uploads"
    kill "${PIDS[-1]}"
}


pg_db="imshare_bench_$$"
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $pg_db" >/dev/null
trap 'cleanup; sleep 1; psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null' EXIT

# Redirections, not pipes or $(…): the servers must start in this shell so cleanup can stop them.
bench_imshare sqlite "" >"$WORK/sqlite.txt"
bench_imshare postgres "postgres://postgres@127.0.0.1:5432/$pg_db" >"$WORK/postgres.txt"
bench_nginx "$WORK/sample.json" /grant.json application/json >"$WORK/nginx.txt"
read -r s_rps s_p50 s_p99 s_bad <"$WORK/sqlite.txt"
read -r p_rps p_p50 p_p99 p_bad <"$WORK/postgres.txt"
read -r n_rps n_p50 n_p99 n_bad <"$WORK/nginx.txt"

printf '\nupload grants, %s s, %s connections, %s users, wrk -t2, on %s (%s cores)\n' "$DURATION" "$CONNECTIONS" "$USERS" "$(uname -m)" "$(nproc)"
printf '%-28s %12s %9s %9s %8s %10s\n' target req/s p50_ms p99_ms non2xx "vs nginx"
ratio() { python3 -c "print(f'{float($1)/float($2):.2f}x')"; }
printf '%-28s %12s %9s %9s %8s %10s\n' "imshare grants (SQLite)" "$s_rps" "$s_p50" "$s_p99" "$s_bad" "$(ratio "$s_rps" "$n_rps")"
printf '%-28s %12s %9s %9s %8s %10s\n' "imshare grants (PostgreSQL)" "$p_rps" "$p_p50" "$p_p99" "$p_bad" "$(ratio "$p_rps" "$n_rps")"
printf '%-28s %12s %9s %9s %8s %10s\n' "nginx, same JSON as a file" "$n_rps" "$n_p50" "$n_p99" "$n_bad" "1.00x"
