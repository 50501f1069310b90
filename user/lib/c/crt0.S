/* SPDX-License-Identifier: MIT */
/* Program entry: own stack (root servers start with RSP = 0), libl4 set-up, main, then stop. */
	.section .text.start, "ax"
	.globl _start
_start:
	leaq stack_top(%rip), %rsp
	xorl %ebp, %ebp
	call l4_init
	call main
	movl %eax, %edi
	call exit
1:	jmp 1b

	.bss
	.balign 16
stack:
	.skip 32768
stack_top:
