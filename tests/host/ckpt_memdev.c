/* SPDX-License-Identifier: MIT */
/* Host tests of the checkpoint store: the crashing in-memory disk and the reference model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ckpt_memdev.h"

#define SEC CKPT_SECTOR

uint64_t md_rand(uint64_t *s)
{
	/* splitmix64: good enough and reproducible from the seed alone */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void drop_pending(struct memdev *m)
{
	for (unsigned i = 0; i < m->npend; i++)
		free(m->pend[i].data);
	m->npend = 0;
}

/* The crash strikes now: build the disk it leaves behind. */
static void crash(struct memdev *m, uint64_t lba, unsigned n, const uint8_t *buf)
{
	memcpy(m->crash_img, m->durable, m->sectors * SEC);
	for (unsigned i = 0; i < m->npend; i++) {
		const struct md_pending *p = &m->pend[i];
		for (unsigned s = 0; s < p->n; s++)
			if (!(m->mode & MD_CACHE) || (md_rand(&m->rng) & 1))
				memcpy(m->crash_img + (p->lba + s) * SEC, p->data + (size_t)s * SEC, SEC);
	}
	if ((m->mode & MD_TEAR) && buf)
		memcpy(m->crash_img + lba * SEC, buf, (size_t)n * SEC / 2);
	m->crashed = 1;
}

static int md_read(void *ctx, uint64_t lba, unsigned n, void *buf)
{
	struct memdev *m = ctx;
	if (lba > m->sectors || n > m->sectors - lba)
		return -1;
	memcpy(buf, m->img + lba * SEC, (size_t)n * SEC);
	return 0;
}

static int md_write(void *ctx, uint64_t lba, unsigned n, const void *buf)
{
	struct memdev *m = ctx;
	if (lba > m->sectors || n > m->sectors - lba)
		return -1;
	long w = m->writes++, op = m->ops++;
	if (w == m->fail_write_at)
		return -1;
	if (m->crashed)
		return 0;
	if (op == m->crash_at) {
		crash(m, lba, n, buf);
		return 0;
	}
	memcpy(m->img + lba * SEC, buf, (size_t)n * SEC);
	if (m->npend == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->pend = realloc(m->pend, m->cap * sizeof *m->pend);
	}
	struct md_pending *p = &m->pend[m->npend++];
	p->lba = lba;
	p->n = n;
	p->data = malloc((size_t)n * SEC);
	memcpy(p->data, buf, (size_t)n * SEC);
	return 0;
}

static int md_flush(void *ctx)
{
	struct memdev *m = ctx;
	long op = m->ops++;
	if (m->flushes++ == m->fail_flush_at)
		return -1;
	if (m->crashed)
		return 0;
	if (op == m->crash_at) {
		crash(m, 0, 0, NULL); /* power fails before the cache is written back */
		return 0;
	}
	memcpy(m->durable, m->img, m->sectors * SEC);
	drop_pending(m);
	return 0;
}

void md_init(struct memdev *m, uint64_t sectors)
{
	memset(m, 0, sizeof *m);
	m->sectors = sectors;
	m->img = calloc(sectors ? sectors : 1, SEC);
	m->durable = calloc(sectors ? sectors : 1, SEC);
	m->crash_img = calloc(sectors ? sectors : 1, SEC);
	m->crash_at = m->fail_write_at = m->fail_flush_at = -1;
	m->dev = (struct ckpt_dev){.ctx = m, .sectors = sectors, .read = md_read, .write = md_write, .flush = md_flush};
}

void md_free(struct memdev *m)
{
	drop_pending(m);
	free(m->pend);
	free(m->img);
	free(m->durable);
	free(m->crash_img);
}

void md_arm(struct memdev *m, long crash_at, int mode, uint64_t seed)
{
	m->writes = m->flushes = m->ops = 0;
	m->crash_at = crash_at;
	m->mode = mode;
	m->rng = seed;
	m->crashed = 0;
}

void md_settle(struct memdev *m)
{
	if (m->crashed)
		memcpy(m->img, m->crash_img, m->sectors * SEC);
	memcpy(m->durable, m->img, m->sectors * SEC);
	drop_pending(m);
	m->crashed = 0;
	m->crash_at = m->fail_write_at = m->fail_flush_at = -1;
}

uint64_t model_id(unsigned i) { return 0x7f0000001000ull + (uint64_t)i * 0x10003000ull; }

void model_page(unsigned i, uint32_t ver, uint8_t *out)
{
	uint64_t s = (uint64_t)i << 32 | ver;
	for (unsigned k = 0; k < CKPT_PAGE; k += 8) {
		uint64_t v = md_rand(&s);
		memcpy(out + k, &v, 8);
	}
}

void model_blob(uint32_t seed, uint32_t len, uint8_t *out)
{
	uint64_t s = 0xb10b0000ull ^ seed;
	for (uint32_t k = 0; k < len; k++)
		out[k] = (uint8_t)md_rand(&s);
}

int model_matches(struct ckpt *c, const struct model *m)
{
	static uint8_t got[CKPT_PAGE], want[CKPT_PAGE];
	unsigned present = 0;
	for (unsigned i = 0; i < MODEL_NIDS; i++)
		present += m->ver[i] != 0;
	if (ckpt_npages(c) != present)
		return 0;
	unsigned idx = 0;
	for (unsigned i = 0; i < MODEL_NIDS; i++) {
		if (!m->ver[i]) {
			if (ckpt_get_page(c, model_id(i), got) != CKPT_ENOENT)
				return 0;
			continue;
		}
		if (ckpt_page_id(c, idx++) != model_id(i))
			return 0;
		if (ckpt_get_page(c, model_id(i), got) != CKPT_OK)
			return 0;
		model_page(i, m->ver[i], want);
		if (memcmp(got, want, CKPT_PAGE) != 0)
			return 0;
	}
	static uint8_t blob[1 << 16], wblob[1 << 16];
	uint32_t len = 0;
	if (ckpt_get_blob(c, blob, sizeof blob, &len) != CKPT_OK || len != m->blob_len)
		return 0;
	model_blob(m->blob_seed, len, wblob);
	return memcmp(blob, wblob, len) == 0;
}
