#!/usr/bin/env bash
# deploy/ is what operators run, so CI checks it as it checks code:
#   - compose.yaml against the Compose specification: `docker compose config` where
#     Docker's compose plugin is installed, and always dclint (the Compose JSON schema
#     plus lint rules: pinned image tags, bound ports, …), pinned in package-lock.json;
#   - every IMSHARE__SECTION__KEY named in deploy/ is a real setting of config/default.toml.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
command -v npm >/dev/null || ensure_packages nodejs npm

# The secrets compose.yaml insists on (`${VAR:?…}`), with throwaway values.
export POSTGRES_PASSWORD=check GARAGE_RPC_SECRET=check IMSHARE_JWT_SECRET=check
if docker compose version >/dev/null 2>&1; then
    say "deploy: docker compose config"
    docker compose -f deploy/compose.yaml config --quiet
fi

say "deploy: compose.yaml against the Compose specification (dclint)"
(cd tests/deploy && npm ci --no-audit --no-fund >/dev/null)
tests/deploy/node_modules/.bin/dclint --quiet deploy/compose.yaml

say "deploy: settings named in deploy/"
python3 tests/deploy/settings_named.py
