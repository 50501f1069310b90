/* SPDX-License-Identifier: MIT */
/* X.2 IPC: send and receive phases, message transfer, kernel-generated messages. */
#ifndef KERN_IPC_H
#define KERN_IPC_H

#include <kern/types.h>

struct tcb;

/* X.2 IPC error codes (ErrorCode bits 1-3); bit 0 is the phase (1: receive). */
enum ipc_err {
	IPC_ERR_TIMEOUT = 1,
	IPC_ERR_NO_PARTNER = 2,
	IPC_ERR_CANCELED = 3,
	IPC_ERR_OVERFLOW = 4,
	IPC_ERR_XFER_TIMEOUT_SELF = 5,
	IPC_ERR_XFER_TIMEOUT_PARTNER = 6,
	IPC_ERR_ABORTED = 7,
};
#define IPC_PHASE_SEND 0
#define IPC_PHASE_RECV 1

static inline word_t ipc_error_word(enum ipc_err code, unsigned phase, word_t offset)
{
	return ((code + (offset << 3)) << 1) | phase;
}

/* Ends the IPC t is blocked in with a timeout error (from the timeout list). */
void ipc_timeout(struct tcb *t);
/* Takes t out of every IPC queue (t is being destroyed); its partners see
 * "no partner". */
void ipc_cancel(struct tcb *t);
/* Locks the blocked partner t into a transfer that may block or be preempted
 * (a string copy, a map item's flush): phase IPC_XFER, so no other message and
 * no timeout (disarmed); an abort goes to the copier, the current thread
 * (ipc_abort.c). The transfer restores the phase it saved (ipc_unlock_partner).
 * Nothing if t is current. */
void ipc_lock_partner(struct tcb *t);
/* Calls `to` with the message the caller put in current->kmsg_buf and waits
 * for the reply, which lands there too; false if `to` does not exist or the
 * IPC failed. The thread's own MRs are not touched. */
bool ipc_kernel_call(l4_threadid_t to);
/* The same with a send and a receive timeout (X.2 period). */
bool ipc_kernel_call_timeout(l4_threadid_t to, uint16_t timeout);
/* Sends the message in current->kmsg_buf to `to` (send timeout never, no
 * reply); false if `to` does not exist, is the caller, or the IPC failed. */
bool ipc_kernel_send(l4_threadid_t to);
/* The same with a send timeout (X.2 period). */
bool ipc_kernel_send_timeout(l4_threadid_t to, uint16_t timeout);
/* The X.2 period for at least `us` microseconds. */
uint16_t ipc_time_period_up(word_t us);
/* How a page-fault IPC ended: the pager answered; ExchangeRegisters canceled
 * or aborted it (X.2 errors 3, 7; trap.c decides: exception IPC to a handler,
 * or the access again); or it failed (no pager). */
enum pf_result { PF_FAILED, PF_ANSWERED, PF_CANCELED };
/* Sends the X.2 page-fault message for the current thread to its pager and
 * waits for the reply (ABI §9.1). The thread's own MRs are not touched. */
enum pf_result ipc_pagefault(vaddr_t addr, unsigned access, word_t ip);

/* Resolves a global or local thread ID as seen by self; NULL if none. */
struct tcb *ipc_resolve(struct tcb *self, l4_threadid_t id);
/* ExchangeRegisters abort: ends t's IPC in the given phase with "canceled"
 * before the message transfer, or the transfer under way with "aborted" for
 * both partners (X.2 IPC errors 3 and 7). */
void ipc_abort(struct tcb *t, unsigned phase);
/* The IPC phase t is in as ExchangeRegisters reports it (IPC_SENDING,
 * IPC_RECEIVING or IPC_IDLE): in a transfer, the side of the message t is on. */
uint8_t ipc_user_phase(const struct tcb *t);
/* Puts a newly activated thread into its wait for the pager's start message;
 * the message lands in its kernel message buffer (thread_startup reads it). */
void ipc_wait_for_start(struct tcb *t);

/* Interrupts as IPC: kernel interrupt threads for IRQ lines [0, lines). */
bool irq_threads_init(unsigned lines);
/* Associates the interrupt thread with handler, or de-associates it when
 * handler is the interrupt thread itself (ThreadControl); false if not possible. */
bool irq_associate(struct tcb *irq_thread, l4_threadid_t handler);
/* The handler's acknowledgement (a send to the interrupt thread): unmasks the line. */
bool irq_acknowledge(struct tcb *irq_thread);
/* An interrupt on line (masked by the arch layer): IPC to its handler. */
void irq_raise(unsigned line);
bool irq_any_associated(void);

/* The interrupt controller, from the arch layer. */
void arch_irq_mask(unsigned line);
void arch_irq_unmask(unsigned line);
/* Whether user level may own the line (not the kernel's timer or a cascade). */
bool arch_irq_available(unsigned line);

/* MR i of t as an IPC sender (its registers, UTCB or kernel message). */
word_t ipc_caller_mr(struct tcb *t, unsigned i);

#endif
