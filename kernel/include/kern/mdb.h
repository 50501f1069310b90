/* SPDX-License-Identifier: MIT */
/* The mapping database: derivation trees of all mappings (map, grant, unmap). */
#ifndef KERN_MDB_H
#define KERN_MDB_H

#include <kern/types.h>
#include <kern/mdb_arch.h>

/*
 * Design in docs/mdb.md. Summary:
 *
 * Every present leaf PTE of every address space has exactly one struct mdb_node,
 * and every live node has exactly one PTE (the arch layer keeps the node's
 * mdb_ref_t beside the PTE, so (space, vaddr) -> node is O(1) after the walk).
 * The roots are sigma0's idempotent mappings (vaddr == paddr). A child is derived
 * from its parent by map (or took a granted node's place).
 *
 * Rights: X.2 bits r=4, w=2, x=1 (L4_READABLE ...). Levels: 0..MDB_NLEVELS-1 are
 * the leaf sizes the arch supports (x86-64: 4 KiB, 2 MiB, 1 GiB).
 */

/*
 * struct mdb_node: 24 bytes (static_assert in mdb_nodes.c).
 *
 * Invariants (checked by mdb_check()):
 *  N1  live <=> rights != 0; a free slot has w == 0 (next links the free list).
 *  N2  parent == 0 <=> root; a root is in the sigma0 space with vaddr == paddr.
 *  N3  child/next/prev form a doubly linked sibling list per parent: for c in
 *      the list of p, c.parent == p; c.prev == 0 <=> p.child == c. Roots have
 *      next == prev == 0. Every live node is reachable from exactly one root.
 *  N4  rights(child) is a subset of rights(parent) (monotone down the tree).
 *  N5  level(child) <= level(parent) and the child's physical range lies inside
 *      the parent's (a child may be a part of a superpage parent).
 *  N6  the PTE at (space, vaddr) is a leaf of size level with the node's rights
 *      and points back to this node; vaddr is aligned to the level's size.
 *  N7  no two nodes of one space overlap (follows from N6: one PTE per address).
 *  N8  pinned nodes are counted in their page header (kern/mdb_nodes.h).
 *  N9  the entered hint (3 bits, MDB_W_HINT_*): for every unfinished unmap or
 *      restriction that is in a tree (and saw no foreign split since its last
 *      step), every node on its path from the cursor up to its top (the top
 *      only if it loses rights: flush, restriction) has all the op's rights in
 *      its hint. Extra bits are allowed (stale: left by a finished or aborted
 *      op); they only send a map down the exact path (mdb_entered_rights),
 *      which clears them. docs/mdb.md "Preemption".
 */
struct mdb_node {
	mdb_ref_t parent; /* 0 for a root */
	mdb_ref_t child; /* first child, 0 for a leaf */
	mdb_ref_t next; /* next sibling (free list link when free) */
	mdb_ref_t prev; /* previous sibling */
	uint64_t w; /* packed: see MDB_W_* below */
};

/* Layout of mdb_node.w: rights 3 | pinned 1 | level 2 | space id 19 | entered hint 3 | vpn 36. */
#define MDB_W_RIGHTS_MASK 0x7ull
#define MDB_W_PINNED (1ull << 3)
#define MDB_W_LEVEL_SHIFT 4
#define MDB_W_SPACE_SHIFT 6
#define MDB_W_SPACE_BITS 19
#define MDB_W_HINT_SHIFT 25 /* N9: rights an unfinished op will take from this node */
#define MDB_W_HINT_MASK (7ull << MDB_W_HINT_SHIFT)
#define MDB_W_VPN_SHIFT 28
#define MDB_VA_LIMIT_BITS 48 /* vaddr < 2^48 fits the 36-bit vpn */

/* User address space size the mdb works on (X.2 user space on amd64: 2^47). */
#define MDB_USER_BITS 47

/* The mdb's part of a struct space: embedded by the space (kern/space.h may hold
 * one as a member), or allocated beside it. id indexes the mdb space table.
 *
 * Charges: every live node is charged to the space that made it, i.e. the
 * space of its parent (roots: sigma0's). Invariant (mdb_check): `charged` ==
 * the number of live nodes whose parent lies in this space (plus the roots for
 * sigma0). A map that would make a new node while charged >= quota (quota != 0)
 * fails with MDB_EQUOTA; splits of existing mappings are charged but never
 * refused (an unmap must not fail for want of quota). */
