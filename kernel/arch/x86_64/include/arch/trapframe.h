/* SPDX-License-Identifier: MIT */
/* The register frame that every kernel entry (syscall, exception, interrupt) saves. */
#ifndef ARCH_TRAPFRAME_H
#define ARCH_TRAPFRAME_H

#define TF_R15 0
#define TF_R14 8
#define TF_R13 16
#define TF_R12 24
#define TF_R11 32
#define TF_R10 40
#define TF_R9 48
#define TF_R8 56
#define TF_RBP 64
#define TF_RDI 72
#define TF_RSI 80
#define TF_RDX 88
#define TF_RCX 96
#define TF_RBX 104
#define TF_RAX 112
#define TF_VECTOR 120
#define TF_ERROR 128
#define TF_RIP 136
#define TF_CS 144
#define TF_RFLAGS 152
#define TF_RSP 160
#define TF_SS 168
#define TF_SIZE 176

#define VEC_SYSCALL 0x100 /* TF_VECTOR of a frame built by the syscall entry */
/* MemoryControl takes RCX and R11 as arguments, which `syscall` destroys: its
 * stub enters through this interrupt gate instead. */
#define VEC_MEMORY_CONTROL 0x30

#ifndef __ASSEMBLY__
#include <kern/types.h>

/* Built by entry.S: GPRs pushed by software, then vector and error code, then
 * what the CPU pushes (or what the syscall entry builds in the same shape).
 * The frame of a thread that entered from user mode sits at the top of its
 * kernel stack. */
struct trapframe {
	word_t r15, r14, r13, r12, r11, r10, r9, r8;
	word_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	word_t vector, error;
	word_t rip, cs, rflags, rsp, ss;
};

_Static_assert(offsetof(struct trapframe, r15) == TF_R15, "tf r15");
_Static_assert(offsetof(struct trapframe, r9) == TF_R9, "tf r9");
_Static_assert(offsetof(struct trapframe, rdi) == TF_RDI, "tf rdi");
_Static_assert(offsetof(struct trapframe, rcx) == TF_RCX, "tf rcx");
_Static_assert(offsetof(struct trapframe, rax) == TF_RAX, "tf rax");
_Static_assert(offsetof(struct trapframe, vector) == TF_VECTOR, "tf vector");
_Static_assert(offsetof(struct trapframe, rip) == TF_RIP, "tf rip");
_Static_assert(offsetof(struct trapframe, rflags) == TF_RFLAGS, "tf rflags");
_Static_assert(offsetof(struct trapframe, ss) == TF_SS, "tf ss");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "tf size");

static inline bool tf_from_user(const struct trapframe *tf) { return (tf->cs & 3) == 3; }

#endif
#endif
