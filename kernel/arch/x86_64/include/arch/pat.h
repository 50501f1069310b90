/* SPDX-License-Identifier: MIT */
/* x86 memory types through the PAT: mnemo's IA32_PAT layout and the PTE bits that select an entry. */
#ifndef ARCH_PAT_H
#define ARCH_PAT_H

#include <kern/types.h>

/*
 * X.2 MemoryControl names memory attributes with the IA-32 values of L4's
 * specials.h: 0 default, 1 write-back, 2 write-through, 3 uncacheable-minus
 * (UC-), 4 uncacheable, 5 write-combining, 8 write-protected. mnemo programs the
 * PAT so that entry (value - 1) holds that type, and 0 (default) is entry 0,
 * write-back. Entries 0-3 keep their power-on types (WB, WT, UC-, UC), so a PTE
 * with PAT, PCD and PWT clear (every kernel mapping) stays write-back. Entries 5
 * and 6 are unused and keep their power-on types (WT, UC-).
 *
 * A PTE selects entry i = PAT * 4 + PCD * 2 + PWT. PWT is bit 3 and PCD bit 4 at
 * every level; the PAT bit is bit 7 in a 4 KiB PTE and bit 12 in a 2 MiB or
 * 1 GiB leaf (where bit 7 is PS). Intel SDM vol. 3, "Page Attribute Table (PAT)".
 */
#define MSR_PAT 0x277

/* Memory-type encodings of a PAT entry (Intel SDM vol. 3, the PAT memory-type encodings). */
#define PAT_TYPE_UC 0ull
#define PAT_TYPE_WC 1ull
#define PAT_TYPE_WT 4ull
#define PAT_TYPE_WP 5ull
#define PAT_TYPE_WB 6ull
#define PAT_TYPE_UC_MINUS 7ull
#define PAT_ENTRY(i, type) ((type) << (8 * (i)))

#define MNEMO_PAT \
	(PAT_ENTRY(0, PAT_TYPE_WB) | PAT_ENTRY(1, PAT_TYPE_WT) | PAT_ENTRY(2, PAT_TYPE_UC_MINUS) | \
	 PAT_ENTRY(3, PAT_TYPE_UC) | PAT_ENTRY(4, PAT_TYPE_WC) | PAT_ENTRY(5, PAT_TYPE_WT) | \
	 PAT_ENTRY(6, PAT_TYPE_UC_MINUS) | PAT_ENTRY(7, PAT_TYPE_WP))
#define PAT_POWER_ON 0x0007040600070406ull
_Static_assert(MNEMO_PAT == 0x0507040100070406ull, "PAT: WB WT UC- UC WC (WT UC-) WP");
_Static_assert((MNEMO_PAT & 0xffffffffull) == (PAT_POWER_ON & 0xffffffffull),
	       "PAT entries 0-3 keep their power-on types: PTEs without PAT/PCD/PWT stay write-back");

/* The PAT entries MemoryControl hands out, by X.2 attribute value (ia32 specials.h). */
#define PAT_IDX_DEFAULT 0u
#define PAT_IDX_WB 0u
#define PAT_IDX_WT 1u
#define PAT_IDX_UC_MINUS 2u
#define PAT_IDX_UC 3u
#define PAT_IDX_WC 4u
#define PAT_IDX_WP 7u
_Static_assert(((MNEMO_PAT >> (8 * PAT_IDX_WB)) & 7) == PAT_TYPE_WB, "attribute 1 is write-back");
_Static_assert(((MNEMO_PAT >> (8 * PAT_IDX_WT)) & 7) == PAT_TYPE_WT, "attribute 2 is write-through");
_Static_assert(((MNEMO_PAT >> (8 * PAT_IDX_UC_MINUS)) & 7) == PAT_TYPE_UC_MINUS, "attribute 3 is UC-");
_Static_assert(((MNEMO_PAT >> (8 * PAT_IDX_UC)) & 7) == PAT_TYPE_UC, "attribute 4 is uncacheable");
_Static_assert(((MNEMO_PAT >> (8 * PAT_IDX_WC)) & 7) == PAT_TYPE_WC, "attribute 5 is write-combining");
_Static_assert(((MNEMO_PAT >> (8 * PAT_IDX_WP)) & 7) == PAT_TYPE_WP, "attribute 8 is write-protected");

#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PAT_4K (1ull << 7)
#define PTE_PAT_LARGE (1ull << 12)

/* The PTE bits of a leaf of `level` (0: 4 KiB) that select PAT entry idx (0-7). */
static inline word_t pat_pte_bits(unsigned idx, unsigned level)
{
	return ((idx & 1) ? PTE_PWT : 0) | ((idx & 2) ? PTE_PCD : 0) |
	       ((idx & 4) ? (level ? PTE_PAT_LARGE : PTE_PAT_4K) : 0);
}
static inline word_t pat_pte_mask(unsigned level) { return pat_pte_bits(7, level); }
/* The PAT entry a leaf PTE of `level` selects: PWT and PCD are entry bits 0-1 as
 * they stand; the PAT bit is shifted down to entry bit 2. */
_Static_assert(PTE_PWT == 1u << 3 && PTE_PCD == 1u << 4, "PWT, PCD: PTE bits 3-4 are entry bits 0-1");
_Static_assert(PTE_PAT_4K >> 5 == 4 && PTE_PAT_LARGE >> 10 == 4, "the PAT bit is entry bit 2");
static inline unsigned pat_pte_index(word_t e, unsigned level)
{
	return (unsigned)((e >> 3) & 3) | (unsigned)((e >> (level ? 10 : 5)) & 4);
}

/* Programs IA32_PAT with MNEMO_PAT (boot, before any PTE selects entries 4-7). */
void pat_init(void);

#endif
