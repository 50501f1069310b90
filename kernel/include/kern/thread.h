/* SPDX-License-Identifier: MIT */
/* Threads: the thread control block, thread IDs and the thread table. */
#ifndef KERN_THREAD_H
#define KERN_THREAD_H

#include <kern/types.h>
#include <arch/context.h>

struct space;

enum thread_state {
	TS_FREE = 0, /* TCB not in use */
	TS_READY, /* runnable (queued, or the running thread) */
	TS_HALTED, /* stopped: halted by ExchangeRegisters or after an unhandled fault */
	TS_WAIT_IPC, /* blocked in an IPC phase */
	TS_INACTIVE, /* exists, but has no space activated yet (ThreadControl) */
	TS_WAIT_QUANTUM, /* its total quantum is used up: waits for Schedule to give a new one */
};

/* X.2 thread numbers: below SystemBase interrupt threads, then kernel threads,
 * from UserBase on user threads (sigma0 = UserBase, sigma1, root task). */
#define THREAD_BITS 18
#define THREAD_NUMBERS (1u << THREAD_BITS)
#define THREAD_SYSTEM_BASE 16
#define THREAD_USER_BASE 48

/* Invariants: a TCB and its kernel stack share one KSTACK_SIZE-aligned frame,
 * TCB at the base; `id` is the global ID under which the thread table holds the
 * TCB; a thread with a space has `utcb` inside that space's UTCB area (or 0 for
 * none); the running thread is TS_READY and in no ready queue. */
struct tcb {
	struct arch_context arch; /* first: the assembly finds the saved stack pointer here */
	l4_threadid_t id;
	enum thread_state state;
	uint8_t priority;
	struct tcb *ready_next, *ready_prev;
	struct space *space;
	vaddr_t utcb; /* user address of MR0, i.e. the local ID; 0 for kernel threads */
	l4_threadid_t pager, scheduler, exception_handler;
	word_t timeslice_us, quantum_left_us;
	const char *name;
	bool halted; /* ExchangeRegisters halt: the thread does not run even when ready */
	bool io_privileged; /* user code may use I/O ports (IOPL 3): see docs/status.md */
	l4_word_t *utcb_k; /* the kernel's pointer to this thread's MR0 (NULL: no UTCB) */

	/* IPC (ipc.c). Invariants: ipc_phase != IPC_IDLE iff state == TS_WAIT_IPC;
	 * a SENDING thread is in the send queue of ipc_partner, a RECEIVING one
	 * waits for ipc_partner (NULL: any thread; ipc_any_local: any thread of its
	 * space); timeout_armed iff the thread is on the timeout list. */
	uint8_t ipc_phase;
	bool ipc_any_local;
	bool timeout_armed;
	struct tcb *ipc_partner;
	struct tcb *sendq_head, *sendq_next, *sendq_prev; /* senders waiting for this thread */
	word_t ipc_error; /* X.2 error-code word delivered on wake-up; 0: success */
	l4_threadid_t ipc_intended; /* a redirected send's intended receiver (0: not redirected) */
	/* A sender's pending receive phase (a call), entered for it by the receiver. */
	bool ipc_call, ipc_call_any_local, ipc_received_in_send;
	uint16_t ipc_call_timeout;
	struct tcb *ipc_call_from;
	word_t wakeup_us;
	struct tcb *timeout_next, *timeout_prev;
	/* A kernel-generated message (page fault, exception, interrupt) in place of
	 * the thread's own MRs; MR0..MR20 (the amd64 exception message is the longest). */
	l4_word_t *kmsg;
	l4_word_t kmsg_buf[21];
	/* X.2 total quantum left (Schedule): SCHED_QUANTUM_NEVER for unlimited; 0:
	 * used up, the thread sends the preemption message and then waits in
	 * TS_WAIT_QUANTUM (thread.c, quantum_exhausted). */
	word_t total_quantum_us;
	/* The clock values of the current Ipc's send and receive timeouts, for those
	 * that are points (X.2 §"Time"; ipc.c): read only for a point. */
	word_t ipc_send_point_at, ipc_recv_point_at;
	/* Signalled preemption (X.2 s flag, sched_signal.c): preempted_at is the
	 * clock value of the thread's last asynchronous preemption that it owes
	 * its exception handler a preemption fault message for (set while it waits
	 * to run again: preempt_fault_pending). */
	word_t preempted_at;
	/* Preemption control (X.2 §"Schedule", sched_delay.c): preemptions by
	 * threads of at most sens_prio wait up to max_delay_us while the thread's
	 * d flag is set; delay_until is the clock value the current delay ends at
	 * (0: none). */
	word_t delay_until;
	uint16_t max_delay_us;
	uint8_t sens_prio;
	uint8_t irq; /* interrupt threads: IRQ number + 1 (0: an ordinary thread) */
	bool kmem_request; /* in a kernel-memory request: the reply's map items are lent pages */
	bool awaiting_start; /* new: waiting for its start message (ThreadControl) */
	bool preempted_in_kernel; /* switched away at a kernel preemption point (mid system call) */
	bool preempt_fault_pending; /* see preempted_at */
	/* A string copy waits for this thread's tunnelled page fault (ipc_string.c). */
	struct tcb *tunnel_waiter;
	bool tunnel_ok;
	/* A transfer with typed items under way (ipc_abort.c). Invariants: on the
	 * copying thread (the one whose kernel stack runs the transfer), xfer_partner
	 * is the blocked partner it has locked (IPC_XFER) and xfer_partner->xfer_copier
	 * is the copier, until the transfer's end; xfer_abort is XFER_ABORT_NONE
	 * outside a transfer; with XFER_ABORT_GONE the partner no longer exists and
	 * xfer_partner must not be followed. */
	struct tcb *xfer_partner, *xfer_copier;
	uint8_t xfer_abort;
	bool xfer_sends; /* the copier is the sender of the transfer */
	word_t xfer_done; /* bytes the copier has copied so far (the error offset) */
	/* The spaces (source, destination) of a map item that reached a point
	 * where it may be preempted or block, held (space_hold) from that point to
	 * the item's end, so that deleting their last threads meanwhile does not
	 * free them under the copier; NULL outside (and in the common map). */
	struct space *xfer_held[2];
	/* The space whose destruction this thread runs (space_destroy), while its
	 * flush may be preempted: whoever deletes the thread meanwhile finishes it
	 * (thread_control.c delete_thread), so no space is left half revoked. */
	struct space *destroying;
	/* An inactive thread's UTCB location as ThreadControl gave it (valid if
	 * has_utcb_location), kept until the thread is activated: its space may get
	 * its UTCB area only later (SpaceControl), as in X.2's "create inactive,
	 * SpaceControl, then activate with a pager and UtcbLocation -1". */
	vaddr_t utcb_location;
	bool has_utcb_location;
	/* Last: the kernel stack grows down towards it from the top of the page, so
	 * an overflow overwrites it first; every switch checks it. */
	uint64_t stack_canary;
};
#define TCB_STACK_CANARY 0x6d6e656d6f535443ull

