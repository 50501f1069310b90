/* SPDX-License-Identifier: MIT */
/* X.2 IPC (§4): the send phase, the receive phase, message transfer and kernel-generated IPC. */
#include <kern/ipc.h>
#include <kern/ipc_impl.h>
#include <kern/thread.h>
#include <kern/arch_thread.h>
#include <kern/space.h>
#include <kern/syscall.h>
#include <kern/panic.h>
#include <kern/string.h>
#include <kern/trace.h>
#include <kern/kmem.h>
#include <kern/thread_state.h>
#include <kern/time.h>
#include <l4/utcb.h>
#include <arch/ipc.h>

/* ---- message registers --------------------------------------------------------
 * A thread in an Ipc system call has MR0-MR7 in the registers of its user frame
 * (which stays untouched while it is blocked) and MR8 up in its UTCB; a thread
 * in a kernel-generated IPC (page fault) has its message in kmsg instead, so its
 * own MRs are never touched. */

static word_t mr_get(struct tcb *t, unsigned i)
{
	if (t->kmsg)
		return i < ARRAY_SIZE(t->kmsg_buf) ? t->kmsg[i] : 0;
	if (i < ARCH_IPC_REG_MRS)
		return *arch_frame_mr(arch_user_frame(t), i);
	return t->utcb_k[i];
}

word_t ipc_caller_mr(struct tcb *t, unsigned i) { return mr_get(t, i); }

static void mr_set(struct tcb *t, unsigned i, word_t v)
{
	if (t->kmsg) {
		if (i < ARRAY_SIZE(t->kmsg_buf))
			t->kmsg[i] = v;
	} else if (i < ARCH_IPC_REG_MRS) {
		*arch_frame_mr(arch_user_frame(t), i) = v;
	} else {
		t->utcb_k[i] = v;
	}
}

/* MR1..MRu from s to r, neither in a kernel message: registers frame to frame,
 * the rest UTCB to UTCB. */
static void copy_untyped(struct tcb *r, struct trapframe *rtf, struct tcb *s, const struct trapframe *stf, unsigned u)
{
	arch_copy_reg_mrs(rtf, stf, u < ARCH_IPC_REG_MRS ? u : ARCH_IPC_REG_MRS - 1);
	if (u >= ARCH_IPC_REG_MRS)
		memcpy(&r->utcb_k[ARCH_IPC_REG_MRS], &s->utcb_k[ARCH_IPC_REG_MRS],
		       (u - ARCH_IPC_REG_MRS + 1) * sizeof(l4_word_t));
}

/* The ID the receiver sees for sender s: local if they share a space (ABI §8.6). */
static l4_threadid_t id_seen_by(struct tcb *s, struct tcb *r)
{
	return s->space == r->space && s->utcb ? s->utcb : s->id;
}

/* Propagation (X.2 §4.1): a message with the p bit speaks for the virtual sender
 * named in the sender's UTCB, if that thread shares the sender's space or the
 * sender shares the receiver's. Returns the virtual sender, or NULL. */
static struct tcb *virtual_sender(struct tcb *s, struct tcb *r)
{
	/* the common case, no p bit, is one load of MR0's register slot */
	if (likely(s->kmsg || !(*arch_frame_mr(arch_user_frame(s), 0) & L4_TAG_PROPAGATED)) || !s->utcb_k)
		return NULL;
	struct tcb *vs = ipc_resolve(s, s->utcb_k[L4_UTCB_ACTUAL_SENDER]);
	if (!vs || vs == s || (vs->space != s->space && s->space != r->space))
		return NULL;
	return vs;
}

/* The sender ID r sees for a message from s, with the side effects of
 * propagation: r learns the actual sender, and a virtual sender waiting for
 * s's reply now waits for r's instead. */
static l4_threadid_t from_as_seen(struct tcb *s, struct tcb *r)
{
	struct tcb *vs = virtual_sender(s, r);
	if (!vs)
		return id_seen_by(s, r);
	if (r->utcb_k && !r->kmsg)
		r->utcb_k[L4_UTCB_ACTUAL_SENDER] = s->id;
	if (vs->state == TS_WAIT_IPC && vs->ipc_phase == IPC_RECEIVING && vs->ipc_partner == s)
		vs->ipc_partner = r;
	return id_seen_by(vs, r);
}

/* Finishes t's IPC system call: error word (0 = success) and the result registers. */
static void ipc_finish(struct tcb *t, word_t error, l4_threadid_t from)
{
	t->ipc_phase = IPC_IDLE;
	t->ipc_partner = NULL;
	t->ipc_error = error;
	thread_disarm_timeout(t);
	if (t->kmsg)
		return;
	if (error) {
		mr_set(t, 0, L4_TAG_ERROR);
		t->utcb_k[L4_UTCB_ERROR_CODE] = error;
	}
	arch_ipc_set_result(arch_user_frame(t), from, t->utcb);
}

