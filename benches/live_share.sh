#!/usr/bin/env bash
# Live-share tile diffing (examples/live_share_bench.rs) on a recorded screen-like
# 1920×1080 sequence made here with the ffmpeg CLI: 10 s at 10 fps of an editor where
# lines are typed one by one, then a scroll, with a small video playing in a corner;
# stored losslessly (PNG in Matroska). Reports the bytes the tiler sends against every
# frame sent whole as PNG (same settings), and the diff and encode times per frame.
#   benches/live_share.sh [tile size, default 64]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
TILE_SIZE="${1:-64}"
ensure_build_deps
ensure_packages fonts-dejavu-core
say "building the benchmark (release)"
cargo build --release --locked --example live_share_bench >/dev/null
TARGET="${CARGO_TARGET_DIR:-$PWD/target}/release"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

FONT=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
LINE=24      # px per line of code
TOP=40       # the first line's y on the page
TYPED_FROM=24 TYPED_TO=40 TYPE_EVERY=0.35   # lines typed one by one from t=0.5 s
# The page is two screens tall; from t=7.0 s it scrolls 600 px in 0.5 s.
SCROLL="if(lt(t\,7)\,0\,min((t-7)*1200\,600))"

say "recording the screen sequence (ffmpeg lavfi)"
page="color=c=0x1e1e1e:size=1920x2160:rate=10:duration=10,"
page+="drawbox=x=0:y=0:w=300:h=ih:color=0x252526:t=fill,"
for i in $(seq 0 11); do
    page+="drawtext=fontfile=$FONT:fontsize=18:fontcolor=0xcccccc:x=24:y=$((TOP + i * 30)):text='src/module_$i.rs',"
done
for i in $(seq 0 85); do
    y=$((TOP + i * LINE))
    text=$(printf '%4d    let value_%d = compute(%d) + offset * %d' "$((i + 1))" "$i" "$((i * 7 % 13))" "$((i % 5))")
    enable=""
    if [ "$i" -ge "$TYPED_FROM" ] && [ "$i" -le "$TYPED_TO" ]; then
        enable=":enable='gte(t\,$(python3 -c "print(0.5 + ($i - $TYPED_FROM) * $TYPE_EVERY)"))'"
    fi
    page+="drawtext=fontfile=$FONT:fontsize=18:fontcolor=0x9cdcfe:x=330:y=$y:text='$text'$enable,"
done
graph="${page}crop=w=1920:h=1080:x=0:y='$SCROLL'[screen];"
graph+="testsrc2=size=320x180:rate=10:duration=10[clip];"
graph+="[screen][clip]overlay=x=W-w-40:y=H-h-60,"
graph+="drawbox=x=0:y=ih-28:w=iw:h=28:color=0x007acc:t=fill,format=rgb24"
ffmpeg -hide_banner -loglevel error -nostdin -filter_complex "$graph" -c:v png "$WORK/screen.mkv"

say "tiler vs whole-frame PNG, tiles of $TILE_SIZE px"
"$TARGET/examples/live_share_bench" --video "$WORK/screen.mkv" --tile-size "$TILE_SIZE" --fps 10 \
    --max-frames 100 --max-secs 300
