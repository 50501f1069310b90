/* SPDX-License-Identifier: MIT */
/* Mapping database: preemptible unmap/flush, space deletion, node-page eviction. */
#include <kern/mdb_impl.h>
#include <kern/string.h>
#include <kern/trace.h>

/*
 * An unmap walks the caller's range mapping by mapping ("top" nodes). Below a
 * top it visits, in post-order, every derived node whose physical range meets
 * [plo, phi): a derived node larger than that range is split first (X.2 revokes
 * exactly the fpage; Pistachio's ignoring of partial superpages is a defect).
 * Post-order keeps every intermediate state well-formed: a node's rights are
 * reduced only after its children's, and a node whose rights drop to none is a
 * leaf by then (its children's rights were a subset of its own).
 *
 * Between steps the op keeps only its cursor (the next node in post-order) and
 * the current top. Other operations may change the db meanwhile: new nodes
 * below visited ones have rights within their (already reduced) parents, new
 * ones ahead are visited, granted and upgraded nodes keep their place in their
 * child list. A node the op has entered but not yet reduced (on the path from
 * the cursor up to the top) carries the op's rights in its hint (N9): a mapping
 * made from it or upgraded under it meanwhile gets none of the rights the op
 * is taking (mdb_entered_rights; X.2 Unmap would take them from it anyway), so
 * when the op reduces a node every child is within its new rights. Two things
 * invalidate the cursor: removal of the cursor or top node (mdb_remove_leaf
 * resets in_tree of the ops on the mdb_active_ops list) and somebody else's
 * superpage split, which moves children between pieces (mdb_split_epoch).
 * Then the op restarts its current top from the PTE walk; revoking and reading
 * and clearing access bits are idempotent, so a restart only costs time.
 */

void mdb_unmap_begin(struct mdb_unmap_op *op, struct mdb_space *ms, vaddr_t base, unsigned shift, unsigned rights,
		     bool flush)
{
	memset(op, 0, sizeof *op);
	op->ms = ms;
	op->rights = rights & 7;
	op->hint = (uint64_t)op->rights << MDB_W_HINT_SHIFT;
	op->flush = flush;
	op->split_epoch = mdb_split_epoch;
	word_t top = (word_t)1 << MDB_USER_BITS;
	if (shift == 1 || shift >= MDB_USER_BITS) {
		if (shift != 1 && shift < 64 && (base >> shift))
			shift = 0; /* above user space: nothing */
		else
			base = 0, shift = MDB_USER_BITS;
	}
	if (shift < 12) {
		op->done = true;
		return;
	}
	op->v = ALIGN_DOWN(base, (word_t)1 << shift);
	op->end = op->v + ((word_t)1 << shift);
	if (op->end > top) {
		op->done = true;
		return;
	}
	op->next_active = mdb_active_ops;
	mdb_active_ops = op;
}

/* A grant's restriction (mdb_map_step's MDB_RESTRICT): the derived mappings
 * lose what mask lacks; their access bits stay (a grant keeps them). The top
 * is entered like any node the op reduces, so a mapping derived from it
 * meanwhile gets only mask; the top keeps its own rights until the grant. */
void mdb_restrict_begin(struct mdb_unmap_op *op, struct mdb_space *ms, vaddr_t base, unsigned shift, unsigned mask)
{
	mdb_unmap_begin(op, ms, base, shift, ~mask & 7, false);
	op->restrict_ = true;
}

bool mdb_active_ops_empty(void) { return !mdb_active_ops; }

void mdb_unmap_abort(struct mdb_unmap_op *op)
{
	for (struct mdb_unmap_op **pp = &mdb_active_ops; *pp; pp = &(*pp)->next_active)
		if (*pp == op) {
			*pp = op->next_active;
			break;
		}
	op->done = true;
	op->in_tree = false;
}

/* Physical range of a live node. */
static void prange(const struct mdb_node *n, paddr_t *lo, paddr_t *hi)
{
	*lo = mdb_n_paddr(n);
	*hi = *lo + mdb_n_size(n);
}

