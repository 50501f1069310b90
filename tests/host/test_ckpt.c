/* SPDX-License-Identifier: MIT */
/* Host tests of the checkpoint store: round trips, incremental checkpoints, limits and bad images. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "ckpt_memdev.h"
#include "../../user/lib/ckpt/ckpt_impl.h" /* white box: the on-disk structures, to damage them */

#define MAXP 64u
#define MAXB 8192u

struct fx {
	struct memdev md;
	struct ckpt c;
	void *mem;
	struct model m; /* the committed checkpoint */
	uint64_t written; /* sectors written by the last commit of checkpoint_range */
};

static uint8_t pg[CKPT_PAGE], blobbuf[1 << 16];

static int fx_init(struct fx *f)
{
	memset(f, 0, sizeof *f);
	md_init(&f->md, ckpt_dev_sectors(MAXP, MAXB));
	f->mem = malloc(ckpt_mem_size(MAXP));
	if (ckpt_format(&f->md.dev, MAXP, MAXB, 0x1234) != CKPT_OK)
		return 0;
	return ckpt_open(&f->c, &f->md.dev, f->mem, ckpt_mem_size(MAXP)) == CKPT_OK;
}

static void fx_free(struct fx *f)
{
	md_free(&f->md);
	free(f->mem);
}

static int fx_reopen(struct fx *f) { return ckpt_open(&f->c, &f->md.dev, f->mem, ckpt_mem_size(MAXP)); }

static int put(struct fx *f, struct model *m, unsigned i, uint32_t ver)
{
	model_page(i, ver, pg);
	m->ver[i] = ver;
	return ckpt_put_page(&f->c, model_id(i), pg);
}

static int put_blob(struct fx *f, struct model *m, uint32_t seed, uint32_t len)
{
	model_blob(seed, len, blobbuf);
	m->blob_seed = seed;
	m->blob_len = len;
	return ckpt_put_blob(&f->c, blobbuf, len);
}

/* A checkpoint putting pages lo..hi-1 at version ver, committed and checked before and after a reopen. */
static int checkpoint_range(struct fx *f, unsigned lo, unsigned hi, uint32_t ver)
{
	struct model n = f->m;
	if (ckpt_begin(&f->c))
		return 0;
	for (unsigned i = lo; i < hi; i++)
		if (put(f, &n, i, ver))
			return 0;
	if (ckpt_commit(&f->c))
		return 0;
	f->m = n;
	f->written = ckpt_last_commit_sectors(&f->c); /* a reopen forgets it */
	return model_matches(&f->c, &f->m) && fx_reopen(f) == CKPT_OK && model_matches(&f->c, &f->m);
}

HOST_TEST(ckpt_roundtrip, "ckpt.roundtrip",
	  "a formatted store opens empty; a checkpoint reads back before and after reopening")
{
	struct fx f;
	CHECK(fx_init(&f));
	CHECK_EQ(ckpt_seq(&f.c), 0);
	CHECK_EQ(ckpt_npages(&f.c), 0);
	CHECK_EQ(ckpt_max_pages(&f.c), MAXP);
	CHECK_EQ(ckpt_max_blob(&f.c), MAXB);
	CHECK(model_matches(&f.c, &f.m));
	CHECK_EQ(ckpt_get_page(&f.c, model_id(0), pg), CKPT_ENOENT);
	struct model n = f.m;
	CHECK_EQ(ckpt_begin(&f.c), CKPT_OK);
	for (unsigned i = 0; i < 10; i++)
		CHECK_EQ(put(&f, &n, i * 3, 1), CKPT_OK);
	CHECK_EQ(put_blob(&f, &n, 7, 1000), CKPT_OK);
	CHECK(model_matches(&f.c, &f.m)); /* reads see the committed checkpoint until the commit */
	CHECK_EQ(ckpt_commit(&f.c), CKPT_OK);
	f.m = n;
	CHECK_EQ(ckpt_seq(&f.c), 1);
	CHECK(model_matches(&f.c, &f.m));
	CHECK_EQ(fx_reopen(&f), CKPT_OK);
	CHECK_EQ(ckpt_seq(&f.c), 1);
	CHECK(model_matches(&f.c, &f.m));
	CHECK_EQ(ckpt_verify(&f.c, pg), CKPT_OK);
	fx_free(&f);
}

