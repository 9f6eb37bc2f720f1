#!/bin/sh
# SPDX-License-Identifier: MIT
# CI check (RELIABILITY.md H3): a MAC is only ever compared in constant time. In the given
# folders (default: web) no memcmp/bcmp may appear at all, no str*cmp call may touch a token,
# MAC, HMAC or signature, and the unsubscribe routes must verify through notify_token_verify;
# notifier/token.c must compare with CRYPTO_memcmp and nothing else.
# usage: check-mac-compare.sh SOURCE_ROOT [FOLDER...]
set -eu
root=${1:?usage: check-mac-compare.sh SOURCE_ROOT [FOLDER...]}
shift
[ $# -gt 0 ] || set -- web
status=0
fail() {
    echo "check-mac-compare: $*" >&2
    status=1
}
for dir in "$@"; do
    files=$(find "$root/$dir" -name '*.[ch]' | sort)
    [ -n "$files" ] || fail "$dir: no C sources found"
    for f in $files; do
        # shellcheck disable=SC2086
        if grep -nE '\<(memcmp|bcmp|timingsafe_bcmp)\>' "$f" | grep -v 'CRYPTO_memcmp' >/dev/null; then
            fail "$f: memcmp/bcmp is not allowed here (compare MACs with notify_token_verify):"
            grep -nE '\<(memcmp|bcmp)\>' "$f" | grep -v 'CRYPTO_memcmp' >&2
        fi
        if grep -nE '\<str(n)?(case)?cmp\>' "$f" | grep -iE '\<(token|mac|hmac|sig|signature|tok)' >/dev/null; then
            fail "$f: a string comparison touches a token or MAC:"
            grep -nE '\<str(n)?(case)?cmp\>' "$f" | grep -iE '\<(token|mac|hmac|sig|signature|tok)' >&2
        fi
    done
    # shellcheck disable=SC2086
    grep -l 'notify_token_verify' $files >/dev/null 2>&1 ||
        fail "$dir: nothing calls notify_token_verify"
done
token_c="$root/notifier/token.c"
if [ -f "$token_c" ]; then
    grep -q 'CRYPTO_memcmp' "$token_c" || fail "$token_c: no CRYPTO_memcmp"
    if grep -nE '\<(memcmp|bcmp|strcmp|strncmp)\>' "$token_c" | grep -v 'CRYPTO_memcmp' >/dev/null; then
        fail "$token_c: a plain comparison next to the MAC code:"
        grep -nE '\<(memcmp|bcmp|strcmp|strncmp)\>' "$token_c" | grep -v 'CRYPTO_memcmp' >&2
    fi
fi
[ $status -eq 0 ] && echo "check-mac-compare: ok ($*)"
exit $status
