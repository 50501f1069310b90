/* SPDX-License-Identifier: MIT */
/* X.2 thread and space management (§3): ThreadControl, SpaceControl, ExchangeRegisters, Schedule. */
#include <kern/thread_control.h>
#include <kern/thread.h>
#include <kern/arch_thread.h>
#include <kern/space.h>
#include <kern/ipc.h>
#include <kern/ipc_impl.h>
#include <kern/sched.h>
#include <kern/kmem.h>
#include <kern/string.h>
#include <kern/time.h>
#include <l4/utcb.h>
#include <arch/layout.h>

bool thread_privileged(const struct tcb *t)
{
	struct tcb *s0 = thread_lookup_number(THREAD_USER_BASE);
	struct tcb *root = thread_lookup_number(THREAD_USER_BASE + 2);
	return t->space && ((s0 && t->space == s0->space) || (root && t->space == root->space));
}

static word_t fail(word_t *error, enum tc_error e)
{
	*error = e;
	return 0;
}

/* A user thread number that ThreadControl may create or delete: above the root servers. */
static bool user_thread_no(word_t no) { return no >= THREAD_USER_BASE && no < THREAD_NUMBERS; }

static bool space_initialized(const struct space *s) { return s->utcb_area != 0; }

/* Whether utcb (a UTCB start) is a free, aligned slot of s's UTCB area. */
static bool utcb_slot_ok(struct space *s, word_t utcb, const struct tcb *self)
{
	l4_word_t base = l4_fpage_base(s->utcb_area), size = 1ull << l4_fpage_size_log2(s->utcb_area);
	if (utcb < base || utcb - base > size - L4_UTCB_SIZE || (utcb & (L4_UTCB_SIZE - 1)))
		return false;
	const l4_word_t *mr0 = space_utcb_lookup(s, utcb);
	if (!mr0 || !mr0[L4_UTCB_MY_GLOBAL_ID])
		return true;
	struct tcb *owner = thread_lookup(mr0[L4_UTCB_MY_GLOBAL_ID]);
	return !owner || owner == self || owner->space != s || owner->utcb != utcb + L4_UTCB_MR0_OFFSET;
}

/* An inactive thread with a UTCB and a pager in an initialized space becomes
 * active: it waits for its pager's start message (X.2 §3.3; ABI §10.2). */
static bool activate(struct tcb *t, word_t utcb)
{
	l4_word_t *mr0 = space_utcb_kernel_ptr(t->space, utcb);
	if (!mr0)
		return false;
	mr0 += L4_UTCB_MR0_OFFSET / sizeof(l4_word_t);
	memset(mr0 - L4_UTCB_MR0_OFFSET / sizeof(l4_word_t), 0, L4_UTCB_SIZE);
	t->utcb = utcb + L4_UTCB_MR0_OFFSET;
	t->utcb_k = mr0;
	mr0[L4_UTCB_MY_GLOBAL_ID] = t->id;
	mr0[L4_UTCB_PAGER] = t->pager;
	mr0[L4_UTCB_WORD_SIZE_MASK] = ~0ull;
	arch_thread_init_startup(t, t->io_privileged);
	ipc_wait_for_start(t);
	return true;
}

static word_t delete_thread(struct tcb *t, word_t *error)
{
	if (t == current || !user_thread_no(l4_thread_no(t->id)) || l4_thread_no(t->id) < THREAD_USER_BASE + 3)
		return fail(error, TC_ERR_INVALID_THREAD);
	struct space *s = t->space;
	if (t->utcb_k)
		t->utcb_k[L4_UTCB_MY_GLOBAL_ID] = 0; /* frees the UTCB slot */
	unmap_thread_deleted(t); /* an Unmap it left preempted is forgotten */
	/* A map item t left preempted held its spaces (ipc.c map_item): t's stack
	 * goes away, so the holds end here, after the space's own end below. */
	struct space *held[2] = {t->xfer_held[0], t->xfer_held[1]};
	/* A space t was destroying when it was preempted: we destroy it from the
	 * top (what t revoked is gone; its unmap op was forgotten above). */
	struct space *unfinished = t->destroying;
	thread_destroy(t);
	if (unfinished)
		space_destroy(unfinished);
	if (s && !s->threads)
		space_orphaned(s);
	for (unsigned i = 0; i < 2; i++)
		if (held[i])
			space_release(held[i]);
	return 1;
}

