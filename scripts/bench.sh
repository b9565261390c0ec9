#!/usr/bin/env bash
# Run the benchmarks of tasktrace, Go (GOMAXPROCS=1) and Python asyncio in
# one run and print a table with the ratios (see tests/bench/).
#
#   scripts/bench.sh [-n RUNS] [WORKLOAD...]
#
# Each figure is the median of RUNS runs (default 3, or $TT_BENCH_RUNS); the
# three implementations take turns within each run so that a noisy
# neighbour hurts them alike. Workloads: switch lock_counter queue spawn
# million (default: all). asyncio's million runs $TT_BENCH_ASYNCIO_TASKS
# tasks (default 100000; a full million takes it ~16 s and ~1.6 GB per run),
# and its figures are per task, so they compare. million also runs the
# page-touch floor (tests/bench/floor.c: one fresh page in each of a million
# 64 KiB slots, no runtime) in the same rotation: tasktrace's time over it is
# what the runtime adds to the kernel's unavoidable work.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUNS=${TT_BENCH_RUNS:-3}
WORKLOADS=()
while [ "$#" -gt 0 ]; do
  case $1 in
  -n) RUNS=${2:-}; shift; [ "$#" -gt 0 ] && shift ;;
  -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  switch | lock_counter | queue | spawn | million) WORKLOADS+=("$1"); shift ;;
  *) echo "bench.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[ "${#WORKLOADS[@]}" -gt 0 ] || WORKLOADS=(switch lock_counter queue spawn million)
case $RUNS in '' | *[!0-9]* | 0) echo "bench.sh: -n wants a positive number, not '$RUNS'" >&2; exit 2 ;; esac
ASYNCIO_TASKS=${TT_BENCH_ASYNCIO_TASKS:-100000}

TT_SETUP_BENCH=1 scripts/setup.sh >&2
# Configure as scripts/build.sh does, but build only what is measured.
# Progress goes to stderr: stdout is the table.
BUILD=$ROOT/${TT_BUILD_DIR:-build}
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
cmake --build "$BUILD" -j"$(nproc)" --target tasktrace-bench tt-bench-floor >&2
TT_BENCH=$BUILD/bin/tasktrace-bench
FLOOR_BENCH=$BUILD/bin/tt-bench-floor
GO_BENCH=$BUILD/bench/go-bench
# Offline, standard library only: nothing is downloaded.
(cd tests/bench/go && GOFLAGS=-mod=mod GOPROXY=off GOCACHE=$BUILD/bench/go-cache \
  go build -o "$GO_BENCH" .)
# Debian's python3 (the one setup.sh installs), unless told otherwise.
PYTHON=${TT_BENCH_PYTHON:-$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)}

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# run IMPL WORKLOAD: one run; appends its figures to $OUT/IMPL.WORKLOAD.*
run() {
  local impl=$1 w=$2 log=$OUT/$1.$2.log
  case $impl in
  tt) "$TT_BENCH" "$w" >"$log" 2>&1 ;;
  floor) "$FLOOR_BENCH" >"$log" 2>&1 ;;
  go) GOMAXPROCS=1 "$GO_BENCH" "$w" >"$log" 2>&1 ;;
  py)
    if [ "$w" = million ]; then
      "$PYTHON" tests/bench/bench_asyncio.py "$w" --tasks "$ASYNCIO_TASKS" >"$log" 2>&1
    else
      "$PYTHON" tests/bench/bench_asyncio.py "$w" >"$log" 2>&1
    fi
    ;;
  esac || { echo "bench.sh: $impl $w failed:" >&2; cat "$log" >&2; return 1; }
  local last
  last=$(tail -n 1 "$log")
  case $last in
  "$w ns_per_op="*) ;;
  *) echo "bench.sh: $impl $w: unexpected last line: $last" >&2; return 1 ;;
  esac
  sed -n 's/.* ns_per_op=\([0-9.]*\) .*/\1/p' <<<"$last" >>"$OUT/$impl.$w.ns"
  if [ "$w" = million ]; then
    sed -n 's/^million spawn_s=\([0-9.]*\) .*/\1/p' "$log" >>"$OUT/$impl.$w.spawn"
    sed -n 's/^million .*peak_rss_kb=\([0-9]*\).*/\1/p' "$log" >>"$OUT/$impl.$w.rss"
    grep -o 'bytes_per_task=[0-9]*' "$log" | cut -d= -f2 >>"$OUT/$impl.$w.bpt"
  fi
}

