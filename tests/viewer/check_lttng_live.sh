#!/bin/sh
# Live through LTTng (issue 13): a live session (lttng create --live)
# streamed to a real lttng-relayd of our own on localhost, read by
# `tasktrace summary --follow net://...` while three traced programs run
# one after the other: summaries while it runs, and a last one with all
# three processes when the session is destroyed.
#   check_lttng_live.sh BIN_DIR   (exit 77: no LTTng tools, skipped)
set -u
bin=$1
T=$bin/tasktrace
for tool in lttng lttng-sessiond lttng-relayd; do
  command -v $tool >/dev/null || { echo "$tool not installed: skipped"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tt-lttng-live.XXXXXX")
relayd="" viewer="" session="tt-live-$$"
lt() { LTTNG_HOME=$tmp lttng "$@"; }
cleanup() {
  lt destroy "$session" >/dev/null 2>&1
  [ -z "$viewer" ] || kill "$viewer" 2>/dev/null
  [ -z "$relayd" ] || kill "$relayd" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
[ "$(id -u)" = 0 ] || { echo "needs root (the system session daemon): skipped"; exit 77; }
lt list >/dev/null 2>&1 || lttng-sessiond --daemonize --no-kernel >/dev/null 2>&1
lt list >/dev/null 2>&1 || { echo "FAIL: no lttng-sessiond"; exit 1; }

# Our own relay daemon, on ports of our own (a free range from our pid).
base=$((20000 + ($$ % 4000) * 3))
lttng-relayd -C tcp://127.0.0.1:$base -D tcp://127.0.0.1:$((base + 1)) \
  -L tcp://127.0.0.1:$((base + 2)) -o "$tmp/relay" >"$tmp/relayd.log" 2>&1 &
relayd=$!
for _ in $(seq 200); do
  lt create "$session" --live=100000 --set-url=net://127.0.0.1:$base:$((base + 1)) \
    >"$tmp/create" 2>&1 && break
  kill -0 $relayd 2>/dev/null || { echo "FAIL: lttng-relayd: $(cat "$tmp/relayd.log")"; exit 1; }
  sleep 0.05
done
lt list "$session" >/dev/null 2>&1 || { echo "FAIL: lttng create --live: $(cat "$tmp/create")"; exit 1; }
lt enable-event -u -s "$session" 'tasktrace:*' >/dev/null
lt add-context -u -s "$session" -t vpid -t vtid >/dev/null
# Track nobody (a new session tracks every process): each run is tracked below.
lt track -u -s "$session" --vpid=1 >/dev/null
lt untrack -u -s "$session" --vpid=1 >/dev/null
lt start "$session" >/dev/null
url=net://127.0.0.1:$((base + 2))/host/$(hostname)/$session
"$T" summary --follow --interval 100ms "$url" >"$tmp/out" 2>"$tmp/err" &
viewer=$!

export LTTNG_UST_REGISTER_TIMEOUT=-1
for i in 1 2 3; do
  rm -f "$tmp/go"
  ( while [ ! -e "$tmp/go" ]; do sleep 0.01; done; exec "$bin/../examples/bank" --fixed ) >/dev/null 2>&1 &
  p=$!
  lt track -u -s "$session" --vpid=$p >/dev/null
  touch "$tmp/go"
  wait $p || fail "bank run $i"
  # Until the viewer has shown this run (progress, not a fixed sleep).
  for _ in $(seq 300); do
    [ "$(grep -c '^process [1-9]' "$tmp/out")" -ge 1 ] && grep -q "events so far" "$tmp/out" && break
    sleep 0.05
  done
done
# The relay sends what the live timer flushed; on a loaded machine that
# can lag the runs by many seconds: the session stays up until the viewer
# has printed a summary while it ran (or 60 s).
for _ in $(seq 1200); do
  grep -q "events so far" "$tmp/out" && break
  sleep 0.05
done
lt stop "$session" >/dev/null
lt destroy "$session" >/dev/null
# lttng-live notices a destroyed session within a few live timers; a
# loaded machine can take much longer (the bound is tt-run's 110 s).
for _ in $(seq 1200); do kill -0 $viewer 2>/dev/null || break; sleep 0.05; done
kill -0 $viewer 2>/dev/null && fail "summary --follow did not end with the session"
wait $viewer || fail "summary --follow failed: $(cat "$tmp/err")"
viewer=""
grep -q "events, the end (--follow)" "$tmp/out" || fail "no last summary: $(tail -5 "$tmp/out")"
grep -q "events so far (--follow)" "$tmp/out" || fail "no summary while it ran: $(head -20 "$tmp/out")"
last=$(awk '/^=== /{buf=""; next} {buf = buf $0 "\n"} END {printf "%s", buf}' "$tmp/out")
echo "$last" | grep -q "^trace: .* 3 processes" || fail "not three processes at the end: $(echo "$last" | head -3)"
echo "$last" | grep -q "customer-4 .*examples/bank.c" || fail "no bank tasks: $(echo "$last" | head)"
[ ! -s "$tmp/err" ] || fail "stderr: $(cat "$tmp/err")"
# A session that does not exist: one line.
"$T" summary "net://127.0.0.1:$((base + 2))/host/$(hostname)/no-such-session" >/dev/null 2>"$tmp/err" &&
  fail "a missing session accepted"
grep -q "no-such-session: cannot read this LTTng live session" "$tmp/err" || fail "missing session: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "missing session: not one line: $(cat "$tmp/err")"
[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo ok
