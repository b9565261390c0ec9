#!/bin/sh
# Issue 8, the viewer's side: hostile traces and hostile files.
#   check_security.sh MODE BIN_DIR SRC_DIR
#   escapes  terminal escapes, C1 and U+202E in every string of a trace and
#            in paths: no ESC/C1/RLO byte reaches stdout or stderr
#   export   export/import never destroy a file: output == input refused,
#            a failed export leaves an existing output as it was
#   fifo     FIFOs (no writer) and /dev/zero are refused at once, never
#            waited on; SIGTERM ends a long summary promptly
#   limits   a small file declaring millions of tasks: a bounded model, one
#            line naming the file and --max-tasks
#   ctf      a valid CTF trace without a clock (written by hand here):
#            one line, no crash; two clock classes in one directory: one
#            time line
set -u
mode=$1 bin=$2 src=$3
T=$bin/tasktrace
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tt-viewer-sec.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# run WANT_RC CMD...: stdout to $tmp/out, stderr to $tmp/err, bounded to 20 s
run() {
  want=$1; shift
  timeout -s KILL 20 "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want; stderr: $(head -c 400 "$tmp/err")"
}
has() { grep -q -- "$2" "$1" || fail "$1 lacks '$2': $(head -c 600 "$1")"; }
# clean FILE...: no ESC, no C1 (UTF-8 \xc2\x80-\x9f), no bidi override or
# isolate (U+202A-E, U+2066-9), no raw C0 control but \n and \t
clean() {
  python3 - "$@" <<'PY' || fail "unsafe bytes in output: $*"
import re, sys
bad = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
ok = True
for f in sys.argv[1:]:
    data = open(f, "rb").read()
    m = bad.search(data)
    if m:
        print("%s: %r at byte %d: %r" % (f, m.group(0), m.start(), data[max(0, m.start() - 20):m.start() + 20]))
        ok = False
sys.exit(0 if ok else 1)
PY
}

case $mode in
escapes)
  "$bin/tt-gen-trace" -o "$tmp/h.ttrace" -n 40000 -t 6 --hostile 2>/dev/null
  # The file does hold the raw bytes (else this test could not fail).
  python3 -c "import sys,zlib; d=open(sys.argv[1],'rb').read(); assert b'\x1b[2J' in d" "$tmp/h.ttrace" ||
    fail "the hostile trace has no raw ESC in its header"
  for c in dump summary timeline locks slow; do
    run 0 "$T" "$c" "$tmp/h.ttrace"; clean "$tmp/out" "$tmp/err"
    cp "$tmp/out" "$tmp/$c.out"
  done
  has "$tmp/dump.out" '^# \\x1b\[2J\\x1b\]0;pwned\\x07\\x1b\[31mFAKE\\nline\\u{9b}31m\\u{202e}txt.exe pid'
  has "$tmp/dump.out" 'name = "\\x1b\[2J'
  has "$tmp/summary.out" '?\[2J?\]0;pwned'
  has "$tmp/locks.out" '?\[2J?\]0;pwned'
  # Column views: one column per character, the rows stay aligned.
  run 0 "$T" timeline --width 60 --color never "$tmp/h.ttrace"
  python3 - "$tmp/out" <<'PY' || fail "timeline rows not aligned"
import sys
rows = [l for l in open(sys.argv[1], encoding="utf-8").read().split("\n") if "|" in l and not l.startswith(" ")]
assert rows, "no lanes"
cols = {l.index("|") for l in rows}
assert len(cols) == 1, cols
PY
  # Paths in error messages: a directory and a file named with escapes.
  d=$(printf '%s/bad\033[2J\033]0;x\007dir' "$tmp"); mkdir "$d"
  run 1 "$T" summary "$d"; clean "$tmp/err"; has "$tmp/err" 'bad\\x1b\[2J\\x1b\]0;x\\x07dir'
  run 1 "$T" summary "$(printf '%s/nope\302\233\342\200\256' "$tmp")"; clean "$tmp/err"
  has "$tmp/err" 'nope\\u{9b}\\u{202e}: No such file'
  run 1 "$T" dump "$(printf '%s/x\033[31m' "$tmp")"; clean "$tmp/err"
  # HTML: the title (the file name) cannot reorder the page.
  cp "$tmp/h.ttrace" "$(printf '%s/rlo\342\200\256lmth.ttrace' "$tmp")"
  run 0 "$T" export --format html -o "$tmp/p.html" "$(printf '%s/rlo\342\200\256lmth.ttrace' "$tmp")"
  # (names inside the JSON data stay as they are, escaped for JSON)
  ! grep '<title>\|<h1>' "$tmp/p.html" | grep -q "$(printf '\342\200\256')" ||
    fail "U+202E in the HTML title"
  has "$tmp/p.html" "<title>tasktrace: rlo&#xfffd;lmth"
  ;;
