#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds a GRUB rescue ISO that boots mnemo-loader by multiboot2 with the kernel,
# sigma0 and a root task as module2 (modules 0, 1, 2 in that order).
# Usage: tools/mkiso.sh OUT.iso LOADER.elf BOOTDIR [ROOT_TASK] [LOADER_ARGS]
#   BOOTDIR holds mnemo.elf, sigma0.elf and ROOT_TASK (default boot_suite.elf).
# Boot with: qemu-system-x86_64 -cdrom OUT.iso (COM1 carries GRUB's and mnemo's output).
set -euo pipefail
if [ $# -lt 3 ]; then
	echo "usage: $0 OUT.iso LOADER.elf BOOTDIR [ROOT_TASK] [LOADER_ARGS]" >&2
	exit 2
fi
out=$1 loader=$2 bootdir=$3 roottask=${4:-boot_suite.elf} args=${5:-}
for f in "$loader" "$bootdir/mnemo.elf" "$bootdir/sigma0.elf" "$bootdir/$roottask"; do
	[ -f "$f" ] || { echo "$0: missing $f" >&2; exit 1; }
done
command -v grub-mkrescue >/dev/null || { echo "$0: grub-mkrescue not installed" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$loader" "$stage/boot/mnemo-loader.elf"
cp "$bootdir/mnemo.elf" "$bootdir/sigma0.elf" "$stage/boot/"
cp "$bootdir/$roottask" "$stage/boot/$roottask"

# GRUB passes a module2 line's words after the path as the module string, so the
# path is repeated: every module string then reads "path args", as with QEMU -initrd.
cat >"$stage/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial console
terminal_output serial console
menuentry "mnemo" {
	multiboot2 /boot/mnemo-loader.elf $args
	module2 /boot/mnemo.elf /boot/mnemo.elf
	module2 /boot/sigma0.elf /boot/sigma0.elf
	module2 /boot/$roottask /boot/$roottask
	boot
}
CFG
mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out" "$stage" >/dev/null 2>&1 || {
	echo "$0: grub-mkrescue failed:" >&2
	grub-mkrescue -o "$out" "$stage" >&2
	exit 1
}
echo "$out"
