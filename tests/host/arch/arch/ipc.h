/* SPDX-License-Identifier: MIT */
/* Host stand-in for the IPC register ABI: a frame with eight MR slots. */
#ifndef ARCH_IPC_H
#define ARCH_IPC_H

#include <arch/trapframe.h>

struct tcb;
struct trapframe *arch_user_frame(struct tcb *t);

#define ARCH_IPC_REG_MRS 8

static inline word_t *arch_frame_mr(struct trapframe *tf, unsigned i) { return &tf->mr[i & 7]; }
static inline void arch_copy_reg_mrs(struct trapframe *d, const struct trapframe *s, unsigned u)
{
	for (unsigned i = 1; i <= u && i < 8; i++)
		d->mr[i] = s->mr[i];
}
static inline word_t arch_ipc_to(const struct trapframe *tf) { return tf->to; }
static inline word_t arch_ipc_from_spec(const struct trapframe *tf) { return tf->from_spec; }
static inline word_t arch_ipc_timeouts(const struct trapframe *tf) { return tf->timeouts; }
static inline void arch_ipc_set_result(struct trapframe *tf, word_t from, word_t utcb)
{
	tf->from = from;
	tf->utcb = utcb;
}

/* Unmap: the control word travels where Ipc's FromSpecifier does (RDX). */
static inline word_t arch_unmap_control(const struct trapframe *tf) { return tf->from_spec; }
static inline void arch_unmap_set_result(struct trapframe *tf, word_t utcb) { tf->utcb = utcb; }

#endif
