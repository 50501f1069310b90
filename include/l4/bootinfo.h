/* SPDX-License-Identifier: MIT */
/* The X.2 generic boot information (KIP word BootInfo points to it), 64-bit words. */
#ifndef L4_BOOTINFO_H
#define L4_BOOTINFO_H

#include <l4/types.h>

#define L4_BOOTINFO_MAGIC 0x14B0021Du
#define L4_BOOTINFO_VERSION 1u

enum l4_bootrec_type {
	L4_BOOTREC_MODULE = 0x1,
	L4_BOOTREC_SIMPLE_EXEC = 0x2,
	L4_BOOTREC_VARIABLES = 0x40,
	L4_BOOTREC_MULTIBOOT = 0x102,
};

/* Invariant: records follow the header at first_entry, each offset_next bytes
 * after the previous one; all offsets are from the record's own start, and the
 * whole structure (header included) is `size` bytes. Addresses are physical. */
struct l4_bootinfo {
	l4_word_t magic;
	l4_word_t version;
	l4_word_t size;
	l4_word_t first_entry;
	l4_word_t num_entries;
	l4_word_t reserved[3];
};

struct l4_bootrec {
	l4_word_t type;
	l4_word_t version;
	l4_word_t offset_next;
};

struct l4_bootrec_module {
	struct l4_bootrec rec; /* type L4_BOOTREC_MODULE, version 1 */
	l4_word_t start; /* physical address of the module's bytes */
	l4_word_t size;
	l4_word_t cmdline_offset; /* from this record's start; 0 = none */
};

_Static_assert(sizeof(struct l4_bootinfo) == 64, "bootinfo header");
_Static_assert(sizeof(struct l4_bootrec_module) == 48, "bootinfo module record");

static inline const struct l4_bootrec *l4_bootinfo_first(const struct l4_bootinfo *bi)
{
	return (const struct l4_bootrec *)((const char *)bi + bi->first_entry);
}
static inline const struct l4_bootrec *l4_bootrec_next(const struct l4_bootrec *r)
{
	return (const struct l4_bootrec *)((const char *)r + r->offset_next);
}
static inline const char *l4_bootrec_module_cmdline(const struct l4_bootrec_module *m)
{
	return m->cmdline_offset ? (const char *)m + m->cmdline_offset : "";
}

#endif
