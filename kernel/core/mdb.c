/* SPDX-License-Identifier: MIT */
/* Mapping database: spaces, tree primitives, superpage splitting, map and grant. */
#include <kern/mdb_impl.h>
#include <kern/memattr.h>
#include <kern/string.h>

uint64_t mdb_epoch, mdb_split_epoch, mdb_link_epoch, mdb_evicted_nodes, mdb_evicted_pinned, mdb_pinned_nodes;
struct mdb_unmap_op *mdb_active_ops;
void (*mdb_removed_hook)(struct mdb_space *ms, vaddr_t v, paddr_t pa, unsigned level);
void (*mdb_evicted_hook)(struct mdb_space *ms, vaddr_t v, unsigned level);
static struct mdb_space *spaces[CONFIG_MDB_MAX_SPACES]; /* id -> space */
static struct mdb_space *sigma0;
static uint32_t next_id_hint;

void mdb_init(void)
{
	memset(spaces, 0, sizeof spaces);
	sigma0 = NULL;
	next_id_hint = 0;
	mdb_epoch = mdb_split_epoch = mdb_link_epoch = 1;
	mdb_evicted_nodes = mdb_evicted_pinned = mdb_pinned_nodes = 0;
	mdb_active_ops = NULL;
	memattr_reset(); /* the roots' recorded attributes go with the roots */
}

int mdb_space_register(struct mdb_space *ms, struct space *s)
{
	for (uint32_t k = 0; k < CONFIG_MDB_MAX_SPACES; k++) {
		uint32_t id = (next_id_hint + k) % CONFIG_MDB_MAX_SPACES;
		if (!spaces[id]) {
			spaces[id] = ms;
			ms->space = s;
			ms->id = id;
			ms->flags = 0;
			ms->charged = ms->quota = 0;
			ms->clock = 0;
			next_id_hint = (id + 1) % CONFIG_MDB_MAX_SPACES;
			return MDB_OK;
		}
	}
	return MDB_ENOMEM;
}

void mdb_space_unregister(struct mdb_space *ms)
{
	assert(ms->id < CONFIG_MDB_MAX_SPACES && spaces[ms->id] == ms);
	spaces[ms->id] = NULL;
	if (sigma0 == ms)
		sigma0 = NULL;
	ms->id = MDB_NO_SPACE_ID;
}

void mdb_set_sigma0(struct mdb_space *ms) { sigma0 = ms; }
struct mdb_space *mdb_sigma0(void) { return sigma0; }
struct mdb_space *mdb_space_by_id(uint32_t id) { return id < CONFIG_MDB_MAX_SPACES ? spaces[id] : NULL; }
struct mdb_space *mdb_n_space(const struct mdb_node *n) { return spaces[mdb_n_space_id(n)]; }

paddr_t mdb_n_paddr(const struct mdb_node *n)
{
	struct arch_pt_leaf l;
	unsigned hole;
	bool ok = arch_pt_lookup(mdb_n_arch_space(n), mdb_n_vaddr(n), &l, &hole);
	assert(ok && l.node == mdb_ref(n));
	(void)ok;
	return l.paddr;
}

struct mdb_node *mdb_lookup(struct mdb_space *ms, vaddr_t v)
{
	struct arch_pt_leaf l;
	unsigned hole;
	return arch_pt_lookup(ms->space, v, &l, &hole) ? mdb_node(l.node) : NULL;
}

struct mdb_node *mdb_parent(const struct mdb_node *n) { return mdb_node(n->parent); }

bool mdb_node_info(const struct mdb_node *n, struct mdb_node_info *out)
{
	if (!n || !mdb_node_live(n))
		return false;
	out->ms = mdb_n_space(n);
	out->vaddr = mdb_n_vaddr(n);
	out->paddr = mdb_n_paddr(n);
	out->level = mdb_n_level(n);
	out->rights = mdb_n_rights(n);
	out->pinned = mdb_n_pinned(n);
	return true;
}

/* ---- charges ---- */

