/* SPDX-License-Identifier: MIT */
/* The mdb chain suite: derivation chains sigma0 -> R -> A -> B -> C across four address spaces, built with map and grant items, revoked by Unmap at every level. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/space.h>
#include <l4/sigma0.h>
#include <l4/kdebug.h>
#include <x2msg.h>

/*
 * R (the root task, this program's main thread) creates three threads A, B and
 * C, each in a new address space, starts them with a start message and pages
 * them: they run R's image, so a fault on an image page (code, data, their
 * stacks) is answered with R's own page at the same address.
 *
 * Each child runs a command loop (child_main): R sends a command (read or write
 * a word, scan pages, send a map/grant item to another child, receive one,
 * Unmap/Flush/GetStatus, take a map item from R), the child answers with the
 * result and waits for the next command, both in one IPC.
 *
 * The chain pages: R gets a page from sigma0 into a window of its own (R_WIN),
 * maps it to A at X by a map item carried by a command, A maps it to B at Y
 * (R tells B to receive from A into a window covering Y, then tells A to send),
 * B maps it to C at Z. X, Y, Z lie in CHILD_WIN, a fresh 4 MiB slot per test.
 *
 * A revoked page is made observable without hanging anybody: a child's fault
 * inside CHILD_WIN is counted (wfaults, address, access) and answered with R's
 * scratch page, filled with SCRATCH. The child's read then returns SCRATCH
 * instead of the pattern (and its write lands in the scratch page), so a test
 * checks both the value and the number of faults. Each test starts by revoking
 * the scratch page from all children (R's Unmap of its own scratch page).
 *
 * Written with the X.2 convenience interface; the protocol words between R and
 * the children are this suite's own.
 */

#define UTCB_AREA 0xBF000000ull
#define KIP_AREA 0xBFF00000ull
#define PAGE 4096ul
#define SUPER (2ul << 20)
#define CHILD_WIN 0x40000000ul /* the children's chain pages: [1 GiB, 2 GiB) */
#define CHILD_WIN_LOG2 30
#define R_WIN 0x30000000ul /* R's windows for sigma0's pages */
#define PICTURE_WIN 0x2ff00000ul /* the picture test's page in R: fixed, so `make picture` can name it */
#define SLOT_SIZE 0x400000ul /* per test: 4 MiB in R_WIN and in each child's part of CHILD_WIN */
#define MAX_SLOTS 60
#define KID_TIMEOUT_US 2000000 /* a child's IPC to another child */
#define R_TIMEOUT_US 10000000 /* R waiting for a child's answer */
#define SCRATCH 0x5c5c5c5c5c5c5c5cul
#define UNMAP_FLUSH 0x40 /* Unmap control: f, revoke from the caller's own mappings too (X.2 "Unmap") */

enum { A, B, C, NKIDS };

enum {
	CMD_READ = 0x40, /* a1 address -> value */
	CMD_WRITE, /* a1 address, a2 value */
	CMD_SCAN, /* a1 address, a2 pages, a3 base: word 0 of page i should be base + i -> bad, first bad */
	CMD_SEND, /* a1 to, a2 fpage, a3 send base (hot spot), a4 grant -> error code */
	CMD_RECV, /* a1 from, a2 receive window -> error code, t, item word 0, item word 1 */
	CMD_UNMAP, /* a1 fpage, a2 Unmap control -> the fpage with access bits */
	CMD_TAKE, /* a map item from R (t = 2) -> t, item word 0, item word 1 */
	RES_OK = 0x50,
	RES_ERR,
	LABEL_ITEM = 0x60, /* child to child: one map or grant item */
};

/* The fpage of 2^log2 bytes at base with the rights. */
static L4_Fpage_t fp(L4_Word_t base, int log2, L4_Word_t rights)
{
	return L4_FpageAddRights(L4_FpageLog2(base, log2), rights);
}

/* ---- the children ----------------------------------------------------------------------- */

/* Runs in A, B and C: R's image, paged by R. Touches only its stack, its UTCB and
 * the addresses R names. */
static void child_main(void)
{
	L4_ThreadId_t r = L4_Pager();
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, RES_OK); /* hello */
	L4_MsgLoad(&msg);
	for (;;) {
		L4_Accept(L4_MapGrantItems(L4_FpageLog2(CHILD_WIN, CHILD_WIN_LOG2)));
		L4_MsgTag_t tag = L4_Call(r);
		L4_Word_t a1, a2, a3, a4, out[4] = {0, 0, 0, 0};
		L4_StoreMR(1, &a1), L4_StoreMR(2, &a2), L4_StoreMR(3, &a3), L4_StoreMR(4, &a4);
		unsigned n = 0, label = RES_OK;
		if (L4_IpcFailed(tag)) {
			label = RES_ERR;
			out[0] = L4_ErrorCode();
			n = 1;
		} else {
			switch (L4_Label(tag)) {
			case CMD_READ:
				out[0] = *(volatile L4_Word_t *)a1;
				n = 1;
				break;
			case CMD_WRITE: *(volatile L4_Word_t *)a1 = a2; break;
			case CMD_SCAN:
				out[1] = ~0ul;
				for (L4_Word_t i = 0; i < a2; i++)
					if (*(volatile L4_Word_t *)(a1 + i * PAGE) != a3 + i && out[0]++ == 0)
						out[1] = i;
				n = 2;
				break;
			case CMD_SEND:
				L4_MsgClear(&msg);
				L4_Set_MsgLabel(&msg, LABEL_ITEM);
				if (a4)
					L4_MsgAppendGrantItem(&msg, L4_GrantItem((L4_Fpage_t){.raw = a2}, a3));
				else
					L4_MsgAppendMapItem(&msg, L4_MapItem((L4_Fpage_t){.raw = a2}, a3));
				L4_MsgLoad(&msg);
				tag = L4_Send_Timeout((L4_ThreadId_t){.raw = a1}, L4_TimePeriod(KID_TIMEOUT_US));
				out[0] = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
				n = 1;
				break;
			case CMD_RECV:
				L4_Accept(L4_MapGrantItems((L4_Fpage_t){.raw = a2}));
				tag = L4_Receive_Timeout((L4_ThreadId_t){.raw = a1}, L4_TimePeriod(KID_TIMEOUT_US));
				out[0] = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
				out[1] = L4_TypedWords(tag);
				L4_StoreMR(1, &out[2]), L4_StoreMR(2, &out[3]); /* the item's two words */
				n = 4;
				break;
			case CMD_UNMAP:
				L4_LoadMR(0, a1);
				L4_Unmap(a2);
				L4_StoreMR(0, &out[0]);
				n = 1;
				break;
			case CMD_TAKE:
				out[0] = L4_TypedWords(tag);
				out[1] = a1;
				out[2] = a2;
				n = 3;
				break;
			default: label = RES_ERR; break;
			}
		}
		L4_MsgClear(&msg);
		L4_Set_MsgLabel(&msg, label);
		for (unsigned i = 0; i < n; i++)
			L4_MsgAppendWord(&msg, out[i]);
		L4_MsgLoad(&msg);
	}
}

