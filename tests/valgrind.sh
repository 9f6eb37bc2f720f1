#!/bin/sh
# SPDX-License-Identifier: MIT
# Valgrind memcheck of the end-to-end test (issue 11): a build without sanitizers in BUILD
# (default build-valgrind), then tests/integration/test_run.c (its end-to-end, embedded
# defaults and secrets tests; the daemon tests' 5 s bounds do not allow for valgrind) with every urscout it starts
# under memcheck: leaks (definite, indirect), invalid reads and writes, uninitialised values.
# Any error makes that urscout exit 99, so the test fails; the per-process logs are kept in
# BUILD/valgrind/ and their error summaries are printed.
# Usage: tests/valgrind.sh [BUILD]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-valgrind}
jobs=${JOBS:-2}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DURSCOUT_SANITIZE=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target urscout test_run
build=$(cd "$build" && pwd)
logs="$build/valgrind"
rm -rf "$logs"
mkdir -p "$logs"
wrapper="$logs/urscout"
cat >"$wrapper" <<WRAP
#!/bin/sh
exec valgrind --quiet --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --track-origins=yes --error-exitcode=99 \\
    --log-file="$logs/vg-%p.log" "$build/urscout" "\$@"
WRAP
chmod +x "$wrapper"
status=0
# the daemon tests bound signal handling at 5 s, which valgrind's slowdown breaks: left out
URS_TEST_SKIP='test_daemon_*' URS_SOURCE_DIR="$root" URS_BIN="$wrapper" CMOCKA_TEST_ABORT=1 "$build/tests/test_run" || status=$?
runs=$(ls "$logs"/vg-*.log 2>/dev/null | wc -l)
bad=""
for f in "$logs"/vg-*.log; do # --quiet: a log holds only errors and leaks
    [ ! -s "$f" ] || bad="$bad $f"
done
if [ -n "$bad" ]; then
    for f in $bad; do
        echo "== $f"
        head -n 60 "$f"
    done
    status=1
fi
echo "valgrind: $runs urscout processes under memcheck, $(echo $bad | wc -w) with errors, test exit $status"
exit "$status"
