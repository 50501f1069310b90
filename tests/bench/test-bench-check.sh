#!/bin/bash
# SPDX-License-Identifier: MIT
# Tests of tools/bench-check.sh on fake results: a 3% regression fails, 1% passes, a missing
# figure fails, improvements and host (ns/op) figures do not, --update round-trips.
# Prints "ok ID ..." / "not ok ID ..." lines; exits 1 if any failed.
set -uo pipefail
unset BENCH_TOLERANCE # the checker's default (2%) is what is tested
root=$(cd "$(dirname "$0")/../.." && pwd)
check=$root/tools/bench-check.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# A results.json as tools/bench.sh writes it; args: name=value for guest figures and
# host figures, e.g. ipc.inter.mr0=603 host.mdb_map_4k=97.
results() {
	local out=$1 first=1 kv name value det unit
	shift
	{
		echo '{"commit": "test", "records": ['
		for kv in "$@"; do
			name=${kv%%=*} value=${kv#*=} det=true unit=instructions
			[[ $name == host.* ]] && det=false unit=ns/op
			[ $first = 1 ] || echo ','
			first=0
			printf '{"name": "%s", "unit": "%s", "value": %s, "repetitions": 11, "spread": 0.0, ' \
				"$name" "$unit" "$value"
			printf '"deterministic": %s, "configuration": "test", "commit": "test"}' "$det"
		done
		echo ']}'
	} >"$out"
}

# expect ID DESCRIPTION WANT_STATUS RESULTS_FILE [GREP_PATTERN]: runs the checker against
# the baseline; passes if it exits WANT_STATUS (and its output matches the pattern).
expect() {
	local id=$1 desc=$2 want=$3 res=$4 pattern=${5:-} status
	"$check" "$res" "$work/baseline.json" >"$work/$id.out" 2>&1
	status=$?
	if [ "$status" = "$want" ] && { [ -z "$pattern" ] || grep -Eq -- "$pattern" "$work/$id.out"; }; then
		echo "ok $id $desc"
	else
		echo "not ok $id $desc (exit $status, expected $want${pattern:+, output matching '$pattern'})"
		sed 's/^/    | /' "$work/$id.out"
		failed=1
	fi
}

# The baseline, written by the checker's own --update from a results.json.
results "$work/base-results.json" ipc.inter.mr0=600 ipc.intra.mr8=1200.5 pf.inter.roundtrip=2600 host.mdb_map_4k=100
if "$check" --update "$work/base-results.json" "$work/baseline.json" >"$work/update.out" 2>&1 &&
	grep -q '"ipc.intra.mr8"' "$work/baseline.json" && ! grep -q 'mdb_map_4k' "$work/baseline.json"; then
	echo "ok bench.check-update --update writes the deterministic figures (only) to the baseline"
else
	echo "not ok bench.check-update --update writes the deterministic figures (only) to the baseline"
	sed 's/^/    | /' "$work/update.out"
	failed=1
fi

results "$work/same.json" ipc.inter.mr0=600 ipc.intra.mr8=1200.5 pf.inter.roundtrip=2600 host.mdb_map_4k=100
expect bench.check-identical "identical figures pass" 0 "$work/same.json" '^ok ipc.inter.mr0'

results "$work/up3.json" ipc.inter.mr0=618 ipc.intra.mr8=1200.5 pf.inter.roundtrip=2600 host.mdb_map_4k=100
expect bench.check-detects-regression "a 3% regression (600 -> 618 instructions) fails" 1 "$work/up3.json" \
	'^FAIL ipc.inter.mr0: .*\+3\.00%'

results "$work/up1.json" ipc.inter.mr0=606 ipc.intra.mr8=1212.5 pf.inter.roundtrip=2626 host.mdb_map_4k=100
expect bench.check-tolerates-1pct "a 1% increase of every figure passes (within 2%)" 0 "$work/up1.json" \
	'^ok ipc.inter.mr0: .*\+1\.00%'

results "$work/edge.json" ipc.inter.mr0=612 ipc.intra.mr8=1200.5 pf.inter.roundtrip=2600
expect bench.check-edge "exactly 2% still passes; the limit is 'more than 2%'" 0 "$work/edge.json"

results "$work/missing.json" ipc.inter.mr0=600 pf.inter.roundtrip=2600 host.mdb_map_4k=100
expect bench.check-missing-figure "a baseline figure that was not measured fails" 1 "$work/missing.json" \
	'^FAIL ipc.intra.mr8: .*not measured'

results "$work/better.json" ipc.inter.mr0=300 ipc.intra.mr8=1200.5 pf.inter.roundtrip=2600 ipc.inter.mr63=3000
expect bench.check-improvement "an improvement and a new figure pass, and are reported" 0 "$work/better.json" \
	'^new ipc.inter.mr63'

results "$work/host.json" ipc.inter.mr0=600 ipc.intra.mr8=1200.5 pf.inter.roundtrip=2600 host.mdb_map_4k=500
expect bench.check-ignores-host "host ns/op figures (not deterministic) are not checked" 0 "$work/host.json"

BENCH_TOLERANCE=5 expect bench.check-tolerance "BENCH_TOLERANCE=5 lets a 3% regression pass" 0 "$work/up3.json"

echo '{"records": ' >"$work/broken.json"
expect bench.check-bad-input "an unreadable results.json is an error (exit 2), not a pass" 2 "$work/broken.json"

exit $failed