/* ---- R: the children's pager and command sender ------------------------------------------ */

struct kid {
	L4_ThreadId_t tid;
	bool busy; /* a command (or the start) is out, its answer not collected */
	bool have; /* an answer arrived while R waited for another child */
	bool dead; /* no answer in time: later tests fail at once */
	L4_Word_t res[8]; /* the answer: tag, MR1..MR7 */
	unsigned ifaults, wild; /* faults on image pages; faults R does not answer */
	unsigned wfaults; /* faults in CHILD_WIN (answered with the scratch page), per test */
	L4_Word_t last_waddr, last_access; /* of the last fault in CHILD_WIN */
};
static struct kid kids[NKIDS];
static const char kid_name[] = "ABC";

extern char _start[], _end[];
static L4_Word_t scratch[PAGE / 8] __attribute__((aligned(PAGE)));
#define STACK_WORDS 2048
static L4_Word_t stacks[NKIDS][STACK_WORDS] __attribute__((aligned(PAGE)));
static unsigned slot; /* the current test's slot */

/* A page-fault message: label -2 << 4 with the access in its low bits, that is the
 * upper 44 bits of the tag read as a signed number are -2 (X.2 "Pagefault protocol"). */

static int kid_of(L4_ThreadId_t t)
{
	for (int k = 0; k < NKIDS; k++)
		if (L4_IsThreadEqual(kids[k].tid, t))
			return k;
	return -1;
}

/* The label of child k's answer. */
static L4_Word_t res_label(const struct kid *kd) { return L4_Label((L4_MsgTag_t){.raw = kd->res[0]}); }

/* Answers a child's page fault: image pages with R's own, CHILD_WIN with the scratch page. */
static void serve_fault(int k, L4_ThreadId_t from, L4_MsgTag_t tag)
{
	L4_Msg_t msg;
	L4_MsgStore(tag, &msg);
	L4_Word_t fault = L4_MsgWord(&msg, 0), ip = L4_MsgWord(&msg, 1);
	L4_Word_t addr = fault & ~(PAGE - 1), src;
	unsigned access = (unsigned)L4_Label(tag) & 7;
	if (addr >= CHILD_WIN && addr < CHILD_WIN + (1ul << CHILD_WIN_LOG2)) {
		kids[k].wfaults++;
		kids[k].last_waddr = addr;
		kids[k].last_access = access;
		src = (L4_Word_t)scratch;
	} else if (addr >= ((L4_Word_t)_start & ~(PAGE - 1)) && addr < (L4_Word_t)_end) {
		kids[k].ifaults++;
		(void)*(volatile char *)addr; /* present in our space before we map it */
		src = addr;
	} else {
		kids[k].wild++;
		printf("  child %c: fault at %#llx (ip %#llx, access %u) outside its pages: not answered\n",
		       kid_name[k], (unsigned long long)fault, (unsigned long long)ip, access);
		return;
	}
	L4_MsgClear(&msg);
	L4_MsgAppendMapItem(&msg, L4_MapItem(fp(src, 12, L4_FullyAccessible), addr));
	L4_MsgLoad(&msg);
	L4_Reply(from);
}

/* Waits for child k's answer, serving every child's page faults meanwhile and keeping
 * the answers of others. True if it answered RES_OK. */
static bool collect(int k)
{
	struct kid *kd = &kids[k];
	if (!kd->busy)
		return false;
	while (!kd->have) {
		L4_ThreadId_t from;
		L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(R_TIMEOUT_US), &from);
		if (L4_IpcFailed(tag)) {
			printf("  child %c did not answer (R's receive: error %#llx)\n", kid_name[k],
			       (unsigned long long)L4_ErrorCode());
			kd->dead = true;
			kd->busy = false;
			return false;
		}
		int j = kid_of(from);
		if (j < 0) {
			printf("  a message from %#llx, not a child: ignored\n", (unsigned long long)from.raw);
			continue;
		}
		if (msg_is_pagefault(tag)) {
			serve_fault(j, from, tag);
			continue;
		}
		kids[j].have = true;
		L4_StoreMRs(0, 8, kids[j].res);
	}
	kd->have = false;
	kd->busy = false;
	return res_label(kd) == RES_OK;
}

