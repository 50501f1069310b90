/* SPDX-License-Identifier: MIT */
/* sigma0: owns all physical memory idempotently and hands pages out by page fault and sigma0 RPC. */
#include <stdio.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/misc.h>

/*
 * sigma0 is written with the X.2 convenience interface (X.2 names and types), as
 * an X.2 root server is; the KIP is the one the kernel maps into its space.
 */
static void *kip;

/* The bootloader memory type with subtype 4: the loaded kernel (docs/boot.md). */
#define KERNEL_IMAGE_MEMORY_TYPE (L4_BootLoaderSpecificMemoryType + (4 << 4))

/* Who was given what. Invariant: regions are disjoint, page aligned, sorted by
 * start; a page not in any region and of final descriptor type conventional is
 * free. Answers are idempotent: a page already given to the asker is given again. */
struct region {
	L4_Word_t start, end; /* [start, end) */
	L4_ThreadId_t owner;
};
#define MAX_REGIONS 2048
static struct region regions[MAX_REGIONS];
static unsigned nregions;
static L4_Word_t verbose; /* the extended protocol's verbosity: 0 quiet, 1 and up: each RPC */

/* The final type of physical address pa, with the subtype of bootloader and
 * architecture types (L4_MemoryDescType): later descriptors override earlier ones. */
static L4_Word_t mem_type(L4_Word_t pa)
{
	L4_Word_t type = L4_UndefinedMemoryType;
	for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip); i++) {
		L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
		if (!L4_IsMemoryDescVirtual(d) && pa >= L4_MemoryDescLow(d) && pa <= L4_MemoryDescHigh(d))
			type = L4_MemoryDescType(d);
	}
	return type;
}

/* Kernel memory: the pool (reserved) and the kernel's loaded image. The kernel
 * never lets sigma0 map either (ABI §4.4), so a request for them is refused
 * rather than answered with a map that maps nothing. */
static bool kernel_memory(L4_Word_t pa)
{
	L4_Word_t type = mem_type(pa);
	return type == L4_ReservedMemoryType || type == KERNEL_IMAGE_MEMORY_TYPE;
}

static bool range_is(L4_Word_t start, L4_Word_t size, L4_Word_t type)
{
	for (L4_Word_t a = start; a - start < size; a += 4096)
		if (mem_type(a) != type)
			return false;
	return true;
}

/* The owner of any page in [start, start + size): nil if none, any if several differ. */
static L4_ThreadId_t owner_of(L4_Word_t start, L4_Word_t size, bool *whole)
{
	L4_ThreadId_t owner = L4_nilthread;
	L4_Word_t covered = 0;
	for (unsigned i = 0; i < nregions; i++) {
		struct region *r = &regions[i];
		if (r->end <= start || r->start >= start + size)
			continue;
		if (!L4_IsNilThread(owner) && L4_IsThreadNotEqual(owner, r->owner))
			return L4_anythread;
		owner = r->owner;
		L4_Word_t lo = r->start > start ? r->start : start, hi = r->end < start + size ? r->end : start + size;
		covered += hi - lo;
	}
	*whole = covered == size;
	return owner;
}

