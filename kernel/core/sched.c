/* SPDX-License-Identifier: MIT */
/* Ready queues: one circular FIFO per priority and a bitmap of non-empty queues. */
#include <kern/sched.h>
#include <kern/thread.h>
#include <kern/panic.h>

void sched_enqueue(struct sched_queues *q, struct tcb *t)
{
	assert(!t->ready_next);
	struct tcb **head = &q->head[t->priority];
	if (!*head) {
		t->ready_next = t->ready_prev = t;
		*head = t;
		q->bitmap[t->priority / 64] |= 1ull << (t->priority % 64);
	} else {
		t->ready_next = *head;
		t->ready_prev = (*head)->ready_prev;
		(*head)->ready_prev->ready_next = t;
		(*head)->ready_prev = t;
	}
}

void sched_dequeue(struct sched_queues *q, struct tcb *t)
{
	if (!t->ready_next)
		return;
	struct tcb **head = &q->head[t->priority];
	if (t->ready_next == t) {
		*head = NULL;
		q->bitmap[t->priority / 64] &= ~(1ull << (t->priority % 64));
	} else {
		t->ready_prev->ready_next = t->ready_next;
		t->ready_next->ready_prev = t->ready_prev;
		if (*head == t)
			*head = t->ready_next;
	}
	t->ready_next = t->ready_prev = NULL;
}

int sched_highest_priority(const struct sched_queues *q)
{
	for (int w = SCHED_PRIORITIES / 64 - 1; w >= 0; w--)
		if (q->bitmap[w])
			return w * 64 + 63 - __builtin_clzll(q->bitmap[w]);
	return -1;
}

struct tcb *sched_highest(const struct sched_queues *q)
{
	int p = sched_highest_priority(q);
	return p < 0 ? NULL : q->head[p];
}
