/* SPDX-License-Identifier: MIT */
/* mnemo-loader: shared declarations of the 32-bit boot loader (kickstart's role). */
#ifndef LOADER_H
#define LOADER_H

#include <stdint.h>
#include <stddef.h>

#define LOADER_MAX_MODULES 32
#define LOADER_MAX_MMAP 64
#define LOADER_MAX_SEGS 16 /* PT_LOAD segments per loaded module */
#define LOADER_CMDLINE_POOL 16384
#define LOADER_DEFAULT_KMEM_MIB 8

#define KIB(x) ((uint64_t)(x) << 10)
#define MIB(x) ((uint64_t)(x) << 20)
#define ALIGN_DOWN64(x, a) ((uint64_t)(x) & ~((uint64_t)(a)-1))
#define ALIGN_UP64(x, a) ALIGN_DOWN64((uint64_t)(x) + (a)-1, (a))
#define FOUR_GIB ((uint64_t)1 << 32)

/* ---- what the first-stage boot loader (QEMU, GRUB) told us, copied into our BSS ---- */
struct mb_module {
	uint32_t start, end; /* raw bytes [start, end) */
	const char *cmdline; /* copy in the loader's string pool; "" if none */
};
struct mb_mmap_entry {
	uint64_t base, len;
	uint32_t type; /* e820 type; 1 = usable RAM */
};
struct boot_input {
	int mb2; /* 1 if booted through multiboot2 */
	const char *cmdline; /* the loader's own command line */
	unsigned nmods;
	struct mb_module mods[LOADER_MAX_MODULES];
	unsigned nmmap;
	struct mb_mmap_entry mmap[LOADER_MAX_MMAP];
};

/* ---- an ELF64 module as it will be loaded ---- */
struct segment {
	uint64_t paddr, memsz, filesz, offset;
};
/* Invariant (after elf_parse): every segment's file range lies inside the module,
 * filesz <= memsz, memsz > 0, and paddr + memsz <= 4 GiB. */
struct image {
	unsigned index; /* module number */
	const char *name; /* first word of the module string, or "module N" */
	uint32_t mod_start, mod_size;
	uint64_t entry;
	uint64_t low, high; /* loaded range [low, high) */
	unsigned nsegs;
	struct segment segs[LOADER_MAX_SEGS];
};

/* console.c */
void console_init(void);
void cprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn, format(printf, 1, 2))) void loader_fail(const char *fmt, ...);
void loader_halt(uint8_t code) __attribute__((noreturn));
static inline uint32_t kib32(uint64_t bytes) { return (uint32_t)(bytes >> 10); }

/* multiboot.c */
void multiboot_parse(uint32_t magic, uint32_t info, struct boot_input *in);

/* elf.c */
void elf_parse(const struct mb_module *mod, unsigned index, struct image *img);
uint32_t elf_peek32(const struct image *img, uint64_t addr);
void elf_load(const struct image *img);

/* ranges.c: sorted, disjoint [lo, hi) ranges */
#define RSET_MAX 128
struct rset {
	unsigned n;
	uint64_t lo[RSET_MAX], hi[RSET_MAX];
};
void rset_add(struct rset *s, uint64_t lo, uint64_t hi);
void rset_sub(struct rset *s, uint64_t lo, uint64_t hi);
int rset_covers(const struct rset *s, uint64_t lo, uint64_t hi);
uint64_t rset_total(const struct rset *s);
static inline int ranges_overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1) { return a0 < b1 && b0 < a1; }

/* kip.c */
struct kip_plan {
	uint32_t kip; /* physical address of the KIP in the loaded kernel */
	uint32_t memdesc_off; /* byte offset of the descriptor array */
	unsigned room; /* descriptors that fit */
};
void kip_find(const struct image *kernel, struct kip_plan *kp);

/* string helpers (console.c) */
size_t lstrlen(const char *s);
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);

/* Symbols of loader.ld and entry.S */
extern char _loader_start[], _loader_end[];
void loader_enter_kernel(uint32_t entry) __attribute__((noreturn));
void loader_main(uint32_t magic, uint32_t info);

#endif
