#!/usr/bin/env bash
# Benchmark of a 20-clip blog page (GET /u/{username}): requests/s and latency under wrk,
# next to nginx serving the same bytes as a static file in the same run (the ceiling for
# any HTTP server on this machine). Three imshare rows: an anonymous visitor (public page,
# served from the per-worker page cache), the same with the cache off (every request
# queries and renders), and a signed-in friend (personal page, never cached).
#   benches/blog_page.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. benches/common.sh
DURATION="${1:-10}"
CONNECTIONS="${2:-32}"
ensure_build_deps
ensure_packages wrk nginx curl jq python3
say "building imshare (release)"
cargo build --release --locked --bin imshare >/dev/null
BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/imshare"
bench_workspace
# nginx's workers run as another user: they must be able to read the page.
chmod 755 "$WORK"

PORT=$(free_port)
STORE_PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"

# start_imshare [ENV=VALUE...]: (re)starts the service on the same data dir and ports.
start_imshare() {
    [ ${#PIDS[@]} -gt 0 ] && { kill "${PIDS[@]}" 2>/dev/null || true; wait "${PIDS[@]}" 2>/dev/null || true; PIDS=(); }
    env "$@" RUST_LOG=warn "$BIN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" \
        --store-listen "127.0.0.1:$STORE_PORT" >>"$WORK/serve.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && return 0; sleep 0.1; done
    cat "$WORK/serve.log" >&2
    return 1
}

api() {
    local args=(-sS --fail-with-body -X "$1" "$BASE$2" -H 'content-type: application/json')
    [ -n "$3" ] && args+=(-H "authorization: Bearer $3")
    [ $# -ge 4 ] && args+=(-d "$4")
    curl "${args[@]}"
}
sign_up() {
    api POST /v1/accounts "" "{\"username\":\"$1\",\"password\":\"$1-password\"}" >/dev/null
    api POST /v1/sessions "" "{\"username\":\"$1\",\"password\":\"$1-password\"}" | jq -r .access_token
}
# upload TOKEN FILE TITLE: the media id (transcoding goes on in the background).
upload() {
    local grant headers=()
    grant=$(api POST /v1/uploads "$1" "$(jq -n --arg t "$3" --argjson s "$(stat -c %s "$2")" \
        '{size: $s, content_type: "video/mp4", title: $t, visibility: "public"}')")
    while IFS= read -r h; do headers+=(-H "$h"); done < <(echo "$grant" | jq -r \
        '.headers | to_entries[] | select(.key | ascii_downcase != "content-length") | "\(.key): \(.value)"')
    curl -sSf -X PUT "${headers[@]}" --data-binary "@$2" "$(echo "$grant" | jq -r .url)" >/dev/null
    api POST "/v1/uploads/$(echo "$grant" | jq -r .upload_id)/complete" "$1" '{}' >/dev/null
    echo "$grant" | jq -r .media_id
}

say "seeding a blog of 20 transcoded clips"
start_imshare
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=duration=2:size=320x240:rate=25" \
    -f lavfi -i "sine=frequency=440:duration=2" -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
    -c:a aac -shortest -f mp4 "$WORK/clip.mp4"
ALICE=$(sign_up alice)
BOB=$(sign_up bob)
ALICE_ID=$(api GET /v1/me "$ALICE" | jq -r .id)
REQUEST=$(api POST /v1/friends/requests "$BOB" '{"username":"alice"}' | jq -r .id)
api POST "/v1/friends/requests/$REQUEST/accept" "$ALICE" '{}' >/dev/null
IDS=()
for n in $(seq 1 20); do IDS+=("$(upload "$ALICE" "$WORK/clip.mp4" "Evening walk along the harbour, part $n")"); done
for id in "${IDS[@]}"; do
    for _ in $(seq 1 600); do
        [ "$(api GET "/v1/media/$id" "$ALICE" | jq -r .status)" != processing ] && break
        sleep 0.5
    done
done
curl -sf "$BASE/u/alice" >"$WORK/page.html"
chmod 644 "$WORK/page.html"
echo "page: $(stat -c %s "$WORK/page.html") bytes, $(grep -o '<li>' "$WORK/page.html" | wc -l) clips, $(grep -o 'poster.jpg' "$WORK/page.html" | wc -l) posters"
LINK=$(api GET "/v1/users/$ALICE_ID/blog-link" "$BOB" | jq -r .url)
SESSION=$(curl -s -o /dev/null -D - "$LINK" | sed -n 's/^[Ss]et-[Cc]ookie: imshare_session=\([^;]*\).*/\1/p')



say "measuring"
read -r a_rps a_p50 a_p99 a_bad < <(run_wrk "$BASE/u/alice")
read -r f_rps f_p50 f_p99 f_bad < <(run_wrk -H "Cookie: imshare_session=$SESSION" "$BASE/u/alice")
start_imshare IMSHARE__BLOG__PAGE_CACHE_SECS=0 IMSHARE__MEDIA__IN_PROCESS_WORKER=false
read -r u_rps u_p50 u_p99 u_bad < <(run_wrk "$BASE/u/alice")
read -r n_rps n_p50 n_p99 n_bad < <(bench_nginx "$WORK/page.html" /u/alice "text/html; charset=utf-8")

printf '\n20-clip blog page (%s bytes), %s s, %s connections, wrk -t2, on %s (%s cores), SQLite\n' \
    "$(stat -c %s "$WORK/page.html")" "$DURATION" "$CONNECTIONS" "$(uname -m)" "$(nproc)"
printf '%-36s %12s %9s %9s %8s %10s\n' target req/s p50_ms p99_ms non2xx "vs nginx"
ratio() { python3 -c "print(f'{float($1)/float($2):.2f}x')"; }
row() { printf '%-36s %12s %9s %9s %8s %10s\n' "$1" "$2" "$3" "$4" "$5" "$(ratio "$2" "$n_rps")"; }
row "imshare, anonymous (page cache)" "$a_rps" "$a_p50" "$a_p99" "$a_bad"
row "imshare, anonymous (cache off)" "$u_rps" "$u_p50" "$u_p99" "$u_bad"
row "imshare, signed-in friend" "$f_rps" "$f_p50" "$f_p99" "$f_bad"
row "nginx, same bytes as a static file" "$n_rps" "$n_p50" "$n_p99" "$n_bad"
