#!/bin/sh
# check_vtime.sh TASKTRACE PROG CASE: virtual time (TASKTRACE_VIRTUAL_TIME)
# on PROG (tests/explore/vtime.c), and explore turning it on.
set -u
tt=$1
prog=$2
case=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
fail() { echo "FAIL: vtime.$case: $*" >&2; cat "$tmp/out" >&2 2>/dev/null; exit 1; }
ms() { echo $(($(date +%s%N) / 1000000)); }

case $case in
sleep)
  # 10 s of sleeps: instant under virtual time, the loop's clock says 10 s.
  t0=$(ms)
  TASKTRACE_VIRTUAL_TIME=1 "$prog" sleep >"$tmp/out" 2>&1 || fail "exit $?"
  dt=$(($(ms) - t0))
  grep -q "loop time 10000 ms" "$tmp/out" || fail "the loop's clock did not move by exactly 10 s"
  # Without virtual time this takes 10 s; a loaded machine still does it well under 5.
  [ "$dt" -lt 5000 ] || fail "took $dt ms of real time"
  echo "sleep: 10 s of sleeps in $dt ms" ;;
race)
  # The same seed gives the same interleaving, timers and timeouts included,
  # and the same schedule file; seeds differ in it.
  for s in 1 2 3 4 5 6; do
    for i in 1 2 3; do
      TASKTRACE_VIRTUAL_TIME=1 TASKTRACE_SCHED=random:$s TASKTRACE_SCHEDULE_OUT="$tmp/s$s.$i" \
        "$prog" race >"$tmp/r$s.$i" 2>&1 || fail "seed $s exit $?"
    done
    cmp -s "$tmp/r$s.1" "$tmp/r$s.2" && cmp -s "$tmp/r$s.1" "$tmp/r$s.3" ||
      fail "seed $s: runs differ: $(cat "$tmp/r$s.1" "$tmp/r$s.2" "$tmp/r$s.3")"
    cmp -s "$tmp/s$s.1" "$tmp/s$s.2" && cmp -s "$tmp/s$s.1" "$tmp/s$s.3" ||
      fail "seed $s: schedule files differ"
    grep -q "^vtime: race \(t[wp]\)\{20\}$" "$tmp/r$s.1" ||
      fail "seed $s: a timeout tied with a sleep of the same length did not time out: $(cat "$tmp/r$s.1")"
    cat "$tmp/r$s.1"
  done
  [ "$(cat "$tmp"/r?.1 | sort -u | wc -l)" -gt 1 ] || fail "every seed ran the ties in the same order"
  # Replaying a schedule file reproduces the run.
  TASKTRACE_VIRTUAL_TIME=1 TASKTRACE_SCHEDULE="$tmp/s3.1" "$prog" race >"$tmp/out" 2>&1 ||
    fail "replay exit $?"
  [ "$(grep "^vtime:" "$tmp/out")" = "$(grep "^vtime:" "$tmp/r3.1")" ] || fail "the replay ran another interleaving" ;;
pipe)
  # Real I/O keeps real time: a read waits for a write 300 ms later.
  TASKTRACE_VIRTUAL_TIME=1 "$prog" pipe >"$tmp/out" 2>&1 || fail "exit $?" ;;
pipe_timeout)
  t0=$(ms)
  TASKTRACE_VIRTUAL_TIME=1 "$prog" pipe_timeout >"$tmp/out" 2>&1 || fail "exit $?"
  dt=$(($(ms) - t0))
  [ "$dt" -ge 190 ] || fail "a 200 ms read timeout with real I/O pending took $dt ms of real time" ;;
spin)
  TASKTRACE_VIRTUAL_TIME=1 "$prog" spin >"$tmp/out" 2>&1 || fail "exit $?" ;;
bad_value)
  TASKTRACE_VIRTUAL_TIME=yes "$prog" sleep >"$tmp/out" 2>&1 && fail "a bad value was accepted"
  grep -q "^tasktrace: TASKTRACE_VIRTUAL_TIME='yes': expected 0 or 1$" "$tmp/out" ||
    fail "no clear error" ;;
explore)
  # explore turns it on (10 s of sleeps a run, --timeout 5), and says so in
  # the replay command; the user's own setting wins.
  "$tt" explore --seed 1 --jobs 2 --runs 20 --timeout 5 --json --out "$tmp/o" -- "$prog" sleep \
    >"$tmp/out" 2>&1
  rc=$?
  [ $rc -eq 0 ] || fail "explore exit $rc"
  grep -q '"runs":20,' "$tmp/out" || fail "not 20 runs"
  TASKTRACE_VIRTUAL_TIME=0 "$tt" explore --seed 1 --jobs 2 --runs 2 --timeout 2 --json --find-only \
    --out "$tmp/o" -- "$prog" sleep >"$tmp/out" 2>&1
  grep -q '"failure":"hang' "$tmp/out" || fail "TASKTRACE_VIRTUAL_TIME=0 did not turn it off" ;;
*) fail "unknown case" ;;
esac
exit 0
