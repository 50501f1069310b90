/* SPDX-License-Identifier: MIT */
/* Mapping database: the invariant checker, text dumps, a tiny formatter for both. */
#include <kern/mdb_impl.h>
#include <kern/string.h>

/* ---- formatter: %s %c %d %u %x with l/ll/z modifiers; nothing else ---- */

static void out_c(struct mdb_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_num(struct mdb_out *o, unsigned long long v, unsigned base)
{
	char tmp[24];
	int i = 0;
	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		out_c(o, tmp[--i]);
}

void mdb_voutf(struct mdb_out *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out_c(o, *fmt);
			continue;
		}
		int lng = 0;
		for (fmt++; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng += *fmt == 'z' ? 2 : 1;
		unsigned long long v;
		switch (*fmt) {
		case 's':
			for (const char *s = va_arg(ap, const char *); *s; s++)
				out_c(o, *s);
			continue;
		case 'c': out_c(o, (char)va_arg(ap, int)); continue;
		case 'd': {
			long long sv = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
			if (sv < 0) {
				out_c(o, '-');
				sv = -sv;
			}
			out_num(o, (unsigned long long)sv, 10);
			continue;
		}
		case 'u':
		case 'x':
			v = lng >= 2 ? va_arg(ap, unsigned long long)
			    : lng    ? va_arg(ap, unsigned long)
				     : va_arg(ap, unsigned);
			out_num(o, v, *fmt == 'u' ? 10 : 16);
			continue;
		case '%': out_c(o, '%'); continue;
		default:
			out_c(o, '?');
			if (!*fmt)
				fmt--;
		}
	}
	if (o->size)
		o->buf[o->len < o->size ? o->len : o->size - 1] = 0;
}

void mdb_outf(struct mdb_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mdb_voutf(o, fmt, ap);
	va_end(ap);
}

