#!/bin/sh
# SPDX-License-Identifier: MIT
# Install every Debian package urscout needs to build and test, when one is missing.
set -eu

missing=""
need_pc() { # pkg-config module, Debian package
    pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"
}
need_cmd() { # command, Debian package
    command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || missing="$missing $2"
}

command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
need_cmd cmake cmake
need_cmd cc gcc
need_cmd make make
need_pc libcurl libcurl4-openssl-dev
need_pc libxml-2.0 libxml2-dev
need_pc sqlite3 libsqlite3-dev
need_pc libesmtp-1.0 libesmtp-dev
need_pc jansson libjansson-dev
need_pc inih libinih-dev
need_pc libpcre2-8 libpcre2-dev
need_pc libcrypto libssl-dev
need_pc libargon2 libargon2-dev # coach passwords (Argon2id)
need_pc cmocka libcmocka-dev
# the CSV fuzz target's oracle (libcsv has no pkg-config file)
[ -f /usr/include/csv.h ] || missing="$missing libcsv-dev"
need_pc libmicrohttpd libmicrohttpd-dev # the web pages
need_pc glib-2.0 libglib2.0-dev # subscribers' time zones (GTimeZone)
need_pc libutf8proc libutf8proc-dev # display width of table cells (common/utf8.c)
need_pc zlib zlib1g-dev # crawler tests: the loopback server's gzip bomb
# test servers: Debian's Python with aiosmtpd (SMTP sink), nginx (HTTP), openssl (test certs)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing="$missing python3 python3-aiosmtpd"
need_cmd nginx nginx-light
# subscribers' time zones (the notifier reads /usr/share/zoneinfo)
[ -f /usr/share/zoneinfo/America/Chicago ] || missing="$missing tzdata"
need_cmd openssl openssl
# browser end-to-end tests (tests/e2e): Debian chromium driven by playwright-core from npm
need_cmd chromium chromium
need_cmd npm npm
# CI extras: libFuzzer targets (`make fuzz`, clang with its runtime) and valgrind memcheck
need_cmd clang-14 clang-14
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
    missing="$missing libclang-rt-14-dev"
need_cmd valgrind valgrind

if [ -z "$missing" ]; then
    exit 0
fi
echo "install-deps: missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: run as root: apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
