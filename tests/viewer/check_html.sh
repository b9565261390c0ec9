#!/bin/sh
# The HTML timeline in a real headless Chromium: it loads without console
# errors and shows the tasks; names from the trace stay text (a task named
# "</script><script>alert(1)</script>" is shown, never run); a screenshot
# has the timeline's colours in it; a page of a million events redraws
# within a frame or two when panned and zoomed.
#   check_html.sh BIN_DIR SRC_DIR      (exit 77: no chromium, skipped)
#   check_html.sh BIN_DIR SRC_DIR sync: only the pages of recorded sync
#     programs (tests/viewer/sync_prog.c): a deadlock shown with its cycle,
#     regions drawn as spans, a timed-out wait
set -u
bin=$1
T=$bin/tasktrace
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "chromium not installed (apt-get install chromium): skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tt-viewer-html.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# chrome URL ARGS...: headless, isolated profile, no network services.
# Two runs of at most 50 s and the million-event page's of at most 150 s
# (CHROME_SECONDS: on a loaded 2-core machine it takes 80-100 s) stay within
# the test's deadline (tests/viewer/CMakeLists.txt); timeout(1) ends the
# browser's whole process group, and its temporary files go to $tmp.
chrome() {
  url=$1; shift
  rm -rf "$tmp/profile"
  TMPDIR=$tmp timeout -k 5 "${CHROME_SECONDS:-50}" "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$tmp/profile" \
    --enable-logging=stderr --v=0 --window-size=1200,600 --hide-scrollbars "$@" "$url"
}

# sync: a recorded lock-order deadlock and a run with regions and a
# timeout, each a page in the browser (issue 10, items 17-18).
if [ "${3:-}" = sync ]; then
  prog=$bin/../tests/tt-sync-prog
  for mode in lockorder mixed; do
    "$T" record --quiet -o "$tmp/$mode.ttrace" -- "$prog" $mode >/dev/null 2>&1
    "$T" export --format html -o "$tmp/$mode.html" "$tmp/$mode.ttrace" || fail "export $mode"
    chrome "file://$tmp/$mode.html" --dump-dom >"$tmp/$mode.dom" 2>"$tmp/$mode.log"
    grep -q 'data-loaded="1"' "$tmp/$mode.dom" || fail "$mode page did not finish loading"
    if grep -q 'CONSOLE' "$tmp/$mode.log"; then fail "$mode: console output: $(grep CONSOLE "$tmp/$mode.log")"; fi
  done
  # The deadlock above the timeline, in the text views' words, as text.
  grep -q '<pre id="deadlock">DEADLOCK at [^<]*tt_lock_acquire in task .\{1,12\}\(alice\|bob\)' "$tmp/lockorder.dom" ||
    fail "no deadlock shown: $(grep -o '<pre id="deadlock">[^<]*' "$tmp/lockorder.dom")"
  grep -q "waits at [^<]*sync_prog.c:[0-9]* for lock .\{1,6\}acct-[ab]" "$tmp/lockorder.dom" ||
    fail "the deadlock's cycle not shown"
  grep -q 'data-regions="2"' "$tmp/mixed.dom" ||
    fail "regions not drawn: $(grep -o '<span id="status"[^>]*>' "$tmp/mixed.dom")"
  grep -q 'data-timeouts="1"' "$tmp/mixed.dom" || fail "the timed-out wait not drawn"
  [ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
  echo ok
  exit 0
fi

# Evil names: markup and control characters in task, lock and mark names.
"$bin/tt-gen-trace" -o "$tmp/evil.ttrace" -n 3000 -t 6 --evil 2>/dev/null
"$T" export --format html -o "$tmp/evil.html" "$tmp/evil.ttrace" || fail "export evil"
chrome "file://$tmp/evil.html" --dump-dom >"$tmp/dom" 2>"$tmp/log"
grep -q 'data-loaded="1"' "$tmp/dom" || fail "page did not finish loading: $(grep -o '<span id="status"[^<]*' "$tmp/dom")"
grep -q 'id="status"[^>]*>[0-9]* lanes' "$tmp/dom" || fail "no status line"
grep -q '&lt;/script&gt;&lt;script&gt;alert(0)&lt;/script&gt;' "$tmp/dom" || fail "evil task name not shown as text"
grep -q 'worker-1' "$tmp/dom" || fail "task worker-1 not listed"
if grep -q 'CONSOLE' "$tmp/log"; then fail "console output: $(grep CONSOLE "$tmp/log")"; fi
if grep -q '<script>alert' "$tmp/dom"; then fail "markup from the trace reached the DOM"; fi
# If any injected script had run, it would have called alert(): headless
# Chromium logs that; and the page's own script would not have finished.
if grep -qi 'alert' "$tmp/log"; then fail "an alert ran: $(grep -i alert "$tmp/log")"; fi

# A recorded trace: screenshot, and the colours of running, lock-blocked
# and sleeping tasks are in it.
"$T" export --format html -o "$tmp/bank.html" "$2/tests/viewer/data/bank-fixed.ttrace" || fail "export bank"
chrome "file://$tmp/bank.html" --screenshot="$tmp/bank.png" >/dev/null 2>"$tmp/log2"
[ -s "$tmp/bank.png" ] || fail "no screenshot"
python3 - "$tmp/bank.png" <<'PY' || fail "screenshot lacks the timeline colours"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, typ = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if typ == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        bpp = {2: 3, 6: 4}[ctype]
    elif typ == b"IDAT":
        idat += body
    pos += 12 + n
raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
seen = set()
for line in rows:
    for x in range(0, stride, bpp):
        seen.add(tuple(line[x:x + 3]))
want = {"lock": (0xd6, 0x27, 0x28), "sleep": (0x9e, 0xca, 0xe1), "runnable": (0xf2, 0xc1, 0x2e)}
missing = [k for k, v in want.items() if v not in seen]
assert not missing, missing
PY
if grep -q 'CONSOLE' "$tmp/log2"; then fail "console output: $(grep CONSOLE "$tmp/log2")"; fi

# A million events: stays responsive (the #bench hook zooms and pans).
"$bin/tt-gen-trace" -o "$tmp/big.ttrace" -n 1000000 -t 20 --forever 2>/dev/null
"$T" export --format html -o "$tmp/big.html" "$tmp/big.ttrace" || fail "export big"
CHROME_SECONDS=150 chrome "file://$tmp/big.html#bench" --dump-dom >"$tmp/dom3" 2>/dev/null
bench=$(grep -o 'data-bench="[^"]*"' "$tmp/dom3")
echo "1M events: $bench"
mean=$(echo "$bench" | sed -n 's/.*mean \([0-9.]*\) ms.*/\1/p')
[ -n "$mean" ] || fail "no bench figures from the big page"
# A bound on a duration is a benchmark's business (scripts/bench-viewer.sh):
# checked only with TT_TEST_TIMING=1, on a quiet machine (scripts/test.sh).
if [ "${TT_TEST_TIMING:-0}" = 1 ] && [ -n "$mean" ]; then
  awk "BEGIN { exit !($mean < 100) }" || fail "mean redraw $mean ms"
fi

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo ok
