#!/usr/bin/env bash
# The native tracing path's figures, side by side (README, "Collector"):
#  - recording cost: tasktrace-bench WORKLOAD plain vs under `tasktrace
#    record` (ns per op, ratio), and what it wrote (events, lost, bytes/event);
#  - beside it, the loop thread's CPU time per op, plain and recorded, and
#    the floor: the ratio if recording cost nothing but its clock reads
#    (distinct time stamps per op, times one read of the trace clock:
#    tasktrace-bench clock, or clock_gettime where the TSC is not trusted);
#  - the application thread's cost per event (tt-test-producer's CPU clock,
#    recorded minus plain);
#  - the collector's ingest rate on one core (tt-ingest-bench on the switch
#    recording: decode + validate + deflate + write).
#
#   scripts/bench-collector.sh [-n RUNS] [-t] [WORKLOAD...]
#
# Figures are medians of RUNS runs (default 3). Workloads: switch
# lock_counter queue spawn million (default: all). Uses $TT_BUILD_DIR or build/.
# -t adds the CPU time of each thread of a recording (needs perf).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TT_BUILD_DIR:-build}/bin
RUNS=3
THREADS=0
WORKLOADS=()
while [ "$#" -gt 0 ]; do
  case $1 in
  -n) RUNS=${2:-}; shift 2 ;;
  -t) THREADS=1; shift ;;
  -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  switch | lock_counter | queue | spawn | million) WORKLOADS+=("$1"); shift ;;
  *) echo "bench-collector.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case $RUNS in '' | *[!0-9]* | 0) echo "bench-collector.sh: -n wants a positive number" >&2; exit 2 ;; esac
