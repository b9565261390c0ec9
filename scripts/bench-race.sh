#!/usr/bin/env bash
# The race detector's cost (docs/race.md, "Cost"), side by side in one run:
#  - tasktrace-bench WORKLOAD built plain (the build's own) against the same
#    source built with tasktrace-cc -O2 -g (ns per op, ratio);
#  - the wall time of examples/bank built with tasktrace-cc -g -O0 (as the
#    race tests build it), racy (one report: includes the symbolization)
#    and --fixed (no report: the detector's own cost).
#
#   scripts/bench-race.sh [-n RUNS] [WORKLOAD...]
#
# Figures are medians of RUNS runs (default 5), the plain and instrumented
# runs alternating. Workloads: switch lock_counter queue spawn sync
# (default: lock_counter switch). Uses $TT_BUILD_DIR or build/ (built).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${TT_BUILD_DIR:-build}
RUNS=5
WORKLOADS=()
while [ "$#" -gt 0 ]; do
  case $1 in
  -n) RUNS=${2:-}; shift 2 ;;
  -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  switch | lock_counter | queue | spawn | sync) WORKLOADS+=("$1"); shift ;;
  *) echo "bench-race.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case $RUNS in '' | *[!0-9]* | 0) echo "bench-race.sh: -n wants a positive number" >&2; exit 2 ;; esac
[ "${#WORKLOADS[@]}" -gt 0 ] || WORKLOADS=(lock_counter switch)
for b in tasktrace-bench tasktrace-cc; do
  [ -x "$B/bin/$b" ] || { echo "bench-race.sh: $B/bin/$b missing: build first (scripts/build.sh)" >&2; exit 2; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$B/bin/tasktrace-cc" -O2 -g -o "$TMP/bench-race" tests/bench/tasktrace_bench.c
"$B/bin/tasktrace-cc" -g -O0 -o "$TMP/bank" examples/bank.c
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ns() { "$@" | tail -1 | sed -n 's/.*ns_per_op=\([0-9.]*\).*/\1/p'; }
# Wall milliseconds of one run (its exit status is the program's business:
# the racy bank exits 66).
ms() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  t1=$(date +%s%N)
  echo "scale=2; ($t1 - $t0) / 1000000" | bc
}

echo "bench-race: medians of $RUNS runs, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-13s %10s %14s %6s\n' workload plain_ns instrumented_ns ratio
for w in "${WORKLOADS[@]}"; do
  : >"$TMP/plain"; : >"$TMP/race"
  for ((i = 0; i < RUNS; i++)); do
    ns "$B/bin/tasktrace-bench" "$w" >>"$TMP/plain"
    ns "$TMP/bench-race" "$w" >>"$TMP/race"
  done
  p=$(median <"$TMP/plain"); r=$(median <"$TMP/race")
  printf '%-13s %10s %14s %5sx\n' "$w" "$p" "$r" "$(echo "scale=2; $r / $p" | bc)"
done
: >"$TMP/racy"; : >"$TMP/fixed"
for ((i = 0; i < RUNS; i++)); do
  ms "$TMP/bank" >>"$TMP/racy"
  ms "$TMP/bank" --fixed >>"$TMP/fixed"
done
printf 'bank (tasktrace-cc -g -O0) wall ms: racy %s, --fixed %s\n' "$(median <"$TMP/racy")" "$(median <"$TMP/fixed")"
