/* SPDX-License-Identifier: MIT */
/* The checkpoint store: format, open (choosing the newest complete checkpoint) and reading it back. */
#include <string.h>
#include "ckpt_impl.h"

/* CRC32C (Castagnoli), reflected; the table is built on first use (no const tables to get wrong). */
static uint32_t crc_table[256];

uint32_t ckpt_crc32c(uint32_t crc, const void *data, size_t len)
{
	if (!crc_table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i;
			for (int k = 0; k < 8; k++)
				v = (v >> 1) ^ (0x82f63b78u & -(v & 1));
			crc_table[i] = v;
		}
	}
	const uint8_t *p = data;
	crc = ~crc;
	while (len--)
		crc = (crc >> 8) ^ crc_table[(crc ^ *p++) & 0xff];
	return ~crc;
}

const char *ckpt_strerror(int err)
{
	switch (err) {
	case CKPT_OK: return "success";
	case CKPT_EIO: return "device I/O error";
	case CKPT_EUNFORMATTED: return "unformatted image (no checkpoint superblock)";
	case CKPT_EFOREIGN: return "foreign image (not a mnemo checkpoint store of this version)";
	case CKPT_ECORRUPT: return "corrupted image (checksum or consistency check failed)";
	case CKPT_ETRUNCATED: return "truncated image (device smaller than the superblock says)";
	case CKPT_ENOMEM: return "working memory too small for this image";
	case CKPT_EINVAL: return "invalid argument";
	case CKPT_ENOSPC: return "out of space (device too small or checkpoint too large)";
	case CKPT_ENOENT: return "no such page";
	case CKPT_ESTATE: return "call out of order (or the store must be reopened)";
	case CKPT_ERANGE: return "buffer too small";
	default: return "unknown error";
	}
}

static uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/* Areas start on 4 KiB boundaries so that page slots are aligned on disks with 4 KiB sectors. */
void ckpt_layout(uint32_t max_pages, uint32_t max_blob, struct ckpt_layout *l)
{
	/* Twice max_pages slots: the committed checkpoint holds at most max_pages and a new
	 * one writes at most max_pages more, so a put never finds the disk full. */
	l->nslots = 2 * max_pages;
	l->dir_sectors = (uint32_t)round_up((uint64_t)max_pages * sizeof(struct ckpt_dirent), CKPT_PAGE) / CKPT_SECTOR;
	l->blob_sectors = (uint32_t)round_up(max_blob, CKPT_PAGE) / CKPT_SECTOR;
	l->lba_dir[0] = CKPT_LBA_DIR;
	l->lba_dir[1] = l->lba_dir[0] + l->dir_sectors;
	l->lba_blob[0] = l->lba_dir[1] + l->dir_sectors;
	l->lba_blob[1] = l->lba_blob[0] + l->blob_sectors;
	l->lba_data = l->lba_blob[1] + l->blob_sectors;
	l->total_sectors = l->lba_data + (uint64_t)l->nslots * CKPT_PAGE_SECTORS;
}

uint64_t ckpt_dev_sectors(uint32_t max_pages, uint32_t max_blob)
{
	struct ckpt_layout l;
	ckpt_layout(max_pages, max_blob, &l);
	return l.total_sectors;
}

/* Directory arrays are whole sectors, so a directory is read and written in place. */
static size_t dir_bytes(uint32_t max_pages) { return round_up(max_pages, CKPT_DIRENTS_PER_SECTOR) * 16; }
static size_t busy_bytes(uint32_t max_pages) { return round_up(2ull * max_pages, 64) / 8; }

size_t ckpt_mem_size(uint32_t max_pages)
{
	return 2 * dir_bytes(max_pages) + (size_t)max_pages * sizeof(struct ckpt_change) + busy_bytes(max_pages);
}

/* Large transfers go in pieces: a PIO ATA command moves at most 256 sectors. */
#define IO_CHUNK 128u

int ckpt_dev_read(struct ckpt *c, uint64_t lba, uint64_t n, void *buf)
{
	uint8_t *p = buf;
	while (n) {
		unsigned k = n < IO_CHUNK ? (unsigned)n : IO_CHUNK;
		if (c->dev.read(c->dev.ctx, lba, k, p) != 0)
			return CKPT_EIO;
		lba += k, n -= k, p += (size_t)k * CKPT_SECTOR;
	}
	return CKPT_OK;
}

