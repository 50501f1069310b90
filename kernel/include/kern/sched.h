/* SPDX-License-Identifier: MIT */
/* Fixed-priority round-robin scheduler (X.2: 256 priorities, time slices). */
#ifndef KERN_SCHED_H
#define KERN_SCHED_H

#include <kern/types.h>

struct tcb;

#define SCHED_PRIORITIES 256
#define SCHED_DEFAULT_PRIORITY 100
#define SCHED_ROOT_PRIORITY 255
#define SCHED_DEFAULT_TIMESLICE_US 10000
/* A total quantum that never runs out (X.2 Schedule: total quantum "never"). */
#define SCHED_QUANTUM_NEVER (~(word_t)0)

/* Invariant: a thread is in a ready queue iff its state is TS_READY and it is not
 * the running thread; queues are circular, doubly linked, FIFO per priority; bit
 * p of the bitmap is set iff queue p is non-empty. */
struct sched_queues {
	struct tcb *head[SCHED_PRIORITIES];
	uint64_t bitmap[SCHED_PRIORITIES / 64];
};

void sched_enqueue(struct sched_queues *q, struct tcb *t);
void sched_dequeue(struct sched_queues *q, struct tcb *t);
/* The highest-priority ready thread (the head of its queue), or NULL. */
struct tcb *sched_highest(const struct sched_queues *q);
int sched_highest_priority(const struct sched_queues *q);

/* Set when schedule() must look at more than the ready queues: the running
 * thread's total quantum is used up, or a preemption is being delayed. */
extern bool sched_attention;

/* Delayed preemption (X.2 §"Schedule", sched_delay.c). The running thread t
 * would be preempted by `by`: t runs on (returned) if its d flag is set, by's
 * priority is at most t's sensitive priority and the delay (max_delay_us from
 * the first such preemption on; I flag set) has not run out; else by. */
struct tcb *sched_delay_preemption(struct tcb *t, struct tcb *by);
/* The delayed thread leaves the CPU (or is deleted): its I flag is cleared. */
void sched_end_delay(void);
extern struct tcb *sched_delaying;

/* Signalled preemption (X.2 §"Schedule", the UTCB flag s; sched_signal.c). */
/* Whether t has its s flag set (and a UTCB). */
bool sched_signals_preemption(const struct tcb *t);
/* The ready thread t gives the CPU to `by` at an interrupt of its user code:
 * if by's priority is at most t's sensitive priority, t owes its exception
 * handler a preemption fault message carrying the clock of now. */
void sched_note_preemption(struct tcb *t, const struct tcb *by);
/* t (the current thread, back on the CPU) sends the preemption fault message
 * it owes, if any: label -3, MR1 the clock of the preemption, MR2 0, send
 * timeout zero, no reply. */
void sched_send_preemption_fault(struct tcb *t);
/* Whether the current thread t, interrupted in user code, has s set and its
 * delayed preemption ran out with a thread above it ready: the caller raises
 * the preempt exception (and ends the delay once it was delivered). */
bool sched_delay_overrun(struct tcb *t);

#endif
