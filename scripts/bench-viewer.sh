#!/usr/bin/env bash
# bench-viewer.sh [BUILD_DIR]: the viewer's figures, in one run.
#
#   1. .ttrace input rate into the model and the summary (events/s), and
#      peak memory, on a synthetic trace of BENCH_EVENTS events (default
#      100 million; tt-gen-trace writes it with the collector's writer):
#      once with 1000 long-lived tasks (memory must not grow with events),
#      once with tasks constantly finishing and replaced (it grows with tasks).
#   2. LTTng input rate: `tasktrace summary DIR` against
#      `babeltrace2 --output-format=dummy DIR` on one LTTng trace of
#      tasktrace-bench's switch workload (needs lttng-tools; skipped without).
#   3. The HTML page on a million events: export time, file size, and in
#      headless Chromium the load time and redraw times while zooming and
#      panning (needs chromium; skipped without).
# Wall and CPU (user+sys) times are both given: on a shared machine the CPU
# time is the steadier figure. Figures are indicative. BENCH_TMP (default /tmp) holds
# the traces (about 5 bytes per event), removed at the end.
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
build=${1:-build}
bin=$build/bin
T=$bin/tasktrace
n=${BENCH_EVENTS:-100000000}
[ -d "$build" ] || { echo "bench-viewer.sh: BUILD_DIR: '$build' is not a directory (try --help)" >&2; exit 2; }
tmp=$(mktemp -d "${BENCH_TMP:-/tmp}/tt-bench-viewer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for f in "$T" "$bin/tt-gen-trace"; do
  [ -x "$f" ] || { echo "bench-viewer: $f missing: build first (scripts/build.sh)" >&2; exit 1; }
done

# timed LABEL EVENTS CMD...: wall time, events/s and peak RSS of CMD.
timed() {
  local label=$1 events=$2; shift 2
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" >/dev/null
  read -r secs user sys kib <"$tmp/time"
  awk -v l="$label" -v e="$events" -v s="$secs" -v c="$(awk "BEGIN{print $user+$sys}")" -v k="$kib" 'BEGIN {
    printf "%-44s %11d ev %7.2f s wall %7.2f M ev/s | %7.2f s cpu %7.2f M ev/s | %7.1f MiB RSS\n",
           l, e, s, (s > 0 ? e / s / 1e6 : 0), c, (c > 0 ? e / c / 1e6 : 0), k / 1024 }'
}

echo "== .ttrace input: tasktrace summary (model + summary), $n events"
"$bin/tt-gen-trace" -o "$tmp/long.ttrace" -n "$n" -t 1000 --forever 2>/dev/null
echo "trace: $(stat -c %s "$tmp/long.ttrace") bytes ($(awk -v b="$(stat -c %s "$tmp/long.ttrace")" -v n="$n" 'BEGIN{printf "%.2f", b/n}') bytes/event)"
timed "summary, 1000 long-lived tasks" "$n" "$T" summary "$tmp/long.ttrace"
rm -f "$tmp/long.ttrace"
"$bin/tt-gen-trace" -o "$tmp/short.ttrace" -n "$n" -t 1000 2>/dev/null
tasks=$("$T" summary "$tmp/short.ttrace" | sed -n 's/^trace: .*, \([0-9]*\) tasks.*/\1/p')
timed "summary, tasks replaced ($tasks tasks in all)" "$n" "$T" summary "$tmp/short.ttrace"
rm -f "$tmp/short.ttrace"
m=$((n / 100))
"$bin/tt-gen-trace" -o "$tmp/small.ttrace" -n "$m" -t 1000 --forever 2>/dev/null
timed "summary, 1000 long-lived tasks (1/100 size)" "$m" "$T" summary "$tmp/small.ttrace"
rm -f "$tmp/small.ttrace"

echo
echo "== LTTng input: tasktrace summary DIR vs babeltrace2 --output-format=dummy DIR"
if command -v lttng >/dev/null && [ -x "$bin/tasktrace-bench" ]; then
  bash "$(dirname "$0")/lttng-record.sh" -b -o "$tmp/lttng" -- "$bin/tasktrace-bench" switch >/dev/null 2>&1
  ev=$("$T" summary "$tmp/lttng" | sed -n 's/^trace: \([0-9]*\) events.*/\1/p')
  echo "trace: $ev tasktrace events, $(du -sb "$tmp/lttng" | cut -f1) bytes"
  timed "babeltrace2 --output-format=dummy" "$ev" babeltrace2 --output-format=dummy "$tmp/lttng"
  timed "tasktrace summary (LTTng directory)" "$ev" "$T" summary "$tmp/lttng"
  "$T" import -o "$tmp/imported.ttrace" "$tmp/lttng" | tail -1
  timed "tasktrace summary (the import, .ttrace)" "$ev" "$T" summary "$tmp/imported.ttrace"
  rm -rf "$tmp/lttng" "$tmp/imported.ttrace"
else
  echo "(skipped: lttng-tools or tasktrace-bench missing)"
fi

echo
echo "== HTML page: a million events"
"$bin/tt-gen-trace" -o "$tmp/m.ttrace" -n 1000000 -t 20 --forever 2>/dev/null
timed "export --format html" 1000000 "$T" export --format html -o "$tmp/m.html" "$tmp/m.ttrace"
timed "export --format perfetto" 1000000 "$T" export --format perfetto -o "$tmp/m.json" "$tmp/m.ttrace"
echo "html: $(stat -c %s "$tmp/m.html") bytes; perfetto json: $(stat -c %s "$tmp/m.json") bytes"
CHROMIUM=$(command -v chromium || true)
if [ -n "$CHROMIUM" ]; then
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$tmp/profile" \
    --window-size=1400,900 --dump-dom "file://$tmp/m.html#bench" 2>/dev/null |
    grep -o 'data-bench="[^"]*"' | sed 's/data-bench=/chromium (1400x900): /'
else
  echo "(chromium missing: no page timings)"
fi
