/* SPDX-License-Identifier: MIT */
/* Host stand-in for the per-thread CPU state. */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <kern/types.h>

struct arch_context {
	word_t ksp;
};

#endif
