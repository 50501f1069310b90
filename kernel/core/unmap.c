/* SPDX-License-Identifier: MIT */
/* The X.2 Unmap system call (ABI §5.10): revoke, flush and query fpages through the mapping database. */
#include <kern/unmap.h>
#include <kern/space.h>
#include <kern/thread.h>
#include <kern/syscall.h>
#include <kern/trace.h>
#include <kern/kmem.h>
#include <arch/ipc.h>

/*
 * Control word: bits 0-5 k (fpages MR0..MRk), bit 6 f (flush). Each fpage's rwx
 * field names the rights to revoke (0: query only, l4_get_status); the kernel
 * writes the fpage back into its MR with rwx replaced by the access bits
 * (referenced, written, executed) of the mappings derived from it, which the
 * query resets. Flush revokes from the caller's own mappings too.
 *
 * Preemption: each fpage is revoked in steps of at most UNMAP_BUDGET units of
 * mdb work (a unit is one node visited, sibling scanned or hole skipped; a
 * superpage split adds its 512 pieces and the children it moves). Interrupts
 * are off during a step and on for an instant between steps
 * (arch_preempt_point), where the thread may be switched away. Between steps the
 * op is registered with the mdb, which restarts it if others remove its
 * cursor; unmap_thread_deleted() forgets the op of a deleted thread.
 */
#define UNMAP_BUDGET 128
#define UNMAP_SLOTS 32

/*
 * An unfinished op must outlive a preempted thread that is deleted meanwhile
 * (the mdb keeps it on its list of active ops), so ops live in static slots, not
 * on kernel stacks. Invariant: a slot is busy from the start of an fpage's unmap
 * until its end, and then its op is on the mdb's active list or done; a busy slot
 * whose thread no longer exists under its ID is stale, and is aborted and reused
 * (unmap_thread_deleted does that at once). With all slots busy an unmap runs
 * without preemption points (still in bounded steps).
 */
struct unmap_slot {
	struct tcb *t;
	l4_threadid_t id;
	bool busy;
	struct mdb_unmap_op op;
};
static struct unmap_slot slots[UNMAP_SLOTS];

static void slot_release(struct unmap_slot *sl)
{
	mdb_unmap_abort(&sl->op); /* off the active list (a finished op is not on it) */
	sl->busy = false;
	sl->t = NULL;
}

void unmap_thread_deleted(struct tcb *t)
{
	for (unsigned i = 0; i < UNMAP_SLOTS; i++)
		if (slots[i].busy && slots[i].t == t)
			slot_release(&slots[i]);
}

static struct unmap_slot *slot_get(void)
{
	struct unmap_slot *free = NULL;
	for (unsigned i = 0; i < UNMAP_SLOTS; i++) {
		struct unmap_slot *sl = &slots[i];
		if (sl->busy && thread_lookup(sl->id) != sl->t)
			slot_release(sl); /* its thread was deleted while preempted */
		if (!sl->busy && !free)
			free = sl;
	}
	if (free) {
		free->busy = true;
		free->t = current;
		free->id = current->id;
	}
	return free;
}

unsigned unmap_fpage_count(word_t control) { return (unsigned)(control & UNMAP_K_MASK) + 1; }
bool unmap_flush(word_t control) { return (control & UNMAP_FLUSH) != 0; }
l4_fpage_t unmap_result(l4_fpage_t f, unsigned access) { return (f & ~(l4_fpage_t)7) | (access & 7); }

/* Where MR i lives: the frame for MR0-MR7, the UTCB above; NULL if no UTCB. */
static word_t *unmap_mr(struct trapframe *tf, unsigned i)
{
	if (i < ARCH_IPC_REG_MRS)
		return arch_frame_mr(tf, i);
	return current->utcb_k ? &current->utcb_k[i] : NULL;
}

/* One fpage in bounded steps, with preemption points between them if `preempt`
 * and a slot was free. A grant's restriction (restrict_) keeps `~rights`. For a
 * map item (in_transfer), a mark set on the copier while it was preempted
 * (ExchangeRegisters abort, a partner deleted: ipc_abort.c) ends the op at the
 * next step: the map item stops there (X.2 "aborted"), so a deletion never
 * waits for a whole flush of the transfer. */
static unsigned unmap_run(struct space *s, vaddr_t base, unsigned shift, unsigned rights, bool flush, bool preempt,
			  bool restrict_, uint64_t *end_link_epoch, bool in_transfer)
{
	struct unmap_slot *sl = slot_get();
	struct mdb_unmap_op stack_op, *op = sl ? &sl->op : &stack_op;
	preempt = preempt && sl;
	if (restrict_)
		mdb_restrict_begin(op, &s->mdb, base, shift, ~rights & 7);
	else
		mdb_unmap_begin(op, &s->mdb, base, shift, rights, flush);
	for (;;) {
		space_mdb_reserve(); /* without nodes a split revokes the whole superpage */
		if (mdb_unmap_step(op, UNMAP_BUDGET) != MDB_MORE) {
			if (end_link_epoch) /* before kmem_drain's preemption points */
				*end_link_epoch = mdb_link_epoch;
			break;
		}
		kmem_drain(preempt); /* pages it took from the kernel: their nodes go first */
		if (preempt)
			arch_preempt_point();
		if (in_transfer && current->xfer_abort)
			break; /* unfinished: slot_release takes it off the active list */
	}
	kmem_drain(preempt);
	unsigned access = op->access;
	if (sl)
		slot_release(sl);
	return access;
}

unsigned unmap_fpage(struct space *s, l4_fpage_t f, bool flush)
{
	trace_event(TRACE_UNMAP, f, flush, s->mdb.id);
	return unmap_run(s, l4_fpage_base(f), l4_fpage_size_log2(f), l4_fpage_rights(f), flush, true, false, NULL,
			 false);
}

void unmap_replaced(struct space *s, vaddr_t base, unsigned shift, bool preempt)
{
	unmap_run(s, base, shift, L4_FULLY_ACCESSIBLE, true, preempt, false, NULL, preempt);
}

uint64_t unmap_restrict_granted(struct space *s, vaddr_t base, unsigned shift, unsigned mask, bool preempt)
{
	uint64_t end_link_epoch = 0;
	unmap_run(s, base, shift, ~mask & 7, false, preempt, true, &end_link_epoch, preempt);
	return end_link_epoch;
}

void sys_unmap(struct trapframe *tf)
{
	word_t control = arch_unmap_control(tf);
	unsigned n = unmap_fpage_count(control);
	bool flush = unmap_flush(control);
	struct space *s = current->space;
	for (unsigned i = 0; i < n; i++) {
		word_t *mr = unmap_mr(tf, i);
		if (!mr)
			break;
		unsigned access = s ? unmap_fpage(s, *mr, flush) : 0;
		*mr = unmap_result(*mr, access);
		if (i + 1 < n)
			arch_preempt_point();
	}
	arch_unmap_set_result(tf, current->utcb);
}
