/* SPDX-License-Identifier: MIT */
/* The threads of the pager-hierarchy world: pagers A', B', LB on the pager library, tasks A and B (X.2 interface only). */
#include <stdio.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/space.h>
#include <l4/thread.h>
#include "world.h"

/*
 * Every thread runs R's image; R pages the image to A' and B', and they page it on
 * to A and B (the hook below: their own page at the same address). The scenario's
 * pages and the record areas are not image pages: they come from R's pool, handed
 * out by GIVE and recorded at every step, so a rebuilt mapping is the same frame only
 * if the records led to it.
 */

extern char _start[], _end[];
volatile bool pgr_quiet;

static L4_Word_t area_page(L4_Word_t base, unsigned i) { return base + i * PAGE; }

/* A command answer: label and up to 4 words; the caller sends it with its next receive. */
static void answer(unsigned label, unsigned n, L4_Word_t a, L4_Word_t b, L4_Word_t c, L4_Word_t d)
{
	L4_Set_MsgTag(pgr_tag(label, n, 0));
	L4_LoadMR(1, a), L4_LoadMR(2, b), L4_LoadMR(3, c), L4_LoadMR(4, d);
}

/* A page from R into our address `at`; returns R's address of it (0 on failure). */
static L4_Word_t give_from_r(L4_Word_t at, unsigned flags)
{
	L4_Word_t r_addr;
	L4_Accept(L4_MapGrantItems(L4_FpageLog2(at, 12)));
	L4_Set_MsgTag(pgr_tag(LABEL_GIVE, 2, 0));
	L4_LoadMR(1, at), L4_LoadMR(2, flags);
	L4_MsgTag_t tag = L4_Call(r_tid);
	L4_Accept(L4_UntypedWordsAcceptor);
	if (L4_IpcFailed(tag) || L4_TypedWords(tag) != 2)
		return 0;
	L4_StoreMR(1, &r_addr);
	return r_addr;
}

/* ---- A' and B': external pagers ------------------------------------------------------ */

struct ext_pager {
	struct pgr_pager p;
	enum role client;
	L4_Word_t next_page; /* our next page address for GIVE */
};
static struct ext_pager ext[2]; /* A', B' */

/* Image pages: ours at the same address (R pages them to us). */
static bool image_hook(struct pgr_pager *p, struct pgr_fault *f)
{
	(void)p;
	if (f->addr < (L4_Word_t)_start || f->addr >= (L4_Word_t)_end)
		return false;
	L4_Word_t page = f->addr & ~(PAGE - 1);
	(void)*(volatile char *)page;
	pgr_reply_map(0, page, L4_FullyAccessible, f->addr);
	return true;
}

static void trace(struct pgr_pager *p, const struct pgr_fault *f)
{
	if (f->addr < XA || f->path == PGR_PATH_HOOK || pgr_quiet)
		return; /* image, stacks and record areas: not the scenario */
	const char *who = "?";
	for (int k = 0; k < NROLES; k++)
		if (L4_IsThreadEqual(tids[k], f->thread) || (k == B && f->client && f->client->local))
			who = role_name[k];
	printf("    %s: %s faults at %#llx (%s)%s -> %s", p->name, who, (unsigned long long)f->addr,
	       f->access & L4_Writable ? "write" : "read", L4_IsNilThread(f->actual) ? "" : ", propagated to us",
	       pgr_path_name[f->path]);
	if (f->have_rec && f->path != PGR_PATH_OWN)
		printf(" [record: %s's %#llx, backer %s's %#llx]", L4_IsThreadEqual(f->rec.src, tids[A]) ? "A" : "?",
		       (unsigned long long)f->rec.src_addr, L4_IsThreadEqual(f->rec.backer, tids[AP]) ? "A'" : "?",
		       (unsigned long long)f->rec.backer_addr);
	if (f->path == PGR_PATH_LOST)
		printf(" (reason %u)", f->reason);
	printf("\n");
}

