#!/usr/bin/env bash
# One-time setup for deploy/compose.yaml; safe to run again (it skips what is done).
#   1. deploy/.env from .env.example, with random secrets where they are empty
#   2. starts the garage container
#   3. garage layout assign/apply (single node), bucket create, key create, bucket allow
#   4. writes the key into .env as IMSHARE_S3_ACCESS_KEY / IMSHARE_S3_SECRET_KEY
# Then: docker compose up -d --build
set -euo pipefail
cd "$(dirname "$0")"

BUCKET=imshare
KEY_NAME=imshare

say() { printf 'garage-init: %s\n' "$*" >&2; }
rand_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# Sets KEY=VALUE in .env, replacing an existing line or appending one.
set_env() {
    if grep -q "^$1=" .env; then
        sed -i "s|^$1=.*|$1=$2|" .env
    else
        printf '%s=%s\n' "$1" "$2" >> .env
    fi
}
get_env() { sed -n "s/^$1=//p" .env | tail -n 1; }

# 1. Secrets.
if [ ! -f .env ]; then
    (umask 077 && cp .env.example .env)
    say "created deploy/.env from .env.example"
fi
[ -n "$(get_env POSTGRES_PASSWORD)" ] || set_env POSTGRES_PASSWORD "$(rand_hex 24)"
[ -n "$(get_env GARAGE_RPC_SECRET)" ] || set_env GARAGE_RPC_SECRET "$(rand_hex 32)"
[ -n "$(get_env IMSHARE_JWT_SECRET)" ] || set_env IMSHARE_JWT_SECRET "$(rand_hex 32)"
CAPACITY=$(get_env GARAGE_CAPACITY)
CAPACITY=${CAPACITY:-100G}

garage() { docker compose exec -T garage /garage "$@"; }

# 2. Garage up and answering.
docker compose up -d garage
for i in $(seq 1 30); do
    if garage status >/dev/null 2>&1; then break; fi
    [ "$i" -lt 30 ] || { say "garage does not answer; see: docker compose logs garage"; exit 1; }
    sleep 2
done

# 3a. Layout: give the node a role once, then apply the next layout version.
status=$(garage status)
node=$(printf '%s\n' "$status" | awk '/NO ROLE ASSIGNED/ { print $1; exit }')
if [ -n "$node" ]; then
    say "assigning node $node (zone dc1, capacity $CAPACITY)"
    garage layout assign -z dc1 -c "$CAPACITY" "$node"
fi
if [ -n "$node" ] || printf '%s\n' "$status" | grep -q 'pending'; then
    current=$(garage layout show | sed -n 's/.*[Cc]urrent cluster layout version: *\([0-9]*\).*/\1/p' | head -n 1)
    garage layout apply --version "$(( ${current:-0} + 1 ))"
fi

# 3b. Bucket, key, permissions.
garage bucket info "$BUCKET" >/dev/null 2>&1 || garage bucket create "$BUCKET"
garage key info "$KEY_NAME" >/dev/null 2>&1 || garage key create "$KEY_NAME" >/dev/null
garage bucket allow --read --write --owner "$BUCKET" --key "$KEY_NAME" >/dev/null

# 4. The key into .env.
info=$(garage key info --show-secret "$KEY_NAME")
field() { printf '%s\n' "$info" | sed -n "s/^[[:space:]]*$1:[[:space:]]*\([^[:space:]]*\).*/\1/p" | head -n 1; }
key_id=$(field 'Key ID')
secret=$(field 'Secret key')
if [ -z "$key_id" ] || [ -z "$secret" ]; then
    say "could not read the key from 'garage key info --show-secret $KEY_NAME'; set"
    say "IMSHARE_S3_ACCESS_KEY / IMSHARE_S3_SECRET_KEY in deploy/.env by hand"
    exit 1
fi
set_env IMSHARE_S3_ACCESS_KEY "$key_id"
set_env IMSHARE_S3_SECRET_KEY "$secret"

say "bucket '$BUCKET' and key $key_id are ready; deploy/.env is filled in."
say "next: docker compose up -d --build"
