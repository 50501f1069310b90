/* SPDX-License-Identifier: MIT */
/* The KIP contents (X.2 §1; ABI §3): static in the image where loaders read them, the rest at boot. */
#include <kern/kip.h>
#include <kern/thread.h>
#include <kern/string.h>
#include <l4/bootinfo.h>
#include <arch/physmem.h>

#define KD_SIZE (L4_KIP_MEMDESC_OFFSET - L4_KIP_KERNDESC_OFFSET)

/* The first bytes of the image: loaders find it by its magic (ABI §11.4). */
struct l4_kip kip __attribute__((section(".kip"), aligned(4096))) = {
    .magic = L4_KIP_MAGIC,
    .api_version = L4_KIP_API_VERSION,
    .api_flags = L4_KIP_API_FLAGS,
    .kern_desc_ptr = L4_KIP_KERNDESC_OFFSET,
    .memory_info = (l4_word_t)L4_KIP_MEMDESC_OFFSET << 32,
    .utcb_info = 1 | (10 << 10) | (12 << 16), /* 1024-byte UTCBs, 1 KiB aligned, 4 KiB areas */
    .kip_area_info = 12,
    .proc_desc_ptr = L4_KIP_PROCDESC_OFFSET,
    .thread_info = THREAD_BITS | (THREAD_SYSTEM_BASE << 8) | (THREAD_USER_BASE << 20),
    /* rwx, 4 KiB and 2 MiB pages; read from the image by boot loaders */
    .page_info = (1u << 12) | (1u << 21) | 7,
    .processor_info = 5ull << 60, /* one CPU, 32-byte processor descriptors */
};

/* Kernel descriptor (ABI §3.3): id, generation date, version, supplier, then
 * the version string and the feature strings. */
struct kernel_desc {
	l4_word_t kernel_id, gen_date, version, supplier;
	char strings[KD_SIZE - 32];
};
_Static_assert(sizeof(struct kernel_desc) == KD_SIZE, "kernel descriptor fits its slot");

void kip_init(l4_word_t (*stub)(unsigned i), l4_word_t cpu_khz, bool have_1g_pages)
{
	struct kernel_desc *kd = (struct kernel_desc *)kip.kern_desc;
	memset(kd, 0, sizeof *kd);
	kd->kernel_id = MNEMO_KERNEL_ID;
	kd->gen_date = 24 | (11 << 5) | ((2026 - 2000) << 9);
	kd->version = 0x00010000; /* 0.1: bits 24-31 version, 16-23 subversion (ABI §3.3) */
	kd->supplier = 'm' | ('n' << 8) | ('m' << 16) | (' ' << 24);
	/* The version string, then the feature strings, then an empty one:
	 * "pagerexregs": a thread's pager may ExchangeRegisters it (thread_control.c). */
	static const char strings[] = "mnemo 0.1\0pagerexregs\0";
	_Static_assert(sizeof strings + 1 <= sizeof kd->strings, "kernel strings fit the descriptor");
	memcpy(kd->strings, strings, sizeof strings); /* the memset left the final NUL */
	for (unsigned i = 0; i < L4_SC_COUNT; i++)
		kip.syscall[i] = stub(i);
	kip.procdesc[0].internal_khz = cpu_khz;
	kip.procdesc[0].external_khz = cpu_khz;
	if (have_1g_pages)
		kip.page_info |= 1u << 30;
}

bool kip_add_memdesc(struct l4_memdesc d)
{
	unsigned n = l4_kip_memdesc_count(&kip);
	if (n >= L4_KIP_MEMDESC_MAX)
		return false;
	kip.memdesc[n] = d;
	kip.memory_info = (kip.memory_info & ~0xffffffffull) | (n + 1);
	return true;
}

const char *kip_kernel_cmdline(void)
{
	if (!kip.boot_info)
		return "";
	const struct l4_bootinfo *bi = phys_to_virt(kip.boot_info);
	if (bi->magic != L4_BOOTINFO_MAGIC || !bi->num_entries)
		return "";
	const struct l4_bootrec *r = l4_bootinfo_first(bi);
	if (r->type != L4_BOOTREC_MODULE)
		return "";
	return l4_bootrec_module_cmdline((const struct l4_bootrec_module *)r);
}

bool kip_cmdline_has(const char *opt)
{
	const char *s = kip_kernel_cmdline();
	size_t n = strlen(opt);
	for (const char *p = s; *p; p++) {
		if ((p == s || p[-1] == ' ') && strncmp(p, opt, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return true;
	}
	return false;
}
