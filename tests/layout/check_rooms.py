#!/usr/bin/env python3
"""The rooms of the tree depend one way (docs/architecture.md).

check_rooms.py SRC GRAPH.dot CC checks three things and prints every
violation, one per line:
  links     every link between the project's libraries and programs, as
            `cmake --graphviz` draws it (GRAPH.dot), goes to a room the
            room may use;
  includes  every #include "..." in a room's sources resolves in the room
            itself or in a room it may use, and none climbs with "../";
  umbrella  <tasktrace/tasktrace.h> preprocesses with the runtime's and
            base's include folders alone, and declares nothing of the
            .ttrace reader/writer nor of emission.
Exit 0 when all hold, 1 otherwise.
"""
import os
import re
import subprocess
import sys

# room -> (folders, include folders it publishes, rooms it may use)
ROOMS = {
    "base": (["base"], ["base/include"], []),
    "schema": (["tracer/schema"], ["tracer/schema/include"], ["base"]),
    "format": (["tracer/format"], ["tracer/format/include"], ["schema", "base"]),
    "emit": (["tracer/emit"], ["tracer/emit/include"], ["format", "schema", "base"]),
    "runtime": (["runtime"], ["runtime/include"], ["emit", "schema", "base"]),
    # The race detector: over the runtime, through its hook table
    # (tasktrace/race_hooks.h); the runtime never uses it.
    "race": (["race"], ["race/include"], ["runtime", "base"]),
    "collector": (["collector"], ["collector"], ["runtime", "format", "schema", "base"]),
    "viewer": (["viewer"], ["viewer/include"], ["format", "schema", "base"]),
    "cli": (["cli"], ["cli"], ["viewer", "collector", "runtime", "format", "schema", "base"]),
}
# The libraries and programs of each room (CMake target names).
TARGETS = {
    "tasktrace-base": "base", "tasktrace-schema": "schema", "tasktrace-format": "format",
    "tasktrace-emit": "emit", "tasktrace-lttng": "emit", "tt-gen-lttng": "emit",
    "tasktrace": "runtime", "tasktrace-race": "race", "tasktrace-collector": "collector", "tasktraced": "collector",
    "tasktrace-viewer": "viewer", "tasktrace-cli": "cli",
}


def may_use(room, other):
    return other == room or other in ROOMS[room][2]


def check_links(dot):
    bad = []
    names = dict(re.findall(r'"(node\d+)" \[ label = "([^"]+)"', dot))
    seen = set()
    for a, b in re.findall(r'"(node\d+)" -> "(node\d+)"', dot):
        ta, tb = names.get(a), names.get(b)
        if ta in TARGETS and tb in TARGETS:
            seen.add(ta)
            if not may_use(TARGETS[ta], TARGETS[tb]):
                bad.append(f"links: {ta} ({TARGETS[ta]}) links {tb} ({TARGETS[tb]})")
    for t in ("tasktrace", "tasktrace-format", "tasktrace-viewer", "tasktrace-cli"):
        if t not in seen:
            bad.append(f"links: {t} links no project library: is {sys.argv[2]} a graph of this build?")
    return bad


def room_of(path):
    for room, (folders, _, _) in ROOMS.items():
        for f in folders:
            if path == f or path.startswith(f + "/"):
                return room
    return None


def check_includes(src):
    bad = []
    for room, (folders, _, uses) in ROOMS.items():
        dirs = [d for r in [room] + uses for d in ROOMS[r][1]]
        for folder in folders:
            for top, _, files in os.walk(os.path.join(src, folder)):
                for name in files:
                    if not name.endswith((".c", ".h")):
                        continue
                    path = os.path.join(top, name)
                    rel = os.path.relpath(path, src)
                    with open(path, encoding="utf-8", errors="replace") as f:
                        for n, line in enumerate(f, 1):
                            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                            if not m:
                                continue
                            inc = m.group(1)
                            if inc.startswith("../") or "/../" in inc:
                                bad.append(f"includes: {rel}:{n}: \"{inc}\" climbs out of its folder")
                                continue
                            here = os.path.join(top, inc)
                            if os.path.exists(here) and room_of(os.path.relpath(here, src)) == room:
                                continue
                            if any(os.path.exists(os.path.join(src, d, inc)) for d in dirs):
                                continue
                            owner = [r for r, v in ROOMS.items()
                                     for d in v[1] if os.path.exists(os.path.join(src, d, inc))]
                            if owner:
                                bad.append(f"includes: {rel}:{n}: \"{inc}\" belongs to {owner[0]}, "
                                           f"which {room} may not use")
                            elif not inc.endswith("_tp.h") and not inc.startswith("html_"):
                                bad.append(f"includes: {rel}:{n}: \"{inc}\" is not in {room} "
                                           "nor in a room it may use")
    return bad


def check_umbrella(src, cc):
    hdr = os.path.join(src, "runtime/include/tasktrace/tasktrace.h")
    p = subprocess.run([cc, "-E", "-D_GNU_SOURCE", "-I", os.path.join(src, "runtime/include"),
                        "-I", os.path.join(src, "base/include"), hdr],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return ["umbrella: <tasktrace/tasktrace.h> needs more than runtime/ and base/: "
                + p.stderr.strip().splitlines()[0]]
    bad = []
    for word in ("tt_reader_", "tt_writer_", "tt_trace_event", "tt__emit_", "tt__trace_on"):
        if word in p.stdout:
            bad.append(f"umbrella: <tasktrace/tasktrace.h> declares {word}...")
    return bad


def main():
    if len(sys.argv) != 4:
        print("usage: check_rooms.py SRC GRAPH.dot CC", file=sys.stderr)
        return 2
    src, graph, cc = sys.argv[1:]
    with open(graph, encoding="utf-8") as f:
        dot = f.read()
    bad = check_links(dot) + check_includes(src) + check_umbrella(src, cc)
    for b in bad:
        print(b)
    print(f"check_rooms: {len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
