#!/bin/bash
# SPDX-License-Identifier: MIT
# make run: boots mnemo in QEMU, one boot per demo, on the serial console: the boot suite,
# the pager hierarchy step by step, and kernel memory lent by a user-level pager (with the
# kernel's counters). Guest time is deterministic (-icount), so each demo shows the same.
# MNEMO_ROOT=<file in build/boot> boots only that root task (interactive: Ctrl-A X quits);
# MNEMO_KERNEL_ARGS adds kernel options; MNEMO_MEM sets the guest's MiB (default 256).
set -uo pipefail
cd "$(dirname "$0")/../build/boot"

boot() { # $1: root task file
	qemu-system-x86_64 -M pc -cpu qemu64,vendor=GenuineIntel,+pdpe1gb -m "${MNEMO_MEM:-256}" -display none \
		-monitor none -serial mon:stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		${MNEMO_ICOUNT:+-icount shift=0,sleep=off} \
		${MNEMO_DISK:+-drive file=$MNEMO_DISK,format=raw,if=ide,index=0,media=disk} \
		-kernel ../loader/mnemo-loader.elf -initrd "mnemo.elf ${MNEMO_KERNEL_ARGS:-},sigma0.elf,$1"
	local status=$?
	case $status in
	33) echo "mnemo: the root task finished and reported success" ;;
	35) echo "mnemo: the run ended with the failure code"; return 1 ;;
	37) echo "mnemo: no thread could run any more" ;;
	*) echo "mnemo: QEMU exited with status $status"; return 1 ;;
	esac
}

if [ -n "${MNEMO_ROOT:-}" ]; then
	echo "mnemo: booting loader, kernel, sigma0 and $MNEMO_ROOT in QEMU (Ctrl-A X quits)"
	boot "$MNEMO_ROOT"
	exit
fi
export MNEMO_ICOUNT=1
fail=0
for demo in "boot_suite.elf:the boot suite: the X.2 basics" \
	"pager_hier.elf:a pager hierarchy: A' maps to A, A to B, the page is revoked or evicted, B faults and every way back" \
	"kmem_suite.elf:kernel memory lent by a user-level pager and taken back under a running workload"; do
	echo
	echo "=== mnemo: ${demo#*:} (${demo%%:*})"
	boot "${demo%%:*}" </dev/null || fail=1
done
# Persistence: the same disk image from run to run (build/persist-demo.img).
img=$PWD/../persist-demo.img
args="demo steps=4"
[ -f "$img" ] || { truncate -s 16M "$img" && args="fresh $args"; }
echo
echo "=== mnemo: a persistent world: counters, a writer, a pager and its client, checkpointed to $img"
echo "=== (run make run again: the world continues where the last checkpoint left it)"
log=$(mktemp)
MNEMO_DISK=$img boot "persist.elf $args" </dev/null | tee "$log" || fail=1
if grep -q 'boot with `fresh`' "$log"; then # a checkpoint of another build: start anew, as it says
	echo "=== mnemo: the image holds a world of another build; starting a new one on it"
	MNEMO_DISK=$img boot "persist.elf fresh $args" </dev/null || fail=1
fi
rm -f "$log"
exit $fail