int mdb_fail(struct mdb_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mdb_voutf(o, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- invariant checker ---- */

#define NODE_FMT "node s%u:0x%llx"
#define NODE_ARGS(n) mdb_n_space_id(n), (unsigned long long)mdb_n_vaddr(n)

/* N1, N2, N4-N6 for one live node, plus N3 for its child list. */
static int check_node(struct mdb_node *n, size_t live, size_t *children, struct mdb_out *o)
{
	struct mdb_space *ms = mdb_n_space(n);
	if (!ms || ms->id != mdb_n_space_id(n) || ms->space == NULL)
		return mdb_fail(o, NODE_FMT ": unregistered space", NODE_ARGS(n));
	vaddr_t v = mdb_n_vaddr(n);
	unsigned level = mdb_n_level(n);
	if (level >= MDB_NLEVELS || (v & (mdb_level_size(level) - 1)) ||
	    v + mdb_level_size(level) > ((word_t)1 << MDB_USER_BITS))
		return mdb_fail(o, NODE_FMT ": bad level %u or alignment", NODE_ARGS(n), level);
	struct arch_pt_leaf l;
	unsigned hole;
	if (!arch_pt_lookup(ms->space, v, &l, &hole) || l.base != v || l.level != level ||
	    l.rights != mdb_n_rights(n) || l.node != mdb_ref(n))
		return mdb_fail(o, NODE_FMT ": PTE disagrees", NODE_ARGS(n));
	struct mdb_node *p = mdb_node(n->parent);
	if (!p) {
		if (ms != mdb_sigma0() || l.paddr != v || n->next || n->prev)
			return mdb_fail(o, NODE_FMT ": bad root", NODE_ARGS(n));
	} else {
		if (!mdb_node_live(p))
			return mdb_fail(o, NODE_FMT ": dead parent", NODE_ARGS(n));
		if (mdb_n_rights(n) & ~mdb_n_rights(p))
			return mdb_fail(o, NODE_FMT ": more rights than its parent", NODE_ARGS(n));
		paddr_t pp = mdb_n_paddr(p);
		if (level > mdb_n_level(p) || l.paddr < pp || l.paddr + mdb_level_size(level) > pp + mdb_n_size(p))
			return mdb_fail(o, NODE_FMT ": not inside its parent", NODE_ARGS(n));
	}
	mdb_ref_t prev = 0;
	size_t k = 0;
	for (struct mdb_node *c = mdb_node(n->child); c; c = mdb_node(c->next)) {
		if (++k > live || !mdb_node_live(c) || c->parent != mdb_ref(n) || c->prev != prev)
			return mdb_fail(o, NODE_FMT ": child list broken", NODE_ARGS(n));
		prev = mdb_ref(c);
	}
	*children += k;
	return 0;
}

/* Counts the nodes reachable from root (pre-order through the links). */
static size_t tree_size(struct mdb_node *root, size_t limit)
{
	size_t count = 0;
	struct mdb_node *x = root;
	for (;;) {
		if (++count > limit)
			return count;
		if (x->child) {
			x = mdb_node(x->child);
			continue;
		}
		while (x != root && !x->next)
			x = mdb_node(x->parent);
		if (x == root)
			return count;
		x = mdb_node(x->next);
	}
}

/* Charges (kern/mdb.h, struct mdb_space) and chained pins (P6): recounted. */
static int check_charges(struct mdb_out *o)
{
	static uint64_t count[CONFIG_MDB_MAX_SPACES];
	memset(count, 0, sizeof count);
	for (struct mdb_node_page *p = mdb_nodes_first(); p; p = mdb_nodes_next(p)) {
		for (unsigned i = 0; i < MDB_NODES_PER_PAGE; i++) {
			struct mdb_node *n = mdb_page_slot(p, i);
			if (!mdb_node_live(n))
				continue;
			struct mdb_space *c = mdb_charger(n);
			if (c)
				count[c->id]++;
			if (mdb_nodes_reserve_pages && mdb_n_pinned(n) && n->parent &&
			    !mdb_n_pinned(mdb_node(n->parent)))
				return mdb_fail(o, "pinned node s%u 0x%llx under an unpinned parent", mdb_n_space_id(n),
						(unsigned long long)mdb_n_vaddr(n));
		}
	}
	for (uint32_t id = 0; id < CONFIG_MDB_MAX_SPACES; id++) {
		struct mdb_space *ms = mdb_space_by_id(id);
		if (ms && ms->charged != count[id])
			return mdb_fail(o, "space %u charged %llu, makes %llu nodes", id,
					(unsigned long long)ms->charged, (unsigned long long)count[id]);
	}
	return 0;
}

/* N9: every unfinished op in a tree (no foreign split since its last step) has
 * its rights in the hint of each node on its path that it reduces. */
static int check_paths(struct mdb_out *o)
{
	for (const struct mdb_unmap_op *op = mdb_active_ops; op; op = op->next_active) {
		if (!op->in_tree || op->split_epoch != mdb_split_epoch)
			continue;
		for (const struct mdb_node *y = mdb_node(op->cur);; y = mdb_node(y->parent)) {
			bool top = mdb_ref(y) == op->top;
			if (!mdb_node_live(y))
				return mdb_fail(o, "an unfinished op's path leads to a free node");
			if ((!top || op->flush || op->restrict_) && (op->rights & ~mdb_n_hint(y)))
				return mdb_fail(o, NODE_FMT ": on an op's path, hint %u lacks %u", NODE_ARGS(y),
						mdb_n_hint(y), op->rights);
			if (top)
				break;
			if (!y->parent)
				return mdb_fail(o, "an unfinished op's cursor is not below its top");
		}
	}
	return 0;
}

int mdb_check(char *err, size_t errlen)
{
	struct mdb_out o = {err, errlen, 0};
	if (errlen)
		err[0] = 0;
	if (mdb_nodes_check(err, errlen))
		return -1;
	size_t live = 0, roots = 0, children = 0, reached = 0;
	for (struct mdb_node_page *p = mdb_nodes_first(); p; p = mdb_nodes_next(p))
		live += p->used;
	for (struct mdb_node_page *p = mdb_nodes_first(); p; p = mdb_nodes_next(p)) {
		for (unsigned i = 0; i < MDB_NODES_PER_PAGE; i++) {
			struct mdb_node *n = mdb_page_slot(p, i);
			if (!mdb_node_live(n))
				continue;
			if (check_node(n, live, &children, &o))
				return -1;
			if (!n->parent) {
				roots++;
				reached += tree_size(n, live);
			}
		}
	}
	if (roots + children != live || reached != live)
		return mdb_fail(&o, "%zu live nodes, %zu roots + %zu children, %zu reachable", live, roots, children,
				reached);
	if (check_paths(&o))
		return -1;
	return check_charges(&o);
}

/* ---- dump ---- */

/* The child of p after (id, v) in (space id, vaddr) order; NULL if none. */
static struct mdb_node *child_after(struct mdb_node *p, uint32_t id, vaddr_t v, bool first)
{
	struct mdb_node *best = NULL;
	for (struct mdb_node *c = mdb_node(p->child); c; c = mdb_node(c->next)) {
		uint32_t ci = mdb_n_space_id(c);
		vaddr_t cv = mdb_n_vaddr(c);
		if (!first && (ci < id || (ci == id && cv <= v)))
			continue;
		if (!best || ci < mdb_n_space_id(best) || (ci == mdb_n_space_id(best) && cv < mdb_n_vaddr(best)))
			best = c;
	}
	return best;
}

static void dump_node(struct mdb_out *o, struct mdb_node *n, unsigned depth)
{
	static const char *const size_names[] = {"4K", "8K", "16K", "32K", "64K", "128K", "256K", "512K", "1M", "2M",
						 "4M", "8M", "16M", "32M", "64M", "128M", "256M", "512M", "1G"};
	unsigned r = mdb_n_rights(n), sh = arch_pt_level_shift(mdb_n_level(n)) - 12;
	for (unsigned i = 0; i < depth; i++)
		mdb_outf(o, "  ");
	mdb_outf(o, "s%u 0x%llx %s %c%c%c pa=0x%llx%s\n", mdb_n_space_id(n), (unsigned long long)mdb_n_vaddr(n),
		 sh < ARRAY_SIZE(size_names) ? size_names[sh] : "?", r & 4 ? 'r' : '-', r & 2 ? 'w' : '-',
		 r & 1 ? 'x' : '-', (unsigned long long)mdb_n_paddr(n), mdb_n_pinned(n) ? " pinned" : "");
}

static void dump_tree(struct mdb_out *o, struct mdb_node *root)
{
	struct mdb_node *x = root, *c;
	unsigned depth = 0;
	dump_node(o, x, 0);
	for (;;) {
		if ((c = child_after(x, 0, 0, true))) {
			x = c;
			dump_node(o, x, ++depth);
			continue;
		}
		for (;;) {
			if (x == root)
				return;
			struct mdb_node *p = mdb_node(x->parent);
			if ((c = child_after(p, mdb_n_space_id(x), mdb_n_vaddr(x), false))) {
				x = c;
				dump_node(o, x, depth);
				break;
			}
			x = p;
			depth--;
		}
	}
}

size_t mdb_dump(char *buf, size_t size)
{
	struct mdb_out o = {buf, size, 0};
	if (size)
		buf[0] = 0;
	/* roots in physical address order (O(roots^2): a debugging aid) */
	struct mdb_node *last = NULL;
	for (;;) {
		struct mdb_node *best = NULL;
		for (struct mdb_node_page *p = mdb_nodes_first(); p; p = mdb_nodes_next(p))
			for (unsigned i = 0; i < MDB_NODES_PER_PAGE; i++) {
				struct mdb_node *n = mdb_page_slot(p, i);
				if (!mdb_node_live(n) || n->parent)
					continue;
				if (last && mdb_n_vaddr(n) <= mdb_n_vaddr(last))
					continue;
				if (!best || mdb_n_vaddr(n) < mdb_n_vaddr(best))
					best = n;
			}
		if (!best)
			break;
		dump_tree(&o, best);
		last = best;
	}
	return o.len;
}
