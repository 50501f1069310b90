/* SPDX-License-Identifier: MIT */
/* Host stand-in for the direct map: "physical" memory is a buffer the test sets up. */
#ifndef ARCH_PHYSMEM_H
#define ARCH_PHYSMEM_H

#include <kern/types.h>

/* Host address of physical address 0; tests point it at a buffer. */
extern char *host_phys_base;

static inline void *phys_to_virt(paddr_t pa) { return host_phys_base + pa; }
static inline paddr_t virt_to_phys(const void *va) { return (paddr_t)((const char *)va - host_phys_base); }

#endif
