/* SPDX-License-Identifier: MIT */
/* Kernel debugger: derivation trees of a frame, for people (`tree`) and for tools/mdb-picture (`dump`). */
#include <kern/space.h>
#include <kern/mdb.h>
#include <kern/mdb_nodes.h>
#include <kern/memattr.h>
#include <kern/printk.h>
#include <arch/layout.h>
#include <arch/physmem.h>
#include "kdb_impl.h"

/*
 * Both commands walk the same nodes: the sigma0 root of the frame and, in
 * pre-order, every node below it whose physical range covers the frame (a 2 MiB
 * root may have hundreds of 4 KiB children, of which only the frame's matter).
 * The walk uses only the tree links and stops after KDB_WALK_STEPS, so a
 * corrupt tree costs time, never the debugger.
 *
 * The dump format is documented in docs/kernel.md ("Dumps of derivation
 * trees"); tools/mdb-picture parses it, so change both together.
 */

#define KDB_TREE_LINES 128
#define KDB_DUMP_LINES 512
#define KDB_DUMP_SPACES 64

static word_t tree_pa;
static unsigned tree_lines;

static bool node_covers(const struct mdb_node *n, paddr_t pa)
{
	struct mdb_node_info i;
	return mdb_node_info(n, &i) && pa >= i.paddr && pa - i.paddr < ((word_t)1 << arch_pt_level_shift(i.level));
}

/* The first node of the sibling list from `first` on that covers tree_pa. */
static struct mdb_node *next_covering(struct mdb_node *first, unsigned *steps)
{
	for (struct mdb_node *c = first; c && *steps < KDB_WALK_STEPS; c = mdb_node(c->next), ++*steps)
		if (node_covers(c, tree_pa))
			return c;
	return NULL;
}

/* The sigma0 root whose range holds pa, or NULL. */
static struct mdb_node *tree_root(word_t pa)
{
	struct mdb_space *s0 = mdb_sigma0();
	struct mdb_node *root = s0 && pa < USER_TOP ? mdb_lookup(s0, pa) : NULL;
	for (unsigned up = 0; root && root->parent && up < 1000; up++)
		root = mdb_parent(root); /* sigma0 holds roots only; be safe anyway */
	return root;
}

/* Visits root and every node below it covering tree_pa in pre-order with its
 * depth; false if the walk ran out of steps. */
static bool tree_walk(struct mdb_node *root, void (*visit)(const struct mdb_node *n, unsigned depth))
{
	unsigned steps = 0, depth = 0;
	struct mdb_node *x = root, *c;
	visit(x, 0);
	while (steps++ < KDB_WALK_STEPS) {
		if ((c = next_covering(mdb_node(x->child), &steps))) {
			x = c;
			visit(x, ++depth);
			continue;
		}
		for (;;) {
			if (x == root || !depth)
				return true;
			struct mdb_node *p = mdb_parent(x);
			if ((c = next_covering(mdb_node(x->next), &steps))) {
				x = c;
				visit(x, depth);
				break;
			}
			x = p;
			depth--;
		}
	}
	printk("... walk stopped after %u steps\n", steps);
	return false;
}

/* ---- tree: indented, for people ---- */

static void tree_line(const struct mdb_node *n, unsigned depth)
{
	struct mdb_node_info i;
	char r[4], owner[48];
	if (tree_lines++ >= KDB_TREE_LINES || !mdb_node_info(n, &i))
		return;
	struct mdb_node_page *pg = mdb_node_page_of(n);
	for (unsigned k = 0; k < depth && k < 32; k++)
		printk("  ");
	struct arch_pt_leaf l;
	unsigned hole;
	bool typed =
	    i.ms && arch_pt_lookup(i.ms->space, i.vaddr, &l, &hole) && arch_pt_leaf_attr(&l) != MEMATTR_DEFAULT;
	printk("depth %u: s%u (%s) va %#llx %s pa %#llx %s%s%s%s node %p on node page %p slot %u (%s, pa %#llx)\n",
	       depth, i.ms ? i.ms->id : 0, i.ms ? kdb_space_owner(i.ms->space, owner, sizeof owner) : "?",
	       (unsigned long long)i.vaddr, kdb_size_str(i.level), (unsigned long long)i.paddr,
	       kdb_rights_str(i.rights, r), typed ? " attr " : "",
	       typed ? arch_mem_attr_name(arch_pt_leaf_attr(&l)) : "", i.pinned ? " pinned" : "", (const void *)n,
	       (void *)pg, (unsigned)(((const char *)n - (const char *)pg - MDB_NODE_PAGE_HDR) / MDB_NODE_SIZE),
	       kdb_node_page_kind(pg), (unsigned long long)virt_to_phys(pg));
}

void kdb_cmd_tree(void)
{
	word_t pa;
	if (kdb_argc != 2 || !kdb_parse_num(kdb_argv[1], 16, &pa) || pa >= SIGMA0_PHYS_LIMIT) {
		printk("usage: tree <paddr>  (hex physical address below %#llx)\n",
		       (unsigned long long)SIGMA0_PHYS_LIMIT);
		return;
	}
	struct mdb_node *root = tree_root(pa);
	if (!root) {
		printk("tree %#llx: no mapping-database root (sigma0 has not mapped this frame)\n",
		       (unsigned long long)pa);
		return;
	}
	tree_pa = pa;
	tree_lines = 0;
	printk("derivation tree of frame %#llx (who mapped it to whom):\n", (unsigned long long)pa);
	tree_walk(root, tree_line);
	if (tree_lines > KDB_TREE_LINES)
		printk("... %u more nodes not shown\n", tree_lines - KDB_TREE_LINES);
	printk("%u mappings of frame %#llx\n", tree_lines, (unsigned long long)pa);
}