/* The space a node is charged to: the one that made it (its parent's). */
struct mdb_space *mdb_charger(const struct mdb_node *n)
{
	return n->parent ? mdb_n_space(mdb_node(n->parent)) : sigma0;
}
static void charge(struct mdb_space *ms, int64_t d)
{
	if (ms)
		ms->charged += (uint64_t)d;
}

/* ---- tree primitives ---- */

void mdb_link_child(struct mdb_node *parent, struct mdb_node *c)
{
	mdb_link_epoch++;
	c->parent = mdb_ref(parent);
	c->prev = 0;
	c->next = parent->child;
	if (parent->child)
		mdb_node(parent->child)->prev = mdb_ref(c);
	parent->child = mdb_ref(c);
}

void mdb_link_after(struct mdb_node *prev, struct mdb_node *c)
{
	c->parent = prev->parent;
	c->prev = c->next = 0;
	if (!prev->parent) /* roots have no sibling list (N3) */
		return;
	c->prev = mdb_ref(prev);
	c->next = prev->next;
	if (prev->next)
		mdb_node(prev->next)->prev = mdb_ref(c);
	prev->next = mdb_ref(c);
}

void mdb_unlink(struct mdb_node *n)
{
	if (n->parent) {
		if (n->prev)
			mdb_node(n->prev)->next = n->next;
		else
			mdb_node(n->parent)->child = n->next;
		if (n->next)
			mdb_node(n->next)->prev = n->prev;
	}
	n->parent = n->prev = n->next = 0;
}

void mdb_set_pinned(struct mdb_node *n, bool pin)
{
	if (pin == mdb_n_pinned(n))
		return;
	struct mdb_node_page *p = mdb_node_page_of(n);
	if (pin) {
		n->w |= MDB_W_PINNED;
		p->pinned++;
		mdb_pinned_nodes++;
	} else {
		n->w &= ~MDB_W_PINNED;
		p->pinned--;
		mdb_pinned_nodes--;
	}
}

unsigned mdb_remove_leaf(struct mdb_node *n)
{
	assert(!n->child);
	mdb_ref_t r = mdb_ref(n);
	for (struct mdb_unmap_op *op = mdb_active_ops; op; op = op->next_active)
		if (op->in_tree && (op->cur == r || op->top == r))
			op->in_tree = false; /* it restarts at its current top's address */
	struct mdb_space *ms = mdb_n_space(n), *maker = n->parent ? mdb_n_space(mdb_node(n->parent)) : sigma0;
	vaddr_t v = mdb_n_vaddr(n);
	if (maker)
		maker->charged--;
	if (unlikely(ms->flags & MDB_SPACE_NOTIFY)) {
		paddr_t pa = mdb_n_paddr(n);
		unsigned level = mdb_n_level(n), acc = arch_pt_remove(ms->space, v);
		mdb_unlink(n);
		mdb_node_free(n);
		mdb_epoch++;
		if (mdb_removed_hook)
			mdb_removed_hook(ms, v, pa, level);
		return acc;
	}
	unsigned acc = arch_pt_remove(ms->space, v);
	mdb_unlink(n);
	mdb_node_free(n);
	mdb_epoch++;
	return acc;
}

void mdb_subtree_remove(struct mdb_node *n, bool self)
{
	struct mdb_node *x = n;
	for (;;) {
		while (x->child)
			x = mdb_node(x->child);
		if (x == n)
			break;
		struct mdb_node *p = mdb_node(x->parent);
		mdb_remove_leaf(x);
		x = p;
	}
	if (self)
		mdb_remove_leaf(n);
}

static struct mdb_node *leftmost_leaf(struct mdb_node *x)
{
	while (x->child)
		x = mdb_node(x->child);
	return x;
}

