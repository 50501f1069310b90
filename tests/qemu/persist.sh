#!/bin/bash
# SPDX-License-Identifier: MIT
# Persistence tests: the checkpointing root pager (user/tests/persist) on one disk image across
# restarts, power cuts at chosen disk writes, and bad images. Prints ok/not ok lines like
# run-scenario.sh; exits 1 if any failed.
#
# Usage: tests/qemu/persist.sh WORKDIR [CRASH_SEEDS]   (default 20 seeds; `make persist-crash` 200)
#
# Every boot runs under -icount (guest time is deterministic); the power is cut by the guest
# itself at the N-th disk write of its boot (`crash=N`: QEMU exits with 39), so a seed always
# cuts at the same point. After every boot the next one must restore exactly the checkpoint the
# log says was committed last: the same sequence number, digest of all pages and thread states,
# and counter. After a cut that is the last committed checkpoint, or the one whose commit record
# was being written (never a mix: the digest would differ, and the tasks check themselves).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:?usage: persist.sh WORKDIR [CRASH_SEEDS]}
seeds=${2:-20}
mkdir -p "$work" && work=$(cd "$work" && pwd)
boot_dir=$root/build/boot
fails=0

ok() { echo "ok persist.$1 $2"; }
bad() {
	echo "not ok persist.$1 $2"
	fails=$((fails + 1))
}

# boot IMAGE LOG ARGS...: one boot of the persistent world; sets $status.
boot() {
	local img=$1 log=$2
	shift 2
	(cd "$boot_dir" && timeout 120 qemu-system-x86_64 -M pc -cpu qemu64,vendor=GenuineIntel,+pdpe1gb -m 128 \
		-display none -monitor none -serial stdio -no-reboot -icount shift=0,sleep=off \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-drive "file=$img,format=raw,if=ide,index=0,media=disk" \
		-kernel ../loader/mnemo-loader.elf -initrd "mnemo.elf,sigma0.elf,persist.elf $*" \
		</dev/null 2>&1 | tr -d '\r' >"$log")
	status=${PIPESTATUS[0]}
}

# The line "committing seq=S ..." of seq S in the logs given (digest and counter), empty if none.
committing() { # $1 seq, then logs
	local s=$1
	shift
	grep -h "^persist: committing seq=$s " "$@" 2>/dev/null | tail -n 1 | sed -E 's/.*digest=([0-9a-f]+) counter=([0-9]+).*/\1 \2/'
}
last_committed() { grep -h '^persist: committed seq=' "$@" 2>/dev/null | tail -n 1 | sed -E 's/.*seq=([0-9]+).*/\1/'; }
restored() { grep -h '^persist: restored seq=' "$1" | sed -E 's/.*seq=([0-9]+) digest=([0-9a-f]+) counter=([0-9]+).*/\1 \2 \3/'; }

# ---- five restarts ------------------------------------------------------------------------------
img=$work/world.img
rm -f "$img" && truncate -s 16M "$img"
logs=()
boot "$img" "$work/boot0.log" fresh steps=3
logs+=("$work/boot0.log")
if [ "$status" != 33 ] || ! grep -q '^persist: a new world' "$work/boot0.log"; then
	bad restart.fresh "a fresh world on an empty disk, 3 checkpoints (QEMU exit $status, see $work/boot0.log)"
else
	ok restart.fresh "a fresh world on an empty disk, 3 checkpoints"
fi
all=1
for i in 1 2 3 4 5; do
	want=$(last_committed "${logs[@]}")
	read -r wd wc <<<"$(committing "$want" "${logs[@]}")"
	boot "$img" "$work/boot$i.log" steps=3
	logs+=("$work/boot$i.log")
	read -r gs gd gc <<<"$(restored "$work/boot$i.log")"
	nreb=$(sed -n 's/^persist: \([0-9]*\) first accesses after the restart.*/\1/p' "$work/boot$i.log")
	if [ "${nreb:-0}" -lt 10 ]; then
		bad restart.$i.rebuilt "restart $i: the first accesses were not served by rebuilt mappings (${nreb:-none})"
		all=0
	fi
	if [ "$status" != 33 ] || [ "${gs:-}" != "$want" ] || [ "${gd:-}" != "$wd" ] || [ "${gc:-}" != "$wc" ]; then
		bad restart.$i "restart $i: restores seq $want (digest $wd, counter $wc), got seq ${gs:-?} digest ${gd:-?} counter ${gc:-?}, QEMU exit $status (see $work/boot$i.log)"
		all=0
	fi
