/* SPDX-License-Identifier: MIT */
/* The thread table, TCB allocation and the scheduler's dispatch logic. */
#include <kern/thread.h>
#include <kern/kmem.h>
#include <kern/arch_thread.h>
#include <kern/sched.h>
#include <kern/init.h>
#include <kern/ipc.h>
#include <kern/space.h>
#include <kern/frame.h>
#include <kern/panic.h>
#include <arch/physmem.h>
#include <arch/layout.h>

_Static_assert(sizeof(struct tcb) <= KSTACK_SIZE / 2, "TCB leaves room for the kernel stack");

/* Thread number -> TCB, two levels of 512 entries (2^18 numbers), second level
 * pages allocated on first use. Invariant: table[n] is NULL or a live TCB whose
 * thread number is n. */
struct tcb **thread_table[THREAD_NUMBERS / TT_L2_SIZE];
/* Live entries of each second-level page: an empty page goes back to the pool. */
static uint16_t thread_table_used[THREAD_NUMBERS / TT_L2_SIZE];

/* Global for the IPC fast path in assembly, which reads the bitmap. */
struct sched_queues sched_ready;
struct tcb *current;
bool need_resched;

void thread_table_init(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(thread_table); i++)
		thread_table[i] = NULL;
}

struct tcb *thread_create(l4_threadid_t id, struct space *space, uint8_t priority)
{
	word_t no = l4_thread_no(id);
	if (no >= THREAD_NUMBERS || thread_lookup_number(no))
		return NULL;
	struct tcb ***l2 = &thread_table[no >> TT_L2_BITS];
	if (!*l2) {
		paddr_t f = frame_alloc();
		if (!f)
			return NULL;
		*l2 = phys_to_virt(f);
	}
	paddr_t f = frame_alloc();
	if (!f) {
		if (!thread_table_used[no >> TT_L2_BITS]) { /* the page we just took */
			frame_free(virt_to_phys(*l2));
			*l2 = NULL;
		}
		return NULL;
	}
	struct tcb *t = phys_to_virt(f);
	t->id = id;
	t->stack_canary = TCB_STACK_CANARY;
	t->state = TS_INACTIVE;
	t->priority = priority;
	t->space = space;
	t->timeslice_us = t->quantum_left_us = SCHED_DEFAULT_TIMESLICE_US;
	t->total_quantum_us = SCHED_QUANTUM_NEVER;
	if (space)
		space->threads++;
	(*l2)[no & (TT_L2_SIZE - 1)] = t;
	thread_table_used[no >> TT_L2_BITS]++;
	return t;
}

void thread_destroy(struct tcb *t)
{
	assert(t != current);
	if (sched_delaying == t)
		sched_end_delay();
	ipc_cancel(t);
	sched_dequeue(&sched_ready, t);
	word_t no = l4_thread_no(t->id);
	thread_table[no >> TT_L2_BITS][no & (TT_L2_SIZE - 1)] = NULL;
	if (--thread_table_used[no >> TT_L2_BITS] == 0) {
		frame_free(virt_to_phys(thread_table[no >> TT_L2_BITS]));
		thread_table[no >> TT_L2_BITS] = NULL;
	}
	if (t->space)
		t->space->threads--;
	arch_thread_release(t);
	t->state = TS_FREE;
	frame_free(virt_to_phys(t));
}

void thread_wake(struct tcb *t)
{
	if (t->tunnel_waiter) { /* the reply to a page fault raised in t's name */
		struct tcb *w = t->tunnel_waiter;
		t->tunnel_waiter = NULL;
		w->tunnel_ok = t->ipc_error == 0;
		t->state = TS_WAIT_IPC; /* t itself stays in its IPC */
		w->ipc_phase = IPC_IDLE;
		thread_wake(w);
		return;
	}
	if (t->irq) { /* interrupt threads never run (ipc.c) */
		t->state = TS_INACTIVE;
		return;
	}
	if (t->halted && t->state != TS_READY) {
		t->state = TS_HALTED; /* runs again when ExchangeRegisters resumes it */
		return;
	}
	if (t->state == TS_READY)
		return;
	t->state = TS_READY;
	if (t != current) {
		sched_enqueue(&sched_ready, t);
		if (!current || t->priority > current->priority)
			need_resched = true;
	}
}

void thread_set_priority(struct tcb *t, uint8_t prio)
{
	bool queued = t->ready_next != NULL;
	if (queued)
		sched_dequeue(&sched_ready, t);
	t->priority = prio;
	if (queued)
		sched_enqueue(&sched_ready, t);
	need_resched = true;
}

