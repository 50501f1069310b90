#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs every test: host unit tests of kernel/core (ASan/UBSan), the loader's fixture
# builds, the host tools' tests (tests/tools/), the ATA persistence check (tests/qemu/ata-persist.sh),
# then every QEMU scenario (two at a time). Ends with "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=build/test
rm -rf "$out" && mkdir -p "$out"

tests/qemu/fixtures/build.sh build/loader/fixtures build/loader/mnemo-loader.elf >"$out/fixtures.log" 2>&1 ||
	echo "not ok build.fixtures the loader's test fixtures build (see $out/fixtures.log)" >"$out/fixtures.result"

if tools/check-layering.sh >"$out/layering.log" 2>&1; then
	echo "ok tools.layering include rules of shared/architecture.md hold" >"$out/layering.result"
else
	echo "not ok tools.layering include rules of shared/architecture.md are broken" >"$out/layering.result"
	cat "$out/layering.log"
fi

if tools/check-x2api.sh >"$out/x2api-names.log" 2>&1; then
	echo "ok tools.x2api-names the programs written with the X.2 interface (x2api, sigma0, the user libraries, the programs moved to it) use X.2 names only" >"$out/x2api-names.result"
else
	echo "not ok tools.x2api-names a program written with the X.2 interface uses names outside it" >"$out/x2api-names.result"
	cat "$out/x2api-names.log"
fi

tests/bench/test-bench-check.sh >"$out/bench-check.result" 2>&1 || grep -q '^not ok ' "$out/bench-check.result" ||
	echo "not ok bench.check-selftest tests/bench/test-bench-check.sh failed (see $out/bench-check.result)" >>"$out/bench-check.result"

# tools/mdb-picture draws a known dump; Graphviz missing is a failure (tools/setup.sh installs it).
# Result files of tools are named tools-*: scenario results are named after the scenario (mdb-picture.scn).
tests/tools/test-mdb-picture.py "$out/tools-mdb-picture" >"$out/tools-mdb-picture.result" 2>"$out/tools-mdb-picture.err" ||
	grep -q '^not ok ' "$out/tools-mdb-picture.result" ||
	echo "not ok tools.mdb-picture tests/tools/test-mdb-picture.py failed (see $out/tools-mdb-picture.err)" >>"$out/tools-mdb-picture.result"

# tools/gdbinit's commands in batch gdb against a halted QEMU (a few seconds).
tests/tools/test-gdbinit.sh "$out/tools-gdbinit" >"$out/tools-gdbinit.result" 2>"$out/tools-gdbinit.err" ||
	grep -q '^not ok ' "$out/tools-gdbinit.result" ||
	echo "not ok tools.gdbinit tests/tools/test-gdbinit.sh failed (see $out/tools-gdbinit.err)" >>"$out/tools-gdbinit.result"

# Data on the ATA disk survives a reboot: three boots of ata_suite on one image (a few seconds).
# Result files of host-side checks are not named after a scenario (ata.scn is one).
tests/qemu/ata-persist.sh "$out/ata-persist" >"$out/qemu-ata-persist.result" 2>"$out/qemu-ata-persist.err" ||
	grep -q '^not ok ' "$out/qemu-ata-persist.result" ||
	echo "not ok qemu.ata-persist tests/qemu/ata-persist.sh failed (see $out/qemu-ata-persist.err)" >>"$out/qemu-ata-persist.result"

tests/qemu/persist.sh "$out/persist" >"$out/persist.result" 2>"$out/persist.err" ||
	grep -q '^not ok ' "$out/persist.result" ||
	echo "not ok persist.runner tests/qemu/persist.sh failed (see $out/persist.err)" >>"$out/persist.result"

echo "== host unit tests"
build/host/unit >"$out/host.result" 2>"$out/host.err"
status=$?
grep -E '^(ok|not ok) ' "$out/host.result"
[ $status -ne 0 ] && ! grep -q '^not ok ' "$out/host.result" &&
	echo "not ok host.unit the host test binary exited $status (see $out/host.err)" | tee -a "$out/host.result"
grep -q '^not ok ' "$out/host.result" && tail -n 40 "$out/host.err"

echo "== QEMU scenarios"
ls tests/qemu/scenarios/*.scn | xargs -P 2 -I{} sh -c \
	'tests/qemu/run-scenario.sh "$1" build/test/logs >"build/test/$(basename "$1" .scn).result" 2>&1' _ {}
# A scenario that printed no verdict (the runner died or was killed) fails.
for scn in tests/qemu/scenarios/*.scn; do
	name=$(basename "$scn" .scn)
	grep -qE "^(ok|not ok) scenario\.$name " "$out/$name.result" 2>/dev/null ||
		echo "not ok scenario.$name no verdict: the runner was interrupted" >>"$out/$name.result"
done
cat "$out"/*.result | grep -v '^ok host\.' | grep -vE '^(ok|not ok) host\.' | grep -E -v '^$' | grep -v '^==' || true

passed=$(cat "$out"/*.result | grep -c '^ok ')
failed=$(cat "$out"/*.result | grep -c '^not ok ')
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
