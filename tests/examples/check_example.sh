#!/bin/sh
# check_example.sh BINARY MODE — run one example as a real process, the way
# a user would, and check what the issue asks of it:
#   racy:  it breaks (exit 1) without a seed, and for at least one of
#          TASKTRACE_SCHED_SEED=1..50; it never crashes (any status but 0/1);
#   fixed: it holds (exit 0) without a seed and for every seed in 1..50;
#   cli:   --help exits 0 with a usage text, an unknown argument exits 2
#          with a one-line error naming it.
# Seeded runs must announce their seed on stderr.
set -u
bin=$1
mode=$2
name=$(basename "$bin")
seeds=${TT_EXAMPLE_SEEDS:-50}
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
trap 'exit 130' INT TERM HUP

fail() { echo "FAIL: $name: $*" >&2; exit 1; }

# run [SEED] [ARGS...]: status in $rc, output in $out/$err.
run() {
  seed=$1
  shift
  if [ "$seed" = none ]; then
    env -u TASKTRACE_SCHED_SEED "$bin" "$@" >"$out" 2>"$err"
  else
    TASKTRACE_SCHED_SEED=$seed "$bin" "$@" >"$out" 2>"$err"
  fi
  rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    cat "$out" "$err" >&2
    fail "seed $seed $*: exit status $rc (a crash, not a verdict)"
  fi
  grep -q "^$name: " "$out" || { cat "$out" "$err" >&2; fail "seed $seed $*: no '$name: ...' verdict on stdout"; }
  if [ "$seed" != none ]; then
    grep -q "TASKTRACE_SCHED_SEED=$seed\$" "$err" || fail "seed $seed: the seed in use was not printed"
  fi
}

case $mode in
racy)
  run none
  [ $rc -eq 1 ] || fail "the racy version held without a seed: $(cat "$out")"
  broke=0
  s=1
  while [ $s -le "$seeds" ]; do
    run $s
    [ $rc -eq 1 ] && broke=$((broke + 1))
    s=$((s + 1))
  done
  [ $broke -gt 0 ] || fail "the racy version held for every seed in 1..$seeds"
  echo "$name racy: broke for $broke of $seeds seeds, e.g.: $(cat "$out")"
  ;;
fixed)
  run none --fixed
  [ $rc -eq 0 ] || fail "the fixed version broke without a seed: $(cat "$out")"
  s=1
  while [ $s -le "$seeds" ]; do
    run $s --fixed
    [ $rc -eq 0 ] || fail "the fixed version broke under TASKTRACE_SCHED_SEED=$s: $(cat "$out")"
    s=$((s + 1))
  done
  echo "$name fixed: held for all $seeds seeds: $(cat "$out")"
  ;;
cli)
  "$bin" --help >"$out" 2>"$err"
  [ $? -eq 0 ] || fail "--help did not exit 0"
  grep -q "usage: $name" "$out" || fail "--help printed no usage line"
  "$bin" --no-such-flag >"$out" 2>"$err"
  rc=$?
  [ $rc -eq 2 ] || fail "an unknown argument exited $rc, not 2"
  grep -q -- "--no-such-flag" "$err" || fail "the error does not name the bad argument"
  [ "$(wc -l <"$err")" -eq 1 ] || fail "the error is not one line"
  [ -s "$out" ] && fail "an unknown argument still ran the example"
  echo "$name cli: ok"
  ;;
*)
  fail "unknown mode '$mode'"
  ;;
esac
exit 0
