/* SPDX-License-Identifier: MIT */
/* The kernel's own kernel interface page: static fields in the image, the rest filled at boot. */
#ifndef KERN_KIP_H
#define KERN_KIP_H

#include <kern/types.h>
#include <l4/kip.h>

/* Boot loaders patch memory descriptors, root-server fields and BootInfo into
 * this page before the kernel runs; kip_init fills what only the kernel knows. */
extern struct l4_kip kip;

#define MNEMO_KERNEL_ID 0x6d010000u /* id 0x6d ('m'), subid 1: not one of the X.2-registered ids */

/* stub(i) is the user address of system-call stub i. */
void kip_init(l4_word_t (*stub)(unsigned i), l4_word_t cpu_khz, bool have_1g_pages);
/* Adds a memory descriptor (for the kernel's own regions); false when full. */
bool kip_add_memdesc(struct l4_memdesc d);
/* The kernel's command line from the boot information (module 0), or "". */
const char *kip_kernel_cmdline(void);
/* Whether the kernel command line contains `opt` as a whole word (e.g. "selftest=exceptions"). */
bool kip_cmdline_has(const char *opt);

#endif
