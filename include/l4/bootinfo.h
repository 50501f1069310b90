/* SPDX-License-Identifier: MIT */
/* The X.2 generic boot information (KIP word BootInfo points to it), 64-bit words. */
#ifndef L4_BOOTINFO_H
#define L4_BOOTINFO_H

#include <l4/types.h>
#include <l4/kip.h> /* and it includes this: its L4_Type serves boot records too */

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

/*
 * The X.2 convenience interface to the generic boot information (the same
 * structure as above, X.2's names; L4_BOOTINFO_MAGIC and L4_BOOTINFO_VERSION
 * are X.2's names too). mnemo's loader writes one module record per boot
 * module (docs/boot.md); the simple-exec accessors read such records where
 * another loader writes them. Records are read where L4_BootInfo (l4/kip.h)
 * says, a physical address: the root task reads it there, sigma0 maps it.
 */
#define L4_BootInfo_Module 0x0001
#define L4_BootInfo_SimpleExec 0x0002
#define L4_BootInfo_EFITables 0x0101
#define L4_BootInfo_Multiboot 0x0102
_Static_assert(L4_BootInfo_Module == L4_BOOTREC_MODULE && L4_BootInfo_SimpleExec == L4_BOOTREC_SIMPLE_EXEC &&
		   L4_BootInfo_Multiboot == L4_BOOTREC_MULTIBOOT,
	       "record types");

typedef struct {
	L4_Word_t magic, version, size, first_entry, num_entries;
	L4_Word_t __reserved[3];
} L4_BootInfo_t;

typedef struct {
	L4_Word_t type, version, offset_next;
} L4_BootRec_t;

typedef struct {
	L4_Word_t type, version, offset_next; /* L4_BootInfo_Module, 1 */
	L4_Word_t start, size, cmdline_offset;
} L4_Boot_Module_t;

typedef struct {
	L4_Word_t type, version, offset_next; /* L4_BootInfo_SimpleExec, 1 */
	L4_Word_t text_pstart, text_vstart, text_size;
	L4_Word_t data_pstart, data_vstart, data_size;
	L4_Word_t bss_pstart, bss_vstart, bss_size;
	L4_Word_t initial_ip, flags, label, cmdline_offset;
} L4_Boot_SimpleExec_t;

_Static_assert(sizeof(L4_BootInfo_t) == sizeof(struct l4_bootinfo) &&
		   offsetof(L4_BootInfo_t, first_entry) == offsetof(struct l4_bootinfo, first_entry) &&
		   offsetof(L4_BootInfo_t, num_entries) == offsetof(struct l4_bootinfo, num_entries),
	       "bootinfo header");
_Static_assert(sizeof(L4_BootRec_t) == sizeof(struct l4_bootrec) &&
		   offsetof(L4_BootRec_t, offset_next) == offsetof(struct l4_bootrec, offset_next),
	       "boot record");
_Static_assert(sizeof(L4_Boot_Module_t) == sizeof(struct l4_bootrec_module) &&
		   offsetof(L4_Boot_Module_t, start) == offsetof(struct l4_bootrec_module, start) &&
		   offsetof(L4_Boot_Module_t, cmdline_offset) == offsetof(struct l4_bootrec_module, cmdline_offset),
	       "module record");
_Static_assert(sizeof(L4_Boot_SimpleExec_t) == 16 * 8 && offsetof(L4_Boot_SimpleExec_t, cmdline_offset) == 15 * 8,
	       "simple-exec record");

/* Whether ptr holds boot information of the version described here. */
L4_INLINE L4_Bool_t L4_BootInfo_Valid(const void *ptr)
{
	const L4_BootInfo_t *b = (const L4_BootInfo_t *)ptr;
	return b->magic == L4_BOOTINFO_MAGIC && b->version == L4_BOOTINFO_VERSION;
}
L4_INLINE L4_Word_t L4_BootInfo_Size(const void *ptr) { return ((const L4_BootInfo_t *)ptr)->size; }
L4_INLINE L4_Word_t L4_BootInfo_Entries(const void *ptr) { return ((const L4_BootInfo_t *)ptr)->num_entries; }
L4_INLINE L4_BootRec_t *L4_BootInfo_FirstEntry(const void *ptr)
{
	return (L4_BootRec_t *)((const char *)ptr + ((const L4_BootInfo_t *)ptr)->first_entry);
}