/* Sends child k a command (it waits for one); its answer is collected later. */
static bool post(int k, unsigned label, L4_Word_t a1, L4_Word_t a2, L4_Word_t a3, L4_Word_t a4)
{
	struct kid *kd = &kids[k];
	if (kd->dead || kd->busy)
		return false;
	L4_Msg_t msg;
	L4_Word_t words[4] = {a1, a2, a3, a4};
	L4_MsgPut(&msg, label, 4, words, 0, NULL);
	L4_MsgLoad(&msg);
	if (L4_IpcFailed(L4_Send_Timeout(kd->tid, L4_TimePeriod(R_TIMEOUT_US)))) {
		printf("  child %c does not take commands (error %#llx)\n", kid_name[k],
		       (unsigned long long)L4_ErrorCode());
		kd->dead = true;
		return false;
	}
	kd->busy = true;
	return true;
}

static bool call(int k, unsigned label, L4_Word_t a1, L4_Word_t a2, L4_Word_t a3, L4_Word_t a4)
{
	return post(k, label, a1, a2, a3, a4) && collect(k);
}

static bool kid_read(int k, L4_Word_t addr, L4_Word_t *v)
{
	if (!call(k, CMD_READ, addr, 0, 0, 0))
		return false;
	*v = kids[k].res[1];
	return true;
}

static bool kid_write(int k, L4_Word_t addr, L4_Word_t v) { return call(k, CMD_WRITE, addr, v, 0, 0); }

/* Unmap (control: UNMAP_FLUSH or 0) by child k; returns the fpage with its access bits. */
static bool kid_unmap(int k, L4_Fpage_t f, L4_Word_t control, L4_Fpage_t *ret)
{
	if (!call(k, CMD_UNMAP, f.raw, control, 0, 0))
		return false;
	if (ret)
		ret->raw = kids[k].res[1];
	return true;
}

/* Child k reads word 0 of `pages` pages from addr, expecting base + i in page i. */
static bool kid_scan(int k, L4_Word_t addr, L4_Word_t pages, L4_Word_t base, L4_Word_t *bad, L4_Word_t *first)
{
	if (!call(k, CMD_SCAN, addr, pages, base, 0))
		return false;
	*bad = kids[k].res[1];
	*first = kids[k].res[2];
	return true;
}

/* R maps its fpage (src, log2, rights) to child k; hot spot dst (in CHILD_WIN). */
static bool r_map(int k, L4_Word_t src, int log2, L4_Word_t rights, L4_Word_t dst)
{
	struct kid *kd = &kids[k];
	if (kd->dead || kd->busy)
		return false;
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, CMD_TAKE);
	L4_MsgAppendMapItem(&msg, L4_MapItem(fp(src, log2, rights), dst));
	L4_MsgLoad(&msg);
	if (L4_IpcFailed(L4_Send_Timeout(kd->tid, L4_TimePeriod(R_TIMEOUT_US)))) {
		kd->dead = true;
		return false;
	}
	kd->busy = true;
	if (!collect(k) || kd->res[1] != 2) {
		printf("  R's map item to %c: not received (t = %llu)\n", kid_name[k], (unsigned long long)kd->res[1]);
		return false;
	}
	return true;
}

/* Child `from` sends a map (or grant) item of its fpage (src, log2, rights) to child
 * `to`, which receives it with the receive window fpage(dst, log2). */
static bool kid_map(int from, int to, L4_Word_t src, int log2, L4_Word_t rights, bool grant, L4_Word_t dst)
{
	if (!post(to, CMD_RECV, kids[from].tid.raw, L4_FpageLog2(dst, log2).raw, 0, 0))
		return false;
	bool sent = post(from, CMD_SEND, kids[to].tid.raw, fp(src, log2, rights).raw, src, grant);
	bool s_ok = sent && collect(from), r_ok = collect(to);
	if (!s_ok || !r_ok || kids[from].res[1] != 0 || kids[to].res[1] != 0 || kids[to].res[2] != 2) {
		printf("  %c -> %c %s item: sender %s error %#llx, receiver %s error %#llx t %llu\n", kid_name[from],
		       kid_name[to], grant ? "grant" : "map", s_ok ? "ok" : "failed",
		       (unsigned long long)kids[from].res[1], r_ok ? "ok" : "failed",
		       (unsigned long long)kids[to].res[1], (unsigned long long)kids[to].res[2]);
		return false;
	}
	/* the receiver sees the item as sent (docs/status.md) */
	if (kids[to].res[4] != fp(src, log2, rights).raw) {
		printf("  %c received item word 1 %#llx\n", kid_name[to], (unsigned long long)kids[to].res[4]);
		return false;
	}
	return true;
}

static bool kids_up(void)
{
	static bool tried, ok;
	if (tried)
		return ok;
	tried = true;
	L4_ThreadId_t me = L4_Myself();
	for (int k = 0; k < NKIDS; k++) {
		struct kid *kd = &kids[k];
		kd->tid = L4_GlobalId(L4_ThreadNo(me) + 1 + k, 1);
		if (L4_ThreadControl(kd->tid, kd->tid, me, L4_nilthread, (void *)-1) != 1 ||
		    L4_SpaceControl(kd->tid, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 14), L4_nilthread,
				    NULL) != 1 ||
		    L4_ThreadControl(kd->tid, kd->tid, me, me, (void *)UTCB_AREA) != 1) {
			printf("  cannot create child %c (error %llu)\n", kid_name[k],
			       (unsigned long long)L4_ErrorCode());
			return false;
		}
		memset(stacks[k], 0, sizeof stacks[k]); /* present here before we map them on */
		L4_Msg_t msg;
		L4_Word_t start[2] = {(L4_Word_t)child_main, (L4_Word_t)&stacks[k][STACK_WORDS - 2]};
		L4_MsgPut(&msg, 0, 2, start, 0, NULL); /* the start message: IP, SP */
		L4_MsgLoad(&msg);
		if (L4_IpcFailed(L4_Send_Timeout(kd->tid, L4_TimePeriod(R_TIMEOUT_US)))) {
			printf("  child %c: start message failed\n", kid_name[k]);
			return false;
		}
		kd->busy = true;
	}
	for (int k = 0; k < NKIDS; k++)
		if (!collect(k)) {
			printf("  child %c did not report ready\n", kid_name[k]);
			return false;
		}
	return ok = true;
}

