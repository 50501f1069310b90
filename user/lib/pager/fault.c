/* SPDX-License-Identifier: MIT */
/* A pager's fault loop: own records, rebuilding from source, backer or trusted server, propagation, loss. */
#include <pager.h>
#include <l4/thread.h>
#include "peer.h"

/*
 * Order of resolution for a fault at addr of a client thread (docs/pagers.md):
 *   1. our own handout record for (client, addr): map our page again (the direct pager);
 *   2. the client's accept record for addr, if the policy lets us rebuild: ask the
 *      source again, then its backer, then the trusted server (policy bits, in order);
 *   3. no record at all: propagate to the external pager (X.2 §4.1), which answers
 *      the thread itself;
 *   4. the program's hook (image pages and the like);
 *   5. lost: tell the thread's exception handler and let the kernel raise the fault.
 */

const char *const pgr_path_name[PGR_NPATHS] = {
    [PGR_PATH_OWN] = "own records (direct pager)",
    [PGR_PATH_SOURCE] = "rebuilt from the source",
    [PGR_PATH_BACKER] = "rebuilt from the source's backer",
    [PGR_PATH_TRUSTED] = "rebuilt from the trusted memory server",
    [PGR_PATH_PROPAGATED] = "propagated to the external pager",
    [PGR_PATH_HOOK] = "program hook",
    [PGR_PATH_LOST] = "lost: exception handler told",
};

#define PAGE 4096ul

/* The MRs are written one by one (L4_LoadMR), as docs/pagers.md numbers them: a reply
 * on the fault path costs no copy of a message object, and no call (reply_map is
 * inlined into the fault path and the servers). */
static inline __attribute__((always_inline)) void reply_map(unsigned label, L4_Word_t page, unsigned rights,
							    L4_Word_t hot)
{
	L4_MapItem_t item = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(page, 12), rights & 7), hot);
	L4_Set_MsgTag(pgr_tag(label, 0, 2));
	L4_LoadMR(1, item.raw[0]);
	L4_LoadMR(2, item.raw[1]);
}
void pgr_reply_map(unsigned label, L4_Word_t page, unsigned rights, L4_Word_t hot)
{
	reply_map(label, page, rights, hot);
}

void pgr_reply_refuse(enum pgr_reason why)
{
	L4_Set_MsgTag(pgr_tag(PGR_LABEL_REFUSE, 1, 0));
	L4_LoadMR(1, why);
}

static struct pgr_client *client_of(struct pgr_pager *p, L4_ThreadId_t t)
{
	for (unsigned i = 0; i < p->nclients; i++)
		for (unsigned j = 0; j < PGR_CLIENT_THREADS; j++)
			if (L4_IsThreadEqual(p->clients[i].threads[j], t) && !L4_IsNilThread(t))
				return &p->clients[i];
	return NULL;
}

static struct pgr_client *client_by_task(struct pgr_pager *p, L4_ThreadId_t task)
{
	for (unsigned i = 0; i < p->nclients; i++)
		if (L4_IsThreadEqual(p->clients[i].task, task))
			return &p->clients[i];
	return NULL;
}

/* Sends a request (MRs set up) and waits for the answer, both bounded by the pager's
 * timeout; the page lands in fpage(land, 12). True if a map item came. */
static enum pgr_reason request(struct pgr_pager *p, L4_ThreadId_t to, L4_Word_t land)
{
	L4_Accept(L4_MapGrantItems(L4_FpageLog2(land, 12)));
	L4_MsgTag_t tag = L4_Call(to, p->timeout, p->timeout);
	L4_Accept(L4_UntypedWordsAcceptor);
	if (L4_IpcFailed(tag))
		return PGR_DEAD;
	if (L4_Label(tag) == PGR_LABEL_REFUSE) { /* its reason, if it is one we know */
		L4_Word_t why;
		L4_StoreMR(1, &why);
		return why == PGR_NO_RECORD ? PGR_NO_RECORD : PGR_REFUSED;
	}
	if (L4_Label(tag) != PGR_LABEL_MAP || L4_TypedWords(tag) != 2)
		return PGR_BAD_ANSWER;
	return PGR_OK;
}

