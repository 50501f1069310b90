/* SPDX-License-Identifier: MIT */
/* The X.2 kernel interface page (amd64 layout, shared/x2-amd64-abi.md §3). */
#ifndef L4_KIP_H
#define L4_KIP_H

#include <l4/types.h>

#define L4_KIP_MAGIC 0x4BE6344Cu /* 'L' '4' 0xE6 'K'; the upper 32 bits of word 0 are 0 */
#define L4_KIP_API_VERSION 0x84050000u /* X.2, subversion 5 */
#define L4_KIP_API_FLAGS 0x4u /* little endian, 64-bit words */

/* Memory descriptor types (X.2 §2.9 / ABI §3.5). */
enum l4_memdesc_type {
	L4_MEM_UNDEFINED = 0,
	L4_MEM_CONVENTIONAL = 1,
	L4_MEM_RESERVED = 2,
	L4_MEM_DEDICATED = 3,
	L4_MEM_SHARED = 4,
	L4_MEM_BOOTLOADER = 0xe,
	L4_MEM_ARCH = 0xf,
};

/* Bootloader-specific subtypes mnemo's loader writes (as kickstart does). */
enum l4_memdesc_boot_subtype {
	L4_BOOT_SUB_INFO = 1, /* the bootinfo page and the copied multiboot info */
	L4_BOOT_SUB_SERVER = 2, /* loaded image of sigma0 or the root task */
	L4_BOOT_SUB_MODULE = 3, /* a further boot module, kept in place */
	L4_BOOT_SUB_KERNEL = 4, /* the loaded kernel image */
};

struct l4_memdesc {
	l4_word_t lo; /* bits 0-3 type, 4-7 subtype, 9 virtual, 10-63 low >> 10 */
	l4_word_t hi; /* bits 10-63 high >> 10; the region is [low, high | 0x3ff] */
};

static inline struct l4_memdesc l4_memdesc_make(l4_word_t low, l4_word_t high_incl, unsigned type, unsigned sub,
						int virt)
{
	struct l4_memdesc d;
	d.lo = (low & ~(l4_word_t)0x3ff) | (type & 0xf) | ((sub & 0xf) << 4) | (virt ? 0x200 : 0);
	d.hi = high_incl & ~(l4_word_t)0x3ff;
	return d;
}
static inline unsigned l4_memdesc_type(struct l4_memdesc d) { return d.lo & 0xf; }
static inline unsigned l4_memdesc_subtype(struct l4_memdesc d) { return (d.lo >> 4) & 0xf; }
static inline int l4_memdesc_virtual(struct l4_memdesc d) { return (d.lo >> 9) & 1; }
static inline l4_word_t l4_memdesc_low(struct l4_memdesc d) { return d.lo & ~(l4_word_t)0x3ff; }
static inline l4_word_t l4_memdesc_high(struct l4_memdesc d) { return d.hi | 0x3ff; }

struct l4_kip_server { /* sp, ip, low, high of sigma0 / sigma1 / root server */
	l4_word_t sp, ip, low, high;
};

struct l4_kip_procdesc {
	l4_word_t external_khz;
	l4_word_t internal_khz;
	l4_word_t reserved[2];
};

/* Indices of the system-call stubs; the KIP holds their absolute addresses. */
enum l4_syscall_no {
	L4_SC_SPACE_CONTROL,
	L4_SC_THREAD_CONTROL,
	L4_SC_PROCESSOR_CONTROL,
	L4_SC_MEMORY_CONTROL,
	L4_SC_IPC,
	L4_SC_LIPC,
	L4_SC_UNMAP,
	L4_SC_EXCHANGE_REGISTERS,
	L4_SC_SYSTEM_CLOCK,
	L4_SC_THREAD_SWITCH,
	L4_SC_SCHEDULE,
	L4_SC_COUNT
};

#define L4_KIP_PROCDESC_OFFSET 0x240
#define L4_KIP_KERNDESC_OFFSET 0x260
#define L4_KIP_MEMDESC_OFFSET 0x2e0
#define L4_KIP_SIZE 0x1000
/* The last 256 bytes of the page are mnemo's own (include/mnemo/kmem.h): X.2
 * programs find the memory descriptors by their count, loaders by this limit. */
#define L4_KIP_MNEMO_OFFSET 0xf00
#define L4_KIP_MEMDESC_MAX ((L4_KIP_MNEMO_OFFSET - L4_KIP_MEMDESC_OFFSET) / 16) /* 194 */

