#!/bin/bash
# SPDX-License-Identifier: MIT
# Test of tools/gdbinit in batch gdb: boots the mdb chain suite halted under QEMU's gdb stub, stops in kdb_enter and runs the mnemo-* commands.
# Usage: tests/tools/test-gdbinit.sh [OUTDIR]. Prints `ok/not ok tools.gdbinit.*` lines; exits 1 if any failed.
# The suite's picture test calls L4_KDB_Enter with its fork tree built (sigma0 -> R -> A,
# A -> B -> C, A -> C); without the kernel option kdb, kdb_enter returns at once, but the
# breakpoint stops there first. The commands read the real structures through the stub.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build/test/tools-gdbinit}
mkdir -p "$out" && out=$(cd "$out" && pwd)
port=$((20000 + $$ % 20000))
failed=0
result() { # result NAME OK DESCRIPTION
	if [ "$2" = 1 ]; then echo "ok tools.gdbinit.$1 $3"; else echo "not ok tools.gdbinit.$1 $3 (see $out/gdb.log)"; failed=1; fi
}
if ! command -v gdb >/dev/null; then
	echo "not ok tools.gdbinit.gdb gdb is not installed (tools/setup.sh installs it)"
	exit 1
fi

cat >"$out/commands" <<CMDS
target remote :$port
continue
delete
break kdb_enter
continue
echo ==current\n
mnemo-current
echo ==threads\n
mnemo-threads
echo ==space\n
mnemo-space current->space
echo ==pte\n
mnemo-pte current->space 0x2ff00000
printf "pte %#lx level %d ref %x\n", \$mnemo_pte, \$mnemo_pte_level, \$mnemo_pte_ref
set \$r_ref = \$mnemo_pte_ref
echo ==tree-pa\n
mnemo-tree-pa (\$mnemo_pte&0x000ffffffffff000)
echo ==tree\n
mnemo-tree \$mnemo_root
echo ==node\n
mnemo-ref \$r_ref
mnemo-node \$mnemo_node
echo ==none\n
mnemo-tree-pa 0x7000000000
echo ==end\n
kill
CMDS
(cd "$root/build/boot" && exec timeout 60 qemu-system-x86_64 -M pc -cpu qemu64,vendor=GenuineIntel,+pdpe1gb -m 128 \
	-display none -monitor none -serial file:"$out/serial.log" -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel ../loader/mnemo-loader.elf \
	-initrd "mnemo.elf,sigma0.elf,mdb_chain.elf" -S -gdb tcp::"$port" 2>"$out/qemu.err") &
qemu=$!
trap 'kill $qemu 2>/dev/null' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
timeout 60 gdb -q -batch -nx -x "$root/tools/gdbinit" -x "$out/commands" "$root/build/kernel/mnemo.elf" >"$out/gdb.log" 2>&1
# One section of the log (between "==name" and the next "==").
section() { sed -n "/^==$1\$/,/^==/p" "$out/gdb.log" | sed '1d;$d'; }

ok=0; grep -q '^Breakpoint .*kdb_enter' "$out/gdb.log" && grep -q '^==end$' "$out/gdb.log" && ok=1
result attach $ok "gdb attaches to QEMU's stub, stops in kdb_enter and runs every command"
ok=0; section current | grep -Eq '^tcb 0xffff8[0-9a-f]+ id 32\.1 state [0-9]+ prio [0-9]+ space 0xffff8' && ok=1
result current $ok "mnemo-current prints the root task's TCB (32.1)"
ok=0; [ "$(section threads | grep -Ec '^tcb 0x[0-9a-f]+ id 3[0-5]\.1 ')" -ge 5 ] && ok=1
result threads $ok "mnemo-threads lists sigma0, the root task and its three children"
ok=0; section space | grep -Eq '^space 0xffff8[0-9a-f]+ pml4 [0-9a-f]+ kip-area bff000c0 utcb-area bf000[0-9a-f]+ threads 1 sigma0 0$' && ok=1
result space $ok "mnemo-space prints the root task's space"
ok=0; section pte | grep -Eq '^pte 0x[0-9a-f]+ level 0 ref [1-9a-f][0-9a-f]*$' && ok=1
result pte $ok "mnemo-pte walks the page table and its side arrays to a 4K leaf and its node"

tree=$(section tree-pa)
maps=$(grep -E '^ *map ' <<<"$tree" | sed -E 's/^ *//; s/^map [0-9a-f]+ parent=([0-9a-f]+|-) //; s/ node=0x[0-9a-f]+//')
want='space=s0 vaddr=0xPA paddr=0xPA size=0x1000 rights=rwx depth=0
space=s1 vaddr=0x2ff00000 paddr=0xPA size=0x1000 rights=rwx depth=1
space=s2 vaddr=0x4 paddr=0xPA size=0x1000 rights=rwx depth=2
space=s3 vaddr=0x5 paddr=0xPA size=0x1000 rights=rw- depth=3
space=s4 vaddr=0x6 paddr=0xPA size=0x1000 rights=r-- depth=4
space=s4 vaddr=0x6 paddr=0xPA size=0x1000 rights=r-x depth=3'
pa=$(sed -nE 's/^--- mdb-dump begin frame=(0x[0-9a-f]+) ---$/\1/p' <<<"$tree")
got=$(sed -E "s/${pa:-nopa}/0xPA/g; s/vaddr=0x([456])[0-9a-f]{7}/vaddr=0x\1/" <<<"$maps" | sort)
ok=0; [ -n "$pa" ] && [ "$got" = "$(sort <<<"$want")" ] && grep -q "^--- mdb-dump end frame=$pa mappings=6 shown=6 ---$" <<<"$tree" && ok=1
result tree-pa $ok "mnemo-tree-pa prints the frame's fork tree in the dump format: 6 mappings, spaces, depths, narrowing rights"
ok=0; [ -n "$maps" ] && [ "$(section tree | grep -E '^ *map ' | sed -E 's/^ *//' | sort)" = "$(grep -E '^ *map ' <<<"$tree" | sed -E 's/^ *//' | sort)" ] && ok=1
result tree $ok "mnemo-tree from the root node prints the same mappings"
ok=0; section node | grep -Eq '^map [0-9a-f]+ parent=[0-9a-f]+ space=s1 vaddr=0x2ff00000 paddr=0x[0-9a-f]+ size=0x1000 rights=rwx depth=0 node=0xffff8' && ok=1
result node $ok "mnemo-ref and mnemo-node print R's node from its reference"
ok=0; section none | grep -q '^mnemo-tree-pa 0x7000000000: no mapping-database root' && ok=1
result no-root $ok "mnemo-tree-pa of a frame sigma0 never mapped says so"
ok=0; "$root/tools/mdb-picture" --dot - <<<"$tree" >"$out/tree.dot" 2>"$out/picture.err" &&
	[ "$(grep -c '^    m[0-9a-f]* \[' "$out/tree.dot")" = 6 ] && [ "$(grep -c '^  m[0-9a-f]* -> m' "$out/tree.dot")" = 5 ] && ok=1
result picture $ok "tools/mdb-picture reads gdb's tree: 6 nodes, 5 edges"
exit $failed
