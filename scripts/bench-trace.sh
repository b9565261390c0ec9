#!/usr/bin/env bash
# bench-trace.sh [RUNS]: issue 3's overhead targets, side by side in one run
# (medians of RUNS, default 5; the variants are interleaved so that load from
# elsewhere hits them alike). Builds into $TT_BUILD_DIR (default build) and,
# for the compiled-out variant, $TT_BUILD_DIR/lttng-off (-DTT_LTTNG=OFF).
#
#  1. tracing compiled in, provider loaded, no session, vs TT_LTTNG=OFF,
#     on `tasktrace-bench switch`                        target: within 3%
#  2. debug mode (TASKTRACE_DEBUG=1) on vs off, on `switch` and
#     `lock_counter`                                     target: at most 2x
#  3. cost per event with a session recording tasktrace:* (task_switch, 4
#     integers) vs a bare LTTng-UST tracepoint with 3 integer fields
#                                                        target: within 1.2x
#  4. `switch` recorded with tasktrace:* at default channel sizes: events
#     in the trace, none discarded
#  5. the sync objects' events (issue 10): `tasktrace-bench sync` (event
#     set/clear, semaphore, lock, queue put/get: 8 events a round) plain,
#     and recorded by `tasktrace record`; the difference per call
# Parts 3 and 4 start lttng-sessiond if none runs (scripts/lttng-record.sh).
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
B=${TT_BUILD_DIR:-build}
OFF=$B/lttng-off
runs=${1:-5}
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "bench-trace.sh: RUNS: '$runs' is not a positive number (try --help)" >&2; exit 2; }

[ -f "$B/CMakeCache.txt" ] || cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$B" -j"$(nproc)" --target tasktrace-bench tasktrace-lttng tt-bench-lttng-bare \
  tt-bench-lttng-emit tasktrace-cli >/dev/null
[ -f "$OFF/CMakeCache.txt" ] ||
  cmake -S . -B "$OFF" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTT_LTTNG=OFF >/dev/null
cmake --build "$OFF" -j"$(nproc)" --target tasktrace-bench >/dev/null

declare -A runs_of best
# take KEY COMMAND...: run it, collect its ns_per_op / ns_per_event.
take() {
  local key=$1 v
  shift
  v=$("$@" | sed -n 's/.*ns_per_\(op\|event\)=\([0-9.]*\).*/\2/p' | tail -1)
  [ -n "$v" ] || { echo "bench-trace: no figure from: $*" >&2; exit 1; }
  runs_of[$key]="${runs_of[$key]:-} $v"
}
# median_all: best[KEY] = the median of KEY's runs (the figure to quote on a
# noisy machine).
median_all() {
  local key
  for key in "${!runs_of[@]}"; do
    best[$key]=$(tr ' ' '\n' <<<"${runs_of[$key]}" | grep . | sort -g |
      awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
  done
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", a/b}'; }
rec() { # rec EVENTS COMMAND...: record under a fresh session, print the figure
  local dir events=$1
  shift
  dir=$(mktemp -d)
  scripts/lttng-record.sh -o "$dir" -e "$events" -- "$@"
  rm -rf "$dir"
}

# recsync: `tasktrace-bench sync` under `tasktrace record` (the native
# stream, what a user records with), its figure
recsync() {
  local dir
  dir=$(mktemp -d)
  "$B/bin/tasktrace" record --quiet -o "$dir/sync.ttrace" -- "$B/bin/tasktrace-bench" sync
  rm -rf "$dir"
}

echo "bench-trace: medians of $runs runs (ns per op / per event)"
for _ in $(seq "$runs"); do
  take sw_on "$B/bin/tasktrace-bench" switch
  take sw_off "$OFF/bin/tasktrace-bench" switch
  take sw_dbg env TASKTRACE_DEBUG=1 "$B/bin/tasktrace-bench" switch
  take lc_on "$B/bin/tasktrace-bench" lock_counter
  take lc_dbg env TASKTRACE_DEBUG=1 "$B/bin/tasktrace-bench" lock_counter
  take ev_bare rec 'ttbench:*' "$B/bin/tt-bench-lttng-bare" 200000
  take ev_tt rec 'tasktrace:*' "$B/bin/tt-bench-lttng-emit" 200000
  take sy_off "$B/bin/tasktrace-bench" sync
  take sy_rec recsync
done

median_all
printf '\n%-58s %10s %10s %8s %s\n' "measure" "base" "variant" "ratio" "target"
printf '%-58s %10s %10s %8s %s\n' "switch: compiled in, no session / TT_LTTNG=OFF" \
  "${best[sw_off]}" "${best[sw_on]}" "$(ratio "${best[sw_on]}" "${best[sw_off]}")" "<= 1.03"
printf '%-58s %10s %10s %8s %s\n' "switch: TASKTRACE_DEBUG=1 / off" \
  "${best[sw_on]}" "${best[sw_dbg]}" "$(ratio "${best[sw_dbg]}" "${best[sw_on]}")" "<= 2"
printf '%-58s %10s %10s %8s %s\n' "lock_counter: TASKTRACE_DEBUG=1 / off" \
  "${best[lc_on]}" "${best[lc_dbg]}" "$(ratio "${best[lc_dbg]}" "${best[lc_on]}")" "<= 2"
printf '%-58s %10s %10s %8s %s\n' "per event, session: tasktrace:task_switch / bare 3-int tp" \
  "${best[ev_bare]}" "${best[ev_tt]}" "$(ratio "${best[ev_tt]}" "${best[ev_bare]}")" "<= 1.2"

# 4. The switch workload recorded at default channel sizes.
dir=$(mktemp -d)
traced=$(scripts/lttng-record.sh -o "$dir" -- "$B/bin/tasktrace-bench" switch |
  sed -n 's/.*ns_per_op=\([0-9.]*\).*/\1/p')
bt=$(babeltrace2 "$dir" 2>&1 >/dev/null | grep -i discarded || true)
n=$(babeltrace2 "$dir" 2>/dev/null | grep -c ' tasktrace:task_switch:' || true)
rm -rf "$dir"
printf '\nswitch recorded with tasktrace:* (default channels): %s ns/op, %s task_switch events, ' \
  "$traced" "$n"
if [ -z "$bt" ]; then echo "none discarded"; else echo "DISCARDED: $bt"; fi

# 5. The sync objects' events: 8 calls a round, each one event recorded.
printf '\nsync (8 calls a round): %s ns/round untraced, %s ns/round recorded (tasktrace record): ' \
  "${best[sy_off]}" "${best[sy_rec]}"
awk -v a="${best[sy_off]}" -v b="${best[sy_rec]}" \
  'BEGIN{printf "%.1f ns per call untraced, %.1f ns more per traced event\n", a/8, (b-a)/8}'
