#!/bin/sh
# SPDX-License-Identifier: MIT
# Classifier throughput on synthetic ~5 KB postings; the target is 20,000 postings/s on one core.
set -eu
build=${1:-build}
"$build/bench/bench_classify" "${2:-50000}"