done
[ $all = 1 ] && ok restart.five "5 consecutive restarts, each restoring exactly the last committed checkpoint (seq, digest of all pages and thread states, counter); the first accesses served by mappings rebuilt from the records; the tasks' own checks hold"
grep -q 'broken invariant (' "${logs[@]}" && bad restart.invariants "a task reported a broken invariant (see $work)"

# ---- power cuts ----------------------------------------------------------------------------------------
writes=$(grep -h '^persist: .* disk writes' "$work/boot1.log" | sed -E 's/.*: ([0-9]+) disk writes.*/\1/')
[ -z "$writes" ] && writes=100
cuts_ok=0
for s in $(seq 1 "$seeds"); do
	cut=$((1 + (s * 2654435761) % writes))
	cimg=$work/cut.img
	cp "$img" "$cimg"
	before=("${logs[@]}")
	boot "$cimg" "$work/cut$s.log" steps=3 "crash=$cut"
	cut_status=$status
	boot "$cimg" "$work/after$s.log" steps=1
	read -r gs gd gc <<<"$(restored "$work/after$s.log")"
	k=$(last_committed "${before[@]}" "$work/cut$s.log")
	# the one being committed when the power went: its commit record may be on disk
	n=$(grep -h '^persist: committing seq=' "$work/cut$s.log" | tail -n 1 | sed -E 's/.*seq=([0-9]+) .*/\1/')
	read -r kd kc <<<"$(committing "$k" "${before[@]}" "$work/cut$s.log")"
	read -r nd nc <<<"$(committing "${n:-x}" "$work/cut$s.log")"
	if [ "$cut_status" != 39 ] && [ "$cut_status" != 33 ]; then
		bad crash.$s "power cut at write $cut: QEMU exit $cut_status (see $work/cut$s.log)"
	elif [ "$status" != 33 ]; then
		bad crash.$s "power cut at write $cut: the next boot failed, QEMU exit $status (see $work/after$s.log)"
	elif [ "${gs:-}" = "$k" ] && [ "$gd" = "$kd" ] && [ "$gc" = "$kc" ]; then
		cuts_ok=$((cuts_ok + 1))
	elif [ -n "${n:-}" ] && [ "${gs:-}" = "$n" ] && [ "$gd" = "$nd" ] && [ "$gc" = "$nc" ]; then
		cuts_ok=$((cuts_ok + 1))
	else
		bad crash.$s "power cut at write $cut: restored seq ${gs:-?} digest ${gd:-?}, neither the last committed ($k, $kd) nor the one under way (${n:-none}, ${nd:-})"
	fi
done
[ "$cuts_ok" = "$seeds" ] && ok crash.$seeds "$seeds power cuts at seeded disk writes during checkpoints: each next boot restores exactly one committed checkpoint"

# ---- bad images ---------------------------------------------------------------------------------------
bad_image() { # name, description, how to make it from a good image (a command on $bimg)
	local name=$1 what=$2 make=$3 bimg=$work/$1.img
	cp "$img" "$bimg"
	eval "$make"
	local sum
	sum=$(md5sum <"$bimg")
	boot "$bimg" "$work/$name.log"
	if [ "$status" != 33 ] || ! grep -q "^persist: the disk holds no checkpoint I can read: " "$work/$name.log" ||
		! grep -q "boot with \`fresh\`" "$work/$name.log" || [ "$(md5sum <"$bimg")" != "$sum" ]; then
		bad image.$name "$what: refused with a message and left untouched (QEMU exit $status, see $work/$name.log)"
		return
	fi
	boot "$bimg" "$work/$name-fresh.log" fresh steps=1
	if [ "$status" != 33 ] || ! grep -q '^persist: a new world' "$work/$name-fresh.log"; then
		bad image.$name "$what: with \`fresh\` a new world starts on it (QEMU exit $status, see $work/$name-fresh.log)"
		return
	fi
	ok image.$name "$what: refused with a clear message ($(grep -h 'no checkpoint I can read' "$work/$name.log" | sed 's/.*read: //')), untouched; with \`fresh\` a new world"
}
bad_image unformatted "an unformatted (all zero) disk" ': >"$bimg"; truncate -s 16M "$bimg"'
bad_image foreign "a disk of someone else (random bytes)" 'head -c 16777216 /dev/urandom >"$bimg"'
bad_image corrupt "a disk whose checkpoint superblock is corrupted" \
	'printf "\xde\xad\xbe\xef\xde\xad\xbe\xef" | dd of="$bimg" bs=1 seek=24 conv=notrunc status=none'
bad_image truncated "a disk cut to a quarter of its size" 'truncate -s 4M "$bimg"'

[ "$fails" = 0 ]
