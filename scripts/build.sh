#!/usr/bin/env bash
# Configure (once) and build into build/ (or $TT_BUILD_DIR). Extra arguments
# go to cmake's configure step, e.g. scripts/build.sh -DTT_SANITIZE=ON.
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
BUILD=${TT_BUILD_DIR:-build}
if [ ! -f "$BUILD/CMakeCache.txt" ] || [ "$#" -gt 0 ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
fi
cmake --build "$BUILD" -j"$(nproc)"
