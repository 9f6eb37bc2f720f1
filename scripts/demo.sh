#!/bin/sh
# SPDX-License-Identifier: MIT
# `make demo`: the whole pipeline offline. Serves a generated career site (six source formats)
# on 127.0.0.1, adds two example subscribers, runs `urscout run --once`, shows the digests.
set -eu

bin=${1:-build/urscout}
work=${DEMO_DIR:-demo}
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3

rm -rf "$work"
mkdir -p "$work/site"
"$python" "$here/site_server.py" "$work/site" "$work/port" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
# the routes must exist before the first request; the port file appears when it listens
i=0
while [ ! -s "$work/port" ]; do
    i=$((i + 1))
    [ "$i" -le 100 ] || { echo "demo: the site server did not start" >&2; exit 1; }
    sleep 0.1
done
base="http://127.0.0.1:$(cat "$work/port")"

# an HMAC key for unsubscribe tokens, readable by the owner only
umask 077
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/hmac.key"
umask 022
"$python" "$here/demo_site.py" "$work/site" "$base" --config "$work/urscout.ini" \
    --db "$work/urscout.db" --maildir "$work/mail" --hmac-key-file "$work/hmac.key"
echo "demo: career site with 6 sources on $base (config $work/urscout.ini)"

u() { "$bin" --config "$work/urscout.ini" "$@"; }
u subscriber add pat.pt@example.com --name "Pat (PT)" --discipline PT,OT --mode remote \
    --frequency daily
u subscriber add sam.rn@example.com --name "Sam (RN)" --discipline RN --frequency daily
echo
u run --once || status=$?
echo
echo "demo: postings stored (urscout search --ur):"
u search --ur
echo
echo "demo: digests delivered to the Maildir $work/mail/new/:"
for m in "$work"/mail/new/*; do
    [ -e "$m" ] || { echo "  (none)"; break; }
    to=$(grep -m1 '^To:' "$m" | cut -c5-)
    echo "  $m  ->$to"
done
echo
echo "demo: read one with: $bin --config $work/urscout.ini digest preview pat.pt@example.com --last --html $work/digest.html"
exit "${status:-0}"
