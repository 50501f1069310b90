/* SPDX-License-Identifier: MIT */
/* Per-thread CPU state beyond the trap frame: saved kernel stack pointer and FPU/SSE state. */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <kern/types.h>

#define FXSAVE_SIZE 512

/* Invariant: fxsave holds the thread's FPU/SSE state whenever the thread is not
 * the FPU owner (lazy switching: the owner's state lives in the registers). */
struct arch_context {
	word_t ksp; /* saved kernel stack pointer while switched out */
	bool fpu_valid; /* fxsave holds state (else the thread starts from the default) */
	uint8_t fxsave[FXSAVE_SIZE] __aligned(16);
};

_Static_assert(offsetof(struct arch_context, ksp) == 0, "ksp at offset 0");

#endif