export)
  "$bin/tt-gen-trace" -o "$tmp/t.ttrace" -n 5000 2>/dev/null
  cp "$tmp/t.ttrace" "$tmp/orig"
  for f in html perfetto; do
    run 1 "$T" export --format $f -o "$tmp/t.ttrace" "$tmp/t.ttrace"
    has "$tmp/err" "t.ttrace: the output is also an input"
    cmp -s "$tmp/t.ttrace" "$tmp/orig" || fail "export -o INPUT INPUT changed the input"
    ln -sf t.ttrace "$tmp/link.ttrace"
    run 1 "$T" export --format $f -o "$tmp/link.ttrace" "$tmp/t.ttrace"
    cmp -s "$tmp/t.ttrace" "$tmp/orig" || fail "export through a link to the input changed it"
  done
  # A failed export (an unreadable input, a corrupt one) leaves OUT alone.
  echo "precious" >"$tmp/out.html"
  run 1 "$T" export --format html -o "$tmp/out.html" "$tmp/missing.ttrace"
  [ "$(cat "$tmp/out.html")" = precious ] || fail "a failed export destroyed the existing output"
  size=$(stat -c %s "$tmp/t.ttrace")
  cp "$tmp/t.ttrace" "$tmp/bad.ttrace"
  printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' |
    dd of="$tmp/bad.ttrace" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
  run 1 "$T" export --format perfetto -o "$tmp/out.html" "$tmp/bad.ttrace"
  has "$tmp/err" "out.html: not written"
  [ "$(cat "$tmp/out.html")" = precious ] || fail "a failed export replaced the existing output"
  # A good export replaces it, and leaves no temporary behind.
  run 0 "$T" export --format html -o "$tmp/out.html" "$tmp/t.ttrace"
  has "$tmp/out.html" "<!DOCTYPE html>"
  ls -a "$tmp" | grep -q '^\.tasktrace-' && fail "a temporary directory was left behind"
  # Killed mid-way: the existing output stays, nothing is left behind.
  "$bin/tt-gen-trace" -o "$tmp/big.ttrace" -n 3000000 2>/dev/null
  b=$tmp/big.ttrace
  "$T" export --format html -o "$tmp/out.html" "$b" "$b" "$b" "$b" "$b" "$b" "$b" "$b" >/dev/null 2>&1 &
  pid=$!
  sleep 0.5
  kill -TERM $pid; wait $pid; rc=$?
  [ "$rc" = 143 ] || fail "export on SIGTERM exited $rc, not 143"
  grep -q "<!DOCTYPE html>" "$tmp/out.html" || fail "a killed export damaged the existing output"
  ls -a "$tmp" | grep -q '^\.tasktrace-' && fail "a killed export left its temporary directory"
  # import -o: the same all-or-nothing (its input is a directory).
  mkdir "$tmp/lt"; echo "precious" >"$tmp/imp.ttrace"
  run 1 "$T" import -o "$tmp/imp.ttrace" "$tmp/lt"
  [ "$(cat "$tmp/imp.ttrace")" = precious ] || fail "a failed import destroyed the existing output"
  ls -a "$tmp" | grep -q '^\.tasktrace-' && fail "import left a temporary directory behind"
  ;;
