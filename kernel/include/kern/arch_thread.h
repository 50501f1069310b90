/* SPDX-License-Identifier: MIT */
/* What the generic thread code asks of the architecture. */
#ifndef KERN_ARCH_THREAD_H
#define KERN_ARCH_THREAD_H

#include <kern/types.h>

struct tcb;
struct trapframe;

/* arch_user_frame(t), the user-mode register frame of t, is inline in <arch/ipc.h>. */

/* Prepares t's kernel stack so that its first switch-in returns to user mode
 * at ip with stack pointer sp (IOPL 3 if io_privileged). */
void arch_thread_init_user(struct tcb *t, word_t ip, word_t sp, bool io_privileged);
/* Prepares t's kernel stack so that its first switch-in runs thread_startup()
 * and then returns to user mode at whatever IP and SP the frame holds then. */
void arch_thread_init_startup(struct tcb *t, bool io_privileged);
/* The user-mode IP, SP and flags of a thread (its frame), and setters that keep
 * the kernel's invariants (canonical user addresses, only user-writable flags). */
word_t arch_user_ip(struct tcb *t);
word_t arch_user_sp(struct tcb *t);
word_t arch_user_flags(struct tcb *t);
void arch_set_user_ip(struct tcb *t, word_t ip);
void arch_set_user_sp(struct tcb *t, word_t sp);
void arch_set_user_flags(struct tcb *t, word_t flags);

/* The thread-state service (docs/persistence.md): t's user registers into and
 * from w[] in the order of <mnemo/thread_state.h> (set: false for a rip that is
 * not a user address); an exported IPC made to restart; half (0, 1) of the
 * FXSAVE image (get: false if t has no FPU state yet). */
void arch_state_get_regs(struct tcb *t, word_t *w);
bool arch_state_set_regs(struct tcb *t, const word_t *w);
void arch_state_ipc_restart(word_t *w, bool recv_only);
bool arch_state_fpu(struct tcb *t, unsigned half, word_t *w, bool set);
/* Saves t's FPU registers to its TCB if t owns the FPU, and gives the FPU up. */
void arch_fpu_release(struct tcb *t);
/* The CPU's MXCSR mask (0: unknown). */
extern uint32_t arch_mxcsr_mask;

/* Switches from the running thread `from` to `to`: address space, kernel
 * stack, FPU ownership and the user-visible UTCB pointer. */
void arch_thread_switch(struct tcb *from, struct tcb *to);
/* Forgets t's FPU state (t is being destroyed). */
void arch_thread_release(struct tcb *t);
/* Reads len bytes of the current space's user memory at uva; false if not all readable. */
bool arch_user_read(void *dst, vaddr_t uva, size_t len);
/* Reads one aligned word of the current space's user memory if it is mapped; a
 * missing page is not faulted in (no pager is asked): false. */
bool arch_user_probe(word_t *dst, vaddr_t uva);
/* Microseconds since boot. */
word_t arch_clock_us(void);
/* Reports that no thread can ever run again and stops (QEMU: exit code STOPPED). */
__noreturn void arch_system_stopped(void);
/* Waits for an interrupt with interrupts enabled (the idle loop). */
void arch_idle_wait(void);

#endif
