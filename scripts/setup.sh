#!/usr/bin/env bash
# Install the Debian packages tasktrace builds, tests and benchmarks with.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

PKGS=(build-essential cmake pkg-config libuv1-dev zlib1g-dev libdeflate-dev
      liblttng-ust-dev lttng-tools babeltrace2 libbabeltrace2-dev
      clang valgrind)
# Extra packages for the test suite and benchmarks, by purpose:
#   chromium: the HTML page is tested in a real headless browser (python3
#   checks its screenshot and the Perfetto JSON);
#   golang-go, python3: the benchmark baselines (Go, asyncio).
[ "${TT_SETUP_TEST:-0}" = 1 ] && PKGS+=(chromium python3)
[ "${TT_SETUP_BENCH:-0}" = 1 ] && PKGS+=(golang-go python3)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