/* Step 2: rebuild from the accept record into our landing page for the fault. On
 * failure f->reason is that of the first way tried (the source's answer, usually):
 * the later ways are fallbacks, and their "no" says less about the mapping. */
static bool rebuild(struct pgr_pager *p, struct pgr_fault *f, L4_Word_t land)
{
	const struct pgr_rec *r = &f->rec;
	L4_Word_t page = f->addr & ~(PAGE - 1);
	static const enum pgr_path order[] = {PGR_PATH_SOURCE, PGR_PATH_BACKER, PGR_PATH_TRUSTED};
	static const unsigned bit[] = {PGR_USE_SOURCE, PGR_USE_BACKER, PGR_USE_TRUSTED};
	enum pgr_reason first = PGR_OK;
	for (unsigned i = 0; i < 3; i++) {
		if (!(p->policy & bit[i]))
			continue;
		L4_ThreadId_t to;
		if (order[i] == PGR_PATH_SOURCE) {
			to = r->src;
			L4_Set_MsgTag(pgr_tag(PGR_LABEL_REMAP, 2, 0));
			L4_LoadMR(1, r->dst.raw), L4_LoadMR(2, page);
		} else if (order[i] == PGR_PATH_BACKER) {
			to = r->backer;
			L4_Set_MsgTag(pgr_tag(PGR_LABEL_BACKER, 3, 0));
			L4_LoadMR(1, r->src.raw), L4_LoadMR(2, r->dst.raw), L4_LoadMR(3, page);
		} else {
			if (!(r->flags & PGR_F_FALLBACK)) { /* the server would say no: spare the IPC */
				if (!first)
					first = PGR_REFUSED;
				continue;
			}
			to = p->trusted;
			L4_Set_MsgTag(pgr_tag(PGR_LABEL_FRAME, 2, 0));
			L4_LoadMR(1, r->backer.raw), L4_LoadMR(2, pgr_backer_of(r, page));
		}
		enum pgr_reason why = L4_IsNilThread(to) ? PGR_NO_RECORD : request(p, to, land);
		if (why == PGR_OK) {
			f->path = order[i];
			return true;
		}
		if (!first)
			first = why;
	}
	f->reason = first ? first : PGR_NO_RECORD;
	return false;
}

/* Step 3: the fault goes on to the external pager in the faulting thread's name. */
static void propagate(struct pgr_pager *p, const struct pgr_fault *f)
{
	L4_MsgTag_t tag = pgr_tag(PGR_PAGEFAULT_LABEL | f->access, 2, 0);
	L4_Set_Propagation(&tag);
	L4_Set_MsgTag(tag);
	L4_LoadMR(1, f->addr);
	L4_LoadMR(2, f->ip);
	L4_Set_VirtualSender(f->thread);
	L4_Send(p->external, p->timeout);
}

/*
 * Step 5. Only a pager in the thread's own space can stop it (ExchangeRegisters is
 * space-local), so a local pager sends the note and then aborts the thread's
 * page-fault IPC: the kernel then delivers the fault as an exception IPC (vector 14)
 * to the same handler, whose reply sets where the thread goes on. Without a handler
 * the pager halts the thread as it aborts the IPC. Either way nothing waits forever.
 * A pager in another space cannot read the thread's UTCB nor stop it: it sends the
 * note to the client's configured handler, and the thread stays blocked until that
 * handler (or whoever it tells) restarts or deletes it; the pager itself goes on.
 */
