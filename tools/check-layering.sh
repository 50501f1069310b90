#!/bin/bash
# SPDX-License-Identifier: MIT
# Checks the include rules of shared/architecture.md: kernel/core sees kern/, l4/, mnemo/ and
# arch/ headers and never names x86_64; include/l4 includes nothing of the kernel; user/
# sees only l4/, mnemo/ and its own library headers.
set -uo pipefail
cd "$(dirname "$0")/.."
bad=0
fail() { echo "layering: $*"; bad=1; }
while IFS= read -r line; do fail "kernel/core includes a header outside kern/, l4/, mnemo/, arch/: $line"; done < <(
	grep -nE '^#include' kernel/core/*.c | grep -vE '#include <(kern|l4|mnemo|arch)/')
grep -rn 'x86_64' kernel/core/*.c kernel/include/kern/*.h |
	while IFS= read -r line; do echo "layering: generic code names the architecture: $line"; done | grep . && bad=1
while IFS= read -r line; do fail "include/l4 includes kernel headers: $line"; done < <(
	grep -nE '^#include' include/l4/*.h | grep -vE '#include <(l4/|stdint|stddef|stdbool|stdarg)')
while IFS= read -r line; do fail "user/ includes kernel headers: $line"; done < <(
	grep -rnE '^#include <(kern|arch)/' user/)
[ $bad -eq 0 ] && echo "layering: ok"
exit $bad
