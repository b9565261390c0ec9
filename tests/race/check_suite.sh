#!/bin/sh
# check_suite.sh DIR GROUP: run the suite's own programs built with the race
# detector (DIR, tests/race/CMakeLists.txt) in the modes their own tests run
# that do not race on purpose; any "tasktrace: race:" line fails (issue 11).
dir=$1 group=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
bad=0
# run NAME CMD...: stderr must hold no race report (exit status is the
# program's own business: debug modes report deadlocks on purpose).
run() {
  name=$1; shift
  TASKTRACE_RACE_EXITCODE=0 timeout 30 "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  if grep -q 'tasktrace: race:' "$tmp/err"; then
    echo "FAIL $name: a race report:"; grep -A12 'tasktrace: race:' "$tmp/err"; bad=1
  else
    echo "ok   $name (exit $rc)"
  fi
}
case $group in
runtime)
  # Every test of tests/runtime, one at a time, but the ones that measure
  # memory or spawn a million tasks (the detector's shadow and its wrapped
  # malloc are what they would measure; RLIMIT_AS leaves it no room), and
  # wake_many_at_once: its 30000 tasks take 12 s under the detector on a
  # quiet machine (the group's 100 s ran out at ctest -j3), and
  # wake_many_at_once_seeded runs the same code with 5000.
  for p in "$dir"/test_*; do
    for t in $("$p" --list); do
      case $t in spawn_many | task_memory | out_of_memory_loses_no_task | wake_many_at_once) continue ;; esac
      run "$(basename "$p") $t" "$p" "$t"
    done
  done ;;
debug)
  for m in unretrieved pending deadlock join-cycle finish-holding sem-over deadlock-done \
           lock-held queue-join queue-join-deadlock deadlock-ticker; do
    run "debug_prog $m" env TASKTRACE_DEBUG=1 TASKTRACE_LOCK_MS=50 "$dir/debug_prog" $m
  done
  for m in inversion consistent retake trylock three; do
    run "lockdep_prog $m" env TASKTRACE_DEBUG=1 "$dir/lockdep_prog" $m
  done
  run "overflow_prog dense" "$dir/overflow_prog" dense ;;
progs)
  for m in missed lockorder mixed; do run "sync_prog $m" "$dir/sync_prog" $m; done
  run "edge never" "$dir/edge" never
  for m in sleep pipe pipe_timeout spin; do
    run "vtime $m" env TASKTRACE_VIRTUAL_TIME=1 "$dir/vtime" $m
  done
  run "forkprobe" "$dir/forkprobe"
  run "producer 2000" "$dir/producer" 2000
  run "exec_producer 2 200" "$dir/exec_producer" 2 200
  if [ -x "$dir/lttng_prog" ]; then
    for m in all contention first-task; do run "lttng_prog $m" "$dir/lttng_prog" $m; done
  fi ;;
*) echo "check_suite.sh: unknown group '$group'" >&2; exit 2 ;;
esac
exit $bad
