# Shared helpers for scripts/run.sh and scripts/test.sh: install what is missing, start
# what is down. Sourced, not run.

CACHE_DIR="${IMSHARE_CACHE_DIR:-$HOME/.cache/imshare}"
GARAGE_VERSION="2.5.0"
CARGO_FUZZ_VERSION="0.13.2"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root to run: $* (install sudo or run as root)" >&2; return 1
    fi
}

# Installs the Debian packages given that are not installed yet.
ensure_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# What building and running the service needs: Rust, FFmpeg's libraries for ffmpeg-next, clang for bindgen.
ensure_build_deps() {
    if ! command -v cargo >/dev/null; then
        echo "cargo is missing: install Rust 1.95 or newer (https://rustup.rs), then run this again" >&2
        return 1
    fi
    ensure_packages pkg-config clang libclang-dev ffmpeg libavcodec-dev libavformat-dev libavutil-dev \
        libswscale-dev libswresample-dev libavfilter-dev libavdevice-dev
}

# PostgreSQL on 127.0.0.1:5432 accepting user postgres without a password (tests only).
ensure_postgres() {
    if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
        ensure_packages postgresql
        local hba
        hba=$(ls /etc/postgresql/*/main/pg_hba.conf | head -n 1)
        # The test databases are throwaway: trust local TCP connections, as CI's machine does.
        as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    say "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 1; done
    echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
    return 1
}

# Redis on 127.0.0.1:6379 (cluster tests).
ensure_redis() {
    if command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then return 0; fi
    ensure_packages redis-server
    say "starting Redis"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && return 0; sleep 0.5; done
    echo "Redis did not come up on 127.0.0.1:6379" >&2
    return 1
}

# Garage, a distributed S3 server, built once from crates.io and cached outside the clone.
ensure_garage() {
    export GARAGE_BIN="$CACHE_DIR/tools/bin/garage"
    if [ -x "$GARAGE_BIN" ] && "$GARAGE_BIN" --version 2>/dev/null | grep -q "$GARAGE_VERSION"; then return 0; fi
    say "building Garage $GARAGE_VERSION (about 10 minutes, once; cached in $CACHE_DIR)"
    cargo install garage --version "$GARAGE_VERSION" --locked --root "$CACHE_DIR/tools" \
        --target-dir "$CACHE_DIR/garage-target" >"$CACHE_DIR/garage-install.log" 2>&1 || {
        tail -n 30 "$CACHE_DIR/garage-install.log" >&2
        return 1
    }
}

# cargo-fuzz (libFuzzer driver for scripts/fuzz.sh), built once from crates.io and cached
# outside the clone like Garage; puts it on PATH as `cargo fuzz`.
ensure_cargo_fuzz() {
    export PATH="$CACHE_DIR/tools/bin:$PATH"
    if cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then return 0; fi
    say "building cargo-fuzz $CARGO_FUZZ_VERSION (about 2 minutes, once; cached in $CACHE_DIR)"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$CACHE_DIR/tools" \
        --target-dir "$CACHE_DIR/cargo-fuzz-target" >"$CACHE_DIR/cargo-fuzz-install.log" 2>&1 || {
        tail -n 30 "$CACHE_DIR/cargo-fuzz-install.log" >&2
        return 1
    }
}
