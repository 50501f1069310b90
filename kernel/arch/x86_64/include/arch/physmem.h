/* SPDX-License-Identifier: MIT */
/* Converting between physical addresses and the kernel's direct map of physical memory. */
#ifndef ARCH_PHYSMEM_H
#define ARCH_PHYSMEM_H

#include <kern/types.h>
#include <arch/layout.h>

static inline void *phys_to_virt(paddr_t pa) { return (void *)(pa + PHYS_MAP_BASE); }
static inline paddr_t virt_to_phys(const void *va)
{
	word_t v = (word_t)va;
	return v >= KERNEL_VBASE ? v - KERNEL_VBASE : v - PHYS_MAP_BASE;
}

#endif
