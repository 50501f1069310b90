/* SPDX-License-Identifier: MIT */
/* Signalled preemption (X.2 §"Schedule" preemption control; the UTCB preemption flag s). */
#include <kern/sched.h>
#include <kern/thread.h>
#include <kern/ipc.h>
#include <kern/arch_thread.h>
#include <l4/utcb.h>

/* X.2 leaves open when the preemption fault message goes out and with which
 * timeouts. The thread sends it in its own name when it next runs (it cannot
 * send while another thread has the CPU), with send timeout zero and no
 * receive phase: signalling must never hold the thread up, so a handler that
 * is not waiting for it misses it. Without an exception handler, or with the
 * thread itself as handler, nothing is sent. */

static uint8_t preempt_flags(const struct tcb *t) { return (uint8_t)t->utcb_k[L4_UTCB_FLAGS]; }

bool sched_signals_preemption(const struct tcb *t) { return t->utcb_k && (preempt_flags(t) & L4_PREEMPT_SIGNAL); }

void sched_note_preemption(struct tcb *t, const struct tcb *by)
{
	if (by == t || t->state != TS_READY || by->priority > t->sens_prio)
		return;
	t->preempt_fault_pending = true;
	t->preempted_at = arch_clock_us();
}

void sched_send_preemption_fault(struct tcb *t)
{
	if (!t->preempt_fault_pending)
		return;
	t->preempt_fault_pending = false;
	l4_threadid_t handler = t->utcb_k ? t->utcb_k[L4_UTCB_EXCEPTION_HANDLER] : L4_NILTHREAD;
	if (handler == L4_NILTHREAD)
		return;
	t->kmsg_buf[0] = l4_msgtag(L4_LABEL_PREEMPTION, 2, 0, 0);
	t->kmsg_buf[1] = t->preempted_at;
	t->kmsg_buf[2] = 0; /* the clock's high word: 0 on 64 bits */
	ipc_kernel_send_timeout(handler, L4_ZERO_TIME);
}

bool sched_delay_overrun(struct tcb *t)
{
	/* delay_until is 0 once the tick found the maximum delay used up (or the
	 * thread yielded: then nothing above it is ready, or it would be gone) */
	return sched_delaying == t && !t->delay_until && sched_signals_preemption(t) && thread_ready_above(t->priority);
}
