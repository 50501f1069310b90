#!/bin/bash
# SPDX-License-Identifier: MIT
# make debug: starts QEMU halted with a gdb stub, then gdb on the kernel's ELF64 with tools/gdbinit.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
port=${MNEMO_GDB_PORT:-1234}
cd "$top/build/boot"
qemu-system-x86_64 -M pc -cpu qemu64,vendor=GenuineIntel,+pdpe1gb -m 128 -display none -monitor none \
	-serial file:"$top/build/debug-serial.log" -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel ../loader/mnemo-loader.elf -initrd "mnemo.elf,sigma0.elf,${MNEMO_ROOT:-boot_suite.elf}" \
	-S -gdb tcp::"$port" &
qemu=$!
trap 'kill $qemu 2>/dev/null' EXIT
echo "mnemo: QEMU halted, gdb stub on port $port; serial output goes to build/debug-serial.log"
gdb -q -x "$top/tools/gdbinit" -ex "target remote :$port" "$top/build/kernel/mnemo.elf"
