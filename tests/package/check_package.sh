#!/bin/sh
# tasktrace as a package (README "Using tasktrace in your project"): install
# the build into a fresh prefix, then build prog.c outside the tree the
# three ways the README gives, run each, and record one of them with LTTng.
#   check_package.sh BUILD_DIR SRC_DIR MODE
#   MODE: install (files, pkg-config, find_package), subdir (add_subdirectory),
#         lttng (a plain LTTng session records the installed program; 77 without lttng),
#         deb (cpack -G DEB: the package's files and Depends)
set -u
build=$1 src=$2 mode=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tt-package.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
p=$tmp/prefix
install_prefix() {
  cmake --install "$build" --prefix "$p" >"$tmp/install.log" 2>&1 ||
    { echo "FAIL: cmake --install: $(tail -5 "$tmp/install.log")"; exit 1; }
}
# consumer DIR LINE...: a CMake project of prog.c whose CMakeLists ends with LINE...
consumer() {
  d=$1; shift
  mkdir -p "$d"
  cp "$src/tests/package/prog.c" "$d/"
  { echo "cmake_minimum_required(VERSION 3.21)"; echo "project(consumer C)"
    for l in "$@"; do echo "$l"; done; } >"$d/CMakeLists.txt"
}
# write_racy: $tmp/racy.c, two tasks' lost update on x (read, yield, write).
write_racy() {
  cat >"$tmp/racy.c" <<'RACY'
#include <tasktrace/tasktrace.h>
static int x;
static int bump(void *arg) {
  int v = x;
  tt_yield();
  x = v + 1;
  return 0;
}
static int run(void *arg) {
  tt_task *t[2];
  tt_spawn(&t[0], bump, NULL, "a");
  tt_spawn(&t[1], bump, NULL, "b");
  return tt_gather(t, 2, NULL, TT_FOREVER);
}
int main(void) { return tt_run(run, NULL); }
RACY
}
# run_racy NAME FILE: an instrumented racy program reports its race and
# exits 66, with file:line from the debug info.
run_racy() {
  "$2" >"$tmp/race.out" 2>&1
  st=$?
  [ $st = 66 ] && grep -q "^tasktrace: race: lost update on 'x' (observed)" "$tmp/race.out" &&
    grep -q "read it at .*racy\.c:4" "$tmp/race.out" || fail "$1: exit $st: $(cat "$tmp/race.out")"
}
# run_plain NAME FILE: the same program not instrumented: no report, exit 0.
run_plain() {
  out=$("$2" 2>&1) || { fail "$1: exit $?: $out"; return; }
  [ -z "$out" ] || fail "$1 printed: $out"
}
# racy_lines: lines of a consumer's CMakeLists.txt: racy.c instrumented, and as plain
# as the instrumented one's runtime (the static library).
racy_lines() {
  echo "add_executable(racy racy.c)"; echo "tasktrace_race_instrument(racy)"
  echo "add_executable(plain racy.c)"; echo "target_link_libraries(plain PRIVATE tasktrace::tasktrace_static)"
}
run_prog() { # run_prog NAME FILE: it must print "balance 20"
  out=$("$2" 2>&1) || { fail "$1: exit $?: $out"; return; }
  [ "$out" = "balance 20" ] || fail "$1: printed '$out'"
}