word_t thread_control(l4_threadid_t dest, l4_threadid_t space_spec, l4_threadid_t scheduler, l4_threadid_t pager,
		      word_t utcb_location, word_t *error)
{
	if (!thread_privileged(current))
		return fail(error, TC_ERR_NO_PRIVILEGE);
	if (l4_is_local_id(dest) || dest == L4_NILTHREAD || dest == L4_ANYTHREAD || dest == L4_ANYLOCALTHREAD)
		return fail(error, TC_ERR_INVALID_THREAD);
	struct tcb *t = thread_lookup(dest);
	if (!t && thread_lookup_number(l4_thread_no(dest)))
		return fail(error, TC_ERR_INVALID_THREAD); /* number in use under another version */
	if (t && t->irq) /* interrupt threads: association by the pager field (X.2 §4.5) */
		return irq_associate(t, pager) ? 1 : fail(error, TC_ERR_INVALID_THREAD);
	if (kmem_is_thread(t)) /* the kmem pager is associated the same way (docs/kmem.md) */
		return kmem_associate(pager) ? 1 : fail(error, TC_ERR_INVALID_THREAD);

	if (space_spec == L4_NILTHREAD)
		return t ? delete_thread(t, error) : fail(error, TC_ERR_INVALID_THREAD);

	struct tcb *sched_t = NULL;
	if (scheduler != L4_NILTHREAD && !(sched_t = thread_lookup(scheduler)))
		return fail(error, TC_ERR_INVALID_SCHEDULER);

	/* The space: a new one when it names the (new) thread itself, else the space of
	 * the thread it names. */
	struct space *space = NULL;
	bool new_space = false;
	if (!t && space_spec == dest) {
		new_space = true;
	} else {
		struct tcb *st = thread_lookup(space_spec);
		if (!st || !st->space)
			return fail(error, TC_ERR_INVALID_SPACE);
		space = st->space;
	}

	if (!t) { /* create */
		if (!user_thread_no(l4_thread_no(dest)) || !sched_t)
			return fail(error, sched_t ? TC_ERR_INVALID_THREAD : TC_ERR_INVALID_SCHEDULER);
		if (new_space && !(space = space_create()))
			return fail(error, TC_ERR_NO_MEMORY);
		t = thread_create(dest, space, SCHED_DEFAULT_PRIORITY);
		if (!t) {
			if (new_space)
				space_destroy(space);
			return fail(error, TC_ERR_NO_MEMORY);
		}
		t->scheduler = scheduler;
		t->io_privileged = current->io_privileged;
		t->name = "user";
	} else if (space != t->space) {
		return fail(error, TC_ERR_INVALID_SPACE); /* migration between spaces: not in mnemo */
	}

	if (sched_t)
		t->scheduler = scheduler;
	if (pager != L4_NILTHREAD) {
		t->pager = pager;
		if (t->utcb_k)
			t->utcb_k[L4_UTCB_PAGER] = pager;
	}
	if (t->state != TS_INACTIVE) {
		if (utcb_location != ~(word_t)0 && t->utcb != utcb_location + L4_UTCB_MR0_OFFSET)
			return fail(error, TC_ERR_UTCB_AREA); /* an active thread keeps its UTCB */
		return 1;
	}
	/* Inactive: the location is kept (checked now if the space has its UTCB
	 * area, else when it is activated); a pager, a location and an initialized
	 * space activate it, whichever call brings the last of them. */
	if (utcb_location != ~(word_t)0) {
		if (space_initialized(t->space) && !utcb_slot_ok(t->space, utcb_location, t))
			return fail(error, TC_ERR_UTCB_AREA);
		t->utcb_location = utcb_location;
		t->has_utcb_location = true;
	}
	if (t->pager == L4_NILTHREAD || !t->has_utcb_location)
		return 1; /* stays inactive until it has both */
	if (!space_initialized(t->space) || !utcb_slot_ok(t->space, t->utcb_location, t))
		return fail(error, TC_ERR_UTCB_AREA);
	if (!activate(t, t->utcb_location))
		return fail(error, TC_ERR_NO_MEMORY);
	return 1;
}

