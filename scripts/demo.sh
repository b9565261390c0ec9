#!/usr/bin/env bash
# The tour: build if needed, then run each example of examples/ racy and
# then fixed, showing the wrong result and the right one. The racy runs are
# meant to fail: that is the demonstration, so this script exits 0.
# Then the whole path for one race: record the racy bank under
# `tasktrace record`, print the summary and the timeline of the race, and
# write the HTML timeline (its path is printed at the end).
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_LOG=$(mktemp)
trap 'rm -f "$BUILD_LOG"' EXIT
echo "demo: building (scripts/build.sh)..."
scripts/build.sh >"$BUILD_LOG" 2>&1 || { cat "$BUILD_LOG"; exit 1; }
EXAMPLES=${TT_BUILD_DIR:-build}/examples

if [ -t 1 ]; then
  BOLD=$'\e[1m' RED=$'\e[31m' GREEN=$'\e[32m' OFF=$'\e[0m'
else
  BOLD='' RED='' GREEN='' OFF=''
fi

# show LABEL CMD...: run an example, print its verdict (red: the invariant
# broke, green: it held). stderr is shown too, but for the runtime's
# "seeded scheduler" banner: the label says which seed runs.
show() {
  local label=$1 rc=0 out err
  shift
  err=$(mktemp)
  out=$("$@" 2>"$err") || rc=$?
  case $rc in
  0) printf '  %-7s %s%s%s\n' "$label" "$GREEN" "$out" "$OFF" ;;
  1) printf '  %-7s %s%s%s\n' "$label" "$RED" "$out" "$OFF" ;;
  *) printf '  %-7s unexpected exit status %d:\n%s\n' "$label" "$rc" "$out" ;;
  esac
  grep -v '^tasktrace: seeded scheduler:' "$err" | sed 's/^/          /' || true
  rm -f "$err"
  [ "$rc" -le 1 ]
}

describe() {
  case $1 in
  counter) echo "read-modify-write across a yield; fixed with a Lock" ;;
  bank) echo "check-then-act withdraw across an await; fixed with a Lock" ;;
  cache) echo "cache stampede: all miss, all fetch; fixed with an in-flight Event" ;;
  gate) echo "consumers start before set-up is done; fixed with an Event" ;;
  pipeline) echo "producers/consumers over a shared array; fixed with a bounded Queue" ;;
  esac
}

for ex in counter bank cache gate pipeline; do
  echo
  echo "${BOLD}== $ex: $(describe $ex)${OFF}"
  show racy "$EXAMPLES/$ex"
  show fixed "$EXAMPLES/$ex" --fixed
done
echo
echo "${BOLD}== the seeded scheduler${OFF}"
echo "  TASKTRACE_SCHED_SEED=N shuffles each round of ready tasks and adds yields;"
echo "  the same seed gives the same interleaving, every time:"
echo "  TASKTRACE_SCHED_SEED=7:"
show racy env TASKTRACE_SCHED_SEED=7 "$EXAMPLES/pipeline"
show again env TASKTRACE_SCHED_SEED=7 "$EXAMPLES/pipeline"
show fixed env TASKTRACE_SCHED_SEED=7 "$EXAMPLES/pipeline" --fixed
echo "  TASKTRACE_SCHED_SEED=8:"
show racy env TASKTRACE_SCHED_SEED=8 "$EXAMPLES/pipeline"
echo
echo "Each racy run above broke its invariant (exit 1); each fixed run held (exit 0)."

# The whole path, on the bank race: record, summarise, draw, export.
TT=${TT_BUILD_DIR:-build}/bin/tasktrace
OUT=${TT_BUILD_DIR:-build}/demo
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
echo
echo "${BOLD}== the whole path: record the racy bank, then look at the race${OFF}"
echo "  \$ TASKTRACE_SCHED_SEED=1 tasktrace record -o $OUT/bank.ttrace -- bank"
# The racy run exits 1 (the invariant broke): expected here.
TASKTRACE_SCHED_SEED=1 "$TT" record -o "$OUT/bank.ttrace" -- "$EXAMPLES/bank" 2>&1 |
  grep -v '^tasktrace: seeded scheduler:' | sed 's/^/  /' || true
[ -s "$OUT/bank.ttrace" ] || { echo "demo: tasktrace record wrote no trace" >&2; exit 1; }
echo
echo "  \$ tasktrace summary bank.ttrace"
"$TT" summary "$OUT/bank.ttrace" | sed 's/^/  /'
echo
echo "  \$ tasktrace timeline bank.ttrace"
echo "  Each customer runs its check (#), then sleeps awaiting approval (z): all five"
echo "  are asleep at once, each having seen the balance at 100. That overlap is the"
echo "  race window; the debits that follow take the balance to -50."
"$TT" timeline --width 90 "$OUT/bank.ttrace" | sed 's/^/  /'
echo
echo "  With --fixed, the Lock serialises them: the others wait on it (L) in turn:"
TASKTRACE_SCHED_SEED=1 "$TT" record --quiet -o "$OUT/bank-fixed.ttrace" -- "$EXAMPLES/bank" --fixed \
  >/dev/null 2>&1 || true
"$TT" timeline --width 90 --color never "$OUT/bank-fixed.ttrace" | sed 's/^/  /'
"$TT" locks "$OUT/bank-fixed.ttrace" | sed 's/^/  /'
"$TT" export --format html -o "$OUT/bank.html" "$OUT/bank.ttrace"
"$TT" export --format html -o "$OUT/bank-fixed.html" "$OUT/bank-fixed.ttrace"
"$TT" export --format perfetto -o "$OUT/bank.json" "$OUT/bank.ttrace"
echo
echo "${BOLD}HTML timelines (self-contained, open them in any browser, offline):${OFF}"
echo "  racy:  $OUT/bank.html"
echo "  fixed: $OUT/bank-fixed.html"
echo "Perfetto (https://ui.perfetto.dev, Open trace file): $OUT/bank.json"