void mdb_subtree_restrict(struct mdb_node *n, unsigned mask)
{
	if (!n->child)
		return;
	struct mdb_node *x = leftmost_leaf(mdb_node(n->child));
	while (x != n) { /* post-order: children before their parent */
		struct mdb_node *next = x->next ? leftmost_leaf(mdb_node(x->next)) : mdb_node(x->parent);
		unsigned r = mdb_n_rights(x) & mask;
		if (!r) {
			mdb_remove_leaf(x); /* its children had rights within x's: gone already */
		} else if (r != mdb_n_rights(x)) {
			mdb_n_set_rights(x, r);
			arch_pt_set_rights(mdb_n_arch_space(x), mdb_n_vaddr(x), r);
			mdb_epoch++;
		}
		x = next;
	}
}

/* ---- superpage splitting ---- */

static struct mdb_node *child_at_level(mdb_ref_t from, unsigned level, unsigned *cost)
{
	for (struct mdb_node *c = mdb_node(from); c; c = mdb_node(c->next)) {
		if (cost)
			++*cost;
		if (mdb_n_level(c) == level)
			return c;
	}
	return NULL;
}

/* Number of nodes of n's level in n's subtree reached through nodes of that level. */
static size_t same_level_count(struct mdb_node *n, unsigned level, unsigned *cost)
{
	size_t count = 0;
	struct mdb_node *x = n;
	for (;;) {
		count++;
		struct mdb_node *c = child_at_level(x->child, level, cost);
		if (c) {
			x = c;
			continue;
		}
		while (x != n) {
			struct mdb_node *s = child_at_level(x->next, level, cost);
			if (s) {
				x = s;
				break;
			}
			x = mdb_node(x->parent);
		}
		if (x == n)
			return count;
	}
}

/* Splits x (no children of x's level) into pieces one level down; x stays as
 * piece 0, pieces follow it in the sibling list, children move to their piece. */
static int split_one(struct mdb_node *x, unsigned *cost)
{
	struct space *s = mdb_n_arch_space(x);
	vaddr_t v = mdb_n_vaddr(x);
	unsigned level = mdb_n_level(x);
	unsigned pshift = arch_pt_level_shift(level - 1);
	word_t pieces = mdb_level_size(level) >> pshift;
	paddr_t pa = mdb_n_paddr(x);

	bool pinned = mdb_n_pinned(x) && mdb_nodes_reserve_pages; /* P6: pinned pieces go to the reserve */
	if ((pinned ? mdb_nodes_free_reserve : mdb_nodes_avail()) < pieces - 1 || arch_pt_split(s, v, level))
		return MDB_ENOMEM;
	mdb_n_set_level(x, level - 1);
	charge(mdb_charger(x), (int64_t)pieces - 1);
	struct mdb_node *prev = x;
	for (word_t i = 1; i < pieces; i++) {
		struct mdb_node *y = pinned ? mdb_node_alloc_reserve() : mdb_node_alloc();
		assert(y);
		y->w = mdb_w_make(mdb_n_rights(x), false, level - 1, mdb_n_space_id(x), v + (i << pshift)) |
		       (x->w & MDB_W_HINT_MASK); /* N9: the pieces are as entered as x was */
		mdb_set_pinned(y, mdb_n_pinned(x));
		mdb_link_after(prev, y);
		arch_pt_set_node(s, v + (i << pshift), mdb_ref(y));
		prev = y;
	}
	*cost += (unsigned)pieces;
	for (struct mdb_node *c = mdb_node(x->child), *nx; c; c = nx) {
		nx = mdb_node(c->next);
		word_t i = (mdb_n_paddr(c) - pa) >> pshift;
		++*cost;
		if (!i)
			continue;
		struct mdb_node *piece = mdb_lookup(mdb_n_space(x), v + (i << pshift));
		mdb_unlink(c);
		mdb_link_child(piece, c);
	}
	mdb_epoch++;
	mdb_split_epoch++;
	return MDB_OK;
}