static void revoke_scratch(void)
{
	L4_UnmapFpage(fp((L4_Word_t)scratch, 12, L4_FullyAccessible));
	for (unsigned i = 0; i < PAGE / 8; i++)
		scratch[i] = SCRATCH;
}

/* Each test: a fresh slot, the children ready, no scratch mappings, fault counts 0. */
static bool begin(void)
{
	if (++slot >= MAX_SLOTS || !kids_up())
		return false;
	for (int k = 0; k < NKIDS; k++)
		if (kids[k].busy && !kids[k].dead)
			collect(k); /* an answer a failed test left behind */
	revoke_scratch();
	for (int k = 0; k < NKIDS; k++) {
		kids[k].wfaults = 0;
		kids[k].last_waddr = kids[k].last_access = 0;
		if (kids[k].dead)
			return false;
	}
	return true;
}

/* The child addresses of this test's chain page(s): X in A, Y in B, Z in C. */
static L4_Word_t caddr(int k) { return CHILD_WIN + (L4_Word_t)k * 0x10000000ul + slot * SLOT_SIZE; }

/* A page (4 KiB or 2 MiB) from sigma0 into R's window of this slot; 0 if none. */
static L4_Word_t r_get(int log2)
{
	L4_Word_t w = R_WIN + slot * SLOT_SIZE;
	L4_Fpage_t got = L4_Sigma0_GetPage(L4_nilthread, fp(~0ul, log2, L4_FullyAccessible), L4_FpageLog2(w, log2));
	L4_Accept(L4_UntypedWordsAcceptor);
	if (L4_IsNilFpage(got) || L4_SizeLog2(got) != (L4_Word_t)log2) {
		printf("  sigma0 gave %#llx for a 2^%u page\n", (unsigned long long)got.raw, (unsigned)log2);
		return 0;
	}
	return w;
}

#define PAT(i) (0xc0de000000000000ul | ((L4_Word_t)slot << 32) | (L4_Word_t)(i))

struct chain {
	L4_Word_t p, x, y, z; /* R's page, A's, B's, C's address */
};

/* sigma0 -> R -> A -> B -> C, one 4 KiB page, each step with all the rights its
 * source has (`rights` for R's map to A); R fills the page with PAT(i). */
static bool chain4k(struct chain *c, L4_Word_t rights)
{
	c->x = caddr(A), c->y = caddr(B), c->z = caddr(C);
	if (!(c->p = r_get(12)))
		return false;
	for (unsigned i = 0; i < PAGE / 8; i++)
		((volatile L4_Word_t *)c->p)[i] = PAT(i);
	return r_map(A, c->p, 12, rights, c->x) && kid_map(A, B, c->x, 12, 7, false, c->y) &&
	       kid_map(B, C, c->y, 12, 7, false, c->z);
}

/* The same with a 2 MiB page from sigma0; word 0 of page i holds PAT(i). */
static bool chain2m(struct chain *c)
{
	c->x = caddr(A), c->y = caddr(B), c->z = caddr(C);
	if (!(c->p = r_get(21)))
		return false;
	for (unsigned i = 0; i < SUPER / PAGE; i++)
		((volatile L4_Word_t *)(c->p + i * PAGE))[0] = PAT(i);
	return r_map(A, c->p, 21, 7, c->x) && kid_map(A, B, c->x, 21, 7, false, c->y) &&
	       kid_map(B, C, c->y, 21, 7, false, c->z);
}

static L4_Word_t r_word(const struct chain *c, unsigned i) { return ((volatile L4_Word_t *)c->p)[i]; }

/* Child k reads addr: expects `want` and `nfaults` faults in CHILD_WIN on the way. */
#define CHECK_READ(k, addr, want, nfaults) \
	do { \
		unsigned _f0 = kids[k].wfaults; \
		L4_Word_t _v = 0; \
		TEST_CHECK(kid_read(k, addr, &_v)); \
		TEST_CHECK_EQ(_v, want); \
		TEST_CHECK_EQ(kids[k].wfaults - _f0, nfaults); \
	} while (0)
#define CHECK_WRITE(k, addr, v, nfaults) \
	do { \
		unsigned _f0 = kids[k].wfaults; \
		TEST_CHECK(kid_write(k, addr, v)); \
		TEST_CHECK_EQ(kids[k].wfaults - _f0, nfaults); \
	} while (0)
/* Child k scans `pages` pages of a 2 MiB chain: `bad` of them not the pattern, the first at
 * `first` (~0 for none), after `nfaults` faults. */
#define CHECK_SCAN(k, addr, pages, nbad, first_bad, nfaults) \
	do { \
		unsigned _f0 = kids[k].wfaults; \
		L4_Word_t _bad = 0, _first = 0; \
		TEST_CHECK(kid_scan(k, addr, pages, PAT(0), &_bad, &_first)); \
		TEST_CHECK_EQ(_bad, nbad); \
		TEST_CHECK_EQ(_first, first_bad); \
		TEST_CHECK_EQ(kids[k].wfaults - _f0, nfaults); \
	} while (0)

