/* SPDX-License-Identifier: MIT */
/* String items (X.2 §4.3): gather from the sender's substrings, scatter into the receiver's buffers. */
#include <kern/ipc_impl.h>
#include <kern/thread.h>
#include <kern/arch_thread.h>
#include <kern/space.h>
#include <kern/pgtable.h>
#include <kern/string.h>
#include <kern/time.h>
#include <kern/panic.h>
#include <l4/utcb.h>
#include <arch/physmem.h>
#include <arch/layout.h>
#include <arch/ipc.h>

/* A string item: bit 3 clear; bits 4-8 j (substrings - 1); bit 9 c (the next
 * item continues this compound string); bits 10-63 length of each substring;
 * then j + 1 substring pointers. */
#define STR_CONTINUES(w0) (((w0) >> 9) & 1)
#define STR_SUBSTRINGS(w0) ((((w0) >> 4) & 0x1f) + 1)
#define STR_LENGTH(w0) ((w0) >> 10)

/* A position in a list of string items, read through get(i). */
struct strpos {
	struct tcb *t;
	bool buffers; /* read the receiver's BRs instead of the sender's MRs */
	unsigned item, end; /* current item's first word, one past the last word */
	unsigned sub; /* substring within the item */
	word_t done; /* bytes consumed of the current substring */
	bool bad; /* an item runs past the registers: a malformed message */
};

static l4_word_t word_at(const struct strpos *p, unsigned i)
{
	if (p->buffers)
		return p->t->utcb_k[L4_UTCB_BR((int)i)];
	return i < ARCH_IPC_REG_MRS ? *arch_frame_mr(arch_user_frame(p->t), i) : p->t->utcb_k[i];
}

/* The current (address, bytes left) of p's compound string; false at its end. */
static bool chunk(struct strpos *p, vaddr_t *addr, word_t *left)
{
	for (;;) {
		if (p->item >= p->end)
			return false;
		l4_word_t w0 = word_at(p, p->item);
		if (p->item + ipc_string_item_words(w0) > p->end) { /* never read past the MRs or BRs */
			p->bad = true;
			p->item = p->end;
			return false;
		}
		if (p->sub < STR_SUBSTRINGS(w0) && p->done < STR_LENGTH(w0)) {
			*addr = word_at(p, p->item + 1 + p->sub) + p->done;
			*left = STR_LENGTH(w0) - p->done;
			return true;
		}
		if (p->sub + 1 < STR_SUBSTRINGS(w0)) {
			p->sub++, p->done = 0;
			continue;
		}
		if (!STR_CONTINUES(w0))
			return false; /* the compound string ends here */
		p->item += ipc_string_item_words(w0), p->sub = 0, p->done = 0;
	}
}

/* Moves p to the first item of its next compound string. */
static void next_compound(struct strpos *p)
{
	while (p->item < p->end) {
		l4_word_t w0 = word_at(p, p->item);
		p->item += ipc_string_item_words(w0); /* may pass end: the loops stop there */
		p->sub = 0, p->done = 0;
		if (!STR_CONTINUES(w0))
			return;
	}
}

/* The IPC fields a page fault in the middle of a copy must not disturb. */
struct ipc_state {
	uint8_t phase;
	bool any_local, call, call_any_local, received_in_send;
	uint16_t call_timeout;
	struct tcb *partner, *call_from;
	word_t error;
	enum thread_state state;
};

static void save(const struct tcb *t, struct ipc_state *st)
{
	*st = (struct ipc_state){
	    t->ipc_phase,	 t->ipc_any_local, t->ipc_call,	     t->ipc_call_any_local, t->ipc_received_in_send,
	    t->ipc_call_timeout, t->ipc_partner,   t->ipc_call_from, t->ipc_error,	    t->state};
}

static void restore(struct tcb *t, const struct ipc_state *st)
{
	t->ipc_phase = st->phase, t->ipc_any_local = st->any_local, t->ipc_call = st->call;
	t->ipc_call_any_local = st->call_any_local, t->ipc_received_in_send = st->received_in_send;
	t->ipc_call_timeout = st->call_timeout, t->ipc_partner = st->partner, t->ipc_call_from = st->call_from;
	t->ipc_error = st->error, t->state = st->state;
}

/* A page fault at addr in t's space, raised in t's name: t's pager answers t as
 * for any fault. t is the current thread or its blocked partner; for the
 * partner the current thread waits until the pager's reply has reached it. */
