/* SPDX-License-Identifier: MIT */
/* 32-bit entry (X.2 boot protocol: protected mode, paging off) into 64-bit higher-half mode. */
#include <arch/layout.h>
#include <mnemo/exitcode.h>

#define PHYS(x) ((x) - KERNEL_VBASE)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

	.section .boot32, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl $PHYS(boot_stack_top), %esp

	/* Long mode needs CPUID leaf 0x80000001 EDX bit 29. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode

	/* Boot page tables: the first GiB, with 2 MiB pages, identity-mapped, at the
	 * direct-map base and at -2 GiB.
	 * They live in .bss, which a boot loader may or may not have zeroed. */
	movl $PHYS(boot_pml4), %edi
	xorl %eax, %eax
	movl $(3 * 4096 / 4), %ecx
	rep stosl
	movl $PHYS(boot_pdpt), %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, PHYS(boot_pml4)
	movl %eax, PHYS(boot_pml4) + 256 * 8	/* direct map, until pgtable_init */
	movl %eax, PHYS(boot_pml4) + 511 * 8
	movl $PHYS(boot_pd), %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, PHYS(boot_pdpt)
	movl %eax, PHYS(boot_pdpt) + 510 * 8
	movl $PHYS(boot_pd), %edi
	movl $(PTE_P | PTE_W | PTE_PS), %eax
	movl $512, %ecx
1:	movl %eax, (%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 1b

	movl %cr4, %eax
	orl $(1 << 5), %eax		/* PAE */
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx		/* EFER: LME | NXE | SCE */
	rdmsr
	orl $((1 << 8) | (1 << 11) | (1 << 0)), %eax
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16) | 1), %eax /* PG | WP | PE */
	movl %eax, %cr0
	lgdt PHYS(boot_gdt_desc)
	ljmp $GDT_KCODE, $PHYS(long_mode_low)

no_long_mode:
	movl $PHYS(msg_no_lm), %esi
2:	lodsb
	testb %al, %al
	jz 4f
	movb %al, %bl
	movw $0x3fd, %dx
3:	inb %dx, %al
	testb $0x20, %al
	jz 3b
	movw $0x3f8, %dx
	movb %bl, %al
	outb %al, %dx
	jmp 2b
4:	movb $MNEMO_EXIT_FAIL, %al
	outb %al, $MNEMO_DEBUG_EXIT_PORT
5:	hlt
	jmp 5b

	.code64
long_mode_low:
	movabsq $long_mode_high, %rax
	jmpq *%rax

	.text
long_mode_high:
	movl $GDT_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	call kernel_main
6:	cli
	hlt
	jmp 6b

	.section .rodata
msg_no_lm:
	.asciz "mnemo: error: this CPU has no 64-bit long mode\r\n"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF	/* 0x08 kernel code, 64-bit */
	.quad 0x00CF92000000FFFF	/* 0x10 kernel data */
boot_gdt_end:
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)

	.bss
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4096
	.globl boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:
