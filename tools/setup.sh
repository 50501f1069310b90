#!/bin/bash
# SPDX-License-Identifier: MIT
# Installs what mnemo's run and test targets need on Debian 12: QEMU, GRUB with
# xorriso/mtools for the ISO, python3 for the benchmark report, Graphviz for tools/mdb-picture.
# Does nothing when everything is there already.
set -euo pipefail
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v grub-mkrescue >/dev/null || need+=(grub-common)
[ -d /usr/lib/grub/i386-pc ] || need+=(grub-pc-bin)
command -v xorriso >/dev/null || need+=(xorriso)
command -v mformat >/dev/null || need+=(mtools)
command -v python3 >/dev/null || need+=(python3) # the benchmark report and its checker
command -v dot >/dev/null || need+=(graphviz)   # tools/mdb-picture: SVG and PNG of mapping trees
command -v gdb >/dev/null || need+=(gdb)        # make debug, and the test of tools/gdbinit
[ ${#need[@]} -eq 0 ] && exit 0
echo "setup: installing ${need[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
if ! command -v apt-get >/dev/null; then
	echo "setup: cannot install ${need[*]}: no apt-get here. Install QEMU (qemu-system-x86_64)," >&2
	echo "       grub-mkrescue (GRUB for i386-pc), xorriso, mtools, graphviz and gdb, then run make again." >&2
	exit 1
fi
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null; }; then
	echo "setup: installing ${need[*]} failed. As root: apt-get install -y ${need[*]}" >&2
	exit 1
fi