HOST_TEST(ckpt_incremental, "ckpt.incremental",
	  "a checkpoint writes only its pages, the directory and the commit record; the rest is inherited")
{
	struct fx f;
	CHECK(fx_init(&f));
	CHECK(checkpoint_range(&f, 0, 40, 1));
	CHECK_EQ(f.written, 40 * 8 + 2 + 1); /* 40 entries: 2 directory sectors */
	CHECK(checkpoint_range(&f, 5, 7, 2));
	CHECK_EQ(f.written, 2 * 8 + 2 + 1);
	CHECK(checkpoint_range(&f, 39, 41, 3)); /* one overwritten, one new */
	CHECK_EQ(f.written, 2 * 8 + 2 + 1);
	CHECK_EQ(ckpt_npages(&f.c), 41);
	/* an empty checkpoint still commits (a new sequence), writing the directory and the record */
	CHECK(checkpoint_range(&f, 0, 0, 4));
	CHECK_EQ(f.written, 2 + 1);
	CHECK_EQ(ckpt_seq(&f.c), 4);
	fx_free(&f);
}

HOST_TEST(ckpt_drop, "ckpt.drop",
	  "dropped pages disappear; dropping absent pages is harmless; the last put or drop wins")
{
	struct fx f;
	CHECK(fx_init(&f));
	CHECK(checkpoint_range(&f, 0, 20, 1));
	struct model n = f.m;
	CHECK_EQ(ckpt_begin(&f.c), CKPT_OK);
	CHECK_EQ(ckpt_drop_page(&f.c, model_id(3)), CKPT_OK);
	n.ver[3] = 0;
	CHECK_EQ(ckpt_drop_page(&f.c, model_id(50)), CKPT_OK); /* never there */
	CHECK_EQ(ckpt_drop_page(&f.c, 0x1), CKPT_OK);
	CHECK_EQ(put(&f, &n, 30, 2), CKPT_OK); /* put, then dropped: gone */
	CHECK_EQ(ckpt_drop_page(&f.c, model_id(30)), CKPT_OK);
	n.ver[30] = 0;
	CHECK_EQ(ckpt_drop_page(&f.c, model_id(4)), CKPT_OK); /* dropped, then put: there */
	CHECK_EQ(put(&f, &n, 4, 2), CKPT_OK);
	CHECK_EQ(put(&f, &n, 5, 2), CKPT_OK); /* put twice: the last data */
	CHECK_EQ(put(&f, &n, 5, 3), CKPT_OK);
	CHECK_EQ(ckpt_commit(&f.c), CKPT_OK);
	f.m = n;
	CHECK(model_matches(&f.c, &f.m));
	CHECK_EQ(fx_reopen(&f), CKPT_OK);
	CHECK(model_matches(&f.c, &f.m));
	/* dropping everything leaves an empty checkpoint */
	CHECK_EQ(ckpt_begin(&f.c), CKPT_OK);
	for (unsigned i = 0; i < MODEL_NIDS; i++)
		if (f.m.ver[i])
			CHECK_EQ(ckpt_drop_page(&f.c, model_id(i)), CKPT_OK);
	CHECK_EQ(ckpt_commit(&f.c), CKPT_OK);
	memset(f.m.ver, 0, sizeof f.m.ver);
	CHECK_EQ(fx_reopen(&f), CKPT_OK);
	CHECK_EQ(ckpt_npages(&f.c), 0);
	CHECK(model_matches(&f.c, &f.m));
	fx_free(&f);
}

