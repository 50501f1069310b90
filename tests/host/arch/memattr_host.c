/* SPDX-License-Identifier: MIT */
/* Host stand-ins for the memory-attribute hooks: x86's table of X.2 values, and a count of cache syncs. */
#include <kern/memattr.h>

/* As on x86-64 (kernel/arch/x86_64/memattr.c with a PAT): value - 1, 0 -> 0, 8 -> 7. */
int arch_mem_attr(word_t x2)
{
	static const signed char index_of[9] = {0, 0, 1, 2, 3, 4, -1, -1, 7};
	return x2 < sizeof index_of ? index_of[x2] : -1;
}

const char *arch_mem_attr_name(unsigned attr)
{
	static const char *const names[8] = {"WB", "WT", "UC-", "UC", "WC", "pat5", "pat6", "WP"};
	return attr < 8 ? names[attr] : "?";
}

unsigned long host_mem_attr_syncs;
void arch_mem_attr_sync(void) { host_mem_attr_syncs++; }