/* The access bits Unmap and GetStatus return in the fpage's rights field (X.2 "Unmap"). */
static L4_Word_t accessed(L4_Fpage_t f) { return L4_Rights(f); }

/* ---- the tests ------------------------------------------------------------------------ */

static const L4_Word_t marker = 0x6d61726b6572ul;

USER_TEST(spaces, "mdbchain.spaces",
	  "A, B, C in three new spaces start by start messages, are paged by R and take commands")
{
	TEST_CHECK(begin());
	for (int k = 0; k < NKIDS; k++) {
		TEST_CHECK(kids[k].ifaults >= 3); /* code, data, stack at least */
		TEST_CHECK_EQ(kids[k].wild, 0);
		CHECK_READ(k, (L4_Word_t)&marker, marker, 0); /* R's page, mapped on a fault */
	}
	TEST_CHECK(L4_IsThreadNotEqual(kids[A].tid, kids[B].tid) && L4_IsThreadNotEqual(kids[B].tid, kids[C].tid));
}

USER_TEST(chain_contents, "mdbchain.chain.contents",
	  "sigma0 -> R -> A -> B -> C by map items: one frame at all levels; R's writes reach C and C's reach R")
{
	struct chain c;
	TEST_CHECK(begin());
	TEST_CHECK(chain4k(&c, 7));
	CHECK_READ(C, c.z, PAT(0), 0);
	CHECK_READ(C, c.z + 8 * 100, PAT(100), 0);
	CHECK_READ(B, c.y + 8 * 511, PAT(511), 0);
	CHECK_READ(A, c.x + 8, PAT(1), 0);
	CHECK_WRITE(C, c.z + 8 * 5, 0x5eed, 0);
	TEST_CHECK_EQ(r_word(&c, 5), 0x5eed);
	CHECK_READ(A, c.x + 8 * 5, 0x5eed, 0);
	CHECK_READ(B, c.y + 8 * 5, 0x5eed, 0);
	((volatile L4_Word_t *)c.p)[9] = 0xfeed;
	CHECK_READ(C, c.z + 8 * 9, 0xfeed, 0);
	CHECK_WRITE(A, c.x + 8 * 10, 0xa, 0);
	CHECK_READ(C, c.z + 8 * 10, 0xa, 0);
	L4_UnmapFpage(fp(c.p, 12, 7));
}

USER_TEST(unmap_root, "mdbchain.unmap.root", "R's Unmap of its page revokes it from A, B and C; R keeps it")
{
	struct chain c;
	TEST_CHECK(begin());
	TEST_CHECK(chain4k(&c, 7));
	CHECK_READ(C, c.z, PAT(0), 0);
	L4_UnmapFpage(fp(c.p, 12, 7));
	CHECK_READ(A, c.x, SCRATCH, 1);
	CHECK_READ(B, c.y + 8, SCRATCH, 1);
	CHECK_READ(C, c.z + 16, SCRATCH, 1);
	TEST_CHECK_EQ(kids[C].last_waddr, c.z);
	TEST_CHECK_EQ(kids[C].last_access, L4_Readable);
	TEST_CHECK_EQ(r_word(&c, 0), PAT(0));
	((volatile L4_Word_t *)c.p)[0] = 1; /* still R's, writable */
	TEST_CHECK_EQ(r_word(&c, 0), 1);
}

USER_TEST(unmap_a, "mdbchain.unmap.a", "A's Unmap of X revokes the page from B and C; A keeps it")
{
	struct chain c;
	TEST_CHECK(begin());
	TEST_CHECK(chain4k(&c, 7));
	TEST_CHECK(kid_unmap(A, fp(c.x, 12, 7), 0, NULL));
	CHECK_READ(A, c.x + 8, PAT(1), 0);
	CHECK_WRITE(A, c.x + 16, 0xaa, 0);
	TEST_CHECK_EQ(r_word(&c, 2), 0xaa);
	CHECK_READ(B, c.y, SCRATCH, 1);
	CHECK_READ(C, c.z, SCRATCH, 1);
	L4_UnmapFpage(fp(c.p, 12, 7));
}

USER_TEST(unmap_b, "mdbchain.unmap.b", "B's Unmap of Y revokes the page from C only; A and B keep it")
{
	struct chain c;
	TEST_CHECK(begin());
	TEST_CHECK(chain4k(&c, 7));
	TEST_CHECK(kid_unmap(B, fp(c.y, 12, 7), 0, NULL));
	CHECK_READ(A, c.x, PAT(0), 0);
	CHECK_READ(B, c.y + 8, PAT(1), 0);
	CHECK_READ(C, c.z, SCRATCH, 1);
	CHECK_WRITE(B, c.y + 24, 0xbb, 0);
	TEST_CHECK_EQ(r_word(&c, 3), 0xbb);
	L4_UnmapFpage(fp(c.p, 12, 7));
}

USER_TEST(unmap_leaf, "mdbchain.unmap.leaf",
	  "C's Unmap of Z changes nothing (nothing is derived from it); C's Flush removes C's mapping only")
{
	struct chain c;
	TEST_CHECK(begin());
	TEST_CHECK(chain4k(&c, 7));
	TEST_CHECK(kid_unmap(C, fp(c.z, 12, 7), 0, NULL));
	CHECK_READ(C, c.z, PAT(0), 0);
	CHECK_WRITE(C, c.z + 8, 0xcc, 0);
	TEST_CHECK_EQ(r_word(&c, 1), 0xcc);
	TEST_CHECK(kid_unmap(C, fp(c.z, 12, 7), UNMAP_FLUSH, NULL));
	CHECK_READ(C, c.z, SCRATCH, 1);
	CHECK_READ(B, c.y + 8, 0xcc, 0);
	CHECK_READ(A, c.x, PAT(0), 0);
	L4_UnmapFpage(fp(c.p, 12, 7));
}