# median FILE: the median of the numbers in FILE, or "-" if none.
median() {
  [ -s "$1" ] || { echo -; return; }
  sort -g "$1" | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
}

failed=0
echo "bench: ${WORKLOADS[*]}; median of $RUNS run(s) each" >&2
for ((i = 1; i <= RUNS; i++)); do
  for w in "${WORKLOADS[@]}"; do
    impls="tt go py"
    [ "$w" = million ] && impls="floor tt go py"
    for impl in $impls; do
      echo "bench: run $i/$RUNS: $w ($impl)" >&2
      run "$impl" "$w" || failed=1
    done
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }

echo
echo "tasktrace benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), Linux $(uname -r)"
echo "Go: $(go version | awk '{print $3}'), GOMAXPROCS=1; Python: $("$PYTHON" --version 2>&1 | awk '{print $2}') asyncio"
echo "command: scripts/bench.sh -n $RUNS${WORKLOADS:+ ${WORKLOADS[*]}}; figures are medians of $RUNS runs"
echo
printf '| %-12s | %15s | %9s | %13s | %8s | %10s |\n' workload "tasktrace ns/op" "Go ns/op" "asyncio ns/op" "tt/Go" "asyncio/tt"
printf '| %-12s | %15s | %9s | %13s | %8s | %10s |\n' ------------ --------------- --------- ------------- -------- ----------
for w in "${WORKLOADS[@]}"; do
  tt=$(median "$OUT/tt.$w.ns") go=$(median "$OUT/go.$w.ns") py=$(median "$OUT/py.$w.ns")
  printf '| %-12s | %15s | %9s | %13s | %8s | %10s |\n' "$w" "$tt" "$go" "$py" "$(ratio "$tt" "$go")" "$(ratio "$py" "$tt")"
done
if [[ " ${WORKLOADS[*]} " == *" million "* ]]; then
  echo
  echo "million: tasks that each sleep 1 s; spawn = until all are spawned and asleep"
  floor=$(median "$OUT/floor.million.spawn")
  printf '| %-22s | %7s | %9s | %12s | %14s |\n' implementation "spawn s" "/ floor" "peak RSS MiB" "bytes per task"
  printf '| %-22s | %7s | %9s | %12s | %14s |\n' ---------------------- ------- --------- ------------ --------------
  for impl in floor tt go py; do
    case $impl in
    floor) label="page-touch floor (1M)" ;;
    tt) label="tasktrace (1000000)" ;;
    go) label="Go (1000000)" ;;
    py) label="asyncio ($ASYNCIO_TASKS)" ;;
    esac
    rss=$(median "$OUT/$impl.million.rss")
    [ "$rss" != - ] && rss=$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')
    sp=$(median "$OUT/$impl.million.spawn")
    [ "$impl" = py ] && rel=- || rel=$(ratio "$sp" "$floor")
    printf '| %-22s | %7s | %9s | %12s | %14s |\n' "$label" "$sp" "$rel" "$rss" "$(median "$OUT/$impl.million.bpt")"
  done
fi
echo
echo "ns/op: switch = one yield, lock_counter = one critical section, queue = one item,"
echo "spawn = one task spawned and joined, million = one task spawned and put to sleep."
if [ "$failed" -ne 0 ]; then
  echo "bench.sh: some runs failed (see above); their figures are missing" >&2
  exit 1
fi