HOST_TEST(ckpt_blob, "ckpt.blob", "the blob is inherited when not put, replaced when put, of any length up to max_blob")
{
	struct fx f;
	CHECK(fx_init(&f));
	static const uint32_t lens[] = {1, 511, 512, 513, 4096, 5000, MAXB, 0, 77};
	for (unsigned k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		struct model n = f.m;
		CHECK_EQ(ckpt_begin(&f.c), CKPT_OK);
		CHECK_EQ(put_blob(&f, &n, k + 100, lens[k]), CKPT_OK);
		CHECK_EQ(ckpt_commit(&f.c), CKPT_OK);
		f.m = n;
		CHECK(model_matches(&f.c, &f.m));
		/* two checkpoints that do not put it keep it (the area alternation must not lose it) */
		CHECK(checkpoint_range(&f, k, k + 1, 1));
		CHECK(checkpoint_range(&f, k, k + 1, 2));
	}
	uint32_t len;
	CHECK_EQ(ckpt_get_blob(&f.c, blobbuf, 76, &len), CKPT_ERANGE);
	CHECK_EQ(len, 77);
	CHECK_EQ(ckpt_begin(&f.c), CKPT_OK);
	CHECK_EQ(ckpt_put_blob(&f.c, blobbuf, MAXB + 1), CKPT_EINVAL);
	/* a blob put twice keeps the last */
	struct model n = f.m;
	CHECK_EQ(put_blob(&f, &n, 1, 3000), CKPT_OK);
	CHECK_EQ(put_blob(&f, &n, 2, 100), CKPT_OK);
	CHECK_EQ(ckpt_commit(&f.c), CKPT_OK);
	f.m = n;
	CHECK_EQ(fx_reopen(&f), CKPT_OK);
	CHECK(model_matches(&f.c, &f.m));
	fx_free(&f);
}

HOST_TEST(ckpt_abort_state, "ckpt.abort",
	  "abort forgets a checkpoint and frees its slots; calls out of order answer CKPT_ESTATE")
{
	struct fx f;
	CHECK(fx_init(&f));
	CHECK_EQ(ckpt_put_page(&f.c, 1, pg), CKPT_ESTATE);
	CHECK_EQ(ckpt_drop_page(&f.c, 1), CKPT_ESTATE);
	CHECK_EQ(ckpt_put_blob(&f.c, pg, 1), CKPT_ESTATE);
	CHECK_EQ(ckpt_commit(&f.c), CKPT_ESTATE);
	CHECK_EQ(ckpt_abort(&f.c), CKPT_ESTATE);
	CHECK(checkpoint_range(&f, 0, MAXP, 1)); /* a full directory: half the slots in use */
	/* many aborted checkpoints each fill the other half; abort must give the slots back */
	for (int r = 0; r < 5; r++) {
		CHECK_EQ(ckpt_begin(&f.c), CKPT_OK);
		CHECK_EQ(ckpt_begin(&f.c), CKPT_ESTATE);
		struct model n = f.m;
		for (unsigned i = 0; i < MAXP; i++)
			CHECK_EQ(put(&f, &n, i, 9), CKPT_OK);
		struct model junk = n;
		CHECK_EQ(put_blob(&f, &junk, 5, 10), CKPT_OK);
		CHECK_EQ(ckpt_abort(&f.c), CKPT_OK);
		CHECK(model_matches(&f.c, &f.m));
	}
	CHECK(checkpoint_range(&f, 0, MAXP, 2));
	fx_free(&f);
}

