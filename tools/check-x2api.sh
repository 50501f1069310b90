#!/bin/bash
# SPDX-License-Identifier: MIT
# Programs written with the X.2 convenience interface only (listed in X2_PROGRAMS: the x2api
# suite, sigma0, the programs moved to it and the user libraries of the user-level system): no
# name of mnemo's scalar layer (l4_*, L4_UPPER_CASE) may appear in them (comments included).
# Left out on purpose: user/lib/pager/peer.h (reads another thread's TCRs in its UTCB, which X.2
# has no call for).
# And user/tests/sched_suite: written with X.2 names, but its tests of delayed and signalled
# preemption read the UTCB's flags byte (I without resetting it, another thread's flags), marked there.
# X.2's own upper-case names (L4_INLINE, the KIP's L4_APIVERSION_X2, ...) are allowed.
set -uo pipefail
cd "$(dirname "$0")/.."
X2_PROGRAMS="user/tests/x2api/*.[ch] user/sigma0/*.[ch]"
X2_PROGRAMS+=" user/tests/fault_probe/*.c user/tests/kdb_probe/*.c user/tests/memctl_probe/*.c user/tests/mdb_chain/*.c"
X2_PROGRAMS+=" user/tests/pager_hier/*.[ch] user/tests/kdb_kmem/*.c"
X2_PROGRAMS+=" user/tests/map_delete/*.c user/tests/ata_suite/*.c"
X2_PROGRAMS+=" user/tests/mdb_suite/*.c"
# The boot suite's files of X.2 tests (its main.c also checks the raw ABI: scalar there).
X2_PROGRAMS+=" user/tests/boot_suite/sigma0_protocol.c user/tests/boot_suite/sigma0_msg.h"
# The X.2 suite (x2_suite) but main.c and processor.c, each with one marked scalar use: main.c
# reads the global-ID word at its offset in the UTCB a local ID points at (a check of the raw
# ABI), processor.c clears the ErrorCode TCR, which X.2 has no call to write.
X2_PROGRAMS+=" user/tests/x2_suite/x2.h user/tests/x2_suite/helpers.c user/tests/x2_suite/gib.c user/tests/x2_suite/memctl.c"
X2_PROGRAMS+=" user/tests/x2_suite/ipc_abort.c user/tests/x2_suite/acceptor.c user/tests/x2_suite/pagefault.c user/tests/x2_suite/activate.c"
X2_PROGRAMS+=" user/lib/include/pager.h user/lib/pager/*.c"
X2_PROGRAMS+=" user/lib/include/task.h user/lib/task/*.c"
X2_PROGRAMS+=" user/lib/include/kmem_pager.h user/lib/kmem_pager/*.c"
X2_PROGRAMS+=" user/lib/include/ata.h user/lib/ata/*.c user/lib/include/x2msg.h"
X2_PROGRAMS+=" user/tests/persist/*.[ch] user/tests/state_suite/*.c user/tests/kmem_suite/*.c"
scalar='\bl4_[a-z0-9_]+|\bL4_[A-Z][A-Z0-9_]*\b|__l4_'
x2upper='\bL4_(INLINE|BITS_PER_WORD|64BIT|LITTLE_ENDIAN|ARCH_AMD64|MAGIC|BOOTINFO_MAGIC|BOOTINFO_VERSION|APIVERSION_[A-Z0-9]+|APISUBVERSION_[A-Z0-9]+|APIFLAG_[A-Z0-9]+|KID_[A-Z0-9_]+|SUPL_[A-Z]+)\b'
# Each line is checked with the allowed names taken out, so one cannot hide another.
bad=$(grep -nE "$scalar" $X2_PROGRAMS | sed -E "s/$x2upper//g" | grep -E "$scalar" || true)
if [ -n "$bad" ]; then
	echo "$X2_PROGRAMS: names outside the X.2 convenience interface:"
	echo "$bad"
	exit 1
fi
echo "$X2_PROGRAMS use the X.2 convenience interface only"
