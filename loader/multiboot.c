/* SPDX-License-Identifier: MIT */
/* Reads the multiboot1 / multiboot2 information into struct boot_input (copied, so
 * nothing the first-stage loader left in memory is needed after this). */
#include "loader.h"

#define MB1_BOOT_MAGIC 0x2BADB002u
#define MB2_BOOT_MAGIC 0x36d76289u

#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MMAP (1u << 6)

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_INFO_MAX (1u << 20) /* sanity bound on total_size */

struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
};
struct mb1_module {
	uint32_t mod_start, mod_end, string, reserved;
};
struct mb1_mmap {
	uint32_t size; /* of the rest of the entry */
	uint64_t base, len;
	uint32_t type;
} __attribute__((packed));

static char pool[LOADER_CMDLINE_POOL];
static size_t pool_used;

static const char *copy_string(const char *s, const char *what)
{
	if (!s)
		return "";
	size_t n = lstrlen(s);
	if (n + 1 > sizeof(pool) - pool_used)
		loader_fail("command lines too long (%s; %u bytes of strings at most)", what, (unsigned)sizeof(pool));
	char *d = pool + pool_used;
	memcpy(d, s, n + 1);
	pool_used += n + 1;
	return d;
}

static const char *phys_str(uint32_t addr) { return addr ? (const char *)(uintptr_t)addr : 0; }

static void add_module(struct boot_input *in, uint32_t start, uint32_t end, const char *cmdline)
{
	if (in->nmods == LOADER_MAX_MODULES)
		loader_fail("too many modules (at most %u)", LOADER_MAX_MODULES);
	if (end < start)
		loader_fail("module %u: end 0x%x below start 0x%x", in->nmods, end, start);
	struct mb_module *m = &in->mods[in->nmods++];
	m->start = start;
	m->end = end;
	m->cmdline = copy_string(cmdline, "module");
}

static void add_mmap(struct boot_input *in, uint64_t base, uint64_t len, uint32_t type)
{
	if (len == 0)
		return;
	if (in->nmmap == LOADER_MAX_MMAP)
		loader_fail("memory map has more than %u entries", LOADER_MAX_MMAP);
	struct mb_mmap_entry *e = &in->mmap[in->nmmap++];
	e->base = base;
	e->len = base + len < base ? ~base : len; /* clip at 2^64 */
	e->type = type;
}

static void parse_mb1(const struct mb1_info *mbi, struct boot_input *in)
{
	if (mbi->flags & MB1_INFO_CMDLINE)
		in->cmdline = copy_string(phys_str(mbi->cmdline), "loader");
	if (mbi->flags & MB1_INFO_MODS) {
		const struct mb1_module *mod = (const struct mb1_module *)(uintptr_t)mbi->mods_addr;
		for (uint32_t i = 0; i < mbi->mods_count; i++)
			add_module(in, mod[i].mod_start, mod[i].mod_end, phys_str(mod[i].string));
	}
	if (!(mbi->flags & MB1_INFO_MMAP))
		loader_fail("no memory map from the boot loader (multiboot flag 6)");
	uint32_t p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
	while (p + sizeof(struct mb1_mmap) <= end) {
		const struct mb1_mmap *e = (const struct mb1_mmap *)(uintptr_t)p;
		if (e->size < 20)
			loader_fail("malformed multiboot memory map entry at 0x%x", p);
		add_mmap(in, e->base, e->len, e->type);
		p += e->size + 4;
	}
}

static void parse_mb2(uint32_t info, struct boot_input *in)
{
	uint32_t total = *(const uint32_t *)(uintptr_t)info;
	int have_mmap = 0;
	if (total < 16 || total > MB2_INFO_MAX)
		loader_fail("malformed multiboot2 information (total size %u)", total);
	uint32_t p = info + 8, end = info + total;
	while (p + 8 <= end) {
		const uint32_t *tag = (const uint32_t *)(uintptr_t)p;
		uint32_t type = tag[0], size = tag[1];
		if (size < 8 || size > end - p)
			loader_fail("malformed multiboot2 tag %u (size %u) at 0x%x", type, size, p);
		if (type == MB2_TAG_END)
			break;
		if (type == MB2_TAG_CMDLINE && size > 8) {
			in->cmdline = copy_string((const char *)&tag[2], "loader");
		} else if (type == MB2_TAG_MODULE && size >= 16) {
			add_module(in, tag[2], tag[3], size > 16 ? (const char *)&tag[4] : "");
		} else if (type == MB2_TAG_MMAP && size >= 16) {
			uint32_t esize = tag[2];
			if (esize < 24)
				loader_fail("malformed multiboot2 memory map (entry size %u)", esize);
			have_mmap = 1;
			for (uint32_t e = p + 16; e + 24 <= p + size; e += esize) {
				const uint32_t *w = (const uint32_t *)(uintptr_t)e;
				add_mmap(in, w[0] | (uint64_t)w[1] << 32, w[2] | (uint64_t)w[3] << 32, w[4]);
			}
		}
		p += (size + 7) & ~7u;
	}
	if (!have_mmap)
		loader_fail("no memory map from the boot loader (multiboot2 tag 6)");
}

void multiboot_parse(uint32_t magic, uint32_t info, struct boot_input *in)
{
	in->cmdline = "";
	if (magic == MB1_BOOT_MAGIC && info) {
		in->mb2 = 0;
		parse_mb1((const struct mb1_info *)(uintptr_t)info, in);
	} else if (magic == MB2_BOOT_MAGIC && info) {
		in->mb2 = 1;
		parse_mb2(info, in);
	} else {
		loader_fail("no multiboot magic (eax=0x%x, ebx=0x%x): boot me with a multiboot1 "
			    "or multiboot2 loader",
			    magic, info);
	}
}