word_t space_control(l4_threadid_t space_spec, word_t control, l4_fpage_t kip_area, l4_fpage_t utcb_area,
		     l4_threadid_t redirector, word_t *old_control, word_t *error)
{
	(void)control;
	*old_control = 0;
	if (!thread_privileged(current))
		return fail(error, TC_ERR_NO_PRIVILEGE);
	struct tcb *t = thread_lookup(space_spec);
	if (!t || !t->space)
		return fail(error, TC_ERR_INVALID_SPACE);
	if (redirector != L4_NILTHREAD && redirector != L4_ANYTHREAD && !thread_lookup(redirector))
		return fail(error, TC_ERR_INVALID_PARAM);
	struct space *s = t->space;
	if (redirector != L4_NILTHREAD) /* nil: unchanged; any thread: no redirection */
		s->redirector = redirector == L4_ANYTHREAD ? 0 : redirector;
	if (space_initialized(s)) /* areas are fixed once set: threads may use them */
		return kip_area == s->kip_area && utcb_area == s->utcb_area ? 1 : fail(error, TC_ERR_UTCB_AREA);
	/* KipAreaInfo: exactly one 4 KiB page; UtcbAreaInfo: at least 4 KiB. */
	if (l4_fpage_size_log2(kip_area) != 12 || l4_fpage_base(kip_area) >= USER_TOP)
		return fail(error, TC_ERR_KIP_AREA);
	unsigned us = l4_fpage_size_log2(utcb_area);
	if (us < 12 || us >= 47 || l4_fpage_base(utcb_area) + (1ull << us) > USER_TOP)
		return fail(error, TC_ERR_UTCB_AREA);
	if (!space_set_areas(s, kip_area, utcb_area))
		return fail(error, TC_ERR_UTCB_AREA); /* overlapping areas (or no memory for the KIP mapping) */
	return 1;
}

/* A thread blocked in an IPC, as X.2's Schedule reports it: 4 pending send and
 * 6 waiting while it waits for its partner; 5 sending and 7 receiving once the
 * message transfer has begun, on its side of the message (ipc_user_phase) even
 * while it waits in a page fault IPC of the copy. */
static word_t ipc_state_result(const struct tcb *t)
{
	if (ipc_copier_of(t))
		return ipc_user_phase(t) == IPC_SENDING ? 5 : 7;
	return t->ipc_phase == IPC_SENDING ? 4 : 6;
}

static word_t thread_state_result(const struct tcb *t)
{
	switch (t->state) {
	case TS_INACTIVE: return 2;
	case TS_READY: return 3;
	case TS_HALTED: return 3;
	case TS_WAIT_QUANTUM: return 3; /* ready as far as X.2 goes, only out of time */
	case TS_WAIT_IPC: return ipc_state_result(t);
	default: return 1;
	}
}

/* X.2 time period m * 2^e microseconds for us (mantissa rounded down). */
static uint16_t time_period(word_t us)
{
	unsigned e = 0;
	while (us >= 1024 && e < 31)
		us >>= 1, e++;
	return (uint16_t)((e << 10) | us);
}

/* The total quantum left as Schedule reports it: never, zero, or a period
 * rounded down. */
static uint16_t total_quantum_time(word_t us)
{
	if (us == SCHED_QUANTUM_NEVER)
		return L4_NEVER;
	return us ? time_period(us) : L4_ZERO_TIME;
}

/* Schedule's time control (X.2 §"Schedule"): time slice length in bits 16-31,
 * total quantum in bits 0-15, each a period; a field of 0xffff (and the word
 * ~0) leaves the value as it is. The time slice must be more than zero; a total
 * quantum of never is unlimited, and any other starts counting again from the
 * value given. Points are no lengths of time: such a field is ignored. */
static void set_time_control(struct tcb *t, word_t time_control)
{
	uint16_t ts_len = (uint16_t)(time_control >> 16), total = (uint16_t)time_control;
	word_t us;
	if (ts_len != 0xffff && time_period_us(ts_len, &us) && us > 0)
		t->timeslice_us = us;
	if (total == L4_NEVER)
		sched_set_total_quantum(t, SCHED_QUANTUM_NEVER);
	else if (total != 0xffff && time_period_us(total, &us))
		sched_set_total_quantum(t, us);
}

word_t schedule_control(l4_threadid_t dest, word_t prio, word_t time_control, word_t proc_control,
			word_t preempt_control, word_t *old_time_control, word_t *error)
{
	*old_time_control = 0;
	struct tcb *t = thread_lookup(dest);
	if (t && t->irq) { /* only the associated handler schedules an interrupt thread */
		if (t->pager != current->id)
			return fail(error, TC_ERR_NO_PRIVILEGE);
		if (prio != ~(word_t)0)
			t->priority = (uint8_t)prio;
		return 2;
	}
	if (!t || !t->space)
		return fail(error, TC_ERR_INVALID_THREAD);
	if (t->scheduler != current->id && !thread_privileged(current))
		return fail(error, TC_ERR_NO_PRIVILEGE);
	word_t ts = t->timeslice_us;
	/* the time slice and the total quantum left, before this call changes them */
	*old_time_control = (word_t)time_period(ts) << 16 | total_quantum_time(t->total_quantum_us);
	if (prio != ~(word_t)0) {
		if ((prio & 0xff) > current->priority && !thread_privileged(current))
			return fail(error, TC_ERR_INVALID_PARAM);
		thread_set_priority(t, (uint8_t)prio);
	}
	if (proc_control != ~(word_t)0 && (proc_control & 0xffff) != 0)
		return fail(error, TC_ERR_INVALID_PARAM); /* one processor */
	if (preempt_control != ~(word_t)0) {
		/* X.2 preemption control: sensitive priority in bits 16-23 (at most
		 * the caller's own, unless privileged), maximum delay in
		 * microseconds in bits 0-15 (0: no delay) */
		word_t sens = (preempt_control >> 16) & 0xff;
		if (sens > current->priority && !thread_privileged(current))
			return fail(error, TC_ERR_INVALID_PARAM);
		t->sens_prio = (uint8_t)sens;
		t->max_delay_us = (uint16_t)preempt_control;
	}
	if (time_control != ~(word_t)0)
		set_time_control(t, time_control);
	return thread_state_result(t);
}