HOST_TEST(ckpt_full, "ckpt.full",
	  "more than max_pages pages or changes is refused, and the checkpoint can still be fixed")
{
	struct fx f;
	CHECK(fx_init(&f));
	CHECK(checkpoint_range(&f, 0, MAXP - 2, 1));
	struct model n = f.m;
	CHECK_EQ(ckpt_begin(&f.c), CKPT_OK);
	for (unsigned i = MAXP - 2; i < MAXP + 2; i++)
		CHECK_EQ(put(&f, &n, i, 1), CKPT_OK);
	CHECK_EQ(ckpt_commit(&f.c), CKPT_ENOSPC); /* 66 pages */
	CHECK(model_matches(&f.c, &f.m));
	CHECK_EQ(ckpt_drop_page(&f.c, model_id(0)), CKPT_OK);
	n.ver[0] = 0;
	CHECK_EQ(ckpt_commit(&f.c), CKPT_ENOSPC); /* 65 */
	CHECK_EQ(ckpt_drop_page(&f.c, model_id(1)), CKPT_OK);
	n.ver[1] = 0;
	CHECK_EQ(ckpt_commit(&f.c), CKPT_OK);
	f.m = n;
	CHECK_EQ(fx_reopen(&f), CKPT_OK);
	CHECK(model_matches(&f.c, &f.m));
	/* the change log holds max_pages puts and drops */
	CHECK_EQ(ckpt_begin(&f.c), CKPT_OK);
	for (unsigned i = 0; i < MAXP; i++)
		CHECK_EQ(ckpt_drop_page(&f.c, model_id(i)), CKPT_OK);
	CHECK_EQ(ckpt_drop_page(&f.c, model_id(0)), CKPT_ENOSPC);
	CHECK_EQ(ckpt_put_page(&f.c, model_id(0), pg), CKPT_ENOSPC);
	CHECK_EQ(ckpt_abort(&f.c), CKPT_OK);
	CHECK(model_matches(&f.c, &f.m));
	fx_free(&f);
}

HOST_TEST(ckpt_churn, "ckpt.churn", "rewriting a full directory in every checkpoint never runs out of slots")
{
	struct fx f;
	CHECK(fx_init(&f));
	for (uint32_t v = 1; v <= 12; v++)
		CHECK(checkpoint_range(&f, 0, MAXP, v));
	CHECK_EQ(ckpt_seq(&f.c), 12);
	CHECK_EQ(ckpt_verify(&f.c, pg), CKPT_OK);
	fx_free(&f);
}

HOST_TEST(ckpt_args, "ckpt.args", "format and open check their arguments, the device size and the working memory")
{
	struct fx f;
	CHECK(fx_init(&f));
	CHECK_EQ(ckpt_format(&f.md.dev, 0, MAXB, 1), CKPT_EINVAL);
	CHECK_EQ(ckpt_format(&f.md.dev, CKPT_MAX_PAGES + 1, MAXB, 1), CKPT_EINVAL);
	CHECK_EQ(ckpt_format(&f.md.dev, MAXP, CKPT_MAX_BLOB + 1, 1), CKPT_EINVAL);
	CHECK_EQ(ckpt_format(&f.md.dev, MAXP + 1, MAXB, 1), CKPT_ENOSPC); /* the device is exactly MAXP's size */
	CHECK_EQ(ckpt_open(&f.c, &f.md.dev, f.mem, ckpt_mem_size(MAXP) - 1), CKPT_ENOMEM);
	CHECK_EQ(ckpt_open(&f.c, &f.md.dev, (char *)f.mem + 4, ckpt_mem_size(MAXP) - 8), CKPT_EINVAL);
	CHECK_EQ(ckpt_npages(&f.c), 0);
	CHECK_EQ(ckpt_begin(&f.c), CKPT_ESTATE); /* a failed open leaves a closed handle */
	CHECK_EQ(ckpt_get_page(&f.c, 1, pg), CKPT_ESTATE);
	/* the sizes the header promises */
	CHECK_EQ(ckpt_mem_size(CKPT_MAX_PAGES), 3600u * 1024);
	CHECK_EQ(ckpt_dev_sectors(MAXP, MAXB), 8 + 2 * 8 + 2 * 16 + 2 * MAXP * 8);
	/* every code has its own message */
	for (int a = 0; a >= CKPT_ERANGE; a--) {
		CHECK(strcmp(ckpt_strerror(a), "unknown error") != 0);
		for (int b = a - 1; b >= CKPT_ERANGE; b--)
			CHECK(strcmp(ckpt_strerror(a), ckpt_strerror(b)) != 0);
	}
	CHECK(strcmp(ckpt_strerror(-99), "unknown error") == 0);
	fx_free(&f);
}

