#!/bin/bash
# SPDX-License-Identifier: MIT
# Data written to the ATA disk in one boot is there in the next: boots ata_suite.elf "write SEED"
# and then "verify SEED" on one disk image, and "verify SEED+1" must fail (the check can fail).
# Usage: tests/qemu/ata-persist.sh [OUTDIR]. Prints `ok/not ok qemu.ata-persist.*` lines as
# run-scenario.sh does; exits 1 if any failed. The boots are scenarios run by run-scenario.sh
# with DISK_IMAGE (their .scn files and logs are left in OUTDIR).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build/test/ata-persist}
rm -rf "$out" && mkdir -p "$out" && out=$(cd "$out" && pwd)
seed=7351 failed=0
truncate -s 8M "$out/disk.img"

# boot NAME EXIT MODULE-ARGS LOG-LINE DESCRIPTION: one boot on the shared image, judged by run-scenario.sh.
boot() {
	cat >"$out/$1.scn" <<SCN
# ata-persist step $1
MODULES=("mnemo.elf" "sigma0.elf" "ata_suite.elf $3")
DISK_IMAGE="$out/disk.img"
EXPECT_EXIT=$2
EXPECT_LOG=("$4")
SCN
	if "$root/tests/qemu/run-scenario.sh" "$out/$1.scn" "$out" >"$out/$1.result" 2>&1; then
		echo "ok qemu.ata-persist.$1 $5"
	else
		echo "not ok qemu.ata-persist.$1 $5 (see $out/$1.log)"
		sed 's/^/    | /' "$out/$1.result"
		failed=1
	fi
}
boot write pass "write $seed" "^ok ata\.persist\.write" "the first boot writes a seeded pattern and flushes"
boot verify pass "verify $seed" "^ok ata\.persist\.verify" "the second boot on the same image reads the pattern back"
boot wrong-seed fail "verify $((seed + 1))" "^not ok ata\.persist\.verify" "a verify with another seed fails on that image"
exit $failed