int mdb_split(struct mdb_node *n, unsigned *cost)
{
	unsigned dummy = 0, level = mdb_n_level(n);
	if (!cost)
		cost = &dummy;
	if (!level)
		return MDB_EINVAL;
	word_t pieces = mdb_level_size(level) >> arch_pt_level_shift(level - 1);
	if (mdb_nodes_avail() < same_level_count(n, level, cost) * (pieces - 1))
		return MDB_ENOMEM;
	/* Post-order over the same-level subtree: a node is split once it has no
	 * child of its level left, so its pieces can take every child. */
	for (;;) {
		struct mdb_node *x = n, *c;
		while ((c = child_at_level(x->child, level, cost)))
			x = c;
		int err = split_one(x, cost);
		if (err || x == n)
			return err;
	}
}

int mdb_pin(struct mdb_space *ms, vaddr_t v, bool pin)
{
	struct mdb_node *n = mdb_lookup(ms, v);
	if (!n)
		return MDB_EINVAL;
	if (pin && (mdb_node_page_of(n)->flags & MDB_PAGE_DRAINING))
		return MDB_EBUSY;
	if (pin && mdb_nodes_reserve_pages)
		return mdb_pin_chain(n);
	mdb_set_pinned(n, pin);
	return MDB_OK;
}

/* Moves n to a free reserve slot: every reference to it (parent or previous
 * sibling, next sibling, children, its PTE's side slot, unfinished unmaps)
 * follows. Nodes describe themselves, so nothing else names n. */
static struct mdb_node *relocate(struct mdb_node *n)
{
	struct mdb_node *m = mdb_node_alloc_reserve();
	assert(m);
	mdb_ref_t rn = mdb_ref(n), rm = mdb_ref(m);
	*m = *n;
	m->w &= ~MDB_W_PINNED;
	if (n->parent) {
		if (n->prev)
			mdb_node(n->prev)->next = rm;
		else
			mdb_node(n->parent)->child = rm;
		if (n->next)
			mdb_node(n->next)->prev = rm;
	}
	for (struct mdb_node *c = mdb_node(n->child); c; c = mdb_node(c->next))
		c->parent = rm;
	arch_pt_set_node(mdb_n_arch_space(n), mdb_n_vaddr(n), rm);
	for (struct mdb_unmap_op *op = mdb_active_ops; op; op = op->next_active) {
		if (op->cur == rn)
			op->cur = rm;
		if (op->top == rn)
			op->top = rm;
	}
	mdb_set_pinned(n, false);
	mdb_link_epoch++;
	n->child = n->parent = n->next = n->prev = 0;
	mdb_node_free(n);
	mdb_epoch++;
	return m;
}

static bool needs_move(const struct mdb_node *n)
{
	return mdb_nodes_reserve_pages && !(mdb_node_page_of(n)->flags & MDB_PAGE_RESERVE);
}

int mdb_pin_chain(struct mdb_node *n)
{
	size_t moves = 0;
	for (struct mdb_node *x = n; x && !mdb_n_pinned(x); x = mdb_node(x->parent)) {
		if (mdb_node_page_of(x)->flags & MDB_PAGE_DRAINING)
			return MDB_EBUSY;
		moves += needs_move(x);
	}
	if (moves > mdb_nodes_free_reserve)
		return MDB_ENOMEM;
	/* Bottom-up; a moved node's parent is found through the moved copy. */
	for (struct mdb_node *x = n; x && !mdb_n_pinned(x); x = mdb_node(x->parent)) {
		if (needs_move(x))
			x = relocate(x);
		mdb_set_pinned(x, true);
	}
	return MDB_OK;
}

/* ---- roots ---- */

