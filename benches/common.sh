# Shared by the benchmark scripts: free ports and wrk result parsing. Sourced, not run.
# run_wrk uses the caller's CONNECTIONS, DURATION and WORK.

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
