/* SPDX-License-Identifier: MIT */
/* A pager's fault loop: own records, rebuilding from source, backer or trusted server, propagation, loss. */
#include <pager.h>
#include <l4/thread.h>

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

void pgr_reply_map(unsigned label, l4_word_t page, unsigned rights, l4_word_t hot)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(label, 0, 2, 0);
	mr[1] = L4_MapItemWord0(hot);
	mr[2] = l4_fpage_log2(page, 12) | (rights & 7);
}

void pgr_reply_refuse(enum pgr_reason why)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(PGR_LABEL_REFUSE, 1, 0, 0);
	mr[1] = why;
}

static struct pgr_client *client_of(struct pgr_pager *p, l4_threadid_t t)
{
	for (unsigned i = 0; i < p->nclients; i++)
		for (unsigned j = 0; j < PGR_CLIENT_THREADS; j++)
			if (p->clients[i].threads[j] == t && t != L4_NILTHREAD)
				return &p->clients[i];
	return NULL;
}

static struct pgr_client *client_by_task(struct pgr_pager *p, l4_threadid_t task)
{
	for (unsigned i = 0; i < p->nclients; i++)
		if (p->clients[i].task == task)
			return &p->clients[i];
	return NULL;
}

/* Sends a request (MRs set up) and waits for the answer, both bounded by the pager's
 * timeout; the page lands in fpage(land, 12). True if a map item came. */
static enum pgr_reason request(struct pgr_pager *p, l4_threadid_t to, l4_word_t land)
{
	l4_time_t t = L4_TimePeriod(p->timeout_us);
	L4_Accept(l4_fpage_log2(land, 12));
	l4_msgtag_t tag = L4_Ipc(to, to, L4_TIMEOUTS(t, t), NULL);
	L4_Accept(L4_NILPAGE);
	if (L4_IpcFailed(tag))
		return PGR_DEAD;
	if (L4_TAG_LABEL(tag) == PGR_LABEL_REFUSE) /* its reason, if it is one we know */
		return l4_utcb()[1] == PGR_NO_RECORD ? PGR_NO_RECORD : PGR_REFUSED;
	if (L4_TAG_LABEL(tag) != PGR_LABEL_MAP || L4_TAG_T(tag) != 2)
		return PGR_BAD_ANSWER;
	return PGR_OK;
}

/* Step 2: rebuild from the accept record into our landing page for the fault. On
 * failure f->reason is that of the first way tried (the source's answer, usually):
 * the later ways are fallbacks, and their "no" says less about the mapping. */
