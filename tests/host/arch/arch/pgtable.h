/* SPDX-License-Identifier: MIT */
/* Host stand-in for an address space's page tables. */
#ifndef ARCH_PGTABLE_H
#define ARCH_PGTABLE_H

#include <kern/types.h>

struct arch_pgtable {
	void *host;
};

#endif