fifo)
  mkfifo "$tmp/ff"
  for c in summary dump timeline locks slow; do
    run 1 "$T" "$c" "$tmp/ff"; has "$tmp/err" "ff: not a regular file"
    run 1 "$T" "$c" /dev/zero; has "$tmp/err" "/dev/zero: not a regular file"
  done
  run 1 "$T" export --format html -o "$tmp/x.html" "$tmp/ff"; has "$tmp/err" "ff: not a regular file"
  run 1 "$T" import -o "$tmp/x.ttrace" "$tmp/ff"; has "$tmp/err" "ff: not a directory"
  # Inside a trace directory too: babeltrace2 would open a FIFO and wait.
  mkdir -p "$tmp/lt/sub"; mkfifo "$tmp/lt/sub/metadata"
  run 1 "$T" summary "$tmp/lt"; has "$tmp/err" "sub/metadata: not a regular file (in the trace directory"
  mkdir -p "$tmp/lt2"; : >"$tmp/lt2/metadata"; mkfifo "$tmp/lt2/stream_0"
  run 1 "$T" summary "$tmp/lt2"; has "$tmp/err" "stream_0: not a regular file"
  mkdir -p "$tmp/lt3"; ln -s /dev/zero "$tmp/lt3/metadata"
  run 1 "$T" import -o "$tmp/x.ttrace" "$tmp/lt3"; has "$tmp/err" "metadata: not a regular file"
  # SIGTERM ends a long summary promptly (the file ten times over: seconds).
  "$bin/tt-gen-trace" -o "$tmp/big.ttrace" -n 3000000 2>/dev/null
  b=$tmp/big.ttrace
  "$T" summary "$b" "$b" "$b" "$b" "$b" "$b" "$b" "$b" "$b" "$b" >/dev/null 2>&1 &
  pid=$!
  sleep 0.5
  kill -TERM $pid 2>/dev/null
  t0=$(date +%s%N)
  wait $pid; rc=$?
  dt=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$rc" = 143 ] || fail "summary on SIGTERM exited $rc, not 143"
  [ "$dt" -lt 1000 ] || fail "summary took $dt ms to end on SIGTERM"
  ;;
limits)
  # 5.4 M tasks declared in a small file (one name, ids counting up).
  "$bin/tt-gen-trace" -o "$tmp/many.ttrace" -t 5400000 --creates 2>/dev/null
  python3 - "$T" "$tmp/many.ttrace" "$tmp/err" <<'PY' || fail "memory bound"
import os, resource, subprocess, sys
t, f, errf = sys.argv[1:4]
def peak(env_extra, args):
    env = dict(os.environ, **env_extra)
    with open(errf, "wb") as e:
        p = subprocess.Popen([t] + args + [f], stdout=subprocess.DEVNULL, stderr=e, env=env)
        _, status, ru = os.wait4(p.pid, 0)
    return os.waitstatus_to_exitcode(status), ru.ru_maxrss // 1024, open(errf).read()
rc, mb, err = peak({}, ["summary"])
assert rc == 1, (rc, err)
assert err == "tasktrace summary: %s: more than 1000000 tasks (use --max-tasks to raise the limit)\n" % f, err
rc, mb, err = peak({}, ["summary", "--max-tasks", "100000"])
assert rc == 1 and "more than 100000 tasks" in err, (rc, err)
assert mb < 300, "peak RSS %d MB with --max-tasks 100000" % mb
rc, mb, err = peak({"TASKTRACE_MAX_TASKS": "50000"}, ["locks"])
assert rc == 1 and "more than 50000 tasks" in err, (rc, err)
PY
  # Under the limit, all is well.
  "$bin/tt-gen-trace" -o "$tmp/some.ttrace" -t 150000 --creates 2>/dev/null
  run 0 "$T" summary "$tmp/some.ttrace"; has "$tmp/out" "150000 tasks"
  run 1 "$T" summary --max-tasks 149999 "$tmp/some.ttrace"; has "$tmp/err" "more than 149999 tasks"
  run 2 "$T" summary --max-tasks 0 "$tmp/many.ttrace"; has "$tmp/err" "--max-tasks: '0'"
  run 0 "$T" summary --help; has "$tmp/out" "--max-tasks N"
  ;;
ctf)
  command -v babeltrace2 >/dev/null || { echo "babeltrace2 not installed: skipped"; exit 77; }
  # A CTF 1.8 trace of two tasktrace:task_create events and no clock.
  mkdir "$tmp/ctf"
  cat >"$tmp/ctf/metadata" <<'META'
