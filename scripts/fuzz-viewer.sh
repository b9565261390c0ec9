#!/usr/bin/env bash
# The viewer's libFuzzer targets: scripts/fuzz.sh with ttrace and events as
# the default targets (same options; scripts/fuzz.sh --help).
#   scripts/fuzz-viewer.sh [--time SECONDS] [--build DIR] [TARGET...]   TARGET: ttrace, events
TT_FUZZ_DEFAULT="ttrace events" exec "$(dirname "$0")/fuzz.sh" "$@"
