#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench-check: compares the deterministic figures (guest instruction counts) of a
# results.json written by tools/bench.sh with the committed baseline and fails if any
# regressed by more than the tolerance (2%, or BENCH_TOLERANCE percent), or is missing.
# Host figures (ns/op) vary from run to run and are not checked.
#
# Usage: tools/bench-check.sh [RESULTS [BASELINE]]
#        tools/bench-check.sh --update [RESULTS [BASELINE]]   (rewrites the baseline)
# Defaults: build/bench/results.json, bench/baseline.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=check
[ "${1:-}" = --update ] && { mode=update; shift; }
results=${1:-$root/build/bench/results.json}
baseline=${2:-$root/bench/baseline.json}
tolerance=${BENCH_TOLERANCE:-2}

if ! command -v python3 >/dev/null; then # not in a minimal Debian: install it as tools/setup.sh does
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	echo "bench-check: installing python3" >&2
	{ $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3; } >/dev/null 2>&1 ||
		{ echo "bench-check: python3 is needed and could not be installed (apt-get install python3)" >&2; exit 2; }
fi
[ -f "$results" ] || { echo "bench-check: no $results: run make bench first" >&2; exit 2; }
[ "$mode" = check ] && [ ! -f "$baseline" ] && { echo "bench-check: no baseline $baseline" >&2; exit 2; }

exec python3 - "$mode" "$results" "$baseline" "$tolerance" <<'EOF'
import json, sys
mode, results_path, baseline_path, tol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
try:
    res = json.load(open(results_path))
    current = {r["name"]: r for r in res["records"] if r.get("deterministic") and r.get("checked", True)}
except (OSError, ValueError, KeyError, TypeError) as e:
    print(f"bench-check: cannot read {results_path}: {e}", file=sys.stderr)
    sys.exit(2)

if mode == "update":
    base = {"about": "Deterministic mnemo benchmark figures (guest instructions under QEMU -icount "
                     "shift=0,sleep=off). make bench-check fails when one grows by more than 2%. "
                     "Rewrite with tools/bench-check.sh --update after an intended change.",
            "commit": res.get("commit", "unknown"),
            "configuration": next((r["configuration"] for r in current.values()), ""),
            "figures": {n: {"unit": r["unit"], "value": r["value"]} for n, r in sorted(current.items())}}
    with open(baseline_path, "w") as f:
        json.dump(base, f, indent=1)
        f.write("\n")
    print(f"bench-check: wrote {len(current)} figures to {baseline_path}")
    sys.exit(0)

try:
    base = json.load(open(baseline_path))["figures"]
except (OSError, ValueError, KeyError, TypeError) as e:
    print(f"bench-check: cannot read {baseline_path}: {e}", file=sys.stderr)
    sys.exit(2)

failed = improved = 0
for name, b in sorted(base.items()):
    r = current.get(name)
    if r is None:
        print(f"FAIL {name}: in the baseline but not measured")
        failed += 1
        continue
    if r["unit"] != b["unit"]:
        print(f"FAIL {name}: unit {r['unit']}, the baseline has {b['unit']}")
        failed += 1
        continue
    old, new = float(b["value"]), float(r["value"])
    change = round((new - old) / old * 100, 6) if old else (0.0 if new == old else float("inf"))
    line = f"{name}: {old:.2f} -> {new:.2f} {r['unit']} ({change:+.2f}%)"
    if change > tol:
        print(f"FAIL {line}: regressed by more than {tol:g}%")
        failed += 1
    elif change < -tol:
        print(f"better {line}")
        improved += 1
    else:
        print(f"ok {line}")
for name in sorted(set(current) - set(base)):
    print(f"new {name}: {current[name]['value']:.2f} {current[name]['unit']} (not in the baseline)")
print(f"bench-check: {len(base)} baseline figures, {failed} regressed or missing (tolerance {tol:g}%), "
      f"{improved} improved beyond it")
if improved and not failed:
    print("bench-check: to keep the improvement, record it: tools/bench-check.sh --update")
sys.exit(1 if failed else 0)
EOF
