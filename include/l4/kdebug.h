/* SPDX-License-Identifier: MIT */
/* The X.2 kernel-debugger interface: int3 followed by a marker instruction (ABI §12). */
#ifndef L4_KDEBUG_H
#define L4_KDEBUG_H

#include <l4/types.h>

/*
 * X.2's names and signatures (the x86 libl4 kdebug interface). The kernel reads
 * the instruction after int3: `cmp $op, %al` names an operation, RAX is its
 * argument or result; `jmp` over `mov $string, %rax` is KDB_Enter. mnemo prints
 * on the serial console; Enter continues unless the kernel runs with `kdb`.
 */
L4_INLINE void L4_KDB_PrintChar(char c) { __asm__ volatile("int3; cmpb $0x00, %%al" : : "a"(c) : "memory"); }
L4_INLINE void L4_KDB_PrintString(char *s) { __asm__ volatile("int3; cmpb $0x01, %%al" : : "a"(s) : "memory"); }
/* Clear the screen; switch break-in by ESC on or off. mnemo accepts both and does
 * nothing: a serial console has no screen, and break-in is the kernel option kdb's. */
L4_INLINE void L4_KDB_ClearPage(void) { __asm__ volatile("int3; cmpb $0x02, %%al" : : : "memory"); }
L4_INLINE void L4_KDB_ToggleBreakin(void) { __asm__ volatile("int3; cmpb $0x03, %%al" : : : "memory"); }
/* The next character typed on the console, 0 if there is none. */
L4_INLINE char L4_KDB_ReadChar(void)
{
	char c;
	__asm__ volatile("int3; cmpb $0x08, %%al" : "=a"(c) : : "memory");
	return c;
}
/* The next character typed on the console, waiting for it. */
L4_INLINE char L4_KDB_ReadChar_Blocked(void)
{
	char c;
	__asm__ volatile("int3; cmpb $0x0d, %%al" : "=a"(c) : : "memory");
	return c;
}
/* Prints the string literal str (or nothing) and, with the kernel option kdb,
 * stops in the kernel debugger. */
#define L4_KDB_Enter(str...) \
	__asm__ volatile("int3; jmp 1f; mov $2f, %%rax; 1:\n" \
			 ".pushsection .rodata; 2: .asciz \"" str "\"; .popsection" :: \
			     : "rax", "memory")

#endif
