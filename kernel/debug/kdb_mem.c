/* SPDX-License-Identifier: MIT */
/* Kernel debugger: `mem`, `mem pages`, `mem spaces`: the pool, lent and reserve node pages, counters, charges and quotas. */
#include <kern/space.h>
#include <kern/mdb.h>
#include <kern/mdb_nodes.h>
#include <kern/frame.h>
#include <kern/kip.h>
#include <kern/kmem.h>
#include <kern/trace.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <mnemo/kmem.h>
#include <arch/physmem.h>
#include <arch/x86.h>
#include "kdb_impl.h"

/*
 * Everything here is read from the allocator's page lists, the mdb space
 * table and the counters the kernel keeps for the KIP (refreshed first, so
 * they are not a tick old). The page walk is bounded like every walk of the
 * debugger: a corrupt list costs lines, never the debugger.
 */

#define KDB_MEM_PAGE_LINES 64
#define KDB_MEM_PAGES_MAX 1000000u

const char *kdb_node_page_kind(const struct mdb_node_page *p)
{
	if (p->magic != MDB_PAGE_MAGIC)
		return "bad";
	if (p->flags & MDB_PAGE_DRAINING)
		return "draining";
	return p->flags & MDB_PAGE_RESERVE ? "reserve" : "lent";
}

static const struct mnemo_kmem_stats *counters(void)
{
	kmem_stats_update();
	return (const struct mnemo_kmem_stats *)kip.mnemo;
}

static void mem_summary(void)
{
	struct frame_stats fs = frame_stats();
	printk("kernel pool: %llu frames (%llu KiB), %llu free (%llu KiB), %llu in use\n", (unsigned long long)fs.total,
	       (unsigned long long)fs.total * 4, (unsigned long long)fs.free, (unsigned long long)fs.free * 4,
	       (unsigned long long)(fs.total - fs.free));
	unsigned pages = 0, lent = 0, reserve = 0, draining = 0, live = 0, pinned = 0;
	for (struct mdb_node_page *p = mdb_nodes_first(); p && pages < KDB_MEM_PAGES_MAX; p = mdb_nodes_next(p)) {
		pages++;
		live += p->used;
		pinned += p->pinned;
		if (p->flags & MDB_PAGE_DRAINING)
			draining++;
		else if (p->flags & MDB_PAGE_RESERVE)
			reserve++;
		else
			lent++;
	}
	printk("mapping database: %u node pages (%u lent, %u reserve, %u draining), %u live nodes (%u pinned), "
	       "%llu free slots (%llu on reserve pages), %u per page\n",
	       pages, lent, reserve, draining, live, pinned, (unsigned long long)mdb_nodes_free,
	       (unsigned long long)mdb_nodes_free_reserve, (unsigned)MDB_NODES_PER_PAGE);
	if (mdb_nodes_pin_floor)
		printk(
		    "kernel memory: lent mode (a kmem pager is associated); pin floor %llu reserve slots, reserve at "
		    "most %u pages, requests below %u free lent slots\n",
		    (unsigned long long)mdb_nodes_pin_floor, KMEM_RESERVE_PAGES, KMEM_LOW_NODES);
	else
		printk("kernel memory: pool mode (no kmem pager): node pages come from the pool; pin floor 0\n");
	const struct mnemo_kmem_stats *st = counters();
	printk("kmem counters: revoked pages %llu, evicted nodes %llu (reclaimed %llu), refaults %llu, requests %llu, "
	       "denials %llu quota %llu memory, pinned evicted %llu\n",
	       (unsigned long long)st->revoked_pages, (unsigned long long)st->evicted_nodes,
	       (unsigned long long)st->reclaimed_nodes, (unsigned long long)st->refaults,
	       (unsigned long long)st->requests, (unsigned long long)st->quota_denials,
	       (unsigned long long)st->nomem_denials, (unsigned long long)st->pinned_evicted);
	printk("threads: %u TCBs (one frame each, with the kernel stack); spaces: %u\n", kdb_thread_count(),
	       kdb_space_count());
	printk("kernel image: %#llx-%#llx (%llu KiB, includes the trace ring of %u records, %llu KiB)\n",
	       (unsigned long long)virt_to_phys(_kernel_start), (unsigned long long)virt_to_phys(_kernel_end),
	       (unsigned long long)(_kernel_end - _kernel_start) / 1024, TRACE_RECORDS,
	       (unsigned long long)(TRACE_RECORDS * sizeof(struct trace_record)) / 1024);
}

/* `mem pages [first]`: one line per node page from index first (decimal). */
static void mem_pages(word_t first)
{
	unsigned i = 0, lines = 0;
	printk("node pages (index, physical page, kind, nodes used/free/pinned of %u):\n",
	       (unsigned)MDB_NODES_PER_PAGE);
	for (struct mdb_node_page *p = mdb_nodes_first(); p && i < KDB_MEM_PAGES_MAX; p = mdb_nodes_next(p), i++) {
		if (i < first)
			continue;
		if (lines++ >= KDB_MEM_PAGE_LINES) {
			printk("... more: mem pages %u\n", i);
			return;
		}
		printk("  page %-4u %#012llx %-8s used %3u free %3u pinned %3u\n", i,
		       (unsigned long long)virt_to_phys(p), kdb_node_page_kind(p), p->used,
		       (unsigned)(MDB_NODES_PER_PAGE - p->used), p->pinned);
	}
	printk("%u node pages\n", i);
}

/* `mem spaces`: every mdb space with the nodes charged to it and its quotas. */
static void mem_spaces(void)
{
	unsigned n = 0;
	char owner[48];
	printk("spaces (nodes charged / node quota, pinned pages / pin quota):\n");
	for (uint32_t id = 0; id < CONFIG_MDB_MAX_SPACES; id++) {
		struct mdb_space *ms = mdb_space_by_id(id);
		if (!ms)
			continue;
		n++;
		printk("  s%-4u charged %-7llu quota ", id, (unsigned long long)ms->charged);
		if (ms->quota)
			printk("%-7llu", (unsigned long long)ms->quota);
		else
			printk("%-7s", "none");
		if (ms->space)
			printk(" pinned pages %llu/%llu", (unsigned long long)ms->space->pinned_pages,
			       (unsigned long long)ms->space->pin_quota);
		if (ms == mdb_sigma0())
			printk(" [sigma0]");
		if (ms->flags & MDB_SPACE_NOTIFY)
			printk(" [kernel memory: the kernel's mappings of lent pages]");
		else if (ms->flags & MDB_SPACE_PIN)
			printk(" [pinned space: the kmem pager]");
		printk(" %s\n", ms->space ? kdb_space_owner(ms->space, owner, sizeof owner) : "");
	}
	printk("%u spaces\n", n);
}

void kdb_cmd_mem(void)
{
	word_t first = 0;
	if (kdb_argc == 1)
		mem_summary();
	else if (!strcmp(kdb_argv[1], "pages") &&
		 (kdb_argc == 2 || (kdb_argc == 3 && kdb_parse_num(kdb_argv[2], 10, &first))))
		mem_pages(first);
	else if (!strcmp(kdb_argv[1], "spaces") && kdb_argc == 2)
		mem_spaces();
	else
		printk("usage: mem | mem pages [first index, decimal] | mem spaces\n");
}