[ "${#WORKLOADS[@]}" -gt 0 ] || WORKLOADS=(switch lock_counter queue spawn million)
for b in tasktrace tasktrace-bench tt-test-producer tt-ingest-bench; do
  [ -x "$BIN/$b" ] || { echo "bench-collector.sh: $BIN/$b missing: build first (scripts/build.sh)" >&2; exit 2; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
unset TASKTRACE_COLLECTOR

# The floor: what recording would cost if it did nothing but read the
# clock. A time stamp costs one read of the TSC at the least (tasktrace-bench
# clock); a recording makes as many reads per op as it has distinct time
# stamps per op (events that share a read carry the same one, emit.h).
# Which clock that is follows tracer/emit/src/tsc.c's rule: the TSC where
# the kernel uses it or still offers it (and the CPU says constant_tsc and
# nonstop_tsc; the emitter's own cross-CPU check is not repeated here),
# else clock_gettime for every time stamp.
cs=/sys/devices/system/clocksource/clocksource0
clkw=clock_gettime
clkwhy="the kernel does not offer the TSC (available_clocksource: $(echo $(cat $cs/available_clocksource 2>/dev/null)))"
if [ "${TASKTRACE_CLOCK:-auto}" = monotonic ]; then
  clkwhy="TASKTRACE_CLOCK=monotonic"
elif grep -qw tsc $cs/current_clocksource 2>/dev/null ||
  { grep -qw tsc $cs/available_clocksource 2>/dev/null &&
    grep -qw constant_tsc /proc/cpuinfo && grep -qw nonstop_tsc /proc/cpuinfo; }; then
  clkw=clock clkwhy="the TSC"
fi
: >"$TMP/clk"
for ((i = 0; i < RUNS; i++)); do
  "$BIN/tasktrace-bench" $clkw | tail -1 | sed -n 's/.*ns_per_op=\([0-9.]*\).*/\1/p' >>"$TMP/clk"
done
clk=$(median <"$TMP/clk")
echo "one read of the trace clock, $clkwhy (tasktrace-bench $clkw): $clk ns"
echo "cpu: the loop thread's CPU time per op; reads: distinct time stamps per op;"
echo "floor: (plain + reads x one read) / plain, the ratio if recording cost only its clock reads"
echo
printf '%-13s %9s %9s %6s %9s %9s %6s %6s %10s %8s %11s\n' workload plain_ns rec_ns ratio \
  plain_cpu rec_cpu reads floor events lost bytes/event
for w in "${WORKLOADS[@]}"; do
  : >"$TMP/plain"; : >"$TMP/rec"; : >"$TMP/bpe"; : >"$TMP/pcpu"; : >"$TMP/rcpu"; : >"$TMP/reads"
  for ((i = 0; i < RUNS; i++)); do
    "$BIN/tasktrace-bench" "$w" >"$TMP/pout"
    sed -n 's/.* ns_per_op=\([0-9.]*\).*/\1/p' "$TMP/pout" | tail -1 >>"$TMP/plain"
    sed -n 's/.* cpu_ns_per_op=\([0-9.]*\).*/\1/p' "$TMP/pout" | tail -1 >>"$TMP/pcpu"
    "$BIN/tasktrace" record -o "$TMP/$w.ttrace" -- "$BIN/tasktrace-bench" "$w" >"$TMP/out" 2>"$TMP/err"
    sed -n 's/.* ns_per_op=\([0-9.]*\).*/\1/p' "$TMP/out" | tail -1 >>"$TMP/rec"
    sed -n 's/.* cpu_ns_per_op=\([0-9.]*\).*/\1/p' "$TMP/out" | tail -1 >>"$TMP/rcpu"
    ops=$(sed -n 's/.* ops=\([0-9]*\).*/\1/p' "$TMP/out" | tail -1)
    "$BIN/tasktrace" dump "$TMP/$w.ttrace" 2>/dev/null |
      awk -v ops="$ops" '{if ($1 != last) n++; last = $1} END {printf "%.2f\n", n / ops}' >>"$TMP/reads"
    line=$(grep 'tasktrace record: wrote' "$TMP/err")
    ev=$(sed -n 's/.*: \([0-9]*\) events (\([0-9]*\) lost), \([0-9]*\) bytes.*/\1/p' <<<"$line")
    lost=$(sed -n 's/.*: \([0-9]*\) events (\([0-9]*\) lost), \([0-9]*\) bytes.*/\2/p' <<<"$line")
    bytes=$(sed -n 's/.*: \([0-9]*\) events (\([0-9]*\) lost), \([0-9]*\) bytes.*/\3/p' <<<"$line")
    awk -v b="$bytes" -v e="$ev" 'BEGIN {printf "%.3f\n", b / e}' >>"$TMP/bpe"
  done
  p=$(median <"$TMP/plain"); r=$(median <"$TMP/rec"); bpe=$(median <"$TMP/bpe")
  pc=$(median <"$TMP/pcpu"); rc=$(median <"$TMP/rcpu"); rd=$(median <"$TMP/reads")
  printf '%-13s %9s %9s %6s %9s %9s %6s %6s %10s %8s %11s\n' "$w" "$p" "$r" \
    "$(awk -v p="$p" -v r="$r" 'BEGIN {printf "%.2f", r / p}')" "$pc" "$rc" "$rd" \
    "$(awk -v p="$p" -v n="$rd" -v c="$clk" 'BEGIN {printf "%.2f", (p + n * c) / p}')" \
    "$ev" "$lost" "$bpe"
done

: >"$TMP/pc"; : >"$TMP/rc"
for ((i = 0; i < RUNS; i++)); do
  "$BIN/tt-test-producer" 5000000 | sed -n 's/.*cpu_ns_per_event=\([0-9.]*\).*/\1/p' >>"$TMP/pc"
  "$BIN/tasktrace" record --quiet -o "$TMP/p.ttrace" -- "$BIN/tt-test-producer" 5000000 |
    sed -n 's/.*cpu_ns_per_event=\([0-9.]*\).*/\1/p' >>"$TMP/rc"
done
pc=$(median <"$TMP/pc"); rc=$(median <"$TMP/rc")
echo
echo "application thread, per event (CPU clock): loop alone $pc ns, recording $rc ns," \
  "so tracing costs $(awk -v a="$pc" -v b="$rc" 'BEGIN {printf "%.1f", b - a}') ns an event"

if [ -f "$TMP/switch.ttrace" ]; then
  src=$TMP/switch.ttrace
else
  "$BIN/tasktrace" record --quiet -o "$TMP/switch.ttrace" -- "$BIN/tasktrace-bench" switch >/dev/null
  src=$TMP/switch.ttrace
fi
: >"$TMP/ing"; : >"$TMP/val"; : >"$TMP/rest"
for ((i = 0; i < RUNS; i++)); do
  line=$("$BIN/tt-ingest-bench" "$src" 3)
  sed -n 's/.*events_per_s=\([0-9.e+]*\).*/\1/p' <<<"$line" >>"$TMP/ing"
  sed -n 's/.*validate_ns_per_event=\([0-9.]*\).*/\1/p' <<<"$line" >>"$TMP/val"
  sed -n 's/.*rest_ns_per_event=\([0-9.]*\).*/\1/p' <<<"$line" >>"$TMP/rest"
done
echo "collector ingest (decode + validate + deflate level 1 + write, one core):" \
  "$(awk -v x="$(median <"$TMP/ing")" 'BEGIN {printf "%.1f", x / 1e6}') million events/s" \
  "($(median <"$TMP/val") ns an event validating, $(median <"$TMP/rest") ns the rest: copy," \
  "deflate, checksum, write)"

# -t: where the CPU goes while WORKLOADs are recorded, per thread (perf
# record of the task clock, one sample per 100 us: the collector, the
# application thread, its sender thread).
if [ "$THREADS" = 1 ]; then
  command -v perf >/dev/null || { echo "bench-collector.sh: -t needs perf" >&2; exit 2; }
  echo
  for w in "${WORKLOADS[@]}"; do
    perf record -q -e task-clock -c 100000 -o "$TMP/perf.data" -- "$BIN/tasktrace" record \
      --quiet -o "$TMP/t.ttrace" -- "$BIN/tasktrace-bench" "$w" >/dev/null 2>&1
    echo "$w, CPU ms per thread: $(perf report -i "$TMP/perf.data" --sort pid -F sample,pid \
      --stdio 2>/dev/null | awk '/^ *[0-9]/ {sub(/^[0-9]*:/, "", $2); printf "%s %.1f, ", $2, $1 * 0.1}' |
      sed 's/, $//')"
  done
fi
