#!/bin/sh
# The LTTng path: record the bank example with a real lttng-sessiond
# (scripts/lttng-record.sh), view the CTF trace directory through
# libbabeltrace2, import it into a .ttrace file, and check that both give
# the very same summary, which has the lock contention of the fixed bank;
# then a recorded lock-order deadlock (tt-sync-prog), shown as one.
#   check_lttng.sh BIN_DIR SRC_DIR       (exit 77: no LTTng tools, skipped)
set -u
bin=$1 src=$2
T=$bin/tasktrace
command -v lttng >/dev/null && command -v lttng-sessiond >/dev/null ||
  { echo "lttng-tools not installed: skipped"; exit 77; }
for f in "$T" "$bin/../examples/bank"; do
  [ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tt-viewer-lttng.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

TASKTRACE_SCHED_SEED=1 bash "$src/scripts/lttng-record.sh" -b -o "$tmp/trace" -- \
  "$bin/../examples/bank" --fixed >"$tmp/rec.out" 2>&1 || fail "lttng-record: $(cat "$tmp/rec.out")"
"$T" summary "$tmp/trace" >"$tmp/dir.txt" 2>"$tmp/err" || fail "summary DIR: $(cat "$tmp/err")"
grep -q "account-lock  *5  *4 " "$tmp/dir.txt" || fail "no contention in: $(cat "$tmp/dir.txt")"
for i in 0 1 2 3 4; do
  grep -q "customer-$i .*examples/bank.c" "$tmp/dir.txt" || fail "customer-$i missing"
done
# pid and tid from the vpid/vtid contexts: a real pid, not 0.
grep -q "^process [1-9]" "$tmp/dir.txt" || fail "no pid: $(head -3 "$tmp/dir.txt")"
"$T" import -o "$tmp/imported.ttrace" "$tmp/trace" >"$tmp/imp" 2>&1 || fail "import: $(cat "$tmp/imp")"
grep -q "x smaller" "$tmp/imp" || fail "import did not report the ratio: $(cat "$tmp/imp")"
"$T" summary "$tmp/imported.ttrace" >"$tmp/file.txt" 2>&1 || fail "summary of the import"
diff -u "$tmp/dir.txt" "$tmp/file.txt" || fail "the LTTng trace and its import differ"
# The HTML and the timeline read the directory too.
"$T" timeline --color never "$tmp/trace" | grep -q "^customer-0 .*L" || fail "timeline of DIR"
# The sync objects' events and a deadlock come through LTTng as well
# (issue 10): a recorded lock-order deadlock, read from the directory.
bash "$src/scripts/lttng-record.sh" -o "$tmp/dl" -- "$bin/../tests/tt-sync-prog" lockorder \
  >"$tmp/dl.out" 2>&1
"$T" summary "$tmp/dl" >"$tmp/dl.txt" 2>"$tmp/err" || fail "summary of the deadlock: $(cat "$tmp/err")"
grep -q "^DEADLOCK at .*tt_lock_acquire in task '\(alice\|bob\)' would close a cycle of 2" "$tmp/dl.txt" ||
  fail "no deadlock through LTTng: $(cat "$tmp/dl.txt")"
grep -q "still held at the end by" "$tmp/dl.txt" || fail "uncontended acquires missing: $(cat "$tmp/dl.txt")"
[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo ok