static void lose(struct pgr_pager *p, struct pgr_fault *f)
{
	f->path = PGR_PATH_LOST;
	/* a local ID addresses the thread's UTCB (nil is no local ID) */
	bool local = f->client && f->client->local && !L4_IsNilThread(f->thread) && L4_IsLocalId(f->thread);
	L4_ThreadId_t handler = local	    ? pgr_peer_exception_handler(f->thread)
				: f->client ? f->client->handler
					    : L4_nilthread;
	if (!L4_IsNilThread(handler)) {
		L4_Set_MsgTag(pgr_tag(PGR_LABEL_LOST, PGR_LOST_WORDS, 0));
		L4_LoadMR(1, local ? pgr_peer_global_id(f->thread).raw : f->thread.raw);
		L4_LoadMR(2, f->addr), L4_LoadMR(3, f->ip), L4_LoadMR(4, f->access);
		L4_LoadMR(5, f->have_rec ? f->rec.src.raw : L4_nilthread.raw);
		L4_LoadMR(6, f->have_rec ? pgr_src_of(&f->rec, f->addr & ~(PAGE - 1)) : 0);
		L4_LoadMR(7, f->have_rec ? (L4_Word_t)f->rec.log2 | (L4_Word_t)f->rec.rights << 8 : 0);
		L4_LoadMR(8, f->reason ? f->reason : PGR_NO_RECORD);
		L4_Send(handler, p->timeout);
	}
	/* r: abort the receive; without a handler also h+H: halt it, for the kernel
	 * would send it back to the access (as Pistachio does), to fault again */
	if (local)
		L4_ExchangeRegisters(f->thread, !L4_IsNilThread(handler) ? 2 : 2 | 1 | 0x100, 0, 0, 0, 0, L4_nilthread,
				     NULL, NULL, NULL, NULL, NULL, NULL);
}

/* Steps 1 and 2: true if the answer is in the MRs; otherwise f->reason says why not. */
static bool from_records(struct pgr_pager *p, struct pgr_fault *f)
{
	struct pgr_client *c = f->client;
	L4_Word_t page = f->addr & ~(PAGE - 1);
	f->reason = PGR_NO_RECORD;
	if (!c)
		return false;
	if (c->given && pgr_lookup(c->given, c->given_bytes, c->task, f->addr, &f->rec)) {
		f->have_rec = true;
		if (f->access & ~f->rec.rights) { /* mapping it again would only fault again */
			f->reason = PGR_NO_RIGHTS;
			return false;
		}
		L4_Word_t own = pgr_src_of(&f->rec, page);
		(void)*(volatile char *)own; /* present in our space (our own pager may bring it back) */
		reply_map(0, own, f->rec.rights, f->addr);
		f->path = PGR_PATH_OWN;
		return true;
	}
	if (!c->accepts || !(p->policy & (PGR_USE_SOURCE | PGR_USE_BACKER | PGR_USE_TRUSTED)) ||
	    !pgr_lookup(c->accepts, c->accepts_bytes, c->task, f->addr, &f->rec))
		return false;
	f->have_rec = true;
	if (f->access & ~f->rec.rights) {
		f->reason = PGR_NO_RIGHTS;
		return false;
	}
	L4_Word_t land = c->local ? page : c->land + (page & (PGR_LAND_SIZE - 1));
	if (!rebuild(p, f, land))
		return false;
	if (c->local)
		L4_Set_MsgTag(L4_Niltag); /* the page is in place: an empty reply restarts the access */
	else
		reply_map(0, land, f->rec.rights, f->addr);
	return true;
}

static bool handle_fault(struct pgr_pager *p, L4_ThreadId_t from, L4_MsgTag_t tag)
{
	struct pgr_fault f = {.thread = from, .access = (unsigned)L4_Label(tag) & 7};
	L4_StoreMR(1, &f.addr);
	L4_StoreMR(2, &f.ip);
	f.actual = L4_IpcPropagated(tag) ? L4_ActualSender() : L4_nilthread;
	f.client = client_of(p, from);
	bool reply = from_records(p, &f);
	/* Only what we know nothing about goes on: a recorded mapping we failed to rebuild is
	 * lost, and a propagated fault never travels further (no cycles between pagers). */
	if (!reply && !f.have_rec && (p->policy & PGR_PROPAGATE) && !L4_IsNilThread(p->external) &&
	    L4_IsNilThread(f.actual)) {
		propagate(p, &f);
		f.path = PGR_PATH_PROPAGATED;
	} else if (!reply && !f.have_rec && p->hook && p->hook(p, &f)) {
		f.path = PGR_PATH_HOOK;
		reply = true;
	} else if (!reply) {
		lose(p, &f);
	}
	p->stats[f.path]++;
	if (p->trace)
		p->trace(p, &f);
	return reply;
}