/* ---- send queues ------------------------------------------------------------------ */

void ipc_sendq_add(struct tcb *r, struct tcb *s)
{
	s->sendq_next = NULL;
	s->sendq_prev = NULL;
	if (!r->sendq_head) {
		r->sendq_head = s;
		s->sendq_prev = s; /* the head's prev is the tail */
		return;
	}
	struct tcb *tail = r->sendq_head->sendq_prev;
	tail->sendq_next = s;
	s->sendq_prev = tail;
	r->sendq_head->sendq_prev = s;
}

static void sendq_remove(struct tcb *r, struct tcb *s)
{
	struct tcb *head = r->sendq_head;
	if (head == s) {
		r->sendq_head = s->sendq_next;
		if (r->sendq_head)
			r->sendq_head->sendq_prev = s->sendq_prev;
	} else {
		s->sendq_prev->sendq_next = s->sendq_next;
		if (s->sendq_next)
			s->sendq_next->sendq_prev = s->sendq_prev;
		else
			head->sendq_prev = s->sendq_prev;
	}
	s->sendq_next = s->sendq_prev = NULL;
}

/* ---- thread IDs ---------------------------------------------------------------------- */

/* Resolves a destination or source ID as seen by `self`; NULL if no such thread. */
struct tcb *ipc_resolve(struct tcb *self, l4_threadid_t id)
{
	if (id == L4_NILTHREAD || id == L4_ANYTHREAD || id == L4_ANYLOCALTHREAD)
		return NULL;
	if (l4_is_local_id(id)) {
		/* A local ID is the MR0 address of a thread of our own space: its
		 * UTCB holds the global ID (ABI §4.2). */
		struct space *s = self->space;
		l4_fpage_t ua = s ? s->utcb_area : 0;
		if (!ua || id < l4_fpage_base(ua) + L4_UTCB_MR0_OFFSET ||
		    id >= l4_fpage_base(ua) + (1ull << l4_fpage_size_log2(ua)))
			return NULL;
		/* self's space is the current one: probe the word through the MMU (only the
		 * kernel maps into the UTCB area, and an empty slot is just no thread);
		 * else through the kernel's UTCB pointer. */
		l4_word_t gid = 0;
		if (self == current) {
			if (!arch_user_probe(&gid, id + 8 * L4_UTCB_MY_GLOBAL_ID))
				return NULL;
		} else {
			const l4_word_t *mr0 = space_utcb_lookup(s, id - L4_UTCB_MR0_OFFSET);
			gid = mr0 ? mr0[L4_UTCB_MY_GLOBAL_ID] : 0;
		}
		struct tcb *t = thread_lookup(gid);
		return t && t->space == s && t->utcb == id ? t : NULL;
	}
	return thread_lookup(id);
}

bool ipc_accepts(struct tcb *r, struct tcb *s)
{
	if (r->state != TS_WAIT_IPC || r->ipc_phase != IPC_RECEIVING)
		return false;
	if (r->ipc_any_local)
		return s->space == r->space;
	return !r->ipc_partner || r->ipc_partner == s || (r->ipc_partner == virtual_sender(s, r));
}

/* ---- transfer --------------------------------------------------------------------------- */

/* One map or grant item of s's message to r. What the item replaces in r's
 * space is first flushed in bounded steps with preemption points
 * (space_map_item, docs/mdb.md "Costs"); before the first one the blocked
 * partner is locked into the transfer as for a string copy (ipc_lock_partner),
 * and it gets its phase back here. A transfer between two threads neither of
 * which is current runs without preemption points. */
static bool map_item(struct tcb *s, struct tcb *r, l4_fpage_t snd, vaddr_t hot_spot, l4_fpage_t window, bool grant)
{
	struct tcb *partner = s == current ? r : r == current ? s : NULL;
	/* A reply to a fault raised in a copier's name is not preempted either, so
	 * that a thread is never locked by two transfers (ipc_abort.c). */
	if (!partner || partner->tunnel_waiter)
		return space_map_item(s->space, snd, hot_spot, r->space, window, grant, NULL);
	uint8_t phase = partner->ipc_phase;
	struct tcb *copier = partner->xfer_copier;
	current->xfer_sends = partner == r; /* for ipc_lock_partner at a flush */
	current->xfer_done = 0;
	bool ok = space_map_item(s->space, snd, hot_spot, r->space, window, grant, partner);
	ipc_unlock_partner(partner, phase, copier);
	/* Both spaces were kept alive if the item could be preempted (space.c
	 * hold_for_preemption), even if their last threads were deleted meanwhile. */
	struct space *from = current->xfer_held[0], *to = current->xfer_held[1];
	if (from) { /* each hold ends before its release, which may preempt: a deleter ends the others */
		current->xfer_held[0] = NULL;
		space_release(from);
		current->xfer_held[1] = NULL;
		space_release(to);
	}
	return ok;
}

