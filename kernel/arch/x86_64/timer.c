/* SPDX-License-Identifier: MIT */
/* Time: the 8259 PICs, the PIT as the periodic tick, and the TSC as the clock. */
#include <kern/thread.h>
#include <kern/arch_thread.h>
#include <kern/printk.h>
#include <kern/ipc.h>
#include <kern/kdb.h>
#include <arch/cpu.h>
#include <arch/x86.h>
#include <mnemo/exitcode.h>

#define PIT_HZ 1193182u
#define TICK_HZ 1000u
#define TICK_US (1000000u / TICK_HZ)
#define IRQ_BASE 32

static word_t tsc_khz;
static uint64_t tsc_at_boot;

/* Remaps the PICs to vectors 32-47 (timer_init then masks all but the timer). */
static void pic_init(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, IRQ_BASE);
	outb(0xa1, IRQ_BASE + 8);
	outb(0x21, 4);
	outb(0xa1, 2);
	outb(0x21, 1);
	outb(0xa1, 1);
}

/* Counts TSC ticks over 10 ms of PIT channel 2 (gate on, speaker off). */
static word_t calibrate_tsc_khz(void)
{
	const unsigned count = PIT_HZ / 100;
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0); /* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	uint64_t t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		cpu_relax();
	uint64_t t1 = rdtsc();
	return (word_t)((t1 - t0) / 10);
}

static uint16_t pic_mask = 0xfffe; /* bit n: line n masked; the timer (0) always runs */

static void pic_write_mask(void)
{
	outb(0x21, (uint8_t)(pic_mask & ~(1u << 2))); /* the cascade line stays open */
	outb(0xa1, (uint8_t)(pic_mask >> 8));
}

void arch_irq_mask(unsigned line)
{
	if (line < 16 && arch_irq_available(line)) {
		pic_mask |= (uint16_t)(1u << line);
		pic_write_mask();
	}
}

void arch_irq_unmask(unsigned line)
{
	if (line < 16 && arch_irq_available(line)) {
		pic_mask &= (uint16_t) ~(1u << line);
		pic_write_mask();
	}
}

bool arch_irq_available(unsigned line) { return line < 16 && line != 0 && line != 2; }

/* A device interrupt: spurious 7/15 are dropped; others are masked until the
 * handler acknowledges them, then sent as IPC. */
void pic_irq(unsigned line);
void pic_irq(unsigned line)
{
	if (line == 7 || line == 15) {
		uint16_t port = line == 7 ? 0x20 : 0xa0;
		outb(port, 0x0b); /* read the in-service register */
		if (!(inb(port) & 0x80)) {
			if (line == 15)
				outb(0x20, 0x20); /* the master saw a real cascade interrupt */
			return;
		}
	}
	pic_mask |= (uint16_t)(1u << line);
	pic_write_mask();
	if (line >= 8)
		outb(0xa0, 0x20);
	outb(0x20, 0x20);
	irq_raise(line);
}

void timer_init(void)
{
	pic_init();
	pic_write_mask();
	tsc_khz = calibrate_tsc_khz();
	if (!tsc_khz)
		tsc_khz = 1;
	tsc_at_boot = rdtsc();
	const unsigned div = PIT_HZ / TICK_HZ;
	outb(0x43, 0x34); /* channel 0, lobyte/hibyte, rate generator */
	outb(0x40, div & 0xff);
	outb(0x40, div >> 8);
}

word_t timer_tsc_khz(void) { return tsc_khz; }

word_t arch_clock_us(void)
{
	uint64_t d = rdtsc() - tsc_at_boot; /* split so that d * 1000 cannot overflow */
	return (d / tsc_khz) * 1000 + (d % tsc_khz) * 1000 / tsc_khz;
}

/* IRQ 0: accounts the running thread's quantum; the trap exit reschedules. */
void timer_irq(void);
void timer_irq(void)
{
	outb(0x20, 0x20);
	kdb_poll_breakin(); /* kernel option kdb: ESC on the serial console enters the debugger */
	sched_tick(TICK_US);
}

void arch_idle_wait(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }

void arch_system_stopped(void)
{
	printk("mnemo: every thread is halted or blocked with nothing to wake it: the system has stopped\n");
	arch_debug_exit(MNEMO_EXIT_STOPPED);
}