/* ---- ExchangeRegisters ------------------------------------------------------------ */

/* The old state (X.2 ExchangeRegisters control out): bit 0 halted, bit 1 in a
 * receive phase, bit 2 in a send phase; a thread in a message transfer is on
 * its side of the message (ipc_user_phase), even while a page fault of the copy
 * is pending. */
static word_t state_bits(const struct tcb *t, uint8_t phase)
{
	word_t b = t->halted || t->state == TS_HALTED || t->state == TS_INACTIVE ? 1 : 0;
	if (phase != IPC_IDLE)
		b |= phase == IPC_RECEIVING ? 2 : 4;
	return b;
}

struct tcb *exchange_registers(l4_threadid_t dest, struct exregs *r, l4_threadid_t *result_id)
{
	struct tcb *t = l4_is_local_id(dest) ? ipc_resolve(current, dest) : thread_lookup(dest);
	/* X.2: only threads of the caller's own space; and, as Pistachio's
	 * "pagerexregs" extension (a KIP feature string) allows, a thread of another
	 * space named by its global ID to its pager, which may abort its page-fault
	 * IPC or restart it (l4test's pagers do). */
	if (!t || t->state == TS_FREE)
		return NULL;
	bool own = t->space == current->space;
	if (!own && (l4_is_local_id(dest) || t->pager != current->id))
		return NULL;
	*result_id = l4_is_local_id(dest) || !own ? t->id : (t->utcb ? t->utcb : t->id);

	uint8_t phase = ipc_user_phase(t);
	struct exregs old = {
	    .control = state_bits(t, phase),
	    .sp = arch_user_sp(t),
	    .ip = arch_user_ip(t),
	    .flags = arch_user_flags(t),
	    .user_handle = t->utcb_k ? t->utcb_k[L4_UTCB_USER_HANDLE] : 0,
	    .pager = t->pager,
	};
	word_t c = r->control;
	if ((c & EXREGS_ABORT_RECV) && phase == IPC_RECEIVING)
		ipc_abort(t, IPC_PHASE_RECV);
	else if ((c & EXREGS_ABORT_SEND) && phase == IPC_SENDING)
		ipc_abort(t, IPC_PHASE_SEND);
	if (c & EXREGS_SET_SP)
		arch_set_user_sp(t, r->sp);
	if (c & EXREGS_SET_IP)
		arch_set_user_ip(t, r->ip);
	if (c & EXREGS_SET_FLAGS)
		arch_set_user_flags(t, r->flags);
	if ((c & EXREGS_SET_HANDLE) && t->utcb_k)
		t->utcb_k[L4_UTCB_USER_HANDLE] = r->user_handle;
	if (c & EXREGS_SET_PAGER) {
		t->pager = r->pager;
		if (t->utcb_k)
			t->utcb_k[L4_UTCB_PAGER] = r->pager;
	}
	if (c & EXREGS_APPLY_HALT) {
		if (c & EXREGS_HALT) {
			t->halted = true;
			if (t->state == TS_READY)
				thread_block(t, TS_HALTED);
		} else {
			t->halted = false;
			if (t->state == TS_HALTED)
				thread_wake(t);
		}
	}
	*r = old;
	return t;
}

void thread_startup(void)
{
	struct tcb *t = current;
	t->awaiting_start = false;
	if (!t->kmsg)
		return;
	/* The start message: exactly two untyped words, IP and SP (label ignored). An
	 * ExchangeRegisters that aborted the wait has set IP and SP itself. */
	if (!t->ipc_error && L4_TAG_U(t->kmsg[0]) == 2 && L4_TAG_T(t->kmsg[0]) == 0) {
		arch_set_user_ip(t, t->kmsg[1]);
		arch_set_user_sp(t, t->kmsg[2]);
	}
	t->kmsg = NULL;
}
