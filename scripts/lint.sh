#!/usr/bin/env bash
# The lints CI holds the tree to, run first by scripts/test.sh so a formatting slip or a
# clippy warning fails early rather than after the whole suite:
#   cargo fmt --all --check
#   cargo clippy --workspace --all-targets --locked -- -D warnings
# and the same clippy on fuzz/, which is outside the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

for tool in fmt clippy; do
    if ! cargo "$tool" --version >/dev/null 2>&1; then
        echo "cargo $tool is missing: install it (rustup component add rustfmt clippy), then run this again" >&2
        exit 1
    fi
done

say "checking formatting (cargo fmt)"
if ! cargo fmt --all --check; then
    echo "the code is not formatted as rustfmt would: run \`cargo fmt --all\` and commit the result" >&2
    exit 1
fi

say "linting (cargo clippy, warnings are errors)"
if ! cargo clippy --workspace --all-targets --locked -- -D warnings; then
    echo "clippy found the warnings above: fix them (every target, benches and examples too)" >&2
    exit 1
fi
if ! (cd fuzz && cargo clippy --all-targets --locked -- -D warnings); then
    echo "clippy found the warnings above in fuzz/: fix them" >&2
    exit 1
fi