/* Invariant: every offset below is the X.2 amd64 one; the static_asserts
 * are the contract with boot loaders (which patch it) and libl4. */
struct l4_kip {
	l4_word_t magic; /* 0x000 */
	l4_word_t api_version; /* 0x008 */
	l4_word_t api_flags; /* 0x010 */
	l4_word_t kern_desc_ptr; /* 0x018: byte offset */
	l4_word_t kdebug_init, kdebug_entry, kdebug_low, kdebug_high; /* 0x020 */
	struct l4_kip_server sigma0; /* 0x040 */
	struct l4_kip_server sigma1; /* 0x060 */
	struct l4_kip_server root_server; /* 0x080 */
	l4_word_t reserved0; /* 0x0a0 */
	l4_word_t memory_info; /* 0x0a8: n | offset << 32 */
	l4_word_t kdebug_config[2]; /* 0x0b0 */
	l4_word_t obsolete[16]; /* 0x0c0 */
	l4_word_t reserved1[2]; /* 0x140 */
	l4_word_t utcb_info; /* 0x150 */
	l4_word_t kip_area_info; /* 0x158 */
	l4_word_t reserved2[2]; /* 0x160 */
	l4_word_t boot_info; /* 0x170 */
	l4_word_t proc_desc_ptr; /* 0x178 */
	l4_word_t clock_info; /* 0x180 */
	l4_word_t thread_info; /* 0x188 */
	l4_word_t page_info; /* 0x190 */
	l4_word_t processor_info; /* 0x198 */
	l4_word_t syscall[L4_SC_COUNT]; /* 0x1a0: absolute stub addresses */
	l4_word_t reserved3[5]; /* 0x1f8 */
	l4_word_t arch_syscall[4]; /* 0x220 */
	struct l4_kip_procdesc procdesc[1]; /* 0x240 */
	uint8_t kern_desc[L4_KIP_MEMDESC_OFFSET - L4_KIP_KERNDESC_OFFSET]; /* 0x260 */
	struct l4_memdesc memdesc[L4_KIP_MEMDESC_MAX]; /* 0x2e0 */
	l4_word_t mnemo[(L4_KIP_SIZE - L4_KIP_MNEMO_OFFSET) / 8]; /* 0xf00: kernel-memory counters */
};

_Static_assert(offsetof(struct l4_kip, sigma0) == 0x40, "kip sigma0");
_Static_assert(offsetof(struct l4_kip, root_server) == 0x80, "kip root server");
_Static_assert(offsetof(struct l4_kip, memory_info) == 0xa8, "kip memory info");
_Static_assert(offsetof(struct l4_kip, utcb_info) == 0x150, "kip utcb info");
_Static_assert(offsetof(struct l4_kip, boot_info) == 0x170, "kip boot info");
_Static_assert(offsetof(struct l4_kip, thread_info) == 0x188, "kip thread info");
_Static_assert(offsetof(struct l4_kip, page_info) == 0x190, "kip page info");
_Static_assert(offsetof(struct l4_kip, syscall) == 0x1a0, "kip syscalls");
_Static_assert(offsetof(struct l4_kip, arch_syscall) == 0x220, "kip arch syscalls");
_Static_assert(offsetof(struct l4_kip, procdesc) == L4_KIP_PROCDESC_OFFSET, "kip procdesc");
_Static_assert(offsetof(struct l4_kip, kern_desc) == L4_KIP_KERNDESC_OFFSET, "kip kerndesc");
_Static_assert(offsetof(struct l4_kip, memdesc) == L4_KIP_MEMDESC_OFFSET, "kip memdesc");
_Static_assert(offsetof(struct l4_kip, mnemo) == L4_KIP_MNEMO_OFFSET && sizeof(struct l4_kip) == L4_KIP_SIZE,
	       "kip mnemo area");
_Static_assert(sizeof(struct l4_kip) == L4_KIP_SIZE, "kip size");

static inline unsigned l4_kip_memdesc_count(const struct l4_kip *k) { return (unsigned)(k->memory_info & 0xffffffffu); }

/* ThreadInfo fields. */
static inline unsigned l4_kip_system_base(const struct l4_kip *k) { return (k->thread_info >> 8) & 0xfff; }
static inline unsigned l4_kip_user_base(const struct l4_kip *k) { return (k->thread_info >> 20) & 0xfff; }

#endif