/* IPC_XFER: a string copy involving this blocked thread is under way (it
 * accepts no other message and its timeout is off); IPC_TUNNEL_WAIT: the
 * copying thread waits for a page fault it raised in its partner's name. */
enum ipc_phase { IPC_IDLE, IPC_SENDING, IPC_RECEIVING, IPC_XFER, IPC_TUNNEL_WAIT };

/* Why a transfer stops early: ExchangeRegisters aborted it, or ThreadControl
 * deleted the partner (X.2 error "aborted" either way). */
enum xfer_abort { XFER_ABORT_NONE, XFER_ABORT_REQUESTED, XFER_ABORT_GONE };

/* The running thread. */
extern struct tcb *current;

void thread_table_init(void);

/* Thread number -> TCB, two levels of 512 entries, second-level pages
 * allocated on first use. Invariant: an entry is NULL or a live TCB whose
 * thread number is its index. */
#define TT_L2_BITS 9
#define TT_L2_SIZE (1u << TT_L2_BITS)
extern struct tcb **thread_table[THREAD_NUMBERS / TT_L2_SIZE];

/* The TCB registered under thread number no (any version), or NULL. */
static inline struct tcb *thread_lookup_number(word_t no)
{
	if (no >= THREAD_NUMBERS)
		return NULL;
	struct tcb **l2 = thread_table[no >> TT_L2_BITS];
	return l2 ? l2[no & (TT_L2_SIZE - 1)] : NULL;
}

/* The TCB whose global ID is exactly id, or NULL. */
static inline struct tcb *thread_lookup(l4_threadid_t id)
{
	struct tcb *t = thread_lookup_number(l4_thread_no(id));
	return t && t->id == id ? t : NULL;
}
/* Allocates a TCB (and its kernel stack) for global id; NULL if the number is
 * taken or out of range, or kernel memory is exhausted. */
struct tcb *thread_create(l4_threadid_t id, struct space *space, uint8_t priority);
void thread_destroy(struct tcb *t);

/* Whether the current thread may use the privileged system calls (it is in
 * sigma0's or the root task's space, X.2 §3). */
bool thread_privileged(const struct tcb *t);

/* Makes t runnable / not runnable and picks the next thread to run. */
void thread_wake(struct tcb *t);
void thread_set_priority(struct tcb *t, uint8_t prio);
void thread_block(struct tcb *t, enum thread_state why);
/* Gives up the CPU: switches to the best ready thread (possibly the caller). */
void schedule(void);
/* schedule() after an interrupt of user code: the running thread may be
 * preempted asynchronously, and that is signalled if it asked (X.2 s flag). */
void schedule_interrupted(void);
/* Timer tick from the arch layer: accounts the running thread's time slice
 * and total quantum. */
void sched_tick(word_t elapsed_us);
/* Gives t a new total quantum (SCHED_QUANTUM_NEVER: unlimited); a thread that
 * waits for one (TS_WAIT_QUANTUM) runs again if it is more than zero. */
void sched_set_total_quantum(struct tcb *t, word_t us);
/* Switches to the thread `to` if it is ready (ThreadSwitch with a target). */
void schedule_to(struct tcb *to);
/* Whether a ready thread has a higher priority than prio. */
bool thread_ready_above(uint8_t prio);
/* Switches to next, which is ready but in no queue, from a current thread that
 * has just blocked (the IPC fast path): no scheduler decision. */
void thread_switch_direct(struct tcb *next);
extern bool need_resched;

/* Timeouts: wakes t (through ipc_timeout) at clock value at_us unless disarmed. */
void thread_arm_timeout(struct tcb *t, word_t at_us);
void thread_disarm_timeout(struct tcb *t);
/* Expires all timeouts due at now_us (called from the tick). */
void thread_expire_timeouts(word_t now_us);

#endif
