#!/usr/bin/env bash
# Writes the seed corpus of the live_frame target: a few valid frames (live/src/protocol.rs
# has the layout; integers are big-endian). The fuzzer mutates from these.
set -euo pipefail
cd "$(dirname "$0")/corpus/live_frame"
# Geometry: 1920×1080 pixels in 256-pixel tiles.
printf '\x01\x07\x80\x04\x38\x01\x00' >geometry_1080p
# Geometry: the smallest picture, in the smallest tiles.
printf '\x01\x00\x01\x00\x01\x00\x10' >geometry_min
# Tiles: one 4-byte PNG tile at index 0.
printf '\x02\x00\x01\x00\x00\x00\x00\x01\x00\x00\x00\x04\x89PNG' >tiles_one_png
# Tiles: a 3-byte JPEG tile at index 5 and a 2-byte WebP tile at index 70000.
printf '\x02\x00\x02\x00\x00\x00\x05\x02\x00\x00\x00\x03abc\x00\x01\x11\x70\x03\x00\x00\x00\x02xy' >tiles_two
