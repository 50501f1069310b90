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
 *  P4  every page is on exactly one list: `pages` (allocatable) or `draining`
 *      (being evicted: never allocated from). On `pages`, pages with free slots
 *      come before full ones, so allocation looks only at the head.
 *  P5  mdb_nodes_free == the free slots of all pages on `pages`.
 */
#define MDB_NODE_PAGE_SIZE 4096u
#define MDB_NODE_SIZE 24u
#define MDB_NODE_PAGE_HDR 16u
#define MDB_NODES_PER_PAGE ((MDB_NODE_PAGE_SIZE - MDB_NODE_PAGE_HDR) / MDB_NODE_SIZE) /* 170 */
#define MDB_PAGE_MAGIC 0x6d646270u /* "mdbp" */

#define MDB_PAGE_DRAINING 1u

struct mdb_node_page {
	uint32_t magic;
	uint8_t used; /* live nodes */
	uint8_t pinned; /* live pinned nodes */
	uint8_t free_head; /* slot index + 1 of the first free slot, 0 if full */
	uint8_t flags; /* MDB_PAGE_DRAINING */
	uint32_t next; /* page number + 1 in the arena of the next page, 0 = none */
	uint32_t prev;
};

/* Sets the arena (page aligned, < 32 GiB); forgets all pages. */
void mdb_nodes_init(void *arena, size_t size);
/* Lends a zeroed-or-not page of the arena to the allocator; MDB_EINVAL if not
 * an aligned arena page or already lent. */
int mdb_nodes_add_page(void *page);
/* Allocates a node (all fields zero); NULL when no slot is free. */
struct mdb_node *mdb_node_alloc(void);
void mdb_node_free(struct mdb_node *n);
/* Free slots available to mdb_node_alloc. */
extern size_t mdb_nodes_free;

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
/* Iteration over all pages, allocatable then draining; NULL at the end. */
struct mdb_node_page *mdb_nodes_first(void);
struct mdb_node_page *mdb_nodes_next(struct mdb_node_page *p);
/* Verifies P1-P5; 0 or -1 with a reason. */
int mdb_nodes_check(char *err, size_t errlen);

#endif
