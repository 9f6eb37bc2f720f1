#!/bin/sh
# SPDX-License-Identifier: MIT
# Soak (issue 11): the daemon (`urscout run`) with 1-minute source intervals against the
# generated local site for SOAK_MINUTES (default 10). Prints its resident set and open
# descriptors each minute and fails when, after the first cycle, RSS grew by more than
# SOAK_RSS_SLACK_KB (default 8192) or descriptors by more than 4. Not part of `make test`.
# Usage: scripts/soak.sh [URSCOUT_BINARY]   (default build/urscout)
set -eu
bin=$(cd "$(dirname "${1:-build/urscout}")" && pwd)/$(basename "${1:-build/urscout}")
minutes=${SOAK_MINUTES:-10}
slack=${SOAK_RSS_SLACK_KB:-8192}
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/urscout-soak.XXXXXX")
server=""
daemon=""
cleanup() {
    [ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true
    [ -z "$server" ] || kill "$server" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/site"
"$python" "$here/site_server.py" "$work/site" "$work/port" &
server=$!
i=0
while [ ! -s "$work/port" ]; do
    i=$((i + 1))
    [ "$i" -le 100 ] || { echo "soak: the site server did not start" >&2; exit 1; }
    sleep 0.1
done
base="http://127.0.0.1:$(cat "$work/port")"
umask 077
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/hmac.key"
umask 022
"$python" "$here/demo_site.py" "$work/site" "$base" --config "$work/urscout.ini" \
    --db "$work/urscout.db" --maildir "$work/mail" --hmac-key-file "$work/hmac.key" >/dev/null
sed -i 's/^interval = 1h$/interval = 1m/' "$work/urscout.ini"
"$bin" --config "$work/urscout.ini" subscriber add soak@example.com --discipline PT,OT,RN \
    --frequency daily >/dev/null

"$bin" --config "$work/urscout.ini" run >"$work/daemon.log" 2>&1 &
daemon=$!
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$daemon/status" 2>/dev/null; }
sql() { # one row, its columns separated by spaces (Python's sqlite3: no extra package)
    "$python" -c 'import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True, timeout=5)
print(*c.execute(sys.argv[2]).fetchone())' "$work/urscout.db" "$1" 2>/dev/null || echo '? ?'
}
fds() { ls "/proc/$daemon/fd" 2>/dev/null | wc -l; }
echo "soak: $bin, $minutes minutes, site $base"
printf '%6s %10s %5s %6s %9s\n' minute rss_kb fds cycles postings
base_rss=""
base_fds=""
status=0
m=0
while [ "$m" -lt "$minutes" ]; do
    sleep 60
    m=$((m + 1))
    if ! kill -0 "$daemon" 2>/dev/null; then
        echo "soak: the daemon exited; its log:" >&2
        tail -n 20 "$work/daemon.log" >&2
        exit 1
    fi
    r=$(rss)
    f=$(fds)
    counts=$(sql 'SELECT (SELECT count(*) FROM run_log), (SELECT count(*) FROM postings)')
    cycles=${counts% *}
    posts=${counts#* }
    printf '%6d %10s %5s %6s %9s\n' "$m" "$r" "$f" "$cycles" "$posts"
    if [ -z "$base_rss" ]; then
        base_rss=$r
        base_fds=$f
    elif [ "$r" -gt $((base_rss + slack)) ] || [ "$f" -gt $((base_fds + 4)) ]; then
        echo "soak: grew beyond the bound (RSS $base_rss -> $r kB, fds $base_fds -> $f)" >&2
        status=1
    fi
done
kill -TERM "$daemon"
wait "$daemon" || true
daemon=""
echo "soak: RSS $base_rss -> $r kB, fds $base_fds -> $f over $minutes minutes"
exit "$status"