/* First node from c on (in sibling order) that meets [plo, phi), splitting a
 * node that only partly lies inside. If memory for a split is missing, the op
 * widens its range to that whole superpage (revoking more, never less). */
static struct mdb_node *relevant_from(struct mdb_unmap_op *op, struct mdb_node *c, long *b)
{
	while (c) {
		paddr_t lo, hi;
		prange(c, &lo, &hi);
		--*b;
		if (hi <= op->plo || lo >= op->phi) {
			c = mdb_node(c->next);
			continue;
		}
		if (lo >= op->plo && hi <= op->phi)
			return c;
		unsigned cost = 0;
		if (mdb_split(c, &cost) != MDB_OK) {
			op->plo = lo;
			op->phi = hi;
			return c;
		}
		*b -= cost; /* c is now the first piece: look at it again */
	}
	return NULL;
}

/* Does op take rights from y (not only from y's descendants)? */
static bool reduces(const struct mdb_unmap_op *op, const struct mdb_node *y)
{
	return y != mdb_node(op->top) || op->flush || op->restrict_;
}

/* op enters x (N9): until op reduces x, a mapping made from x or upgraded
 * under it gets none of op's rights (mdb_entered_rights). The nodes below the
 * top are entered as the walk descends into them; the top (if op reduces it)
 * at the end of each step. */
static inline void enter(const struct mdb_unmap_op *op, struct mdb_node *x) { x->w |= op->hint; }

/* Enters x's relevant descendants down to the first leaf in post-order (x
 * itself is entered by the caller). */
static inline __attribute__((always_inline)) struct mdb_node *descend(struct mdb_unmap_op *op, struct mdb_node *x,
								      long *b)
{
	struct mdb_node *c;
	while ((c = relevant_from(op, mdb_node(x->child), b))) {
		x = c;
		enter(op, x);
	}
	return x;
}

/* Is src on op's path (cursor up to the top) and to be reduced by op? Only
 * ops in a tree whose path is still valid count: one that saw a foreign split
 * restarts its top, and a restart visits every node present by then. */
static bool on_path(const struct mdb_unmap_op *op, const struct mdb_node *src)
{
	if (!op->in_tree || op->split_epoch != mdb_split_epoch)
		return false;
	for (const struct mdb_node *y = mdb_node(op->cur);; y = mdb_node(y->parent)) {
		if (y == src)
			return reduces(op, y);
		if (y->parent == 0 || mdb_ref(y) == op->top)
			return false;
	}
}

unsigned mdb_entered_rights(struct mdb_node *src)
{
	if (!mdb_n_hint(src))
		return 0;
	unsigned r = 0; /* exact: O(active ops * depth), only for nodes with a hint */
	for (const struct mdb_unmap_op *op = mdb_active_ops; op; op = op->next_active)
		if (on_path(op, src))
			r |= op->rights;
	mdb_n_set_hint(src, r); /* stale bits go (N9 allows only what is exact here) */
	return r;
}

/* Looks up the caller's mapping at op->v and makes it the current top. */
static void start_top(struct mdb_unmap_op *op, long *b)
{
	struct arch_pt_leaf l;
	unsigned hole;
	--*b;
	if (!arch_pt_lookup(op->ms->space, op->v, &l, &hole)) {
		vaddr_t nv = ALIGN_DOWN(op->v, (word_t)1 << hole) + ((word_t)1 << hole);
		op->v = nv < op->end && nv > op->v ? nv : op->end;
		return;
	}
	struct mdb_node *n = mdb_node(l.node);
	vaddr_t ne = l.base + mdb_level_size(l.level);
	vaddr_t rs = op->v, re = op->end < ne ? op->end : ne;
	if (op->flush && (rs > l.base || re < ne)) { /* flush of a part of our own superpage */
		unsigned cost = 0;
		if (mdb_split(n, &cost) == MDB_OK) {
			*b -= cost;
			return; /* look up again */
		}
		rs = l.base; /* no memory: flush the whole superpage */
		re = ne;
	}
	op->top = mdb_ref(n);
	op->top_end = re;
	op->plo = l.paddr + (rs - l.base);
	op->phi = op->plo + (re - rs);
	op->cur = mdb_ref(descend(op, n, b));
	op->in_tree = true;
}