HOST_TEST(ckpt_unformatted, "ckpt.bad.unformatted", "an all-zero or empty device is unformatted, not corrupt")
{
	struct memdev md;
	void *mem = malloc(ckpt_mem_size(MAXP));
	struct ckpt c;
	md_init(&md, 4096);
	CHECK_EQ(ckpt_open(&c, &md.dev, mem, ckpt_mem_size(MAXP)), CKPT_EUNFORMATTED);
	md_free(&md);
	md_init(&md, 0);
	CHECK_EQ(ckpt_open(&c, &md.dev, mem, ckpt_mem_size(MAXP)), CKPT_EUNFORMATTED);
	md_free(&md);
	free(mem);
}

/* Rewrites the superblock after fn changed it, with a correct checksum. */
static void resign_sb(struct fx *f, void (*fn)(struct ckpt_sb *))
{
	struct ckpt_sb *sb = (struct ckpt_sb *)f->md.img;
	fn(sb);
	sb->crc = ckpt_crc32c(0, sb, offsetof(struct ckpt_sb, crc));
}
static void bump_version(struct ckpt_sb *sb) { sb->version++; }
static void other_magic(struct ckpt_sb *sb) { sb->magic = 0x4d42522d54524150ull; }
static void wrong_geometry(struct ckpt_sb *sb) { sb->lba_data++, sb->total_sectors++; }
static void huge_max_pages(struct ckpt_sb *sb) { sb->max_pages = CKPT_MAX_PAGES * 2; }

HOST_TEST(ckpt_foreign, "ckpt.bad.foreign",
	  "another magic or version is foreign; a well-signed wrong geometry is corrupt")
{
	struct fx f;
	static uint8_t save[CKPT_SECTOR];
	CHECK(fx_init(&f));
	memcpy(save, f.md.img, CKPT_SECTOR);
	resign_sb(&f, bump_version);
	CHECK_EQ(fx_reopen(&f), CKPT_EFOREIGN);
	memcpy(f.md.img, save, CKPT_SECTOR);
	resign_sb(&f, other_magic);
	CHECK_EQ(fx_reopen(&f), CKPT_EFOREIGN);
	memcpy(f.md.img, "\xebXMSDOS5.0", 11); /* a FAT boot sector, say */
	CHECK_EQ(fx_reopen(&f), CKPT_EFOREIGN);
	memcpy(f.md.img, save, CKPT_SECTOR);
	resign_sb(&f, wrong_geometry);
	CHECK_EQ(fx_reopen(&f), CKPT_ECORRUPT);
	memcpy(f.md.img, save, CKPT_SECTOR);
	resign_sb(&f, huge_max_pages);
	CHECK_EQ(fx_reopen(&f), CKPT_ECORRUPT);
	memcpy(f.md.img, save, CKPT_SECTOR);
	CHECK_EQ(fx_reopen(&f), CKPT_OK);
	/* a superblock of another format of the device does not accept this format's commit records */
	struct ckpt_sb *sb = (struct ckpt_sb *)f.md.img;
	sb->format_id++;
	sb->crc = ckpt_crc32c(0, sb, offsetof(struct ckpt_sb, crc));
	CHECK_EQ(fx_reopen(&f), CKPT_ECORRUPT);
	fx_free(&f);
}

