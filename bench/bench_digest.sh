#!/bin/sh
# SPDX-License-Identifier: MIT
# Digest building: subscribers with varied filters against 5,000 new postings, up to 25
# postings per digest (the rest summarised and recorded as delivered), each digest rendered
# (text + HTML, MIME) and recorded. Targets: 10,000 subscribers under 2 s, 100,000 under 20 s.
# Usage: bench/bench_digest.sh [BUILD_DIR] [SUBSCRIBERS] [POSTINGS]   (a Release build; with
# no SUBSCRIBERS both 10,000 and 100,000 run)
set -eu
build=${1:-build}
cmake --build "$build" --target bench_digest >/dev/null
if [ -n "${2:-}" ]; then
    "$build/bench/bench_digest" "$2" "${3:-5000}"
else
    status=0
    /usr/bin/time -f "bench_digest: peak RSS %M KB" "$build/bench/bench_digest" 10000 5000 || status=$?
    /usr/bin/time -f "bench_digest: peak RSS %M KB" "$build/bench/bench_digest" 100000 5000 || status=$?
    exit "$status"
fi
