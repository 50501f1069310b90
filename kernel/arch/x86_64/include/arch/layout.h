/* SPDX-License-Identifier: MIT */
/* x86-64 virtual memory layout of mnemo and the segment selectors (C and assembly). */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

/* The kernel image: linked at KERNEL_VBASE + physical address (the -2 GiB window). */
#define KERNEL_VBASE 0xFFFFFFFF80000000
#define KERNEL_PHYS_LOAD 0x600000
/* All physical memory, mapped at PHYS_MAP_BASE + physical address (PML4 slot 256). */
#define PHYS_MAP_BASE 0xFFFF800000000000
#define PHYS_MAP_MAX_GB 512 /* one PML4 slot: at most 512 GiB of physical memory */
/* User addresses are [0, USER_TOP): the canonical lower half. */
#define USER_TOP 0x0000800000000000

/* GDT selectors; the order is what syscall/sysret require (STAR). */
#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UCODE32 0x18
#define GDT_UDATA 0x20
#define GDT_UCODE 0x28
#define GDT_TSS 0x30 /* 16 bytes: slots 0x30 and 0x38 */
#define GDT_NOT_PRESENT 0x40
#define USER_CS (GDT_UCODE | 3)
#define USER_SS (GDT_UDATA | 3)

#define KSTACK_SIZE 4096 /* one page holds a TCB at its base and the kernel stack */

#endif
