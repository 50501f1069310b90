/* SPDX-License-Identifier: MIT */
/* The PIO ATA driver: commands, data blocks, completion by interrupt IPC or by polling (docs/disk.md). */
#include <ata.h>
#include <pio.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>

/* The primary channel of the PC's legacy IDE controller (command block 0x1f0-0x1f7,
 * control block 0x3f6) and its ISA interrupt line. */
#define REG_DATA 0x1f0
#define REG_ERROR 0x1f1
#define REG_COUNT 0x1f2
#define REG_LBA0 0x1f3
#define REG_LBA1 0x1f4
#define REG_LBA2 0x1f5
#define REG_DEVICE 0x1f6
#define REG_STATUS 0x1f7 /* reading it also clears the device's interrupt request */
#define REG_COMMAND 0x1f7
#define REG_ALTSTATUS 0x3f6 /* the same status, without touching the interrupt request */
#define REG_CONTROL 0x3f6
#define ATA_IRQ 14

#define ST_ERR 0x01
#define ST_DRQ 0x08
#define ST_DF 0x20
#define ST_BSY 0x80
#define CTL_NIEN 0x02
#define CTL_SRST 0x04
#define DEV_LBA 0x40
#define DEV_OBSOLETE 0xa0 /* bits 7 and 5: must be one on older devices, ignored by newer */

#define CMD_READ 0x20
#define CMD_READ_EXT 0x24
#define CMD_WRITE 0x30
#define CMD_WRITE_EXT 0x34
#define CMD_FLUSH 0xe7
#define CMD_FLUSH_EXT 0xea
#define CMD_IDENTIFY 0xec

#define LBA28_LIMIT (1ull << 28)
#define LBA48_LIMIT (1ull << 48)
#define WORDS_PER_SECTOR (ATA_SECTOR_SIZE / 2)

/* The device may take up to 400 ns to show a new status after a command or a
 * device selection; four reads of the alternate status are the customary wait. */
static void settle(void)
{
	for (int i = 0; i < 4; i++)
		(void)inb(REG_ALTSTATUS);
}

static void spin_us(uint64_t us)
{
	L4_Clock_t end = L4_ClockAddUsec(L4_SystemClock(), us);
	while (L4_IsClockEarlier(L4_SystemClock(), end))
		;
}

/* Polls the alternate status until BSY is clear (and DRQ too, if idle is asked
 * for). Other threads get the processor between polls: a long wait (a reset may
 * take seconds on real disks) must not starve them. */
static int poll_status(struct ata_disk *d, bool idle, uint8_t *st)
{
	L4_Clock_t end = L4_ClockAddUsec(L4_SystemClock(), d->timeout_us);
	for (;;) {
		*st = inb(REG_ALTSTATUS);
		if (!(*st & ST_BSY) && (!idle || !(*st & ST_DRQ)))
			return 0;
		if (L4_IsClockLater(L4_SystemClock(), end)) {
			d->last_status = *st;
			return ATA_ETIMEDOUT;
		}
		L4_Yield();
	}
}

static int device_error(struct ata_disk *d, uint8_t st)
{
	d->last_status = st;
	d->last_error = inb(REG_ERROR);
	return ATA_EDEV;
}

/* The handler acknowledges an interrupt by sending to its interrupt thread: the
 * kernel unmasks the line (ABI notes §9.4). */
static void irq_ack(struct ata_disk *d)
{
	L4_Set_MsgTag(L4_Niltag);
	L4_Reply(d->irq_thread);
}

/* Takes interrupts still pending from an earlier command (one that timed out, or a
 * device that interrupts when it should not), so that a later wait cannot mistake
 * them for its own completion. */
static void drain_stray(struct ata_disk *d)
{
	while (d->use_irq && L4_IpcSucceeded(L4_Receive(d->irq_thread, L4_ZeroTime))) {
		d->stray_irqs++;
		(void)inb(REG_STATUS);
		irq_ack(d);
	}
}

/* Waits for the device's interrupt, then reads the status register. The read
 * lowers the device's request before the acknowledgement unmasks the line, so the
 * same request is never taken twice. */
static int wait_irq(struct ata_disk *d, uint8_t *st)
{
	L4_MsgTag_t tag = L4_Receive(d->irq_thread, L4_TimePeriod(d->timeout_us));
	if (L4_IpcFailed(tag)) {
		d->last_status = inb(REG_ALTSTATUS);
		return ATA_ETIMEDOUT;
	}
	d->irqs++;
	*st = inb(REG_STATUS);
	irq_ack(d);
	/* A device raises its request only with BSY clear; poll if one did not. */
	return *st & ST_BSY ? poll_status(d, false, st) : 0;
}

/* The end of one step of a command: the next data block is ready (want_drq) or the
 * command is complete. In polling mode the status register is read too, which
 * clears a request the device may have latched with nIEN set. */
