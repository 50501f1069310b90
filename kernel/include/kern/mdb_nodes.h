/* SPDX-License-Identifier: MIT */
/* Node pages of the mapping database: 4 KiB pages lent by a pager, 170 nodes each. */
#ifndef KERN_MDB_NODES_H
#define KERN_MDB_NODES_H

#include <kern/mdb.h>

/*
 * Node memory is an arena: a virtual window into which lent pages are mapped
 * (on the host: a buffer). A node reference is (address - arena) / 8, so every
 * node is found from a 32-bit mdb_ref_t, and a node's page header is found by
 * rounding its address down to 4 KiB.
 *
 * A page: 16-byte header, then MDB_NODES_PER_PAGE slots of 24 bytes (4096 bytes).
 *
 * Invariants (checked by mdb_check()):
 *  P1  magic == MDB_PAGE_MAGIC for every page in the allocator.
 *  P2  used == number of live slots; pinned == number of live pinned slots.
 *  P3  the free list (free_head, node.next as slot index + 1) holds exactly the
 *      free slots, each once; used + free == MDB_NODES_PER_PAGE.
 *  P4  every page is on exactly one list: `pages` (lent, allocatable),
 *      `reserve` (the kernel's own, allocatable: MDB_PAGE_RESERVE) or `draining`
 *      (being evicted: never allocated from). On `pages` and `reserve`, pages
 *      with free slots come before full ones, so allocation looks only at a head.
 *  P5  mdb_nodes_free == the free slots of all pages on `pages` and `reserve`;
 *      mdb_nodes_free_reserve == those on `reserve`.
 *  P6  a node pinned by mdb_pin_chain lives on a reserve page; whoever lent a
 *      page can take it back without meeting a pin (mdb_pin alone pins in place).
 */
#define MDB_NODE_PAGE_SIZE 4096u
#define MDB_NODE_SIZE 24u
#define MDB_NODE_PAGE_HDR 16u
#define MDB_NODES_PER_PAGE ((MDB_NODE_PAGE_SIZE - MDB_NODE_PAGE_HDR) / MDB_NODE_SIZE) /* 170 */
#define MDB_PAGE_MAGIC 0x6d646270u /* "mdbp" */

#define MDB_PAGE_DRAINING 1u
#define MDB_PAGE_RESERVE 2u /* the kernel's own page: never lent, never revoked */

struct mdb_node_page {
	uint32_t magic;
	uint8_t used; /* live nodes */
	uint8_t pinned; /* live pinned nodes */
	uint8_t free_head; /* slot index + 1 of the first free slot, 0 if full */
	uint8_t flags; /* MDB_PAGE_DRAINING, MDB_PAGE_RESERVE */
	uint32_t next; /* page number + 1 in the arena of the next page, 0 = none */
	uint32_t prev;
};

/* Sets the arena (page aligned, < 32 GiB); forgets all pages. */
void mdb_nodes_init(void *arena, size_t size);
/* Lends a zeroed-or-not page of the arena to the allocator; MDB_EINVAL if not
 * an aligned arena page or already lent. */
int mdb_nodes_add_page(void *page);
/* The same for a page of the kernel's own (a reserve page: holds pinned nodes). */
int mdb_nodes_add_reserve_page(void *page);
/* Allocates a node (all fields zero); NULL when no slot is free. Lent pages
 * first; reserve pages only while more than mdb_nodes_pin_floor of their slots
 * stay free (they are kept for pinned nodes). */
struct mdb_node *mdb_node_alloc(void);
/* Allocates a node on a reserve page; NULL when the reserve is full. */
struct mdb_node *mdb_node_alloc_reserve(void);
void mdb_node_free(struct mdb_node *n);
/* Free slots of all allocatable pages, and of the reserve pages among them. */
extern size_t mdb_nodes_free, mdb_nodes_free_reserve;
/* Reserve slots that unpinned nodes leave alone (0: none). */
extern size_t mdb_nodes_pin_floor;
/* Pages lent and reserve pages in the allocator (not draining). */
extern size_t mdb_nodes_lent_pages, mdb_nodes_reserve_pages;
/* Slots mdb_node_alloc can still hand out. */
static inline size_t mdb_nodes_avail(void)
{
	size_t r = mdb_nodes_free_reserve > mdb_nodes_pin_floor ? mdb_nodes_free_reserve - mdb_nodes_pin_floor : 0;
	return mdb_nodes_free - mdb_nodes_free_reserve + r;
}

static inline struct mdb_node_page *mdb_node_page_of(const void *n)
{
	return (struct mdb_node_page *)ALIGN_DOWN((uintptr_t)n, MDB_NODE_PAGE_SIZE);
}
static inline struct mdb_node *mdb_page_slot(struct mdb_node_page *p, unsigned i)
{
	return (struct mdb_node *)((char *)p + MDB_NODE_PAGE_HDR + i * MDB_NODE_SIZE);
}
static inline bool mdb_node_live(const struct mdb_node *n) { return (n->w & MDB_W_RIGHTS_MASK) != 0; }

/* Reference <-> pointer. */
extern char *mdb_arena;
static inline struct mdb_node *mdb_node(mdb_ref_t r)
{
	return r ? (struct mdb_node *)(mdb_arena + ((uintptr_t)r << 3)) : NULL;
}
static inline mdb_ref_t mdb_ref(const struct mdb_node *n)
{
	return n ? (mdb_ref_t)(((const char *)n - mdb_arena) >> 3) : 0;
}

/* True if p is a page currently lent to the allocator. */
bool mdb_nodes_is_page(const void *p);
/* Moves a page to the draining list (no more allocations from it). */
void mdb_nodes_drain(struct mdb_node_page *p);
/* Drops an empty draining page from the allocator (the pager may take it). */
void mdb_nodes_remove_page(struct mdb_node_page *p);
/* The first page on the draining list, or NULL. */
struct mdb_node_page *mdb_nodes_draining_head(void);
/* Iteration over all pages, lent, reserve, then draining; NULL at the end. */
struct mdb_node_page *mdb_nodes_first(void);
struct mdb_node_page *mdb_nodes_next(struct mdb_node_page *p);
/* Verifies P1-P5; 0 or -1 with a reason. */
int mdb_nodes_check(char *err, size_t errlen);

#endif
