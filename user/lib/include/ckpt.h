/* SPDX-License-Identifier: MIT */
/* The on-disk checkpoint store: incremental, crash-safe checkpoints of 4 KiB pages and one blob. */
#ifndef USER_CKPT_H
#define USER_CKPT_H

#include <stddef.h>
#include <stdint.h>

/*
 * A store holds one committed checkpoint: a set of 4 KiB pages, each named by a
 * 64-bit page id, and one metadata blob. A new checkpoint is built between
 * ckpt_begin and ckpt_commit: it starts as a copy of the committed one, pages are
 * put (written to free slots at once) or dropped, the blob may be replaced, and
 * ckpt_commit makes the whole set the committed checkpoint in one atomic step.
 * Nothing the committed checkpoint references is ever overwritten, so a crash at
 * any point leaves it readable; ckpt_open picks the newest complete checkpoint.
 * The format and the protocol are in docs/persistence-format.md.
 *
 * The library allocates nothing: the caller passes the device, a struct ckpt and
 * working memory of ckpt_mem_size(max_pages) bytes. It is not thread-safe.
 */

#define CKPT_SECTOR 512u /* bytes per device sector */
#define CKPT_PAGE 4096u /* bytes per page */
#define CKPT_MAX_PAGES 65536u /* largest max_pages a store can be formatted with */
#define CKPT_MAX_BLOB (64u << 20) /* largest max_blob, in bytes */

/*
 * A block device of 512-byte sectors. read/write transfer n sectors at lba and
 * return 0 or a negative value on error; flush returns when every write before it
 * is durable (the commit protocol relies on nothing else: writes between two
 * flushes may reach the disk in any order, and a crash may tear a sector).
 */
struct ckpt_dev {
	void *ctx;
	uint64_t sectors; /* size of the device */
	int (*read)(void *ctx, uint64_t lba, unsigned n, void *buf);
	int (*write)(void *ctx, uint64_t lba, unsigned n, const void *buf);
	int (*flush)(void *ctx);
};

/* Results: 0 or one of these negative codes; ckpt_strerror names each. */
enum ckpt_err {
	CKPT_OK = 0,
	CKPT_EIO = -1, /* the device reported an error */
	CKPT_EUNFORMATTED = -2, /* no superblock: the superblock sector is all zero */
	CKPT_EFOREIGN = -3, /* another magic, or a version of this format we do not read */
	CKPT_ECORRUPT = -4, /* a checksum or a consistency check failed */
	CKPT_ETRUNCATED = -5, /* the device is smaller than the superblock says */
	CKPT_ENOMEM = -6, /* the working memory is smaller than ckpt_mem_size(max_pages) */
	CKPT_EINVAL = -7, /* a bad argument */
	CKPT_ENOSPC = -8, /* device too small, or a checkpoint larger than max_pages */
	CKPT_ENOENT = -9, /* no such page in the committed checkpoint */
	CKPT_ESTATE = -10, /* call out of order, or the handle failed and needs ckpt_open */
	CKPT_ERANGE = -11, /* the caller's buffer is too small for the blob */
};
const char *ckpt_strerror(int err);

/* Sizing: the working memory ckpt_open needs, and the sectors ckpt_format needs. */
/* ckpt_mem_size: 56.25 bytes per page, rounded up; 3600 KiB for CKPT_MAX_PAGES. */
size_t ckpt_mem_size(uint32_t max_pages);
uint64_t ckpt_dev_sectors(uint32_t max_pages, uint32_t max_blob);

/*
 * Writes a fresh, empty store (sequence 0) for up to max_pages pages and a blob
 * of up to max_blob bytes; whatever the device held is lost. format_id tells
 * formats of the same device apart (a clock reading will do). Called only when
 * the user asked for it: ckpt_open never formats.
 */
int ckpt_format(const struct ckpt_dev *dev, uint32_t max_pages, uint32_t max_blob, uint64_t format_id);

struct ckpt_dirent;
struct ckpt_change;

