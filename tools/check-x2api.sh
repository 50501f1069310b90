#!/bin/bash
# SPDX-License-Identifier: MIT
# The x2api suite is written with the X.2 convenience interface only: no name of mnemo's
# scalar layer (l4_*, L4_UPPER_CASE) may appear in user/tests/x2api (comments included).
set -uo pipefail
cd "$(dirname "$0")/.."
bad=$(grep -nE '\bl4_[a-z0-9_]+|\bL4_[A-Z][A-Z0-9_]*\b|__l4_' user/tests/x2api/*.[ch] | grep -vE '\bL4_(INLINE|BITS_PER_WORD|64BIT|LITTLE_ENDIAN|ARCH_AMD64)\b' || true)
if [ -n "$bad" ]; then
	echo "user/tests/x2api uses names outside the X.2 convenience interface:"
	echo "$bad"
	exit 1
fi
echo "user/tests/x2api uses the X.2 convenience interface only"