static enum ipc_err typed_items(struct tcb *s, struct tcb *r, unsigned u, unsigned t, word_t *offset);

/* The end of a transfer with typed items in which the current thread, the
 * copier, locked its partner: the mark an ExchangeRegisters abort or a deletion
 * set while it blocked or was preempted (ipc_abort.c) turns the error into
 * "aborted", or IPC_XFER_PARTNER_GONE if the partner was deleted (it is not
 * touched again). Only a transfer with a locked partner can be aborted. */
static inline enum ipc_err copier_done(enum ipc_err e)
{
	if (unlikely(current->xfer_abort)) {
		e = current->xfer_abort == XFER_ABORT_GONE ? IPC_XFER_PARTNER_GONE : IPC_ERR_ABORTED;
		current->xfer_abort = XFER_ABORT_NONE;
	}
	current->xfer_partner = NULL;
	return e;
}

/* Copies the message of s into r and performs its map and grant items.
 * Returns 0 or an error code (both sides then see it, in their phases). */
static enum ipc_err transfer(struct tcb *s, struct tcb *r, word_t *offset)
{
	l4_msgtag_t tag = mr_get(s, 0);
	unsigned u = L4_TAG_U(tag), t = L4_TAG_T(tag);
	*offset = 0;
	if (1 + u + t > L4_UTCB_MRS)
		return IPC_ERR_OVERFLOW;
	if (!s->kmsg && !r->kmsg) {
		copy_untyped(r, arch_user_frame(r), s, arch_user_frame(s), u);
	} else {
		for (unsigned i = 1; i <= u; i++)
			mr_set(r, i, mr_get(s, i));
	}
	/* Kernel exception messages also carry the error code in MR20, beyond u, as
	 * Pistachio's do (ABI §9.3). */
	if (s->kmsg && (tag >> 16) == (L4_LABEL_EXCEPTION & 0xffffffffffffull) && u < ARRAY_SIZE(s->kmsg_buf) - 1)
		mr_set(r, u + 1, mr_get(s, u + 1));
	if (t) {
		enum ipc_err e = typed_items(s, r, u, t, offset);
		if (current->xfer_partner) /* the current thread copied and locked its partner */
			e = copier_done(e);
		if (e)
			return e;
	}
	l4_word_t keep = virtual_sender(s, r) ? L4_TAG_PROPAGATED : 0;
	if (s->ipc_intended && !s->kmsg) { /* redirected: the redirector learns the intended receiver */
		keep |= L4_TAG_REDIRECTED;
		if (!r->kmsg)
			r->utcb_k[L4_UTCB_INTENDED_RECEIVER] = s->ipc_intended;
	}
	mr_set(r, 0, (tag & ~(l4_word_t)(L4_TAG_ERROR | L4_TAG_XCPU | L4_TAG_REDIRECTED | L4_TAG_PROPAGATED)) | keep);
	return 0;
}

/* The typed words [u + 1, u + t] of s's message: map and grant items, then the
 * string copy. */
static enum ipc_err typed_items(struct tcb *s, struct tcb *r, unsigned u, unsigned t, word_t *offset)
{
	l4_fpage_t window = r->kmsg ? L4_COMPLETE_ADDRESS_SPACE : (r->utcb_k[L4_UTCB_BR(0)] & ~(l4_word_t)0xf);
	bool strings = false;
	for (unsigned i = u + 1; i < u + 1 + t;) {
		word_t w0 = mr_get(s, i);
		if (!(w0 & 8)) { /* a string item: the copy comes after the map items */
			unsigned words = ipc_string_item_words(w0);
			strings = true;
			for (unsigned k = 0; k < words && i + k < u + 1 + t; k++)
				mr_set(r, i + k, mr_get(s, i + k));
			i += words;
			continue;
		}
		word_t w1 = mr_get(s, i + 1);
		unsigned type = (w0 >> 1) & 7;
		if (type != 4 && type != 5)
			return IPC_ERR_OVERFLOW; /* ctrl-xfer items: see docs/status.md */
		if (r->kmem_request)
			kmem_lend_item(s, w1); /* the kmem pager's answer to r's request */
		else if (!window)
			return IPC_ERR_OVERFLOW; /* the receiver accepts no mappings (as on Pistachio) */
		else if (s->space && r->space && !map_item(s, r, w1, l4_fpage_base(w0), window, type == 5))
			return IPC_ERR_OVERFLOW; /* quota or kernel memory: docs/kmem.md */
		if (unlikely(current->xfer_abort))
			return IPC_ERR_ABORTED; /* while a flush was preempted; the partner may be gone */
		mr_set(r, i, w0);
		mr_set(r, i + 1, w1);
		i += 2;
	}
	return strings ? ipc_copy_strings(s, r, u + 1, u + 1 + t, offset) : 0;
}

