/* SPDX-License-Identifier: MIT */
/* The COM1 16550 UART: the kernel console, polled. */
#include <kern/console.h>
#include <arch/cpu.h>
#include <arch/x86.h>

#define COM1 0x3f8

void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no UART interrupts: the console is polled */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

void console_putc(char c)
{
	if (c == '\n')
		console_putc('\r');
	for (int spins = 0; !(inb(COM1 + 5) & 0x20) && spins < 100000; spins++)
		cpu_relax();
	outb(COM1, (uint8_t)c);
}

int console_getc(void)
{
	if (!(inb(COM1 + 5) & 0x01))
		return -1;
	return inb(COM1);
}