struct mdb_space {
	struct space *space; /* passed to the arch_pt_* hooks */
	uint32_t id; /* < CONFIG_MDB_MAX_SPACES while registered */
	uint32_t flags; /* MDB_SPACE_* */
	uint64_t charged, quota; /* nodes made by this space; 0: no quota */
	vaddr_t clock; /* mdb_reclaim's hand in this space */
};
#define MDB_SPACE_PIN 1u /* every mapping in this space is pinned (mdb_pin_chain) */
#define MDB_SPACE_NOTIFY 2u /* removing a mapping of this space calls mdb_removed_hook */
#define MDB_NO_SPACE_ID 0xffffffffu

#define CONFIG_MDB_MAX_SPACES 4096
_Static_assert(CONFIG_MDB_MAX_SPACES <= (1u << MDB_W_SPACE_BITS), "space ids fit the node word");
_Static_assert(MDB_W_SPACE_SHIFT + MDB_W_SPACE_BITS <= MDB_W_HINT_SHIFT && MDB_W_HINT_SHIFT + 3 <= MDB_W_VPN_SHIFT,
	       "node word fields do not overlap");

/* Error codes (negative). */
#define MDB_OK 0
#define MDB_ENOMEM (-1) /* node (or page-table) memory exhausted */
#define MDB_EBUSY (-2) /* page holds pinned nodes */
#define MDB_EINVAL (-3) /* bad argument */
#define MDB_EEXIST (-4) /* something is mapped there already */
#define MDB_EQUOTA (-5) /* the mapping space's quota is used up */
#define MDB_MORE 1 /* a step function has more work */
#define MDB_FLUSH 2 /* mdb_map_step: flush the destination mapping it names, then call again */
#define MDB_RESTRICT 3 /* mdb_map_step: restrict the granted source's subtree, then call again */

/* Resets the database (space table, statistics); nodes via mdb_nodes_init. */
void mdb_init(void);
/* Registers a space; MDB_ENOMEM when the space table is full. */
int mdb_space_register(struct mdb_space *ms, struct space *s);
/* Unregisters a space that holds no mappings (after mdb_space_delete). */
void mdb_space_unregister(struct mdb_space *ms);
/* The distinguished space owning the roots (sigma0). */
void mdb_set_sigma0(struct mdb_space *ms);
struct mdb_space *mdb_sigma0(void);
struct mdb_space *mdb_space_by_id(uint32_t id);

/* Creates sigma0's idempotent root mapping of [paddr, paddr + 2^shift(level)).
 * MDB_EEXIST if sigma0 has anything mapped there, MDB_ENOMEM, MDB_EINVAL. */
int mdb_root_create(paddr_t paddr, unsigned level, unsigned rights);

/* Send/receive window arithmetic of X.2 map/grant (pure; see mdb_window.c). */
struct mdb_xfer {
	vaddr_t src; /* start in the sender's space */
	vaddr_t dst; /* start in the receiver's space */
	unsigned shift; /* log2 of the transferred size */
};
/* Returns false if nothing is transferred (nil or too small fpage/window). */
bool mdb_window(vaddr_t snd_base, unsigned snd_shift, vaddr_t hot_spot, vaddr_t rcv_base, unsigned rcv_shift,
		struct mdb_xfer *out);

/* Maps (or grants) the send fpage (snd_base, snd_shift) with rights mask `rights`
 * from `from` into the receive window of `to`, hot spot as in the map item.
 * Maps what is mapped; replaces what was in the way (see docs/mdb.md).
 * Returns MDB_OK or MDB_ENOMEM (the parts done so far stay; the db is well-formed). */
int mdb_map(struct mdb_space *from, vaddr_t snd_base, unsigned snd_shift, unsigned rights, vaddr_t hot_spot,
	    struct mdb_space *to, vaddr_t rcv_base, unsigned rcv_shift, bool grant);