/* An xfer timeout seen from the other side of the IPC: "in the invoker's
 * space" and "in the partner's space" swap. */
static enum ipc_err other_side(enum ipc_err e)
{
	return e == IPC_ERR_XFER_TIMEOUT_SELF	   ? IPC_ERR_XFER_TIMEOUT_PARTNER
	       : e == IPC_ERR_XFER_TIMEOUT_PARTNER ? IPC_ERR_XFER_TIMEOUT_SELF
						   : e;
}

/* Delivers s's message to the waiting receiver r and wakes r. Returns the
 * sender's error word. */
word_t ipc_deliver(struct tcb *s, struct tcb *r)
{
	word_t off;
	enum ipc_err e = transfer(s, r, &off); /* xfer-timeout codes as the sender sees them */
	if (unlikely(e == IPC_XFER_PARTNER_GONE))
		return ipc_error_word(IPC_ERR_ABORTED, IPC_PHASE_SEND, off);
	l4_threadid_t from = e ? id_seen_by(s, r) : from_as_seen(s, r);
	ipc_finish(r, e ? ipc_error_word(other_side(e), IPC_PHASE_RECV, off) : 0, from);
	thread_wake(r);
	return e ? ipc_error_word(e, IPC_PHASE_SEND, off) : 0;
}

/* ---- the two phases ----------------------------------------------------------------------- */

/* Timeouts (X.2 §"Time"): a period counts from the start of its phase, so it
 * is armed when the phase blocks; a point names a clock value, read against the
 * clock once as the Ipc starts (ipc_timeout_points) and armed as it is. */
static word_t point_at(const struct tcb *t, bool recv) { return recv ? t->ipc_recv_point_at : t->ipc_send_point_at; }

static void arm(struct tcb *t, uint16_t timeout, bool recv)
{
	word_t us;
	if (unlikely(time_is_point(timeout)))
		thread_arm_timeout(t, point_at(t, recv));
	else if (time_period_us(timeout, &us))
		thread_arm_timeout(t, arch_clock_us() + us);
}

/* A zero period, or a point already passed: the phase fails rather than block. */
static bool expired(const struct tcb *t, uint16_t timeout, bool recv)
{
	if (timeout == L4_NEVER)
		return false;
	if (unlikely(time_is_point(timeout)))
		return point_at(t, recv) <= arch_clock_us();
	return !(timeout & 0x3ff);
}

/* The clock values of the Ipc's point timeouts (timeouts: send << 16 |
 * receive), read against the clock once as it starts: into the current
 * thread's ipc_send_point_at and ipc_recv_point_at, which are read only for a
 * timeout that is a point. */
static __attribute__((noinline, cold)) void ipc_timeout_points(word_t timeouts)
{
	word_t now = arch_clock_us();
	if (time_is_point((uint16_t)(timeouts >> 16)))
		current->ipc_send_point_at = time_point_clock((uint16_t)(timeouts >> 16), now);
	if (time_is_point((uint16_t)timeouts))
		current->ipc_recv_point_at = time_point_clock((uint16_t)timeouts, now);
}

/* Blocks the current thread in `phase` until a partner or the timeout ends it. */
static word_t block(uint8_t phase, uint16_t timeout)
{
	current->ipc_phase = phase;
	current->ipc_error = 0;
	arm(current, timeout, phase == IPC_RECEIVING);
	thread_block(current, TS_WAIT_IPC);
	schedule();
	return current->ipc_error;
}

/* The receiver has taken s's message. A sender that is calling (it has a
 * receive phase) goes straight into it, atomically, so that a reply sent with
 * a zero timeout (ReplyWait) finds it receiving; any other sender is done. */
static void sender_done(struct tcb *s, enum ipc_err e, word_t off)
{
	if (s->irq) { /* an interrupt thread's message was taken: it is idle again */
		ipc_finish(s, 0, 0);
		s->state = TS_INACTIVE;
		return;
	}
	if (e || !s->ipc_call) {
		ipc_finish(s, e ? ipc_error_word(e, IPC_PHASE_SEND, off) : 0, 0);
		thread_wake(s);
		return;
	}
	s->ipc_call = false;
	s->ipc_received_in_send = true;
	s->ipc_phase = IPC_RECEIVING;
	s->ipc_partner = s->ipc_call_from;
	s->ipc_any_local = s->ipc_call_any_local;
	if (time_is_point(s->ipc_call_timeout) && expired(s, s->ipc_call_timeout, true)) {
		/* the point passed while the send phase waited: a zero timeout */
		ipc_finish(s, ipc_error_word(IPC_ERR_TIMEOUT, IPC_PHASE_RECV, 0), L4_NILTHREAD);
		thread_wake(s);
		return;
	}
	arm(s, s->ipc_call_timeout, true);
}

