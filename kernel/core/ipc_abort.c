/* SPDX-License-Identifier: MIT */
/* Ending a message transfer under way: ExchangeRegisters abort and ThreadControl delete (X.2 error "aborted"). */
#include <kern/ipc.h>
#include <kern/ipc_impl.h>
#include <kern/thread.h>
#include <l4/types.h>

/*
 * A transfer with typed items runs on the kernel stack of one thread, the
 * copier (the current thread when it began: the sender delivering to a waiting
 * receiver, or the receiver taking a blocked sender's message). The other
 * thread, the partner, is blocked and locked (IPC_XFER) by ipc_lock_partner.
 * The copier can block inside the transfer only
 *   - in IPC_TUNNEL_WAIT, for a page fault raised in the partner's name and
 *     sent to the partner's pager (the partner then waits in that IPC, with
 *     tunnel_waiter naming the copier);
 *   - in its own page-fault IPC to its own pager (kmsg set);
 *   - locked itself, as the receiver of its pager's reply that maps with flushes;
 *   - preempted in the bounded steps of a map item's flush (it is ready then;
 *     unmap_run stops the flush at the next step once it is marked, and the
 *     spaces of the item are held, so deleting the partner's space meanwhile
 *     only marks it dying: space_release in map_item destroys it).
 * Everything that ends a transfer from outside therefore only marks the copier
 * (xfer_abort) and cuts short what it waits for; the copier notices the mark at
 * its next step (ipc_string.c checks it after every block), stops, and
 * the transfer ends both partners' IPCs with "aborted" (X.2 IPC error 7,
 * offset = bytes copied), as L4Ka::Pistachio's unwind does for both sides.
 */

struct tcb *ipc_copier_of(const struct tcb *t)
{
	if (t->xfer_partner)
		return (struct tcb *)t; /* first: the copier may be locked by its own pager's reply */
	if (t->tunnel_waiter)
		return t->tunnel_waiter;
	return t->xfer_copier;
}

uint8_t ipc_user_phase(const struct tcb *t)
{
	const struct tcb *c = ipc_copier_of(t);
	if (c) /* X.2: the side of the message the thread is on, not the fault IPC */
		return (c == t) == c->xfer_sends ? IPC_SENDING : IPC_RECEIVING;
	if (t->state != TS_WAIT_IPC)
		return IPC_IDLE;
	return t->ipc_phase == IPC_RECEIVING ? IPC_RECEIVING : IPC_SENDING;
}

void ipc_tunnel_withdraw(struct tcb *c)
{
	struct tcb *p = c->ipc_partner;
	if (p->state == TS_WAIT_IPC && p->ipc_phase == IPC_SENDING)
		ipc_sendq_unlink(p->ipc_partner, p); /* the pager has not taken the fault yet */
	/* Locked again at once, so that the pager's late answer finds p not
	 * receiving (it fails or waits like any send) even before c runs and
	 * restores p's own IPC state. */
	p->state = TS_WAIT_IPC;
	p->ipc_phase = IPC_XFER;
	p->tunnel_waiter = NULL;
	c->tunnel_ok = false;
	c->ipc_phase = IPC_IDLE;
	thread_disarm_timeout(c);
	thread_wake(c);
}

/* Ends the copier's own page-fault IPC (to its pager): the copy does not need
 * the page any more. Its kmsg is set, so its own MRs stay untouched. */
static void drop_own_fault(struct tcb *c)
{
	unsigned phase = c->ipc_phase == IPC_SENDING ? IPC_PHASE_SEND : IPC_PHASE_RECV;
	if (c->ipc_phase == IPC_SENDING)
		ipc_sendq_unlink(c->ipc_partner, c);
	c->ipc_call = false;
	ipc_end(c, ipc_error_word(IPC_ERR_ABORTED, phase, 0));
	thread_wake(c);
}

void ipc_abort_transfer(struct tcb *c, uint8_t why)
{
	if (why == XFER_ABORT_GONE || c->xfer_abort == XFER_ABORT_NONE)
		c->xfer_abort = why;
	if (c->state != TS_WAIT_IPC)
		return; /* preempted in a flush step: it sees the mark when it goes on */
	if (c->ipc_phase == IPC_TUNNEL_WAIT)
		ipc_tunnel_withdraw(c);
	else if ((c->ipc_phase == IPC_SENDING || c->ipc_phase == IPC_RECEIVING) && c->kmsg && !c->kmem_request)
		drop_own_fault(c);
	/* IPC_XFER: locked in its pager's reply, which ends in bounded steps */
}

/* The copier c is being deleted: its stack, with the partner's saved IPC state,
 * goes away. The partner's fault raised by c is withdrawn and its IPC ends
 * here with "aborted" in its own phase. */
static void end_partner_of_deleted_copier(struct tcb *c)
{
	struct tcb *p = c->xfer_partner;
	c->xfer_partner = NULL;
	if (p->tunnel_waiter == c) {
		if (p->state == TS_WAIT_IPC && p->ipc_phase == IPC_SENDING)
			ipc_sendq_unlink(p->ipc_partner, p);
		p->tunnel_waiter = NULL;
		p->kmsg = NULL; /* the fault message was c's doing */
	}
	p->xfer_copier = NULL;
	p->ipc_call = false; /* a caller's receive phase does not start after a failed send */
	p->state = TS_WAIT_IPC;
	unsigned phase = c->xfer_sends ? IPC_PHASE_RECV : IPC_PHASE_SEND;
	ipc_end(p, ipc_error_word(IPC_ERR_ABORTED, phase, c->xfer_done));
	thread_wake(p);
}

void ipc_xfer_thread_deleted(struct tcb *t)
{
	if (t->xfer_partner && t->xfer_abort != XFER_ABORT_GONE)
		end_partner_of_deleted_copier(t);
	t->xfer_partner = NULL;
	struct tcb *c = t->tunnel_waiter ? t->tunnel_waiter : t->xfer_copier;
	if (c) /* t is a locked partner: its copier must never touch it again */
		ipc_abort_transfer(c, XFER_ABORT_GONE);
	t->tunnel_waiter = NULL;
	t->xfer_copier = NULL;
}