static bool claim(L4_Word_t start, L4_Word_t size, L4_ThreadId_t owner)
{
	unsigned i = 0;
	while (i < nregions && regions[i].start < start)
		i++;
	/* merge with the neighbours of the same owner: one region per run of pages */
	bool left = i > 0 && regions[i - 1].end == start && L4_IsThreadEqual(regions[i - 1].owner, owner);
	bool right = i < nregions && regions[i].start == start + size && L4_IsThreadEqual(regions[i].owner, owner);
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
 * already owns all of it. Everything but kernel memory may be given:
 * conventional memory, the loaded images and boot modules (the root task runs
 * from them and reads them), device and shared regions. */
static bool give(L4_Word_t start, L4_Word_t size, L4_ThreadId_t who)
{
	bool whole;
	L4_ThreadId_t owner = owner_of(start, size, &whole);
	if (L4_IsThreadEqual(owner, who) && whole)
		return true;
	if (!L4_IsNilThread(owner))
		return false;
	for (L4_Word_t a = start; a - start < size; a += 4096)
		if (kernel_memory(a))
			return false;
	return claim(start, size, who);
}

/* Any free conventional page of 2^log2 bytes, from the top of memory down. */
static L4_Word_t find_any(unsigned log2, L4_ThreadId_t who)
{
	L4_Word_t size = 1ull << log2;
	for (L4_Word_t i = L4_NumMemoryDescriptors(kip); i-- > 0;) {
		L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
		if (L4_IsMemoryDescVirtual(d) || L4_MemoryDescType(d) != L4_ConventionalMemoryType)
			continue;
		L4_Word_t lo = L4_MemoryDescLow(d), hi = L4_MemoryDescHigh(d) + 1;
		for (L4_Word_t a = (hi & ~(size - 1)); a >= lo + size && a >= 0x100000 + size; a -= size) {
			bool whole;
			if (L4_IsNilThread(owner_of(a - size, size, &whole)) &&
			    range_is(a - size, size, L4_ConventionalMemoryType))
				return give(a - size, size, who) ? a - size : 0;
		}
	}
	return 0;
}

/* The reply: one map item of [base, base + 2^log2) with the rights, or the nil item. */
static void reply_map(L4_Word_t base, unsigned log2, L4_Word_t rights)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_MsgAppendMapItem(&msg, L4_MapItem(L4_FpageAddRights(L4_FpageLog2(base, (int)log2), rights), base));
	L4_MsgLoad(&msg);
}

static void reply_nil(void)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_MsgAppendMapItem(&msg, L4_MapItem(L4_Nilpage, 0));
	L4_MsgLoad(&msg);
}

/* Kernel threads (below the first user thread) may use the extended protocol
 * but never ask for memory (ABI §9.2: sigma0 refuses them and says so). */
static bool kernel_thread(L4_ThreadId_t t) { return L4_ThreadNo(t) < L4_ThreadIdUserBase(kip); }
static bool root_task(L4_ThreadId_t t) { return L4_ThreadNo(t) == L4_ThreadIdUserBase(kip) + 2; }

/* The extended protocol (label -1001, ABI §9.2), only from kernel threads or the
 * root task: MR1 = 1 sets the verbosity to MR2 (no reply); MR1 = 2 prints who
 * owns what and replies if MR2 != 0. Anything else, or anyone else, gets no
 * answer. */
static bool extended(L4_ThreadId_t from, L4_Msg_t *msg)
{
	if (!kernel_thread(from) && !root_task(from))
		return false;
	if (L4_MsgWord(msg, 0) == 1) {
		verbose = L4_MsgWord(msg, 1);
		return false;
	}
	if (L4_MsgWord(msg, 0) != 2)
		return false;
	bool reply = L4_MsgWord(msg, 1) != 0;
	printf("sigma0: %u regions handed out\n", nregions);
	for (unsigned i = 0; i < nregions; i++)
		printf("sigma0:   %#014llx-%#014llx  %llx\n", (unsigned long long)regions[i].start,
		       (unsigned long long)regions[i].end - 1, (unsigned long long)regions[i].owner.raw);
	if (reply)
		L4_Set_MsgTag(L4_Niltag);
	return reply;
}

/* The page attributes a client asked for (MR2 != 0): sigma0 sets them on its own
 * idempotent mapping with MemoryControl before mapping it, so the client's
 * mapping, derived from it, has them too, and the kernel keeps them for sigma0's
 * mapping when it is rebuilt (docs/kernel.md "Memory attributes"). MR2 == 0
 * leaves whatever the page has. False if the kernel refused (an attribute value
 * the architecture does not have): the request is refused too, and a page picked
 * for "any page" stays the client's (asking again for it is idempotent). */
