/* SPDX-License-Identifier: MIT */
/* The checkpoint store: building a checkpoint in free slots and committing it atomically. */
#include <string.h>
#include "ckpt_impl.h"

int ckpt_begin(struct ckpt *c)
{
	if (c->state != CKPT_ST_IDLE)
		return CKPT_ESTATE;
	c->nchanges = 0;
	c->blob_put = 0;
	c->sectors_written = 0;
	c->state = CKPT_ST_BUILDING;
	return CKPT_OK;
}

int ckpt_abort(struct ckpt *c)
{
	if (c->state != CKPT_ST_BUILDING)
		return CKPT_ESTATE;
	/* Slots written since ckpt_begin are free again: busy is exactly the committed directory. */
	ckpt_rebuild_busy(c);
	c->nchanges = 0;
	c->blob_put = 0;
	c->state = CKPT_ST_IDLE;
	return CKPT_OK;
}

/* A slot neither the committed checkpoint nor this one uses; there always is one (see ckpt_layout). */
static long alloc_slot(struct ckpt *c)
{
	uint32_t words = (c->nslots + 63) / 64;
	for (uint32_t n = 0; n < words; n++) {
		uint32_t w = (c->alloc_cursor + n) % words;
		uint64_t avail = ~c->busy[w];
		if (!avail)
			continue;
		uint32_t s = w * 64 + (uint32_t)__builtin_ctzll(avail);
		if (s >= c->nslots)
			continue;
		c->busy[w] |= 1ull << (s % 64);
		c->alloc_cursor = w;
		return s;
	}
	return -1;
}

static int add_change(struct ckpt *c, uint64_t id, uint32_t slot, uint32_t crc)
{
	c->chg[c->nchanges] = (struct ckpt_change){.id = id, .slot = slot, .crc = crc, .order = c->nchanges};
	c->nchanges++;
	return CKPT_OK;
}

int ckpt_put_page(struct ckpt *c, uint64_t id, const void *data)
{
	if (c->state != CKPT_ST_BUILDING)
		return CKPT_ESTATE;
	if (c->nchanges >= c->max_pages)
		return CKPT_ENOSPC;
	long s = alloc_slot(c);
	if (s < 0)
		return CKPT_ENOSPC;
	/* The slot is free in the committed checkpoint: writing it now cannot harm that checkpoint. */
	if (ckpt_dev_write(c, c->lba_data + (uint64_t)s * CKPT_PAGE_SECTORS, CKPT_PAGE_SECTORS, data))
		return CKPT_EIO;
	return add_change(c, id, (uint32_t)s, ckpt_crc32c(0, data, CKPT_PAGE));
}

int ckpt_drop_page(struct ckpt *c, uint64_t id)
{
	if (c->state != CKPT_ST_BUILDING)
		return CKPT_ESTATE;
	if (c->nchanges >= c->max_pages)
		return CKPT_ENOSPC;
	return add_change(c, id, CKPT_SLOT_DROP, 0);
}

int ckpt_put_blob(struct ckpt *c, const void *data, uint32_t len)
{
	if (c->state != CKPT_ST_BUILDING)
		return CKPT_ESTATE;
	if (len > c->max_blob || (len && !data))
		return CKPT_EINVAL;
	/* The area the committed checkpoint does not reference; the committed blob stays whole. */
	uint64_t lba = c->lba_blob[c->blob_area ^ 1];
	uint32_t whole = len / CKPT_SECTOR, tail = len % CKPT_SECTOR;
	if (ckpt_dev_write(c, lba, whole, data))
		return CKPT_EIO;
	if (tail) {
		memset(c->sector, 0, CKPT_SECTOR);
		memcpy(c->sector, (const uint8_t *)data + (size_t)whole * CKPT_SECTOR, tail);
		if (ckpt_dev_write(c, lba + whole, 1, c->sector))
			return CKPT_EIO;
	}
	c->blob_put = 1;
	c->next_blob_len = len;
	c->next_blob_crc = ckpt_crc32c(0, data, len);
	return CKPT_OK;
}

/* Changes in (id, order) order; heapsort, because it needs no memory and no recursion. */
static int chg_less(const struct ckpt_change *a, const struct ckpt_change *b)
{
	return a->id < b->id || (a->id == b->id && a->order < b->order);
}

static void sift_down(struct ckpt_change *v, uint32_t i, uint32_t n)
{
	for (;;) {
		uint32_t big = i, l = 2 * i + 1, r = 2 * i + 2;
		if (l < n && chg_less(&v[big], &v[l]))
			big = l;
		if (r < n && chg_less(&v[big], &v[r]))
			big = r;
		if (big == i)
			return;
		struct ckpt_change t = v[i];
		v[i] = v[big];
		v[big] = t;
		i = big;
	}
}