USER_TEST(
    grant_middle, "mdbchain.grant.middle",
    "A grants X (R -> A -> C) to B: A loses it, B takes A's place: C keeps it, B's Unmap then revokes C, R's revokes B")
{
	struct chain c;
	TEST_CHECK(begin());
	c.x = caddr(A), c.y = caddr(B), c.z = caddr(C);
	TEST_CHECK((c.p = r_get(12)) != 0);
	for (unsigned i = 0; i < PAGE / 8; i++)
		((volatile L4_Word_t *)c.p)[i] = PAT(i);
	TEST_CHECK(r_map(A, c.p, 12, 7, c.x));
	TEST_CHECK(kid_map(A, C, c.x, 12, 7, false, c.z)); /* C derived from A */
	TEST_CHECK(kid_map(A, B, c.x, 12, 7, true, c.y)); /* A's mapping moves to B */
	CHECK_READ(B, c.y, PAT(0), 0);
	CHECK_READ(C, c.z + 8, PAT(1), 0);
	CHECK_WRITE(B, c.y + 16, 0xb2, 0);
	CHECK_READ(C, c.z + 16, 0xb2, 0);
	TEST_CHECK_EQ(r_word(&c, 2), 0xb2);
	CHECK_READ(A, c.x, SCRATCH, 1); /* granted away */
	/* C now hangs below B's mapping */
	TEST_CHECK(kid_unmap(B, fp(c.y, 12, 7), 0, NULL));
	CHECK_READ(C, c.z, SCRATCH, 1);
	CHECK_READ(B, c.y + 8, PAT(1), 0);
	/* and B's below R's */
	L4_UnmapFpage(fp(c.p, 12, 7));
	CHECK_READ(B, c.y + 8, SCRATCH, 1);
	TEST_CHECK_EQ(r_word(&c, 1), PAT(1));
}

USER_TEST(grant_rights, "mdbchain.grant.rights",
	  "A grants X read-only to B: B and C (derived from A before) keep reading, their writes fault")
{
	struct chain c;
	TEST_CHECK(begin());
	c.x = caddr(A), c.y = caddr(B), c.z = caddr(C);
	TEST_CHECK((c.p = r_get(12)) != 0);
	for (unsigned i = 0; i < PAGE / 8; i++)
		((volatile L4_Word_t *)c.p)[i] = PAT(i);
	TEST_CHECK(r_map(A, c.p, 12, 7, c.x));
	TEST_CHECK(kid_map(A, C, c.x, 12, 7, false, c.z));
	TEST_CHECK(kid_map(A, B, c.x, 12, L4_Readable, true, c.y));
	CHECK_READ(B, c.y + 8, PAT(1), 0);
	CHECK_READ(C, c.z + 8, PAT(1), 0);
	CHECK_WRITE(C, c.z + 8, 0xc1, 1); /* the subtree is restricted to the granted rights */
	TEST_CHECK_EQ(kids[C].last_access, L4_Writable);
	CHECK_WRITE(B, c.y + 8, 0xb1, 1);
	TEST_CHECK_EQ(kids[B].last_access, L4_Writable);
	TEST_CHECK_EQ(r_word(&c, 1), PAT(1)); /* both writes went to the scratch page */
	TEST_CHECK_EQ(scratch[1], 0xb1);
	CHECK_READ(A, c.x, SCRATCH, 1);
	L4_UnmapFpage(fp(c.p, 12, 7));
}

USER_TEST(rights_reduce, "mdbchain.rights.reduce",
	  "A unmaps the write right of X: B and C still read, their writes fault; A keeps writing")
{
	struct chain c;
	TEST_CHECK(begin());
	TEST_CHECK(chain4k(&c, 7));
	TEST_CHECK(kid_unmap(A, fp(c.x, 12, L4_Writable), 0, NULL));
	CHECK_READ(B, c.y + 8, PAT(1), 0);
	CHECK_READ(C, c.z + 8, PAT(1), 0);
	CHECK_WRITE(A, c.x + 8, 0xa1, 0);
	CHECK_READ(C, c.z + 8, 0xa1, 0);
	CHECK_READ(B, c.y + 8, 0xa1, 0);
	CHECK_WRITE(C, c.z + 16, 0xc2, 1);
	TEST_CHECK_EQ(kids[C].last_waddr, c.z);
	TEST_CHECK_EQ(kids[C].last_access, L4_Writable);
	CHECK_WRITE(B, c.y + 24, 0xb3, 1);
	TEST_CHECK_EQ(kids[B].last_access, L4_Writable);
	TEST_CHECK_EQ(r_word(&c, 2), PAT(2));
	TEST_CHECK_EQ(r_word(&c, 3), PAT(3));
	TEST_CHECK_EQ(r_word(&c, 1), 0xa1);
	L4_UnmapFpage(fp(c.p, 12, 7));
}

USER_TEST(rights_subset, "mdbchain.rights.subset",
	  "R maps read-only to A; A's and B's rwx map items pass on read-only: writes in A, B, C fault")
{
	struct chain c;
	TEST_CHECK(begin());
	TEST_CHECK(chain4k(&c, L4_Readable));
	CHECK_READ(C, c.z + 8, PAT(1), 0);
	CHECK_READ(B, c.y + 16, PAT(2), 0);
	CHECK_WRITE(C, c.z, 1, 1);
	CHECK_WRITE(B, c.y, 2, 1);
	CHECK_WRITE(A, c.x, 3, 1);
	TEST_CHECK_EQ(r_word(&c, 0), PAT(0));
	L4_UnmapFpage(fp(c.p, 12, 7));
}

