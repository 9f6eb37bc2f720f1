#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end crawl throughput: a generated site of 10,000 postings (20 employers, paginated
# listings, ~57 KB detail pages with JSON-LD) served by nginx on 127.0.0.1, politeness off;
# `urscout crawl` fetches, extracts, classifies and stores it. Prints pages/s, postings/s,
# CPU seconds per 1,000 postings and peak RSS.
# Targets (2 cores): >= 1,600 postings/s, <= 0.6 CPU s per 1,000 postings, <= 30 MB RSS.
# Usage: bench/bench_crawl.sh [BUILD_DIR]   (a Release build; default: build)
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
site=${URSCOUT_BENCH_SITE:-/tmp/urscout-bench-site}

if [ ! -x /usr/bin/time ]; then
    echo "bench_crawl: installing the Debian package time (for /usr/bin/time -v)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || {
    echo "bench_crawl: nginx is missing (apt-get install nginx-light)" >&2
    exit 1
}
nginx=$(command -v nginx || echo /usr/sbin/nginx)

cmake --build "$build" --target urscout >/dev/null
urscout="$build/urscout"
[ -x "$urscout" ] || urscout="$build/cli/urscout"

if [ ! -f "$site/.complete" ]; then
    rm -rf "$site"
    python3 "$here/gen_site.py" "$site"
    touch "$site/.complete"
fi
chmod -R a+rX "$site"

tmp=$(mktemp -d)
cleanup() {
    [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    default_type text/html;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server { listen 127.0.0.1:$port; root $site; }
}
EOF
"$nginx" -p "$tmp/nginx" -c "$tmp/nginx.conf"
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 50 ] || { echo "bench_crawl: nginx did not start" >&2; exit 1; }
    sleep 0.1
done

{
    printf '[general]\ndatabase = %s/bench.db\nbundled_sources = no\n' "$tmp"
    printf '[crawl]\nconcurrency = 16\nhost_connections = 8\nhost_delay = 0s\n'
    printf 'robots = no\nallow_hosts = 127.0.0.1\n'
    for d in "$site"/emp*; do
        e=$(basename "$d")
        printf '[source "%s"]\nkind = html\nurl = http://127.0.0.1:%s/%s/list-1.html\n' \
            "$e" "$port" "$e"
        printf "list_xpath = //a[@class='job']/@href\n"
    done
} >"$tmp/urscout.ini"

status=0
# URSCOUT_BENCH_WRAP runs the crawl under a profiler, e.g. "perf record -g -o /tmp/crawl.perf"
# shellcheck disable=SC2086
/usr/bin/time -v -o "$tmp/time.txt" ${URSCOUT_BENCH_WRAP:-} "$urscout" --config "$tmp/urscout.ini" crawl --no-progress \
    >"$tmp/out.txt" 2>"$tmp/err.txt" || status=$?
if [ "$status" != 0 ]; then
    echo "bench_crawl: urscout crawl exited $status" >&2
    head -20 "$tmp/out.txt" "$tmp/err.txt" >&2
fi

awk -v timefile="$tmp/time.txt" '
    /^source=/ {
        for (i = 1; i <= NF; i++) {
            split($i, kv, "=")
            if (kv[1] == "postings") postings += kv[2]
            if (kv[1] == "pages") pages += kv[2]
        }
        sources++
    }
    END {
        while ((getline line < timefile) > 0) {
            if (line ~ /User time/) { sub(/.*: /, "", line); user = line }
            if (line ~ /System time/) { sub(/.*: /, "", line); sys = line }
            if (line ~ /Maximum resident/) { sub(/.*: /, "", line); rss = line }
            if (line ~ /Elapsed \(wall clock\)/) {
                sub(/.*: /, "", line); n = split(line, t, ":")
                wall = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2]
            }
        }
        cpu = user + sys
        printf "crawl: %d sources, %d pages, %d postings in %.2f s wall, %.2f s CPU (user %.2f, sys %.2f)\n", sources, pages, postings, wall, cpu, user, sys
        if (wall > 0 && postings > 0) {
            printf "  pages/s               %8.0f\n", pages / wall
            printf "  postings/s            %8.0f   (target >= 1600)\n", postings / wall
            printf "  CPU s / 1000 postings %8.3f   (target <= 0.6)\n", cpu * 1000 / postings
        }
        printf "  peak RSS              %8.1f MB (target <= 30)\n", rss / 1024
    }' "$tmp/out.txt"
exit "$status"