static int wait_step(struct ata_disk *d, bool want_drq)
{
	uint8_t st;
	int r;
	if (d->use_irq) {
		r = wait_irq(d, &st);
	} else {
		settle();
		r = poll_status(d, false, &st);
		if (!r)
			st = inb(REG_STATUS);
	}
	if (r)
		return r;
	if (st & (ST_ERR | ST_DF))
		return device_error(d, st);
	if (!!(st & ST_DRQ) != want_drq) {
		d->last_status = st;
		d->last_error = 0;
		return ATA_EPROTO;
	}
	return 0;
}

/* Selects the master, loads the task file and writes the command. 48-bit commands
 * take two bytes per register, the high (previous) byte first. */
static int issue(struct ata_disk *d, uint8_t cmd, bool ext, uint64_t lba, unsigned n)
{
	uint8_t st;
	drain_stray(d);
	int r = poll_status(d, true, &st);
	if (r)
		return r;
	outb(REG_DEVICE, DEV_OBSOLETE | DEV_LBA | (ext ? 0 : (uint8_t)((lba >> 24) & 0x0f)));
	settle();
	if ((r = poll_status(d, true, &st)))
		return r;
	if (ext) {
		outb(REG_COUNT, (uint8_t)(n >> 8));
		outb(REG_LBA0, (uint8_t)(lba >> 24));
		outb(REG_LBA1, (uint8_t)(lba >> 32));
		outb(REG_LBA2, (uint8_t)(lba >> 40));
	}
	outb(REG_COUNT, (uint8_t)n); /* 0 means 256 (28-bit) or, with a zero high byte, 65536 */
	outb(REG_LBA0, (uint8_t)lba);
	outb(REG_LBA1, (uint8_t)(lba >> 8));
	outb(REG_LBA2, (uint8_t)(lba >> 16));
	outb(REG_COMMAND, cmd);
	d->commands++;
	return 0;
}

/* PIO data-in: one interrupt (or BSY clearing) before each 512-byte block. */
static int read_cmd(struct ata_disk *d, uint64_t lba, unsigned n, uint8_t *buf)
{
	int r = issue(d, d->lba48 ? CMD_READ_EXT : CMD_READ, d->lba48, lba, n);
	for (unsigned i = 0; !r && i < n; i++) {
		if (!(r = wait_step(d, true)))
			insw(REG_DATA, buf + (size_t)i * ATA_SECTOR_SIZE, WORDS_PER_SECTOR);
	}
	return r;
}

/* PIO data-out: the first block is asked for by DRQ alone, without an interrupt;
 * each block written is then followed by one interrupt, the last one ending the
 * command. */
static int write_cmd(struct ata_disk *d, uint64_t lba, unsigned n, const uint8_t *buf)
{
	uint8_t st;
	int r = issue(d, d->lba48 ? CMD_WRITE_EXT : CMD_WRITE, d->lba48, lba, n);
	if (r)
		return r;
	settle();
	if ((r = poll_status(d, false, &st)))
		return r;
	if (st & (ST_ERR | ST_DF))
		return device_error(d, st);
	if (!(st & ST_DRQ)) {
		d->last_status = st;
		return ATA_EPROTO;
	}
	for (unsigned i = 0; !r && i < n; i++) {
		outsw(REG_DATA, buf + (size_t)i * ATA_SECTOR_SIZE, WORDS_PER_SECTOR);
		r = wait_step(d, i + 1 < n);
	}
	return r;
}

static int reset(struct ata_disk *d);

/* After a timeout or a protocol violation the device may sit in the middle of a
 * command (DRQ set, data unread) and would refuse every later one: a software
 * reset brings it back, with its interrupt enabled again in interrupt mode. The
 * caller still gets the original error. */
static int recover(struct ata_disk *d, int err)
{
	if (err != ATA_ETIMEDOUT && err != ATA_EPROTO)
		return err;
	uint8_t st = d->last_status;
	if (!reset(d) && d->use_irq) {
		drain_stray(d);
		outb(REG_CONTROL, 0);
	}
	d->last_status = st;
	return err;
}

static int transfer(struct ata_disk *d, bool write, uint64_t lba, unsigned count, const void *buf)
{
	if (!d->ready)
		return ATA_ENOTREADY;
	uint64_t limit = d->lba48 ? d->sectors : (d->sectors < LBA28_LIMIT ? d->sectors : LBA28_LIMIT);
	if (count == 0 || lba >= limit || count > limit - lba)
		return ATA_ERANGE;
	const uint8_t *p = buf;
	while (count) {
		unsigned n = count < ATA_MAX_SECTORS_PER_CMD ? count : ATA_MAX_SECTORS_PER_CMD;
		int r = write ? write_cmd(d, lba, n, p) : read_cmd(d, lba, n, (uint8_t *)p);
		if (r)
			return recover(d, r);
		lba += n, count -= n, p += (size_t)n * ATA_SECTOR_SIZE;
	}
	return 0;
}

