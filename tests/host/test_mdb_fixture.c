/* SPDX-License-Identifier: MIT */
/* mdb test fixture: arena, spaces, combined checks and dumps (no tests here). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arch/mdb_test.h>

struct mdbt mdbt;

void mdbt_setup(unsigned s0, unsigned s1, unsigned s2, size_t arena_pages, size_t lend)
{
	mdbt_teardown();
	mdb_pt_host_reset();
	mdb_pt_host_set_levels(s0, s1, s2);
	mdb_init();
	mdbt.arena = aligned_alloc(MDB_NODE_PAGE_SIZE, arena_pages * MDB_NODE_PAGE_SIZE);
	memset(mdbt.arena, 0xa5, arena_pages * MDB_NODE_PAGE_SIZE); /* lent pages hold garbage */
	mdbt.arena_pages = arena_pages;
	mdbt.lent = 0;
	mdb_nodes_init(mdbt.arena, arena_pages * MDB_NODE_PAGE_SIZE);
	for (size_t i = 0; i < lend; i++)
		mdbt_lend();
	for (unsigned i = 0; i < MDBT_SPACES; i++)
		mdb_space_register(&mdbt.sp[i], (struct space *)&mdbt.fake_space[i]);
	mdb_set_sigma0(&mdbt.sp[0]);
}

void mdbt_teardown(void)
{
	free(mdbt.arena);
	memset(&mdbt, 0, sizeof mdbt);
}

void *mdbt_lend(void)
{
	if (mdbt.lent >= mdbt.arena_pages)
		return NULL;
	void *p = mdbt.arena + mdbt.lent++ * MDB_NODE_PAGE_SIZE;
	return mdb_nodes_add_page(p) == MDB_OK ? p : NULL;
}

size_t mdbt_live_nodes(void)
{
	size_t n = 0;
	for (struct mdb_node_page *p = mdb_nodes_first(); p; p = mdb_nodes_next(p))
		n += p->used;
	return n;
}

int mdbt_check(void)
{
	char err[256];
	if (mdb_check(err, sizeof err) || mdb_pt_host_check(err, sizeof err)) {
		fprintf(stderr, "  mdb check: %s\n", err);
		return -1;
	}
	if (mdb_pt_host_count() != mdbt_live_nodes()) {
		fprintf(stderr, "  mdb check: %zu PTEs, %zu nodes\n", mdb_pt_host_count(), mdbt_live_nodes());
		return -1;
	}
	return 0;
}

const char *mdbt_dump(void)
{
	static char buf[1 << 20];
	mdb_dump(buf, sizeof buf);
	return buf;
}
