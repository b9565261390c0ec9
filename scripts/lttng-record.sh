#!/usr/bin/env bash
# lttng-record.sh -o DIR [-e EVENTS] [-l LOGLEVEL] [-b] [-C] [-n N] [-w FILE [-s SECONDS]] -- PROGRAM ARGS...
#
# Record one program with LTTng in a fresh session and leave a CTF trace in
# DIR (read it with `babeltrace2 DIR` or `tasktrace ... DIR`). Starts
# lttng-sessiond if none runs (root: the system one; otherwise your per-user
# one) and leaves it running. The session has a unique name, records only
# this program's process (vpid tracker) and is destroyed at the end; no other
# session is touched. Exits with the program's exit status.
#
#   -e EVENTS    event rule, default 'tasktrace:*'
#   -l LOGLEVEL  only events at this LTTng log level or more severe
#                (TRACE_WARNING: slow steps, TRACE_NOTICE: + lock contention,
#                TRACE_INFO: + tasks, locks acquired, objects, marks)
#   -b           blocking channel: the program waits for buffer space
#                instead of LTTng discarding events (LTTNG_UST_ALLOW_BLOCKING)
#   -C           no vpid/vtid contexts, as a plain session without
#                `lttng add-context` (tasktrace then cannot tell processes apart)
#   -n N         run N copies of the program at once (each one tracked)
#   -w FILE      start the session only once FILE exists: the program runs
#                first (and creates FILE), as when tracing a running program
#   -s SECONDS   with -w, start it SECONDS after that (its events are
#                enabled already), as a session started by hand
set -euo pipefail

usage() {
  echo "usage: lttng-record.sh -o DIR [-e EVENTS] [-l LOGLEVEL] [-b] [-C] [-n N] [-w FILE [-s SECONDS]] -- PROGRAM ARGS..." >&2
  exit 2
}
out="" events='tasktrace:*' loglevel="" blocking=0 contexts=1 copies=1 wait_file="" start_after=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=${2:-}; shift 2 || usage ;;
    -e) events=${2:-}; shift 2 || usage ;;
    -l) loglevel=${2:-}; shift 2 || usage ;;
    -b) blocking=1; shift ;;
    -C) contexts=0; shift ;;
    -n) copies=${2:-}; shift 2 || usage ;;
    -w) wait_file=${2:-}; shift 2 || usage ;;
    -s) start_after=${2:-}; shift 2 || usage ;;
    -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
[ -n "$out" ] && [ $# -gt 0 ] || usage
case "$copies" in '' | *[!0-9]* | 0) echo "lttng-record: -n '$copies': not a count above 0" >&2; exit 2 ;; esac
case "$start_after" in '' | [0-9] | [0-9].[0-9] | [0-9].[0-9][0-9]) ;;
  *) echo "lttng-record: -s '$start_after': want seconds, 0 to 9.99" >&2; exit 2 ;; esac
[ -z "$start_after" ] || [ -n "$wait_file" ] || { echo "lttng-record: -s needs -w" >&2; exit 2; }
[ ! -e "$out" ] || [ -d "$out" ] || { echo "lttng-record: -o $out: not a directory" >&2; exit 2; }
command -v "$1" >/dev/null ||
  { echo "lttng-record: cannot run $1: not found or not executable" >&2; exit 127; }
for tool in lttng lttng-sessiond; do
  command -v "$tool" >/dev/null || {
    echo "lttng-record: $tool not found (scripts/setup.sh installs lttng-tools)" >&2
    exit 127
  }
done

# The lttng client keeps a "current session" in $LTTNG_HOME/.lttngrc; give
# it a private home so that the user's current session stays theirs. (Root
# reaches the system session daemon whatever LTTNG_HOME says; other users'
# per-user daemon lives under $LTTNG_HOME, so theirs must stay.)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lttng-record.XXXXXX")
lt() {
  if [ "$(id -u)" = 0 ]; then LTTNG_HOME=$tmp lttng --no-sessiond "$@"; else lttng --no-sessiond "$@"; fi
}