int ata_read(struct ata_disk *d, uint64_t lba, unsigned count, void *buf)
{
	return transfer(d, false, lba, count, buf);
}

int ata_write(struct ata_disk *d, uint64_t lba, unsigned count, const void *buf)
{
	return transfer(d, true, lba, count, buf);
}

int ata_flush(struct ata_disk *d)
{
	if (!d->ready)
		return ATA_ENOTREADY;
	int r = issue(d, d->lba48 ? CMD_FLUSH_EXT : CMD_FLUSH, false, 0, 0);
	return recover(d, r ? r : wait_step(d, false));
}

/* IDENTIFY strings are big-endian byte pairs padded with blanks. */
static void identify_string(char *dst, const uint16_t *w, unsigned words)
{
	unsigned n = 0;
	for (unsigned i = 0; i < words; i++) {
		dst[n++] = (char)(w[i] >> 8);
		dst[n++] = (char)(w[i] & 0xff);
	}
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = 0;
}

/* A device that answers with the ATAPI signature (PATA or SATA) is not a disk. */
static bool atapi_signature(void)
{
	uint8_t mid = inb(REG_LBA1), high = inb(REG_LBA2);
	return (mid == 0x14 && high == 0xeb) || (mid == 0x69 && high == 0x96);
}

static int identify(struct ata_disk *d)
{
	uint16_t id[256];
	int r = issue(d, CMD_IDENTIFY, false, 0, 0);
	if (!r)
		r = wait_step(d, true);
	if (r == ATA_EDEV && atapi_signature())
		return ATA_ENODEV; /* packet devices abort IDENTIFY DEVICE */
	if (r)
		return r;
	insw(REG_DATA, id, 256);
	if (id[0] & 0x8000) /* not an ATA device */
		return ATA_ENODEV;
	if (!(id[49] & (1u << 9))) /* CHS-only devices are not supported */
		return ATA_ENODEV;
	identify_string(d->serial, &id[10], 10);
	identify_string(d->model, &id[27], 20);
	d->lba48 = (id[83] & (1u << 10)) != 0;
	uint64_t n48 = (uint64_t)id[100] | (uint64_t)id[101] << 16 | (uint64_t)id[102] << 32 | (uint64_t)id[103] << 48;
	uint64_t n28 = (uint64_t)id[60] | (uint64_t)id[61] << 16;
	d->sectors = d->lba48 && n48 ? (n48 < LBA48_LIMIT ? n48 : LBA48_LIMIT) : n28;
	return d->sectors ? 0 : ATA_ENODEV;
}

/* Software reset of the channel: whatever the firmware or an earlier run left,
 * the device starts from its power-on state, with its interrupt disabled. */
static int reset(struct ata_disk *d)
{
	uint8_t st;
	outb(REG_CONTROL, CTL_NIEN | CTL_SRST);
	spin_us(5);
	outb(REG_CONTROL, CTL_NIEN);
	L4_Sleep(L4_TimePeriod(2000)); /* the device sets BSY within 2 ms after SRST clears */
	return poll_status(d, false, &st);
}

static int associate_irq(struct ata_disk *d)
{
	if (L4_AssociateInterrupt(d->irq_thread, L4_Myself()) != 1)
		return ATA_EIRQ;
	d->use_irq = true;
	drain_stray(d);
	d->stray_irqs = 0;
	outb(REG_CONTROL, 0); /* nIEN = 0: the device may raise IRQ 14 from now on */
	return 0;
}

int ata_init(struct ata_disk *d, bool use_irq)
{
	memset(d, 0, sizeof *d);
	d->timeout_us = ATA_DEFAULT_TIMEOUT_US;
	d->irq_thread = L4_GlobalId(ATA_IRQ, 1);
	outb(REG_DEVICE, DEV_OBSOLETE);
	settle();
	uint8_t st = inb(REG_ALTSTATUS);
	if (st == 0x00 || st == 0xff) /* an empty channel: QEMU reads 0, a floating bus all ones */
		return ATA_ENODEV;
	int r = reset(d);
	if (r)
		return r;
	outb(REG_DEVICE, DEV_OBSOLETE);
	settle();
	if (atapi_signature())
		return ATA_ENODEV;
	if (use_irq && (r = associate_irq(d)))
		return r;
	r = identify(d);
	if (r && d->use_irq) { /* leave line 14 as it was found: masked, with no handler */
		outb(REG_CONTROL, CTL_NIEN);
		L4_DeassociateInterrupt(d->irq_thread);
		d->use_irq = false;
	}
	d->ready = r == 0;
	return r;
}

const char *ata_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case ATA_ENODEV: return "no ATA disk";
	case ATA_ERANGE: return "out of range";
	case ATA_EDEV: return "device error";
	case ATA_ETIMEDOUT: return "timeout";
	case ATA_EPROTO: return "protocol violation";
	case ATA_EIRQ: return "interrupt association refused";
	case ATA_ENOTREADY: return "not initialised";
	default: return "unknown error";
	}
}