L4_INLINE L4_Word_t L4_BootRec_Type(const L4_BootRec_t *r) { return r->type; }
/* The record after r (offset_next is from r's own start). */
L4_INLINE L4_BootRec_t *L4_BootRec_Next(const L4_BootRec_t *r)
{
	return (L4_BootRec_t *)((const char *)r + r->offset_next);
}
L4_INLINE L4_BootRec_t *L4_Next(const L4_BootRec_t *r) { return L4_BootRec_Next(r); }

/* A string at a record's cmdline_offset (from the record's start); null if the offset is 0. */
L4_INLINE char *__L4_BootRec_String(const L4_BootRec_t *r, L4_Word_t offset)
{
	return offset ? (char *)r + offset : (char *)0;
}

L4_INLINE L4_Word_t L4_Module_Start(const L4_BootRec_t *r) { return ((const L4_Boot_Module_t *)r)->start; }
L4_INLINE L4_Word_t L4_Module_Size(const L4_BootRec_t *r) { return ((const L4_Boot_Module_t *)r)->size; }
L4_INLINE char *L4_Module_Cmdline(const L4_BootRec_t *r)
{
	return __L4_BootRec_String(r, ((const L4_Boot_Module_t *)r)->cmdline_offset);
}

#define __L4_SIMPLEEXEC(r) ((L4_Boot_SimpleExec_t *)(r))
L4_INLINE L4_Word_t L4_SimpleExec_TextVstart(const L4_BootRec_t *r) { return __L4_SIMPLEEXEC(r)->text_vstart; }
L4_INLINE L4_Word_t L4_SimpleExec_TextPstart(const L4_BootRec_t *r) { return __L4_SIMPLEEXEC(r)->text_pstart; }
L4_INLINE L4_Word_t L4_SimpleExec_TextSize(const L4_BootRec_t *r) { return __L4_SIMPLEEXEC(r)->text_size; }
L4_INLINE L4_Word_t L4_SimpleExec_DataVstart(const L4_BootRec_t *r) { return __L4_SIMPLEEXEC(r)->data_vstart; }
L4_INLINE L4_Word_t L4_SimpleExec_DataPstart(const L4_BootRec_t *r) { return __L4_SIMPLEEXEC(r)->data_pstart; }
L4_INLINE L4_Word_t L4_SimpleExec_DataSize(const L4_BootRec_t *r) { return __L4_SIMPLEEXEC(r)->data_size; }
L4_INLINE L4_Word_t L4_SimpleExec_BssVstart(const L4_BootRec_t *r) { return __L4_SIMPLEEXEC(r)->bss_vstart; }
L4_INLINE L4_Word_t L4_SimpleExec_BssPstart(const L4_BootRec_t *r) { return __L4_SIMPLEEXEC(r)->bss_pstart; }
L4_INLINE L4_Word_t L4_SimpleExec_BssSize(const L4_BootRec_t *r) { return __L4_SIMPLEEXEC(r)->bss_size; }
L4_INLINE L4_Word_t L4_SimpleExec_InitialIP(const L4_BootRec_t *r) { return __L4_SIMPLEEXEC(r)->initial_ip; }
L4_INLINE L4_Word_t L4_SimpleExec_Flags(const L4_BootRec_t *r) { return __L4_SIMPLEEXEC(r)->flags; }
L4_INLINE L4_Word_t L4_SimpleExec_Label(const L4_BootRec_t *r) { return __L4_SIMPLEEXEC(r)->label; }
/* X.2 declares the record const here, yet these write it: it lies in writable memory. */
L4_INLINE void L4_SimpleExec_Set_Flags(const L4_BootRec_t *r, L4_Word_t w) { __L4_SIMPLEEXEC(r)->flags = w; }
L4_INLINE void L4_SimpleExec_Set_Label(const L4_BootRec_t *r, L4_Word_t w) { __L4_SIMPLEEXEC(r)->label = w; }
L4_INLINE char *L4_SimpleExec_Cmdline(const L4_BootRec_t *r)
{
	return __L4_BootRec_String(r, __L4_SIMPLEEXEC(r)->cmdline_offset);
}
#undef __L4_SIMPLEEXEC

#endif