/* A kernel service thread answers a call at once: its reply becomes the
 * caller's received message, from that thread (a send alone gets no reply). */
static word_t kernel_service(struct tcb *dest)
{
	word_t reply[32];
	unsigned n = 0;
	word_t label = thread_state_serve(current, reply, &n);
	if (!current->ipc_call || (current->ipc_call_from && current->ipc_call_from != dest))
		return 0;
	mr_set(current, 0, l4_msgtag(label, n, 0, 0));
	for (unsigned i = 0; i < n; i++)
		mr_set(current, 1 + i, reply[i]);
	current->ipc_call = false;
	current->ipc_received_in_send = true;
	ipc_finish(current, 0, dest->id);
	return 0;
}

static word_t send_phase(struct tcb *dest, uint16_t timeout)
{
	if (dest->irq) /* the handler acknowledges an interrupt by sending to its thread */
		return irq_acknowledge(dest) ? 0 : ipc_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_SEND, 0);
	if (kmem_is_thread(dest))
		return kmem_control(current);
	if (thread_state_is_thread(dest))
		return kernel_service(dest);
	if (ipc_accepts(dest, current))
		return ipc_deliver(current, dest);
	if (expired(current, timeout, false))
		return ipc_error_word(IPC_ERR_TIMEOUT, IPC_PHASE_SEND, 0);
	current->ipc_partner = dest;
	ipc_sendq_add(dest, current);
	return block(IPC_SENDING, timeout);
}

static word_t receive_phase(struct tcb *from, bool any_local, uint16_t timeout)
{
	for (struct tcb *s = current->sendq_head; s; s = s->sendq_next) {
		if ((from && s != from && virtual_sender(s, current) != from) ||
		    (any_local && s->space != current->space))
			continue;
		sendq_remove(current, s);
		word_t off;
		enum ipc_err e = transfer(s, current, &off); /* xfer-timeout codes as we see them */
		if (unlikely(e == IPC_XFER_PARTNER_GONE)) { /* the sender was deleted during the copy */
			word_t err = ipc_error_word(IPC_ERR_ABORTED, IPC_PHASE_RECV, off);
			ipc_finish(current, err, L4_NILTHREAD);
			return err;
		}
		sender_done(s, other_side(e), off);
		word_t err = e ? ipc_error_word(e, IPC_PHASE_RECV, off) : 0;
		ipc_finish(current, err, e ? id_seen_by(s, current) : from_as_seen(s, current));
		return err;
	}
	if (expired(current, timeout, true))
		return ipc_error_word(IPC_ERR_TIMEOUT, IPC_PHASE_RECV, 0);
	current->ipc_partner = from;
	current->ipc_any_local = any_local;
	return block(IPC_RECEIVING, timeout);
}

/* The phases of one IPC of the current thread: a send phase to dest (if any),
 * then a receive phase (if has_recv) from `from` (NULL: any thread). */
static word_t ipc_phases(struct tcb *dest, uint16_t snd_timeout, bool has_recv, struct tcb *from, bool any_local,
			 uint16_t rcv_timeout)
{
	if (dest) {
		current->ipc_call = has_recv;
		current->ipc_call_from = from;
		current->ipc_call_any_local = any_local;
		current->ipc_call_timeout = rcv_timeout;
		current->ipc_received_in_send = false;
		word_t err = send_phase(dest, snd_timeout);
		current->ipc_call = false;
		current->ipc_intended = 0;
		if (err || current->ipc_received_in_send)
			return err; /* the receive phase already ran, started by the receiver */
	}
	return has_recv ? receive_phase(from, any_local, rcv_timeout) : 0;
}

/* One IPC of the current thread: to and from as in X.2, timeouts (send << 16 | receive). */
static word_t do_ipc(l4_threadid_t to, l4_threadid_t from_spec, word_t timeouts)
{
	struct tcb *dest = NULL, *from = NULL;
	if (to != L4_NILTHREAD && !(dest = ipc_resolve(current, to)))
		return ipc_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_SEND, 0);
	/* Redirection (X.2 SpaceControl): a send out of a space with a redirector goes
	 * to the redirector, which learns the intended receiver. */
	current->ipc_intended = 0;
	if (dest && current->space && current->space->redirector && dest->space != current->space) {
		struct tcb *red = thread_lookup(current->space->redirector);
		if (red && red != dest && red != current) {
			current->ipc_intended = dest->id;
			dest = red;
		}
	}
	if (unlikely(timeouts & ((word_t)TIME_POINT_BIT << 16 | TIME_POINT_BIT)))
		ipc_timeout_points(timeouts);
	bool has_recv = from_spec != L4_NILTHREAD;
	bool specific = has_recv && from_spec != L4_ANYTHREAD && from_spec != L4_ANYLOCALTHREAD;
	if (specific && !(from = ipc_resolve(current, from_spec))) {
		if (dest) { /* the send phase still happens; the receive phase then fails */
			word_t err = ipc_phases(dest, (uint16_t)(timeouts >> 16), false, NULL, false, 0);
			if (err)
				return err;
		}
		return ipc_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_RECV, 0);
	}
	return ipc_phases(dest, (uint16_t)(timeouts >> 16), has_recv, from, from_spec == L4_ANYLOCALTHREAD,
			  (uint16_t)timeouts);
}

