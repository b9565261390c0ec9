#!/usr/bin/env python3
"""check-functions.py on fixture.c, whose functions are named fN_LINES:
every one found, with that length, nothing else taken for a function; and
the limit fails (exit 1, the long ones printed) when too many are over."""
import os
import re
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
script = os.path.join(here, "..", "..", "scripts", "check-functions.py")
fixture = os.path.join(here, "fixture.c")
fails = 0


def fail(msg):
    global fails
    print("FAIL: " + msg)
    fails += 1


r = subprocess.run([sys.executable, script, "--all", fixture], capture_output=True, text=True)
if r.returncode != 0:
    fail("--all exited %d: %s" % (r.returncode, r.stderr))
found = re.findall(r"^\S+:(\d+): (\w+): (\d+) lines$", r.stdout, re.M)
with open(fixture) as f:
    want = sorted(set(re.findall(r"\b(f\d+_\d+)\(", f.read())))
got = sorted(name for _, name, _ in found)
# f6 has two signatures (one per branch) and one body: found once.
if got != want:
    fail("functions found %s, want %s" % (got, want))
for line, name, length in found:
    if int(length) != int(name.split("_")[1]):
        fail("%s:%s: %s lines, want %s" % (name, line, length, name.split("_")[1]))

r = subprocess.run([sys.executable, script, "--max-lines", "4", "--allow", "2", fixture],
                   capture_output=True, text=True)
over = re.findall(r": (\w+): \d+ lines$", r.stdout, re.M)
if r.returncode != 1 or over != ["f3_8", "f2_7", "f9_5"]:
    fail("--max-lines 4 --allow 2: exit %d, over %s (want 1, f3_8 f2_7 f9_5)" %
         (r.returncode, over))
r = subprocess.run([sys.executable, script, "--max-lines", "4", "--allow", "3", fixture],
                   capture_output=True, text=True)
if r.returncode != 0:
    fail("--max-lines 4 --allow 3: exit %d, want 0" % r.returncode)
print("ok" if fails == 0 else "%d failure(s)" % fails)
sys.exit(1 if fails else 0)
