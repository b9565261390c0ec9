#!/usr/bin/env bash
# Build and run the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan.
#   scripts/fuzz.sh [--time SECONDS] [--build DIR] [TARGET...]   TARGET: reader, stream
# Default: both targets, 60 s each. The seed corpus (tests/fuzz/corpus/T) is
# read, never written: new inputs go to DIR/corpus-T. A crash leaves
# DIR/crash-* and makes the script fail. The test suite runs it for 20 s a
# target (ctest -L fuzz); for a long run: scripts/fuzz.sh --time 3600.
set -euo pipefail
cd "$(dirname "$0")/.."
TIME=60
BUILD=build-fuzz
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) TIME=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    reader|stream) TARGETS+=("$1"); shift ;;
    *) echo "fuzz.sh: unknown argument '$1' (targets: reader, stream)" >&2; exit 2 ;;
  esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(reader stream)
CC=${CLANG:-clang}
command -v "$CC" >/dev/null || { echo "fuzz.sh: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
mkdir -p "$BUILD"
SRC="tracer/src/codec.c tracer/src/ttreader.c tracer/src/ttwriter.c tracer/src/schema.c"
for t in "${TARGETS[@]}"; do
  bin="$BUILD/fuzz-$t"
  if [ ! -x "$bin" ] || [ -n "$(find tracer/src tests/fuzz -newer "$bin" -name '*.[ch]' | head -1)" ]; then
    "$CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -D_GNU_SOURCE -Itracer/include -Itracer/src -o "$bin" "tests/fuzz/fuzz_$t.c" $SRC -lz
  fi
  mkdir -p "$BUILD/corpus-$t"
  echo "fuzz.sh: $t for ${TIME}s"
  (cd "$BUILD" && "./fuzz-$t" -max_total_time="$TIME" -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 "corpus-$t" "$OLDPWD/tests/fuzz/corpus/$t") 2>&1 | tail -12
  test "${PIPESTATUS[0]}" -eq 0
done
