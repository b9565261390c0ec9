#!/usr/bin/env bash
# `tasktrace explore`'s figures (docs/explore.md, "Figures"):
#  - runs to the first failure, per program and strategy (pct, random):
#    the median over SEEDS exploration seeds of first_failure_run (run 0 is
#    plain FIFO; the examples/ programs already fail there);
#  - runs per second on this machine, with --jobs 2, and per core, on
#    programs that never fail: runs from the fork server (the default) and
#    with --exec (a fresh exec a run).
#
#   scripts/bench-explore.sh [-s SEEDS] [-r RUNS] [-m MAXRUNS] [-t SECONDS]
#
# SEEDS defaults to 20, RUNS (for runs/s) to 2000, MAXRUNS (the budget of
# each search) to 2000 and SECONDS (its time budget) to 30. Uses
# $TT_BUILD_DIR or build/.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${TT_BUILD_DIR:-build}
TT=$B/bin/tasktrace
SEEDS=20
RUNS=2000
MAXRUNS=2000
SECS=30
while [ "$#" -gt 0 ]; do
  case $1 in
  -s) SEEDS=${2:-}; shift 2 ;;
  -r) RUNS=${2:-}; shift 2 ;;
  -m) MAXRUNS=${2:-}; shift 2 ;;
  -t) SECS=${2:-}; shift 2 ;;
  -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench-explore.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for n in "$SEEDS" "$RUNS" "$MAXRUNS" "$SECS"; do
  case $n in '' | *[!0-9]* | 0) echo "bench-explore.sh: -s/-r/-m/-t want a positive number" >&2; exit 2 ;; esac
done
[ -x "$TT" ] || { echo "bench-explore.sh: $TT missing: build first (scripts/build.sh)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { sed -n "\$s/.*\"$1\":\\([^,}]*\\).*/\\1/p" "$2"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

progs=("$B/tests/explore/race_order" "$B/tests/explore/race_invariant" "$B/tests/explore/race_deadlock"
  "$B/tests/explore/race_deep 2" "$B/tests/explore/race_deep 3")
for e in "$B"/examples/*; do [ -f "$e" ] && [ -x "$e" ] && progs+=("$e"); done

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# runs to the first failure: median over $SEEDS exploration seeds (--seed 1..$SEEDS),"
echo "# each search at most $MAXRUNS runs / ${SECS} s; run 0 is plain FIFO"
printf '%-18s %-8s %12s %10s\n' program strategy "runs-to-fail" "not-found"
for p in "${progs[@]}"; do
  for strat in pct random; do
    missed=0
    for s in $(seq 1 "$SEEDS"); do
      # shellcheck disable=SC2086
      "$TT" explore --find-only --json --jobs 2 --runs "$MAXRUNS" --time "$SECS" --timeout 5 --seed "$s" \
        --strategy $strat --out "$tmp/o" -- $p >"$tmp/out" 2>/dev/null || true
      r=$(field first_failure_run "$tmp/out")
      if [ "$r" = null ] || [ -z "$r" ]; then missed=$((missed + 1)); else echo "$r"; fi
    done >"$tmp/runs"
    name=$(basename "${p%% *}")
    [ "$p" = "${p#* }" ] || name="$name ${p#* }"
    printf '%-18s %-8s %12s %10s\n' "$name" $strat "$(median <"$tmp/runs")" "$missed/$SEEDS"
  done
done

echo
echo "# runs per second, --jobs 2, $RUNS runs (strategy pct); per core = runs/s / $(nproc)"
printf '%-22s %-12s %10s %12s\n' program start "runs/s" "runs/s/core"
for p in "$B/tests/explore/edge never" "$B/examples/counter --fixed" "$B/examples/bank --fixed"; do
  for mode in fork-server exec; do
    flag=
    [ $mode = exec ] && flag=--exec
    # shellcheck disable=SC2086
    "$TT" explore $flag --json --jobs 2 --runs "$RUNS" --time 120 --seed 1 --strategy pct \
      --out "$tmp/o" -- $p >"$tmp/out" 2>/dev/null || true
    rs=$(field runs_per_second "$tmp/out")
    printf '%-22s %-12s %10s %12s\n' "$(basename "${p% *}") ${p##* }" $mode "$rs" \
      "$(awk -v r="$rs" -v n="$(nproc)" 'BEGIN {printf "%.1f", r / n}')"
  done
done
