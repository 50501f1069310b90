/* SPDX-License-Identifier: MIT */
/* The thread-state service: root servers halt, read and restore a thread's user state, for checkpoints. */
#include <kern/thread_state.h>
#include <kern/thread.h>
#include <kern/arch_thread.h>
#include <kern/ipc.h>
#include <kern/string.h>
#include <kern/trace.h>
#include <l4/utcb.h>
#include <mnemo/thread_state.h>

/*
 * Everything a thread is to user level, in a canonical form that cannot hurt
 * the kernel when it comes back: registers (rip must be a user address, flags
 * are filtered to the ones user code may set), the UTCB (the kernel's own words
 * are kept), the FXSAVE image (MXCSR's reserved bits cleared), priority and
 * time slice (bounded by the caller's). Kernel objects (space, pager, IDs) are
 * made again by the restorer with ThreadControl; IPC in progress is exported as
 * an IPC that restarts (include/mnemo/thread_state.h).
 */

static struct tcb *state_tcb;

bool thread_state_init(void)
{
	state_tcb = thread_create(l4_global_id(THREAD_SYSTEM_BASE + 1, 1), NULL, 0);
	if (!state_tcb)
		return false;
	state_tcb->name = "state";
	return true;
}

bool thread_state_is_thread(const struct tcb *t) { return t && t == state_tcb; }

static bool halted(const struct tcb *t) { return t->halted || t->state == TS_HALTED; }

/* A new thread's wait for its start message: the only IPC SET may cut short. */
static bool awaiting_start(const struct tcb *t) { return t->state == TS_WAIT_IPC && t->awaiting_start; }

static unsigned get_regs(struct tcb *t, word_t *w)
{
	if (t->preempted_in_kernel || (t->state == TS_WAIT_IPC && t->ipc_phase >= IPC_XFER))
		return 0;
	memset(w, 0, MNEMO_STATE_REGS * sizeof *w);
	w[MNEMO_REG_VERSION] = MNEMO_STATE_VERSION;
	arch_state_get_regs(t, w);
	if (t->state == TS_WAIT_IPC && !awaiting_start(t) && (!t->kmsg || t->kmem_request)) {
		/* In an Ipc system call (or about to make one, waiting for kernel
		 * memory): it restarts; a receive phase alone if the send is done. */
		bool recv_only = t->ipc_phase == IPC_RECEIVING && !t->kmem_request;
		arch_state_ipc_restart(w, recv_only);
		w[MNEMO_REG_FLAGS] |= MNEMO_STATE_F_RESTART | (recv_only ? MNEMO_STATE_F_RECV_ONLY : 0);
	}
	word_t fpu[MNEMO_STATE_PART_WORDS];
	if (arch_state_fpu(t, 0, fpu, false))
		w[MNEMO_REG_FLAGS] |= MNEMO_STATE_F_FPU;
	w[MNEMO_REG_PRIORITY] = t->priority;
	w[MNEMO_REG_TIMESLICE_US] = t->timeslice_us;
	return MNEMO_STATE_REGS;
}

/* The UTCB from its start, 32 words of part p (1..4). */
static l4_word_t *utcb_part(struct tcb *t, unsigned p)
{
	return t->utcb_k - L4_UTCB_MR0_OFFSET / 8 + (p - 1) * MNEMO_STATE_PART_WORDS;
}

/* Part 0 of a new thread: it leaves its wait for the start message, halted,
 * and its first switch-in returns to user mode with these registers. */
static bool set_regs(struct tcb *t, const word_t *w)
{
	if (w[MNEMO_REG_VERSION] != MNEMO_STATE_VERSION || !arch_state_set_regs(t, w))
		return false;
	word_t prio = w[MNEMO_REG_PRIORITY], slice = w[MNEMO_REG_TIMESLICE_US];
	t->priority = (uint8_t)(prio < current->priority ? prio : current->priority);
	if (slice && slice <= 1000000)
		t->timeslice_us = slice;
	if (awaiting_start(t)) {
		t->ipc_phase = IPC_IDLE;
		t->ipc_partner = NULL;
		t->kmsg = NULL;
		t->awaiting_start = false;
		t->halted = true;
		t->state = TS_HALTED;
	}
	return true;
}

