/* SPDX-License-Identifier: MIT */
/* The checkpointing pager's disk: the checkpoint store on the primary ATA disk, every write counted. */
#include <ata.h>
#include <ckpt.h>
#include "disk.h"

#define MAX_PAGES 1100 /* the pool's 1024 pages, with room; two slots a page fit 16 MiB */
#define MAX_BLOB (64u << 10)

static struct ata_disk ata;
static struct ckpt store;
static uint8_t store_mem[MAX_PAGES * 64] __attribute__((aligned(8)));
static bool ata_up;

static int dev_read(void *ctx, uint64_t lba, unsigned n, void *buf)
{
	(void)ctx;
	return ata_read(&ata, lba, n, buf);
}
static int dev_write(void *ctx, uint64_t lba, unsigned n, const void *buf)
{
	(void)ctx;
	count_write();
	return ata_write(&ata, lba, n, buf);
}
static int dev_flush(void *ctx)
{
	(void)ctx;
	return ata_flush(&ata);
}
static struct ckpt_dev dev = {.read = dev_read, .write = dev_write, .flush = dev_flush};

int disk_open(void)
{
	if (!ata_up) {
		int e = ata_init(&ata, true);
		if (e)
			return DISK_EATA + e;
		ata_up = true;
		dev.sectors = ata.sectors;
	}
	return ckpt_open(&store, &dev, store_mem, sizeof store_mem);
}

const char *disk_error(int e) { return e <= DISK_EATA ? ata_strerror(e - DISK_EATA) : ckpt_strerror(e); }

int disk_format(void)
{
	uint32_t pages = MAX_PAGES; /* as many as the disk holds, up to the pool */
	while (pages > 64 && ckpt_dev_sectors(pages, MAX_BLOB) > dev.sectors)
		pages -= 64;
	int e = ckpt_format(&dev, pages, MAX_BLOB, 1);
	return e ? e : ckpt_open(&store, &dev, store_mem, sizeof store_mem);
}

L4_Word_t disk_seq(void) { return ckpt_seq(&store); }
int disk_begin(void) { return ckpt_begin(&store); }
int disk_put_page(L4_Word_t id, const void *data) { return ckpt_put_page(&store, id, data); }
int disk_put_meta(const void *meta, size_t len) { return ckpt_put_blob(&store, meta, (uint32_t)len); }
int disk_commit(void) { return ckpt_commit(&store); }
int disk_get_meta(void *meta, size_t len)
{
	uint32_t got;
	int e = ckpt_get_blob(&store, meta, (uint32_t)len, &got);
	return e ? e : got == len ? 0 : -1;
}
int disk_get_page(L4_Word_t id, void *buf) { return ckpt_get_page(&store, id, buf); }
L4_Word_t disk_last_commit_sectors(void) { return ckpt_last_commit_sectors(&store); }
