/* SPDX-License-Identifier: MIT */
/* A user-level PIO ATA disk driver for the primary channel of QEMU's -M pc (docs/disk.md). */
#ifndef USER_ATA_H
#define USER_ATA_H

#include <stdbool.h>
#include <stdint.h>
#include <l4/types.h>

#define ATA_SECTOR_SIZE 512u
/* Sectors per command: the driver splits larger transfers. 256 is what the 8-bit
 * count of the 28-bit commands can say; the 48-bit commands are kept to the same
 * bound so that one command never holds the channel for more than 128 KiB. */
#define ATA_MAX_SECTORS_PER_CMD 256u
#define ATA_DEFAULT_TIMEOUT_US 5000000u

/* Results: 0 or one of these (negative). */
enum ata_error {
	ATA_ENODEV = -1, /* no ATA disk at the primary master (empty channel, or an ATAPI device) */
	ATA_ERANGE = -2, /* count 0, or a sector beyond the end of the disk */
	ATA_EDEV = -3, /* the device set ERR or DF: last_status and last_error hold its registers */
	ATA_ETIMEDOUT = -4, /* BSY did not clear, DRQ did not come or no interrupt within timeout_us */
	ATA_EPROTO = -5, /* the device broke the PIO protocol (DRQ missing or left set) */
	ATA_EIRQ = -6, /* the kernel refused to associate IRQ 14's interrupt thread with the caller */
	ATA_ENOTREADY = -7, /* the disk was not initialised by a successful ata_init */
};

/* One disk. Owned by one thread: with interrupts, the thread that called
 * ata_init is the interrupt handler and must make every later call. The
 * counters let a caller (and the tests) see which completion path ran. */
struct ata_disk {
	bool ready; /* ata_init succeeded */
	bool use_irq; /* completions arrive as interrupt IPC (else: polling) */
	bool lba48; /* the device has the 48-bit feature set; a caller may clear it to force 28-bit commands */
	uint64_t sectors; /* addressable sectors, from IDENTIFY words 100-103 (or 60-61) */
	char model[41], serial[21]; /* IDENTIFY strings, trailing blanks removed */
	uint8_t last_status, last_error; /* status and error registers after the last failure */
	unsigned timeout_us; /* per wait: for BSY to clear, for DRQ, or for one interrupt */
	L4_ThreadId_t irq_thread; /* IRQ 14's interrupt thread (when use_irq) */
	uint64_t commands; /* commands issued */
	uint64_t irqs; /* interrupt IPCs received while waiting for a command */
	uint64_t stray_irqs; /* interrupt IPCs found pending before a command was issued */
};

/* Software reset, detection and IDENTIFY of the primary master. With use_irq, IRQ
 * 14's interrupt thread is associated with the calling thread (ThreadControl with
 * pager = caller) and the device's interrupt is enabled (nIEN = 0); without, the
 * device's interrupt stays disabled and every wait polls (for early boot). */
int ata_init(struct ata_disk *d, bool use_irq);
/* Reads or writes count sectors from lba on; buf holds count * 512 bytes. */
int ata_read(struct ata_disk *d, uint64_t lba, unsigned count, void *buf);
int ata_write(struct ata_disk *d, uint64_t lba, unsigned count, const void *buf);
/* Returns once the device's write cache is on the medium (FLUSH CACHE [EXT]). */
int ata_flush(struct ata_disk *d);
/* A short name of an error code, for messages. */
const char *ata_strerror(int err);

#endif
