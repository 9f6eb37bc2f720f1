#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every libFuzzer target of a -DURSCOUT_FUZZ=ON build for FUZZ_SECONDS each (default 30),
# one after the other, seeded from tests/fuzz/corpus/<target>/. New inputs go to
# BUILD/fuzz-corpus/<target>/ (the checked-in corpus is not touched), a crash to
# BUILD/fuzz-crashes/. Prints the executions of each target; exits 1 when one crashed.
# Usage: scripts/fuzz.sh [BUILD]   (default build-fuzz)
set -eu
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
failed=""
found=0
mkdir -p "$build/fuzz-crashes"
for bin in "$build"/tests/fuzz_*; do
    [ -x "$bin" ] || continue
    name=${bin##*/fuzz_}
    work="$build/fuzz-corpus/$name"
    mkdir -p "$work"
    seeds="$root/tests/fuzz/corpus/$name"
    [ -d "$seeds" ] || seeds=""
    log="$build/fuzz-$name.log"
    found=$((found + 1))
    # shellcheck disable=SC2086
    if "$bin" "$work" $seeds -max_total_time="$seconds" -max_len=65536 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$build/fuzz-crashes/$name-" >"$log" 2>&1; then
        status=ok
    else
        status=CRASH
        failed="$failed $name"
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    printf 'fuzz %-10s %s: %s runs in %s s, %s, corpus %s files\n' "$name" "$status" \
        "${execs:-?}" "$seconds" "${cov:-cov: ?}" "$(ls "$work" | wc -l)"
done
if [ "$found" = 0 ]; then
    echo "fuzz: no fuzz_* targets in $build/tests (configure with CC=clang -DURSCOUT_FUZZ=ON)" >&2
    exit 1
fi
if [ -n "$failed" ]; then
    echo "fuzz: crashed:$failed (inputs in $build/fuzz-crashes/, logs in $build/fuzz-*.log)" >&2
    exit 1
fi