HOST_TEST(ckpt_truncated, "ckpt.bad.truncated", "a device smaller than the superblock says is truncated")
{
	struct fx f;
	CHECK(fx_init(&f));
	CHECK(checkpoint_range(&f, 0, 10, 1));
	struct memdev small;
	uint64_t n = f.md.sectors;
	for (uint64_t cut = 1; cut <= n - 1; cut = cut * 2 + 1) {
		md_init(&small, n - cut);
		memcpy(small.img, f.md.img, (n - cut) * CKPT_SECTOR);
		struct ckpt c;
		CHECK_EQ(ckpt_open(&c, &small.dev, f.mem, ckpt_mem_size(MAXP)), CKPT_ETRUNCATED);
		md_free(&small);
	}
	fx_free(&f);
}

/* Three checkpoints, so that a damaged newest one has a predecessor: *older is the model of seq 2. */
static int two_checkpoints(struct fx *f, struct model *older)
{
	if (!fx_init(f) || !checkpoint_range(f, 0, 40, 1))
		return 0;
	struct model n = f->m;
	if (ckpt_begin(&f->c) || put_blob(f, &n, 3, 3000) || ckpt_commit(&f->c))
		return 0;
	f->m = *older = n;
	return checkpoint_range(f, 10, 20, 2);
}

HOST_TEST(ckpt_flip_sb, "ckpt.bad.flip.superblock", "a bit flip anywhere in the superblock is refused")
{
	struct fx f;
	CHECK(fx_init(&f));
	for (unsigned byte = 0; byte < sizeof(struct ckpt_sb); byte++) {
		for (unsigned bit = 0; bit < 8; bit += 3) {
			f.md.img[byte] ^= 1u << bit;
			int err = fx_reopen(&f);
			f.md.img[byte] ^= 1u << bit;
			if (byte < 12)
				CHECK_EQ(err, CKPT_EFOREIGN); /* the magic and the version */
			else
				CHECK_EQ(err, CKPT_ECORRUPT);
		}
	}
	CHECK_EQ(fx_reopen(&f), CKPT_OK);
	fx_free(&f);
}

HOST_TEST(ckpt_flip_commit, "ckpt.bad.flip.commit",
	  "a bit flip in the newest commit record falls back to the previous checkpoint; in both records it is refused")
{
	struct fx f;
	struct model older;
	CHECK(two_checkpoints(&f, &older));
	uint64_t seq = ckpt_seq(&f.c);
	CHECK_EQ(seq, 3);
	uint8_t *newest = f.md.img + (CKPT_LBA_COMMIT + (seq & 1)) * CKPT_SECTOR;
	uint8_t *other = f.md.img + (CKPT_LBA_COMMIT + ((seq - 1) & 1)) * CKPT_SECTOR;
	const struct model prev = older;
	for (unsigned byte = 0; byte < sizeof(struct ckpt_commit_rec); byte++) {
		newest[byte] ^= 0x10;
		CHECK_EQ(fx_reopen(&f), CKPT_OK);
		CHECK_EQ(ckpt_seq(&f.c), seq - 1);
		CHECK(model_matches(&f.c, &prev));
		other[byte] ^= 0x01;
		CHECK_EQ(fx_reopen(&f), CKPT_ECORRUPT);
		newest[byte] ^= 0x10;
		other[byte] ^= 0x01;
	}
	CHECK_EQ(fx_reopen(&f), CKPT_OK);
	CHECK_EQ(ckpt_seq(&f.c), seq);
	CHECK(model_matches(&f.c, &f.m));
	fx_free(&f);
}

HOST_TEST(ckpt_flip_dir, "ckpt.bad.flip.directory", "a bit flip in the newest directory is refused")
{
	struct fx f;
	struct model older;
	CHECK(two_checkpoints(&f, &older));
	uint8_t *dir = f.md.img + f.c.lba_dir[f.c.dir_area] * CKPT_SECTOR;
	for (unsigned byte = 0; byte < ckpt_npages(&f.c) * sizeof(struct ckpt_dirent); byte++) {
		dir[byte] ^= 0x04;
		CHECK_EQ(fx_reopen(&f), CKPT_ECORRUPT);
		dir[byte] ^= 0x04;
	}
	CHECK_EQ(fx_reopen(&f), CKPT_OK);
	CHECK(model_matches(&f.c, &f.m));
	fx_free(&f);
}

