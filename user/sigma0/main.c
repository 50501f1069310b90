/* SPDX-License-Identifier: MIT */
/* sigma0: owns all physical memory idempotently and hands pages out by page fault and sigma0 RPC. */
#include <stdio.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/misc.h>

/* Who was given what. Invariant: regions are disjoint, page aligned, sorted by
 * start; a page not in any region and of final descriptor type conventional is
 * free. Answers are idempotent: a page already given to the asker is given again. */
struct region {
	l4_word_t start, end; /* [start, end) */
	l4_threadid_t owner;
};
#define MAX_REGIONS 2048
static struct region regions[MAX_REGIONS];
static unsigned nregions;
static l4_word_t verbose; /* the extended protocol's verbosity: 0 quiet, 1 and up: each RPC */

/* The final type of physical address pa: later descriptors override earlier ones. */
static unsigned mem_type(l4_word_t pa)
{
	unsigned type = L4_MEM_UNDEFINED;
	for (unsigned i = 0; i < l4_kip_memdesc_count(__l4_kip); i++) {
		struct l4_memdesc d = __l4_kip->memdesc[i];
		if (!l4_memdesc_virtual(d) && pa >= l4_memdesc_low(d) && pa <= l4_memdesc_high(d))
			type = l4_memdesc_type(d);
	}
	return type;
}

/* Kernel memory: the pool (reserved) and the kernel's loaded image (bootloader,
 * subtype kernel). The kernel never lets sigma0 map either (ABI §4.4), so a
 * request for them is refused rather than answered with a map that maps nothing. */
static bool kernel_memory(l4_word_t pa)
{
	bool kernel = false;
	for (unsigned i = 0; i < l4_kip_memdesc_count(__l4_kip); i++) {
		struct l4_memdesc d = __l4_kip->memdesc[i];
		if (!l4_memdesc_virtual(d) && pa >= l4_memdesc_low(d) && pa <= l4_memdesc_high(d))
			kernel = l4_memdesc_type(d) == L4_MEM_RESERVED || (l4_memdesc_type(d) == L4_MEM_BOOTLOADER &&
									   l4_memdesc_subtype(d) == L4_BOOT_SUB_KERNEL);
	}
	return kernel;
}

static bool range_is(l4_word_t start, l4_word_t size, unsigned type)
{
	for (l4_word_t a = start; a - start < size; a += 4096)
		if (mem_type(a) != type)
			return false;
	return true;
}

/* The owner of any page in [start, start + size): 0 if none, ~0 if several differ. */
static l4_threadid_t owner_of(l4_word_t start, l4_word_t size, bool *whole)
{
	l4_threadid_t owner = 0;
	l4_word_t covered = 0;
	for (unsigned i = 0; i < nregions; i++) {
		struct region *r = &regions[i];
		if (r->end <= start || r->start >= start + size)
			continue;
		if (owner && owner != r->owner)
			return ~0ull;
		owner = r->owner;
		l4_word_t lo = r->start > start ? r->start : start, hi = r->end < start + size ? r->end : start + size;
		covered += hi - lo;
	}
	*whole = covered == size;
	return owner;
}

static bool claim(l4_word_t start, l4_word_t size, l4_threadid_t owner)
{
	unsigned i = 0;
	while (i < nregions && regions[i].start < start)
		i++;
	/* merge with the neighbours of the same owner: one region per run of pages */
	bool left = i > 0 && regions[i - 1].end == start && regions[i - 1].owner == owner;
	bool right = i < nregions && regions[i].start == start + size && regions[i].owner == owner;
	if (left && right) {
		regions[i - 1].end = regions[i].end;
		for (unsigned j = i; j + 1 < nregions; j++)
			regions[j] = regions[j + 1];
		nregions--;
		return true;
	}
	if (left) {
		regions[i - 1].end = start + size;
		return true;
	}
	if (right) {
		regions[i].start = start;
		return true;
	}
	if (nregions == MAX_REGIONS)
		return false;
	for (unsigned j = nregions; j > i; j--)
		regions[j] = regions[j - 1];
	regions[i] = (struct region){start, start + size, owner};
	nregions++;
	return true;
}