int ckpt_dev_write(struct ckpt *c, uint64_t lba, uint64_t n, const void *buf)
{
	const uint8_t *p = buf;
	while (n) {
		unsigned k = n < IO_CHUNK ? (unsigned)n : IO_CHUNK;
		if (c->dev.write(c->dev.ctx, lba, k, p) != 0)
			return CKPT_EIO;
		c->sectors_written += k;
		lba += k, n -= k, p += (size_t)k * CKPT_SECTOR;
	}
	return CKPT_OK;
}

static int dev_flush(struct ckpt *c) { return c->dev.flush(c->dev.ctx) ? CKPT_EIO : CKPT_OK; }

int ckpt_format(const struct ckpt_dev *dev, uint32_t max_pages, uint32_t max_blob, uint64_t format_id)
{
	if (!dev || max_pages == 0 || max_pages > CKPT_MAX_PAGES || max_blob > CKPT_MAX_BLOB)
		return CKPT_EINVAL;
	struct ckpt_layout l;
	ckpt_layout(max_pages, max_blob, &l);
	if (dev->sectors < l.total_sectors)
		return CKPT_ENOSPC;
	/* A scratch handle gives the I/O helpers their device; the bounce sector lives in it. */
	struct ckpt c = {.dev = *dev};

	/* The old superblock goes first: a format cut short leaves an unformatted image, never the
	 * old store with some of its commit records gone. */
	memset(c.sector, 0, sizeof c.sector);
	int err = ckpt_dev_write(&c, CKPT_LBA_SB, 1, c.sector);
	if (!err)
		err = dev_flush(&c);
	/* Then the commit slots: an empty checkpoint 0 in slot 0, nothing in slot 1. */
	struct ckpt_commit_rec *r = (struct ckpt_commit_rec *)c.sector;
	if (!err)
		err = ckpt_dev_write(&c, CKPT_LBA_COMMIT + 1, 1, c.sector);
	*r = (struct ckpt_commit_rec){.magic = CKPT_CR_MAGIC, .version = CKPT_VERSION, .format_id = format_id};
	r->dir_crc = r->blob_crc = ckpt_crc32c(0, NULL, 0);
	r->crc = ckpt_crc32c(0, r, offsetof(struct ckpt_commit_rec, crc));
	if (!err)
		err = ckpt_dev_write(&c, CKPT_LBA_COMMIT, 1, c.sector);
	if (!err)
		err = dev_flush(&c);
	if (err)
		return err;

	/* The superblock last: it makes the image a store. */
	struct ckpt_sb *sb = (struct ckpt_sb *)c.sector;
	memset(c.sector, 0, sizeof c.sector);
	*sb = (struct ckpt_sb){
	    .magic = CKPT_SB_MAGIC,
	    .version = CKPT_VERSION,
	    .sector_size = CKPT_SECTOR,
	    .format_id = format_id,
	    .total_sectors = l.total_sectors,
	    .max_pages = max_pages,
	    .max_blob = max_blob,
	    .nslots = l.nslots,
	    .dir_sectors = l.dir_sectors,
	    .blob_sectors = l.blob_sectors,
	    .lba_dir = {l.lba_dir[0], l.lba_dir[1]},
	    .lba_blob = {l.lba_blob[0], l.lba_blob[1]},
	    .lba_data = l.lba_data,
	};
	sb->crc = ckpt_crc32c(0, sb, offsetof(struct ckpt_sb, crc));
	err = ckpt_dev_write(&c, CKPT_LBA_SB, 1, c.sector);
	if (!err)
		err = dev_flush(&c);
	return err;
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Reads and checks the superblock into c's geometry. */
static int load_superblock(struct ckpt *c)
{
	if (c->dev.sectors < 1)
		return CKPT_EUNFORMATTED;
	if (ckpt_dev_read(c, CKPT_LBA_SB, 1, c->sector))
		return CKPT_EIO;
	struct ckpt_sb sb;
	memcpy(&sb, c->sector, sizeof sb);
	if (all_zero(c->sector, CKPT_SECTOR))
		return CKPT_EUNFORMATTED;
	if (sb.magic != CKPT_SB_MAGIC || sb.version != CKPT_VERSION)
		return CKPT_EFOREIGN;
	if (sb.crc != ckpt_crc32c(0, &sb, offsetof(struct ckpt_sb, crc)))
		return CKPT_ECORRUPT;
	/* A correct checksum over wrong geometry is still wrong: it must be the one we would compute. */
	if (sb.max_pages == 0 || sb.max_pages > CKPT_MAX_PAGES || sb.max_blob > CKPT_MAX_BLOB ||
	    sb.sector_size != CKPT_SECTOR)
		return CKPT_ECORRUPT;
	struct ckpt_layout l;
	ckpt_layout(sb.max_pages, sb.max_blob, &l);
	if (l.nslots != sb.nslots || l.dir_sectors != sb.dir_sectors || l.blob_sectors != sb.blob_sectors ||
	    l.lba_dir[0] != sb.lba_dir[0] || l.lba_dir[1] != sb.lba_dir[1] || l.lba_blob[0] != sb.lba_blob[0] ||
	    l.lba_blob[1] != sb.lba_blob[1] || l.lba_data != sb.lba_data || l.total_sectors != sb.total_sectors)
		return CKPT_ECORRUPT;
	if (c->dev.sectors < sb.total_sectors)
		return CKPT_ETRUNCATED;
	c->format_id = sb.format_id;
	c->max_pages = sb.max_pages;
	c->max_blob = sb.max_blob;
	c->nslots = sb.nslots;
	memcpy(c->lba_dir, l.lba_dir, sizeof c->lba_dir);
	memcpy(c->lba_blob, l.lba_blob, sizeof c->lba_blob);
	c->lba_data = l.lba_data;
	return CKPT_OK;
}

/* Reads commit slot i; returns 1 if it holds a well-formed record of this format. */
static int read_commit(struct ckpt *c, unsigned i, struct ckpt_commit_rec *r, int *err)
{
	*err = ckpt_dev_read(c, CKPT_LBA_COMMIT + i, 1, c->sector);
	if (*err)
		return 0;
	memcpy(r, c->sector, sizeof *r);
	return r->magic == CKPT_CR_MAGIC && r->version == CKPT_VERSION &&
	       r->crc == ckpt_crc32c(0, r, offsetof(struct ckpt_commit_rec, crc)) && r->format_id == c->format_id &&
	       (r->seq & 1) == i && r->dir_area < 2 && r->blob_area < 2 && r->dir_count <= c->max_pages &&
	       r->blob_len <= c->max_blob;
}

int ckpt_rebuild_busy(struct ckpt *c)
{
	memset(c->busy, 0, busy_bytes(c->max_pages));
	for (uint32_t i = 0; i < c->npages; i++) {
		uint32_t s = c->dir[i].slot;
		if (s >= c->nslots || (c->busy[s / 64] >> (s % 64) & 1))
			return CKPT_ECORRUPT;
		c->busy[s / 64] |= 1ull << (s % 64);
	}
	c->alloc_cursor = 0;
	return CKPT_OK;
}

int ckpt_open(struct ckpt *c, const struct ckpt_dev *dev, void *mem, size_t mem_size)
{
	if (!c)
		return CKPT_EINVAL;
	memset(c, 0, sizeof *c); /* closed until the end: a failed open leaves nothing usable */
	if (!dev || !mem || ((uintptr_t)mem & 7))
		return CKPT_EINVAL;
	c->dev = *dev;
	int err = load_superblock(c);
	if (err)
		return err;
	if (mem_size < ckpt_mem_size(c->max_pages))
		return CKPT_ENOMEM;
	uint8_t *m = mem;
	c->dir = (struct ckpt_dirent *)m;
	c->next = (struct ckpt_dirent *)(m + dir_bytes(c->max_pages));
	c->chg = (struct ckpt_change *)(m + 2 * dir_bytes(c->max_pages));
	c->busy = (uint64_t *)(m + 2 * dir_bytes(c->max_pages) + (size_t)c->max_pages * sizeof(struct ckpt_change));

	/*
	 * The newest well-formed record wins. A torn or unfinished commit leaves its
	 * slot ill-formed (checksum) or holding the record of two checkpoints ago,
	 * so the other slot's record, the previous checkpoint, is chosen.
	 */
	struct ckpt_commit_rec r[2], *best = NULL;
	for (unsigned i = 0; i < 2; i++) {
		if (read_commit(c, i, &r[i], &err) && (!best || r[i].seq > best->seq))
			best = &r[i];
		if (err)
			return err;
	}
	if (!best)
		return CKPT_ECORRUPT;

	/* The chosen record was written after its directory was flushed: a bad directory is corruption. */
	if (ckpt_dev_read(c, c->lba_dir[best->dir_area],
			  round_up(best->dir_count, CKPT_DIRENTS_PER_SECTOR) / CKPT_DIRENTS_PER_SECTOR, c->dir))
		return CKPT_EIO;
	if (ckpt_crc32c(0, c->dir, (size_t)best->dir_count * sizeof(struct ckpt_dirent)) != best->dir_crc)
		return CKPT_ECORRUPT;
	for (uint32_t i = 1; i < best->dir_count; i++)
		if (c->dir[i].id <= c->dir[i - 1].id)
			return CKPT_ECORRUPT;
	c->seq = best->seq;
	c->npages = best->dir_count;
	c->dir_area = best->dir_area;
	c->blob_area = best->blob_area;
	c->blob_len = best->blob_len;
	c->blob_crc = best->blob_crc;
	err = ckpt_rebuild_busy(c);
	if (err)
		return err;
	c->state = CKPT_ST_IDLE;
	return CKPT_OK;
}

uint64_t ckpt_seq(const struct ckpt *c) { return c->seq; }
uint32_t ckpt_max_pages(const struct ckpt *c) { return c->max_pages; }
uint32_t ckpt_max_blob(const struct ckpt *c) { return c->max_blob; }
uint32_t ckpt_npages(const struct ckpt *c) { return c->state == CKPT_ST_CLOSED ? 0 : c->npages; }
uint64_t ckpt_last_commit_sectors(const struct ckpt *c) { return c->last_commit_sectors; }

uint64_t ckpt_page_id(const struct ckpt *c, uint32_t index) { return index < ckpt_npages(c) ? c->dir[index].id : 0; }

static int readable(const struct ckpt *c) { return c->state == CKPT_ST_IDLE || c->state == CKPT_ST_BUILDING; }

/* Binary search of the committed directory; returns its index or -1. */
static long find(const struct ckpt *c, uint64_t id)
{
	uint32_t lo = 0, hi = c->npages;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (c->dir[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->npages && c->dir[lo].id == id ? (long)lo : -1;
}

static int read_entry(struct ckpt *c, const struct ckpt_dirent *e, void *buf)
{
	if (ckpt_dev_read(c, c->lba_data + (uint64_t)e->slot * CKPT_PAGE_SECTORS, CKPT_PAGE_SECTORS, buf))
		return CKPT_EIO;
	return ckpt_crc32c(0, buf, CKPT_PAGE) == e->crc ? CKPT_OK : CKPT_ECORRUPT;
}

int ckpt_get_page(struct ckpt *c, uint64_t id, void *buf)
{
	if (!readable(c))
		return CKPT_ESTATE;
	long i = find(c, id);
	if (i < 0)
		return CKPT_ENOENT;
	return read_entry(c, &c->dir[i], buf);
}

int ckpt_get_blob(struct ckpt *c, void *buf, uint32_t max, uint32_t *len)
{
	if (!readable(c))
		return CKPT_ESTATE;
	*len = c->blob_len;
	if (max < c->blob_len)
		return CKPT_ERANGE;
	uint32_t whole = c->blob_len / CKPT_SECTOR, tail = c->blob_len % CKPT_SECTOR;
	uint64_t lba = c->lba_blob[c->blob_area];
	if (ckpt_dev_read(c, lba, whole, buf))
		return CKPT_EIO;
	if (tail) {
		if (ckpt_dev_read(c, lba + whole, 1, c->sector))
			return CKPT_EIO;
		memcpy((uint8_t *)buf + (size_t)whole * CKPT_SECTOR, c->sector, tail);
	}
	return ckpt_crc32c(0, buf, c->blob_len) == c->blob_crc ? CKPT_OK : CKPT_ECORRUPT;
}

int ckpt_verify(struct ckpt *c, void *page_buf)
{
	if (!readable(c))
		return CKPT_ESTATE;
	for (uint32_t i = 0; i < c->npages; i++) {
		int err = read_entry(c, &c->dir[i], page_buf);
		if (err)
			return err;
	}
	/* The blob goes through page_buf a page at a time: the caller need not hold it whole. */
	uint32_t crc = 0;
	uint64_t lba = c->lba_blob[c->blob_area];
	for (uint32_t off = 0; off < c->blob_len; off += CKPT_PAGE, lba += CKPT_PAGE_SECTORS) {
		uint32_t n = c->blob_len - off < CKPT_PAGE ? c->blob_len - off : CKPT_PAGE;
		if (ckpt_dev_read(c, lba, round_up(n, CKPT_SECTOR) / CKPT_SECTOR, page_buf))
			return CKPT_EIO;
		crc = ckpt_crc32c(crc, page_buf, n);
	}
	return crc == c->blob_crc ? CKPT_OK : CKPT_ECORRUPT;
}
