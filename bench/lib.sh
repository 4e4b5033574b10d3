# bench/lib.sh — shared by the bench scripts (sourced): a free loopback port, and an
# nginx (1 worker, access_log off, long keep-alive) serving a 1 KB file from a
# temporary directory. Needs DIR set (the script's temporary directory).

# Print a free loopback port (probed; it can be taken before use: retry the start).
bench_free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
    done
    return 1
}

# Start nginx under $DIR; sets PORT, NGX_PID and URL (the 1 KB file). @return 0 or 1.
# NGX_WORKERS=N: N worker processes sharing the port (reuseport); default 1.
bench_start_nginx() {
    local nginx=${NGINX:-nginx}
    mkdir -p "$DIR/www" "$DIR/nginx"
    chmod 755 "$DIR"
    head -c 1024 /dev/zero | tr '\0' x >"$DIR/www/1k"
    chmod -R a+rX "$DIR/www"
    for _ in 1 2 3; do
        PORT=$(bench_free_port) || return 1
        cat >"$DIR/nginx.conf" <<NGX
worker_processes ${NGX_WORKERS:-1};
daemon off;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/error.log;
events { worker_connections 65536; }
worker_rlimit_nofile 70000;
http {
    access_log off;
    client_body_temp_path $DIR/nginx;
    proxy_temp_path $DIR/nginx;
    fastcgi_temp_path $DIR/nginx;
    uwsgi_temp_path $DIR/nginx;
    scgi_temp_path $DIR/nginx;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    server {
        listen 127.0.0.1:$PORT${NGX_WORKERS:+ reuseport};
        root $DIR/www;
    }
}
NGX
        ${NGX_CPU:+taskset -c "$NGX_CPU"} "$nginx" -c "$DIR/nginx.conf" -p "$DIR/nginx" >"$DIR/nginx/stdout" 2>&1 &
        NGX_PID=$!
        for _ in $(seq 1 100); do
            kill -0 "$NGX_PID" 2>/dev/null || break
            if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
                URL="http://127.0.0.1:$PORT/1k"
                return 0
            fi
            sleep 0.05
        done
        kill "$NGX_PID" 2>/dev/null; wait "$NGX_PID" 2>/dev/null; NGX_PID=""
    done
    return 1
}

# Stop what bench_start_nginx started (safe when nothing was).
bench_stop_nginx() {
    if [ -n "${NGX_PID:-}" ]; then
        kill "$NGX_PID" 2>/dev/null
        wait "$NGX_PID" 2>/dev/null
        NGX_PID=""
    fi
}
