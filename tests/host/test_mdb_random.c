/* SPDX-License-Identifier: MIT */
/* Differential test: a million random mdb operations against the reference model. */
#include <stdio.h>
#include <stdlib.h>
#include "harness.h"
#include <arch/mdb_model.h>

/* xorshift64*: deterministic from the seed */
static uint64_t rng_state;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static int run(uint64_t seed, long ops, long full_every, bool x86)
{
	rng_state = seed;
	mdbm_setup(x86);
	for (long i = 0; i < ops; i++) {
		uint64_t r = rng();
		uint8_t b[MDBM_OP_BYTES];
		for (int k = 0; k < MDBM_OP_BYTES; k++)
			b[k] = (uint8_t)(r >> (8 * k));
		if (mdbm_step(b, (i + 1) % full_every == 0)) {
			fprintf(stderr, "  seed %llx: divergence at op %ld\n", (unsigned long long)seed, i);
			return -1;
		}
	}
	int err = mdbm_compare_all();
	fprintf(stderr,
		"  seed %llx: %ld ops (map %lu grant %lu unmap %lu flush %lu root %lu pin %lu evict %lu delete %lu; "
		"%lu skipped self-overlaps, %lu pre-flushed, %lu restricted in steps, %lu paused ops with %lu maps "
		"between steps), max %lu mean %lu mappings\n",
		(unsigned long long)seed, ops, mdbm_stats.ops[0], mdbm_stats.ops[1], mdbm_stats.ops[2],
		mdbm_stats.ops[3], mdbm_stats.ops[4], mdbm_stats.ops[5], mdbm_stats.ops[6], mdbm_stats.ops[7],
		mdbm_stats.noop, mdbm_stats.prep_flushes, mdbm_stats.prep_restricts, mdbm_stats.meddled,
		mdbm_stats.meddle_maps, mdbm_stats.nodes_max, mdbm_stats.nodes_sum / (unsigned long)ops);
	mdbm_teardown();
	return err;
}

HOST_TEST(mdb_random_t, "mdb.random",
	  "10^6 seeded random map/grant/unmap/flush/root/pin/evict/delete ops vs a per-4K model: "
	  "touched frames + total size compared after every op, everything + mdb_check every 100")
{
	const char *env = getenv("MNEMO_MDB_OPS");
	long ops = env ? atol(env) : 1000000;
	CHECK(run(0x6d6462u, ops, 100, false) == 0);
}

HOST_TEST(mdb_random_x86_t, "mdb.random_x86",
	  "10^5 random ops as mdb.random but with x86-64 leaf sizes 4K/2M (512-way splits), "
	  "touched frames after every op, everything + mdb_check every 100")
{
	const char *env = getenv("MNEMO_MDB_OPS");
	long ops = env ? atol(env) / 10 : 100000;
	CHECK(run(0x783836u, ops, 100, true) == 0);
}
