/* SPDX-License-Identifier: MIT */
/* Internals of the checkpoint store: on-disk structures, handle states, shared helpers. */
#ifndef CKPT_IMPL_H
#define CKPT_IMPL_H

#include "ckpt.h"

/*
 * On-disk layout, in sectors (docs/persistence-format.md has the picture):
 *   0                  superblock, written only by ckpt_format
 *   1, 2               commit slots 0 and 1: the record of sequence s lives in slot s & 1
 *   8                  directory area 0, then directory area 1 (dir_sectors each)
 *   ...                blob area 0, then blob area 1 (blob_sectors each)
 *   lba_data           nslots page slots of 8 sectors
 * Every multi-byte field is little-endian (the store is written and read on x86-64).
 */
#define CKPT_SB_MAGIC 0x504b434f4d454e4dull /* "MNEMOCKP" */
#define CKPT_VERSION 1u
#define CKPT_CR_MAGIC 0x31524b43u /* "CKR1" */
#define CKPT_LBA_SB 0u
#define CKPT_LBA_COMMIT 1u
#define CKPT_LBA_DIR 8u
#define CKPT_PAGE_SECTORS (CKPT_PAGE / CKPT_SECTOR)
#define CKPT_DIRENTS_PER_SECTOR (CKPT_SECTOR / sizeof(struct ckpt_dirent))

/* Superblock. Invariant: crc is the CRC32C of the bytes before it; the geometry is
 * exactly what ckpt_layout computes from max_pages and max_blob. */
struct ckpt_sb {
	uint64_t magic;
	uint32_t version;
	uint32_t sector_size; /* CKPT_SECTOR */
	uint64_t format_id; /* repeated in every commit record of this format */
	uint64_t total_sectors; /* the device must be at least this large */
	uint32_t max_pages, max_blob, nslots, dir_sectors;
	uint32_t blob_sectors, reserved;
	uint64_t lba_dir[2], lba_blob[2], lba_data;
	uint32_t pad, crc;
};
_Static_assert(sizeof(struct ckpt_sb) == 104, "superblock layout");

/*
 * Commit record: names one complete checkpoint. Invariants: crc is the CRC32C of
 * the bytes before it; the record of sequence s sits in slot s & 1; everything it
 * references (dir_count entries of directory area dir_area with CRC dir_crc, and
 * blob_len bytes of blob area blob_area with CRC blob_crc, and every page slot
 * those entries name) was on disk, flushed, before the record was written.
 */
struct ckpt_commit_rec {
	uint32_t magic, version;
	uint64_t format_id;
	uint64_t seq;
	uint32_t dir_area, dir_count, dir_crc;
	uint32_t blob_area, blob_len, blob_crc;
	uint32_t pad, crc;
};
_Static_assert(sizeof(struct ckpt_commit_rec) == 56, "commit record layout");

/*
 * Directory entry, the same in memory and on disk. Invariants of a directory:
 * ids strictly increasing; slot < nslots and no slot named twice; crc is the
 * CRC32C of the page's 4096 bytes in that slot.
 */
struct ckpt_dirent {
	uint64_t id;
	uint32_t slot;
	uint32_t crc;
};
_Static_assert(sizeof(struct ckpt_dirent) == 16, "directory entry layout");

/* One put or drop of the checkpoint being built; order makes the last one win. */
#define CKPT_SLOT_DROP 0xffffffffu
struct ckpt_change {
	uint64_t id;
	uint32_t slot; /* the slot written, or CKPT_SLOT_DROP */
	uint32_t crc;
	uint32_t order; /* index of the call within the checkpoint */
	uint32_t pad;
};

enum ckpt_state {
	CKPT_ST_CLOSED = 0, /* not opened */
	CKPT_ST_IDLE, /* opened, no checkpoint under way */
	CKPT_ST_BUILDING, /* between ckpt_begin and ckpt_commit/ckpt_abort */
	CKPT_ST_FAILED, /* a commit failed half-way: only ckpt_open helps */
};

/* The geometry of a store, derived from its two parameters. */
struct ckpt_layout {
	uint32_t nslots, dir_sectors, blob_sectors;
	uint64_t lba_dir[2], lba_blob[2], lba_data, total_sectors;
};
void ckpt_layout(uint32_t max_pages, uint32_t max_blob, struct ckpt_layout *l);

uint32_t ckpt_crc32c(uint32_t crc, const void *data, size_t len);
int ckpt_dev_read(struct ckpt *c, uint64_t lba, uint64_t n, void *buf);
int ckpt_dev_write(struct ckpt *c, uint64_t lba, uint64_t n, const void *buf);
/* Rebuilds the busy bitmap from the committed directory; CKPT_ECORRUPT if a slot is out of range or named twice. */
int ckpt_rebuild_busy(struct ckpt *c);

#endif