static bool ext_message(struct pgr_pager *p, L4_ThreadId_t from, L4_MsgTag_t tag)
{
	struct ext_pager *e = (struct ext_pager *)p;
	struct pgr_client *c = &p->clients[0];
	L4_Word_t a1, a2, a3;
	L4_StoreMR(1, &a1), L4_StoreMR(2, &a2), L4_StoreMR(3, &a3);
	if (!L4_IsThreadEqual(from, r_tid))
		return false;
	switch (L4_Label(tag)) {
	case CMD_SETUP: {
		/* three pages from R: the client's accept and handout logs, and our handouts to it */
		L4_Word_t r_addr[AREA_PAGES];
		L4_ThreadId_t self = tids[e->client == A ? AP : BP];
		for (unsigned i = 0; i < AREA_PAGES; i++)
			if (!(r_addr[i] = give_from_r(area_page(AREA_AT_PAGER, i), 0)))
				return answer(RES_ERR, 1, i, 0, 0, 0), true;
		if (!pgr_table_init((void *)area_page(AREA_AT_PAGER, 2), PAGE, self))
			return answer(RES_ERR, 0, 0, 0, 0, 0), true;
		c->given = (struct pgr_table *)area_page(AREA_AT_PAGER, 2), c->given_bytes = PAGE;
		for (unsigned i = 0; i < AREA_PAGES; i++) {
			struct pgr_rec rec = {.log2 = 12,
					      .rights = i == 2 ? L4_Readable : L4_Readable | L4_Writable,
					      .dst = c->task,
					      .dst_addr = area_page(AREA, i),
					      .src = self,
					      .src_addr = area_page(AREA_AT_PAGER, i),
					      .backer = r_tid,
					      .backer_addr = r_addr[i]};
			if (!pgr_insert(c->given, &rec))
				return answer(RES_ERR, 0, 0, 0, 0, 0), true;
		}
		c->accepts = (const struct pgr_table *)area_page(AREA_AT_PAGER, 0), c->accepts_bytes = PAGE;
		c->handouts = (const struct pgr_table *)area_page(AREA_AT_PAGER, 1), c->handouts_bytes = PAGE;
		answer(RES_OK, 0, 0, 0, 0, 0);
		return true;
	}
	case CMD_GIVE: {
		L4_Word_t mine = e->next_page, r_addr = give_from_r(mine, (unsigned)a2);
		e->next_page += PAGE;
		for (unsigned i = 0; r_addr && i < PAGE / 8; i++)
			((volatile L4_Word_t *)mine)[i] = PAT(a3, i);
		struct pgr_rec rec = {.flags = PGR_F_HANDOUT | ((unsigned)a2 & PGR_F_FALLBACK),
				      .log2 = 12,
				      .rights = L4_FullyAccessible,
				      .dst = c->task,
				      .dst_addr = a1,
				      .src = tids[e->client == A ? AP : BP],
				      .src_addr = mine,
				      .backer = r_tid,
				      .backer_addr = r_addr};
		bool ok = r_addr && pgr_insert(c->given, &rec);
		answer(ok ? RES_OK : RES_ERR, 2, mine, r_addr, 0, 0);
		return true;
	}
	case CMD_REVOKE: answer(pgr_revoke(c->given, PAGE, c->task, a1) ? RES_OK : RES_ERR, 0, 0, 0, 0, 0); return true;
	case CMD_POLICY:
		p->policy = (unsigned)a1;
		answer(RES_OK, 0, 0, 0, 0, 0);
		return true;
	case CMD_STATS: answer(RES_OK, 1, a1 < PGR_NPATHS ? p->stats[a1] : 0, 0, 0, 0); return true;
	default: answer(RES_ERR, 0, 0, 0, 0, 0); return true;
	}
}

static void ext_main(int which, enum role self, enum role client, L4_Word_t pages)
{
	struct ext_pager *e = &ext[which];
	struct pgr_pager *p = &e->p;
	e->client = client;
	e->next_page = pages;
	p->name = role_name[self];
	p->timeout = L4_TimePeriod(PGR_TIMEOUT_US);
	p->hook = image_hook;
	p->message = ext_message;
	p->trace = trace;
	p->nclients = 1;
	struct pgr_client *c = &p->clients[0];
	c->task = tids[client];
	c->threads[0] = tids[client];
	c->threads[1] = client == B ? tids[LB] : L4_nilthread;
	/* the tables are set by CMD_SETUP, once their pages exist */
	c->land = BP_LAND;
	c->handler = r_tid; /* a loss we cannot turn into an exception: R hears of it */
	L4_Set_MsgTag(pgr_tag(LABEL_HELLO, 0, 0));
	L4_Send(r_tid);
	pgr_loop(p);
}

