#!/bin/bash
# SPDX-License-Identifier: MIT
# Boots one QEMU scenario (tests/qemu/scenarios/*.scn) and judges it: only the agreed
# isa-debug-exit code passes; a hang, a triple fault (exit 0 under -no-reboot), a panic
# or a missing expected log line fails, and the tail of the serial log is printed.
# Usage: tests/qemu/run-scenario.sh SCENARIO.scn [LOGDIR]
#
# A scenario is a bash file:
#   MODULES=("mnemo.elf args" "sigma0.elf" "boot_suite.elf" ...)  files of build/boot/, or
#       "fixture:F" (build/loader/fixtures/F), "truncated:F" (F cut to half its size),
#       "garbage:N" (N seeded pseudo-random bytes), "text:S" (a file holding S)
#   EXPECT_EXIT=pass|fail   EXPECT_LOG=(ERE ...)  (must appear in this order)
#   QEMU_MEM=MiB  LOADER_ARGS="..."  QEMU_KERNEL="fixture:F" (instead of the loader)
#   QEMU_EXTRA=(args)  TIMEOUT=seconds (default 60)  ISO=1 (boot a GRUB image instead)
#   ICOUNT=1 (deterministic guest time: -icount shift=0,sleep=off)
#   SERIAL_INPUT="cmd\ncmd\n" (printf %b escapes): typed on the serial console SERIAL_DELAY
#       seconds (default 2) after QEMU starts; otherwise the console's input is empty
#   DISK_MB=n  a fresh zero-filled raw image of n MiB in the scenario's work directory, or
#   DISK_IMAGE=path  an existing raw image (relative paths from the repository top; kept,
#       written in place): the primary master IDE disk (0x1f0, IRQ 14; docs/disk.md)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
scn=$1
logdir=${2:-$root/build/test}
name=$(basename "$scn" .scn)
desc=$(sed -n '1s/^# *//p' "$scn")
mkdir -p "$logdir" && logdir=$(cd "$logdir" && pwd)
log=$logdir/$name.log

MODULES=() EXPECT_EXIT=pass EXPECT_LOG=() QEMU_MEM=128 LOADER_ARGS="" QEMU_KERNEL="" QEMU_EXTRA=()
TIMEOUT=60 ISO="" ICOUNT="" SERIAL_INPUT="" SERIAL_DELAY=2 DISK_MB="" DISK_IMAGE=""
# shellcheck source=/dev/null
source "$scn"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
boot=$root/build/boot fixtures=$root/build/loader/fixtures

# Materialises one module spec in $work; prints the module string (name and args).
module() {
	local spec=${1%% *} args="" file
	[ "$spec" != "$1" ] && args=" ${1#* }"
	case $spec in
	fixture:*) file=${spec#fixture:}; cp "$fixtures/$file" "$work/$file" ;;
	truncated:*) file=${spec#truncated:}; cp "$boot/$file" "$work/$file"
		truncate -s $(($(stat -c %s "$boot/$file") / 2)) "$work/$file" ;;
	garbage:*) file=garbage.bin
		awk -v n="${spec#garbage:}" 'BEGIN { srand(42); for (i = 0; i < n; i++) printf "%c", int(rand() * 255) + 1 }' >"$work/$file" ;;
	text:*) file=text.txt; printf '%s\n' "${spec#text:}" >"$work/$file" ;;
	*) file=$spec; cp "$boot/$file" "$work/$file" ;;
	esac
	printf '%s%s' "$file" "$args"
}

initrd=""
for m in "${MODULES[@]}"; do
	s=$(module "$m") || { echo "not ok scenario.$name $desc (cannot prepare module $m)"; exit 1; }
	initrd=${initrd:+$initrd,}$s
done

kernel=(-kernel "$root/build/loader/mnemo-loader.elf")
[ -n "$QEMU_KERNEL" ] && kernel=(-kernel "$fixtures/${QEMU_KERNEL#fixture:}")
if [ -n "$ISO" ]; then
	mkdir -p "$work/iso"
	for m in "${MODULES[@]}"; do cp "$work/$(basename "${m%% *}")" "$work/iso/" 2>/dev/null; done
	"$root/tools/mkiso.sh" "$work/mnemo.iso" "$root/build/loader/mnemo-loader.elf" "$work/iso" \
		"${MODULES[2]%% *}" "$LOADER_ARGS" >"$work/mkiso.log" 2>&1 ||
		{ echo "not ok scenario.$name $desc (tools/mkiso.sh failed)"; cat "$work/mkiso.log"; exit 1; }
	kernel=(-cdrom "$work/mnemo.iso" -boot d)
	initrd="" LOADER_ARGS=""
