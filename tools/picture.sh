#!/bin/bash
# SPDX-License-Identifier: MIT
# make picture: dumps derivation trees under the kernel debugger in real runs and draws them: build/pictures/mdb-chain and pager-hier-{before,after} (.svg, .png).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/pictures
mkdir -p "$out"
# The scenario types `dump 32 2ff00000` and `go` when the suite stops in the debugger,
# and checks the dump's shape; its serial log is build/pictures/mdb-picture.log.
"$top/tests/qemu/run-scenario.sh" "$top/tests/qemu/scenarios/mdb-picture.scn" "$out" | grep -v '^ok mdb-picture:'
"$top/tools/mdb-picture" -o "$out/mdb-chain" --format svg,png,dot \
	--title "mnemo, mdb chain suite: the derivation tree of one frame (kdb dump from a real run)" "$out/mdb-picture.log"

# The pager hierarchy (user/tests/pager_hier, test pager.evicted, module argument
# `picture`): the debugger is entered before the kernel evicts A's and B's mappings and
# after LB rebuilt them; the scenario dumps the frame as A's and as B's mapping each time.
# The kernel keeps no evicted nodes and does not know a mapping is rebuilt: the suite says
# which ones (its "picture:" lines), and this script adds the flags to those two lines.
"$top/tests/qemu/run-scenario.sh" "$top/tests/qemu/scenarios/pager-picture.scn" "$out" | grep -v '^ok pager-picture:'
log=$out/pager-picture.log
read -r a_no a_va b_no b_va < <(sed -n \
	's/^picture: before: A \([0-9a-f]*\) at \(0x[0-9a-f]*\), B \([0-9a-f]*\) at \(0x[0-9a-f]*\) .*/\1 \2 \3 \4/p' "$log")
space_of() { sed -n "s/^# asked: $1 space=\(s[0-9]*\) vaddr=$2\$/\1/p" "$log" | head -n 1; }
a_s=$(space_of "$a_no" "$a_va") b_s=$(space_of "$b_no" "$b_va")
[ -n "$a_s" ] && [ -n "$b_s" ] || { echo "picture: A's or B's space is not in $log" >&2; exit 1; }
# dump number $1 of the log (1-based), with flag $2 on A's and B's mappings
cut_dump() {
	awk -v n="$1" '/^--- mdb-dump begin/ { k++ } k == n { print } k == n && /^--- mdb-dump end/ { exit }' "$log" |
		sed -E "/^map .* space=($a_s vaddr=$a_va|$b_s vaddr=$b_va) /s/\$/ $2/"
}
cut_dump 2 evicted >"$out/pager-hier-before.dump"
cut_dump 4 rebuilt >"$out/pager-hier-after.dump"
for f in before:evicted after:rebuilt; do
	n=$(grep -c " ${f#*:}\$" "$out/pager-hier-${f%:*}.dump" || true)
	[ "$n" = 2 ] || { echo "picture: $n mappings marked ${f#*:} in pager-hier-${f%:*}.dump (want A's and B's)" >&2; exit 1; }
done
"$top/tools/mdb-picture" -o "$out/pager-hier-before" --format svg,png,dot \
	--title "mnemo, pager hierarchy (pager.evicted), before: A' -> A -> B; the kernel evicts A's and B's mappings next (red)" \
	"$out/pager-hier-before.dump"
"$top/tools/mdb-picture" -o "$out/pager-hier-after" --format svg,png,dot \
	--title "mnemo, pager hierarchy (pager.evicted), after: B faulted and LB rebuilt A's and B's mappings (blue)" \
	"$out/pager-hier-after.dump"
