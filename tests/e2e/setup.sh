#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the browser tests' npm packages from package-lock.json, once: when playwright-core
# of the locked version is already in node_modules, nothing is fetched.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
want=$(node -e 'console.log(require(process.argv[1]).packages["node_modules/playwright-core"].version)' \
    "$dir/package-lock.json")
have=$(node -e 'try{console.log(require(process.argv[1]).version)}catch(e){console.log("")}' \
    "$dir/node_modules/playwright-core/package.json")
if [ "$want" = "$have" ]; then
    exit 0
fi
npm ci --prefix "$dir" --no-audit --no-fund