/* CTF 1.8 */
typealias integer { size = 32; align = 8; signed = false; byte_order = le; } := uint32_t;
typealias integer { size = 64; align = 8; signed = false; byte_order = le; } := uint64_t;
trace {
	major = 1;
	minor = 8;
	byte_order = le;
	packet.header := struct { uint32_t magic; uint32_t stream_id; };
};
stream {
	id = 0;
	event.header := struct { uint32_t id; };
};
event {
	name = "tasktrace:task_create";
	id = 1;
	stream_id = 0;
	fields := struct { uint64_t task; uint64_t parent; string name; string site; };
};
META
  # ev TASK(1-9) NAME SITE: event id 1, task, parent 0, two strings
  ev() { printf '\001\000\000\000'; printf "\\$(printf %03o "$1")"
         printf '\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000%s\000%s\000' "$2" "$3"; }
  { printf '\301\037\374\301\000\000\000\000'; ev 1 one a.c:1; ev 2 two a.c:2; } >"$tmp/ctf/stream_0"
  babeltrace2 "$tmp/ctf" >"$tmp/bt" 2>&1 || fail "babeltrace2 cannot read the test trace: $(cat "$tmp/bt")"
  has "$tmp/bt" 'name = "two"'
  for c in summary timeline locks slow; do
    run 1 "$T" "$c" "$tmp/ctf"
    has "$tmp/err" "^tasktrace $c: .*ctf: the trace has no clock: cannot order events in time$"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$c: not one line: $(cat "$tmp/err")"
  done
  run 1 "$T" import -o "$tmp/x.ttrace" "$tmp/ctf"; has "$tmp/err" "the trace has no clock"
  [ -e "$tmp/x.ttrace" ] && fail "import of a clockless trace wrote a file"
  # Two traces in one directory on two clock classes, origins 1 s apart:
  # B's events (raw 500, 600 ns) come 1 s after A's (raw 1000, 3000 ns).
  for d in A B; do
    mkdir -p "$tmp/mc/$d"
    off=0 pid=7; [ $d = B ] && off=1 pid=8
    cat >"$tmp/mc/$d/metadata" <<META
/* CTF 1.8 */
typealias integer { size = 32; align = 8; signed = false; byte_order = le; } := uint32_t;
typealias integer { size = 64; align = 8; signed = false; byte_order = le; } := uint64_t;
typealias integer { size = 64; align = 8; signed = false; byte_order = le; map = clock.monotonic.value; } := clock_u64;
trace { major = 1; minor = 8; byte_order = le;
  packet.header := struct { uint32_t magic; uint32_t stream_id; }; };
clock { name = "monotonic"; freq = 1000000000; offset_s = $off; absolute = true; };
stream { id = 0; event.header := struct { uint32_t id; clock_u64 timestamp; };
  event.context := struct { uint32_t _vpid; uint32_t _vtid; }; };
event { name = "tasktrace:task_create"; id = 1; stream_id = 0;
  fields := struct { uint64_t task; uint64_t parent; string name; string site; }; };
META
    python3 - "$tmp/mc/$d" $d $pid <<'PY'
import struct, sys
out, d, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
def ev(ts, task): return struct.pack('<IQII', 1, ts, pid, pid) + struct.pack('<QQ', task, 0) + d.encode() + b'%d\0s\0' % task
t = (500, 600) if d == 'B' else (1000, 3000)
open(out + '/stream_0', 'wb').write(struct.pack('<II', 0xC1FC1FC1, 0) + ev(t[0], 1) + ev(t[1], 2))
PY
  done
  babeltrace2 "$tmp/mc" >"$tmp/bt" 2>&1 || fail "babeltrace2 cannot read the two-clock trace: $(cat "$tmp/bt")"
  run 0 "$T" summary "$tmp/mc"; has "$tmp/out" "^trace: 4 events, 2 processes, 4 tasks, 0 locks, span 1000.00 ms"
  ;;
*) echo "usage: $0 escapes|export|fifo|limits|ctf BIN_DIR SRC_DIR"; exit 2 ;;
esac
[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo ok
