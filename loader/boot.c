/* SPDX-License-Identifier: MIT */
/* mnemo-loader main line: validate everything, then load, patch the KIP, write the
 * bootinfo and jump to the kernel (the X.2 boot protocol, ABI §11). */
#include <l4/kip.h>
#include <l4/bootinfo.h>
#include "loader.h"

#define NLOADED 3 /* kernel, sigma0, root task */
#define POOL_LIMIT MIB(1024) /* the kernel maps the first GiB at boot */
#define PAGE 4096u

static const char *const role[NLOADED] = {"kernel", "sigma0", "root task"};

/* All of it in BSS: boot_input is large, and the stack is only 16 KiB. */
static struct boot_input in;
static struct image img[NLOADED];
static struct rset usable; /* e820 RAM minus every other e820 type */
static struct rset avail; /* usable minus loader, modules, segments, pool, bootinfo */
static struct l4_memdesc md[L4_KIP_MEMDESC_MAX];
static unsigned nmd;
static char names[LOADER_MAX_MODULES][32];

struct plan {
	uint64_t kmem; /* pool size */
	uint64_t pool; /* pool base */
	uint64_t bi, bi_size; /* bootinfo base and exact size */
	int verbose;
	struct kip_plan kip;
};
static struct plan plan;

/* ---- command lines -------------------------------------------------------- */

static const char *next_word(const char *s, const char **end)
{
	while (*s == ' ' || *s == '\t')
		s++;
	const char *e = s;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	*end = e;
	return s;
}

