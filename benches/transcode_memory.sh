#!/usr/bin/env bash
# Peak RSS of one transcode on hostile inputs, against the ffmpeg CLI doing the same job
# (same filter graph and encoder settings, `cli_equivalent`) on the same input:
#   4k.mp4        an honest 10 s 3840x2160 clip, the largest the default limits accept;
#   growing.ts    320x240 pictures, then 15360x8640 ones (joined with -c copy);
#   lying.mkv     runs 11 min, its Duration element claims 60 s;
#   lying.mp3     20 s at 160 kb/s, then 30 min at 8 kb/s, no Xing header.
# Each is measured RUNS times (default 3) with /usr/bin/time -v; peak RSS in MiB.
#   benches/transcode_memory.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_build_deps
ensure_packages time python3
RUNS="${1:-3}"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --locked -q -p imshare-media --example transcode_memory
RUNNER="$TARGET/release/examples/transcode_memory"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }

say "making the hostile inputs"
ff -f lavfi -i testsrc2=size=3840x2160:rate=30:duration=10 -f lavfi -i sine=duration=10 \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac "$WORK/4k.mp4"
ff -f lavfi -i testsrc2=size=320x240:rate=25:duration=3 -c:v libx264 -preset ultrafast "$WORK/small.ts"
ff -f lavfi -i testsrc2=size=15360x8640:rate=25:duration=0.2 -c:v libx264 -preset ultrafast \
    -output_ts_offset 3 "$WORK/huge.ts"
cat "$WORK/small.ts" "$WORK/huge.ts" >"$WORK/growing.ts"
ff -f lavfi -i testsrc2=size=320x240:rate=10:duration=660 -c:v libx264 -preset ultrafast "$WORK/honest.mkv"
python3 - "$WORK/honest.mkv" "$WORK/lying.mkv" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.find(b"\x44\x89\x88")  # Matroska Duration: ID, size 8, float ms
data[at + 3:at + 11] = struct.pack(">d", 60000.0)
open(sys.argv[2], "wb").write(data)
PY
ff -f lavfi -i sine=duration=20 -ar 22050 -c:a libmp3lame -b:a 160k -write_xing 0 -id3v2_version 0 "$WORK/a.mp3"
ff -f lavfi -i sine=frequency=300:duration=1800 -ar 22050 -c:a libmp3lame -b:a 8k -write_xing 0 -id3v2_version 0 "$WORK/b.mp3"
cat "$WORK/a.mp3" "$WORK/b.mp3" >"$WORK/lying.mp3"

# Prints the peak RSS in MiB of the command, its last output line to stderr.
peak_mib() {
    local log="$WORK/time.log" out
    out=$(/usr/bin/time -v "$@" 2>"$log" | tail -1 || true)
    [ -n "$out" ] && echo "    $out" >&2
    awk '/Maximum resident set size/ {printf "%.0f", $6 / 1024}' "$log"
}

say "peak RSS per job, MiB (imshare-media vs ffmpeg CLI, same job), $RUNS runs"
printf '%-12s %-22s %-22s %s\n' input imshare ffmpeg ratio
for input in 4k.mp4 growing.ts lying.mkv lying.mp3; do
    ours=(); theirs=()
    for _ in $(seq 1 "$RUNS"); do
        rm -rf "$WORK/out"
        ours+=("$(peak_mib "$RUNNER" "$WORK/$input" "$WORK/out")")
        rm -rf "$WORK/out"
        mapfile -t args < <("$RUNNER" --cli "$WORK/$input" "$WORK/out")
        theirs+=("$(peak_mib ffmpeg -v error -nostdin "${args[@]}")")
    done
    python3 - "$input" "${ours[*]}" "${theirs[*]}" <<'PY'
import sys
name, ours, theirs = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
ratio = max(map(int, ours)) / max(map(int, theirs))
print(f"{name:<12} {'/'.join(ours):<22} {'/'.join(theirs):<22} {ratio:.2f}x")
PY
done
