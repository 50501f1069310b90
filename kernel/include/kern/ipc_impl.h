/* SPDX-License-Identifier: MIT */
/* IPC internals shared by ipc.c and ipc_string.c (not for the rest of the kernel). */
#ifndef KERN_IPC_IMPL_H
#define KERN_IPC_IMPL_H

#include <kern/ipc.h>
#include <kern/thread.h>

struct tcb;

/* Whether receiver r would take a message from s now. */
bool ipc_accepts(struct tcb *r, struct tcb *s);
/* Appends sender s to r's send queue. */
void ipc_sendq_add(struct tcb *r, struct tcb *s);
/* Transfers s's message to the waiting r and wakes r; returns s's error word. */
word_t ipc_deliver(struct tcb *s, struct tcb *r);
/* Takes sender s out of r's send queue. */
void ipc_sendq_unlink(struct tcb *r, struct tcb *s);
/* Ends t's IPC with the error word and, for a user IPC, writes the result
 * registers (sender nil); the caller wakes t. */
void ipc_end(struct tcb *t, word_t error);
/* Internal: a transfer ended because the partner was deleted (ipc_abort.c);
 * the copier reports "aborted" and does not touch the partner again. */
#define IPC_XFER_PARTNER_GONE ((enum ipc_err)0x10)

/* Locks the current thread's blocked partner t (ipc_lock_partner); sends: the
 * current thread is the sender of the message. */
static inline void ipc_lock(struct tcb *t, bool sends)
{
	thread_disarm_timeout(t);
	t->ipc_phase = IPC_XFER;
	t->xfer_copier = current;
	current->xfer_partner = t;
	current->xfer_sends = sends;
}

/* Ends the lock: the partner t (not current) gets its phase and outer copier
 * back, unless it was deleted during the transfer. */
static inline void ipc_unlock_partner(struct tcb *t, uint8_t phase, struct tcb *copier)
{
	if (current->xfer_abort == XFER_ABORT_GONE)
		return;
	t->ipc_phase = phase;
	t->xfer_copier = copier;
}

/* The copier of the transfer t takes part in (t itself, or the thread copying
 * t's message); NULL if t is in none (ipc_abort.c). */
struct tcb *ipc_copier_of(const struct tcb *t);
/* Marks copier c's transfer to stop (enum xfer_abort) and cuts short what c
 * waits for inside it. */
void ipc_abort_transfer(struct tcb *c, uint8_t why);
/* c waits in IPC_TUNNEL_WAIT: withdraws the fault raised in its partner's
 * name (the pager's later answer finds nobody) and wakes c, whose copy fails. */
void ipc_tunnel_withdraw(struct tcb *c);
/* t is being deleted: a transfer it takes part in ends (its partner gets
 * "aborted"; a copier of t's message stops without touching t again). */
void ipc_xfer_thread_deleted(struct tcb *t);

/* Writes the X.2 page-fault message (ABI §9.1) into t's kernel message buffer. */
void ipc_pagefault_message(struct tcb *t, vaddr_t addr, unsigned access, word_t ip);

/* Words of the string item that starts with w0: the item word and j + 1 pointers. */
static inline unsigned ipc_string_item_words(l4_word_t w0) { return 2 + ((w0 >> 4) & 0x1f); }

/* Copies the string items among s's typed words [first, end) into r's string
 * buffers (BR1...), raising page faults in either space as needed. Returns 0 or
 * an IPC error code, with *offset the bytes transferred before it. */
enum ipc_err ipc_copy_strings(struct tcb *s, struct tcb *r, unsigned first, unsigned end, word_t *offset);

#endif
