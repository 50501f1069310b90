/* SPDX-License-Identifier: MIT */
/* Memory attributes through the mapping database: a mapping and everything derived from it (MemoryControl). */
#include <kern/memattr.h>
#include <kern/mdb_impl.h>
#include <kern/string.h>

/*
 * An op walks the caller's fpage from left to right. Each caller mapping in it
 * is a "top": the op sets the attribute on it and then on its subtree in
 * pre-order, a bounded number of mappings per step. A top that reaches outside
 * the fpage is split first (mdb_split; its same-level derived mappings with it),
 * so exactly the fpage's pages change. Between steps others may change the
 * database (the caller is preempted): if mdb_epoch moved, the op starts its
 * current top again, which is harmless because setting an attribute is
 * idempotent. (A subtree larger than a step under a steady stream of changes by
 * others would start again each time; the steps are large enough that this has
 * not been seen.)
 */

void mdb_attr_begin(struct mdb_attr_op *op, struct mdb_space *ms, vaddr_t base, unsigned shift, unsigned attr)
{
	memset(op, 0, sizeof *op);
	op->ms = ms;
	op->attr = attr;
	op->epoch = mdb_epoch;
	if (shift == 1 || shift >= MDB_USER_BITS) { /* the complete address space, or more */
		if (shift != 1 && shift < 64 && (base >> shift))
			return; /* entirely above user space: nothing */
		base = 0, shift = MDB_USER_BITS;
	}
	if (shift < 12)
		shift = 12; /* an fpage smaller than a page names the page it lies in */
	op->v = ALIGN_DOWN(base, (word_t)1 << shift);
	op->end = op->v + ((word_t)1 << shift);
	if (op->end > ((word_t)1 << MDB_USER_BITS))
		op->v = op->end = 0;
}

static void set_attr(struct mdb_node *n, unsigned attr) { arch_pt_set_attr(mdb_n_arch_space(n), mdb_n_vaddr(n), attr); }

/* The next node after x in pre-order within top's subtree, or NULL. */
static struct mdb_node *preorder_next(struct mdb_node *x, const struct mdb_node *top)
{
	if (x->child)
		return mdb_node(x->child);
	for (; x != top; x = mdb_node(x->parent))
		if (x->next)
			return mdb_node(x->next);
	return NULL;
}

/* Starts the top at op->v: MDB_MORE with op->cur set, MDB_MORE with op->v moved
 * past a hole or a split done, MDB_OK at the end, or MDB_ENOMEM. */
static int start_top(struct mdb_attr_op *op)
{
	struct arch_pt_leaf l;
	unsigned hole;
	if (op->v >= op->end)
		return MDB_OK;
	if (!arch_pt_lookup(op->ms->space, op->v, &l, &hole)) {
		op->v = ALIGN_DOWN(op->v, (word_t)1 << hole) + ((word_t)1 << hole);
		return MDB_MORE;
	}
	struct mdb_node *n = mdb_node(l.node);
	word_t size = mdb_level_size(l.level);
	if (l.base < op->v || l.base + size > op->end) /* only part of it is in the fpage */
		return mdb_split(n, NULL) ? MDB_ENOMEM : MDB_MORE;
	set_attr(n, op->attr);
	op->top = op->cur = mdb_ref(n);
	op->top_end = l.base + size;
	return MDB_MORE;
}

int mdb_attr_step(struct mdb_attr_op *op, unsigned budget)
{
	if (op->epoch != mdb_epoch)
		op->cur = 0; /* the tree changed meanwhile: this top again */
	for (unsigned work = 0; work < budget; work++) {
		if (!op->cur) {
			int r = start_top(op);
			if (r != MDB_MORE)
				return r;
			continue;
		}
		struct mdb_node *next = preorder_next(mdb_node(op->cur), mdb_node(op->top));
		if (!next) {
			op->v = op->top_end;
			op->cur = 0;
			continue;
		}
		set_attr(next, op->attr);
		op->cur = mdb_ref(next);
	}
	op->epoch = mdb_epoch;
	return MDB_MORE;
}