/*
 * The map in bounded pieces (docs/mdb.md "Costs"): mdb_map removes each
 * destination mapping it replaces together with its subtree in one go. With a
 * cursor (zeroed before the first call), mdb_map_step instead stops before the
 * first chunk that would replace a mapping with derived mappings and returns
 * MDB_FLUSH naming it: [base, base + 2^shift) of `to`; nothing of that chunk is
 * done yet. The caller removes it by a preemptible flush (mdb_unmap_begin/step,
 * all rights) and calls again with the same arguments and cursor, which resumes
 * at that chunk (those before are done; map is idempotent anyway). So what
 * mdb_map itself replaces are leaves. Only mappings the map replaces are named:
 * skip and upgrade destinations keep their subtrees, as in mdb_map.
 * Invariant: v is 0 or the start of a chunk of the item; all before it are done.
 */
struct mdb_map_cursor {
	vaddr_t v; /* where to resume in the source */
	vaddr_t base; /* out: the destination mapping to flush (or source to restrict) */
	unsigned shift;
	unsigned mask; /* out (MDB_RESTRICT): the rights the granted subtree keeps */
	mdb_ref_t restricted; /* the source node whose subtree was restricted to mask */
	uint64_t restricted_epoch; /* mdb_link_epoch when that restriction ended; 0: none */
};
/*
 * A grant with fewer rights than the source holds restricts the moved subtree
 * to them (docs/mdb.md "Costs"). With a cursor, mdb_map_step does not do that
 * in one go: before it changes anything of the chunk it returns MDB_RESTRICT
 * naming the source mapping [base, base + 2^shift) of `from` and the rights
 * `mask` its derived mappings keep. The caller restricts them by
 * mdb_restrict_begin and mdb_unmap_step (preemptible), passes
 * mdb_map_restricted the mdb_link_epoch read right after the last step, and
 * calls mdb_map_step again. The grant then moves the node at once if no
 * mapping was derived or upgraded anywhere since (mdb_link_epoch); else it asks
 * again (restricting is idempotent).
 */
void mdb_map_restricted(struct mdb_map_cursor *cur, uint64_t link_epoch);
/* mdb_map's arguments plus the cursor (NULL: mdb_map). MDB_OK, MDB_FLUSH or an
 * error as mdb_map. */
int mdb_map_step(struct mdb_space *from, vaddr_t snd_base, unsigned snd_shift, unsigned rights, vaddr_t hot_spot,
		 struct mdb_space *to, vaddr_t rcv_base, unsigned rcv_shift, bool grant, struct mdb_map_cursor *cur);

/* A preemptible unmap (or flush, or space deletion). Fields are private. */
struct mdb_unmap_op {
	struct mdb_space *ms;
	vaddr_t v, end; /* cursor and end in the caller's space */
	vaddr_t top_end; /* end of the part of the current top node */
	paddr_t plo, phi; /* physical range revoked below the current top */
	mdb_ref_t top, cur; /* current caller node and post-order cursor */
	uint64_t split_epoch; /* mdb_split_epoch after our last step */
	uint64_t hint; /* rights << MDB_W_HINT_SHIFT: ORed into the nodes we enter (N9) */
	struct mdb_unmap_op *next_active; /* list of unfinished ops */
	unsigned rights; /* rights to revoke */
	unsigned access; /* result: access bits gathered (r/w/x = 4/2/1) */
	bool flush;
	bool restrict_; /* a grant's restriction: keeps access bits, checks the top's new children */
	bool in_tree;
	bool done;
};
/* Unmap of fpage (base, shift) of `ms`: revoke `rights` from derived mappings, and
 * from the caller's own if flush. rights == 0 is a status query. */
void mdb_unmap_begin(struct mdb_unmap_op *op, struct mdb_space *ms, vaddr_t base, unsigned shift, unsigned rights,
		     bool flush);
/* Restricts the mappings derived from ms's mappings in (base, shift) to rights
 * `mask` (removing those left with none), like an unmap without flush but
 * leaving access bits alone; at the end no derived mapping has rights outside
 * mask (new children of the top made meanwhile included). Steps: mdb_unmap_step. */
