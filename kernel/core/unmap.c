/* SPDX-License-Identifier: MIT */
/* The X.2 Unmap system call (ABI §5.10): revoke, flush and query fpages through the mapping database. */
#include <kern/unmap.h>
#include <kern/space.h>
#include <kern/thread.h>
#include <kern/syscall.h>
#include <arch/ipc.h>

/*
 * Control word: bits 0-5 k (fpages MR0..MRk), bit 6 f (flush). Each fpage's rwx
 * field names the rights to revoke (0: query only, L4_GetStatus); the kernel
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

struct unmap_call {
	struct tcb *t;
	struct mdb_unmap_op op;
	struct unmap_call *next;
};
/* Invariant: calls lists the Unmaps in progress (one per thread at most). */
static struct unmap_call *calls;

void unmap_thread_deleted(struct tcb *t)
{
	for (struct unmap_call **pp = &calls; *pp;) {
		if ((*pp)->t == t) {
			mdb_unmap_abort(&(*pp)->op);
			*pp = (*pp)->next;
		} else {
			pp = &(*pp)->next;
		}
	}
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

unsigned unmap_fpage(struct space *s, l4_fpage_t f, bool flush)
{
	struct unmap_call call = {.t = current};
	mdb_unmap_begin(&call.op, &s->mdb, l4_fpage_base(f), l4_fpage_size_log2(f), l4_fpage_rights(f), flush);
	call.next = calls;
	calls = &call;
	for (;;) {
		space_mdb_reserve(); /* without nodes a split revokes the whole superpage */
		if (mdb_unmap_step(&call.op, UNMAP_BUDGET) != MDB_MORE)
			break;
		arch_preempt_point();
	}
	for (struct unmap_call **pp = &calls; *pp; pp = &(*pp)->next)
		if (*pp == &call) {
			*pp = call.next;
			break;
		}
	return call.op.access;
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
