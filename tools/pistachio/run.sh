#!/bin/bash
# run.sh: boots mnemo (loader, kernel, sigma0) with a Pistachio-built root task; serial console on a FIFO so keys can be fed.
# usage: run.sh ELF [LOG] [extra qemu args...]; send keys with: printf '8' > /tmp/pista.in
ELF=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build/pistachio/l4test.elf}; LOG=${2:-/tmp/pista.log}; shift 2 2>/dev/null
WT=${MNEMO_WT:-$(cd "$(dirname "$0")/../.." && pwd)}
rm -f /tmp/pista.in; mkfifo /tmp/pista.in
cd "$WT/build/boot"
( exec 3<>/tmp/pista.in; timeout ${TMO:-1200} qemu-system-x86_64 -M pc -cpu qemu64,vendor=GenuineIntel,+pdpe1gb -m 256 \
  -display none -monitor none -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" \
  -kernel ../loader/mnemo-loader.elf -initrd "mnemo.elf,sigma0.elf,$ELF" <&3 > "$LOG" 2>&1; echo "QEMU EXIT $?" >> "$LOG" ) &
echo $! > /tmp/pista.pid
