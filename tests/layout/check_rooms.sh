#!/bin/sh
# The link graph of a fresh configure of the tree (in a scratch folder, so
# that the build under test is not reconfigured), then check_rooms.py.
set -eu
src=$1 cc=$2 dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cmake -S "$src" -B "$dir/b" --graphviz="$dir/deps.dot" >"$dir/log" 2>&1 || { cat "$dir/log"; exit 1; }
exec python3 "$src/tests/layout/check_rooms.py" "$src" "$dir/deps.dot" "$cc"
