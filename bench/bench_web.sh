#!/bin/sh
# SPDX-License-Identifier: MIT
# Web pages under load: wrk (Debian package wrk; bench only, not in install-deps.sh) with 64
# keep-alive connections against GET /p/TOKEN (preferences) and the RFC 8058 one-click
# POST /u/TOKEN, 10 s each. Prints requests/s and p99 latency; fails below 2,000 req/s.
set -eu
build=${1:-build}
seconds=${BENCH_SECONDS:-10}
command -v wrk >/dev/null || { echo "bench_web: needs wrk (apt-get install wrk)" >&2; exit 1; }
cmake --build "$build" --target urscout >/dev/null
urscout=$(cd "$build" && pwd)/urscout
tmp=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
export URSCOUT_HMAC_KEY="bench-hmac-key-0123456789abcdef!"
cat >"$tmp/urscout.ini" <<INI
[general]
database = $tmp/urscout.db
bundled_sources = false
[delivery]
from = digest@urscout.example.org
postal_address = urscout Inc, 100 Main St, Springfield, IL
maildir = $tmp/Maildir
[web]
base_url = http://127.0.0.1/
INI
"$urscout" --config "$tmp/urscout.ini" subscriber add bench@example.org --discipline PT >/dev/null
"$urscout" --config "$tmp/urscout.ini" web --port 0 >"$tmp/addr" 2>"$tmp/log" &
pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$tmp/addr" ] && break; sleep 0.5; done
addr=$(head -1 "$tmp/addr")
[ -n "$addr" ] || { echo "bench_web: urscout web did not start" >&2; cat "$tmp/log" >&2; exit 1; }
# the signed links of subscriber 1 (notifier/token.c: HMAC-SHA256, 128 bits, base64url)
token() {
    python3 -c 'import base64,hashlib,hmac,os,sys
mac=hmac.new(os.environ["URSCOUT_HMAC_KEY"].encode(),("urscout-token-v1:%s:1"%sys.argv[1]).encode(),hashlib.sha256).digest()[:16]
print("%s1.%s"%(sys.argv[1],base64.urlsafe_b64encode(mac).decode().rstrip("=")))' "$1"
}
cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "List-Unsubscribe=One-Click"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
status=0
run() { # name, url, extra wrk args
    name=$1 url=$2
    shift 2
    out=$(wrk -t 2 -c 64 -d "${seconds}s" --latency "$@" "$url")
    rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ {print $2}')
    p99=$(printf '%s\n' "$out" | awk '$1 == "99%" {print $2}')
    errs=$(printf '%s\n' "$out" | awk '/Non-2xx|Socket errors/ {print}')
    printf 'web %-28s %10s req/s   p99 %8s   (64 keep-alive connections, %ss)%s\n' \
        "$name" "$rps" "$p99" "$seconds" "${errs:+   $errs}"
    if awk -v r="$rps" 'BEGIN {exit !(r < 2000)}'; then
        echo "bench_web: $name below 2,000 requests/s" >&2
        status=1
    fi
}
run "GET /p/TOKEN (preferences)" "$addr/p/$(token p)"
run "POST /u/TOKEN (one-click)" "$addr/u/$(token u)" -s "$tmp/post.lua"
exit $status
