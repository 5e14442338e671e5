# Shared by the benchmark scripts: a scratch dir, free ports, wrk result parsing, the
# reference servers. Sourced, not run. run_wrk uses the caller's CONNECTIONS, DURATION
# and WORK.

# Makes the scratch dir WORK; at exit, every process in PIDS is stopped and WORK removed.
bench_workspace() {
    WORK=$(mktemp -d)
    PIDS=()
    trap cleanup EXIT
}
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    [ ${#PIDS[@]} -eq 0 ] || wait "${PIDS[@]}" 2>/dev/null || true
    rm -rf "$WORK"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Prints "requests/s p50_ms p99_ms non2xx" from wrk --latency output.
run_wrk() {
    local out
    out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@")
    echo "$out" >>"$WORK/wrk.log"
    local rps p50 p99 bad
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    bad=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    echo "$rps $(to_ms "$p50") $(to_ms "$p99") ${bad:-0}"
}

# wrk's "512.00us" / "3.2ms" / "1.1s" as milliseconds.
to_ms() { python3 -c "import sys,re; v=sys.argv[1]; n=float(re.match(r'[0-9.]+',v).group()); u=v[len(re.match(r'[0-9.]+',v).group()):]; print(round(n*{'us':0.001,'ms':1,'s':1000}[u],2))" "$1"; }

# The reference: nginx serving FILE's bytes at PATH with CONTENT_TYPE; checks it serves
# exactly those bytes, then prints run_wrk's line for it. Usage: bench_nginx FILE PATH TYPE
bench_nginx() {
    local file=$1 path=$2 type=$3 port pid
    port=$(free_port)
    cat >"$WORK/nginx.conf" <<NGINX
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$port;
        location = $path { default_type "$type"; alias $file; }
    }
}
NGINX
    # nginx's workers run as nobody: let them read the file.
    chmod 755 "$(dirname "$file")"
    chmod 644 "$file"
    nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
    pid=$!
    sleep 0.5
    if ! curl -sf "http://127.0.0.1:$port$path" | cmp -s - "$file"; then
        cat "$WORK/nginx-error.log" >&2
        echo "nginx does not serve $file at $path" >&2
        kill "$pid"
        return 1
    fi
    run_wrk "http://127.0.0.1:$port$path"
    kill "$pid"
}

# The per-address and per-account limits a real service keeps (sockets per address and per
# user, sign-in attempts per address) would stop a load generator that signs in thousands
# of users and opens their sockets from 127.0.0.1; the benchmarks measure delivery, not the
# limiters, so they are lifted for the run.
bench_lift_limits() {
    export IMSHARE__REALTIME__MAX_SOCKETS_PER_IP=1000000 IMSHARE__REALTIME__MAX_SOCKETS_PER_USER=1000000
    export IMSHARE__AUTH__SIGNIN_IP_FAILURES=1000000 IMSHARE__AUTH__SIGNIN_ACCOUNT_FAILURES=1000000
    export IMSHARE__AUTH__SIGNIN_IP_IN_FLIGHT=1000000
}

# Starts `imshare serve` from TARGET (release) on free ports with a data dir under WORK and
# the per-connection frame rate limit lifted (the real-time benchmarks measure delivery,
# not the limiter); waits until it is ready. Sets BASE and appends the pid to PIDS.
start_realtime_imshare() {
    bench_lift_limits
    local port store_port
    port=$(free_port)
    store_port=$(free_port)
    BASE="http://127.0.0.1:$port"
    IMSHARE__REALTIME__RATE_PER_SEC=1000000 IMSHARE__REALTIME__RATE_BURST=1000000 RUST_LOG=warn \
        "$TARGET/imshare" --data-dir "$WORK/data" serve --listen "127.0.0.1:$port" \
        --store-listen "127.0.0.1:$store_port" >"$WORK/serve.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && return 0; sleep 0.1; done
    cat "$WORK/serve.log" >&2
    return 1
}

# Starts a private mosquitto (QoS 0 reference, nothing persisted) on a free port of
# 127.0.0.1 with its config under WORK. Sets MQTT_PORT and appends the pid to PIDS.
start_mosquitto() {
    MQTT_PORT=$(free_port)
    cat >"$WORK/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence false
log_dest stderr
log_type error
max_queued_messages 1000
CONF
    mosquitto -c "$WORK/mosquitto.conf" 2>"$WORK/mosquitto.log" &
    PIDS+=($!)
    sleep 0.5
}

# mosquitto's version, for the report.
mosquitto_version() { mosquitto -h 2>/dev/null | head -1 | awk '{print $3}'; }