void thread_block(struct tcb *t, enum thread_state why)
{
	assert(why != TS_READY);
	t->state = why;
	sched_dequeue(&sched_ready, t);
	if (t == current)
		need_resched = true;
}

/* The idle thread runs when nothing else can; it is never in a ready queue. */
static struct tcb idle_tcb = {
    .name = "idle", .state = TS_READY, .total_quantum_us = SCHED_QUANTUM_NEVER, .stack_canary = TCB_STACK_CANARY};

/* A thread leaving the CPU must still have its canary (kern/thread.h). */
static inline void check_stack(const struct tcb *t)
{
	if (unlikely(t->stack_canary != TCB_STACK_CANARY))
		panic("kernel stack overflow in thread %llx", (unsigned long long)t->id);
}

static void switch_to(struct tcb *next)
{
	struct tcb *prev = current;
	need_resched = false;
	if (next == prev)
		return;
	if (prev != &idle_tcb && prev->state == TS_READY)
		sched_enqueue(&sched_ready, prev);
	if (next != &idle_tcb)
		sched_dequeue(&sched_ready, next);
	check_stack(prev);
	current = next;
	arch_thread_switch(prev, next);
}

bool thread_ready_above(uint8_t prio)
{
	unsigned w = prio / 64, b = prio % 64;
	if (b < 63 && (sched_ready.bitmap[w] >> (b + 1)))
		return true;
	for (w++; w < SCHED_PRIORITIES / 64; w++)
		if (sched_ready.bitmap[w])
			return true;
	return false;
}

void thread_switch_direct(struct tcb *next)
{
	struct tcb *prev = current;
	assert(prev->state != TS_READY && next->state == TS_READY && !next->ready_next);
	need_resched = false;
	if (next->quantum_left_us == 0)
		next->quantum_left_us = next->timeslice_us;
	check_stack(prev);
	current = next;
	arch_thread_switch(prev, next);
}

/* The current thread has used up its total quantum (X.2 §"Schedule"): in its
 * own name it sends its scheduler the preemption message (label -3, MR1 and MR2
 * the clock value, low and high word: on 64 bits MR2 is 0), then waits until
 * Schedule gives it a new total quantum. The message goes out with send
 * timeout never: X.2 names a zero send timeout, but a thread without quantum
 * cannot run anyway, and so the scheduler cannot miss it. A thread that is its
 * own scheduler (or whose scheduler is gone) only waits. */
static __attribute__((noinline, cold)) void quantum_exhausted(void)
{
	struct tcb *t = current;
	t->kmsg_buf[0] = l4_msgtag(L4_LABEL_PREEMPTION, 2, 0, 0);
	t->kmsg_buf[1] = arch_clock_us();
	t->kmsg_buf[2] = 0;
	ipc_kernel_send(t->scheduler);
	while (t->total_quantum_us == 0) {
		thread_block(t, TS_WAIT_QUANTUM);
		schedule();
	}
}

/* Set by the tick while the running thread's total quantum is used up, and by
 * a delayed preemption while it lasts: schedule() then takes its slower way
 * (one test of a byte on every call otherwise). */
bool sched_attention;

void sched_set_total_quantum(struct tcb *t, word_t us)
{
	t->total_quantum_us = us;
	if (us && t->state == TS_WAIT_QUANTUM)
		thread_wake(t);
}

/* The thread to run next: the best ready one, or the current thread if it is
 * still runnable and not outranked (round robin among equals when its time
 * slice is over); a preemption may be delayed (sched_delay.c). */
static inline __attribute__((always_inline)) struct tcb *pick_next(void)
{
	struct tcb *best = sched_highest(&sched_ready);
	bool runnable = current != &idle_tcb && current->state == TS_READY;
	struct tcb *next;
	if (!runnable)
		next = best ? best : &idle_tcb;
	else if (!best || best->priority < current->priority)
		next = current;
	else if (best->priority == current->priority && current->quantum_left_us)
		next = current;
	else if (unlikely(current->max_delay_us) && best->priority > current->priority)
		next = sched_delay_preemption(current, best);
	else
		next = best;
	if (runnable && !current->quantum_left_us)
		current->quantum_left_us = current->timeslice_us;
	return next;
}

/* pick_next() with the attention flag set: the total quantum and delayed
 * preemption. */
