#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every benchmark script bench/bench_*.sh against the release build in $1 and print each
# figure with its target; bench/RESULTS.md records a run. A missed target is reported, and the
# exit status is non-zero when any script failed or missed one.
set -u
build=${1:-build}
status=0
for script in "$(dirname "$0")"/bench_*.sh; do
    [ -e "$script" ] || continue
    echo "== $script"
    sh "$script" "$build" || status=1
done
exit "$status"