static void set_utcb(struct tcb *t, unsigned p, const word_t *w)
{
	memcpy(utcb_part(t, p), w, MNEMO_STATE_PART_WORDS * sizeof *w);
	t->utcb_k[L4_UTCB_MY_GLOBAL_ID] = t->id; /* the kernel's words stay the kernel's */
	t->utcb_k[L4_UTCB_PROCESSOR_NO] = 0;
	t->utcb_k[L4_UTCB_PAGER] = t->pager;
}

static word_t halt(struct tcb *t, bool on)
{
	t->halted = on;
	if (on && t->state == TS_READY)
		thread_block(t, TS_HALTED);
	else if (!on && t->state == TS_HALTED)
		thread_wake(t);
	return 0;
}

static word_t serve(struct tcb *caller, word_t *reply, unsigned *n);

/* Every request is traced: a checkpoint's stop, export and restore are these calls. */
word_t thread_state_serve(struct tcb *caller, word_t *reply, unsigned *n)
{
	word_t r = serve(caller, reply, n);
	l4_msgtag_t tag = ipc_caller_mr(caller, 0);
	trace_event(TRACE_STATE, L4_TAG_LABEL(tag) & 0xff, ipc_caller_mr(caller, 1),
		    (ipc_caller_mr(caller, 2) & 0xff) | r << 8);
	return r;
}

static word_t serve(struct tcb *caller, word_t *reply, unsigned *n)
{
	word_t in[3 + MNEMO_STATE_PART_WORDS];
	l4_msgtag_t tag = ipc_caller_mr(caller, 0);
	unsigned u = L4_TAG_U(tag);
	*n = 0;
	if (!thread_privileged(caller))
		return MNEMO_STATE_EPERM;
	if (u < 2 || u > 2 + MNEMO_STATE_PART_WORDS || L4_TAG_T(tag))
		return MNEMO_STATE_EINVAL;
	for (unsigned i = 1; i <= u; i++)
		in[i] = ipc_caller_mr(caller, i);
	struct tcb *t = thread_lookup(in[1]);
	word_t part = in[2];
	if (!t || !t->space || !t->utcb_k || t == caller || part >= MNEMO_STATE_PARTS)
		return MNEMO_STATE_EINVAL;
	switch (L4_TAG_LABEL(tag)) {
	case MNEMO_STATE_HALT: return halt(t, in[2] != 0);
	case MNEMO_STATE_GET:
		if (!halted(t) && !awaiting_start(t))
			return MNEMO_STATE_EBUSY;
		if (part == 0) {
			*n = get_regs(t, reply);
			return *n ? 0 : MNEMO_STATE_EBUSY;
		}
		if (part <= 4)
			memcpy(reply, utcb_part(t, (unsigned)part), MNEMO_STATE_PART_WORDS * sizeof *reply);
		else
			arch_state_fpu(t, (unsigned)part - 5, reply, false);
		*n = MNEMO_STATE_PART_WORDS;
		return 0;
	case MNEMO_STATE_SET:
		if (!(halted(t) && t->state != TS_WAIT_IPC) && !awaiting_start(t))
			return MNEMO_STATE_EBUSY; /* never under an IPC in progress */
		if (u != 2 + (part ? MNEMO_STATE_PART_WORDS : MNEMO_STATE_REGS))
			return MNEMO_STATE_EINVAL;
		if (part == 0)
			return set_regs(t, in + 3) ? 0 : MNEMO_STATE_EINVAL;
		if (part <= 4)
			set_utcb(t, (unsigned)part, in + 3);
		else
			arch_state_fpu(t, (unsigned)part - 5, in + 3, true);
		return 0;
	default: return MNEMO_STATE_EINVAL;
	}
}
