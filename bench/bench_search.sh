#!/bin/sh
# SPDX-License-Identifier: MIT
# Two-word FTS search latency on 100,000 stored postings (target: well under 50 ms).
set -eu
build=${1:-build}
cmake --build "$build" --target bench_search >/dev/null
tmp=$(mktemp -d)
"$build/bench/bench_search" 100000 "$tmp/search.db"
rm -rf "$tmp"
