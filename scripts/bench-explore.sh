#!/usr/bin/env bash
# `tasktrace explore`'s figures (docs/explore.md, "Figures"):
#  - runs to the first failure, per program and strategy (pct, random):
#    the median over SEEDS exploration seeds of first_failure_run (run 0 is
#    plain FIFO; the examples/ programs already fail there);
#  - runs per second on this machine, with --jobs 2, and per core, on
#    programs that never fail: runs from the fork server (the default) and
#    with --exec (a fresh exec a run);
#  - the floor beside them (tt-bench-fork-floor, tests/bench/fork_floor.c):
#    fork + _exit + waitpid with no tasktrace at all, 2 loops at once, bare
#    and with 75 copy-on-write pages written by each child (what a run of
#    counter --fixed writes: 75 page faults, perf stat), directly and
#    through a fork server's socket as explore's runs are; and explore's
#    runs/s as a fraction of that last floor.
#
#   scripts/bench-explore.sh [-s SEEDS] [-r RUNS] [-m MAXRUNS] [-t SECONDS]
#                            [-o table|speed]
#
# SEEDS defaults to 20, RUNS (for runs/s) to 2000, MAXRUNS (the budget of
# each search) to 2000 and SECONDS (its time budget) to 30; -o prints only
# the runs-to-failure table or only the runs/s and floor figures. Uses
# $TT_BUILD_DIR or build/.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${TT_BUILD_DIR:-build}
TT=$B/bin/tasktrace
SEEDS=20
RUNS=2000
MAXRUNS=2000
SECS=30
ONLY=
while [ "$#" -gt 0 ]; do
  case $1 in
  -s) SEEDS=${2:-}; shift 2 ;;
  -r) RUNS=${2:-}; shift 2 ;;
  -m) MAXRUNS=${2:-}; shift 2 ;;
  -t) SECS=${2:-}; shift 2 ;;
  -o) ONLY=${2:-}; shift 2 ;;
  -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench-explore.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for n in "$SEEDS" "$RUNS" "$MAXRUNS" "$SECS"; do
  case $n in '' | *[!0-9]* | 0) echo "bench-explore.sh: -s/-r/-m/-t want a positive number" >&2; exit 2 ;; esac
done
case $ONLY in '' | table | speed) ;; *) echo "bench-explore.sh: -o wants table or speed" >&2; exit 2 ;; esac
[ -x "$TT" ] || { echo "bench-explore.sh: $TT missing: build first (scripts/build.sh)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { sed -n "\$s/.*\"$1\":\\([^,}]*\\).*/\\1/p" "$2"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

progs=("$B/tests/explore/race_order" "$B/tests/explore/race_invariant" "$B/tests/explore/race_deadlock"
  "$B/tests/explore/race_deep 2" "$B/tests/explore/race_deep 3")
for e in "$B"/examples/*; do [ -f "$e" ] && [ -x "$e" ] && progs+=("$e"); done

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$ONLY" != speed ]; then
echo "# runs to the first failure: median over $SEEDS exploration seeds (--seed 1..$SEEDS),"
echo "# each search at most $MAXRUNS runs / ${SECS} s; run 0 is plain FIFO"
printf '%-18s %-8s %12s %10s %8s\n' program strategy "runs-to-fail" "not-found" "runs/s"
for p in "${progs[@]}"; do
  for strat in pct random; do
    missed=0
    for s in $(seq 1 "$SEEDS"); do
      # shellcheck disable=SC2086
      "$TT" explore --find-only --json --jobs 2 --runs "$MAXRUNS" --time "$SECS" --timeout 5 --seed "$s" \
        --strategy $strat --out "$tmp/o" -- $p >"$tmp/out" 2>/dev/null || true
      r=$(field first_failure_run "$tmp/out")
      field runs_per_second "$tmp/out" >>"$tmp/rs"
      if [ "$r" = null ] || [ -z "$r" ]; then missed=$((missed + 1)); else echo "$r"; fi
    done >"$tmp/runs"
    name=$(basename "${p%% *}")
    [ "$p" = "${p#* }" ] || name="$name ${p#* }"
    # runs/s: the median of the searches' own (short searches are mostly start-up)
    printf '%-18s %-8s %12s %10s %8s\n' "$name" $strat "$(median <"$tmp/runs")" "$missed/$SEEDS" \
      "$(median <"$tmp/rs")"
    rm -f "$tmp/rs"
  done
done
fi
[ "$ONLY" = table ] && exit 0

FLOOR=$B/bin/tt-bench-fork-floor
floor_served=
if [ -x "$FLOOR" ]; then
  echo
  echo "# the floor: fork + _exit + waitpid, 2 loops at once, 2 s each (tt-bench-fork-floor); load $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-34s %10s %12s\n' floor "runs/s" "runs/s/core"
  for a in "" "--pages 75" "--served" "--served --pages 75"; do
    # shellcheck disable=SC2086
    rs=$("$FLOOR" --jobs 2 --seconds 2 $a | sed -n 's/.*runs_per_s=\([0-9]*\).*/\1/p')
    [ "$a" = "--served --pages 75" ] && floor_served=$rs
    printf '%-34s %10s %12s\n' "fork${a:+ $a}" "$rs" "$(awk -v r="$rs" -v n="$(nproc)" 'BEGIN {printf "%.0f", r / n}')"
  done
fi

echo
echo "# runs per second, --jobs 2, $RUNS runs (strategy pct); per core = runs/s / $(nproc);"
echo "# of floor = runs/s / the served 75-page floor above; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %-12s %10s %12s %9s\n' program start "runs/s" "runs/s/core" "of floor"
for p in "$B/tests/explore/edge never" "$B/examples/counter --fixed" "$B/examples/bank --fixed"; do
  for mode in fork-server exec; do
    flag=
    [ $mode = exec ] && flag=--exec
    # shellcheck disable=SC2086
    "$TT" explore $flag --json --jobs 2 --runs "$RUNS" --time 120 --seed 1 --strategy pct \
      --out "$tmp/o" -- $p >"$tmp/out" 2>/dev/null || true
    rs=$(field runs_per_second "$tmp/out")
    printf '%-22s %-12s %10s %12s %9s\n' "$(basename "${p% *}") ${p##* }" $mode "$rs" \
      "$(awk -v r="$rs" -v n="$(nproc)" 'BEGIN {printf "%.1f", r / n}')" \
      "$(awk -v r="$rs" -v f="${floor_served:-0}" 'BEGIN {if (f > 0 && r != "") printf "%.2f", r / f; else print "-"}')"
  done
done