int mdb_root_create(paddr_t pa, unsigned level, unsigned rights)
{
	rights &= 7;
	if (!sigma0 || level >= MDB_NLEVELS || !rights || (pa & (mdb_level_size(level) - 1)) ||
	    pa + mdb_level_size(level) > ((word_t)1 << MDB_USER_BITS))
		return MDB_EINVAL;
	struct arch_pt_leaf l;
	unsigned hole;
	for (vaddr_t v = pa; v < pa + mdb_level_size(level);) {
		if (arch_pt_lookup(sigma0->space, v, &l, &hole))
			return MDB_EEXIST;
		v = ALIGN_DOWN(v, (word_t)1 << hole) + ((word_t)1 << hole);
	}
	unsigned attr; /* what sigma0 set here before (mdb_attr_table.c); a mixed range needs smaller roots */
	if (!memattr_uniform(pa, mdb_level_size(level), &attr))
		return MDB_EINVAL;
	struct mdb_node *n = mdb_node_alloc();
	if (!n)
		return MDB_ENOMEM;
	n->w = mdb_w_make(rights, false, level, sigma0->id, pa);
	if (arch_pt_install(sigma0->space, pa, level, pa, rights, mdb_ref(n))) {
		mdb_node_free(n);
		return MDB_ENOMEM;
	}
	if (attr != MEMATTR_DEFAULT)
		arch_pt_set_attr(sigma0->space, pa, attr);
	charge(sigma0, 1);
	mdb_epoch++;
	return MDB_OK;
}

/* ---- map and grant ---- */

static bool ancestor_or_self(const struct mdb_node *a, const struct mdb_node *n)
{
	for (; n; n = mdb_node(n->parent))
		if (n == a)
			return true;
	return false;
}

/* What to do with one chunk (errors are negative MDB_E*). */
enum chunk_result {
	CHUNK_DONE = 1,
	CHUNK_SKIP,
	CHUNK_RETRY,
	CHUNK_MIXED,
	CHUNK_UPGRADE,
	CHUNK_REPLACE,
	CHUNK_FLUSH,
	CHUNK_RESTRICT
};

struct chunk {
	struct mdb_space *from, *to;
	struct mdb_node *src; /* source node, covering the chunk */
	vaddr_t v, dv; /* chunk start in source and destination */
	paddr_t pa; /* physical start */
	unsigned level; /* chunk size is this level's page size */
	unsigned rights; /* rights of the new mapping */
	bool grant;
	bool want_flush; /* mdb_map_step: stop at a replaced mapping with a subtree */
	struct mdb_map_cursor *cur; /* mdb_map_step's cursor, or NULL */
	bool sub; /* classify found a destination mapping with derived ones: */
	vaddr_t sub_base; /* the first such, at sub_base */
	unsigned sub_level; /* of this level */
};

/* Looks at what the destination holds in the chunk's range. Per 4 KiB page the
 * outcome is that of docs/mdb.md "Mapping over a mapping": skip if it already
 * holds the source frame by an ancestor (or the source itself), upgrade if it
 * holds the same frame as a child of the source, replace otherwise. */
static int classify(struct chunk *c)
{
	word_t sz = mdb_level_size(c->level), upg = 0;
	struct arch_pt_leaf l;
	unsigned hole;
	for (vaddr_t w = c->dv; w < c->dv + sz;) {
		if (!arch_pt_lookup(c->to->space, w, &l, &hole)) {
			w = ALIGN_DOWN(w, (word_t)1 << hole) + ((word_t)1 << hole);
			continue;
		}
		struct mdb_node *d = mdb_node(l.node);
		word_t dsz = mdb_level_size(l.level);
		bool coincide = l.paddr + (w - l.base) == c->pa + (w - c->dv);
		if (coincide && dsz >= mdb_n_size(c->src) && ancestor_or_self(d, c->src))
			return CHUNK_SKIP;
		if (dsz > sz) /* only part of d is in the way: split it */
			return mdb_split(d, NULL) ? MDB_ENOMEM : (int)CHUNK_RETRY;
		if (!c->grant && coincide && d->parent == mdb_ref(c->src))
			upg += dsz;
		else if (d->child && !c->sub) /* replaced unless the chunk is mixed */
			c->sub = true, c->sub_base = l.base, c->sub_level = l.level;
		w = l.base + dsz;
	}
	if (upg == sz)
		return CHUNK_UPGRADE;
	return upg ? CHUNK_MIXED : CHUNK_REPLACE;
}

