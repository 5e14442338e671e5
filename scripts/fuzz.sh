#!/usr/bin/env bash
# Fuzzes the live-share frame decoder (fuzz/fuzz_targets/live_frame.rs) for a bounded time,
# starting from the seed frames in fuzz/corpus/live_frame. Exits non-zero if the target
# panics, fails its round-trip check, or trips AddressSanitizer; the input that did it is
# left in fuzz/artifacts/live_frame/ (reproduce with `RUSTC_BOOTSTRAP=1 cargo fuzz run
# live_frame artifacts/live_frame/FILE` in fuzz/).
#   scripts/fuzz.sh [seconds, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
SECONDS_TO_RUN="${1:-60}"
mkdir -p "$CACHE_DIR"
ensure_cargo_fuzz

# cargo fuzz builds with a nightly-only rustc flag (-Zsanitizer=address), and only the
# stable toolchain is installed on the project's machines, nor can another be fetched
# there. RUSTC_BOOTSTRAP=1 lets stable rustc accept it: the sanitizer is the same code as
# on nightly, and stable ships its runtime. It is set for this script only; nothing else
# in the project uses unstable features.
export RUSTC_BOOTSTRAP=1
TARGET_ARGS=()
if [ "${CI:-}" = "true" ]; then
    # A fresh clone each run: keep the instrumented build outside it so CI stays warm.
    TARGET_ARGS=(--target-dir "$CACHE_DIR/fuzz-target")
fi

# libFuzzer adds what it finds to the first corpus folder: a scratch one, so the committed
# seeds stay as they are.
WORK_CORPUS=$(mktemp -d)
trap 'rm -rf "$WORK_CORPUS"' EXIT
cd fuzz
cargo fuzz run "${TARGET_ARGS[@]}" live_frame "$WORK_CORPUS" corpus/live_frame -- \
    -max_total_time="$SECONDS_TO_RUN" -print_final_stats=1
