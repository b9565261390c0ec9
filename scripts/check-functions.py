#!/usr/bin/env python3
"""List the C functions longer than a limit, and fail when too many are.

    scripts/check-functions.py [--max-lines N] [--allow K] [--all] [PATH...]

PATH: files or directories (default: the production rooms base/ tracer/
runtime/ collector/ viewer/ cli/ of the source tree, every .c file under
them). A function's length is the lines from its opening brace to its
closing brace, both counted (for this tree's clang-format style, where the
`{` ends the signature line, that is the signature line to the `}` in
column 0). Prints every function over N lines (default 80), longest first,
as FILE:LINE: NAME: LINES lines; exits 1 when more than K (default 0) are
over, 0 otherwise. --all prints every function found with its length.

The parser reads C, not lines: comments, string and character literals,
preprocessor directives and the code of `#if 0` and of #else/#elif
branches are blanked first (so a brace in a string, a comment, a macro body
or an alternative branch is not counted), then braces are matched. A brace
block at file level is a function body when what precedes it, back to the
previous `;`, `}` or directive, ends with a parameter list `)`; a struct,
union or enum body, or an initialiser `= {`, does not.
"""
import argparse
import os
import re
import sys

ROOMS = ("base", "tracer", "runtime", "collector", "viewer", "cli")