static bool set_attributes(L4_Word_t base, unsigned log2, L4_Word_t attributes)
{
	return !attributes || L4_Set_PageAttribute(L4_FpageLog2(base, (int)log2), attributes) == 1;
}

/* An I/O fpage (ABI §9.2): bits 4-9 hold 2 where a memory fpage has its size.
 * mnemo has no I/O fpages: root servers run with IOPL 3 (docs/status.md), so
 * sigma0 has no ports to hand out and refuses with the nil map item. */
static bool io_fpage(L4_Fpage_t f) { return (f.raw & 0x3f0) == 0x20; }

/* The sigma0 RPC: MR1 the fpage (base all ones: any page of that size), MR2
 * the attributes; u = 3 adds MR3 (high address bits on 32-bit machines; an
 * amd64 fpage holds any address, so it is not needed). */
static void rpc(L4_ThreadId_t from, L4_Msg_t *msg)
{
	L4_Fpage_t f = {.raw = L4_MsgWord(msg, 0)};
	L4_Word_t attributes = L4_MsgWord(msg, 1);
	unsigned log2 = (unsigned)L4_SizeLog2(f);
	L4_Word_t rights = L4_Rights(f) ? L4_Rights(f) : L4_FullyAccessible;
	if (io_fpage(f) || log2 < 12 || log2 > 30) {
		reply_nil();
		return;
	}
	L4_Word_t base = L4_Address(f);
	bool given;
	if (f.X.b == (~0ull >> 10)) {
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
		printf("sigma0: %llx asked for %#llx (attributes %#llx), got %#llx\n", (unsigned long long)from.raw,
		       (unsigned long long)f.raw, (unsigned long long)attributes, ok ? (unsigned long long)base : 0ull);
}

/* The protocol of a kernel-generated or sigma0 message: its label's upper 44
 * bits as a signed number (page fault -2, sigma0 RPC -6, extended -1001). */
static L4_SignedWord_t protocol(L4_MsgTag_t tag) { return (L4_SignedWord_t)tag.raw >> 20; }

/* Returns true if a reply is to be sent. */
static bool handle(L4_MsgTag_t tag, L4_ThreadId_t from)
{
	if (L4_TypedWords(tag) != 0 || (L4_UntypedWords(tag) != 2 && L4_UntypedWords(tag) != 3))
		return false;
	L4_Msg_t msg;
	L4_MsgStore(tag, &msg);
	if (protocol(tag) == -1001)
		return extended(from, &msg);
	if (kernel_thread(from)) { /* memory is for user threads */
		printf("sigma0: refusing a request from kernel thread %llx\n", (unsigned long long)from.raw);
		return false;
	}
	if (protocol(tag) == -2) { /* page fault */
		L4_Word_t page = L4_MsgWord(&msg, 0) & ~0xfffull;
		if (give(page, 4096, from)) {
			reply_map(page, 12, L4_FullyAccessible);
			return true;
		}
		printf("sigma0: refusing page fault at %#llx (ip %#llx) from %llx: not free memory\n",
		       (unsigned long long)L4_MsgWord(&msg, 0), (unsigned long long)L4_MsgWord(&msg, 1),
		       (unsigned long long)from.raw);
		return false;
	}
	if (protocol(tag) == -6) { /* sigma0 RPC */
		rpc(from, &msg);
		return true;
	}
	return false;
}

int main(void)
{
	kip = L4_GetKernelInterface();
	printf("sigma0: thread %llx, KIP at %p, %llu memory descriptors\n", (unsigned long long)L4_Myself().raw, kip,
	       (unsigned long long)L4_NumMemoryDescriptors(kip));
	L4_ThreadId_t from;
	L4_Accept(L4_UntypedWordsAcceptor);
	L4_MsgTag_t tag = L4_Wait(&from);
	for (;;) {
		bool reply = !L4_IpcFailed(tag) && handle(tag, from);
		tag = reply ? L4_ReplyWait(from, &from) : L4_Wait(&from);
	}
}
