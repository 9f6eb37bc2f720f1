#!/bin/sh
# SPDX-License-Identifier: MIT
# Search latency on 10,000 and 100,000 stored postings: realistic queries with filters
# (median, p99), and the text query against bare SQLite FTS5 on the same file (target: within
# 1.3x). BENCH_WORST=1 makes every posting hold every query word.
# Usage: bench/bench_search.sh [BUILD_DIR] [SIZES]   (a Release build; default "10000 100000")
set -eu
build=${1:-build}
sizes=${2:-10000 100000}
cmake --build "$build" --target bench_search >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
for n in $sizes; do
    "$build/bench/bench_search" "$n" "$tmp/search-$n.db"
done
