#!/bin/bash
# SPDX-License-Identifier: MIT
# make picture: boots the mdb chain suite with the kernel debugger, dumps its picture tree, draws build/pictures/mdb-chain.{svg,png}.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/pictures
mkdir -p "$out"
# The scenario types `dump 32 2ff00000` and `go` when the suite stops in the debugger,
# and checks the dump's shape; its serial log is build/pictures/mdb-picture.log.
"$top/tests/qemu/run-scenario.sh" "$top/tests/qemu/scenarios/mdb-picture.scn" "$out" | grep -v '^ok mdb-picture:'
"$top/tools/mdb-picture" -o "$out/mdb-chain" --format svg,png,dot \
	--title "mnemo, mdb chain suite: the derivation tree of one frame (kdb dump from a real run)" "$out/mdb-picture.log"