static void for_each_dst(struct chunk *c, bool upgrade)
{
	word_t sz = mdb_level_size(c->level);
	struct arch_pt_leaf l;
	unsigned hole;
	for (vaddr_t w = c->dv; w < c->dv + sz;) {
		if (!arch_pt_lookup(c->to->space, w, &l, &hole)) {
			w = ALIGN_DOWN(w, (word_t)1 << hole) + ((word_t)1 << hole);
			continue;
		}
		struct mdb_node *d = mdb_node(l.node);
		w = l.base + mdb_level_size(l.level);
		if (upgrade) {
			unsigned r = mdb_n_rights(d) | c->rights;
			/* The child keeps its place in the list (an unfinished unmap
			 * relies on stable positions); c->rights has no rights an
			 * unfinished op is taking from the source (N9). A finished
			 * restriction is undone by a gain: mdb_link_epoch. */
			if (r != mdb_n_rights(d))
				mdb_link_epoch++;
			mdb_n_set_rights(d, r);
			arch_pt_set_rights(c->to->space, l.base, r);
		} else {
			mdb_subtree_remove(d, true);
		}
	}
	mdb_epoch++;
}

static int map_chunk(struct chunk *c)
{
	int k = classify(c);
	bool moves = c->grant && c->src->parent; /* a grant moves the node; else a child is made */
	if ((k == CHUNK_UPGRADE || k == CHUNK_REPLACE) && !moves && unlikely(mdb_n_hint(c->src) & c->rights))
		c->rights &= ~mdb_entered_rights(c->src); /* an unfinished op takes these from src: N9 */
	if (k == CHUNK_UPGRADE) {
		for_each_dst(c, true);
		return CHUNK_UPGRADE; /* done; the mappings keep their memory attributes */
	}
	if (k != CHUNK_REPLACE)
		return k;
	if (c->want_flush && c->sub)
		return CHUNK_FLUSH; /* nothing changed yet: the caller flushes it in steps first */
	struct mdb_node *s = c->src;
	bool restrict_ = c->grant && s->parent && c->rights != mdb_n_rights(s) && s->child;
	if (unlikely(restrict_ && c->cur)) {
		if (c->cur->restricted != mdb_ref(s) || c->cur->mask != c->rights ||
		    c->cur->restricted_epoch != mdb_link_epoch)
			return CHUNK_RESTRICT; /* nothing changed yet: the caller restricts in steps first */
		restrict_ = false; /* done by the caller, and nothing was derived since */
	}
	for_each_dst(c, false);
	if (!moves && !c->rights) {
		mdb_epoch++; /* the op in progress would remove the new mapping at once: it replaces only */
		return CHUNK_DONE;
	}
	if (moves) { /* the receiver's node takes the sender's place */
		assert(mdb_n_level(s) == c->level);
		if (arch_pt_install(c->to->space, c->dv, c->level, c->pa, c->rights, mdb_ref(s)))
			return MDB_ENOMEM;
		arch_pt_remove(c->from->space, c->v);
		s->w = mdb_w_make(c->rights, mdb_n_pinned(s), c->level, c->to->id, c->dv) | (s->w & MDB_W_HINT_MASK);
		int64_t kids = 0; /* s's children were made by the granter; now by the receiver */
		for (struct mdb_node *kid = mdb_node(s->child); kid; kid = mdb_node(kid->next))
			kids++;
		charge(c->from, -kids);
		charge(c->to, kids);
		if (restrict_) /* mdb_map: in one go (O(subtree)) */
			mdb_subtree_restrict(s, c->rights);
		if (c->to->flags & MDB_SPACE_PIN)
			mdb_pin_chain(s); /* best effort: the reserve may be full */
	} else {
		if (c->from->quota && c->from->charged >= c->from->quota)
			return MDB_EQUOTA;
		struct mdb_node *n = mdb_node_alloc();
		if (!n)
			return MDB_ENOMEM;
		n->w = mdb_w_make(c->rights, false, c->level, c->to->id, c->dv);
		if (arch_pt_install(c->to->space, c->dv, c->level, c->pa, c->rights, mdb_ref(n))) {
			mdb_node_free(n);
			return MDB_ENOMEM;
		}
		mdb_link_child(s, n);
		charge(c->from, 1);
		if ((c->to->flags & MDB_SPACE_PIN) && mdb_pin_chain(n)) {
			mdb_subtree_remove(n, true); /* a pinned space takes only what can be pinned */
			return MDB_ENOMEM;
		}
	}
	mdb_epoch++;
	return CHUNK_DONE;
}

