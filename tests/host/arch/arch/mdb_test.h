/* SPDX-License-Identifier: MIT */
/* Fixture shared by the mdb host tests, the fuzz target and the benchmark. */
#ifndef ARCH_MDB_TEST_H
#define ARCH_MDB_TEST_H

#include <kern/mdb.h>
#include <kern/mdb_nodes.h>
#include <arch/mdb_pt_host.h>

#define MDBT_SPACES 8 /* space 0 is sigma0 */

struct mdbt {
	struct mdb_space sp[MDBT_SPACES];
	char fake_space[MDBT_SPACES]; /* their addresses stand for struct space */
	char *arena;
	size_t arena_pages, lent; /* pages 0..lent-1 were lent in order */
};
extern struct mdbt mdbt;

/* Fresh world: page tables with leaf sizes (s0, s1, s2), arena of arena_pages
 * of which the first `lend` are lent to the allocator, spaces registered. */
void mdbt_setup(unsigned s0, unsigned s1, unsigned s2, size_t arena_pages, size_t lend);
void mdbt_teardown(void);
/* Lends the next arena page; returns it (NULL if the arena is used up). */
void *mdbt_lend(void);
/* mdb_check + host page-table check + PTE count == live nodes; prints why. */
int mdbt_check(void);
/* Text dump of the whole db (static buffer). */
const char *mdbt_dump(void);
size_t mdbt_live_nodes(void);
static inline struct mdb_space *mdbt_sp(unsigned i) { return &mdbt.sp[i]; }

#endif