case $mode in
install)
  install_prefix
  for f in bin/tasktrace bin/tasktraced include/tasktrace/tasktrace.h include/tasktrace/defs.h \
      include/tasktrace/schema.h include/tasktrace/ttrace.h lib/libtasktrace.a lib/libtasktrace.so.0 \
      lib/pkgconfig/tasktrace.pc lib/cmake/tasktrace/tasktrace-config.cmake \
      bin/tasktrace-cc lib/libtasktrace-race.a lib/pkgconfig/tasktrace-race.pc \
      lib/cmake/tasktrace/tasktrace-race.cmake; do
    [ -e "$p/$f" ] || fail "not installed: $f"
  done
  # Nothing internal goes out: no base or emission header.
  for f in tt_base.h tasktrace/emit.h tasktrace/wire.h tasktrace/ingest.h; do
    [ ! -e "$p/include/$f" ] || fail "installed an internal header: $f"
  done
  # The shared library exports the API and none of the containers or escaping.
  if nm -D --defined-only "$p/lib/libtasktrace.so.0" | grep -qE " (tt_esc|tt_escape|tt_now_ns)$"; then
    fail "libtasktrace.so exports internal symbols"
  fi
  "$p/bin/tasktrace" --help >/dev/null 2>&1 || fail "installed tasktrace --help"
  # The man pages: every command and every option of its --help, and they
  # render without a groff warning.
  for m in man1/tasktrace.1 man7/tasktrace.7 man8/tasktraced.8; do
    [ -s "$p/share/man/$m" ] || { fail "no man page $m"; continue; }
    if command -v groff >/dev/null; then
      w=$(groff -k -man -Tutf8 -ww -z "$p/share/man/$m" 2>&1)
      [ -z "$w" ] || fail "$m: groff: $w"
    fi
  done
  for cmd in $("$p/bin/tasktrace" --help | awk '/^commands:$/ { c = 1; next } c && /^  [a-z]/ { print $1 }'); do
    grep -q "^\.SH \"TASKTRACE $(echo "$cmd" | tr a-z A-Z)\"" "$p/share/man/man1/tasktrace.1" || fail "tasktrace.1 lacks $cmd"
    for o in $("$p/bin/tasktrace" "$cmd" --help | grep -oE '^ +--[a-z-]+' | tr -d ' '); do
      grep -qF "\\fB$(echo "$o" | sed 's/-/\\-/g')" "$p/share/man/man1/tasktrace.1" || fail "tasktrace.1 lacks $cmd $o"
    done
  done
  # bash completion: commands, then a command's options, from the installed programs.
  c="$p/share/bash-completion/completions"
  [ -s "$c/tasktrace" ] && [ -s "$c/tasktraced" ] || fail "no bash completion"
  got=$(PATH="$p/bin:$PATH" bash -c '. "$1"; COMP_WORDS=(tasktrace su); COMP_CWORD=1; _tasktrace
    echo "${COMPREPLY[*]}"; COMP_WORDS=(tasktrace summary --max); COMP_CWORD=2; _tasktrace
    echo "${COMPREPLY[*]}"; COMP_WORDS=(tasktraced --fl); COMP_CWORD=1; _tasktraced
    echo "${COMPREPLY[*]}"' _ "$c/tasktrace" 2>&1)
  [ "$got" = "$(printf 'summary\n--max-tasks\n--flight-recorder')" ] || fail "bash completion offered: $got"
  grep -q "TASKTRACE_DEBUG" "$p/share/man/man7/tasktrace.7" || fail "tasktrace.7 lacks TASKTRACE_DEBUG"
  grep -q "slow step" "$p/share/man/man7/tasktrace.7" || fail "tasktrace.7 lacks the debug-mode messages"
  # 1. pkg-config, shared.
  PKG_CONFIG_PATH=$p/lib/pkgconfig
  export PKG_CONFIG_PATH
  flags=$(pkg-config --cflags --libs tasktrace) || fail "pkg-config tasktrace"
  # shellcheck disable=SC2086
  cc -std=gnu11 -o "$tmp/pc" "$src/tests/package/prog.c" $flags -Wl,-rpath,"$p/lib" \
    >"$tmp/cc.log" 2>&1 || fail "pkg-config build: $(cat "$tmp/cc.log")"
  run_prog pkg-config "$tmp/pc"
  ldd "$tmp/pc" | grep -q "$p/lib/libtasktrace.so.0" || fail "pkg-config program does not load the installed library"
  # The race detector, installed: tasktrace-cc's version, and a racy
  # program built with pkg-config's lines (compile, then link) and with
  # the installed tasktrace-cc, each reporting its race.
  v=$(sed -n 's/^project(tasktrace VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
  [ "$("$p/bin/tasktrace-cc" --version | head -1)" = "tasktrace-cc $v" ] ||
    fail "tasktrace-cc --version: $("$p/bin/tasktrace-cc" --version 2>&1)"
  [ "$(pkg-config --modversion tasktrace-race)" = "$v" ] || fail "pkg-config --modversion tasktrace-race"
  write_racy
  # shellcheck disable=SC2046
  { cc -g -c -o "$tmp/racy.o" "$tmp/racy.c" $(pkg-config --cflags tasktrace-race) &&
    cc -o "$tmp/racy-pc" "$tmp/racy.o" $(pkg-config --libs tasktrace-race); } >"$tmp/race.log" 2>&1 ||
    fail "pkg-config tasktrace-race build: $(cat "$tmp/race.log")"
  "$p/bin/tasktrace-cc" -g -o "$tmp/racy-cc" "$tmp/racy.c" >"$tmp/race.log" 2>&1 ||
    fail "installed tasktrace-cc: $(cat "$tmp/race.log")"
  for prog in racy-pc racy-cc; do
    [ -x "$tmp/$prog" ] && run_racy "$prog" "$tmp/$prog"
  done
  # 2. find_package, the shared and the static library.
  consumer "$tmp/fp" "find_package(tasktrace 0.1 CONFIG REQUIRED)" \
    "add_executable(shared prog.c)" "target_link_libraries(shared PRIVATE tasktrace::tasktrace)" \
    "add_executable(static prog.c)" "target_link_libraries(static PRIVATE tasktrace::tasktrace_static)"
  { cmake -S "$tmp/fp" -B "$tmp/fp/b" -DCMAKE_PREFIX_PATH="$p" && cmake --build "$tmp/fp/b"; } \
    >"$tmp/fp.log" 2>&1 || fail "find_package build: $(tail -20 "$tmp/fp.log")"
  run_prog find_package-shared "$tmp/fp/b/shared"
  run_prog find_package-static "$tmp/fp/b/static"
  # The race detector through the package: tasktrace_race_instrument().
  consumer "$tmp/fr" "find_package(tasktrace 0.1 CONFIG REQUIRED)"
  racy_lines >>"$tmp/fr/CMakeLists.txt"
  cp "$tmp/racy.c" "$tmp/fr/"
  { cmake -S "$tmp/fr" -B "$tmp/fr/b" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_PREFIX_PATH="$p" &&
    cmake --build "$tmp/fr/b"; } >"$tmp/fr.log" 2>&1 || fail "find_package race build: $(tail -20 "$tmp/fr.log")"
  run_racy find_package-race "$tmp/fr/b/racy"
  run_plain find_package-plain "$tmp/fr/b/plain"
  # Instrumenting a program on the shared runtime is refused, in one line.
  consumer "$tmp/fs" "find_package(tasktrace 0.1 CONFIG REQUIRED)" "add_executable(racy prog.c)" \
    "target_link_libraries(racy PRIVATE tasktrace::tasktrace)" "tasktrace_race_instrument(racy)"
  if cmake -S "$tmp/fs" -B "$tmp/fs/b" -DCMAKE_PREFIX_PATH="$p" >"$tmp/fs.log" 2>&1; then
    fail "tasktrace_race_instrument accepted a target on the shared runtime"
  else
    grep -q "tasktrace_race_instrument: 'racy' links tasktrace::tasktrace" "$tmp/fs.log" ||
      fail "shared runtime + race: $(cat "$tmp/fs.log")"
  fi
  ;;
subdir)
  # 3. add_subdirectory of the source tree: no tests, no examples, the
  # same target names as the package.
  consumer "$tmp/sd" "add_subdirectory(\"$src\" tasktrace EXCLUDE_FROM_ALL)" \
    "add_executable(prog prog.c)" "target_link_libraries(prog PRIVATE tasktrace::tasktrace_static)"
  # and the race detector's function, the same one the package has.
  racy_lines >>"$tmp/sd/CMakeLists.txt"
  write_racy
  cp "$tmp/racy.c" "$tmp/sd/"
  { cmake -S "$tmp/sd" -B "$tmp/sd/b" -DCMAKE_BUILD_TYPE=Debug && cmake --build "$tmp/sd/b" -j2; } \
    >"$tmp/sd.log" 2>&1 || fail "add_subdirectory build: $(grep -m5 -i error "$tmp/sd.log")"
  run_prog add_subdirectory "$tmp/sd/b/prog"
  run_racy add_subdirectory-race "$tmp/sd/b/racy"
  run_plain add_subdirectory-plain "$tmp/sd/b/plain"
  [ ! -d "$tmp/sd/b/tasktrace/tests" ] || fail "add_subdirectory configured the tests"
  ;;
lttng)
  command -v lttng >/dev/null && command -v lttng-sessiond >/dev/null ||
    { echo "lttng-tools not installed: skipped"; exit 77; }
  install_prefix
  PKG_CONFIG_PATH=$p/lib/pkgconfig
  export PKG_CONFIG_PATH
  # shellcheck disable=SC2046
  cc -std=gnu11 -o "$tmp/pc" "$src/tests/package/prog.c" $(pkg-config --cflags --libs tasktrace) \
    -Wl,-rpath,"$p/lib" || fail "build"
  bash "$src/scripts/lttng-record.sh" -b -o "$tmp/trace" -- "$tmp/pc" >"$tmp/rec.out" 2>&1 ||
    fail "lttng-record: $(cat "$tmp/rec.out")"
  n=$(babeltrace2 "$tmp/trace" 2>/dev/null | grep -c "tasktrace:task_create")
  [ "$n" -ge 3 ] || fail "the installed program recorded $n task_create events (want 3): $(cat "$tmp/rec.out")"
  # Without its provider, debug mode says why nothing is recorded (unless
  # one is installed system-wide where the library was configured to look).
  rm -f "$p/lib/libtasktrace-lttng.so"
  TASKTRACE_DEBUG=1 "$tmp/pc" >/dev/null 2>"$tmp/err"
  if ! grep -q "^tasktrace: LTTng: no tasktrace:\* events will be recorded: libtasktrace-lttng.so is not in $p/lib/" "$tmp/err"; then
    ls /usr/local/lib/libtasktrace-lttng.so >/dev/null 2>&1 || fail "no line on a missing provider: $(cat "$tmp/err")"
  fi
  TASKTRACE_DEBUG=0 "$tmp/pc" >/dev/null 2>"$tmp/err"
  [ ! -s "$tmp/err" ] || fail "outside debug mode a missing provider printed: $(cat "$tmp/err")"
  ;;