/* deadline: the clock value by which the copy must be done, or 0 for none. */
static bool fault_in(struct tcb *t, vaddr_t addr, unsigned access, word_t deadline)
{
	struct ipc_state st;
	word_t now = arch_clock_us();
	if (deadline && now >= deadline)
		return false;
	uint16_t timeout = deadline ? ipc_time_period_up(deadline - now) : L4_NEVER;
	save(t, &st);
	bool ok;
	if (t == current) {
		ipc_pagefault_message(t, addr, access, arch_user_ip(t));
		ok = ipc_kernel_call_timeout(t->pager, timeout);
	} else {
		struct tcb *pager = ipc_resolve(t, t->pager);
		if (!pager || pager == current || pager == t)
			return false; /* nobody could answer while we copy */
		ipc_pagefault_message(t, addr, access, arch_user_ip(t));
		t->kmsg = t->kmsg_buf;
		t->tunnel_waiter = current;
		t->ipc_call = true, t->ipc_call_from = pager, t->ipc_call_any_local = false;
		t->ipc_call_timeout = L4_NEVER, t->ipc_received_in_send = false;
		if (ipc_accepts(pager, t)) {
			ipc_deliver(t, pager);
			t->state = TS_WAIT_IPC, t->ipc_phase = IPC_RECEIVING, t->ipc_partner = pager;
			t->ipc_any_local = false, t->ipc_call = false;
		} else {
			t->state = TS_WAIT_IPC, t->ipc_phase = IPC_SENDING, t->ipc_partner = pager;
			ipc_sendq_add(pager, t);
		}
		current->ipc_phase = IPC_TUNNEL_WAIT;
		current->ipc_partner = t;
		current->tunnel_ok = false;
		if (deadline)
			thread_arm_timeout(current, deadline);
		thread_block(current, TS_WAIT_IPC);
		schedule();
		thread_disarm_timeout(current);
		ok = current->tunnel_ok;
		if (current->xfer_abort == XFER_ABORT_GONE)
			return false; /* t was deleted meanwhile (ipc_abort.c) */
		t->kmsg = NULL;
	}
	restore(t, &st);
	return ok;
}

/* The kernel's pointer to the byte at addr in t's space with the access right;
 * faults it in if needed (then *blocked is set: other lookups may be stale).
 * NULL if the page cannot be had, or the transfer was aborted while we blocked
 * (then t may no longer exist: it is not looked at). */
static char *reach(struct tcb *t, vaddr_t addr, unsigned access, bool *blocked, word_t deadline)
{
	if (addr >= USER_TOP || !t->space)
		return NULL;
	for (int tries = 0; tries < 4; tries++) {
		paddr_t pa;
		unsigned sz, rights;
		if (pt_lookup(&t->space->pt, addr, &pa, &sz, &rights) && (rights & access) == access)
			return (char *)phys_to_virt(ALIGN_DOWN(pa, PAGE_SIZE)) + (addr & (PAGE_SIZE - 1));
		*blocked = true;
		/* every block is followed by this check: an abort comes only then */
		if (!fault_in(t, addr, access, deadline) || current->xfer_abort)
			return NULL;
	}
	return NULL;
}

/* Both ends of a copy step, looked up with no blocking between the two
 * lookups that are used; 0 or the X.2 xfer-timeout code of the side whose page
 * could not be had (the caller charges a timeout to the side it belongs to). */
static enum ipc_err reach_both(struct tcb *s, vaddr_t sa, struct tcb *r, vaddr_t da, char **from, char **to,
			       word_t deadline)
{
	for (;;) {
		bool blocked = false;
		*to = reach(r, da, L4_WRITABLE, &blocked, deadline);
		if (!*to)
			return r == current ? IPC_ERR_XFER_TIMEOUT_SELF : IPC_ERR_XFER_TIMEOUT_PARTNER;
		blocked = false;
		*from = reach(s, sa, L4_READABLE, &blocked, deadline);
		if (!*from)
			return s == current ? IPC_ERR_XFER_TIMEOUT_SELF : IPC_ERR_XFER_TIMEOUT_PARTNER;
		if (!blocked)
			return 0;
	}
}

void ipc_lock_partner(struct tcb *t)
{
	if (t != current && current->xfer_abort != XFER_ABORT_GONE)
		ipc_lock(t, current->xfer_sends);
}