/* A store opened by ckpt_open. The fields are private to the library. */
struct ckpt {
	struct ckpt_dev dev;
	int state; /* enum ckpt_state in ckpt_impl.h */
	/* geometry, from the superblock */
	uint64_t format_id;
	uint32_t max_pages, max_blob, nslots;
	uint64_t lba_dir[2], lba_blob[2], lba_data;
	/* the committed checkpoint: dir[0..npages) sorted by id */
	uint64_t seq;
	uint32_t npages, dir_area, blob_area, blob_len, blob_crc;
	/* the checkpoint being built */
	uint32_t nchanges, next_blob_len, next_blob_crc, alloc_cursor;
	int blob_put;
	/* working memory */
	struct ckpt_dirent *dir, *next;
	struct ckpt_change *chg;
	uint64_t *busy; /* bit per slot: referenced by dir[] or written since ckpt_begin */
	/* statistics */
	uint64_t sectors_written; /* since ckpt_begin */
	uint64_t last_commit_sectors; /* written by the last successful commit, pages and all */
	uint8_t sector[CKPT_SECTOR] __attribute__((aligned(8))); /* bounce buffer */
};

/*
 * Opens a store: reads the superblock and the commit records, loads the newest
 * complete checkpoint's directory into mem. mem must hold ckpt_mem_size(max_pages)
 * bytes for the image's max_pages, aligned to 8. Returns CKPT_EUNFORMATTED,
 * CKPT_EFOREIGN, CKPT_ECORRUPT or CKPT_ETRUNCATED for images it cannot use.
 */
int ckpt_open(struct ckpt *c, const struct ckpt_dev *dev, void *mem, size_t mem_size);

/* Sequence number of the committed checkpoint; 0 for a store never committed to. */
uint64_t ckpt_seq(const struct ckpt *c);
/* The store's limits, from its superblock. */
uint32_t ckpt_max_pages(const struct ckpt *c);
uint32_t ckpt_max_blob(const struct ckpt *c);

/*
 * Building a checkpoint. ckpt_begin starts one that inherits every page and the
 * blob of the committed one. put writes the page to a free slot at once (the
 * caller's buffer is free again on return); a page put twice keeps the last data.
 * drop removes a page (dropping an absent page is harmless). A checkpoint may put
 * and drop max_pages pages in all. put_blob replaces the blob (len <= max_blob).
 * ckpt_commit makes it the committed checkpoint; ckpt_abort forgets it. Reads
 * (below) see the committed checkpoint throughout. After an I/O error in
 * ckpt_commit the disk holds the old or the new checkpoint: the handle then
 * answers CKPT_ESTATE until ckpt_open finds out which.
 */
int ckpt_begin(struct ckpt *c);
int ckpt_put_page(struct ckpt *c, uint64_t id, const void *data);
int ckpt_drop_page(struct ckpt *c, uint64_t id);
int ckpt_put_blob(struct ckpt *c, const void *data, uint32_t len);
int ckpt_commit(struct ckpt *c);
int ckpt_abort(struct ckpt *c);

/* Reading the committed checkpoint. Pages are numbered 0..ckpt_npages-1 in increasing id order;
 * ckpt_page_id answers 0 for an index out of range (0 is also a valid id: bound the loop by ckpt_npages). */
uint32_t ckpt_npages(const struct ckpt *c);
uint64_t ckpt_page_id(const struct ckpt *c, uint32_t index);
int ckpt_get_page(struct ckpt *c, uint64_t id, void *buf); /* buf: CKPT_PAGE bytes */
/* Copies the blob to buf; *len is its length (also when CKPT_ERANGE says max is too small). */
int ckpt_get_blob(struct ckpt *c, void *buf, uint32_t max, uint32_t *len);
/* Reads every page and the blob and checks their checksums; page_buf: CKPT_PAGE bytes. */
int ckpt_verify(struct ckpt *c, void *page_buf);

/* Sectors written by the last commit (pages, blob, directory, commit record). */
uint64_t ckpt_last_commit_sectors(const struct ckpt *c);

#endif
