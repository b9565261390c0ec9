#!/bin/sh
# Build ctx_selftest for another architecture with a cross compiler and run
# it under qemu user-mode emulation (no binfmt needed: qemu is called
# directly). Exits 77, ctest's SKIP_RETURN_CODE, when either tool is absent.
# Usage: cross_selftest.sh CC QEMU SYSROOT OUT CFLAGS-AND-SOURCES...
set -eu
cc=$1 qemu=$2 sysroot=$3 out=$4
shift 4
for tool in "$cc" "$qemu"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found (on Debian: apt-get install -y gcc-aarch64-linux-gnu qemu-user)"
    exit 77
  fi
done
# -static: the binary needs no target libc at run time; -L is for the case
# the toolchain links dynamically anyway.
"$cc" -O2 -g -static -Wall -Wextra -o "$out" "$@"
exec "$qemu" -L "$sysroot" "$out"
