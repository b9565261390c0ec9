#!/usr/bin/env bash
# Install what is needed, build, run the whole test suite with ctest.
#   scripts/test.sh               build/ , the normal suite (what CI runs)
#   scripts/test.sh --asan        build-asan/ , ASan + UBSan build
#   scripts/test.sh --valgrind    build-valgrind/ , every test program under valgrind
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
  valgrind) export TT_BUILD_DIR=build-valgrind
            scripts/build.sh "-DTT_TEST_LAUNCHER=valgrind;-q;--error-exitcode=99;--leak-check=full;--errors-for-leak-kinds=definite" ;;
esac
cd "$TT_BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" "$@"
