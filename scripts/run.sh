#!/usr/bin/env bash
# Starts imshare on its embedded defaults (SQLite and an S3 store under ./data, HTTP on
# 127.0.0.1:8080, the store on 127.0.0.1:9000), installing what it needs first.
# Extra arguments go to `imshare serve`, e.g. scripts/run.sh --listen 0.0.0.0:8080
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_build_deps
say "building imshare (release)"
cargo build --release --locked --bin imshare
exec "${CARGO_TARGET_DIR:-target}/release/imshare" serve "$@"
