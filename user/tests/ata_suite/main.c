/* SPDX-License-Identifier: MIT */
/* The ATA suite: the root task drives the PIO ATA disk of tests/qemu/scenarios/ata.scn, by interrupts and by polling. */
#include <test.h>
#include <string.h>
#include <task.h>
#include <ata.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <mnemo/exitcode.h>

/* ata.scn attaches a fresh, zero-filled image of DISK_MB=8. */
#define DISK_SECTORS (8u * 2048u)
#define PATTERN_SECTORS 2048u /* 1 MiB */

static uint8_t wbuf[PATTERN_SECTORS * ATA_SECTOR_SIZE] __attribute__((aligned(4096)));
static uint8_t rbuf[PATTERN_SECTORS * ATA_SECTOR_SIZE] __attribute__((aligned(4096)));
static struct ata_disk poll_disk, irq_disk;
static bool irq_disk_tried;
static int irq_disk_result;

/* Content that differs in every byte of every sector and names its sector in its
 * first eight bytes, so that a sector written to or read from the wrong place is
 * caught, and a different seed gives different content everywhere. */
static void fill(uint8_t *buf, uint64_t lba, unsigned count, uint64_t seed)
{
	for (unsigned s = 0; s < count; s++) {
		uint64_t *w = (uint64_t *)(buf + (size_t)s * ATA_SECTOR_SIZE),
			 x = seed ^ ((lba + s) * 0x9e3779b97f4a7c15ull);
		w[0] = lba + s;
		for (unsigned i = 1; i < ATA_SECTOR_SIZE / 8; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
			w[i] = x;
		}
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The interrupt-driven disk every test after ata.poll uses: initialised once, after
 * the polling tests, because a polling ata_init resets the device with nIEN set. */
static struct ata_disk *disk(void)
{
	if (!irq_disk_tried) {
		irq_disk_tried = true;
		irq_disk_result = ata_init(&irq_disk, true);
		if (irq_disk_result)
			printf("  ata_init with interrupts: %d (%s)\n", irq_disk_result, ata_strerror(irq_disk_result));
	}
	return irq_disk_result ? NULL : &irq_disk;
}

USER_TEST(identify, "ata.identify",
	  "polling ata_init resets the primary master and IDENTIFY gives an LBA48 disk of the image's size")
{
	int r = ata_init(&poll_disk, false);
	TEST_CHECK_EQ(r, 0);
	printf("  model \"%s\" serial \"%s\", %llu sectors, lba48 %d\n", poll_disk.model, poll_disk.serial,
	       (unsigned long long)poll_disk.sectors, poll_disk.lba48);
	TEST_CHECK(poll_disk.ready && !poll_disk.use_irq);
	TEST_CHECK_EQ(poll_disk.sectors, DISK_SECTORS);
	TEST_CHECK(poll_disk.lba48);
	TEST_CHECK(!strncmp(poll_disk.model, "QEMU HARDDISK", 13));
	TEST_CHECK_EQ(poll_disk.commands, 1); /* IDENTIFY */
}

USER_TEST(poll, "ata.poll", "polling mode (early boot): sectors written and read back without any interrupt IPC")
{
	TEST_CHECK(poll_disk.ready);
	fill(wbuf, 200, 3, 11);
	TEST_CHECK_EQ(ata_write(&poll_disk, 200, 3, wbuf), 0);
	memset(rbuf, 0xaa, 3 * ATA_SECTOR_SIZE);
	TEST_CHECK_EQ(ata_read(&poll_disk, 200, 3, rbuf), 0);
	TEST_CHECK(!memcmp(wbuf, rbuf, 3 * ATA_SECTOR_SIZE));
	TEST_CHECK_EQ(ata_flush(&poll_disk), 0);
	TEST_CHECK_EQ(poll_disk.irqs, 0);
	TEST_CHECK_EQ(poll_disk.commands, 4);
}

USER_TEST(rw_single, "ata.rw.single",
	  "one sector written and read back, its neighbours untouched; the same with 28-bit commands")
{
	struct ata_disk *d = disk();
	TEST_CHECK(d != NULL);
	TEST_CHECK(d->use_irq && d->sectors == DISK_SECTORS);
	fill(wbuf, 100, 1, 1);
	TEST_CHECK_EQ(ata_write(d, 100, 1, wbuf), 0);
	memset(rbuf, 0xaa, 3 * ATA_SECTOR_SIZE);
	TEST_CHECK_EQ(ata_read(d, 99, 3, rbuf), 0);
	TEST_CHECK(all_zero(rbuf, ATA_SECTOR_SIZE)); /* the image is fresh: zeroes around sector 100 */
	TEST_CHECK(!memcmp(rbuf + ATA_SECTOR_SIZE, wbuf, ATA_SECTOR_SIZE));
	TEST_CHECK(all_zero(rbuf + 2 * ATA_SECTOR_SIZE, ATA_SECTOR_SIZE));

	d->lba48 = false; /* READ/WRITE SECTORS instead of the EXT commands */
	fill(wbuf, 102, 1, 2);
	int w = ata_write(d, 102, 1, wbuf), r = ata_read(d, 102, 1, rbuf);
	d->lba48 = true;
	TEST_CHECK_EQ(w, 0);
	TEST_CHECK_EQ(r, 0);
	TEST_CHECK(!memcmp(rbuf, wbuf, ATA_SECTOR_SIZE));
	TEST_CHECK_EQ(ata_read(d, 100, 1, rbuf), 0);
	fill(wbuf, 100, 1, 1);
	TEST_CHECK(!memcmp(rbuf, wbuf, ATA_SECTOR_SIZE)); /* the 28-bit write did not land on 100 */
}

USER_TEST(rw_multi, "ata.rw.multi",
	  "700 sectors across 256-sector commands: one call is split into 3 commands; read back in other splits")
{
	struct ata_disk *d = disk();
	TEST_CHECK(d != NULL);
	const uint64_t lba = 1000;
	const unsigned n = 700;
	fill(wbuf, lba, n, 7);
	uint64_t c0 = d->commands;
	TEST_CHECK_EQ(ata_write(d, lba, n, wbuf), 0);
	TEST_CHECK_EQ(d->commands - c0, 3); /* 256 + 256 + 188 */
	memset(rbuf, 0xaa, n * ATA_SECTOR_SIZE);
	TEST_CHECK_EQ(ata_read(d, lba, n, rbuf), 0);
	TEST_CHECK(!memcmp(rbuf, wbuf, n * ATA_SECTOR_SIZE));
	/* Splits whose command boundaries fall elsewhere: 1, then 300 (256 + 44), then 399. */
	memset(rbuf, 0xaa, n * ATA_SECTOR_SIZE);
	TEST_CHECK_EQ(ata_read(d, lba, 1, rbuf), 0);
	TEST_CHECK_EQ(ata_read(d, lba + 1, 300, rbuf + ATA_SECTOR_SIZE), 0);
	TEST_CHECK_EQ(ata_read(d, lba + 301, 399, rbuf + 301 * ATA_SECTOR_SIZE), 0);
	TEST_CHECK(!memcmp(rbuf, wbuf, n * ATA_SECTOR_SIZE));
	/* Exactly one command's worth. */
	c0 = d->commands;
	TEST_CHECK_EQ(ata_read(d, lba + 10, ATA_MAX_SECTORS_PER_CMD, rbuf), 0);
	TEST_CHECK_EQ(d->commands - c0, 1);
	TEST_CHECK(!memcmp(rbuf, wbuf + 10 * ATA_SECTOR_SIZE, ATA_MAX_SECTORS_PER_CMD * ATA_SECTOR_SIZE));
}

USER_TEST(rw_pattern, "ata.rw.pattern", "1 MiB pattern written, read back and compared; then overwritten with another")
{
	struct ata_disk *d = disk();
	TEST_CHECK(d != NULL);
	const uint64_t lba = 4096;
	for (uint64_t seed = 21; seed <= 22; seed++) {
		fill(wbuf, lba, PATTERN_SECTORS, seed);
		TEST_CHECK_EQ(ata_write(d, lba, PATTERN_SECTORS, wbuf), 0);
		memset(rbuf, 0, sizeof rbuf);
		TEST_CHECK_EQ(ata_read(d, lba, PATTERN_SECTORS, rbuf), 0);
		TEST_CHECK(!memcmp(rbuf, wbuf, sizeof rbuf));
	}
}

USER_TEST(flush, "ata.flush", "FLUSH CACHE EXT completes with its one interrupt; FLUSH CACHE (28-bit) too")
{
	struct ata_disk *d = disk();
	TEST_CHECK(d != NULL);
	uint64_t i0 = d->irqs, c0 = d->commands;
	TEST_CHECK_EQ(ata_flush(d), 0);
	TEST_CHECK_EQ(d->irqs - i0, 1);
	TEST_CHECK_EQ(d->commands - c0, 1);
	d->lba48 = false;
	int r = ata_flush(d);
	d->lba48 = true;
	TEST_CHECK_EQ(r, 0);
	TEST_CHECK_EQ(d->irqs - i0, 2);
}

USER_TEST(
    range, "ata.range",
    "sectors beyond the end are refused (ATA_ERANGE); a device that is asked anyway answers with an error, not a hang")
{
	struct ata_disk *d = disk();
	TEST_CHECK(d != NULL);
	const uint64_t n = d->sectors;
	TEST_CHECK_EQ(ata_read(d, n, 1, rbuf), ATA_ERANGE);
	TEST_CHECK_EQ(ata_read(d, n - 1, 2, rbuf), ATA_ERANGE);
	TEST_CHECK_EQ(ata_write(d, n - 1, 2, wbuf), ATA_ERANGE);
	TEST_CHECK_EQ(ata_read(d, ~0ull - 1, 4, rbuf), ATA_ERANGE); /* no wrap-around */
	TEST_CHECK_EQ(ata_read(d, 0, 0, rbuf), ATA_ERANGE);
	fill(wbuf, n - 1, 1, 5);
	TEST_CHECK_EQ(ata_write(d, n - 1, 1, wbuf), 0); /* the last sector is in range */
	TEST_CHECK_EQ(ata_read(d, n - 1, 1, rbuf), 0);
	TEST_CHECK(!memcmp(rbuf, wbuf, ATA_SECTOR_SIZE));

	/* The driver is told the disk is larger than it is: the device itself must refuse. */
	d->sectors = n + 64;
	L4_Clock_t t0 = L4_SystemClock();
	int r = ata_read(d, n + 8, 1, rbuf), w = ata_write(d, n + 8, 1, wbuf);
	L4_Clock_t t1 = L4_SystemClock();
	d->sectors = n;
	printf("  device refused: read %d (status %#x error %#x), write %d, in %llu us\n", r, d->last_status,
	       d->last_error, w, (unsigned long long)(t1.raw - t0.raw));
	TEST_CHECK_EQ(r, ATA_EDEV);
	TEST_CHECK_EQ(w, ATA_EDEV);
	TEST_CHECK(d->last_error & 0x14); /* ABRT or IDNF */
	TEST_CHECK_EQ(ata_read(d, n - 1, 1, rbuf), 0); /* and the device still works */
	TEST_CHECK(!memcmp(rbuf, wbuf, ATA_SECTOR_SIZE));
}

USER_TEST(irq, "ata.irq",
	  "completion by interrupt IPC: one interrupt per data block and per flush, none stray, none in polling mode")
{
	struct ata_disk *d = disk();
	TEST_CHECK(d != NULL);
	TEST_CHECK(d->use_irq);
	uint64_t i0 = d->irqs, c0 = d->commands;
	fill(wbuf, 300, 8, 9);
	TEST_CHECK_EQ(ata_write(d, 300, 8, wbuf), 0);
	TEST_CHECK_EQ(d->irqs - i0, 8);
	TEST_CHECK_EQ(ata_read(d, 300, 8, rbuf), 0);
	TEST_CHECK_EQ(d->irqs - i0, 16);
	TEST_CHECK(!memcmp(rbuf, wbuf, 8 * ATA_SECTOR_SIZE));
	TEST_CHECK_EQ(ata_read(d, 300, 600, rbuf), 0); /* 3 commands */
	TEST_CHECK_EQ(d->irqs - i0, 616);
	TEST_CHECK_EQ(ata_flush(d), 0);
	TEST_CHECK_EQ(d->irqs - i0, 617);
	TEST_CHECK_EQ(d->commands - c0, 6);
	printf("  %llu interrupt IPCs for %llu commands since ata_init, %llu stray\n", (unsigned long long)d->irqs,
	       (unsigned long long)d->commands, (unsigned long long)d->stray_irqs);
	TEST_CHECK_EQ(d->stray_irqs, 0);
	TEST_CHECK_EQ(poll_disk.irqs, 0);
	/* Without an interrupt the wait ends with ATA_ETIMEDOUT: nIEN set behind the driver's back. */
	__asm__ volatile("outb %0, %1" : : "a"((uint8_t)0x02), "Nd"((uint16_t)0x3f6));
	d->timeout_us = 100000;
	int r = ata_read(d, 300, 1, rbuf);
	__asm__ volatile("outb %0, %1" : : "a"((uint8_t)0x00), "Nd"((uint16_t)0x3f6));
	d->timeout_us = ATA_DEFAULT_TIMEOUT_US;
	TEST_CHECK_EQ(r, ATA_ETIMEDOUT);
	TEST_CHECK_EQ(ata_read(d, 300, 8, rbuf), 0); /* the next command starts clean */
	TEST_CHECK(!memcmp(rbuf, wbuf, 8 * ATA_SECTOR_SIZE));
}

/* ---- persistence across boots: "ata_suite.elf write SEED", then "verify SEED" ---------------- */

#define PERSIST_MAGIC 0x4f4d454e4d4e4d41ull

struct region {
	uint64_t lba;
	unsigned count;
};

/* The header in sector 0, and regions at the start, across the middle and at the very end. */
static void persist_regions(uint64_t sectors, struct region r[3])
{
	r[0] = (struct region){1, 256};
	r[1] = (struct region){sectors / 2 - 100, 200};
	r[2] = (struct region){sectors - 64, 64};
}

static __attribute__((noreturn)) void finish(bool ok, const char *id, const char *name)
{
	printf("%s %s %s\n", ok ? "ok" : "not ok", id, name);
	printf("ata: %u passed, %u failed\n", ok ? 1u : 0u, ok ? 0u : 1u);
	unsigned char code = ok ? MNEMO_EXIT_PASS : MNEMO_EXIT_FAIL;
	__asm__ volatile("outb %0, %1" : : "a"(code), "Nd"((unsigned short)MNEMO_DEBUG_EXIT_PORT));
	for (;;)
		__asm__ volatile("pause");
}

static bool persist_write(struct ata_disk *d, uint64_t seed)
{
	struct region rg[3];
	persist_regions(d->sectors, rg);
	for (int i = 0; i < 3; i++) {
		fill(wbuf, rg[i].lba, rg[i].count, seed);
		if (ata_write(d, rg[i].lba, rg[i].count, wbuf))
			return false;
	}
	/* The header last: a verify that finds it finds the data it describes. */
	memset(wbuf, 0, ATA_SECTOR_SIZE);
	uint64_t *h = (uint64_t *)wbuf;
	h[0] = PERSIST_MAGIC, h[1] = seed, h[2] = d->sectors;
	return !ata_write(d, 0, 1, wbuf) && !ata_flush(d);
}

static bool persist_verify(struct ata_disk *d, uint64_t seed)
{
	const uint64_t *h = (const uint64_t *)rbuf;
	if (ata_read(d, 0, 1, rbuf))
		return false;
	if (h[0] != PERSIST_MAGIC || h[1] != seed || h[2] != d->sectors) {
		printf("  header: magic %#llx seed %llu sectors %llu\n", (unsigned long long)h[0],
		       (unsigned long long)h[1], (unsigned long long)h[2]);
		return false;
	}
	struct region rg[3];
	persist_regions(d->sectors, rg);
	for (int i = 0; i < 3; i++) {
		fill(wbuf, rg[i].lba, rg[i].count, seed);
		if (ata_read(d, rg[i].lba, rg[i].count, rbuf) ||
		    memcmp(rbuf, wbuf, (size_t)rg[i].count * ATA_SECTOR_SIZE)) {
			printf("  region %d (%u sectors at %llu) differs\n", i, rg[i].count,
			       (unsigned long long)rg[i].lba);
			return false;
		}
	}
	return true;
}

/* The word after `key` on the command line ("write 42" -> 42); false if the key is absent. */
static bool arg_number(const char *c, const char *key, uint64_t *v)
{
	size_t n = strlen(key);
	for (; *c; c++) {
		if (c[-1] != ' ' || strncmp(c, key, n) || c[n] != ' ')
			continue;
		const char *p = c + n + 1;
		if (*p < '0' || *p > '9')
			return false;
		for (*v = 0; *p >= '0' && *p <= '9'; p++)
			*v = *v * 10 + (uint64_t)(*p - '0');
		return true;
	}
	return false;
}

int main(void)
{
	const char *c = task_module_cmdline("ata_suite");
	const char *args = c;
	while (*args && *args != ' ')
		args++; /* arg_number looks one character back: start after the file name */
	uint64_t seed;
	if (*args && arg_number(args + 1, "write", &seed)) {
		printf("ata suite: writing the persistence pattern, seed %llu\n", (unsigned long long)seed);
		bool ok = !disk() ? false : persist_write(&irq_disk, seed);
		finish(ok, "ata.persist.write", "pattern and header written and flushed for the next boot");
	}
	if (*args && arg_number(args + 1, "verify", &seed)) {
		printf("ata suite: verifying the persistence pattern, seed %llu\n", (unsigned long long)seed);
		bool ok = !disk() ? false : persist_verify(&irq_disk, seed);
		finish(ok, "ata.persist.verify", "the pattern of an earlier boot is on the disk");
	}
	if (*args && !strncmp(args, " nodisk", 7)) {
		int r = ata_init(&poll_disk, false), ri = ata_init(&irq_disk, true);
		printf("ata suite: no disk: ata_init %d (%s), with interrupts %d\n", r, ata_strerror(r), ri);
		finish(r == ATA_ENODEV && ri == ATA_ENODEV, "ata.nodisk",
		       "an empty primary channel is reported as ATA_ENODEV");
	}
	printf("ata suite: PIO ATA disk on the primary channel, IRQ 14 as IPC\n");
	test_run_all("ata");
}
