/* SPDX-License-Identifier: MIT */
/* Host tests of the checkpoint store: crashes at every write of a checkpoint, and a seeded random history. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "ckpt_memdev.h"

#define MAXP 64u
#define MAXB 8192u

static uint8_t page[CKPT_PAGE], blob[MAXB];
static struct memdev md;
static struct ckpt cs;
static void *mem;
static size_t mem_size;

static void setup(void)
{
	md_init(&md, ckpt_dev_sectors(MAXP, MAXB));
	mem_size = ckpt_mem_size(MAXP);
	mem = malloc(mem_size);
}

static void teardown(void)
{
	md_free(&md);
	free(mem);
}

static int reopen(void) { return ckpt_open(&cs, &md.dev, mem, mem_size); }

static int put(struct model *m, unsigned i, uint32_t ver)
{
	model_page(i, ver, page);
	m->ver[i] = ver;
	return ckpt_put_page(&cs, model_id(i), page);
}

static int drop(struct model *m, unsigned i)
{
	m->ver[i] = 0;
	return ckpt_drop_page(&cs, model_id(i));
}

static int put_blob(struct model *m, uint32_t seed, uint32_t len)
{
	model_blob(seed, len, blob);
	m->blob_seed = seed, m->blob_len = len;
	return ckpt_put_blob(&cs, blob, len);
}

/*
 * The history before the checkpoint that crashes: A0 puts pages 0..29 and a blob,
 * A1 rewrites 0..14 and drops 25..29, so the slots of A0's pages are free and the
 * crashing checkpoint B writes over them, next to what A1 references.
 */
static int history(struct model *a1)
{
	memset(a1, 0, sizeof *a1);
	if (ckpt_format(&md.dev, MAXP, MAXB, 42) || reopen() || ckpt_begin(&cs))
		return 0;
	for (unsigned i = 0; i < 30; i++)
		if (put(a1, i, 1))
			return 0;
	if (put_blob(a1, 1, 5000) || ckpt_commit(&cs) || ckpt_begin(&cs))
		return 0;
	for (unsigned i = 0; i < 15; i++)
		if (put(a1, i, 2))
			return 0;
	for (unsigned i = 25; i < 30; i++)
		if (drop(a1, i))
			return 0;
	return ckpt_commit(&cs) == CKPT_OK && ckpt_seq(&cs) == 2;
}

/* B: overwrites, new pages, drops and a new blob. */
static int checkpoint_b(struct model *b)
{
	if (ckpt_begin(&cs))
		return 0;
	for (unsigned i = 5; i < 20; i++)
		if (put(b, i, 3))
			return 0;
	for (unsigned i = 40; i < 45; i++)
		if (put(b, i, 3))
			return 0;
	for (unsigned i = 0; i < 3; i++)
		if (drop(b, i))
			return 0;
	if (put_blob(b, 2, 700))
		return 0;
	ckpt_commit(&cs); /* its result does not matter: the disk after the crash does */
	return 1;
}

/* After the crash: the store must be exactly A1 or exactly B, and usable. Returns 1 for A1, 2 for B, 0 for neither. */
static int judge(const struct model *a1, const struct model *b)
{
	md_settle(&md);
	if (reopen() != CKPT_OK)
		return 0;
	int which = ckpt_seq(&cs) == 2 && model_matches(&cs, a1)  ? 1
		    : ckpt_seq(&cs) == 3 && model_matches(&cs, b) ? 2
								  : 0;
	if (!which || ckpt_verify(&cs, page) != CKPT_OK)
		return 0;
	/* the recovered store takes a further checkpoint (its free slots were derived correctly) */
	struct model c = which == 1 ? *a1 : *b;
	if (ckpt_begin(&cs) || put(&c, 60, 9) || put(&c, 10, 9) || ckpt_commit(&cs) || reopen() ||
	    !model_matches(&cs, &c))
		return 0;
	return which;
}

