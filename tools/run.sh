#!/bin/bash
# SPDX-License-Identifier: MIT
# make run: boots mnemo in QEMU with sigma0 and the boot suite on the serial console.
# MNEMO_ROOT=<file in build/boot> picks another root task; MNEMO_KERNEL_ARGS adds kernel options.
set -euo pipefail
cd "$(dirname "$0")/../build/boot"
root=${MNEMO_ROOT:-boot_suite.elf}
echo "mnemo: booting loader, kernel, sigma0 and $root in QEMU (Ctrl-A X quits)"
set +e
qemu-system-x86_64 -M pc -cpu qemu64,vendor=GenuineIntel,+pdpe1gb -m 128 -display none -monitor none \
	-serial mon:stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel ../loader/mnemo-loader.elf -initrd "mnemo.elf ${MNEMO_KERNEL_ARGS:-},sigma0.elf,$root"
status=$?
case $status in
33) echo "mnemo: the root task finished and reported success" ;;
35) echo "mnemo: the run ended with the failure code"; exit 1 ;;
37) echo "mnemo: no thread could run any more" ;;
*) echo "mnemo: QEMU exited with status $status"; exit 1 ;;
esac
