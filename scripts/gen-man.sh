#!/bin/sh
# Write the man pages from what the programs and the docs say, so that they
# cannot drift: tasktrace(1) from `tasktrace --help` and every
# `tasktrace COMMAND --help`, tasktraced(8) from `tasktraced --help`,
# tasktrace(7) from the README's "Environment variables" and docs/debug.md.
#   gen-man.sh BIN_DIR SRC_DIR OUT_DIR
set -eu
bin=$1 src=$2 out=$3
mkdir -p "$out"
version=$("$bin/tasktrace" --version 2>/dev/null | sed -n '1s/.* //p') || true
[ -n "$version" ] || version=$(sed -n 's/^project(tasktrace VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y-%m-%d)

# help2roff: a --help text on stdin to man page sections. The shape every
# tasktrace --help has: "usage: ..." lines, paragraphs, option lines
# starting "  -" with their description after two spaces or on the lines
# below, indented further.
help2roff() {
  awk -v sect_opts="${1:-OPTIONS}" '
    function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); sub(/^[.'"'"']/, "\\\\\\&&", s); return s }
    BEGIN { mode = "" }
    /^usage: / { sub(/^usage: /, ""); print ".SY"; print esc($0); usage = 1; next }
    usage && /^  +[^ -]/ { sub(/^ +/, ""); print esc($0); next }
    usage { print ".YS"; usage = 0 }
    /^$/ { if (mode == "p") print ".PP"; mode = ""; next }
    /^  +-/ {
      if (!opts) { print ".SS " sect_opts; opts = 1 }
      line = $0; sub(/^ +/, "", line)
      n = index(line, "  ")
      print ".TP"
      if (n) { print "\\fB" esc(substr(line, 1, n - 1)) "\\fR"; d = substr(line, n); sub(/^ +/, "", d); print esc(d) }
      else print "\\fB" esc(line) "\\fR"
      mode = "o"; next
    }
    mode == "o" && /^      / { sub(/^ +/, ""); print esc($0); next }
    /^  [a-z]/ && cmds { sub(/^  /, ""); n = index($0, " "); print ".TP"; print "\\fB" esc(substr($0, 1, n - 1)) "\\fR"; d = substr($0, n); sub(/^ +/, "", d); print esc(d); next }
    /^commands:$/ { print ".SH COMMANDS"; cmds = 1; next }
    { sub(/^ +/, ""); print esc($0); mode = "p" }
    END { if (usage) print ".YS" }'
}

{
  echo ".TH TASKTRACE 1 $date \"tasktrace $version\" \"tasktrace manual\""
  echo ".SH NAME"
  echo "tasktrace \\- record and view the timelines of tasktrace programs"
  echo ".SH SYNOPSIS"
  "$bin/tasktrace" --help | help2roff
  for cmd in $("$bin/tasktrace" --help | awk '/^commands:$/ { c = 1; next } c && /^  [a-z]/ { print $1 }'); do
    echo ".SH \"TASKTRACE $(echo "$cmd" | tr a-z A-Z)\""
    "$bin/tasktrace" "$cmd" --help | help2roff
  done
  echo ".SH ENVIRONMENT"
  echo "See"
  echo ".BR tasktrace (7)."
  echo ".SH EXIT STATUS"
  echo "0 on success; 1 when the work failed (a file that cannot be read, a cut trace where the command says so); 2 on a usage error."
  echo ".SH SEE ALSO"
  echo ".BR tasktraced (8),"
  echo ".BR tasktrace (7),"
  echo ".BR lttng (1),"
  echo ".BR babeltrace2 (1)"
} >"$out/tasktrace.1"

{
  echo ".TH TASKTRACED 8 $date \"tasktrace $version\" \"tasktrace manual\""
  echo ".SH NAME"
  echo "tasktraced \\- collect the event streams of tasktrace programs into .ttrace files"
  echo ".SH SYNOPSIS"
  "$bin/tasktraced" --help | help2roff
  echo ".SH SEE ALSO"
  echo ".BR tasktrace (1),"
  echo ".BR tasktrace (7)"
} >"$out/tasktraced.8"

# md2roff: the markdown of the README and docs/debug.md (headings, tables,
# indented examples, paragraphs) to man page text.
md2roff() {
  awk '
    function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); gsub(/\*\*/, "", s); gsub(/`/, "", s); sub(/^[.'"'"']/, "\\\\\\&&", s); return s }
    /^# / { next }
    /^## / { sub(/^## /, ""); print ".SH \"" toupper(esc($0)) "\""; next }
    /^\| *---/ { next }
    /^\| *(variable|check) *\|/ { next }
    /^\|/ { n = split($0, f, /\|/); print ".TP"; print "\\fB" esc(f[2]) "\\fR"; print esc(f[3]); next }
    /^    / { if (!code) print ".PP\n.nf"; code = 1; sub(/^    /, ""); print esc($0); next }
    code { print ".fi"; code = 0 }
    /^$/ { print ".PP"; next }
    { print esc($0) }
    END { if (code) print ".fi" }'
}

{
  echo ".TH TASKTRACE 7 $date \"tasktrace $version\" \"tasktrace manual\""
  echo ".SH NAME"
  echo "tasktrace \\- environment variables and debug-mode messages of tasktrace programs"
  echo ".SH \"ENVIRONMENT VARIABLES\""
  sed -n '/^## Environment variables/,/^## /{/^## /d;p}' "$src/README.md" | md2roff
  sed -n '/^## /,$p' "$src/docs/debug.md" | md2roff
  echo ".SH SEE ALSO"
  echo ".BR tasktrace (1),"
  echo ".BR tasktraced (8)"
} >"$out/tasktrace.7"
