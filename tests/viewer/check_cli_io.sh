#!/bin/sh
# Standard output and bad input (issue 13): `record -o -` writes the trace
# to stdout (refused on a terminal), a tree that is no trace gets one line
# at once (no walk of the whole tree), and libbabeltrace2 logs nothing of
# its own on a directory that only looks like a trace.
#   check_cli_io.sh BIN_DIR
set -u
bin=$1
T=$bin/tasktrace
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tt-cli-io.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# record -o -: the trace on stdout, the program's own output on stderr.
cd "$tmp" || exit 1
"$T" record -o - -- "$bin/../examples/bank" --fixed >"$tmp/out.ttrace" 2>"$tmp/err" ||
  fail "record -o -: $(cat "$tmp/err")"
[ ! -e "$tmp/-" ] || fail "record -o - created a file named -"
grep -q "^bank: " "$tmp/err" || fail "the program's output is not on stderr: $(cat "$tmp/err")"
grep -q "wrote -: " "$tmp/err" || fail "no summary line for -: $(cat "$tmp/err")"
"$T" summary - <"$tmp/out.ttrace" >"$tmp/sum" 2>&1 || fail "summary of record's stdout: $(cat "$tmp/sum")"
grep -q "customer-0 .*examples/bank.c" "$tmp/sum" || fail "not the bank's trace: $(cat "$tmp/sum")"
ls -a "$tmp" | grep -q "tasktrace-record" && fail "record left its directory behind"
# On a terminal: one line, nothing run.
if command -v script >/dev/null; then
  script -qec "$T record -o - -- touch $tmp/ran" /dev/null >"$tmp/tty" 2>&1
  grep -q "record: -o -: standard output is a terminal" "$tmp/tty" || fail "terminal: $(cat "$tmp/tty")"
  [ ! -e "$tmp/ran" ] || fail "the program ran with stdout a terminal"
  script -qec "$T import -o - $tmp" /dev/null >"$tmp/tty" 2>&1
  grep -q "import: -o -: standard output is a terminal" "$tmp/tty" || fail "import on a terminal: $(cat "$tmp/tty")"
fi

# A tree that is no trace, with a FIFO and deep directories in it: one line.
mkdir -p "$tmp/tree/a/b/c/d/e/f/g/h/i/j/k" "$tmp/tree/x"
mkfifo "$tmp/tree/x/fifo"
: >"$tmp/tree/a/b/c/d/e/f/g/h/i/j/k/metadata" # past the depth looked at
for c in summary dump timeline; do
  "$T" $c "$tmp/tree" >/dev/null 2>"$tmp/err" && fail "$c of a tree accepted"
  grep -q "tree: not a trace: a directory, but no LTTng (CTF) trace inside" "$tmp/err" ||
    fail "$c: $(cat "$tmp/err")"
  [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$c: not one line: $(cat "$tmp/err")"
done
# Something called metadata that is not CTF: one line of ours, none of
# babeltrace2's own log.
mkdir -p "$tmp/bad" && echo garbage >"$tmp/bad/metadata"
"$T" summary "$tmp/bad" >/dev/null 2>"$tmp/err" && fail "a bad trace accepted"
grep -q "^tasktrace summary: .*bad: not a readable CTF trace" "$tmp/err" || fail "bad: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "bad: not one line (a babeltrace2 log?): $(cat "$tmp/err")"
[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo ok
