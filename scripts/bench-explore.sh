#!/usr/bin/env bash
# `tasktrace explore`'s figures (docs/explore.md, "Figures"):
#  - runs to the first failure, per program and strategy (pct, random):
#    the median over SEEDS exploration seeds of first_failure_run (run 0 is
#    plain FIFO; the examples/ programs already fail there);
#  - runs per second on this machine, with --jobs 2, on programs that never
#    fail (every run is a fork/exec of the program).
#
#   scripts/bench-explore.sh [-s SEEDS] [-r RUNS]
#
# SEEDS defaults to 20, RUNS (for runs/s) to 300. Uses $TT_BUILD_DIR or build/.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${TT_BUILD_DIR:-build}
TT=$B/bin/tasktrace
SEEDS=20
RUNS=300
while [ "$#" -gt 0 ]; do
  case $1 in
  -s) SEEDS=${2:-}; shift 2 ;;
  -r) RUNS=${2:-}; shift 2 ;;
  -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench-explore.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for n in "$SEEDS" "$RUNS"; do
  case $n in '' | *[!0-9]* | 0) echo "bench-explore.sh: -s/-r want a positive number" >&2; exit 2 ;; esac
done
[ -x "$TT" ] || { echo "bench-explore.sh: $TT missing: build first (scripts/build.sh)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { sed -n "\$s/.*\"$1\":\\([^,}]*\\).*/\\1/p" "$2"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

progs=("$B/tests/explore/race_order" "$B/tests/explore/race_invariant" "$B/tests/explore/race_deadlock")
for e in "$B"/examples/*; do [ -f "$e" ] && [ -x "$e" ] && progs+=("$e"); done

printf '%-16s %-8s %12s %10s\n' program strategy "runs-to-fail" "not-found"
for p in "${progs[@]}"; do
  for strat in pct random; do
    missed=0
    for s in $(seq 1 "$SEEDS"); do
      "$TT" explore --find-only --json --jobs 2 --runs 2000 --time 30 --timeout 5 --seed "$s" \
        --strategy $strat --out "$tmp/o" -- "$p" >"$tmp/out" 2>/dev/null || true
      r=$(field first_failure_run "$tmp/out")
      if [ "$r" = null ] || [ -z "$r" ]; then missed=$((missed + 1)); else echo "$r"; fi
    done >"$tmp/runs"
    printf '%-16s %-8s %12s %10s\n' "$(basename "$p")" $strat "$(median <"$tmp/runs")" "$missed/$SEEDS"
  done
done

echo
printf '%-24s %-10s %10s\n' program strategy "runs/s"
for p in "$B/tests/explore/edge never" "$B/examples/counter --fixed" "$B/examples/bank --fixed"; do
  for strat in pct random; do
    # shellcheck disable=SC2086
    "$TT" explore --json --jobs 2 --runs "$RUNS" --time 60 --seed 1 --strategy $strat \
      --out "$tmp/o" -- $p >"$tmp/out" 2>/dev/null || true
    printf '%-24s %-10s %10s\n' "$(basename "${p% *}") ${p##* }" $strat "$(field runs_per_second "$tmp/out")"
  done
done