void ap_main(void) { ext_main(0, AP, A, AP_PAGES); }
void bp_main(void) { ext_main(1, BP, B, BP_PAGES); }

/* ---- LB: B's local pager, in B's space --------------------------------------------------- */

static struct pgr_pager lb;

static bool lb_message(struct pgr_pager *p, L4_ThreadId_t from, L4_MsgTag_t tag)
{
	L4_Word_t a1;
	L4_StoreMR(1, &a1);
	if (!L4_IsThreadEqual(from, r_tid))
		return false;
	if (L4_Label(tag) == CMD_POLICY)
		p->policy = (unsigned)a1;
	else if (L4_Label(tag) != CMD_STATS)
		return answer(RES_ERR, 0, 0, 0, 0, 0), true;
	answer(RES_OK, 1, a1 < PGR_NPATHS ? p->stats[a1] : 0, 0, 0, 0);
	return true;
}

void lb_main(void)
{
	lb.name = "LB";
	lb.timeout = L4_TimePeriod(PGR_TIMEOUT_US);
	lb.external = tids[BP];
	lb.trusted = r_tid;
	lb.policy = PGR_USE_SOURCE | PGR_PROPAGATE;
	lb.message = lb_message;
	lb.trace = trace;
	lb.nclients = 1;
	lb.clients[0].task = tids[B];
	lb.clients[0].local = true;
	lb.clients[0].accepts = (const struct pgr_table *)area_page(AREA, 0), lb.clients[0].accepts_bytes = PAGE;
	L4_Set_MsgTag(pgr_tag(LABEL_HELLO, 0, 0));
	L4_Send(r_tid);
	/* B's local ID is known only now that B exists in our space: ask the kernel. */
	lb.clients[0].threads[0] = L4_LocalIdOf(tids[B]);
	pgr_loop(&lb);
}

/* ---- A: maps the page on to B, answers remap requests -------------------------------------- */

static struct {
	bool willing, silent;
	unsigned remaps, refusals;
} a_state = {true, false, 0, 0};

#define A_IN ((struct pgr_table *)area_page(AREA, 0))
#define A_OUT ((struct pgr_table *)area_page(AREA, 1))
#define FROM_PAGER ((const struct pgr_table *)area_page(AREA, 2))

static void a_command(L4_MsgTag_t tag)
{
	L4_Word_t a1, a2, a3;
	L4_StoreMR(1, &a1), L4_StoreMR(2, &a2), L4_StoreMR(3, &a3);
	switch (L4_Label(tag)) {
	case CMD_SETUP: {
		bool ok = pgr_table_init(A_IN, PAGE, L4_Myself()) && pgr_table_init(A_OUT, PAGE, L4_Myself());
		answer(ok ? RES_OK : RES_ERR, 0, 0, 0, 0, 0);
		break;
	}
	case CMD_READ: answer(RES_OK, 1, *(volatile L4_Word_t *)a1, 0, 0, 0); break;
	case CMD_TIME: {
		L4_Word_t t0 = rdtsc(), v = *(volatile L4_Word_t *)a1, t = rdtsc() - t0;
		answer(RES_OK, 2, v, t, 0, 0);
		break;
	}
	case CMD_MAP: {
		/* who backs xa: our pager's record of what it gave us, in memory we can read */
		struct pgr_rec back;
		bool ok = pgr_lookup(FROM_PAGER, PAGE, L4_Myself(), a1, &back) &&
			  pgr_map_to(A_OUT, L4_Myself(), tid_of(a2), a1, 12, a3 & 7 ? a3 & 7 : L4_FullyAccessible,
				     a3 & ~(PAGE - 1), back.src, pgr_src_of(&back, a1), back.flags & PGR_F_FALLBACK,
				     L4_TimePeriod(PGR_TIMEOUT_US));
		answer(ok ? RES_OK : RES_ERR, 0, 0, 0, 0, 0);
		break;
	}
	case CMD_WILLING:
		a_state.willing = a1 == 1;
		a_state.silent = a1 == 2;
		answer(RES_OK, 0, 0, 0, 0, 0);
		break;
	case CMD_UNMAP:
		L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(a1, 12), L4_FullyAccessible));
		answer(RES_OK, 0, 0, 0, 0, 0);
		break;
	case CMD_REMAPS: answer(RES_OK, 2, a_state.remaps, a_state.refusals, 0, 0); break;
	case CMD_FORGET: answer(pgr_forget(A_OUT, tid_of(a1), a2) ? RES_OK : RES_ERR, 0, 0, 0, 0, 0); break;
	default: answer(RES_ERR, 0, a2, a3, 0, 0); break;
	}
}

