/* SPDX-License-Identifier: MIT */
/* Host stand-in for the register frame: eight MR slots and the IPC arguments. */
#ifndef ARCH_TRAPFRAME_H
#define ARCH_TRAPFRAME_H

#include <kern/types.h>

struct trapframe {
	word_t mr[8];
	word_t to, from_spec, timeouts, from, utcb;
};

#endif
