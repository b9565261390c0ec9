#!/bin/sh
# The `tasktrace` viewer commands as a user runs them.
#   check_cli.sh golden BIN_DIR SRC_DIR   text outputs on recorded traces of
#                                         the examples (data/) vs expect/
#   check_cli.sh errors BIN_DIR SRC_DIR   --help, exit codes, one-line errors
#   check_cli.sh live   BIN_DIR SRC_DIR   record an example now, then view it
# UPDATE=1 rewrites the golden files.
set -u
mode=$1 bin=$2 src=$3
T=$bin/tasktrace
data=$src/tests/viewer/data
expect=$src/tests/viewer/expect
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tt-viewer-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# compare NAME: $tmp/out against expect/NAME
compare() {
  if [ "${UPDATE:-}" = 1 ]; then
    cp "$tmp/out" "$expect/$1"
  elif ! diff -u "$expect/$1" "$tmp/out"; then
    fail "$1 differs (UPDATE=1 $0 $mode ... rewrites it)"
  fi
}

# run WANT_RC CMD...: stdout to $tmp/out, stderr to $tmp/err
run() {
  want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want; stderr: $(cat "$tmp/err")"
}

# has FILE PATTERN: grep -q, or fail
has() { grep -q -- "$2" "$1" || fail "$1 lacks '$2': $(head -c 600 "$1")"; }