USER_TEST(flush_self, "mdbchain.flush.self", "A's Flush of X revokes it from A itself, B and C; R keeps it")
{
	struct chain c;
	TEST_CHECK(begin());
	TEST_CHECK(chain4k(&c, 7));
	TEST_CHECK(kid_unmap(A, fp(c.x, 12, 7), UNMAP_FLUSH, NULL));
	CHECK_READ(A, c.x, SCRATCH, 1);
	CHECK_READ(B, c.y, SCRATCH, 1);
	CHECK_READ(C, c.z, SCRATCH, 1);
	TEST_CHECK_EQ(r_word(&c, 0), PAT(0));
	L4_UnmapFpage(fp(c.p, 12, 7));
}

USER_TEST(flush_write, "mdbchain.flush.write",
	  "B's Flush of the write right of Y: B and C read on, their writes fault; A keeps writing")
{
	struct chain c;
	TEST_CHECK(begin());
	TEST_CHECK(chain4k(&c, 7));
	TEST_CHECK(kid_unmap(B, fp(c.y, 12, L4_Writable), UNMAP_FLUSH, NULL));
	CHECK_READ(B, c.y + 8, PAT(1), 0);
	CHECK_READ(C, c.z + 8, PAT(1), 0);
	CHECK_WRITE(A, c.x + 8, 0xa5, 0);
	CHECK_READ(B, c.y + 8, 0xa5, 0);
	CHECK_WRITE(C, c.z, 0xc5, 1);
	CHECK_WRITE(B, c.y, 0xb5, 1);
	TEST_CHECK_EQ(r_word(&c, 0), PAT(0));
	L4_UnmapFpage(fp(c.p, 12, 7));
}

USER_TEST(
    access_bits, "mdbchain.access.bits",
    "GetStatus up the chain reports C's and B's reads and writes, resets them; a query lower down takes them first")
{
	struct chain c;
	L4_Fpage_t s;
	TEST_CHECK(begin());
	TEST_CHECK(chain4k(&c, 7));
	L4_GetStatus(fp(c.p, 12, 0));
	TEST_CHECK_EQ(accessed(L4_GetStatus(fp(c.p, 12, 0))), 0);
	CHECK_READ(C, c.z, PAT(0), 0);
	s = L4_GetStatus(fp(c.p, 12, 0));
	TEST_CHECK(L4_WasReferenced(s));
	TEST_CHECK(!L4_WasWritten(s));
	TEST_CHECK_EQ(accessed(L4_GetStatus(fp(c.p, 12, 0))), 0); /* reset by the query */
	CHECK_WRITE(C, c.z + 8, 0xc7, 0);
	s = L4_GetStatus(fp(c.p, 12, 0));
	TEST_CHECK(L4_WasWritten(s));
	TEST_CHECK_EQ(accessed(L4_GetStatus(fp(c.p, 12, 0))), 0);
	CHECK_READ(B, c.y, PAT(0), 0);
	s = L4_GetStatus(fp(c.p, 12, 0));
	TEST_CHECK(L4_WasReferenced(s));
	TEST_CHECK(!L4_WasWritten(s));
	/* R's own accesses are never reported */
	((volatile L4_Word_t *)c.p)[3] = 3;
	TEST_CHECK_EQ(accessed(L4_GetStatus(fp(c.p, 12, 0))), 0);
	/* A's query reports C's write and resets it: R then sees nothing */
	CHECK_WRITE(C, c.z + 8, 0xc8, 0);
	TEST_CHECK(kid_unmap(A, fp(c.x, 12, 0), 0, &s));
	TEST_CHECK(L4_WasWritten(s));
	TEST_CHECK_EQ(L4_Address(s), c.x);
	TEST_CHECK_EQ(accessed(L4_GetStatus(fp(c.p, 12, 0))), 0);
	/* B's query reports C's read */
	CHECK_READ(C, c.z, PAT(0), 0);
	TEST_CHECK(kid_unmap(B, fp(c.y, 12, 0), 0, &s));
	TEST_CHECK(L4_WasReferenced(s));
	TEST_CHECK(!L4_WasWritten(s));
	/* C's own query (a leaf) answers 0 and still resets its bits */
	CHECK_WRITE(C, c.z + 8, 0xc9, 0);
	TEST_CHECK(kid_unmap(C, fp(c.z, 12, 0), 0, &s));
	TEST_CHECK_EQ(accessed(s), 0);
	TEST_CHECK_EQ(accessed(L4_GetStatus(fp(c.p, 12, 0))), 0);
	/* an Unmap with rights reports too: A's write-right revocation after C's write */
	CHECK_WRITE(C, c.z + 8, 0xca, 0);
	TEST_CHECK(kid_unmap(A, fp(c.x, 12, L4_Writable), 0, &s));
	TEST_CHECK(L4_WasWritten(s));
	L4_UnmapFpage(fp(c.p, 12, 7));
}

USER_TEST(super_chain, "mdbchain.super.chain",
	  "a 2 MiB page from sigma0 down R -> A -> B -> C by 2 MiB map items: all 512 pages at every level, no faults")
{
	struct chain c;
	TEST_CHECK(begin());
	TEST_CHECK(chain2m(&c));
	CHECK_SCAN(C, c.z, SUPER / PAGE, 0, ~0ul, 0);
	CHECK_SCAN(B, c.y, SUPER / PAGE, 0, ~0ul, 0);
	CHECK_SCAN(A, c.x, SUPER / PAGE, 0, ~0ul, 0);
	((volatile L4_Word_t *)(c.p + 300 * PAGE))[1] = 0x300;
	CHECK_READ(C, c.z + 300 * PAGE + 8, 0x300, 0);
	CHECK_WRITE(C, c.z + 511 * PAGE + 8, 0x511, 0);
	TEST_CHECK_EQ(((volatile L4_Word_t *)(c.p + 511 * PAGE))[1], 0x511);
	L4_Fpage_t s = L4_GetStatus(fp(c.p, 21, 0));
	TEST_CHECK(L4_WasWritten(s));
	L4_UnmapFpage(fp(c.p, 21, 7));
	CHECK_SCAN(C, c.z, 4, 4, 0, 4);
}