/* The fast path: a list of guards, each falling back to the general path, so it
 * cannot change semantics. The architecture's assembly fast path (arch ipc_fastpath.S) takes the same
 * guards first (and relies on their failing here too): change both together. It covers the common RPC step: a message of at most
 * seven untyped words (all in registers) to a thread that already waits for us,
 * followed by an open or closed receive with timeout never, when the partner may
 * run at once. The message goes register frame to register frame and the CPU
 * switches straight to the partner. */
static bool ipc_fastpath(struct trapframe *tf)
{
	l4_msgtag_t tag = *arch_frame_mr(tf, 0);
	l4_threadid_t to = arch_ipc_to(tf), from_spec = arch_ipc_from_spec(tf);
	if (unlikely(tag & (0xfc0 | L4_TAG_PROPAGATED))) /* typed items, propagation */
		return false;
	if (unlikely((uint16_t)arch_ipc_timeouts(tf) != L4_NEVER || from_spec == L4_NILTHREAD))
		return false;
	if (unlikely(from_spec != to && from_spec != L4_ANYTHREAD))
		return false;
	if (unlikely(current->space->redirector)) /* redirection: the general path */
		return false;
	struct tcb *dest = l4_is_local_id(to) ? ipc_resolve(current, to) : thread_lookup(to);
	if (unlikely(!dest || dest->state != TS_WAIT_IPC || dest->ipc_phase != IPC_RECEIVING || dest->kmsg ||
		     dest->halted || dest->timeout_armed || dest->ipc_any_local))
		return false;
	if (unlikely(dest->ipc_partner && dest->ipc_partner != current))
		return false;
	if (unlikely(from_spec == L4_ANYTHREAD && current->sendq_head)) /* a sender is waiting for us */
		return false;
	if (unlikely(thread_ready_above(dest->priority)))
		return false;

	/* The message: MR0 with the flags cleared, MR1..MRu, the sender's ID. */
	struct trapframe *dtf = arch_user_frame(dest);
	copy_untyped(dest, dtf, current, tf, L4_TAG_U(tag));
	*arch_frame_mr(dtf, 0) = tag & ~(l4_word_t)(L4_TAG_ERROR | L4_TAG_XCPU | L4_TAG_REDIRECTED | L4_TAG_PROPAGATED);
	arch_ipc_set_result(dtf, id_seen_by(current, dest), dest->utcb);
	dest->ipc_phase = IPC_IDLE;
	dest->ipc_partner = NULL;
	dest->ipc_error = 0;

	/* We wait: closed on `to` for a call, open for reply-and-wait. */
	current->ipc_phase = IPC_RECEIVING;
	current->ipc_partner = from_spec == L4_ANYTHREAD ? NULL : dest;
	current->ipc_any_local = false;
	current->ipc_call = false;
	current->ipc_error = 0;
	current->state = TS_WAIT_IPC;
	dest->state = TS_READY;
	thread_switch_direct(dest);
	return true; /* resumed: whoever sent to us has finished our IPC */
}

/* Ipc beyond the fast path. */
static void ipc_general(struct trapframe *tf)
{
	if (L4_TAG_T(*arch_frame_mr(tf, 0)) && arch_ipc_to(tf) != L4_NILTHREAD)
		kmem_before_map(); /* may block: asks the kmem pager for memory */
	word_t err = do_ipc(arch_ipc_to(tf), arch_ipc_from_spec(tf), arch_ipc_timeouts(tf));
	if (err || arch_ipc_from_spec(tf) == L4_NILTHREAD)
		ipc_finish(current, err, L4_NILTHREAD);
}

void ipc_fastpath_resumed(void)
{
	if (current->ipc_error)
		ipc_finish(current, current->ipc_error, L4_NILTHREAD);
}

void sys_ipc(struct trapframe *tf)
{
	trace_event(TRACE_IPC, arch_ipc_to(tf), arch_ipc_from_spec(tf), *arch_frame_mr(tf, 0));
	if (ipc_fastpath(tf)) {
		ipc_fastpath_resumed();
		return;
	}
	ipc_general(tf);
}