static void sort_changes(struct ckpt_change *v, uint32_t n)
{
	for (uint32_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (uint32_t end = n; end > 1; end--) {
		struct ckpt_change t = v[0];
		v[0] = v[end - 1];
		v[end - 1] = t;
		sift_down(v, 0, end - 1);
	}
}

/* The new directory: the committed one with the last change of each id applied. Returns its size or -1 if too large. */
static long merge(struct ckpt *c)
{
	uint32_t i = 0, j = 0, n = 0;
	while (i < c->npages || j < c->nchanges) {
		struct ckpt_dirent e;
		if (j == c->nchanges || (i < c->npages && c->dir[i].id < c->chg[j].id)) {
			e = c->dir[i++];
		} else {
			/* Skip to the last change of this id; it replaces the committed entry, if any. */
			while (j + 1 < c->nchanges && c->chg[j + 1].id == c->chg[j].id)
				j++;
			const struct ckpt_change *ch = &c->chg[j++];
			if (i < c->npages && c->dir[i].id == ch->id)
				i++;
			if (ch->slot == CKPT_SLOT_DROP)
				continue;
			e = (struct ckpt_dirent){.id = ch->id, .slot = ch->slot, .crc = ch->crc};
		}
		if (n == c->max_pages)
			return -1;
		c->next[n++] = e;
	}
	return n;
}

int ckpt_commit(struct ckpt *c)
{
	if (c->state != CKPT_ST_BUILDING)
		return CKPT_ESTATE;
	sort_changes(c->chg, c->nchanges);
	long n = merge(c);
	if (n < 0)
		return CKPT_ENOSPC; /* still building: the caller may drop pages or abort */
	uint32_t count = (uint32_t)n, area = c->dir_area ^ 1;
	uint32_t sectors = (count + CKPT_DIRENTS_PER_SECTOR - 1) / CKPT_DIRENTS_PER_SECTOR;
	/* Pad the last sector with zeros, so an image depends only on what was stored. */
	memset(&c->next[count], 0, (sectors * CKPT_DIRENTS_PER_SECTOR - count) * sizeof(struct ckpt_dirent));

	/* 1. The directory, into the area the committed checkpoint does not use; then everything is made durable. */
	if (ckpt_dev_write(c, c->lba_dir[area], sectors, c->next) || c->dev.flush(c->dev.ctx))
		return CKPT_EIO; /* nothing committed yet: the checkpoint stays open */

	/* 2. The commit record, into the slot of the checkpoint before the committed one. */
	struct ckpt_commit_rec *r = (struct ckpt_commit_rec *)c->sector;
	memset(c->sector, 0, CKPT_SECTOR);
	*r = (struct ckpt_commit_rec){
	    .magic = CKPT_CR_MAGIC,
	    .version = CKPT_VERSION,
	    .format_id = c->format_id,
	    .seq = c->seq + 1,
	    .dir_area = area,
	    .dir_count = count,
	    .dir_crc = ckpt_crc32c(0, c->next, (size_t)count * sizeof(struct ckpt_dirent)),
	    .blob_area = c->blob_put ? c->blob_area ^ 1 : c->blob_area,
	    .blob_len = c->blob_put ? c->next_blob_len : c->blob_len,
	    .blob_crc = c->blob_put ? c->next_blob_crc : c->blob_crc,
	};
	r->crc = ckpt_crc32c(0, r, offsetof(struct ckpt_commit_rec, crc));
	struct ckpt_commit_rec rec = *r;
	if (ckpt_dev_write(c, CKPT_LBA_COMMIT + (rec.seq & 1), 1, c->sector) || c->dev.flush(c->dev.ctx)) {
		c->state = CKPT_ST_FAILED; /* the record may or may not be on disk */
		return CKPT_EIO;
	}

	/* 3. The new checkpoint is the committed one. */
	struct ckpt_dirent *t = c->dir;
	c->dir = c->next;
	c->next = t;
	c->seq = rec.seq;
	c->npages = count;
	c->dir_area = area;
	c->blob_area = rec.blob_area;
	c->blob_len = rec.blob_len;
	c->blob_crc = rec.blob_crc;
	ckpt_rebuild_busy(c);
	c->nchanges = 0;
	c->blob_put = 0;
	c->last_commit_sectors = c->sectors_written;
	c->state = CKPT_ST_IDLE;
	return CKPT_OK;
}