enum ipc_err ipc_copy_strings(struct tcb *s, struct tcb *r, unsigned first, unsigned end, word_t *offset)
{
	*offset = 0;
	if (r->kmsg || s->kmsg || !(r->utcb_k[L4_UTCB_BR(0)] & 1))
		return IPC_ERR_OVERFLOW; /* the receiver accepts no strings */
	/* Here the current thread is s or r (a kernel message carries no strings),
	 * and the partner is locked by no other transfer (kmsg again). */
	assert(s == current || r == current);
	struct tcb *partner = s == current ? r : s;
	uint8_t phase = partner->ipc_phase;
	/* The xfer timeout: the smaller of the sender's send and the receiver's
	 * receive xfer timeout (UTCB XferTimeouts, snd << 16 | rcv), as a deadline
	 * for all the page faults of this copy together. Periods count from the
	 * start of the copy; points are clock values, read against the clock now
	 * (X.2 §"Time"), and a passed point is a zero timeout. */
	uint16_t snd_xfer = (uint16_t)(s->utcb_k[L4_UTCB_XFER_TIMEOUTS] >> 16);
	uint16_t rcv_xfer = (uint16_t)r->utcb_k[L4_UTCB_XFER_TIMEOUTS];
	word_t deadline = 0;
	bool senders_deadline = false; /* the deadline is the sender's timeout (on a tie too) */
	if (snd_xfer != L4_NEVER || rcv_xfer != L4_NEVER) { /* the clock only when needed */
		word_t now = arch_clock_us(), snd_at = 0, rcv_at = 0;
		bool snd_t = time_expiry(snd_xfer, now, &snd_at), rcv_t = time_expiry(rcv_xfer, now, &rcv_at);
		senders_deadline = snd_t && (!rcv_t || snd_at <= rcv_at);
		word_t at = senders_deadline ? snd_at : rcv_at;
		deadline = at + 1; /* + 1: a zero timeout is still a deadline */
	}
	current->xfer_done = 0;
	ipc_lock(partner, partner == r);
	struct strpos src = {s, false, first, end, 0, 0, false};
	struct strpos dst = {r, true, 1, L4_UTCB_BRS, 0, 0, false};
	enum ipc_err err = 0;
	while (src.item < end && !err) {
		if (word_at(&src, src.item) & 8) { /* a map or grant item between strings */
			src.item += 2;
			continue;
		}
		if (dst.item >= L4_UTCB_BRS) {
			err = IPC_ERR_OVERFLOW; /* more strings than buffers */
			break;
		}
		/* C in a buffer's first item: another buffer follows (X.2 "Buffer
		 * registers"); without it the BRs after this buffer are not read. */
		bool more_buffers = word_at(&dst, dst.item) & 1;
		vaddr_t sa, da;
		word_t sl, dl;
		while (chunk(&src, &sa, &sl)) {
			if (!chunk(&dst, &da, &dl)) {
				err = IPC_ERR_OVERFLOW; /* the buffer is too short */
				break;
			}
			word_t n = sl < dl ? sl : dl;
			n = n < PAGE_SIZE - (sa & (PAGE_SIZE - 1)) ? n : PAGE_SIZE - (sa & (PAGE_SIZE - 1));
			n = n < PAGE_SIZE - (da & (PAGE_SIZE - 1)) ? n : PAGE_SIZE - (da & (PAGE_SIZE - 1));
			char *from, *to;
			err = reach_both(s, sa, r, da, &from, &to, deadline);
			/* A copy that ran out of time is charged to the side whose xfer
			 * timeout ran out (5 for it, 6 for its partner), as Pistachio and
			 * l4test have it, wherever the page fault was. */
			if (err && deadline && !current->xfer_abort && arch_clock_us() >= deadline)
				err = (s == current) == senders_deadline ? IPC_ERR_XFER_TIMEOUT_SELF
									 : IPC_ERR_XFER_TIMEOUT_PARTNER;
			if (err)
				break;
			memcpy(to, from, n);
			src.done += n, dst.done += n, *offset += n;
			current->xfer_done = *offset;
		}
		if (err)
			break; /* the partner's items are not read again: it may be gone */
		if (src.bad)
			err = IPC_ERR_OVERFLOW;
		next_compound(&src);
		next_compound(&dst);
		if (!more_buffers)
			dst.item = L4_UTCB_BRS; /* a further string overflows at this offset */
	}
	ipc_unlock_partner(partner, phase, NULL);
	return current->xfer_abort ? IPC_ERR_ABORTED : err;
}
