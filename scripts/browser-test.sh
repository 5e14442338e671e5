#!/usr/bin/env bash
# The mobile blog in a real browser: starts `imshare serve` on free ports with a temp data
# dir, seeds users, a friendship and two clips (made by the ffmpeg CLI) through the HTTP
# API, then drives Debian's Chromium with playwright-core (tests/browser). Screenshots of
# the home page, a blog, a clip page and the group page (as each of two members) land in
# <target dir>/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_build_deps
ensure_packages chromium curl jq python3
command -v npm >/dev/null || ensure_packages nodejs npm

TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
SCREENSHOTS="$TARGET_DIR/screenshots"
say "building imshare"
cargo build --locked --bin imshare
BIN="$TARGET_DIR/debug/imshare"
say "installing playwright-core"
(cd tests/browser && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi) >/dev/null

WORK=$(mktemp -d)
SERVER=""
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
STORE_PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
RUST_LOG=warn "$BIN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" --store-listen "127.0.0.1:$STORE_PORT" \
    >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "$BASE/readyz" >/dev/null || { cat "$WORK/serve.log" >&2; echo "imshare did not become ready" >&2; exit 1; }

# api METHOD PATH TOKEN [JSON]: one JSON call, failing loudly.
api() {
    local args=(-sS --fail-with-body -X "$1" "$BASE$2" -H 'content-type: application/json')
    [ -n "$3" ] && args+=(-H "authorization: Bearer $3")
    [ $# -ge 4 ] && args+=(-d "$4")
    curl "${args[@]}"
}
sign_up() {
    api POST /v1/accounts "" "{\"username\":\"$1\",\"password\":\"$1-password\",\"display_name\":\"$2\"}" >/dev/null
    api POST /v1/sessions "" "{\"username\":\"$1\",\"password\":\"$1-password\"}" | jq -r .access_token
}
# upload TOKEN FILE TITLE VISIBILITY: the clip's media id, once it is ready.
upload() {
    local grant media_id headers=()
    grant=$(api POST /v1/uploads "$1" "$(jq -n --arg t "$3" --arg v "$4" --argjson s "$(stat -c %s "$2")" \
        '{size: $s, content_type: "video/mp4", title: $t, visibility: $v}')")
    while IFS= read -r h; do headers+=(-H "$h"); done < <(echo "$grant" | jq -r \
        '.headers | to_entries[] | select(.key | ascii_downcase != "content-length") | "\(.key): \(.value)"')
    curl -sSf -X PUT "${headers[@]}" --data-binary "@$2" "$(echo "$grant" | jq -r .url)" >/dev/null
    api POST "/v1/uploads/$(echo "$grant" | jq -r .upload_id)/complete" "$1" '{}' >/dev/null
    media_id=$(echo "$grant" | jq -r .media_id)
    for _ in $(seq 1 300); do
        case "$(api GET "/v1/media/$media_id" "$1" | jq -r .status)" in
            ready) echo "$media_id"; return 0 ;;
            failed) echo "clip $3 failed to transcode" >&2; return 1 ;;
        esac
        sleep 0.5
    done
    echo "clip $3 was not ready after 150 s" >&2
    return 1
}

say "seeding users and clips"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=duration=8:size=640x360:rate=30" \
    -f lavfi -i "sine=frequency=440:duration=8" -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
    -c:a aac -shortest -f mp4 "$WORK/clip.mp4"
ALICE=$(sign_up alice "Alice Liddell")
BOB=$(sign_up bob "Bob")
ALICE_ID=$(api GET /v1/me "$ALICE" | jq -r .id)
REQUEST=$(api POST /v1/friends/requests "$BOB" '{"username":"alice"}' | jq -r .id)
api POST "/v1/friends/requests/$REQUEST/accept" "$ALICE" '{}' >/dev/null
upload "$ALICE" "$WORK/clip.mp4" "Harbour at noon" public >/dev/null
upload "$ALICE" "$WORK/clip.mp4" "Birthday party <3" friends >/dev/null
LINK=$(api GET "/v1/users/$ALICE_ID/blog-link" "$BOB" | jq -r .url)
# The group page test (group.test.mjs): alice's group with bob in it.
BOB_ID=$(api GET /v1/me "$BOB" | jq -r .id)
GROUP_ID=$(api POST /v1/groups "$ALICE" '{"name":"The band"}' | jq -r .id)
api POST "/v1/groups/$GROUP_ID/members" "$ALICE" "{\"user_id\":\"$BOB_ID\"}" >/dev/null

say "driving Chromium"
mkdir -p "$SCREENSHOTS"
(cd tests/browser && IMSHARE_URL="$BASE" BLOG_LINK="$LINK" CLIP_TITLE="Birthday party <3" GROUP_ID="$GROUP_ID" \
    SCREENSHOTS="$SCREENSHOTS" node --test --test-concurrency=1 blog.test.mjs group.test.mjs) || { tail -n 40 "$WORK/serve.log" >&2; exit 1; }
# The region sync page (sync.test.mjs) needs only the friends alice and bob seeded above:
# it serves the shared page itself and creates the room through the API.
say "driving Chromium: region sync"
(cd tests/browser && IMSHARE_URL="$BASE" SCREENSHOTS="$SCREENSHOTS" node --test sync.test.mjs) \
    || { tail -n 40 "$WORK/serve.log" >&2; exit 1; }
# The live share viewer (live.test.mjs): alice's reference sharer sends two frames to bob.
say "driving Chromium: live share"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=320x180:rate=1" -frames:v 2 "$WORK/frame%d.png"
(cd tests/browser && IMSHARE_URL="$BASE" IMSHARE_BIN="$BIN" LIVE_FRAMES="$WORK/frame1.png $WORK/frame2.png" \
    SCREENSHOTS="$SCREENSHOTS" node --test live.test.mjs) || { tail -n 40 "$WORK/serve.log" >&2; exit 1; }
say "screenshots in $SCREENSHOTS"
