#!/bin/sh
# Every sync object in the trace (issue 10, items 16-18): a real program
# (tt-sync-prog) recorded with `tasktrace record`, then what dump and the
# text views say of it.
#   check_sync.sh missed    BIN_DIR PROG  set then cleared before the waiter
#                                         waited: dump shows set, clear and
#                                         the wait; summary the missed signal
#   check_sync.sh lockorder BIN_DIR PROG  a lock-order deadlock: summary,
#                                         locks, timeline say "DEADLOCK" with
#                                         the cycle and unfinished waits
#   check_sync.sh mixed     BIN_DIR PROG  semaphore, condition, queue, a
#                                         timed-out wait, a lock never
#                                         released, a mark and a region
set -u
mode=$1 bin=$2 prog=$3
T=$bin/tasktrace
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tt-viewer-sync.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# has FILE PATTERN (grep -E): or fail, showing the file
has() {
  grep -Eq -- "$2" "$1" || { fail "no '$2' in $(basename "$1"):"; sed 's/^/    /' "$1"; }
}
view() { "$T" "$@" >"$tmp/out" 2>"$tmp/err" || fail "tasktrace $*: $(cat "$tmp/err")"; }

# The run is a real process under the embedded collector; a deadlocked run
# exits 1 after the runtime's own report on stderr.
want=0
[ "$mode" = mixed ] || want=1
"$T" record --quiet -o "$tmp/t.ttrace" -- "$prog" "$mode" >"$tmp/prog.out" 2>"$tmp/prog.err"
rc=$?
[ "$rc" = "$want" ] || fail "tt-sync-prog $mode exited $rc, not $want: $(cat "$tmp/prog.err")"
[ -s "$tmp/t.ttrace" ] || { echo "FAIL: record wrote nothing"; exit 1; }
view dump "$tmp/t.ttrace"
cp "$tmp/out" "$tmp/dump"

case $mode in
missed)
  # set, clear (of a set nobody saw), then the waiter's wait on that event,
  # in this order, and the deadlock the loop found with the waiter's edge.
  grep -nE 'event_set: \{ event = [0-9]+, task = [0-9]+, woken = 0 \}|event_clear: .*was_set = 1|task_switch: .*prev_state = event|deadlock: |deadlock_edge: ' \
    "$tmp/dump" | sed -E 's/.* ([a-z_]+): \{.*/\1/' >"$tmp/order"
  [ "$(tr '\n' ' ' <"$tmp/order")" = "event_set event_clear task_switch deadlock deadlock_edge deadlock_edge " ] ||
    fail "dump order: $(cat "$tmp/order"); dump: $(cat "$tmp/dump")"
  has "$tmp/dump" 'deadlock_edge: \{ task = [0-9]+, object = [0-9]+, holder = 0, site = ".*sync_prog.c:[0-9]+" \}'
  view summary "$tmp/t.ttrace"
  has "$tmp/out" '^DEADLOCK at .*: 2 task\(s\) blocked, none can run'
  has "$tmp/out" "^  'waiter' waits at .*sync_prog.c:[0-9]+ for event 'ready', which no task can signal \(never ended\)"
  has "$tmp/out" ' waiter .* deadlock '
  has "$tmp/out" "^  ready +event +1 +1 +0 +0 .* 1  missed signal x1 \(set, then cleared before a waiter saw it\); still waiting after .* \(deadlock\)"
  view timeline --color never "$tmp/t.ttrace"
  has "$tmp/out" '^waiter .*e'
  has "$tmp/out" '^DEADLOCK at '
  ;;
