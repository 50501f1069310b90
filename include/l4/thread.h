/* SPDX-License-Identifier: MIT */
/* libl4 for mnemo: ThreadControl, SpaceControl, Schedule, ExchangeRegisters (ABI §5.4-§5.7). */
#ifndef L4_THREAD_H
#define L4_THREAD_H

#include <l4/syscalls.h>

#define L4_CLOBBER_ALL "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "memory"

/* ThreadControl: RDI dest, RSI pager, RDX scheduler, R8 space, R9 UTCB location; RAX result. */
static inline l4_word_t l4_thread_control(l4_threadid_t dest, l4_threadid_t space, l4_threadid_t scheduler,
					  l4_threadid_t pager, l4_word_t utcb_location)
{
	register l4_word_t r8 __asm__("r8") = space;
	register l4_word_t r9 __asm__("r9") = utcb_location;
	l4_word_t rax, rdi = dest, rsi = pager, rdx = scheduler;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "=a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9)
			 : [fn] "m"(__l4_syscall[L4_SC_THREAD_CONTROL])
			 : "rbx", "rcx", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
	return rax;
}

/* SpaceControl: RDI space, RSI control, RDX KIP area, R8 UTCB area, R9 redirector; RAX result, RDX old control. */
static inline l4_word_t l4_space_control(l4_threadid_t space, l4_word_t control, l4_fpage_t kip_area,
					 l4_fpage_t utcb_area, l4_threadid_t redirector, l4_word_t *old_control)
{
	register l4_word_t r8 __asm__("r8") = utcb_area;
	register l4_word_t r9 __asm__("r9") = redirector;
	l4_word_t rax, rdi = space, rsi = control, rdx = kip_area;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "=a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9)
			 : [fn] "m"(__l4_syscall[L4_SC_SPACE_CONTROL])
			 : "rbx", "rcx", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
	if (old_control)
		*old_control = rdx;
	return rax;
}

/* Schedule: RDI dest, RSI priority, RDX time control, R8 processor, R9 preemption; RAX result, RDX old time. */
static inline l4_word_t l4_schedule(l4_threadid_t dest, l4_word_t time_control, l4_word_t processor, l4_word_t priority,
				    l4_word_t preemption, l4_word_t *old_time_control)
{
	register l4_word_t r8 __asm__("r8") = processor;
	register l4_word_t r9 __asm__("r9") = preemption;
	l4_word_t rax, rdi = dest, rsi = priority, rdx = time_control;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "=a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9)
			 : [fn] "m"(__l4_syscall[L4_SC_SCHEDULE])
			 : "rbx", "rcx", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
	if (old_time_control)
		*old_time_control = rdx;
	return rax;
}
static inline l4_word_t l4_set_priority(l4_threadid_t t, l4_word_t prio)
{
	return l4_schedule(t, ~0ull, ~0ull, prio, ~0ull, NULL);
}

/* ExchangeRegisters: RAX dest, RSI control, RDX SP, R8 IP, R9 flags, R10 user handle, RDI pager;
 * the old values come back in the same registers; RAX = the thread (nil on error). */
static inline l4_threadid_t l4_exchange_registers(l4_threadid_t dest, l4_word_t control, l4_word_t sp, l4_word_t ip,
						  l4_word_t flags, l4_word_t handle, l4_threadid_t pager,
						  l4_word_t *old_control, l4_word_t *old_sp, l4_word_t *old_ip,
						  l4_word_t *old_flags, l4_word_t *old_handle, l4_threadid_t *old_pager)
{
	register l4_word_t r8 __asm__("r8") = ip;
	register l4_word_t r9 __asm__("r9") = flags;
	register l4_word_t r10 __asm__("r10") = handle;
	l4_word_t rax = dest, rsi = control, rdx = sp, rdi = pager;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "+a"(rax), "+S"(rsi), "+d"(rdx), "+D"(rdi), "+r"(r8), "+r"(r9), "+r"(r10)
			 : [fn] "m"(__l4_syscall[L4_SC_EXCHANGE_REGISTERS])
			 : "rbx", "rcx", "r11", "r12", "r13", "r14", "r15", "memory");
	if (old_control)
		*old_control = rsi;
	if (old_sp)
		*old_sp = rdx;
	if (old_ip)
		*old_ip = r8;
	if (old_flags)
		*old_flags = r9;
	if (old_handle)
		*old_handle = r10;
	if (old_pager)
		*old_pager = rdi;
	return rax;
}

/* Start = S|I|H|r|s: set SP and IP, resume, abort any IPC (the start-message wait). */
static inline l4_threadid_t l4_start_sp_ip(l4_threadid_t t, l4_word_t sp, l4_word_t ip)
{
	return l4_exchange_registers(t, 0x11e, sp, ip, 0, 0, L4_NILTHREAD, NULL, NULL, NULL, NULL, NULL, NULL);
}
/* Stop = h|H|d. */
static inline l4_threadid_t l4_stop(l4_threadid_t t, l4_word_t *state)
{
	return l4_exchange_registers(t, 0x301, 0, 0, 0, 0, L4_NILTHREAD, state, NULL, NULL, NULL, NULL, NULL);
}
static inline l4_threadid_t l4_resume(l4_threadid_t t)
{
	return l4_exchange_registers(t, 0x100, 0, 0, 0, 0, L4_NILTHREAD, NULL, NULL, NULL, NULL, NULL, NULL);
}

#endif
