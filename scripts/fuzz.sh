#!/usr/bin/env bash
# Build and run the libFuzzer targets with clang, ASan and UBSan.
#   scripts/fuzz.sh [--time SECONDS] [--build DIR] [TARGET...]
# TARGET: reader, stream (the collector's .ttrace format, tests/fuzz);
#         ttrace, events, lttng (the viewer, from bytes to rendered output,
#         tests/viewer/fuzz); default: reader and stream (scripts/fuzz-viewer.sh:
#         ttrace and events), 60 s each. The seed corpus is read, never
#         written: new inputs go to DIR/corpus-BIN. A crash leaves DIR/crash-*
#         and makes the script fail. The test suite runs it for 20 s a target
#         (ctest -L fuzz); for a long run: scripts/fuzz.sh --time 3600.
set -euo pipefail
cd "$(dirname "$0")/.."
TIME=60
BUILD=build-fuzz
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) TIME=${2:-}; shift; [ $# -gt 0 ] && shift ;;
    --build) BUILD=${2:-}; [ -n "$BUILD" ] || { echo "fuzz.sh: --build needs a directory" >&2; exit 2; }; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    reader|stream|ttrace|events|lttng) TARGETS+=("$1"); shift ;;
    *) echo "fuzz.sh: unknown argument '$1' (targets: reader, stream, ttrace, events, lttng)" >&2; exit 2 ;;
  esac
done
[[ "$TIME" =~ ^[1-9][0-9]*$ ]] ||
  { echo "fuzz.sh: --time: '$TIME' is not a number of seconds (try --help)" >&2; exit 2; }
# shellcheck disable=SC2206
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(${TT_FUZZ_DEFAULT:-reader stream})
CC=${CLANG:-clang}
command -v "$CC" >/dev/null || { echo "fuzz.sh: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
# shellcheck disable=SC2054
FUZZ_FLAGS=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE)
# The format room and what it stands on (base, schema): tracer/CMakeLists.txt.
TRACER_SRC="$(echo tracer/format/src/*.c tracer/schema/schema.c base/src/*.c)"
TRACER_INC="-Ibase/include -Itracer/schema/include -Itracer/format/include"

# build_collector T BIN: the collector's reader and stream decoder alone.
build_collector() {
  if [ ! -x "$2" ] || [ -n "$(find base tracer/schema tracer/format tests/fuzz -newer "$2" -name '*.[ch]' | head -1)" ]; then
    # shellcheck disable=SC2086
    "$CC" "${FUZZ_FLAGS[@]}" $TRACER_INC -o "$2" "tests/fuzz/fuzz_$1.c" \
      $TRACER_SRC -lz
  fi
}

# build_viewer T BIN: the whole viewer library, without the command's own files.
build_viewer() {
  if [ ! -x "$2" ] || [ -n "$(find viewer base tracer/schema tracer/format tests/viewer/fuzz -newer "$2" \
      \( -name '*.[ch]' -o -name '*.js' -o -name '*.css' \) | head -1)" ]; then
    # The HTML page's assets, embedded as the viewer's CMake build does.
    cmake -DOUT="$BUILD/html_assets.c" \
      "-DINPUTS=viewer/src/html/page.css|viewer/src/html/page.js" "-DNAMES=css|js" \
      -P viewer/cmake/embed.cmake
    local src=() f bt have_bt=
    for f in viewer/src/*.c; do src+=("$f"); done
    bt=$(pkg-config --cflags --libs babeltrace2 2>/dev/null || true)
    [ -n "$bt" ] && have_bt=-DTT_HAVE_BABELTRACE2=1
    # shellcheck disable=SC2086
    "$CC" "${FUZZ_FLAGS[@]}" $have_bt -Iviewer/include -Iviewer/src $TRACER_INC \
      -o "$2" "tests/viewer/fuzz/fuzz_$1.c" "${src[@]}" $TRACER_SRC "$BUILD/html_assets.c" $bt -lz -lm
  fi
}

for t in "${TARGETS[@]}"; do
  case "$t" in
    reader|stream) name=fuzz-$t; seeds=tests/fuzz/corpus/$t; build_collector "$t" "$BUILD/$name" ;;
    *) name=fuzz-viewer-$t; seeds=tests/viewer/fuzz/corpus/$t; build_viewer "$t" "$BUILD/$name" ;;
  esac
  corpus=corpus-${name#fuzz-}
  mkdir -p "$BUILD/$corpus"
  echo "fuzz.sh: $t for ${TIME}s"
  (cd "$BUILD" && "./$name" -max_total_time="$TIME" -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 "$corpus" "$OLDPWD/$seeds") 2>&1 | tail -12
  test "${PIPESTATUS[0]}" -eq 0
done
