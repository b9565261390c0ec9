#!/usr/bin/env bash
# Build and run the viewer's libFuzzer targets (tests/viewer/fuzz) with
# clang, ASan and UBSan: the whole input path of `tasktrace` from bytes to
# rendered output.
#   scripts/fuzz-viewer.sh [--time SECONDS] [--build DIR] [TARGET...]   TARGET: ttrace, events
# Default: both, 60 s each. The seed corpus (tests/viewer/fuzz/corpus/T) is
# read, never written: new inputs go to DIR/corpus-viewer-T. A crash leaves
# DIR/crash-* and makes the script fail. (The collector's targets:
# scripts/fuzz.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."
TIME=60
BUILD=build-fuzz
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) TIME=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    ttrace|events) TARGETS+=("$1"); shift ;;
    *) echo "fuzz-viewer.sh: unknown argument '$1' (targets: ttrace, events)" >&2; exit 2 ;;
  esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(ttrace events)
CC=${CLANG:-clang}
command -v "$CC" >/dev/null || { echo "fuzz-viewer.sh: $CC not found (apt-get install clang)" >&2; exit 2; }
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
# The HTML page's assets, embedded as the viewer's CMake build does.
cmake -DOUT="$BUILD/html_assets.c" \
  "-DINPUTS=viewer/src/html/page.css|viewer/src/html/page.js" "-DNAMES=css|js" \
  -P viewer/cmake/embed.cmake
SRC=$(ls viewer/src/*.c tracer/src/codec.c tracer/src/ttreader.c tracer/src/ttwriter.c \
  tracer/src/schema.c | grep -v -E '/(main|cmd_[a-z_]+)\.c$')
BT=$(pkg-config --cflags --libs babeltrace2 2>/dev/null || true)
HAVE_BT=; [ -n "$BT" ] && HAVE_BT=-DTT_HAVE_BABELTRACE2=1
for t in "${TARGETS[@]}"; do
  bin="$BUILD/fuzz-viewer-$t"
  if [ ! -x "$bin" ] || [ -n "$(find viewer tracer/src tests/viewer/fuzz -newer "$bin" \
      \( -name '*.[ch]' -o -name '*.js' -o -name '*.css' \) | head -1)" ]; then
    # shellcheck disable=SC2086
    "$CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -D_GNU_SOURCE $HAVE_BT -Iviewer/include -Iviewer/src -Itracer/include -Itracer/src \
      -o "$bin" "tests/viewer/fuzz/fuzz_$t.c" $SRC "$BUILD/html_assets.c" $BT -lz -lm
  fi
  mkdir -p "$BUILD/corpus-viewer-$t"
  echo "fuzz-viewer.sh: $t for ${TIME}s"
  (cd "$BUILD" && "./fuzz-viewer-$t" -max_total_time="$TIME" -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 "corpus-viewer-$t" "$OLDPWD/tests/viewer/fuzz/corpus/$t") 2>&1 | tail -12
  test "${PIPESTATUS[0]}" -eq 0
done