USER_TEST(super_unmap_4k, "mdbchain.super.unmap_4k",
	  "A's 4 KiB Unmap inside its 2 MiB mapping revokes only that page from B and C; A keeps all 512")
{
	struct chain c;
	TEST_CHECK(begin());
	TEST_CHECK(chain2m(&c));
	TEST_CHECK(kid_unmap(A, fp(c.x + 100 * PAGE, 12, 7), 0, NULL));
	CHECK_SCAN(C, c.z, SUPER / PAGE, 1, 100, 1);
	TEST_CHECK_EQ(kids[C].last_waddr, c.z + 100 * PAGE);
	CHECK_SCAN(B, c.y, SUPER / PAGE, 1, 100, 1);
	CHECK_SCAN(A, c.x, SUPER / PAGE, 0, ~0ul, 0);
	/* R's 4 KiB Unmap at page 400 then takes it from all three */
	revoke_scratch();
	L4_UnmapFpage(fp(c.p + 400 * PAGE, 12, 7));
	CHECK_SCAN(A, c.x, SUPER / PAGE, 1, 400, 1);
	CHECK_SCAN(B, c.y, SUPER / PAGE, 2, 100, 2);
	CHECK_SCAN(C, c.z, SUPER / PAGE, 2, 100, 2);
	TEST_CHECK_EQ(((volatile L4_Word_t *)(c.p + 400 * PAGE))[0], PAT(400));
	L4_UnmapFpage(fp(c.p, 21, 7));
}

USER_TEST(super_unmap_64k, "mdbchain.super.unmap_64k",
	  "B's 64 KiB Unmap inside the 2 MiB chain revokes 16 pages from C only; A's Flush of one 4 KiB page takes it "
	  "from A, B, C")
{
	struct chain c;
	TEST_CHECK(begin());
	TEST_CHECK(chain2m(&c));
	TEST_CHECK(kid_unmap(B, fp(c.y + 256 * PAGE, 16, 7), 0, NULL));
	CHECK_SCAN(C, c.z, SUPER / PAGE, 16, 256, 16);
	CHECK_SCAN(B, c.y, SUPER / PAGE, 0, ~0ul, 0);
	CHECK_SCAN(A, c.x, SUPER / PAGE, 0, ~0ul, 0);
	revoke_scratch();
	TEST_CHECK(kid_unmap(A, fp(c.x + 7 * PAGE, 12, 7), UNMAP_FLUSH, NULL));
	CHECK_SCAN(A, c.x, SUPER / PAGE, 1, 7, 1);
	CHECK_SCAN(B, c.y, SUPER / PAGE, 1, 7, 1);
	CHECK_SCAN(C, c.z, SUPER / PAGE, 17, 7, 17);
	L4_UnmapFpage(fp(c.p, 21, 7));
}

/* A tree with a fork for tools/mdb-picture (`make picture` dumps it from the kernel debugger
 * with `dump 32 2ff00000`): sigma0 -> R -> A, A -> B -> C and A -> C again, each step with
 * fewer rights. With the kernel option kdb, L4_KDB_Enter stops here; without, it prints. */
USER_TEST(picture, "mdbchain.picture",
	  "sigma0 -> R -> A, then A -> B -> C and A -> C: a fork, rights narrowing down; R's Unmap revokes all")
{
	TEST_CHECK(begin());
	L4_Word_t x = caddr(A), y = caddr(B), z = caddr(C);
	L4_Fpage_t got =
	    L4_Sigma0_GetPage(L4_nilthread, fp(~0ul, 12, L4_FullyAccessible), L4_FpageLog2(PICTURE_WIN, 12));
	L4_Accept(L4_UntypedWordsAcceptor);
	TEST_CHECK(!L4_IsNilFpage(got));
	for (unsigned i = 0; i < PAGE / 8; i++)
		((volatile L4_Word_t *)PICTURE_WIN)[i] = PAT(i);
	TEST_CHECK(r_map(A, PICTURE_WIN, 12, 7, x));
	TEST_CHECK(kid_map(A, B, x, 12, L4_Readable | L4_Writable, false, y));
	TEST_CHECK(kid_map(B, C, y, 12, L4_Readable, false, z));
	TEST_CHECK(kid_map(A, C, x, 12, L4_Readable | L4_eXecutable, false, z + PAGE));
	CHECK_READ(C, z + 8, PAT(1), 0);
	CHECK_READ(C, z + PAGE + 16, PAT(2), 0);
	CHECK_WRITE(B, y + 24, 0xb4, 0);
	CHECK_READ(C, z + 24, 0xb4, 0);
	L4_KDB_Enter("mdbchain: picture tree built (sigma0 -> R -> A -> B -> C, A -> C)");
	L4_UnmapFpage(fp(PICTURE_WIN, 12, 7));
	CHECK_READ(C, z + PAGE, SCRATCH, 1);
	CHECK_READ(A, x, SCRATCH, 1);
	TEST_CHECK_EQ(((volatile L4_Word_t *)PICTURE_WIN)[3], 0xb4);
	L4_Flush(fp(PICTURE_WIN, 12, 7));
}

int main(void)
{
	printf("mdb chain suite: derivation chains sigma0 -> R -> A -> B -> C across address spaces\n");
	test_run_all("mdbchain");
}
