/* SPDX-License-Identifier: MIT */
/* Host tests of the checkpoint store: an in-memory disk that can crash, and a reference model. */
#ifndef CKPT_MEMDEV_H
#define CKPT_MEMDEV_H

#include <stdint.h>
#include "ckpt.h"

/*
 * A crash strikes at operation number crash_at (writes and flushes counted
 * together): that operation and every later one are lost. How it treats the
 * writes not yet flushed:
 *   MD_PREFIX  every earlier write reached the disk, in order;
 *   MD_CACHE   each sector of each unflushed earlier write reached the disk or not, at random
 *              (a write cache that reorders freely between flushes);
 * and with MD_TEAR, if operation crash_at is a write, it reaches the disk halfway (its
 * first half of bytes, which for one sector tears that sector).
 */
enum { MD_PREFIX = 0, MD_CACHE = 1, MD_TEAR = 2 };

struct md_pending {
	uint64_t lba;
	unsigned n;
	uint8_t *data;
};

struct memdev {
	struct ckpt_dev dev;
	uint8_t *img; /* what reads see: every write applied */
	uint8_t *durable; /* what a crash cannot take away: every write before the last flush */
	uint64_t sectors;
	struct md_pending *pend; /* writes since the last flush, oldest first */
	unsigned npend, cap;
	long writes, flushes, ops; /* calls so far, since md_arm */
	long crash_at; /* -1: no crash */
	int mode;
	long fail_write_at, fail_flush_at; /* -1, or the call that returns an error */
	uint64_t rng;
	int crashed; /* the crash struck: writes and flushes are ignored from now on */
	uint8_t *crash_img;
};

void md_init(struct memdev *m, uint64_t sectors);
void md_free(struct memdev *m);
/* Arms a crash at operation number crash_at, counted from now; -1 disarms. */
void md_arm(struct memdev *m, long crash_at, int mode, uint64_t seed);
/* Power comes back: the disk is what the crash left (or everything, if none struck). */
void md_settle(struct memdev *m);

uint64_t md_rand(uint64_t *s);

/* The reference model: page i of NIDS possible ones is present with version ver[i] != 0. */
#define MODEL_NIDS 96
struct model {
	uint32_t ver[MODEL_NIDS];
	uint32_t blob_seed, blob_len;
};
uint64_t model_id(unsigned i); /* spread over 64 bits, increasing with i */
void model_page(unsigned i, uint32_t ver, uint8_t *out); /* CKPT_PAGE bytes */
void model_blob(uint32_t seed, uint32_t len, uint8_t *out);
/* 1 if the store's committed checkpoint is exactly the model (pages, contents, blob). */
int model_matches(struct ckpt *c, const struct model *m);

#endif
