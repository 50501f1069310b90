/* SPDX-License-Identifier: MIT */
/* The X.2 kernel-debugger interface: int3 followed by a marker instruction (ABI §12). */
#ifndef L4_KDEBUG_H
#define L4_KDEBUG_H

#include <l4/types.h>

static inline void L4_KDB_PrintChar(char c) { __asm__ volatile("int3; cmpb $0x00, %%al" : : "a"(c) : "memory"); }
static inline void L4_KDB_PrintString(const char *s)
{
	__asm__ volatile("int3; cmpb $0x01, %%al" : : "a"(s) : "memory");
}
static inline int L4_KDB_ReadChar(void)
{
	l4_word_t c;
	__asm__ volatile("int3; cmpb $0x08, %%al" : "=a"(c) : : "memory");
	return (int)c;
}
static inline int L4_KDB_ReadChar_Blocked(void)
{
	l4_word_t c;
	__asm__ volatile("int3; cmpb $0x0d, %%al" : "=a"(c) : : "memory");
	return (int)c;
}
#define L4_KDB_Enter(str) \
	__asm__ volatile("int3; jmp 1f; mov $2f, %%rax; 1:\n" \
			 ".pushsection .rodata; 2: .asciz \"" str "\"; .popsection" :: \
			     : "rax", "memory")

#endif