/* Grants [start, start+size) to `who` if nobody else owns any of it, or who
 * already owns all of it. Everything but kernel memory (the pool and the kernel image) may be given:
 * conventional memory, the loaded images and boot modules (the root task runs
 * from them and reads them), device and shared regions. */
static bool give(l4_word_t start, l4_word_t size, l4_threadid_t who)
{
	bool whole;
	l4_threadid_t owner = owner_of(start, size, &whole);
	if (owner == who && whole)
		return true;
	if (owner)
		return false;
	for (l4_word_t a = start; a - start < size; a += 4096)
		if (kernel_memory(a))
			return false;
	return claim(start, size, who);
}

/* Any free conventional page of 2^log2 bytes, from the top of memory down. */
static l4_word_t find_any(unsigned log2, l4_threadid_t who)
{
	l4_word_t size = 1ull << log2;
	for (unsigned i = l4_kip_memdesc_count(__l4_kip); i-- > 0;) {
		struct l4_memdesc d = __l4_kip->memdesc[i];
		if (l4_memdesc_virtual(d) || l4_memdesc_type(d) != L4_MEM_CONVENTIONAL)
			continue;
		l4_word_t lo = l4_memdesc_low(d), hi = l4_memdesc_high(d) + 1;
		for (l4_word_t a = (hi & ~(size - 1)); a >= lo + size && a >= 0x100000 + size; a -= size) {
			bool whole;
			if (!owner_of(a - size, size, &whole) && range_is(a - size, size, L4_MEM_CONVENTIONAL))
				return give(a - size, size, who) ? a - size : 0;
		}
	}
	return 0;
}

static void reply_map(l4_word_t base, unsigned log2, unsigned rights)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(0, 0, 2, 0);
	mr[1] = l4_map_item_word0(base);
	mr[2] = l4_fpage_log2(base, log2) | rights;
}

static void reply_nil(void)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(0, 0, 2, 0);
	mr[1] = l4_map_item_word0(0);
	mr[2] = L4_NILPAGE;
}

/* Kernel threads (below the first user thread) may use the extended protocol
 * but never ask for memory (ABI §9.2: sigma0 refuses them and says so). */
static bool kernel_thread(l4_threadid_t t) { return l4_thread_no(t) < l4_kip_user_base(__l4_kip); }
static bool root_task(l4_threadid_t t) { return l4_thread_no(t) == l4_kip_user_base(__l4_kip) + 2; }

/* The extended protocol (label -1001, ABI §9.2), only from kernel threads or the
 * root task: MR1 = 1 sets the verbosity to MR2 (no reply); MR1 = 2 prints who
 * owns what and replies if MR2 != 0. Anything else, or anyone else, gets no
 * answer. */
static bool extended(l4_threadid_t from)
{
	l4_word_t *mr = l4_utcb();
	if (!kernel_thread(from) && !root_task(from))
		return false;
	if (mr[1] == 1) {
		verbose = mr[2];
		return false;
	}
	if (mr[1] != 2)
		return false;
	bool reply = mr[2] != 0;
	printf("sigma0: %u regions handed out\n", nregions);
	for (unsigned i = 0; i < nregions; i++)
		printf("sigma0:   %#014llx-%#014llx  %llx\n", (unsigned long long)regions[i].start,
		       (unsigned long long)regions[i].end - 1, (unsigned long long)regions[i].owner);
	if (reply)
		mr[0] = 0;
	return reply;
}

/* The page attributes a client asked for (MR2 != 0): sigma0 sets them on its own
 * idempotent mapping with MemoryControl before mapping it, so the client's
 * mapping, derived from it, has them too, and the kernel keeps them for sigma0's
 * mapping when it is rebuilt (docs/kernel.md "Memory attributes"). MR2 == 0
 * leaves whatever the page has. False if the kernel refused (an attribute value
 * the architecture does not have): the request is refused too, and a page picked
 * for "any page" stays the client's (asking again for it is idempotent). */
