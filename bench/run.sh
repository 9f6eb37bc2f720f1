#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every benchmark script bench/*.sh (except this one) against the release build in $1.
set -eu
build=${1:-build}
for script in "$(dirname "$0")"/bench_*.sh; do
    [ -e "$script" ] || continue
    echo "== $script"
    sh "$script" "$build"
done