case $mode in
golden)
  for t in "$data"/*.ttrace; do
    n=$(basename "$t" .ttrace)
    run 0 "$T" summary "$t"; compare "$n-summary.expect"
    run 0 "$T" timeline --width 80 --color never "$t"; compare "$n-timeline.expect"
  done
  run 0 "$T" locks "$data/bank-fixed.ttrace"; compare bank-fixed-locks.expect
  run 0 "$T" locks "$data/counter-fixed.ttrace"; compare counter-fixed-locks.expect
  run 0 "$T" slow "$data/bank-fixed.ttrace"; compare bank-fixed-slow.expect
  run 0 "$T" timeline --task customer-2 --width 60 --color always "$data/bank-fixed.ttrace"
  compare bank-fixed-timeline-task-color.expect
  # A window given by hand, and two processes merged in time order.
  run 0 "$T" timeline --from 1.5ms --to 3ms --width 60 --color never "$data/bank-racy.ttrace"
  compare bank-racy-timeline-window.expect
  run 0 "$T" summary "$data/bank-racy.ttrace" "$data/counter-fixed.ttrace"
  compare merged-summary.expect
  # Perfetto: valid JSON, a named track per task, slices, hand-off arrows.
  run 0 "$T" export --format perfetto -o "$tmp/p.json" "$data/bank-fixed.ttrace"
  python3 - "$tmp/p.json" <<'PY' || fail "perfetto JSON"
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
names = {e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
assert {"customer-%d #%d" % (i, i + 3) for i in range(5)} <= names, names
assert sum(1 for e in ev if e["ph"] == "X" and e["name"] == "lock") >= 4
flows = [e for e in ev if e["ph"] in "sf" and e["name"] == "lock hand-off"]
assert len(flows) == 8, len(flows)
assert all(e["dur"] >= 0 for e in ev if e["ph"] == "X")
PY
  ;;
errors)
  for c in summary timeline locks slow export import; do
    run 0 "$T" "$c" --help; has "$tmp/out" "usage: tasktrace $c"
    run 2 "$T" "$c" --no-such-option
    # One line naming the option and the command (not getopt's "summary:"
    # plus the whole usage).
    has "$tmp/err" "^tasktrace $c: unknown option '--no-such-option'"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$c --no-such-option: not one line: $(cat "$tmp/err")"
  done
  # Every subcommand's --help exits 0 and lists each of its options (the
  # list comes from the same table as the parser), in 80 columns.
  for c in summary timeline locks slow export import dump record; do
    run 0 "$T" "$c" --help; has "$tmp/out" "usage: tasktrace $c"; has "$tmp/out" "^  -h, --help "
    awk 'length > 80 { bad = 1 } END { exit bad }' "$tmp/out" || fail "$c --help: over 80 columns"
    run 0 "$T" "$c" -h; has "$tmp/out" "usage: tasktrace $c"
  done
  for o in --task --from --to --width --color --max-tasks; do
    run 0 "$T" timeline --help; has "$tmp/out" "^ .*$o "
  done
  run 0 "$T" export --help; has "$tmp/out" "^  -f, --format FORMAT "; has "$tmp/out" "^  -o, --output OUT "
  run 0 "$T" import --help; has "$tmp/out" "^  -o, --output FILE "; has "$tmp/out" "^  -l, --level N "
  run 0 "$T" slow --help; has "$tmp/out" "^  -n, --limit N "
  run 0 "$T" dump --help; has "$tmp/out" "^      --no-delta "
  for o in "-o, --output FILE" "--level N" "--flight-recorder MIB" "--quiet"; do
    run 0 "$T" record --help; has "$tmp/out" "^ .*$o "
  done
  # Unknown options name themselves, long, short or with a value.
  for c in dump record; do
    run 2 "$T" "$c" --no-such-option
    has "$tmp/err" "^tasktrace $c: unknown option '--no-such-option'"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$c --no-such-option: not one line: $(cat "$tmp/err")"
  done
  run 2 "$T" summary --bogus=3 "$data/bank-racy.ttrace"
  has "$tmp/err" "^tasktrace summary: unknown option '--bogus=3'"
  run 2 "$T" dump -q "$data/bank-racy.ttrace"; has "$tmp/err" "^tasktrace dump: unknown option '-q'"
  run 2 "$T" dump --no-delta=1 "$data/bank-racy.ttrace"
  has "$tmp/err" "^tasktrace dump: --no-delta takes no value"
  # A missing value: at the end of the line, short or long.
  run 2 "$T" timeline --width; has "$tmp/err" "^tasktrace timeline: --width needs a value"
  run 2 "$T" export --format html -o; has "$tmp/err" "^tasktrace export: --output needs a value"
  run 2 "$T" record --level; has "$tmp/err" "^tasktrace record: --level needs a value"
  # A bad value: one line, naming the option and the value.
  run 2 "$T" slow --limit x "$data/bank-racy.ttrace"
  has "$tmp/err" "^tasktrace slow: --limit: 'x' is not a count$"
  run 2 "$T" slow --limit=-3 "$data/bank-racy.ttrace"; has "$tmp/err" "^tasktrace slow: --limit: '-3'"
  run 2 "$T" summary --max-tasks 12x "$data/bank-racy.ttrace"
  has "$tmp/err" "^tasktrace summary: --max-tasks: '12x' is not a count above 0$"
  run 2 "$T" import --level 10 -o "$tmp/x.ttrace" "$tmp"
  has "$tmp/err" "^tasktrace import: --level: '10' is not a level from 0 to 9$"
  run 2 "$T" record --flight-recorder 0 -- /bin/true
  has "$tmp/err" "^tasktrace record: --flight-recorder: '0' is not a number from 1 to 1048576$"
  run 2 "$T" record -o '' -- /bin/true; has "$tmp/err" "^tasktrace record: --output: '' is not a file name$"
  [ "$(wc -l <"$tmp/err")" = 1 ] || fail "a bad value: not one line: $(cat "$tmp/err")"
  # --opt=value and --opt value are the same; a unique prefix is the option.
  run 0 "$T" timeline --width 60 --color never "$data/bank-racy.ttrace"; cp "$tmp/out" "$tmp/tl"
  has "$tmp/tl" "^customer-0 "
  run 0 "$T" timeline --width=60 --color=never "$data/bank-racy.ttrace"
  cmp -s "$tmp/out" "$tmp/tl" || fail "timeline --width=60 differs from --width 60"
  run 0 "$T" timeline --wid 60 --col never "$data/bank-racy.ttrace"
  cmp -s "$tmp/out" "$tmp/tl" || fail "timeline --wid 60 differs from --width 60"
  run 0 "$T" slow --limit=1 "$data/bank-fixed.ttrace"; cp "$tmp/out" "$tmp/sep"
  run 0 "$T" slow -n 1 "$data/bank-fixed.ttrace"
  cmp -s "$tmp/out" "$tmp/sep" || fail "slow -n 1 differs from --limit=1"
  # Options may follow the files; `--` ends them: what follows is a file.
  run 0 "$T" timeline "$data/bank-racy.ttrace" --color never --width 60
  cmp -s "$tmp/out" "$tmp/tl" || fail "timeline FILE --width 60: options after the file differ"
  (cd "$tmp" && "$T" summary -- --no-such-option >out 2>err); rc=$?
  [ "$rc" = 1 ] || fail "summary -- --no-such-option exited $rc, not 1"
  has "$tmp/err" "^tasktrace summary: --no-such-option: No such file"
  cp "$data/bank-racy.ttrace" "$tmp/-racy.ttrace"
  (cd "$tmp" && "$T" dump --no-delta -- -racy.ttrace >out 2>err) || fail "dump -- -racy.ttrace: $(cat "$tmp/err")"
  has "$tmp/out" "task_switch: {"
  # "-" is the .ttrace file on standard input, for every command that reads
  # traces (timeline reads it twice: it is kept); a terminal is refused.
  d="$data/bank-racy.ttrace"
  "$T" summary "$d" >"$tmp/f1"; "$T" summary - <"$d" >"$tmp/f2" || fail "summary - exited $?"
  cmp -s "$tmp/f1" "$tmp/f2" || fail "summary - differs from summary FILE"
  "$T" timeline --width 60 --color never "$d" >"$tmp/f1"
  "$T" timeline --width 60 --color never - <"$d" >"$tmp/f2" || fail "timeline - exited $?"
  cmp -s "$tmp/f1" "$tmp/f2" || fail "timeline - differs from timeline FILE"
  "$T" dump "$d" >"$tmp/f1" 2>/dev/null; "$T" dump - <"$d" >"$tmp/f2" 2>/dev/null || fail "dump - exited $?"
  cmp -s "$tmp/f1" "$tmp/f2" || fail "dump - differs from dump FILE"
  cat "$d" | "$T" export --format perfetto -o - - >"$tmp/f2" || fail "export - from a pipe exited $?"
  grep -q traceEvents "$tmp/f2" || fail "export -o - - wrote no Perfetto JSON"
  run 1 "$T" summary - </dev/null; has "$tmp/err" "^tasktrace summary: -: standard input: not a .ttrace file"
  if command -v script >/dev/null; then
    script -qec "$T summary -" /dev/null >"$tmp/tty" 2>&1
    grep -q "standard input is a terminal, not a trace" "$tmp/tty" || fail "summary - on a terminal: $(cat "$tmp/tty")"
  fi
  # record keeps an existing FILE as FILE.old (as perf does), and refuses
  # a FILE.old that is not a regular file of ours.
  prog="$bin/../examples/counter"
  echo first >"$tmp/keep.ttrace"
  run 0 "$T" record --quiet -o "$tmp/keep.ttrace" -- "$prog" --fixed
  [ "$(cat "$tmp/keep.ttrace.old")" = first ] || fail "record did not keep the old file as .old"
  run 0 "$T" summary "$tmp/keep.ttrace"; has "$tmp/out" "inc-"
  rm -f "$tmp/keep.ttrace.old"; mkdir "$tmp/keep.ttrace.old"
  run 1 "$T" record --quiet -o "$tmp/keep.ttrace" -- "$prog" --fixed
  has "$tmp/err" "keep.ttrace.old exists and is not a regular file of ours"
  run 0 "$T" summary "$tmp/keep.ttrace"; has "$tmp/out" "inc-"
  # record: its options end at PROGRAM, whose own options are its own.
  run 0 "$T" record --quiet -o "$tmp/sh.ttrace" /bin/sh -c 'exit 0' --quiet
  run 3 "$T" record --quiet --output="$tmp/sh.ttrace" -- /bin/sh -c 'exit 3'

  run 2 "$T" slow -Z x; has "$tmp/err" "^tasktrace slow: unknown option '-Z'"
  run 2 "$T" summary; has "$tmp/err" "no trace given"
  run 2 "$T" frobnicate; has "$tmp/err" "unknown command 'frobnicate'"
  run 1 "$T" summary "$tmp/missing.ttrace"; has "$tmp/err" "missing.ttrace: No such file"
  echo "not a trace" >"$tmp/junk"
  run 1 "$T" summary "$tmp/junk"; has "$tmp/err" "junk: not a .ttrace file"
  mkdir "$tmp/emptydir"
  run 1 "$T" summary "$tmp/emptydir"; has "$tmp/err" "no LTTng (CTF) trace inside"
  # An LTTng directory with garbage metadata: babeltrace2's causes, without
  # its plumbing (component addresses), on our line.
  mkdir "$tmp/badlt"; head -c 3000 /dev/urandom >"$tmp/badlt/metadata"
  run 1 "$T" summary "$tmp/badlt"; has "$tmp/err" "^tasktrace summary: .*badlt: not a readable CTF"
  ! grep -q "comp-addr=" "$tmp/err" || fail "babeltrace2 plumbing in the error: $(cat "$tmp/err")"
  run 2 "$T" timeline --width 3 "$data/bank-racy.ttrace"; has "$tmp/err" "--width: '3'"
  run 2 "$T" timeline --from 5parsecs "$data/bank-racy.ttrace"; has "$tmp/err" "--from: '5parsecs'"
  run 2 "$T" timeline --from 2ms --to 1ms "$data/bank-racy.ttrace"; has "$tmp/err" "--to must be after"
  run 2 "$T" timeline --color sometimes "$data/bank-racy.ttrace"
  # --color auto on a terminal (script(1) gives it one): colours, unless
  # NO_COLOR is set; --color always colours whatever NO_COLOR says.
  if command -v script >/dev/null; then
    esc=$(printf '\033[')
    script -qec "$T timeline --width 60 $data/bank-racy.ttrace" /dev/null >"$tmp/tty" 2>&1
    grep -qF "$esc" "$tmp/tty" || fail "timeline on a terminal has no colour"
    NO_COLOR=1 script -qec "$T timeline --width 60 $data/bank-racy.ttrace" /dev/null >"$tmp/tty" 2>&1
    grep -q "customer" "$tmp/tty" || fail "timeline under NO_COLOR printed: $(head -3 "$tmp/tty")"
    ! grep -qF "${esc}3" "$tmp/tty" || fail "NO_COLOR=1 still coloured the timeline"
    NO_COLOR=1 "$T" timeline --width 60 --color always "$data/bank-racy.ttrace" >"$tmp/tty" 2>&1
    grep -qF "$esc" "$tmp/tty" || fail "--color always did not colour under NO_COLOR"
  fi
  run 2 "$T" export --format svg -o "$tmp/x" "$data/bank-racy.ttrace"; has "$tmp/err" "'svg'"
  run 2 "$T" export --format html "$data/bank-racy.ttrace"; has "$tmp/err" "-o OUT"
  run 1 "$T" export --format html -o /nonexistent/dir/x.html "$data/bank-racy.ttrace"
  has "$tmp/err" "/nonexistent/dir/x.html"
  run 2 "$T" import "$tmp/emptydir"; has "$tmp/err" "-o FILE.ttrace"
  run 1 "$T" import -o "$tmp/x.ttrace" "$tmp/emptydir"; has "$tmp/err" "emptydir"
  run 1 "$T" import -o "$tmp/x.ttrace" "$tmp/junk"; has "$tmp/err" "junk: not a directory"
  # record finds out before running the program that -o cannot be written.
  run 1 "$T" record -o /nonexistent/dir/x.ttrace -- "$tmp/never-run"
  has "$tmp/err" "cannot create files in /nonexistent/dir"
  run 1 "$T" record -o "$tmp/emptydir" -- "$tmp/never-run"; has "$tmp/err" "is a directory"
  # A file cut short: what was read is shown, the cut is said, exit 0.
  "$bin/tt-gen-trace" -o "$tmp/big.ttrace" -n 200000 2>/dev/null
  size=$(stat -c %s "$tmp/big.ttrace")
  head -c $((size / 2)) "$tmp/big.ttrace" >"$tmp/cut.ttrace"
  run 0 "$T" summary "$tmp/cut.ttrace"; has "$tmp/err" "the file was cut"; has "$tmp/out" "^trace: "
  run 0 "$T" dump "$tmp/cut.ttrace"; has "$tmp/err" "warning: .*cut.ttrace: [1-9][0-9]* events"
  run 0 "$T" timeline "$tmp/cut.ttrace"; has "$tmp/err" "the file was cut"
  # ... and dump --help says so (it used to promise exit 1).
  run 0 "$T" dump --help; has "$tmp/out" "cut reported as a warning, exit status 0"
  has "$tmp/out" "damaged"
  # Corruption in the middle: one-line error naming the file, exit 1.
  cp "$tmp/big.ttrace" "$tmp/bad.ttrace"
  printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' |
    dd of="$tmp/bad.ttrace" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
  run 1 "$T" summary "$tmp/bad.ttrace"; has "$tmp/err" "bad.ttrace: .*after [1-9][0-9]* good events"
  has "$tmp/out" "^trace: [1-9][0-9]* events"
  [ "$(wc -l <"$tmp/err")" -le 2 ] || fail "corrupt file: more than a line or two: $(cat "$tmp/err")"
  run 1 "$T" dump "$tmp/bad.ttrace"; has "$tmp/err" "bad.ttrace: [1-9][0-9]* events"
  # Lost events are reported and drawn as gaps.
  "$bin/tt-gen-trace" -o "$tmp/lost.ttrace" -n 20000 --lost 2>/dev/null
  run 0 "$T" summary "$tmp/lost.ttrace"; has "$tmp/out" "LOST EVENTS: 1000"
  run 0 "$T" timeline --color never "$tmp/lost.ttrace"; has "$tmp/out" "?"
  ;;
live)
  # The whole path with today's build: record the racy bank, then view it.
  TASKTRACE_SCHED_SEED=1 "$T" record --quiet -o "$tmp/bank.ttrace" -- "$bin/../examples/bank" \
    >/dev/null 2>&1
  [ -s "$tmp/bank.ttrace" ] || fail "tasktrace record wrote nothing"
  run 0 "$T" summary "$tmp/bank.ttrace"
  for i in 0 1 2 3 4; do has "$tmp/out" "customer-$i .*examples/bank.c:"; done
  has "$tmp/out" "(0 unfinished at the end)"
  run 0 "$T" timeline --color never "$tmp/bank.ttrace"; has "$tmp/out" "^customer-4 .*z"
  TASKTRACE_SCHED_SEED=1 "$T" record --quiet -o "$tmp/bankf.ttrace" -- "$bin/../examples/bank" \
    --fixed >/dev/null 2>&1
  run 0 "$T" locks "$tmp/bankf.ttrace"; has "$tmp/out" "account-lock  *5  *4 "
  # The TASKTRACE_* settings are for the program, not the recorder's own
  # runtime: the seed is announced once, by the program.
  TASKTRACE_SCHED_SEED=7 "$T" record --quiet -o "$tmp/seed.ttrace" -- "$bin/../examples/bank" \
    --fixed >/dev/null 2>"$tmp/err"
  [ "$(grep -c 'seeded scheduler' "$tmp/err")" = 1 ] ||
    fail "record: the seed not announced exactly once: $(cat "$tmp/err")"
  ;;
*) echo "usage: $0 golden|errors|live BIN_DIR SRC_DIR"; exit 2 ;;
esac
[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo ok