static int word_is(const char *w, const char *e, const char *lit)
{
	size_t n = lstrlen(lit);
	if ((size_t)(e - w) < n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (w[i] != lit[i])
			return 0;
	return 1;
}

static void parse_options(const char *cmdline)
{
	plan.kmem = MIB(LOADER_DEFAULT_KMEM_MIB);
	const char *e;
	for (const char *w = next_word(cmdline, &e); *w; w = next_word(e, &e)) {
		if (word_is(w, e, "verbose") && e - w == 7) {
			plan.verbose = 1;
		} else if (word_is(w, e, "kmem=")) {
			uint32_t v = 0;
			const char *p = w + 5;
			if (p == e)
				loader_fail("bad loader option kmem=: need kmem=<MiB>");
			for (; p < e; p++) {
				if (*p < '0' || *p > '9' || v > 100000)
					loader_fail("bad loader option kmem=: need kmem=<MiB> in decimal");
				v = v * 10 + (uint32_t)(*p - '0');
			}
			if (v < 1 || v > 1023)
				loader_fail("bad loader option kmem=%u: need 1..1023 MiB", v);
			plan.kmem = MIB(v);
		}
	}
}

/* Display name of module i: the last path component of the string's first word. */
static const char *module_name(unsigned i)
{
	const char *e, *w = next_word(in.mods[i].cmdline, &e);
	for (const char *p = w; p < e; p++)
		if (*p == '/')
			w = p + 1;
	char *d = names[i];
	size_t n = (size_t)(e - w) < sizeof(names[i]) - 1 ? (size_t)(e - w) : sizeof(names[i]) - 1;
	if (n == 0) {
		const char *def = "module ?";
		memcpy(d, def, 9);
		d[7] = (char)('0' + i % 10);
		return d;
	}
	memcpy(d, w, n);
	d[n] = 0;
	return d;
}

/* ---- validation ----------------------------------------------------------- */

static void build_usable(void)
{
	for (unsigned i = 0; i < in.nmmap; i++)
		if (in.mmap[i].type == 1)
			rset_add(&usable, in.mmap[i].base, in.mmap[i].base + in.mmap[i].len);
	for (unsigned i = 0; i < in.nmmap; i++)
		if (in.mmap[i].type != 1)
			rset_sub(&usable, in.mmap[i].base, in.mmap[i].base + in.mmap[i].len);
	if (usable.n == 0)
		loader_fail("the memory map has no usable RAM");
}

static uint64_t bootinfo_size(void)
{
	uint64_t size = sizeof(struct l4_bootinfo);
	for (unsigned i = 0; i < in.nmods; i++)
		size += sizeof(struct l4_bootrec_module) + ALIGN_UP64(lstrlen(in.mods[i].cmdline) + 1, 8);
	return size;
}

static void check_memory_size(void)
{
	uint64_t images = 0;
	uint64_t ram_top = usable.hi[usable.n - 1];
	for (unsigned i = 0; i < NLOADED; i++) {
		for (unsigned k = 0; k < img[i].nsegs; k++)
			images += img[i].segs[k].memsz;
		if (img[i].high > ram_top)
			loader_fail("too little memory: the %s (%s) needs RAM up to 0x%llx (%u KiB), "
				    "usable RAM ends at 0x%llx (%u KiB)",
				    role[i], img[i].name, img[i].high, kib32(img[i].high), ram_top, kib32(ram_top));
	}
	uint64_t need = plan.kmem + images + ALIGN_UP64(plan.bi_size, PAGE);
	uint64_t have = rset_total(&usable);
	if (need > have)
		loader_fail("too little memory: need %u KiB (kernel pool %u KiB + loaded images %u KiB "
			    "+ bootinfo), have %u KiB of usable RAM",
			    kib32(need), kib32(plan.kmem), kib32(images), kib32(have));
}

/* A segment must lie in usable RAM and overlap neither the loader, nor a module's raw
 * bytes that are still needed (those of the module itself, of modules loaded after it,
 * and of the kept modules 3..), nor any other segment. */
static void check_segment(unsigned i, unsigned k)
{
	const struct segment *s = &img[i].segs[k];
	uint64_t lo = s->paddr, hi = s->paddr + s->memsz;
	const char *n = img[i].name;
	if (!rset_covers(&usable, lo, hi))
		loader_fail("module %u (%s): segment 0x%llx-0x%llx is not in usable RAM", i, n, lo, hi);
	if (ranges_overlap(lo, hi, (uintptr_t)_loader_start, (uintptr_t)_loader_end))
		loader_fail("module %u (%s): segment 0x%llx-0x%llx overlaps the loader at 0x%x-0x%x", i, n, lo, hi,
			    (unsigned)(uintptr_t)_loader_start, (unsigned)(uintptr_t)_loader_end);
	for (unsigned j = i; j < in.nmods; j++)
		if (ranges_overlap(lo, hi, in.mods[j].start, in.mods[j].end))
			loader_fail("module %u (%s): segment 0x%llx-0x%llx overlaps the bytes of module %u "
				    "at 0x%x-0x%x",
				    i, n, lo, hi, j, in.mods[j].start, in.mods[j].end);
	for (unsigned j = 0; j <= i; j++) {
		for (unsigned m = 0; m < (j == i ? k : img[j].nsegs); m++) {
			const struct segment *t = &img[j].segs[m];
			if (ranges_overlap(lo, hi, t->paddr, t->paddr + t->memsz))
				loader_fail("module %u (%s): segment 0x%llx-0x%llx overlaps segment "
					    "0x%llx-0x%llx of module %u (%s)",
					    i, n, lo, hi, t->paddr, t->paddr + t->memsz, j, img[j].name);
		}
	}
}

static void check_kernel_entry(void)
{
	const struct image *k = &img[0];
	if (k->entry < k->low || k->entry >= k->high || k->entry >= FOUR_GIB)
		loader_fail("module 0 (%s): kernel entry 0x%llx is not a 32-bit physical address in its "
			    "loaded image 0x%llx-0x%llx",
			    k->name, k->entry, k->low, k->high);
}

static void sub_page_rounded(struct rset *s, uint64_t lo, uint64_t hi)
{
	rset_sub(s, ALIGN_DOWN64(lo, PAGE), ALIGN_UP64(hi, PAGE));
}

/* Highest [base, base + size) inside one avail range, base aligned, within [min, max). */
static int place_top(uint64_t size, uint64_t align, uint64_t min, uint64_t max, uint64_t *out)
{
	int found = 0;
	for (unsigned r = 0; r < avail.n; r++) {
		uint64_t top = avail.hi[r] < max ? avail.hi[r] : max;
		uint64_t bottom = avail.lo[r] > min ? avail.lo[r] : min;
		if (top < size)
			continue;
		uint64_t base = ALIGN_DOWN64(top - size, align);
		if (base >= bottom && (!found || base > *out))
			*out = base, found = 1;
	}
	return found;
}

static void place_pool_and_bootinfo(void)
{
	avail = usable;
	sub_page_rounded(&avail, (uintptr_t)_loader_start, (uintptr_t)_loader_end);
	for (unsigned i = 0; i < in.nmods; i++)
		sub_page_rounded(&avail, in.mods[i].start, in.mods[i].end);
	for (unsigned i = 0; i < NLOADED; i++)
		for (unsigned k = 0; k < img[i].nsegs; k++)
			sub_page_rounded(&avail, img[i].segs[k].paddr, img[i].segs[k].paddr + img[i].segs[k].memsz);
	if (!place_top(plan.kmem, MIB(2), MIB(1), POOL_LIMIT, &plan.pool)) {
		struct rset low = avail;
		uint64_t largest = 0;
		rset_sub(&low, 0, MIB(1));
		rset_sub(&low, POOL_LIMIT, ~(uint64_t)0);
		for (unsigned r = 0; r < low.n; r++) {
			uint64_t lo = ALIGN_UP64(low.lo[r], MIB(2));
			if (lo < low.hi[r] && low.hi[r] - lo > largest)
				largest = low.hi[r] - lo;
		}
		loader_fail("too little memory: the kernel pool needs %u KiB of free usable RAM in one "
			    "2 MiB-aligned block between 1 MiB and 1 GiB; the largest such block has "
			    "%u KiB (%u KiB free there in all)",
			    kib32(plan.kmem), kib32(largest), kib32(rset_total(&low)));
	}
	rset_sub(&avail, plan.pool, plan.pool + plan.kmem);
	/* the bootinfo goes just below the pool if it can, else anywhere in 1 MiB..1 GiB */
	uint64_t bi_pages = ALIGN_UP64(plan.bi_size, PAGE);
	if (!place_top(bi_pages, PAGE, MIB(1), plan.pool, &plan.bi) &&
	    !place_top(bi_pages, PAGE, MIB(1), POOL_LIMIT, &plan.bi))
		loader_fail("too little memory: no free page for the bootinfo (%u bytes)", (unsigned)plan.bi_size);
}

/* ---- memory descriptors (ABI §3.5: later descriptors override earlier ones) ----- */

static void add_desc(uint64_t lo, uint64_t hi_excl, unsigned type, unsigned sub)
{
	if (lo >= hi_excl)
		return;
	if (nmd == L4_KIP_MEMDESC_MAX || nmd == plan.kip.room)
		loader_fail("too many memory descriptors: the KIP at 0x%x has room for %u", plan.kip.kip,
			    plan.kip.room);
	md[nmd++] = l4_memdesc_make(lo, hi_excl - 1, type, sub, 0);
}

/* Bootloader-owned ranges are widened to whole pages so that nobody who hands
 * out pages gives away a page that holds part of them. */
static void add_boot_desc(uint64_t lo, uint64_t hi, unsigned sub)
{
	add_desc(ALIGN_DOWN64(lo, PAGE), ALIGN_UP64(hi, PAGE), L4_MEM_BOOTLOADER, sub);
}

static void build_descriptors(void)
{
	/* RAM first, shrunk to whole pages; then every other e820 type, widened to
	 * 1 KiB, so that a non-RAM entry always wins over RAM it overlaps. */
	for (unsigned i = 0; i < in.nmmap; i++)
		if (in.mmap[i].type == 1)
			add_desc(ALIGN_UP64(in.mmap[i].base, PAGE),
				 ALIGN_DOWN64(in.mmap[i].base + in.mmap[i].len, PAGE), L4_MEM_CONVENTIONAL, 0);
	for (unsigned i = 0; i < in.nmmap; i++)
		if (in.mmap[i].type != 1)
			add_desc(ALIGN_DOWN64(in.mmap[i].base, 1024),
				 ALIGN_UP64(in.mmap[i].base + in.mmap[i].len, 1024), L4_MEM_ARCH,
				 in.mmap[i].type > 15 ? 15 : in.mmap[i].type);
	add_desc(0xA0000, 0xC0000, L4_MEM_SHARED, 0);
	add_desc(0xC0000, 0xF0000, L4_MEM_SHARED, 0);
	add_desc(plan.pool, plan.pool + plan.kmem, L4_MEM_RESERVED, 0);
	add_boot_desc(img[0].low, img[0].high, L4_BOOT_SUB_KERNEL);
	add_boot_desc(img[1].low, img[1].high, L4_BOOT_SUB_SERVER);
	add_boot_desc(img[2].low, img[2].high, L4_BOOT_SUB_SERVER);
	for (unsigned i = NLOADED; i < in.nmods; i++)
		add_boot_desc(in.mods[i].start, in.mods[i].end, L4_BOOT_SUB_MODULE);
	add_boot_desc(plan.bi, plan.bi + plan.bi_size, L4_BOOT_SUB_INFO);
}

/* ---- commit --------------------------------------------------------------- */

static void write_bootinfo(void)
{
	uint8_t *base = (uint8_t *)(uintptr_t)plan.bi;
	memset(base, 0, (size_t)ALIGN_UP64(plan.bi_size, PAGE));
	struct l4_bootinfo *bi = (struct l4_bootinfo *)base;
	bi->magic = L4_BOOTINFO_MAGIC;
	bi->version = L4_BOOTINFO_VERSION;
	bi->size = plan.bi_size;
	bi->first_entry = sizeof(*bi);
	bi->num_entries = in.nmods;
	uint32_t off = sizeof(*bi);
	for (unsigned i = 0; i < in.nmods; i++) {
		struct l4_bootrec_module *m = (struct l4_bootrec_module *)(base + off);
		size_t len = lstrlen(in.mods[i].cmdline);
		uint32_t recsize = sizeof(*m) + (uint32_t)ALIGN_UP64(len + 1, 8);
		m->rec.type = L4_BOOTREC_MODULE;
		m->rec.version = 1;
		m->rec.offset_next = recsize;
		m->start = in.mods[i].start;
		m->size = in.mods[i].end - in.mods[i].start;
		m->cmdline_offset = sizeof(*m);
		memcpy((char *)m + sizeof(*m), in.mods[i].cmdline, len + 1);
		off += recsize;
	}
}

static void write_kip(void)
{
	volatile struct l4_kip *k = (volatile struct l4_kip *)(uintptr_t)plan.kip.kip;
	volatile struct l4_kip_server *srv[2] = {&k->sigma0, &k->root_server};
	for (unsigned i = 0; i < 2; i++) {
		srv[i]->ip = img[i + 1].entry;
		srv[i]->low = img[i + 1].low;
		srv[i]->high = img[i + 1].high - 1; /* the highest loaded address */
	}
	k->boot_info = plan.bi;
	volatile struct l4_memdesc *d = (volatile struct l4_memdesc *)(uintptr_t)(plan.kip.kip + plan.kip.memdesc_off);
	for (unsigned i = 0; i < nmd; i++) {
		d[i].lo = md[i].lo;
		d[i].hi = md[i].hi;
	}
	k->memory_info = (k->memory_info & ~(uint64_t)0xffffffffu) | nmd;
}

static void print_descriptors(void)
{
	static const char *const tname[16] = {"undefined", "conventional", "reserved",	 "dedicated", "shared", "?5",
					      "?6",	   "?7",	   "?8",	 "?9",	      "?10",	"?11",
					      "?12",	   "?13",	   "bootloader", "arch"};
	for (unsigned i = 0; i < nmd; i++)
		cprintf("mnemo-loader:   memdesc %2u: 0x%09llx-0x%09llx %s/%u\n", i, l4_memdesc_low(md[i]),
			l4_memdesc_high(md[i]), tname[l4_memdesc_type(md[i])], l4_memdesc_subtype(md[i]));
}

void loader_main(uint32_t magic, uint32_t info)
{
	console_init();
	cprintf("\nmnemo-loader: L4 X.2 boot loader (32-bit, %s)\n", "kickstart protocol");
	multiboot_parse(magic, info, &in);
	parse_options(in.cmdline);
	cprintf("mnemo-loader: multiboot%s, %u modules, %u memory map entries, cmdline \"%s\"\n", in.mb2 ? "2" : "1",
		in.nmods, in.nmmap, in.cmdline);
	if (in.nmods < NLOADED)
		loader_fail("missing module: need kernel, sigma0 and root task (got %u module%s)", in.nmods,
			    in.nmods == 1 ? "" : "s");

	/* Validate everything before the first byte is copied. */
	build_usable();
	for (unsigned i = 0; i < in.nmods; i++)
		module_name(i);
	for (unsigned i = 0; i < NLOADED; i++) {
		img[i].name = names[i];
		elf_parse(&in.mods[i], i, &img[i]);
	}
	check_kernel_entry();
	plan.bi_size = bootinfo_size();
	check_memory_size();
	for (unsigned i = 0; i < NLOADED; i++)
		for (unsigned k = 0; k < img[i].nsegs; k++)
			check_segment(i, k);
	kip_find(&img[0], &plan.kip);
	place_pool_and_bootinfo();
	build_descriptors();

	/* Commit. */
	for (unsigned i = 0; i < NLOADED; i++) {
		elf_load(&img[i]);
		cprintf("mnemo-loader: %-9s %s: 0x%llx-0x%llx entry 0x%llx\n", role[i], img[i].name, img[i].low,
			img[i].high, img[i].entry);
	}
	for (unsigned i = NLOADED; i < in.nmods; i++)
		cprintf("mnemo-loader: module %u (%s) kept at 0x%x-0x%x\n", i, names[i], in.mods[i].start,
			in.mods[i].end);
	write_kip();
	write_bootinfo();
	cprintf("mnemo-loader: KIP at 0x%x, %u memory descriptors, kernel pool 0x%llx-0x%llx, "
		"bootinfo at 0x%llx\n",
		plan.kip.kip, nmd, plan.pool, plan.pool + plan.kmem, plan.bi);
	if (plan.verbose)
		print_descriptors();
	cprintf("mnemo-loader: starting the kernel at 0x%x\n", (uint32_t)img[0].entry);
	loader_enter_kernel((uint32_t)img[0].entry);
}