fi
# QEMU runs in $work: paths into build/ in QEMU_EXTRA are taken from the repository top.
QEMU_EXTRA=("${QEMU_EXTRA[@]//file=build\//file=$root/build/}")
icount=()
[ -n "$ICOUNT" ] && icount=(-icount shift=0,sleep=off)
disk=()
if [ -n "$DISK_MB" ]; then
	truncate -s "${DISK_MB}M" "$work/disk.img" ||
		{ echo "not ok scenario.$name $desc (cannot create a ${DISK_MB} MiB disk image)"; exit 1; }
	DISK_IMAGE=$work/disk.img
fi
if [ -n "$DISK_IMAGE" ]; then
	case $DISK_IMAGE in /*) ;; *) DISK_IMAGE=$root/$DISK_IMAGE ;; esac
	[ -f "$DISK_IMAGE" ] || { echo "not ok scenario.$name $desc (no disk image $DISK_IMAGE)"; exit 1; }
	disk=(-drive "file=$DISK_IMAGE,format=raw,if=ide,index=0,media=disk")
fi

# Serial input: a writer behind a FIFO types SERIAL_INPUT after the delay and keeps the FIFO open.
input=/dev/null writer=""
if [ -n "$SERIAL_INPUT" ]; then
	mkfifo "$work/serial.in"
	(sleep "$SERIAL_DELAY"; printf '%b' "$SERIAL_INPUT"; exec sleep "$TIMEOUT") >"$work/serial.in" &
	writer=$! input=$work/serial.in
fi
(cd "$work" && timeout "$TIMEOUT" qemu-system-x86_64 -M pc -cpu qemu64,vendor=GenuineIntel,+pdpe1gb \
	-m "$QEMU_MEM" -display none -monitor none -serial stdio -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 "${icount[@]}" "${disk[@]}" "${kernel[@]}" \
	${LOADER_ARGS:+-append "$LOADER_ARGS"} ${initrd:+-initrd "$initrd"} "${QEMU_EXTRA[@]}" \
	<"$input" 2>&1 | tr -d '\r' >"$log")
status=$? # with pipefail: QEMU's (or timeout's) status, tr exits 0
[ -n "$writer" ] && kill "$writer" 2>/dev/null

# In-guest results, named after the scenario.
grep -E '^(ok|not ok) ' "$log" | sed -E "s/^(ok|not ok) /\1 $name:/"

why=""
case $EXPECT_EXIT in pass) want=33 ;; fail) want=35 ;; *) want=$EXPECT_EXIT ;; esac
if [ "$status" = 124 ]; then why="hang: no exit within ${TIMEOUT}s"
elif [ "$status" = 0 ]; then why="triple fault or reset (QEMU exit 0)"
elif [ "$status" != "$want" ]; then why="QEMU exit $status, expected $want ($EXPECT_EXIT)"
elif [ "$EXPECT_EXIT" = pass ] && grep -q '^not ok ' "$log"; then why="an in-guest test failed"
elif [ "$EXPECT_EXIT" = pass ] && grep -q 'PANIC' "$log"; then why="kernel panic"
fi
if [ -z "$why" ]; then
	i=0
	while IFS= read -r line; do
		[ $i -lt ${#EXPECT_LOG[@]} ] && grep -Eq -- "${EXPECT_LOG[$i]}" <<<"$line" && i=$((i + 1))
	done <"$log"
	[ $i -lt ${#EXPECT_LOG[@]} ] && why="expected log line not seen (in order): ${EXPECT_LOG[$i]}"
fi
if [ -z "$why" ]; then
	echo "ok scenario.$name $desc"
else
	echo "not ok scenario.$name $desc: $why"
	echo "--- last lines of $log:"
	tail -n 30 "$log" | sed 's/^/    | /'
	exit 1
fi