/* Processes the node at the cursor and moves the cursor on (post-order). */
static void visit(struct mdb_unmap_op *op, long *b)
{
	struct mdb_node *x = mdb_node(op->cur), *top = mdb_node(op->top), *next = NULL;
	if (x != top) {
		struct mdb_node *s = relevant_from(op, mdb_node(x->next), b);
		if (s) /* a sibling of x: below the top */
			enter(op, s);
		next = s ? descend(op, s, b) : mdb_node(x->parent);
	}
	--*b;
	struct space *sp = mdb_n_arch_space(x);
	vaddr_t v = mdb_n_vaddr(x);
	/* X.2 reports the accesses of derived mappings only; the caller's own bits
	 * are reset as well (a leaf's own query returns 0 and clears them). */
	if (!op->restrict_) {
		unsigned acc = arch_pt_access(sp, v, true);
		if (x != top)
			op->access |= acc;
	}
	if (x != top || op->flush || op->restrict_) {
		/* Every child of x has rights within r now: those present when op
		 * entered x were visited (positions in a child list are stable), and
		 * those made or upgraded since got none of op's rights (N9). So x
		 * loses rights only after its whole subtree did (N4), and a node left
		 * with none is a leaf. */
		unsigned r = mdb_n_rights(x) & ~op->rights;
		bool gone = false;
		if (x == top && !op->flush) {
			/* a restriction: the grant itself changes the top's rights */
		} else if (!r) {
			mdb_remove_leaf(x);
			op->in_tree = x != top; /* our own removal does not restart us */
			gone = true;
		} else if (r != mdb_n_rights(x)) {
			mdb_n_set_rights(x, r);
			arch_pt_set_rights(sp, v, r);
			mdb_epoch++;
		}
		if (!gone && (x->w & MDB_W_HINT_MASK) && mdb_active_ops == op && !op->next_active)
			mdb_n_set_hint(x, 0); /* op leaves x and no other op is on any path */
	}
	if (x == top) {
		op->in_tree = false;
		op->v = op->top_end;
	} else {
		op->cur = mdb_ref(next);
	}
}

int mdb_unmap_step(struct mdb_unmap_op *op, unsigned budget)
{
	if (op->done)
		return MDB_OK;
	if (op->in_tree && op->split_epoch != mdb_split_epoch)
		op->in_tree = false; /* somebody else split superpages: restart this top */
	long b = budget ? (long)budget : 1;
	while (b > 0) {
		if (op->in_tree) {
			visit(op, &b);
		} else if (op->v >= op->end) {
			mdb_unmap_abort(op); /* finished: off the active list */
			return MDB_OK;
		} else {
			start_top(op, &b);
		}
	}
	/* The top is entered only now (if op reduces it): maps happen between
	 * steps, and an op done in one step (one page, say) marks nothing. */
	if (op->in_tree && (op->flush || op->restrict_))
		enter(op, mdb_node(op->top));
	op->split_epoch = mdb_split_epoch;
	return MDB_MORE;
}

unsigned mdb_unmap(struct mdb_space *ms, vaddr_t base, unsigned shift, unsigned rights, bool flush)
{
	struct mdb_unmap_op op;
	mdb_unmap_begin(&op, ms, base, shift, rights, flush);
	while (mdb_unmap_step(&op, 1024) == MDB_MORE)
		;
	return op.access;
}

void mdb_space_delete_begin(struct mdb_unmap_op *op, struct mdb_space *ms)
{
	mdb_unmap_begin(op, ms, 0, MDB_USER_BITS, 7, true);
}

void mdb_space_delete(struct mdb_space *ms)
{
	struct mdb_unmap_op op;
	mdb_space_delete_begin(&op, ms);
	while (mdb_unmap_step(&op, 1024) == MDB_MORE)
		;
}

