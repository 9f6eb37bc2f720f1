#!/bin/sh
# SPDX-License-Identifier: MIT
# Digest building: 10,000 subscribers with varied filters against 5,000 new postings, each
# digest rendered (text + HTML, MIME) and recorded with its deliveries. Target: under 2 s.
# Usage: bench/bench_digest.sh [BUILD_DIR] [SUBSCRIBERS] [POSTINGS]   (a Release build)
set -eu
build=${1:-build}
cmake --build "$build" --target bench_digest >/dev/null
"$build/bench/bench_digest" "${2:-10000}" "${3:-5000}"
