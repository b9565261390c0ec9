#!/usr/bin/env bash
# Install what is needed, build into build/, run the whole test suite.
# Extra arguments go to ctest (e.g. -R lock, -L lttng).
set -euo pipefail
cd "$(dirname "$0")/.."
TT_SETUP_TEST=1 scripts/setup.sh
scripts/build.sh
cd "${TT_BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" "$@"