void sys_ipc_general(struct trapframe *tf)
{
	trace_event(TRACE_IPC, arch_ipc_to(tf), arch_ipc_from_spec(tf), *arch_frame_mr(tf, 0));
	ipc_general(tf);
}

/* ---- timeouts, cancellation, kernel-generated IPC ----------------------------------------- */

void ipc_timeout(struct tcb *t)
{
	if (t->state == TS_WAIT_IPC && t->ipc_phase == IPC_TUNNEL_WAIT) {
		/* the xfer timeout of a string copy ran out while a fault raised in the
		 * partner's name was pending: withdraw it; the copy fails */
		ipc_tunnel_withdraw(t);
		return;
	}
	if (t->state != TS_WAIT_IPC || t->ipc_phase == IPC_XFER)
		return;
	unsigned phase = t->ipc_phase == IPC_SENDING ? IPC_PHASE_SEND : IPC_PHASE_RECV;
	if (t->ipc_phase == IPC_SENDING)
		sendq_remove(t->ipc_partner, t);
	ipc_finish(t, ipc_error_word(IPC_ERR_TIMEOUT, phase, 0), L4_NILTHREAD);
	thread_wake(t);
}

void ipc_cancel(struct tcb *t)
{
	ipc_xfer_thread_deleted(t); /* a transfer under way ends first: ipc_abort.c */
	if (t->state == TS_WAIT_IPC && t->ipc_phase == IPC_SENDING)
		sendq_remove(t->ipc_partner, t);
	thread_disarm_timeout(t);
	while (t->sendq_head) {
		struct tcb *s = t->sendq_head;
		sendq_remove(t, s);
		ipc_finish(s, ipc_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_SEND, 0), L4_NILTHREAD);
		thread_wake(s);
	}
	/* Receivers waiting for t specifically would wait forever: tell them. Only
	 * the thread table's allocated second-level pages are walked. */
	for (unsigned top = 0; top < ARRAY_SIZE(thread_table); top++) {
		struct tcb **l2 = thread_table[top];
		for (unsigned i = 0; l2 && i < TT_L2_SIZE; i++) {
			struct tcb *r = l2[i];
			if (r && r->state == TS_WAIT_IPC && r->ipc_phase == IPC_RECEIVING && r->ipc_partner == t) {
				ipc_finish(r, ipc_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_RECV, 0), L4_NILTHREAD);
				thread_wake(r);
			}
		}
	}
}

bool ipc_kernel_call(l4_threadid_t to) { return ipc_kernel_call_timeout(to, L4_NEVER); }

/* The kernel call's IPC error word (0: the reply arrived); a partner that
 * cannot take kernel messages is "no partner". */
static word_t kernel_call(l4_threadid_t to, uint16_t timeout)
{
	struct tcb *partner = ipc_resolve(current, to);
	if (!partner || partner == current || partner->irq || kmem_is_thread(partner) ||
	    thread_state_is_thread(partner))
		return ipc_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_SEND, 0);
	current->kmsg = current->kmsg_buf;
	/* A call; the reply may map anywhere. */
	word_t err = ipc_phases(partner, timeout, true, partner, false, timeout);
	current->kmsg = NULL;
	return err;
}

bool ipc_kernel_call_timeout(l4_threadid_t to, uint16_t timeout) { return kernel_call(to, timeout) == 0; }

bool ipc_kernel_send(l4_threadid_t to) { return ipc_kernel_send_timeout(to, L4_NEVER); }

bool ipc_kernel_send_timeout(l4_threadid_t to, uint16_t timeout)
{
	struct tcb *partner = ipc_resolve(current, to);
	if (!partner || partner == current || partner->irq || kmem_is_thread(partner) ||
	    thread_state_is_thread(partner))
		return false;
	current->kmsg = current->kmsg_buf;
	word_t err = ipc_phases(partner, timeout, false, NULL, false, 0);
	current->kmsg = NULL;
	return err == 0;
}

uint16_t ipc_time_period_up(word_t us)
{
	if (!us)
		return L4_ZERO_TIME;
	unsigned e = 0;
	while (us > 1023 && e < 31)
		us = (us + 1) >> 1, e++; /* round up: a timeout must not fire early */
	return (uint16_t)((e << 10) | us);
}

void ipc_pagefault_message(struct tcb *t, vaddr_t addr, unsigned access, word_t ip)
{
	t->kmsg_buf[0] = l4_msgtag(L4_LABEL_PAGEFAULT | (access & 7), 2, 0, 0);
	t->kmsg_buf[1] = addr;
	t->kmsg_buf[2] = ip;
}