/* ---- dump: one line per mapping, for tools/mdb-picture ---- */

static unsigned dump_nodes;
static uint32_t dump_space_ids[KDB_DUMP_SPACES];
static unsigned dump_nspaces;

static void dump_note_space(uint32_t id)
{
	for (unsigned k = 0; k < dump_nspaces; k++)
		if (dump_space_ids[k] == id)
			return;
	if (dump_nspaces < KDB_DUMP_SPACES)
		dump_space_ids[dump_nspaces++] = id;
}

/* Node ids are mdb references (hex): unique, stable while the node lives, and
 * what gdb's mnemo-tree prints too, so a dump and a gdb session name the same node. */
static void dump_line(const struct mdb_node *n, unsigned depth)
{
	struct mdb_node_info i;
	char r[4];
	if (dump_nodes++ >= KDB_DUMP_LINES)
		return;
	if (!mdb_node_info(n, &i)) {
		printk("# node %p: not a live mapping\n", (const void *)n);
		return;
	}
	uint32_t sid = i.ms ? i.ms->id : 0;
	dump_note_space(sid);
	printk("map %x parent=", (unsigned)mdb_ref(n));
	if (depth)
		printk("%x", (unsigned)n->parent);
	else
		printk("-");
	/* kpage/kmem: the node page holding this node and whether the kmem pager
	 * lent it (it may take it back: the mapping would be evicted) or it is the
	 * kernel's reserve (where every pinned node lives). */
	const struct mdb_node_page *pg = mdb_node_page_of(n);
	printk(" space=s%u vaddr=%#llx paddr=%#llx size=%#llx rights=%s depth=%u kpage=%#llx kmem=%s%s\n", sid,
	       (unsigned long long)i.vaddr, (unsigned long long)i.paddr,
	       (unsigned long long)((word_t)1 << arch_pt_level_shift(i.level)), kdb_rights_str(i.rights, r), depth,
	       (unsigned long long)virt_to_phys(pg), kdb_node_page_kind(pg), i.pinned ? " pinned" : "");
}

/* `dump <space> <vaddr>`: the mapping asked for, named in a comment line, so
 * that a test that knows a space by its thread can find its sN in the dump. */
static uint32_t asked_space = MDB_NO_SPACE_ID;
static word_t asked_vaddr;

/* The frame named by `dump`'s arguments: <paddr>, or <space> <vaddr> (the frame
 * mapped there); false after printing why not. */
static bool dump_frame(word_t *pa)
{
	if (kdb_argc == 2)
		return kdb_parse_num(kdb_argv[1], 16, pa) && *pa < SIGMA0_PHYS_LIMIT;
	word_t v;
	struct space *s = kdb_argc == 3 ? kdb_parse_space(kdb_argv[1]) : NULL;
	if (!s || !kdb_parse_num(kdb_argv[2], 16, &v) || v >= USER_TOP)
		return false;
	struct arch_pt_leaf l;
	unsigned hole;
	if (!arch_pt_lookup(s, v, &l, &hole)) {
		printk("dump: nothing of the mapping database is mapped at %#llx in s%u\n", (unsigned long long)v,
		       s->mdb.id);
		*pa = ~(word_t)0;
		return true;
	}
	*pa = l.paddr + (v - l.base);
	asked_space = s->mdb.id, asked_vaddr = v;
	return true;
}

void kdb_cmd_dump(void)
{
	word_t pa;
	asked_space = MDB_NO_SPACE_ID;
	if ((kdb_argc != 2 && kdb_argc != 3) || !dump_frame(&pa)) {
		printk("usage: dump <paddr> | dump <sN | thread no[.ver]> <vaddr>  (hex; paddr below %#llx)\n",
		       (unsigned long long)SIGMA0_PHYS_LIMIT);
		return;
	}
	if (pa == ~(word_t)0)
		return;
	struct mdb_node *root = tree_root(pa);
	if (!root) {
		printk("dump %#llx: no mapping-database root (sigma0 has not mapped this frame)\n",
		       (unsigned long long)pa);
		return;
	}
	tree_pa = pa;
	dump_nodes = dump_nspaces = 0;
	printk("--- mdb-dump begin frame=%#llx ---\n", (unsigned long long)pa);
	if (asked_space != MDB_NO_SPACE_ID)
		printk("# asked: %s space=s%u vaddr=%#llx\n", kdb_argv[1], asked_space,
		       (unsigned long long)asked_vaddr);
	tree_walk(root, dump_line);
	char owner[48];
	for (unsigned k = 0; k < dump_nspaces; k++) {
		struct mdb_space *ms = mdb_space_by_id(dump_space_ids[k]);
		printk("space s%u label=%s\n", dump_space_ids[k],
		       ms && ms->space ? kdb_space_owner(ms->space, owner, sizeof owner) : "?");
	}
	printk("--- mdb-dump end frame=%#llx mappings=%u shown=%u ---\n", (unsigned long long)pa, dump_nodes,
	       dump_nodes < KDB_DUMP_LINES ? dump_nodes : KDB_DUMP_LINES);
}