# Where the daemon listens for applications: the system one for root.
if [ "$(id -u)" = 0 ]; then
  apps_sock=/var/run/lttng/lttng-ust-sock-8
else
  apps_sock=${LTTNG_HOME:-$HOME}/.lttng/lttng-ust-sock-8
fi
# Two daemons started at once can leave one running without its sockets
# (the loser removes them as it exits): serialize our starts. The lock is
# machine-wide (not under $TMPDIR, which each test of the suite has its own).
exec 9>"/tmp/tasktrace-lttng-sessiond.$(id -u).lock"
flock 9
if ! lt list >/dev/null 2>&1; then
  # It outlives us: not in our $TMPDIR (a test's own, removed after it),
  # and without the lock's descriptor.
  TMPDIR=/tmp lttng-sessiond --daemonize --no-kernel >/dev/null 2>&1 9>&- || true
  for _ in $(seq 100); do
    lt list >/dev/null 2>&1 && [ -S "$apps_sock" ] && break
    sleep 0.05
  done
  lt list >/dev/null 2>&1 || { echo "lttng-record: cannot start lttng-sessiond" >&2; exit 1; }
fi
flock -u 9
exec 9>&-
if [ ! -S "$apps_sock" ]; then
  echo "lttng-record: lttng-sessiond runs but its application socket $apps_sock is gone" \
    "(removed by another daemon that exited?): programs cannot register; restart lttng-sessiond" >&2
  exit 1
fi

session="tasktrace-$$-$(date +%s%N)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
pids=""
cleanup() {
  [ -n "$pids" ] && kill $pids 2>/dev/null || true
  lt destroy "$session" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

lt create "$session" --output="$out" >/dev/null
ev_opts=()
if [ "$blocking" = 1 ]; then
  lt enable-channel -u -s "$session" --blocking-timeout=inf channel0 >/dev/null
  export LTTNG_UST_ALLOW_BLOCKING=1
  ev_opts+=(-c channel0)
fi
[ -n "$loglevel" ] && ev_opts+=(--loglevel="$loglevel")
lt enable-event -u -s "$session" "${ev_opts[@]}" "$events" >/dev/null
[ "$contexts" = 0 ] || lt add-context -u -s "$session" -t vpid -t vtid >/dev/null

# The programs wait for $tmp/go until their pids are tracked and the session
# started, so nothing they emit is missed and nobody else is recorded (with
# -w they run at once, and the session starts when they say so).
# LTTNG_UST_REGISTER_TIMEOUT: wait for the session daemon at start-up
# (default here 10 s instead of LTTng's 3 s; -1 waits forever).
export LTTNG_UST_REGISTER_TIMEOUT=${LTTNG_UST_REGISTER_TIMEOUT:-10000}
[ -z "$wait_file" ] || rm -f "$wait_file"
for _ in $(seq "$copies"); do
  if [ -n "$wait_file" ]; then
    "$@" &
  else
    ( while [ ! -e "$tmp/go" ]; do sleep 0.01; done; exec "$@" ) &
  fi
  pids="$pids $!"
done
if [ -n "$wait_file" ]; then
  for _ in $(seq 1000); do
    [ -e "$wait_file" ] && break
    kill -0 $pids 2>/dev/null || break
    sleep 0.01
  done
  [ -e "$wait_file" ] || { echo "lttng-record: -w $wait_file: the program did not create it" >&2; exit 1; }
  [ -z "$start_after" ] || sleep "$start_after"
fi
lt track -u -s "$session" --vpid="$(echo $pids | tr ' ' ,)" >/dev/null
lt start "$session" >/dev/null
touch "$tmp/go"
rc=0
for p in $pids; do
  r=0
  wait "$p" || r=$?
  [ "$rc" != 0 ] || rc=$r
done
pids=""
lt stop "$session" >/dev/null  # waits until the buffers are on disk
lt destroy "$session" >/dev/null
exit "$rc"