static __attribute__((noinline, cold)) struct tcb *pick_attentive(void)
{
	sched_attention = false; /* the tick sets it again while the quantum stays used up */
	/* Only at a system-call or exception boundary: a thread switched away in
	 * the middle of kernel work (preempted_in_kernel) finishes it first. */
	if (!current->total_quantum_us && current->state == TS_READY && !current->preempted_in_kernel)
		quantum_exhausted();
	struct tcb *next = pick_next();
	if (sched_delaying && next != sched_delaying)
		sched_end_delay();
	sched_attention = sched_attention || sched_delaying;
	return next;
}

void schedule(void) { switch_to(unlikely(sched_attention) ? pick_attentive() : pick_next()); }

/* An interrupt of user code may preempt the running thread asynchronously
 * (X.2 §"Schedule"); with its s flag set, a preemption by a thread of at most
 * its sensitive priority is signalled once it runs again (sched_signal.c). */
void schedule_interrupted(void)
{
	struct tcb *t = current;
	if (likely(!sched_signals_preemption(t))) {
		schedule();
		return;
	}
	struct tcb *next = unlikely(sched_attention) ? pick_attentive() : pick_next();
	sched_note_preemption(t, next);
	switch_to(next);
	sched_send_preemption_fault(t);
}

void schedule_to(struct tcb *to)
{
	if (!to || to->state != TS_READY || to == current) {
		/* a plain yield: round-robin among equals; a delayed preemption
		 * happens now (X.2: the thread gives up the CPU it kept) */
		if (current != &idle_tcb)
			current->quantum_left_us = 0;
		if (sched_delaying == current)
			current->delay_until = 0;
		schedule();
		return;
	}
	switch_to(to);
}

/* Armed timeouts, sorted by wake-up time (earliest first). */
static struct tcb *timeout_head;

void thread_arm_timeout(struct tcb *t, word_t at_us)
{
	thread_disarm_timeout(t);
	t->wakeup_us = at_us;
	struct tcb **pp = &timeout_head, *prev = NULL;
	while (*pp && (*pp)->wakeup_us <= at_us) {
		prev = *pp;
		pp = &(*pp)->timeout_next;
	}
	t->timeout_next = *pp;
	t->timeout_prev = prev;
	if (*pp)
		(*pp)->timeout_prev = t;
	*pp = t;
	t->timeout_armed = true;
}

void thread_disarm_timeout(struct tcb *t)
{
	if (!t->timeout_armed)
		return;
	if (t->timeout_prev)
		t->timeout_prev->timeout_next = t->timeout_next;
	else
		timeout_head = t->timeout_next;
	if (t->timeout_next)
		t->timeout_next->timeout_prev = t->timeout_prev;
	t->timeout_next = t->timeout_prev = NULL;
	t->timeout_armed = false;
}

void thread_expire_timeouts(word_t now_us)
{
	while (timeout_head && timeout_head->wakeup_us <= now_us) {
		struct tcb *t = timeout_head;
		thread_disarm_timeout(t);
		ipc_timeout(t);
	}
}

void sched_tick(word_t elapsed_us)
{
	kmem_stats_update(); /* the counters user level reads in the KIP: at most a tick old */
	if (timeout_head)
		thread_expire_timeouts(arch_clock_us());
	if (current == &idle_tcb) {
		need_resched = sched_highest(&sched_ready) != NULL;
		return;
	}
	current->quantum_left_us = current->quantum_left_us > elapsed_us ? current->quantum_left_us - elapsed_us : 0;
	if (!current->quantum_left_us)
		need_resched = true;
	/* The total quantum counts across time slices (X.2 §"Schedule"); once it is
	 * used up, every tick asks for the reschedule that sends the message. */
	word_t total = current->total_quantum_us;
	if (total != SCHED_QUANTUM_NEVER) {
		current->total_quantum_us = total > elapsed_us ? total - elapsed_us : 0;
		if (!current->total_quantum_us)
			need_resched = sched_attention = true;
	}
	/* A delayed preemption happens at the last tick before its maximum delay
	 * runs out (the delay is at most the maximum, less by under a tick). */
	if (unlikely(sched_delaying == current) && arch_clock_us() + elapsed_us > current->delay_until)
		current->delay_until = 0, need_resched = true;
}

/* Becomes the idle thread: the boot context ends here, scheduling others. */
__noreturn void thread_idle_loop(void)
{
	current = &idle_tcb;
	for (;;) {
		schedule();
		/* Nothing ready and nothing that could ever wake a thread: say so
		 * rather than idle silently (interrupt threads will count here too). */
		if (!sched_highest(&sched_ready) && !timeout_head && !irq_any_associated() && current == &idle_tcb)
			arch_system_stopped();
		arch_idle_wait();
	}
}
