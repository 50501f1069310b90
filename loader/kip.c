/* SPDX-License-Identifier: MIT */
/* Finding the KIP in the kernel image (as kickstart does, ABI §11.4) and checking
 * that the descriptor array it announces is usable. */
#include <l4/kip.h>
#include "loader.h"

#define KIP_MEMORY_INFO 0xa8
#define KIP_MIN_MEMDESC_OFF 0x1a0 /* descriptors must not overwrite the header words */

/* Scans the kernel's loaded range from its 4 KiB-aligned start in 4-byte steps for
 * the 32-bit magic followed by a zero word (a 64-bit KIP); the first match wins. */
void kip_find(const struct image *kernel, struct kip_plan *kp)
{
	uint64_t a = ALIGN_DOWN64(kernel->low, 4096);
	for (; a + 8 <= kernel->high; a += 4) {
		if (elf_peek32(kernel, a) == L4_KIP_MAGIC && elf_peek32(kernel, a + 4) == 0)
			break;
	}
	if (a + 8 > kernel->high)
		loader_fail("no KIP found in the kernel (magic 0x%x followed by a zero word, "
			    "searched 0x%llx-0x%llx)",
			    L4_KIP_MAGIC, ALIGN_DOWN64(kernel->low, 4096), kernel->high);
	if (a + L4_KIP_SIZE > kernel->high)
		loader_fail("KIP at 0x%llx: its %u bytes extend beyond the kernel image (ends 0x%llx)", a, L4_KIP_SIZE,
			    kernel->high);
	kp->kip = (uint32_t)a;
	uint32_t off = elf_peek32(kernel, a + KIP_MEMORY_INFO + 4);
	if (off == 0)
		loader_fail("KIP at 0x%x: memory_info offset is 0 (the image must name where the "
			    "memory descriptors go)",
			    kp->kip);
	if (off < KIP_MIN_MEMDESC_OFF || off >= L4_KIP_SIZE || (off & 7))
		loader_fail("KIP at 0x%x: memory_info offset 0x%x is not inside the KIP page "
			    "after the header",
			    kp->kip, off);
	kp->memdesc_off = off;
	kp->room = (L4_KIP_SIZE - off) / sizeof(struct l4_memdesc);
	if (kp->room > L4_KIP_MEMDESC_MAX)
		kp->room = L4_KIP_MEMDESC_MAX;
}