static bool rebuild(struct pgr_pager *p, struct pgr_fault *f, l4_word_t land)
{
	const struct pgr_rec *r = &f->rec;
	l4_word_t page = f->addr & ~(PAGE - 1), *mr = l4_utcb();
	static const enum pgr_path order[] = {PGR_PATH_SOURCE, PGR_PATH_BACKER, PGR_PATH_TRUSTED};
	static const unsigned bit[] = {PGR_USE_SOURCE, PGR_USE_BACKER, PGR_USE_TRUSTED};
	enum pgr_reason first = PGR_OK;
	for (unsigned i = 0; i < 3; i++) {
		if (!(p->policy & bit[i]))
			continue;
		l4_threadid_t to;
		if (order[i] == PGR_PATH_SOURCE) {
			to = r->src;
			mr[0] = l4_msgtag(PGR_LABEL_REMAP, 2, 0, 0);
			mr[1] = r->dst, mr[2] = page;
		} else if (order[i] == PGR_PATH_BACKER) {
			to = r->backer;
			mr[0] = l4_msgtag(PGR_LABEL_BACKER, 3, 0, 0);
			mr[1] = r->src, mr[2] = r->dst, mr[3] = page;
		} else {
			if (!(r->flags & PGR_F_FALLBACK)) { /* the server would say no: spare the IPC */
				if (!first)
					first = PGR_REFUSED;
				continue;
			}
			to = p->trusted;
			mr[0] = l4_msgtag(PGR_LABEL_FRAME, 2, 0, 0);
			mr[1] = r->backer, mr[2] = pgr_backer_of(r, page);
		}
		enum pgr_reason why = to == L4_NILTHREAD ? PGR_NO_RECORD : request(p, to, land);
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
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(L4_LABEL_PAGEFAULT | f->access, 2, 0, L4_TAG_PROPAGATED);
	mr[1] = f->addr;
	mr[2] = f->ip;
	mr[L4_UTCB_ACTUAL_SENDER] = f->thread; /* X.2: the virtual sender */
	L4_Send_Timeout(p->external, L4_TimePeriod(p->timeout_us));
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
	l4_word_t *mr = l4_utcb();
	bool local = f->client && f->client->local && l4_is_local_id(f->thread);
	const l4_word_t *their_utcb = local ? (const l4_word_t *)f->thread : NULL;
	l4_threadid_t handler = their_utcb  ? their_utcb[L4_UTCB_EXCEPTION_HANDLER]
				: f->client ? f->client->handler
					    : L4_NILTHREAD;
	if (handler != L4_NILTHREAD) {
		mr[0] = l4_msgtag(PGR_LABEL_LOST, PGR_LOST_WORDS, 0, 0);
		mr[1] = their_utcb ? their_utcb[L4_UTCB_MY_GLOBAL_ID] : f->thread;
		mr[2] = f->addr, mr[3] = f->ip, mr[4] = f->access;
		mr[5] = f->have_rec ? f->rec.src : L4_NILTHREAD;
		mr[6] = f->have_rec ? pgr_src_of(&f->rec, f->addr & ~(PAGE - 1)) : 0;
		mr[7] = f->have_rec ? (l4_word_t)f->rec.log2 | (l4_word_t)f->rec.rights << 8 : 0;
		mr[8] = f->reason ? f->reason : PGR_NO_RECORD;
		L4_Send_Timeout(handler, L4_TimePeriod(p->timeout_us));
	}
	/* r: abort the receive; without a handler also h+H: halt it, for the kernel
	 * would send it back to the access (as Pistachio does), to fault again */
	if (local)
		L4_ExchangeRegisters(f->thread, handler != L4_NILTHREAD ? 2 : 2 | 1 | 0x100, 0, 0, 0, 0, L4_NILTHREAD,
				     NULL, NULL, NULL, NULL, NULL, NULL);
}

/* Steps 1 and 2: true if the answer is in the MRs; otherwise f->reason says why not. */
static bool from_records(struct pgr_pager *p, struct pgr_fault *f)
{
	struct pgr_client *c = f->client;
	l4_word_t page = f->addr & ~(PAGE - 1);
	f->reason = PGR_NO_RECORD;
	if (!c)
		return false;
	if (c->given && pgr_lookup(c->given, c->given_bytes, c->task, f->addr, &f->rec)) {
		f->have_rec = true;
		if (f->access & ~f->rec.rights) { /* mapping it again would only fault again */
			f->reason = PGR_NO_RIGHTS;
			return false;
		}
		l4_word_t own = pgr_src_of(&f->rec, page);
		(void)*(volatile char *)own; /* present in our space (our own pager may bring it back) */
		pgr_reply_map(0, own, f->rec.rights, f->addr);
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
	l4_word_t land = c->local ? page : c->land + (page & (PGR_LAND_SIZE - 1));
	if (!rebuild(p, f, land))
		return false;
	if (c->local)
		l4_utcb()[0] = 0; /* the page is in place: an empty reply restarts the access */
	else
		pgr_reply_map(0, land, f->rec.rights, f->addr);
	return true;
}

static bool handle_fault(struct pgr_pager *p, l4_threadid_t from, l4_msgtag_t tag)
{
	l4_word_t *mr = l4_utcb();
	struct pgr_fault f = {.thread = from, .addr = mr[1], .ip = mr[2], .access = (unsigned)(tag >> 16) & 7};
	f.actual = (tag & L4_TAG_PROPAGATED) ? mr[L4_UTCB_ACTUAL_SENDER] : L4_NILTHREAD;
	f.client = client_of(p, from);
	bool reply = from_records(p, &f);
	/* Only what we know nothing about goes on: a recorded mapping we failed to rebuild is
	 * lost, and a propagated fault never travels further (no cycles between pagers). */
	if (!reply && !f.have_rec && (p->policy & PGR_PROPAGATE) && p->external != L4_NILTHREAD &&
	    f.actual == L4_NILTHREAD) {
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
	l4_word_t *mr = l4_utcb();
	l4_threadid_t src = mr[1], dst = mr[2];
	l4_word_t dst_page = mr[3] & ~(PAGE - 1);
	struct pgr_client *c = client_by_task(p, src);
	struct pgr_rec theirs, ours;
	/* The source must have recorded the handout, and we must back the source's page. */
	if (!c || !c->handouts || !c->given || !pgr_lookup(c->handouts, c->handouts_bytes, dst, dst_page, &theirs)) {
		pgr_reply_refuse(PGR_NO_RECORD);
		return;
	}
	l4_word_t src_page = pgr_src_of(&theirs, dst_page);
	if (!pgr_lookup(c->given, c->given_bytes, c->task, src_page, &ours)) {
		pgr_reply_refuse(PGR_NO_RECORD);
		return;
	}
	l4_word_t own = pgr_src_of(&ours, src_page);
	(void)*(volatile char *)own;
	pgr_reply_map(PGR_LABEL_MAP, own, theirs.rights & ours.rights, dst_page);
}

void pgr_serve_frame(const struct pgr_table *frames, size_t bytes)
{
	l4_word_t *mr = l4_utcb();
	struct pgr_rec r;
	l4_word_t page = mr[2] & ~(PAGE - 1);
	if (!pgr_lookup(frames, bytes, mr[1], page, &r)) {
		pgr_reply_refuse(PGR_NO_RECORD);
		return;
	}
	if (!(r.flags & PGR_F_FALLBACK)) {
		pgr_reply_refuse(PGR_REFUSED);
		return;
	}
	l4_word_t own = pgr_src_of(&r, page);
	(void)*(volatile char *)own;
	pgr_reply_map(PGR_LABEL_MAP, own, r.rights, page);
}

void pgr_serve_remap(const struct pgr_table *handouts, size_t bytes, l4_threadid_t self, bool willing)
{
	l4_word_t *mr = l4_utcb();
	struct pgr_rec r;
	l4_word_t page = mr[2] & ~(PAGE - 1);
	if (!pgr_lookup(handouts, bytes, mr[1], page, &r) || r.src != self) {
		pgr_reply_refuse(PGR_NO_RECORD);
		return;
	}
	if (!willing) {
		pgr_reply_refuse(PGR_REFUSED);
		return;
	}
	l4_word_t own = pgr_src_of(&r, page);
	(void)*(volatile char *)own; /* revoked from us too? our pager rebuilds it first */
	pgr_reply_map(PGR_LABEL_MAP, own, r.rights, page);
}

bool pgr_dispatch(struct pgr_pager *p, l4_threadid_t from, l4_msgtag_t tag)
{
	if (pgr_is_pagefault(tag))
		return handle_fault(p, from, tag);
	switch (L4_TAG_LABEL(tag)) {
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
	l4_threadid_t from = L4_NILTHREAD;
	bool reply = false;
	for (;;) {
		L4_Accept(L4_NILPAGE); /* requests carry no items for us */
		l4_msgtag_t tag = reply ? L4_ReplyWait(from, &from) : L4_Wait(&from);
		reply = !L4_IpcFailed(tag) && pgr_dispatch(p, from, tag);
	}
}