static bool set_attributes(l4_word_t base, unsigned log2, l4_word_t attributes)
{
	if (!attributes)
		return true;
	const l4_word_t attrs[4] = {attributes, 0, 0, 0};
	l4_utcb()[0] = l4_fpage_log2(base, log2); /* rwx 0: attribute 0 */
	return l4_memory_control(0, attrs) == 1;
}

/* An I/O fpage (ABI §9.2): bits 4-9 hold 2 where a memory fpage has its size.
 * mnemo has no I/O fpages: root servers run with IOPL 3 (docs/status.md), so
 * sigma0 has no ports to hand out and refuses with the nil map item. */
static bool io_fpage(l4_fpage_t f) { return (f & 0x3f0) == 0x20; }

/* The sigma0 RPC: MR1 the fpage (base all ones: any page of that size), MR2
 * the attributes; u = 3 adds MR3 (high address bits on 32-bit machines; an
 * amd64 fpage holds any address, so it is not needed). */
static void rpc(l4_threadid_t from)
{
	l4_word_t *mr = l4_utcb();
	l4_fpage_t f = mr[1];
	l4_word_t attributes = mr[2];
	unsigned log2 = l4_fpage_size_log2(f);
	unsigned rights = l4_fpage_rights(f) ? l4_fpage_rights(f) : L4_FULLY_ACCESSIBLE;
	if (io_fpage(f) || log2 < 12 || log2 > 30) {
		reply_nil();
		return;
	}
	l4_word_t base = l4_fpage_base(f);
	bool given;
	if ((f >> 10) == (~0ull >> 10)) {
		base = find_any(log2, from);
		given = base != 0; /* find_any never picks page 0 */
	} else {
		given = give(base, 1ull << log2, from);
	}
	bool ok = given && set_attributes(base, log2, attributes);
	if (ok)
		reply_map(base, log2, rights);
	else
		reply_nil();
	if (verbose)
		printf("sigma0: %llx asked for %#llx (attributes %#llx), got %#llx\n", (unsigned long long)from,
		       (unsigned long long)f, (unsigned long long)attributes, ok ? (unsigned long long)base : 0ull);
}

/* Returns true if a reply is to be sent. */
static bool handle(l4_msgtag_t tag, l4_threadid_t from)
{
	l4_word_t *mr = l4_utcb();
	l4_word_t hi = tag & ~0xfffffull;
	if (L4_TAG_T(tag) != 0 || (L4_TAG_U(tag) != 2 && L4_TAG_U(tag) != 3))
		return false;
	if (hi == ((l4_word_t)-1001 << 20))
		return extended(from);
	if (kernel_thread(from)) { /* memory is for user threads */
		printf("sigma0: refusing a request from kernel thread %llx\n", (unsigned long long)from);
		return false;
	}
	if (hi == ((l4_word_t)-2 << 20)) { /* page fault */
		l4_word_t page = mr[1] & ~0xfffull;
		if (give(page, 4096, from)) {
			reply_map(page, 12, L4_FULLY_ACCESSIBLE);
			return true;
		}
		printf("sigma0: refusing page fault at %#llx (ip %#llx) from %llx: not free memory\n",
		       (unsigned long long)mr[1], (unsigned long long)mr[2], (unsigned long long)from);
		return false;
	}
	if (hi == ((l4_word_t)-6 << 20)) { /* sigma0 RPC */
		rpc(from);
		return true;
	}
	return false;
}

int main(void)
{
	printf("sigma0: thread %llx, KIP at %p, %u memory descriptors\n", (unsigned long long)l4_myself(),
	       (void *)__l4_kip, l4_kip_memdesc_count(__l4_kip));
	l4_threadid_t from;
	l4_accept(L4_NILPAGE); /* untyped words only */
	l4_msgtag_t tag = l4_wait(&from);
	for (;;) {
		bool reply = !l4_ipc_failed(tag) && handle(tag, from);
		tag = reply ? l4_reply_wait(from, &from) : l4_wait(&from);
	}
}
