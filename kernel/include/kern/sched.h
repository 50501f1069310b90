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

#endif