/*
 * Eviction: the pager takes node page `page` back. The page leaves the
 * allocator's list first (no new node lands on it); then each live node on it
 * is removed with its subtree, leaves first, so a partial eviction is a
 * well-formed db. A pinned node blocks the eviction (MDB_EBUSY) before anything
 * changes. Pins protect node memory, not authority: a pinned node on another
 * page below an evicted node is revoked like any derived mapping.
 */
static void evict_leaf(struct mdb_node *x)
{
	if (mdb_evicted_hook)
		mdb_evicted_hook(mdb_n_space(x), mdb_n_vaddr(x), mdb_n_level(x));
	mdb_evicted_nodes++;
	mdb_evicted_pinned += mdb_n_pinned(x);
	mdb_remove_leaf(x);
}

/* Removes at most `budget` nodes of n's subtree and n, leaves first, as
 * evictions (each step leaves a well-formed tree); returns the count. */
static size_t evict_subtree(struct mdb_node *n, size_t budget)
{
	size_t k = 0;
	struct mdb_node *x = n;
	while (k < budget) {
		while (x->child)
			x = mdb_node(x->child);
		struct mdb_node *up = x == n ? NULL : mdb_node(x->parent);
		evict_leaf(x);
		k++;
		if (!up)
			break;
		x = up;
	}
	return k;
}

/*
 * Reclaim: a clock over ms's own mappings (ms->clock is the hand, a virtual
 * address). Each child of an own mapping is a mapping ms made and is charged
 * for; one whose access bits are set loses them and survives this round (the
 * second chance), one without is evicted with its subtree. So what ms's
 * receivers used least recently goes first, without any per-node LRU links.
 */
size_t mdb_reclaim(struct mdb_space *ms, size_t want, unsigned budget, unsigned rounds)
{
	size_t freed = 0;
	const vaddr_t top = (vaddr_t)1 << MDB_USER_BITS;
	vaddr_t v = ms->clock < top ? ms->clock : 0, start = v;
	unsigned wraps = 0; /* turns of the hand (a second one finds the second chances spent) */
	struct arch_pt_leaf l;
	unsigned hole;
	while (freed < want && budget) {
		budget--;
		if (!arch_pt_lookup(ms->space, v, &l, &hole)) {
			v = ALIGN_DOWN(v, (word_t)1 << hole) + ((word_t)1 << hole);
		} else {
			struct mdb_node *n = mdb_node(l.node), *c, *nx;
			for (c = mdb_node(n->child); c && freed < want; c = nx) {
				nx = mdb_node(c->next);
				if (mdb_n_pinned(c))
					continue;
				if (arch_pt_access(mdb_n_arch_space(c), mdb_n_vaddr(c), true))
					continue;
				freed += evict_subtree(c, SIZE_MAX);
			}
			if (c) /* stopped inside this mapping's children: come back to it */
				break;
			v = l.base + mdb_level_size(l.level);
		}
		if (v >= top) {
			v = 0;
			wraps++;
		}
		if (wraps >= rounds && v >= start)
			break;
	}
	ms->clock = v;
	if (freed)
		trace_event(TRACE_KMEM, TRACE_KMEM_RECLAIM, ms->id, freed);
	return freed;
}

int mdb_evict_page_step(void *page, unsigned budget)
{
	if (!mdb_nodes_is_page(page))
		return MDB_EINVAL;
	struct mdb_node_page *p = page;
	if (p->pinned)
		return MDB_EBUSY;
	mdb_nodes_drain(p);
	size_t b = budget ? budget : 1;
	for (unsigned i = 0; i < MDB_NODES_PER_PAGE && b > 0; i++) {
		struct mdb_node *n = mdb_page_slot(p, i);
		if (mdb_node_live(n))
			b -= evict_subtree(n, b);
	}
	if (p->used)
		return MDB_MORE;
	mdb_nodes_remove_page(p);
	mdb_epoch++;
	return MDB_OK;
}

int mdb_evict_page(void *page)
{
	int r;
	while ((r = mdb_evict_page_step(page, 1024)) == MDB_MORE)
		;
	return r;
}