enum pf_result ipc_pagefault(vaddr_t addr, unsigned access, word_t ip)
{
	trace_event(TRACE_PF_IPC, addr, ip, access);
	if (current->space)
		kmem_note_fault(current->space, addr);
	ipc_pagefault_message(current, addr, access, ip);
	word_t err = kernel_call(current->pager, L4_NEVER);
	if (!err)
		return PF_ANSWERED;
	unsigned code = (err >> 1) & 7;
	return code == IPC_ERR_CANCELED || code == IPC_ERR_ABORTED ? PF_CANCELED : PF_FAILED;
}

void ipc_abort(struct tcb *t, unsigned phase)
{
	struct tcb *copier = ipc_copier_of(t);
	if (copier) { /* in the transfer phase: X.2 "aborted" for both partners */
		ipc_abort_transfer(copier, XFER_ABORT_REQUESTED);
		return;
	}
	if (t->state != TS_WAIT_IPC || t->ipc_phase == IPC_XFER || t->ipc_phase == IPC_TUNNEL_WAIT)
		return; /* cannot be: such a thread has a copier */
	if (t->ipc_phase == IPC_SENDING)
		sendq_remove(t->ipc_partner, t);
	t->ipc_call = false;
	ipc_finish(t, ipc_error_word(IPC_ERR_CANCELED, phase, 0), L4_NILTHREAD);
	thread_wake(t);
}

void ipc_end(struct tcb *t, word_t error) { ipc_finish(t, error, L4_NILTHREAD); }

void ipc_sendq_unlink(struct tcb *r, struct tcb *s) { sendq_remove(r, s); }

void ipc_wait_for_start(struct tcb *t)
{
	t->kmsg = t->kmsg_buf;
	t->kmsg[0] = t->kmsg[1] = t->kmsg[2] = 0;
	t->ipc_partner = thread_lookup(t->pager); /* NULL: the pager does not exist yet, accept anyone */
	t->ipc_any_local = false;
	t->ipc_call = false;
	t->ipc_error = 0;
	t->ipc_phase = IPC_RECEIVING;
	t->awaiting_start = true;
	thread_block(t, TS_WAIT_IPC);
}

/* ---- interrupts as IPC (X.2 §4.5) --------------------------------------------------- */

/* Interrupt threads: one kernel TCB per IRQ line, thread number = line, version
 * 1, no space; `pager` is the associated handler (nil: none). Invariant: such a
 * TCB is never in a ready queue; it is TS_WAIT_IPC exactly while its interrupt
 * message waits in the handler's send queue, else TS_INACTIVE. */
static unsigned irq_lines, irq_associated;

bool irq_threads_init(unsigned lines)
{
	for (unsigned n = 0; n < lines; n++) {
		struct tcb *t = thread_create(l4_global_id(n, 1), NULL, 0);
		if (!t)
			return false;
		t->irq = (uint8_t)(n + 1);
		t->name = "interrupt";
		t->kmsg = t->kmsg_buf;
		t->kmsg[0] = l4_msgtag(L4_LABEL_INTERRUPT, 0, 0, 0);
	}
	irq_lines = lines;
	return true;
}

bool irq_any_associated(void) { return irq_associated != 0; }

bool irq_associate(struct tcb *irq_thread, l4_threadid_t handler)
{
	unsigned line = irq_thread->irq - 1u;
	bool was = irq_thread->pager != L4_NILTHREAD;
	if (handler == irq_thread->id) { /* de-associate */
		if (irq_thread->state == TS_WAIT_IPC) {
			sendq_remove(irq_thread->ipc_partner, irq_thread);
			ipc_finish(irq_thread, 0, 0);
			irq_thread->state = TS_INACTIVE;
		}
		irq_thread->pager = L4_NILTHREAD;
		arch_irq_mask(line);
		irq_associated -= was;
		return true;
	}
	struct tcb *h = thread_lookup(handler);
	if (!h || !h->space || !arch_irq_available(line))
		return false;
	irq_thread->pager = handler;
	irq_associated += !was;
	arch_irq_unmask(line);
	return true;
}

bool irq_acknowledge(struct tcb *irq_thread)
{
	if (irq_thread->pager == L4_NILTHREAD || irq_thread->pager != current->id)
		return false;
	if (irq_thread->state != TS_WAIT_IPC) /* not pending: the line may fire again */
		arch_irq_unmask(irq_thread->irq - 1u);
	return true;
}

void irq_raise(unsigned line)
{
	struct tcb *t = line < irq_lines ? thread_lookup_number(line) : NULL;
	struct tcb *h = t ? thread_lookup(t->pager) : NULL;
	if (!h || t->state == TS_WAIT_IPC)
		return; /* no handler (the line stays masked), or already pending */
	if (ipc_accepts(h, t)) {
		ipc_deliver(t, h);
		ipc_finish(t, 0, 0);
		return;
	}
	t->state = TS_WAIT_IPC;
	t->ipc_phase = IPC_SENDING;
	t->ipc_partner = h;
	t->ipc_call = false;
	ipc_sendq_add(h, t);
}
