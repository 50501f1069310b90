/* SPDX-License-Identifier: MIT */
/* Naive reference model of the mdb and the differential driver (tests and fuzzing). */
#ifndef ARCH_MDB_MODEL_H
#define ARCH_MDB_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MDBM_OP_BYTES 8

/* Fresh mdb (leaf sizes 4K/32K/256K, or x86's 4K/2M/1G; 6 spaces, 4 MiB of
 * physical memory, 4 MiB of user space each) and empty model. */
void mdbm_setup(bool x86);
void mdbm_teardown(void);
/* Applies one operation decoded from 8 bytes to both, compares the frames it
 * touched (and the total mapped size); full = compare everything plus
 * mdb_check. Returns 0, or -1 after printing the difference. */
int mdbm_step(const uint8_t op[MDBM_OP_BYTES], int full);
/* Everything: mdb_check, host pt check, every model entry against the mdb. */
int mdbm_compare_all(void);

/* Statistics of the run (for the test's log). */
struct mdbm_stats {
	unsigned long ops[10], noop, nodes_max, nodes_sum;
	unsigned long prep_flushes; /* destination mappings the map pre-flush named (and flushed) */
	unsigned long prep_restricts; /* granted subtrees restricted in steps before the move */
	unsigned long meddled; /* paused unmaps and restrictions with maps made between their steps */
	unsigned long meddle_maps; /* maps and grants made so */
};
extern struct mdbm_stats mdbm_stats;

#endif