/* Runs B with a crash at every operation index in the given mode (with `seeds` random seeds for each). */
static int crash_every_op(int mode, unsigned seeds, unsigned *olds, unsigned *news)
{
	struct model a1, b;
	if (!history(&a1))
		return 0;
	static uint8_t saved[1 << 20];
	uint64_t bytes = md.sectors * CKPT_SECTOR;
	memcpy(saved, md.img, bytes);
	/* Count B's operations without a crash. */
	b = a1;
	md_arm(&md, -1, mode, 0);
	if (!checkpoint_b(&b))
		return 0;
	long ops = md.ops;
	*olds = *news = 0;
	int last = 1;
	for (long k = 0; k <= ops; k++) {
		for (unsigned s = 0; s < seeds; s++) {
			memcpy(md.img, saved, bytes);
			md_settle(&md);
			if (reopen())
				return 0;
			b = a1;
			md_arm(&md, k, mode, k * 1000 + s);
			if (!checkpoint_b(&b))
				return 0;
			int which = judge(&a1, &b);
			if (!which) {
				fprintf(stderr,
					"  crash at op %ld of %ld (mode %d seed %u): neither the old nor the new "
					"checkpoint\n",
					k, ops, mode, s);
				return 0;
			}
			/* Without reordering the switch happens once: after the commit record's write. */
			if (!(mode & MD_CACHE) && which < last) {
				fprintf(stderr, "  crash at op %ld: old checkpoint after a new one at an earlier op\n",
					k);
				return 0;
			}
			last = which;
			*olds += which == 1, *news += which == 2;
		}
	}
	return last == 2; /* no crash at all (k == ops): the new one */
}

HOST_TEST(ckpt_crash_prefix, "ckpt.crash.prefix",
	  "a crash before any write of a checkpoint leaves exactly the old or the new checkpoint, never a mix")
{
	unsigned olds, news;
	setup();
	CHECK(crash_every_op(MD_PREFIX, 1, &olds, &news));
	CHECK(olds > 20 && news >= 2);
	teardown();
}

HOST_TEST(ckpt_crash_tear, "ckpt.crash.tear",
	  "a crash that tears the write it strikes leaves exactly the old or the new checkpoint")
{
	unsigned olds, news;
	setup();
	CHECK(crash_every_op(MD_PREFIX | MD_TEAR, 1, &olds, &news));
	CHECK(olds > 20 && news >= 1);
	teardown();
}

HOST_TEST(ckpt_crash_cache, "ckpt.crash.cache",
	  "a crash with a write cache that loses any unflushed sectors leaves exactly the old or the new checkpoint")
{
	unsigned olds, news;
	setup();
	CHECK(crash_every_op(MD_CACHE | MD_TEAR, 8, &olds, &news));
	CHECK(olds > 20 && news >= 1);
	teardown();
}

HOST_TEST(ckpt_crash_format, "ckpt.crash.format",
	  "a format cut short leaves the old store, an unformatted image or the new empty store, never a mix")
{
	struct model a1;
	setup();
	CHECK(history(&a1));
	static uint8_t saved[1 << 20];
	uint64_t bytes = md.sectors * CKPT_SECTOR;
	memcpy(saved, md.img, bytes);
	md_arm(&md, -1, 0, 0);
	CHECK_EQ(ckpt_format(&md.dev, MAXP, MAXB, 43), CKPT_OK);
	long ops = md.ops;
	unsigned old = 0, unformatted = 0, fresh = 0;
	for (int mode = 0; mode < 4; mode++) {
		for (long k = 0; k <= ops; k++) {
			memcpy(md.img, saved, bytes);
			md_settle(&md);
			md_arm(&md, k, mode, (uint64_t)k);
			CHECK_EQ(ckpt_format(&md.dev, MAXP, MAXB, 43), CKPT_OK);
			md_settle(&md);
			int err = reopen();
			if (err == CKPT_EUNFORMATTED) {
				unformatted++;
			} else {
				CHECK_EQ(err, CKPT_OK);
				struct model empty = {0};
				if (ckpt_seq(&cs) == 2 && model_matches(&cs, &a1)) {
					old++;
				} else {
					CHECK_EQ(ckpt_seq(&cs), 0);
					CHECK(model_matches(&cs, &empty));
					fresh++;
				}
			}
		}
	}
	CHECK(old > 0 && unformatted > 0 && fresh > 0);
	teardown();
}