def blank(text):
    """text with comments, literals and preprocessor lines as spaces.

    Newlines are kept, so offsets and line numbers stay those of text."""
    out = list(text)
    i, n = 0, len(text)
    line_start = True  # only blanks since the last newline
    conds = []  # per open #if: whether its lines are skipped (#if 0)
    events = []  # (offset, "if" | "else" | "endif") of the other conditionals
    skip_from = 0

    def wipe(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "\n":
            line_start = True
            i += 1
            continue
        if line_start and c == "#":
            # A directive, with its backslash-continued lines (and any
            # comment in it, which may span lines).
            j = i
            while j < n and text[j] != "\n":
                if text.startswith("/*", j):
                    e = text.find("*/", j + 2)
                    j = n if e < 0 else e + 2
                    continue
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
                    j += 2
                    continue
                j += 1
            was = skipping(conds)
            directive(text[i:j], conds, i, events)
            if not was and skipping(conds):
                skip_from = j
            elif was and not skipping(conds):
                wipe(skip_from, i)
            wipe(i, j)
            i = j
            continue
        if not c.isspace():
            line_start = False
        if text.startswith("/*", i):
            e = text.find("*/", i + 2)
            e = n if e < 0 else e + 2
            wipe(i, e)
            i = e
        elif text.startswith("//", i):
            e = text.find("\n", i)
            e = n if e < 0 else e
            wipe(i, e)
            i = e
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            wipe(i + 1, min(j, n))  # keep the quotes: "" and '' stay tokens
            i = j + 1
        else:
            i += 1
    if skipping(conds):
        wipe(skip_from, n)
    return "".join(out), events


def directive(line, conds, at, events):
    """Follow the conditional directive line (at offset at): the code of
    `#if 0` is dead, blanked; the branches of any other #if are all read,
    and events gets where each starts and ends, so that the brace matching
    can read every branch from the same depth (a signature written once per
    branch opens one body)."""
    m = re.match(r"\s*#\s*(\w+)\s*(.*)", line, re.S)
    if m is None:
        return
    word, rest = m.group(1), m.group(2).strip()
    live = not skipping(conds)
    if word in ("if", "ifdef", "ifndef"):
        dead = word == "if" and rest == "0"
        conds.append(dead)
        if live and not dead:
            events.append((at, "if"))
    elif word in ("elif", "else") and conds:
        if conds[-1] and not skipping(conds[:-1]):
            conds[-1] = False  # #if 0 ... #else: the else branch is live
            events.append((at, "if"))
        elif live:
            events.append((at, "else"))
    elif word == "endif" and conds:
        if live:
            events.append((at, "endif"))
        conds.pop()


def skipping(conds):
    return any(conds)


IDENT = re.compile(r"[A-Za-z_]\w*")


def strip_attributes(h):
    """h without its __attribute__((...)) groups (before or after the name)."""
    while True:
        m = re.search(r"\b__attribute__\s*\(", h)
        if m is None:
            return h
        depth, k = 0, m.end() - 1
        while k < len(h):
            depth += {"(": 1, ")": -1}.get(h[k], 0)
            k += 1
            if depth == 0:
                break
        h = h[:m.start()] + " " + h[k:]


def function_name(header):
    """The name of the function whose signature is header, or None.

    header is the text between the previous top-level `;`/`}` and the `{`.
    It is a function when it ends with `)` (a parameter list; trailing
    attributes such as __attribute__((x)) end with `)` too) and has no
    top-level `=` (an initialiser). The name is the identifier before the
    first top-level `(`."""
    h = strip_attributes(header).strip()
    if not h.endswith(")"):
        return None
    depth = 0
    first_paren = None
    for k, ch in enumerate(h):
        if ch == "(":
            if depth == 0 and first_paren is None:
                first_paren = k
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "=" and depth == 0:
            return None
    if first_paren is None:
        return None
    if h[first_paren + 1:].lstrip().startswith("*"):
        # A function returning a function pointer: int (*name(args))(int)
        m = IDENT.search(h, first_paren)
        return m.group(0) if m else None
    before = h[:first_paren].rstrip()
    m = re.search(r"([A-Za-z_]\w*)$", before)
    if m is None:
        return None
    if m.group(1) in ("struct", "union", "enum", "sizeof", "if", "while", "for", "switch"):
        return None
    return m.group(1)


def functions(path):
    """(name, first line, length in lines) of each function defined in path."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    code, events = blank(text)
    at_event = dict(events)
    found = []
    depth = 0
    boundary = 0  # where the current top-level declaration starts
    open_at = None
    name = None
    saved = []  # per open #if: the state where its branches start
    for i, ch in enumerate(code):
        ev = at_event.get(i)
        if ev == "if":
            saved.append((depth, boundary, open_at, name))
        elif ev == "else" and saved:
            depth, _, open_at, name = saved[-1]
            if depth == 0:
                boundary = i  # a declaration starts in this branch
        elif ev == "endif" and saved:
            saved.pop()
        if ch == "{":
            if depth == 0:
                name = function_name(code[boundary:i])
                open_at = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise SyntaxError("%s:%d: unbalanced '}'" % (path, code.count("\n", 0, i) + 1))
            if depth == 0:
                if name is not None:
                    first = code.count("\n", 0, open_at) + 1
                    last = code.count("\n", 0, i) + 1
                    # The signature's own first line, for the report.
                    header = code[boundary:open_at]
                    start = boundary + len(header) - len(header.lstrip())
                    sig = code.count("\n", 0, start) + 1
                    found.append((name, sig, last - first + 1))
                name = None
                boundary = i + 1
        elif ch == ";" and depth == 0:
            boundary = i + 1
    if depth != 0:
        raise SyntaxError("%s: unbalanced '{' at the end" % path)
    return found


def c_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith(".c"):
                        yield os.path.join(root, f)
        else:
            yield p


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-lines", type=int, default=80)
    ap.add_argument("--allow", type=int, default=0,
                    help="how many functions may be over the limit")
    ap.add_argument("--all", action="store_true", help="print every function")
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."),
                    help="the source tree (default: this script's)")
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args()
    paths = a.paths or [os.path.join(a.root, r) for r in ROOMS]
    root = os.path.normpath(a.root)
    rows = []
    try:
        for path in c_files(paths):
            rel = os.path.relpath(path, root) if not a.paths else path
            for name, line, length in functions(path):
                rows.append((length, rel, line, name))
    except (OSError, SyntaxError) as e:
        print("check-functions: %s" % e, file=sys.stderr)
        return 2
    if a.all:
        for length, rel, line, name in sorted(rows, key=lambda r: (r[1], r[2])):
            print("%s:%d: %s: %d lines" % (rel, line, name, length))
    over = sorted((r for r in rows if r[0] > a.max_lines), key=lambda r: (-r[0], r[1], r[2]))
    if not a.all:
        for length, rel, line, name in over:
            print("%s:%d: %s: %d lines" % (rel, line, name, length))
    print("%d function(s) of %d over %d lines (%d allowed)" %
          (len(over), len(rows), a.max_lines, a.allow))
    return 1 if len(over) > a.allow else 0


if __name__ == "__main__":
    sys.exit(main())
