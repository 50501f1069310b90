/* SPDX-License-Identifier: MIT */
/* libl4 for mnemo: the X.2 system calls with their amd64 register contracts (ABI §2, §5). */
#ifndef L4_SYSCALLS_H
#define L4_SYSCALLS_H

#include <l4/types.h>
#include <l4/kip.h>
#include <l4/utcb.h>

/* Stub addresses copied from the KIP by l4_init() (every crt0 calls it). */
extern l4_word_t __l4_syscall[L4_SC_COUNT];
extern struct l4_kip *__l4_kip;

/* KernelInterface (ABI §2): the trap is kip.h's L4_KernelInterface, which the
 * kernel's and the loader's headers need too; here with the KIP's type. */
static inline struct l4_kip *l4_kernel_interface(l4_word_t *api_version, l4_word_t *api_flags, l4_word_t *kernel_id)
{
	return (struct l4_kip *)L4_KernelInterface(api_version, api_flags, kernel_id);
}

void l4_init(void);

static inline l4_word_t *l4_utcb(void)
{
	l4_word_t *mr0;
	__asm__("movq %%gs:0, %0" : "=r"(mr0));
	return mr0;
}
static inline l4_threadid_t l4_my_local_id(void) { return (l4_threadid_t)l4_utcb(); }
static inline l4_threadid_t l4_myself(void) { return l4_utcb()[L4_UTCB_MY_GLOBAL_ID]; }
static inline l4_word_t L4_ErrorCode(void) { return l4_utcb()[L4_UTCB_ERROR_CODE]; }
static inline l4_threadid_t l4_pager(void) { return l4_utcb()[L4_UTCB_PAGER]; }

/* ThreadSwitch: RDI = dest; everything but RBP/RSP may change. */
static inline void l4_thread_switch(l4_threadid_t dest)
{
	register l4_word_t rdi __asm__("rdi") = dest;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "+r"(rdi)
			 : [fn] "m"(__l4_syscall[L4_SC_THREAD_SWITCH])
			 : "rax", "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
			   "memory");
}
static inline void l4_yield(void) { l4_thread_switch(L4_NILTHREAD); }

/* SystemClock: RAX = microseconds. */
static inline l4_clock_t l4_system_clock(void)
{
	l4_word_t rax;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "=a"(rax)
			 : [fn] "m"(__l4_syscall[L4_SC_SYSTEM_CLOCK])
			 : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
			   "memory");
	return rax;
}

#endif