/* One random checkpoint: puts, drops, maybe a blob; *m becomes what it commits. */
static unsigned model_pages(const struct model *m);
static void random_checkpoint(uint64_t *rng, struct model *m, uint32_t *ver, unsigned nops)
{
	for (unsigned k = 0; k < nops; k++) {
		unsigned i = (unsigned)(md_rand(rng) % MODEL_NIDS);
		/* drop more often near the limit, so that overflows stay occasional */
		if (md_rand(rng) % (model_pages(m) > MAXP - 4 ? 2 : 4) == 0)
			drop(m, i);
		else
			put(m, i, ++*ver);
	}
	if (md_rand(rng) % 3 == 0)
		put_blob(m, (uint32_t)md_rand(rng), (uint32_t)(md_rand(rng) % (MAXB + 1)));
}

static unsigned model_pages(const struct model *m)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MODEL_NIDS; i++)
		n += m->ver[i] != 0;
	return n;
}

HOST_TEST(ckpt_crash_random, "ckpt.crash.random",
	  "a seeded history of 400 checkpoints, aborts, overflows and crashes of every kind always matches the model")
{
	setup();
	uint64_t rng = 0x5eed;
	uint32_t ver = 0;
	struct model m = {0}; /* the committed checkpoint */
	CHECK_EQ(ckpt_format(&md.dev, MAXP, MAXB, 7), CKPT_OK);
	CHECK_EQ(reopen(), CKPT_OK);
	unsigned crashes = 0, kept_old = 0, full = 0, aborts = 0;
	for (unsigned round = 0; round < 400; round++) {
		struct model n = m;
		uint64_t seq = ckpt_seq(&cs);
		int crash = md_rand(&rng) % 2 == 0;
		unsigned nops = (unsigned)(md_rand(&rng) % 40);
		int mode = (int)(md_rand(&rng) % 4);
		CHECK_EQ(ckpt_begin(&cs), CKPT_OK);
		/* The crash strikes among the puts, in the commit, or (beyond the last operation) not at all. */
		md_arm(&md, crash ? (long)(md_rand(&rng) % (nops + 8)) : -1, mode, md_rand(&rng));
		random_checkpoint(&rng, &n, &ver, nops);
		int committed = 0;
		if (!crash && md_rand(&rng) % 10 == 0) {
			CHECK_EQ(ckpt_abort(&cs), CKPT_OK);
			aborts++;
		} else {
			int err = ckpt_commit(&cs);
			if (model_pages(&n) > MAXP) {
				CHECK_EQ(err, CKPT_ENOSPC);
				CHECK_EQ(ckpt_abort(&cs), CKPT_OK);
				full++;
			} else {
				CHECK_EQ(err, CKPT_OK); /* a crashed device still answers */
				committed = 1;
			}
		}
		int struck = md.crashed;
		md_settle(&md);
		CHECK_EQ(reopen(), CKPT_OK);
		if (!struck)
			CHECK_EQ(ckpt_seq(&cs), seq + committed);
		if (ckpt_seq(&cs) == seq) {
			CHECK(model_matches(&cs, &m));
			kept_old += struck;
		} else {
			CHECK(committed);
			CHECK_EQ(ckpt_seq(&cs), seq + 1);
			CHECK(model_matches(&cs, &n));
			m = n;
		}
		crashes += struck;
		if (round % 50 == 0)
			CHECK_EQ(ckpt_verify(&cs, page), CKPT_OK);
	}
	if (getenv("CKPT_VERBOSE"))
		fprintf(stderr, "  %u crashes (%u kept the old checkpoint), %u aborts, %u overflows; seq %llu\n",
			crashes, kept_old, aborts, full, (unsigned long long)ckpt_seq(&cs));
	CHECK(crashes > 50 && kept_old > 20 && full > 0 && aborts > 5);
	teardown();
}
