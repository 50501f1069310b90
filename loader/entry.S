/* SPDX-License-Identifier: MIT */
/* mnemo-loader entry: multiboot1 and multiboot2 headers, stack, GDT, hand-off jump. */
#include <mnemo/exitcode.h>

#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS 0x00000003	/* bit 0: page-align modules; bit 1: memory info and map */

#define MB2_MAGIC 0xE85250D6
#define MB2_ARCH_I386 0

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define STACK_SIZE 16384

	/* Both headers sit at the very start of the image: multiboot1 wants its
	 * header in the first 8 KiB (4-byte aligned), multiboot2 in the first 32 KiB
	 * (8-byte aligned). Neither uses the address fields: QEMU and GRUB load the
	 * ELF32 image by its program headers. */
	.section .multiboot, "a"
	.balign 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)

	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* information request: command line (1), modules (3), memory map (6) */
	.balign 8
mb2_tag_info:
	.short 1, 0
	.long mb2_tag_info_end - mb2_tag_info
	.long 1, 3, 6
mb2_tag_info_end:
	/* module alignment: page-aligned modules */
	.balign 8
	.short 6, 0
	.long 8
	/* end tag */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, %esi			/* multiboot magic */
	movl %ebx, %ebp			/* multiboot information */

	/* Zero our BSS (stack included): not every boot loader does it for us. */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl

	movl $stack_top, %esp
	lgdt gdt_desc
	ljmp $SEL_CODE, $1f
1:	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss

	pushl $0			/* EFLAGS: IF and DF clear */
	popfl
	pushl %ebp
	pushl %esi
	call loader_main
	/* loader_main never returns; if it did, fail loudly rather than run on. */
	pushl $MNEMO_EXIT_FAIL
	call loader_halt

/* void loader_enter_kernel(uint32_t entry): the X.2 hand-off. Protected mode,
 * paging off, interrupts off, flat CS=0x08 and data selectors 0x10 from our GDT;
 * no register carries information (all but the jump target are cleared). */
	.globl loader_enter_kernel
loader_enter_kernel:
	cli
	movl 4(%esp), %eax
	movl $SEL_DATA, %edx
	movw %dx, %ds
	movw %dx, %es
	movw %dx, %fs
	movw %dx, %gs
	movw %dx, %ss
	movl %cr0, %edx
	andl $0x7fffffff, %edx		/* paging off (it never was on) */
	movl %edx, %cr0
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	jmp *%eax

/* void loader_halt(uint8_t code): report code on the debug-exit port, then stop. */
	.globl loader_halt
loader_halt:
	movl 4(%esp), %eax
	outb %al, $MNEMO_DEBUG_EXIT_PORT
2:	cli
	hlt
	jmp 2b

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: code, base 0, limit 4 GiB, 32-bit */
	.quad 0x00cf92000000ffff	/* 0x10: data, base 0, limit 4 GiB */
gdt_end:
	.balign 4
	.short 0
gdt_desc:
	.short gdt_end - gdt - 1
	.long gdt

	.section .bss
	.balign 16
stack:
	.skip STACK_SIZE
stack_top:

	.section .note.GNU-stack, "", @progbits