HOST_TEST(ckpt_flip_data, "ckpt.bad.flip.data", "a bit flip in a page or the blob is reported when it is read")
{
	struct fx f;
	struct model older;
	CHECK(two_checkpoints(&f, &older));
	CHECK_EQ(ckpt_verify(&f.c, pg), CKPT_OK);
	uint32_t slot = f.c.dir[7].slot;
	uint8_t *p = f.md.img + (f.c.lba_data + (uint64_t)slot * 8) * CKPT_SECTOR + 1234;
	*p ^= 0x80;
	CHECK_EQ(ckpt_get_page(&f.c, f.c.dir[7].id, pg), CKPT_ECORRUPT);
	CHECK_EQ(ckpt_get_page(&f.c, f.c.dir[8].id, pg), CKPT_OK);
	CHECK_EQ(ckpt_verify(&f.c, pg), CKPT_ECORRUPT);
	*p ^= 0x80;
	uint8_t *b = f.md.img + f.c.lba_blob[f.c.blob_area] * CKPT_SECTOR + 2999;
	*b ^= 0x02;
	uint32_t len;
	CHECK_EQ(ckpt_get_blob(&f.c, blobbuf, sizeof blobbuf, &len), CKPT_ECORRUPT);
	CHECK_EQ(ckpt_verify(&f.c, pg), CKPT_ECORRUPT);
	*b ^= 0x02;
	CHECK_EQ(ckpt_verify(&f.c, pg), CKPT_OK);
	CHECK(model_matches(&f.c, &f.m));
	fx_free(&f);
}

HOST_TEST(
    ckpt_eio, "ckpt.eio",
    "device errors: a failed put or directory write keeps the checkpoint open; a failed commit record needs a reopen")
{
	struct fx f;
	CHECK(fx_init(&f));
	CHECK(checkpoint_range(&f, 0, 10, 1));
	struct model n = f.m;
	CHECK_EQ(ckpt_begin(&f.c), CKPT_OK);
	md_arm(&f.md, -1, 0, 0);
	f.md.fail_write_at = 1;
	CHECK_EQ(put(&f, &n, 20, 2), CKPT_OK);
	struct model junk = n;
	CHECK_EQ(put(&f, &junk, 21, 2), CKPT_EIO);
	f.md.fail_flush_at = 0; /* the flush after the directory */
	CHECK_EQ(ckpt_commit(&f.c), CKPT_EIO);
	CHECK(model_matches(&f.c, &f.m));
	CHECK_EQ(ckpt_commit(&f.c), CKPT_OK); /* retried */
	f.m = n;
	CHECK(model_matches(&f.c, &f.m));
	/* the commit record's write fails: the disk holds the old checkpoint, the handle must be reopened */
	n = f.m;
	CHECK_EQ(ckpt_begin(&f.c), CKPT_OK);
	CHECK_EQ(put(&f, &n, 0, 3), CKPT_OK);
	md_arm(&f.md, -1, 0, 0);
	f.md.fail_flush_at = -1;
	f.md.fail_write_at = 1; /* 0: the directory, 1: the record */
	CHECK_EQ(ckpt_commit(&f.c), CKPT_EIO);
	CHECK_EQ(ckpt_begin(&f.c), CKPT_ESTATE);
	CHECK_EQ(ckpt_get_page(&f.c, model_id(0), pg), CKPT_ESTATE);
	md_settle(&f.md);
	CHECK_EQ(fx_reopen(&f), CKPT_OK);
	CHECK(model_matches(&f.c, &f.m));
	fx_free(&f);
}
