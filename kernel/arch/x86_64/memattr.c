/* SPDX-License-Identifier: MIT */
/* x86-64 memory attributes: IA32_PAT at boot and the X.2 attribute values MemoryControl accepts. */
#include <kern/memattr.h>
#include <kern/panic.h>
#include <arch/cpu.h>
#include <arch/pat.h>

static bool have_pat;

void pat_init(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	have_pat = (r[3] >> 16) & 1; /* CPUID.01H:EDX.PAT */
	if (have_pat)
		wrmsr(MSR_PAT, MNEMO_PAT);
}

/* X.2 values (ia32 specials.h) to PAT entries; -1: not a value X.2 defines here. */
int arch_mem_attr(word_t x2)
{
	static const signed char index_of[9] = {
	    [0] = PAT_IDX_DEFAULT, [1] = PAT_IDX_WB, [2] = PAT_IDX_WT, [3] = PAT_IDX_UC_MINUS, [4] = PAT_IDX_UC,
	    [5] = PAT_IDX_WC,	   [6] = -1,	     [7] = -1,	       [8] = PAT_IDX_WP};
	if (x2 >= sizeof index_of)
		return -1;
	int idx = index_of[x2];
	/* without a PAT, PWT and PCD still select WB, WT, UC- and UC (entries 0-3) */
	return idx >= 4 && !have_pat ? -1 : idx;
}

const char *arch_mem_attr_name(unsigned attr)
{
	static const char *const names[8] = {"WB", "WT", "UC-", "UC", "WC", "pat5", "pat6", "WP"};
	return attr < 8 ? names[attr] : "?";
}

/* A line cached write-back must not stay once its page is uncacheable (Intel
 * SDM vol. 3, "Page Attribute Table": changing a page's memory type). */
void arch_mem_attr_sync(void) { __asm__ volatile("wbinvd" ::: "memory"); }