int mdb_map(struct mdb_space *from, vaddr_t snd_base, unsigned snd_shift, unsigned rights, vaddr_t hot_spot,
	    struct mdb_space *to, vaddr_t rcv_base, unsigned rcv_shift, bool grant)
{
	return mdb_map_step(from, snd_base, snd_shift, rights, hot_spot, to, rcv_base, rcv_shift, grant, NULL);
}

int mdb_map_step(struct mdb_space *from, vaddr_t snd_base, unsigned snd_shift, unsigned rights, vaddr_t hot_spot,
		 struct mdb_space *to, vaddr_t rcv_base, unsigned rcv_shift, bool grant, struct mdb_map_cursor *cur)
{
	struct mdb_xfer x;
	rights &= 7;
	if (!rights || !mdb_window(snd_base, snd_shift, hot_spot, rcv_base, rcv_shift, &x))
		return MDB_OK;
	vaddr_t v = x.src, end = x.src + ((word_t)1 << x.shift);
	if (cur && cur->v > v && cur->v < end)
		v = cur->v; /* the chunks before are done */
	vaddr_t no_chunk_before[MDB_NLEVELS] = {0}; /* set by mixed destinations */
	struct arch_pt_leaf l;
	unsigned hole;
	while (v < end) {
		if (!arch_pt_lookup(from->space, v, &l, &hole)) { /* not mapped: nothing to send */
			v = ALIGN_DOWN(v, (word_t)1 << hole) + ((word_t)1 << hole);
			continue;
		}
		struct chunk c = {
		    from, to, mdb_node(l.node), v, x.dst + (v - x.src), 0, 0, 0, grant, cur != NULL, cur, false, 0, 0};
		word_t m = (l.base + mdb_level_size(l.level) < end ? l.base + mdb_level_size(l.level) : end) - v;
		unsigned lv = l.level;
		while (lv && (mdb_level_size(lv) > m || (v & (mdb_level_size(lv) - 1)) || v < no_chunk_before[lv]))
			lv--;
		c.level = lv;
		c.pa = l.paddr + (v - l.base);
		c.rights = mdb_n_rights(c.src) & rights;
		word_t sz = mdb_level_size(lv);
		if (!c.rights) {
			v += sz;
			continue;
		}
		if (grant && c.src->parent && l.level > lv) { /* grant a part: split the source */
			if (mdb_split(c.src, NULL))
				return MDB_ENOMEM;
			continue;
		}
		int r = map_chunk(&c);
		if (r < 0)
			return r;
		unsigned attr = arch_pt_leaf_attr(&l);
		if (r == CHUNK_DONE && attr != MEMATTR_DEFAULT) /* the new mapping has its source's (memattr.h) */
			arch_pt_set_attr(to->space, c.dv, attr);
		if (r == CHUNK_RETRY)
			continue;
		if (r == CHUNK_FLUSH) {
			cur->v = v;
			cur->base = c.sub_base;
			cur->shift = arch_pt_level_shift(c.sub_level);
			return MDB_FLUSH;
		}
		if (r == CHUNK_RESTRICT) {
			cur->v = v;
			cur->base = l.base;
			cur->shift = arch_pt_level_shift(l.level);
			cur->mask = c.rights;
			cur->restricted = mdb_ref(c.src);
			cur->restricted_epoch = 0;
			return MDB_RESTRICT;
		}
		if (r == CHUNK_MIXED) {
			for (unsigned k = lv; k < MDB_NLEVELS; k++)
				no_chunk_before[k] = v + sz;
			continue;
		}
		v += sz;
	}
	return MDB_OK;
}

void mdb_map_restricted(struct mdb_map_cursor *cur, uint64_t link_epoch) { cur->restricted_epoch = link_epoch; }