void pgr_serve_backer(struct pgr_pager *p)
{
	L4_ThreadId_t src, dst;
	L4_Word_t dst_page;
	L4_StoreMR(1, &src.raw), L4_StoreMR(2, &dst.raw), L4_StoreMR(3, &dst_page);
	dst_page &= ~(PAGE - 1);
	struct pgr_client *c = client_by_task(p, src);
	struct pgr_rec theirs, ours;
	/* The source must have recorded the handout, and we must back the source's page. */
	if (!c || !c->handouts || !c->given || !pgr_lookup(c->handouts, c->handouts_bytes, dst, dst_page, &theirs)) {
		pgr_reply_refuse(PGR_NO_RECORD);
		return;
	}
	L4_Word_t src_page = pgr_src_of(&theirs, dst_page);
	if (!pgr_lookup(c->given, c->given_bytes, c->task, src_page, &ours)) {
		pgr_reply_refuse(PGR_NO_RECORD);
		return;
	}
	L4_Word_t own = pgr_src_of(&ours, src_page);
	(void)*(volatile char *)own;
	reply_map(PGR_LABEL_MAP, own, theirs.rights & ours.rights, dst_page);
}

void pgr_serve_frame(const struct pgr_table *frames, size_t bytes)
{
	struct pgr_rec r;
	L4_ThreadId_t backer;
	L4_Word_t page;
	L4_StoreMR(1, &backer.raw), L4_StoreMR(2, &page);
	page &= ~(PAGE - 1);
	if (!pgr_lookup(frames, bytes, backer, page, &r)) {
		pgr_reply_refuse(PGR_NO_RECORD);
		return;
	}
	if (!(r.flags & PGR_F_FALLBACK)) {
		pgr_reply_refuse(PGR_REFUSED);
		return;
	}
	L4_Word_t own = pgr_src_of(&r, page);
	(void)*(volatile char *)own;
	reply_map(PGR_LABEL_MAP, own, r.rights, page);
}

void pgr_serve_remap(const struct pgr_table *handouts, size_t bytes, L4_ThreadId_t self, bool willing)
{
	struct pgr_rec r;
	L4_ThreadId_t dst;
	L4_Word_t page;
	L4_StoreMR(1, &dst.raw), L4_StoreMR(2, &page);
	page &= ~(PAGE - 1);
	if (!pgr_lookup(handouts, bytes, dst, page, &r) || !L4_IsThreadEqual(r.src, self)) {
		pgr_reply_refuse(PGR_NO_RECORD);
		return;
	}
	if (!willing) {
		pgr_reply_refuse(PGR_REFUSED);
		return;
	}
	L4_Word_t own = pgr_src_of(&r, page);
	(void)*(volatile char *)own; /* revoked from us too? our pager rebuilds it first */
	reply_map(PGR_LABEL_MAP, own, r.rights, page);
}

bool pgr_dispatch(struct pgr_pager *p, L4_ThreadId_t from, L4_MsgTag_t tag)
{
	if (pgr_is_pagefault(tag))
		return handle_fault(p, from, tag);
	switch (L4_Label(tag)) {
	case PGR_LABEL_BACKER: pgr_serve_backer(p); return true;
	case PGR_LABEL_FRAME:
		if (!p->frames)
			break;
		pgr_serve_frame(p->frames, p->frames_bytes);
		return true;
	default: break;
	}
	return p->message && p->message(p, from, tag);
}

void pgr_loop(struct pgr_pager *p)
{
	L4_ThreadId_t from = L4_nilthread;
	bool reply = false;
	for (;;) {
		L4_Accept(L4_UntypedWordsAcceptor); /* requests carry no items for us */
		L4_MsgTag_t tag = reply ? L4_ReplyWait(from, &from) : L4_Wait(&from);
		reply = !L4_IpcFailed(tag) && pgr_dispatch(p, from, tag);
	}
}