lockorder)
  has "$tmp/dump" 'deadlock: \{ task = [0-9]+, tasks = 2, call = "tt_lock_acquire" \}'
  view summary "$tmp/t.ttrace"
  has "$tmp/out" "^DEADLOCK at .*: tt_lock_acquire in task '(alice|bob)' would close a cycle of 2 task\(s\)"
  has "$tmp/out" "^  '(alice|bob)' would wait at .*sync_prog.c:[0-9]+ for lock 'acct-[ab]', held by '(alice|bob)' \(refused\)"
  has "$tmp/out" "^  '(alice|bob)' waits at .*sync_prog.c:[0-9]+ for lock 'acct-[ab]', held by '(alice|bob)' \(never ended\)"
  # main is in tt_gather: each of its joins is at the gather's own line,
  # the second too (seed 3 leaves main waiting for bob, its second join).
  has "$tmp/out" "^  'main' waits at .*sync_prog.c:[0-9]+ for task '(alice|bob)' \(never ended\)"
  TASKTRACE_SCHED_SEED=3 "$T" record --quiet -o "$tmp/s3.ttrace" -- "$prog" lockorder >/dev/null 2>&1
  "$T" summary "$tmp/s3.ttrace" >"$tmp/s3.out" 2>&1
  has "$tmp/s3.out" "^  'main' waits at .*sync_prog.c:[0-9]+ for task 'bob' \(never ended\)"
  has "$tmp/out" ' alice .* deadlock '
  has "$tmp/out" ' bob .* deadlock '
  if grep -q cancelled "$tmp/out"; then fail "summary still says cancelled: $(cat "$tmp/out")"; fi
  view locks "$tmp/t.ttrace"
  has "$tmp/out" '^  acct-a +1 '
  has "$tmp/out" '^  acct-b +1 '
  has "$tmp/out" "still held at the end by '(alice|bob)' \(taken at .*, never released\)"
  has "$tmp/out" '1 wait\(s\) unfinished at the end \(still waiting after [0-9.]+ [mun]?s\): deadlock'
  has "$tmp/out" '^DEADLOCK at '
  view timeline --color never "$tmp/t.ttrace"
  has "$tmp/out" '^  \^ marks, regions +\| *X'
  has "$tmp/out" "^  '(alice|bob)' waits at .* \(never ended\)"
  ;;
mixed)
  for e in sem_acquired sem_released cond_notify queue_put queue_get wait_timeout mark region_begin region_end; do
    has "$tmp/dump" " $e: "
  done
  has "$tmp/dump" 'cond_notify: \{ cond = [0-9]+, task = 1, asked = -1, woken = [12] \}'
  has "$tmp/dump" 'wait_timeout: \{ task = 1, object = [0-9]+, state = event \}'
  # the lock taken once, uncontended, never released: still in the trace
  has "$tmp/dump" 'lock_acquired: \{ lock = [0-9]+, task = 1, wait_ns = 0 \}'
  view summary "$tmp/t.ttrace"
  has "$tmp/out" 'waits that timed out \(ended by their deadline, not woken\): 1'
  has "$tmp/out" '^other sync objects: 4 \(event: 1, queue: 1, semaphore: 1, condition: 1\)'
  has "$tmp/out" '^  never-set +event +0 +0 +0 +1 .* 1 +0  -'
  has "$tmp/out" '^  pool +semaphore +2 +2 +1 '
  has "$tmp/out" '^  jobs +queue +2 +2 '
  has "$tmp/out" '^  flag-cond +condition +1 +0 +[12] '
  has "$tmp/out" "^  leaked-lock +1 +0 "
  has "$tmp/out" "still held at the end by 'main' \(taken at .*, never released\)"
  view timeline --color never "$tmp/t.ttrace"
  # main: the mark, then its timed-out wait; each worker's region
  has "$tmp/out" '^  \^ marks, regions +\| *\*.*T'
  [ "$(grep -cE '^  \^ marks, regions +\| *\[=*\]' "$tmp/out")" = 2 ] ||
    fail "two workers' regions not drawn: $(cat "$tmp/out")"
  has "$tmp/out" 'T wait timed out \(not woken\)'
  ;;
*) echo "usage: $0 missed|lockorder|mixed BIN_DIR PROG"; exit 2 ;;
esac
[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo ok