void mdb_restrict_begin(struct mdb_unmap_op *op, struct mdb_space *ms, vaddr_t base, unsigned shift, unsigned mask);
/* Does about `budget` units of work (a split may exceed it by one superpage's
 * pieces plus children). Returns MDB_MORE or MDB_OK (done; op->access valid). */
int mdb_unmap_step(struct mdb_unmap_op *op, unsigned budget);
/* Forgets an unfinished op (its thread is deleted, say). */
void mdb_unmap_abort(struct mdb_unmap_op *op);
bool mdb_active_ops_empty(void);
/* Unmap in one go; returns the access bits. */
unsigned mdb_unmap(struct mdb_space *ms, vaddr_t base, unsigned shift, unsigned rights, bool flush);
/* Space deletion: flush of the complete user address space, preemptible. */
void mdb_space_delete_begin(struct mdb_unmap_op *op, struct mdb_space *ms);
void mdb_space_delete(struct mdb_space *ms);

/* Pins/unpins the node at (ms, v): a pinned node's page cannot be evicted. With
 * reserve pages in the allocator, a pin is mdb_pin_chain (unpin: the node alone). */
int mdb_pin(struct mdb_space *ms, vaddr_t v, bool pin);
/* Pins n and every ancestor (a pinned mapping cannot outlive its source), moving
 * each one that lies on a lent page to a reserve page, so that the lender can
 * always take its pages back (P6). MDB_ENOMEM (nothing changed) when the reserve
 * lacks room. */
int mdb_pin_chain(struct mdb_node *n);

/* Evicts cached mappings charged to ms (children of its own mappings), oldest
 * use first: a clock over ms's mappings whose children get a second chance when
 * their access bits were set. Stops after `want` nodes are freed, `budget`
 * units of scanning, or `rounds` (1 or 2) turns of the hand: one round takes
 * only what was not used since the hand last passed. Returns the nodes freed.
 * Pinned children are skipped. */
size_t mdb_reclaim(struct mdb_space *ms, size_t want, unsigned budget, unsigned rounds);

/* Called when a mapping of a MDB_SPACE_NOTIFY space is removed (after its PTE). */
extern void (*mdb_removed_hook)(struct mdb_space *ms, vaddr_t v, paddr_t pa, unsigned level);
/* Called for every mapping removed by eviction or reclaim (before its removal). */
extern void (*mdb_evicted_hook)(struct mdb_space *ms, vaddr_t v, unsigned level);
/* Nodes removed by eviction and reclaim since mdb_init, pinned ones among them
 * (with chained pins: none), and nodes pinned now. */
extern uint64_t mdb_evicted_nodes, mdb_evicted_pinned, mdb_pinned_nodes;

/* The pager takes node page `page` back: removes every node on it and their
 * subtrees, then drops the page from the allocator. MDB_EBUSY (nothing changed
 * in this step) if the page holds pinned nodes; MDB_EINVAL if not a node page.
 * The step form returns MDB_MORE while work remains. */
int mdb_evict_page_step(void *page, unsigned budget);
int mdb_evict_page(void *page);

/* Node introspection (for dumps, tests and the eviction path). */
struct mdb_node_info {
	struct mdb_space *ms;
	vaddr_t vaddr;
	paddr_t paddr;
	unsigned level, rights;
	bool pinned;
};
bool mdb_node_info(const struct mdb_node *n, struct mdb_node_info *out);
struct mdb_node *mdb_lookup(struct mdb_space *ms, vaddr_t v);
struct mdb_node *mdb_parent(const struct mdb_node *n);

/* Verifies every invariant of the database; returns 0 or writes a reason into
 * err and returns -1. */
int mdb_check(char *err, size_t errlen);
/* Text dump of all trees into buf (NUL-terminated); returns the full length. */
size_t mdb_dump(char *buf, size_t size);

/* Monotone counters: every change bumps mdb_epoch, every superpage split also
 * mdb_split_epoch (an unfinished unmap restarts its current top after others'
 * splits, or when its cursor or top node was removed). */
extern uint64_t mdb_epoch, mdb_split_epoch;
/* Bumped whenever a node gets a child (map, split), a child gains rights
 * (upgrade) or a node moves (relocation): what can undo a finished restriction. */
extern uint64_t mdb_link_epoch;

#endif