deb)
  command -v dpkg-deb >/dev/null || { echo "no dpkg-deb: skipped"; exit 77; }
  (cd "$tmp" && cpack -G DEB -B "$tmp/deb" --config "$build/CPackConfig.cmake") >"$tmp/cpack.log" 2>&1 ||
    { echo "FAIL: cpack: $(tail -5 "$tmp/cpack.log")"; exit 1; }
  deb=$(ls "$tmp"/deb/tasktrace_*.deb 2>/dev/null | head -1)
  [ -n "$deb" ] || { echo "FAIL: no .deb in $(ls "$tmp/deb")"; exit 1; }
  dpkg-deb -c "$deb" | awk '{print $6}' >"$tmp/files"
  for f in usr/bin/tasktrace usr/bin/tasktraced usr/include/tasktrace/tasktrace.h usr/lib/libtasktrace.so.0 \
      usr/lib/libtasktrace-lttng.so usr/lib/pkgconfig/tasktrace.pc usr/lib/cmake/tasktrace/tasktrace-config.cmake \
      usr/lib/cmake/tasktrace/tasktrace-race.cmake usr/lib/libtasktrace-race.a; do
    grep -qx "\./$f" "$tmp/files" || fail "not in the .deb: $f"
  done
  dep=$(dpkg-deb -f "$deb" Depends)
  for d in libuv1 zlib1g libc6 libuv1-dev; do
    echo "$dep" | grep -qE "(^|, )$d( |,|$)" || fail "Depends lacks $d: $dep"
  done
  ;;
*) echo "check_package.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac
[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo ok
