#!/usr/bin/env bash
# Runs the whole test suite: first the lints (scripts/lint.sh: rustfmt, clippy with
# warnings as errors) and the deploy/ checks (tests/deploy/check.sh), then unit tests;
# integration tests on SQLite and PostgreSQL, against the embedded store and Garage, with
# Redis for the two-node tests; a minute of fuzzing the live-share frame decoder; then the
# pages in headless Chromium. Installs and starts whatever is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
mkdir -p "$CACHE_DIR"
if [ "${CI:-}" = "true" ]; then
    # A fresh clone each run: keep the build outside it so CI stays warm.
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE_DIR/target}"
fi

ensure_build_deps
# Fail fast: the lints are done long before the suite would be.
bash scripts/lint.sh
bash tests/deploy/check.sh

ensure_postgres
ensure_redis
ensure_garage

# Databases left by earlier runs of the suite (FORCE: a run that was killed may have left
# processes that still hold connections to them).
for db in $(psql -h 127.0.0.1 -U postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'imshare_test_%'"); do
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
done

say "running the test suite"
cargo test --workspace --locked --no-fail-fast "$@"

say "fuzzing the live-share frame decoder"
bash scripts/fuzz.sh 60

say "running the browser tests (headless Chromium)"
bash scripts/browser-test.sh
