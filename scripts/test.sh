#!/usr/bin/env bash
# Install what is needed, build, run the whole test suite with ctest.
#   scripts/test.sh               build/ , the normal suite (what CI runs)
#   scripts/test.sh --asan        build-asan/ , ASan + UBSan build
#   scripts/test.sh --valgrind    build-valgrind/ , every test program under valgrind
#   TT_TEST_TIMING=1 scripts/test.sh   also the timing-sensitive tests (quiet machine)
# Further arguments go to ctest (e.g. -R lock, -L lttng, -LE fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=normal
case "${1:-}" in
  --asan) mode=asan; shift ;;
  --valgrind) mode=valgrind; shift ;;
  --help|-h) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
TT_SETUP_TEST=1 scripts/setup.sh
case $mode in
  normal) export TT_BUILD_DIR=${TT_BUILD_DIR:-build}; scripts/build.sh ;;
  asan) export TT_BUILD_DIR=build-asan; scripts/build.sh -DTT_SANITIZE=ON ;;
  # Memory errors and definite leaks fail a test; tests/valgrind.supp holds
  # the leaks of other libraries (liblttng-ust's start-up, glibc's
  # resolver), each with its reason. Timeouts are 4 times longer. Programs
  # that tests run (producers, examples, the scripts' commands) are not
  # instrumented: the test programs themselves are.
  valgrind) export TT_BUILD_DIR=build-valgrind
            scripts/build.sh "-DTT_TEST_LAUNCHER=valgrind;-q;--error-exitcode=99;--leak-check=full;--show-leak-kinds=definite;--errors-for-leak-kinds=definite;--suppressions=$PWD/tests/valgrind.supp" \
              -DTT_TEST_TIMEOUT_SCALE=4 ;;
esac
cd "$TT_BUILD_DIR"
# The two-user tests create the user tt-attacker on first use
# (tests/harness/tt_test.c); it goes when the suite ends, however it ends.
cleanup_attacker() { if [ "$(id -u)" = 0 ] && id tt-attacker >/dev/null 2>&1; then userdel tt-attacker || true; fi; }
trap cleanup_attacker EXIT
# Left out unless TT_TEST_TIMING=1: the tests labelled "timing", which bound
# a duration or depend on how fast a producer runs against a stopped
# collector, and so fail on a loaded machine (what they measure belongs in
# the benchmarks; they stay as checks to run by hand on a quiet machine,
# never under valgrind or the sanitizers):
#   lttng.starts_fast                   the first task runs within 20 ms of exec
#   collector.sigstop_collector         a stopped collector costs no wall time
#   producer_security.stopped_collector the same, for the exit flush
# and, inside viewer.html.chromium, the million-event page's redraw bound.
if [ "$mode" != normal ] || [ "${TT_TEST_TIMING:-0}" != 1 ]; then set -- -LE timing "$@"; fi
ctest --output-on-failure -j"$(nproc)" "$@"