void a_main(void)
{
	L4_ThreadId_t to = r_tid, from;
	L4_Set_MsgTag(pgr_tag(LABEL_HELLO, 0, 0));
	for (;;) {
		L4_Accept(L4_UntypedWordsAcceptor);
		L4_MsgTag_t tag = L4_ReplyWait(to, &from);
		to = from;
		if (L4_IpcFailed(tag)) {
			to = L4_nilthread;
			continue;
		}
		if (L4_Label(tag) == PGR_LABEL_REMAP && a_state.silent) {
			to = L4_nilthread; /* a source that hangs: the asker must give up by itself */
		} else if (L4_Label(tag) == PGR_LABEL_REMAP) {
			pgr_serve_remap(A_OUT, PAGE, L4_Myself(), a_state.willing);
			if (L4_Label(L4_MsgTag()) == PGR_LABEL_MAP)
				a_state.remaps++;
			else
				a_state.refusals++;
		} else if (L4_IsThreadEqual(from, r_tid)) {
			a_command(tag);
		} else {
			to = L4_nilthread; /* not ours to answer */
		}
	}
}

/* ---- B: accepts the page, reads and writes it --------------------------------------------- */

#define B_IN ((struct pgr_table *)area_page(AREA, 0))
#define B_OUT ((struct pgr_table *)area_page(AREA, 1))

static void b_loop(void)
{
	for (;;) {
		L4_Accept(L4_UntypedWordsAcceptor);
		L4_MsgTag_t tag = L4_Call(r_tid);
		L4_Word_t a1, a2;
		L4_StoreMR(1, &a1), L4_StoreMR(2, &a2);
		if (L4_IpcFailed(tag)) {
			answer(RES_ERR, 1, L4_ErrorCode(), 0, 0, 0);
			continue;
		}
		switch (L4_Label(tag)) {
		case CMD_SETUP: {
			bool ok = pgr_table_init(B_IN, PAGE, L4_Myself()) && pgr_table_init(B_OUT, PAGE, L4_Myself());
			answer(ok ? RES_OK : RES_ERR, 0, 0, 0, 0, 0);
			break;
		}
		case CMD_READ: answer(RES_OK, 1, *(volatile L4_Word_t *)a1, 0, 0, 0); break;
		case CMD_WRITE:
			*(volatile L4_Word_t *)a1 = a2;
			answer(RES_OK, 0, 0, 0, 0, 0);
			break;
		case CMD_TIME: {
			L4_Word_t t0 = rdtsc(), v = *(volatile L4_Word_t *)a1, t = rdtsc() - t0;
			answer(RES_OK, 2, v, t, 0, 0);
			break;
		}
		case CMD_ACCEPT: {
			struct pgr_rec r;
			bool ok =
			    pgr_accept(B_IN, L4_Myself(), tid_of(a1), a2, 12, L4_TimePeriod(PGR_TIMEOUT_US * 10), &r);
			answer(ok ? RES_OK : RES_ERR, 4, r.src.raw, r.src_addr, r.backer.raw, r.backer_addr);
			break;
		}
		default: answer(RES_ERR, 0, 0, 0, 0, 0); break;
		}
	}
}

#define B_STACK_WORDS 2048
static L4_Word_t b_recover_stack[B_STACK_WORDS] __attribute__((aligned(PAGE)));
L4_Word_t b_stack_top(void) { return (L4_Word_t)&b_recover_stack[B_STACK_WORDS - 2]; }

/* Where B's exception handler resumes B after a lost mapping: it reports and goes on. */
void b_recover(void)
{
	answer(RES_RECOVERED, 0, 0, 0, 0, 0);
	b_loop();
}

void b_main(void)
{
	L4_Set_ExceptionHandler(r_tid); /* R hears about lost mappings */
	answer(LABEL_HELLO, 0, 0, 0, 0, 0);
	b_loop();
}
