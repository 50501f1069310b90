/* SPDX-License-Identifier: MIT */
/* Delayed preemption (X.2 §"Schedule": preemption control; the UTCB preemption flags d and I). */
#include <kern/sched.h>
#include <kern/thread.h>
#include <kern/arch_thread.h>
#include <l4/utcb.h>

/* The thread whose preemption is being delayed (NULL: none). Invariant: if
 * set, its I flag was set by us and its delay_until is the end of the delay
 * (0 once it gave the CPU up by ThreadSwitch); sched_attention is set. */
struct tcb *sched_delaying;

static uint8_t *preempt_flags(struct tcb *t) { return (uint8_t *)&t->utcb_k[L4_UTCB_FLAGS]; }

struct tcb *sched_delay_preemption(struct tcb *t, struct tcb *by)
{
	if (!t->utcb_k || by->priority > t->sens_prio || !(*preempt_flags(t) & L4_PREEMPT_DELAY))
		return by;
	word_t now = arch_clock_us();
	if (sched_delaying != t) { /* a new delay: at most max_delay_us from now */
		sched_delaying = t;
		t->delay_until = now + t->max_delay_us;
		*preempt_flags(t) |= L4_PREEMPT_PENDING;
		sched_attention = true;
	}
	return now < t->delay_until ? t : by;
}

void sched_end_delay(void)
{
	struct tcb *t = sched_delaying;
	sched_delaying = NULL;
	t->delay_until = 0;
	*preempt_flags(t) &= (uint8_t)~L4_PREEMPT_PENDING;
}
