/* SPDX-License-Identifier: MIT */
/* The fuzzer thread: seeded random X.2 calls with random arguments from an unprivileged space. */
#include <stdio.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/misc.h>
#include "fuzz.h"

/* The sequence of calls depends on the seed alone (never on results), so a seed
 * and a call index name a call; trace=FROM-TO prints the calls of a range. */
static l4_word_t rs;
static l4_word_t R(void) { return rng_next(&rs); }
static bool one_in(unsigned n) { return R() % n == 0; }

#define SELF_LOCAL (UTCB_AREA + 512)
#define VICTIM_LOCAL (UTCB_AREA + 1024 + 512)
#define PROBE_REGION 0x90000000ull /* only ever the zero scratch page */
#define ARITH_FLAGS 0x8d5ull /* CF PF AF ZF SF OF */
#define RFLAGS_DF 0x400ull
#define RFLAGS_BASE 0x202ull /* IF and the reserved bit: interrupts stay on */

/* ExchangeRegisters control bits (ABI §5.4). */
#define XR_h 0x001u
#define XR_r 0x002u
#define XR_s 0x004u
#define XR_S 0x008u
#define XR_I 0x010u
#define XR_F 0x020u
#define XR_u 0x040u
#define XR_p 0x080u
#define XR_H 0x100u
#define XR_d 0x200u

static l4_word_t call_index;
static l4_clock_t last_clock;
static bool tracing;

static l4_word_t stub(unsigned no) { return __l4_syscall[no]; }
static l4_word_t *utcb(void) { return l4_utcb(); }

static void finding(const char *fmt, unsigned long long a, unsigned long long b)
{
	unsigned n = fz.findings++;
	if (n < MAX_FINDINGS) {
		fz.finding[n].index = call_index;
		fz.finding[n].op = fz.op;
		snprintf(fz.finding[n].text, sizeof fz.finding[n].text, fmt, a, b);
	}
	if (n < 4)
		printf("fuzz: finding at call %llu: ", (unsigned long long)call_index), printf(fmt, a, b), printf("\n");
}

/* ---- random arguments ------------------------------------------------------------------ */

static l4_threadid_t with_version(l4_threadid_t t, l4_word_t v) { return l4_global_id(l4_thread_no(t), v); }

static l4_threadid_t pick_tid(void)
{
	l4_word_t r = R();
	switch (r % 26) {
	case 0: return L4_NILTHREAD;
	case 1: return L4_ANYTHREAD;
	case 2: return L4_ANYLOCALTHREAD;
	case 3:
	case 4: return fz.fuzzer;
	case 5: return SELF_LOCAL;
	case 6:
	case 7: return fz.local_victim;
	case 8: return VICTIM_LOCAL;
	case 9:
	case 10:
	case 11: return fz.echo;
	case 12:
	case 13: return fz.lazy;
	case 14: return fz.root;
	case 15: return fz.sigma0;
	case 16: return l4_global_id(l4_kip_system_base(__l4_kip), 1); /* the kernel's thread */
	case 17: return l4_global_id((r >> 8) % 16, 1); /* interrupt threads */
	case 18: return with_version(fz.echo, (r >> 8) % 4); /* wrong versions */
	case 19: return with_version(fz.local_victim, (r >> 8) & 0xffffffff);
	case 20: return l4_global_id(l4_thread_no(fz.root) + (r >> 8) % 32, (r >> 16) % 3);
	case 21: return UTCB_AREA + ((r >> 8) % 256) * 64; /* local IDs in and around our area */
	case 22: return (r >> 8) & ~0x3full;
	case 23: return l4_global_id((r >> 8) % (1u << 18), 1);
	case 24: return l4_global_id(r >> 32, r >> 8);
	default: return R();
	}
}

static l4_word_t time_us(uint16_t t)
{
	if (t == L4_NEVER)
		return ~0ull;
	unsigned m = t & 0x3ff, e = (t & 0x8000) ? (t >> 11) & 0xf : (t >> 10) & 0x1f;
	return (l4_word_t)m << e;
}

/* A timeout: mostly zero; periods and points of at most ~1 ms; never sometimes
 * (the sanitizer keeps never only where it cannot block for good). */
static uint16_t pick_time(void)
{
	l4_word_t r = R();
	uint16_t t;
	switch (r % 16) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
	case 6:
	case 7:
	case 8: return L4_ZERO_TIME;
	case 9: return L4_NEVER;
	case 10:
	case 11: return (uint16_t)(((r >> 8) % 5) << 10 | ((r >> 16) % 64));
	case 12: return (uint16_t)(0x8000 | ((r >> 8) % 3) << 11 | ((r >> 16) & 0x7ff) % 200);
	case 13: return (uint16_t)(((r >> 8) % 32) << 10); /* m = 0: zero, whatever e */
	default: t = (uint16_t)(r >> 24); return time_us(t) <= 1500 ? t : L4_ZERO_TIME;
	}
}

static l4_word_t image_page(void) { return (IMAGE_START + R() % (IMAGE_END - IMAGE_START)) & ~0xfffull; }

static l4_fpage_t pick_fpage(void)
{
	l4_word_t r = R(), rights = (r >> 60) & 7;
	unsigned s = 12 + (unsigned)((r >> 8) % 19);
	switch (r % 16) {
	case 0:
	case 1:
	case 2: return l4_fpage_log2(image_page(), 12) | rights;
	case 3: return l4_fpage_log2(IMAGE_START & ~((1ull << s) - 1), s) | rights;
	case 4: return L4_COMPLETE_ADDRESS_SPACE | rights;
	case 5:
	case 6:
		return l4_fpage_log2(WINDOW_REGION + ((r >> 16) % (1ull << WINDOW_REGION_LOG2) & ~((1ull << s) - 1)),
				     s) |
		       rights;
	case 7: return l4_fpage_log2(PROBE_REGION + ((r >> 16) % 64) * 4096, 12) | rights;
	case 8: return l4_fpage_log2(UTCB_AREA + ((r >> 16) % 16) * 1024, 10 + (unsigned)((r >> 24) % 5)) | rights;
	case 9: return l4_fpage_log2(KIP_AREA, 12 + (unsigned)((r >> 24) % 3)) | rights;
	case 10:
		return l4_fpage_log2(0xffffffff80000000ull + ((r >> 16) % 1024) * 4096,
				     12 + (unsigned)((r >> 24) % 20)) |
		       rights;
	case 11: return L4_NILPAGE | rights;
	case 12: return (R() & ~0x3f0ull) | ((r >> 16) % 64) << 4;
	default: return R();
	}
}

/* A typed item at mr[i], mr[i+1]: mostly map and grant items. */
static void pick_item(l4_word_t *w0, l4_word_t *w1, bool more)
{
	l4_word_t r = R();
	l4_word_t send_base = (r >> 8) % 2 ? WINDOW_REGION + (R() % (1ull << WINDOW_REGION_LOG2)) : R();
	switch (r % 10) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4: *w0 = l4_map_item_word0(send_base); break;
	case 5:
	case 6: *w0 = l4_grant_item_word0(send_base); break;
	case 7: *w0 = (R() & ~0xfull) | (r >> 4 & 6); break; /* a string item */
	case 8: *w0 = (R() & ~0xfull) | 0xc; break; /* ctrl-xfer */
	default: *w0 = R(); break;
	}
	*w1 = pick_fpage();
	*w0 = (*w0 & ~1ull) | (more ? 1 : (r >> 40) & 1);
}

static l4_msgtag_t pick_tag(unsigned *u_out, unsigned *t_out)
{
	l4_word_t r = R();
	unsigned u = (r >> 8) % 4 ? (unsigned)((r >> 12) % 9) : (unsigned)((r >> 12) % 64);
	unsigned t = (r >> 20) % 3 ? 0 : (r >> 24) % 4 ? (unsigned)((r >> 28) % 4) * 2 : (unsigned)((r >> 28) % 64);
	l4_word_t label;
	switch ((r >> 36) % 8) {
	case 0: label = L4_LABEL_PAGEFAULT | ((r >> 40) & 7); break;
	case 1: label = L4_LABEL_SIGMA0; break;
	case 2: label = (r >> 40) % 2 ? L4_LABEL_INTERRUPT : L4_LABEL_EXCEPTION; break;
	case 3: label = L4_LABEL_PREEMPTION; break;
	default: label = R(); break;
	}
	unsigned flags = one_in(4) ? (unsigned)(r >> 44) & 0xf000u : 0;
	*u_out = u;
	*t_out = t;
	return (label << 16) | flags | (l4_word_t)(t & 0x3f) << 6 | (u & 0x3f);
}

/* An acceptor whose window lies in the window region (or the complete space:
 * only victims send us items, and theirs name the window region). */
static l4_word_t pick_acceptor(void)
{
	l4_word_t r = R();
	unsigned s = 12 + (unsigned)((r >> 8) % (WINDOW_REGION_LOG2 - 11));
	switch (r % 6) {
	case 0:
	case 1: return (r >> 20) & 0xf;
	case 2: return L4_COMPLETE_ADDRESS_SPACE | ((r >> 20) & 0xf);
	default:
		return l4_fpage_log2(WINDOW_REGION + ((r >> 24) % (1ull << WINDOW_REGION_LOG2) & ~((1ull << s) - 1)),
				     s) |
		       ((r >> 20) & 0xf);
	}
}

/* MRs 0-63 (MR0-MR7 into the registers), BR0-BR32 random. */
static void fill_message(struct fuzz_regs *g, bool with_items)
{
	l4_word_t *mr = utcb();
	unsigned u, t;
	l4_msgtag_t tag = pick_tag(&u, &t);
	for (unsigned i = 1; i < 64; i++)
		mr[i] = one_in(4) ? R() : (l4_word_t)i;
	if (with_items && t) {
		for (unsigned i = u + 1; i + 1 < 64 && i < u + 1 + t; i += 2) {
			pick_item(&mr[i], &mr[i + 1], i + 2 < u + 1 + t);
			fz.map_items++;
		}
	}
	mr[0] = tag;
	mr[L4_UTCB_BR(0)] = pick_acceptor();
	if (one_in(8))
		for (unsigned i = 1; i < 33; i++)
			mr[L4_UTCB_BR((int)i)] = R();
	if (one_in(16))
		mr[L4_UTCB_XFER_TIMEOUTS] = R();
	g->r9 = mr[0], g->rax = mr[1], g->rbx = mr[2], g->r10 = mr[3];
	g->r12 = mr[4], g->r13 = mr[5], g->r14 = mr[6], g->r15 = mr[7];
}

static void random_regs(struct fuzz_regs *g)
{
	l4_word_t *w = &g->rax;
	for (unsigned i = 0; i < 15; i++)
		w[i] = one_in(3) ? pick_tid() : one_in(2) ? pick_fpage() : R();
	g->flags = RFLAGS_BASE | (R() & ARITH_FLAGS) | (one_in(8) ? RFLAGS_DF : 0);
}

/* ---- staying alive --------------------------------------------------------------------------- */

static bool is_self(l4_threadid_t t)
{
	return t == SELF_LOCAL || (!l4_is_local_id(t) && l4_thread_no(t) == l4_thread_no(fz.fuzzer));
}
static bool is_local_victim(l4_threadid_t t)
{
	return t == VICTIM_LOCAL || (!l4_is_local_id(t) && l4_thread_no(t) == l4_thread_no(fz.local_victim));
}

/* Blocking for good is not the kernel's fault: never is kept only for a send to
 * a thread that always comes back to receive (the echo thread, the root task),
 * and a receive always has a finite timeout. sigma0 gets no protocol labels. */
static void sanitize_ipc(struct fuzz_regs *g)
{
	uint16_t snd = (uint16_t)(g->r8 >> 16), rcv = (uint16_t)g->r8;
	if (time_us(snd) > 1500 && !(snd == L4_NEVER && (g->rsi == fz.echo || g->rsi == fz.root)))
		snd = L4_ZERO_TIME;
	if (time_us(rcv) > 1500)
		rcv = L4_ZERO_TIME;
	g->r8 = (g->r8 & ~0xffffffffull) | (l4_word_t)snd << 16 | rcv;
	if (l4_thread_no(g->rsi) == l4_thread_no(fz.sigma0))
		g->r9 &= ~(1ull << 63);
}

/* ExchangeRegisters on ourselves keeps to what cannot stop or derail us; on our
 * victim, random IPs, SPs, flags and pagers (it then dies of an exception) only
 * within the crash budget, otherwise its own entry point. */
static void sanitize_exregs(struct fuzz_regs *g)
{
	if (is_self(g->rax)) {
		g->rsi &= XR_d | XR_u | XR_r | XR_s | XR_h | XR_F;
		g->r9 = RFLAGS_BASE | (g->r9 & ARITH_FLAGS);
		return;
	}
	if (!is_local_victim(g->rax))
		return;
	bool derails =
	    (g->rsi & (XR_S | XR_I)) || ((g->rsi & XR_F) && (g->r9 & 0x100)) || ((g->rsi & XR_p) && g->rdi != fz.root);
	if (!derails)
		return;
	if (fz.victim_crashes < fz.crash_budget) {
		fz.victim_crashes++;
		return;
	}
	g->rsi |= XR_S | XR_I;
	g->rdx = local_victim_stack_top();
	g->r8 = (l4_word_t)local_victim_main;
	g->r9 &= ~0x100ull;
	g->rdi = fz.root;
}

static void sanitize(unsigned no, struct fuzz_regs *g)
{
	if (no == L4_SC_IPC || no == L4_SC_LIPC)
		sanitize_ipc(g);
	else if (no == L4_SC_EXCHANGE_REGISTERS)
		sanitize_exregs(g);
}

/* The victim in our space may be halted, derailed or mid-IPC: start it afresh. */
static void restart_victim(void)
{
	fz.victim_restarts++;
	l4_exchange_registers(fz.local_victim, XR_S | XR_I | XR_H | XR_r | XR_s | XR_p | XR_F, local_victim_stack_top(),
			      (l4_word_t)local_victim_main, RFLAGS_BASE, 0, fz.root, NULL, NULL, NULL, NULL, NULL,
			      NULL);
}

/* ---- the calls ----------------------------------------------------------------------------------- */

static void trace(const char *what, unsigned no, const struct fuzz_regs *g)
{
	if (!tracing)
		return;
	printf("fuzz %llu %s/%u: rax %llx rbx %llx rdx %llx rsi %llx rdi %llx r8 %llx r9 %llx r10 %llx\n",
	       (unsigned long long)call_index, what, no, (unsigned long long)g->rax, (unsigned long long)g->rbx,
	       (unsigned long long)g->rdx, (unsigned long long)g->rsi, (unsigned long long)g->rdi,
	       (unsigned long long)g->r8, (unsigned long long)g->r9, (unsigned long long)g->r10);
}

static void call(unsigned no, struct fuzz_regs *g)
{
	sanitize(no, g);
	trace("call", no, g);
	fuzz_raw_call(g, stub(no));
}

static void op_ipc(unsigned no)
{
	struct fuzz_regs g;
	random_regs(&g);
	fill_message(&g, true);
	g.rsi = pick_tid();
	g.rdx = one_in(3) ? g.rsi : pick_tid();
	g.r8 = (l4_word_t)pick_time() << 16 | pick_time();
	g.rdi = one_in(10) ? R() : SELF_LOCAL;
	call(no, &g);
	if (g.r9 & L4_TAG_ERROR)
		fz.ipc_err++;
	else
		fz.ipc_ok++;
	if (g.rdi != SELF_LOCAL)
		finding("Ipc returned RDI %#llx, not the UTCB %#llx", g.rdi, SELF_LOCAL);
}

/* Through libl4: a call to a victim with map and grant items; the sanity label
 * must come back as MR1 + 1. */
static void op_call_victim(void)
{
	l4_word_t r = R();
	l4_threadid_t to = r % 4 == 0 ? fz.local_victim : r % 4 == 1 ? VICTIM_LOCAL : r % 4 == 2 ? fz.lazy : fz.echo;
	l4_word_t *mr = utcb();
	bool sanity = (r >> 8) % 4 == 0;
	unsigned items = (r >> 12) % 4;
	mr[0] = l4_msgtag(sanity ? LABEL_SANITY : (r >> 16) & 0xff, 1, items * 2, 0);
	mr[1] = r >> 20;
	for (unsigned i = 0; i < items; i++) {
		l4_word_t send_base = WINDOW_REGION + R() % (1ull << WINDOW_REGION_LOG2);
		mr[2 + 2 * i] =
		    (one_in(4) ? l4_grant_item_word0(send_base) : l4_map_item_word0(send_base)) | (i + 1 < items);
		mr[3 + 2 * i] = one_in(2) ? l4_fpage_log2(image_page(), 12) | 5 : pick_fpage();
		fz.map_items++;
	}
	mr[L4_UTCB_BR(0)] = pick_acceptor();
	uint16_t rcv = to == fz.echo ? l4_time_period(2000) : l4_time_period(300);
	uint16_t snd = to == fz.echo ? L4_NEVER : to == fz.lazy ? L4_ZERO_TIME : l4_time_period(1000);
	if (tracing)
		printf("fuzz %llu call-victim to %llx tag %llx item %llx %llx\n", (unsigned long long)call_index,
		       (unsigned long long)to, (unsigned long long)mr[0], (unsigned long long)mr[2],
		       (unsigned long long)mr[3]);
	l4_word_t sent = mr[1];
	l4_threadid_t from;
	l4_msgtag_t tag = l4_ipc(to, to, L4_TIMEOUTS(snd, rcv), &from);
	if (l4_ipc_failed(tag)) {
		fz.ipc_err++;
		return;
	}
	fz.ipc_ok++;
	if (sanity && L4_TAG_LABEL(tag) == LABEL_SANITY && mr[1] != sent + 1)
		finding("victim's reply MR1 %#llx, expected %#llx", mr[1], sent + 1);
}

static void op_unmap(void)
{
	struct fuzz_regs g;
	random_regs(&g);
	l4_word_t *mr = utcb();
	unsigned k = one_in(4) ? (unsigned)(R() % 64) : (unsigned)(R() % 4);
	for (unsigned i = 0; i <= k; i++)
		mr[i] = one_in(6) ? pick_fpage() /* big ones take milliseconds */
			: one_in(2)
			    ? l4_fpage_log2(image_page(), 12 + (unsigned)(R() % 3)) | (R() & 7)
			    : l4_fpage_log2(WINDOW_REGION + R() % (1ull << 28), 12 + (unsigned)(R() % 5)) | (R() & 7);
	g.r9 = mr[0], g.rax = mr[1], g.rbx = mr[2], g.r10 = mr[3];
	g.r12 = mr[4], g.r13 = mr[5], g.r14 = mr[6], g.r15 = mr[7];
	g.rdx = k | (one_in(2) ? 0x40 : 0) | (one_in(8) ? R() & ~0x7full : 0);
	g.rdi = one_in(10) ? R() : SELF_LOCAL;
	call(L4_SC_UNMAP, &g);
	if (g.rdi != SELF_LOCAL)
		finding("Unmap returned RDI %#llx, not the UTCB %#llx", g.rdi, SELF_LOCAL);
}

static void op_exregs(void)
{
	struct fuzz_regs g;
	random_regs(&g);
	l4_word_t r = R();
	g.rax = r % 3 == 0 ? (r % 2 ? fz.local_victim : VICTIM_LOCAL) : pick_tid();
	g.rsi = (r >> 8) % 2 ? (r >> 16) & 0x3ff : R();
	if ((r >> 32) % 2)
		g.rsi &= ~(l4_word_t)(XR_S | XR_I | XR_F | XR_p); /* the common case: state only */
	l4_threadid_t dest = g.rax;
	call(L4_SC_EXCHANGE_REGISTERS, &g);
	if (g.rax != L4_NILTHREAD && !is_self(dest) && !is_local_victim(dest))
		finding("ExchangeRegisters on %#llx, not of our space, answered %#llx", dest, g.rax);
}

/* ExchangeRegisters on ourselves: read back what we set. */
static void op_exregs_self(void)
{
	l4_word_t r = R(), old = 0, handle = R();
	l4_threadid_t me = r % 2 ? fz.fuzzer : SELF_LOCAL, res, pager = 0;
	switch ((r >> 8) % 4) {
	case 0:
		res = l4_exchange_registers(me, XR_u | XR_d, 0, 0, 0, handle, 0, NULL, NULL, NULL, NULL, NULL, &pager);
		if (res == L4_NILTHREAD)
			finding("ExchangeRegisters on ourselves (%#llx) failed (%llu)", me, 0);
		else if (utcb()[L4_UTCB_USER_HANDLE] != handle)
			finding("UserDefinedHandle %#llx after setting %#llx", utcb()[L4_UTCB_USER_HANDLE], handle);
		else if (pager != fz.root)
			finding("our pager reads %#llx, is %#llx", pager, fz.root);
		else if (res != (me == SELF_LOCAL ? fz.fuzzer : SELF_LOCAL))
			finding("ExchangeRegisters on ourselves answered %#llx for %#llx", res, me);
		break;
	case 1: { /* a random pager, put back at once */
		l4_threadid_t p = pick_tid();
		l4_threadid_t first =
		    l4_exchange_registers(me, XR_p, 0, 0, 0, 0, p, NULL, NULL, NULL, NULL, NULL, NULL);
		l4_exchange_registers(me, XR_p | XR_d, 0, 0, 0, 0, fz.root, NULL, NULL, NULL, NULL, NULL, &pager);
		if (pager != p)
			finding("pager set to %#llx reads back %#llx", p, pager);
		if (first == L4_NILTHREAD)
			finding("ExchangeRegisters on ourselves (%#llx) failed (%llu)", me, 0);
		break;
	}
	case 2: /* another version of us is nobody */
		res = l4_exchange_registers(with_version(fz.fuzzer, l4_version(fz.fuzzer) + 1 + (r >> 16) % 1000), XR_d,
					    0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL);
		if (res != L4_NILTHREAD)
			finding("ExchangeRegisters accepted a wrong version of us: %#llx (%llu)", res, 0);
		break;
	default: /* flags: arithmetic bits only, harmless to compiled code */
		l4_exchange_registers(me, XR_F | XR_d, 0, 0, RFLAGS_BASE | (R() & ARITH_FLAGS), 0, 0, &old, NULL, NULL,
				      NULL, NULL, NULL);
		break;
	}
}

static void op_self_jump(void)
{
	l4_word_t r = R();
	l4_threadid_t me = r % 2 ? fz.fuzzer : SELF_LOCAL;
	l4_word_t control =
	    XR_S | XR_I | ((r >> 8) % 2 ? XR_F : 0) | ((r >> 9) % 2 ? XR_d : 0) | ((r >> 10) % 2 ? XR_r | XR_s : 0);
	if (tracing)
		printf("fuzz %llu self-jump control %llx\n", (unsigned long long)call_index,
		       (unsigned long long)control);
	if (fuzz_self_jump(me, control, RFLAGS_BASE | (r >> 16 & ARITH_FLAGS), stub(L4_SC_EXCHANGE_REGISTERS)))
		fz.self_jumps++;
	else
		finding("ExchangeRegisters on ourselves with S|I (%#llx) came back to the caller (%llu)", control, 0);
}

static void op_privileged(unsigned op)
{
	struct fuzz_regs g;
	random_regs(&g);
	static const unsigned nos[] = {[OP_THREAD_CONTROL] = L4_SC_THREAD_CONTROL,
				       [OP_SPACE_CONTROL] = L4_SC_SPACE_CONTROL,
				       [OP_SCHEDULE] = L4_SC_SCHEDULE,
				       [OP_PROCESSOR_CONTROL] = L4_SC_PROCESSOR_CONTROL,
				       [OP_MEMORY_CONTROL] = L4_SC_MEMORY_CONTROL};
	unsigned no = nos[op];
	g.rdi = op == OP_MEMORY_CONTROL ? SELF_LOCAL : pick_tid();
	if (op == OP_THREAD_CONTROL && one_in(2))
		g.r8 = pick_tid(), g.rsi = pick_tid(), g.rdx = pick_tid(),
		g.r9 = one_in(2) ? ~0ull : UTCB_AREA + R() % 16 * 1024;
	if (op == OP_SPACE_CONTROL && one_in(2))
		g.rdx = pick_fpage(), g.r8 = pick_fpage();
	if (op == OP_SCHEDULE && one_in(2))
		g.rsi = R() % 256, g.rdx = one_in(2) ? ~0ull : R(), g.r8 = one_in(2) ? ~0ull : 0;
	struct fuzz_regs in = g;
	call(no, &g);
	if (op == OP_MEMORY_CONTROL) {
		if (g.rdx != 0)
			finding("MemoryControl from an unprivileged space answered %#llx (%llu)", g.rdx, 0);
		if (g.rbx != in.rbx || g.rsi != in.rsi || g.r8 != in.r8 || g.r12 != in.r12 || g.r15 != in.r15)
			finding("MemoryControl changed a register it keeps (rbx %#llx, rsi %#llx)", g.rbx, g.rsi);
	} else if (g.rax != 0) {
		finding("privileged call %llu from an unprivileged space answered %#llx", no, g.rax);
	}
}

static void op_clock(void)
{
	struct fuzz_regs g;
	random_regs(&g);
	call(L4_SC_SYSTEM_CLOCK, &g);
	if (g.rax < last_clock)
		finding("SystemClock went back from %llu to %llu", last_clock, g.rax);
	last_clock = g.rax;
}

/* KernelInterface and the kernel-debugger traps: every register but the
 * outputs must survive. The console budget: a few prints per run. */
static void op_trap(bool kip)
{
	struct fuzz_regs g;
	random_regs(&g);
	unsigned kind = kip ? 0 : 1 + (unsigned)(R() % 7);
	bool prints = kind == 2 || kind == 7 || (kind == 3 && one_in(3));
	if (prints && fz.kdb_prints >= 6)
		kind = 1, prints = false;
	if (prints)
		fz.kdb_prints++;
	if (kind == 2) {
		g.rax = '\n';
	} else if (kind == 3 && prints) {
		g.rax = (l4_word_t) "[fuzz: KDB PrintString]\n";
	} else if (kind == 3) { /* pointers that print nothing */
		l4_word_t r = R();
		g.rax = r % 4 == 0   ? 0xffff800000000000ull | r
			: r % 4 == 1 ? 0x0000800000000000ull + (r >> 8) % 4096
			: r % 4 == 2 ? PROBE_REGION + (r >> 8) % 0x100000
				     : (r >> 8) % 4096;
	}
	struct fuzz_regs in = g;
	if (tracing)
		printf("fuzz %llu trap %u rax %llx\n", (unsigned long long)call_index, kind, (unsigned long long)g.rax);
	fuzz_raw_trap(&g, kind);
	bool same = g.rbx == in.rbx && g.rdi == in.rdi && g.r8 == in.r8 && g.r9 == in.r9 && g.r10 == in.r10 &&
		    g.r11 == in.r11 && g.r12 == in.r12 && g.r13 == in.r13 && g.r14 == in.r14 && g.r15 == in.r15 &&
		    g.rbp == in.rbp;
	if (kind == 0) {
		if (g.rax != KIP_AREA)
			finding("KernelInterface answered KIP %#llx (%llu)", g.rax, 0);
	} else {
		same = same && g.rcx == in.rcx && g.rdx == in.rdx && g.rsi == in.rsi && (kind == 4 || g.rax == in.rax);
	}
	if (!same)
		finding("trap %llu changed a register it keeps (rbx %#llx)", kind, g.rbx);
	/* the KDB operations' marker `cmp` runs after the trap and sets the arithmetic flags */
	l4_word_t kept = kind == 0 || kind == 1 || kind == 7 ? ARITH_FLAGS | RFLAGS_DF : RFLAGS_DF;
	if ((g.flags & kept) != (in.flags & kept))
		finding("trap %llu changed RFLAGS to %#llx", kind, g.flags);
}

/* Random words anywhere in our UTCB below the MRs but its thread-control words
 * the kernel owns are fair game too; the victim's MRs as well. */
static void op_utcb_garbage(void)
{
	l4_word_t r = R();
	l4_word_t *u = utcb();
	unsigned n = 1 + (unsigned)(r % 8);
	for (unsigned i = 0; i < n; i++) {
		int idx = (int)(R() % (64 + 49)) - 49; /* BR32 (-48) ... MR63 */
		u[idx] = one_in(2) ? R() : pick_tid();
	}
	if ((r >> 8) % 4 == 0)
		((l4_word_t *)VICTIM_LOCAL)[R() % 64] = R();
	/* MyGlobalId is user memory too, but the kernel reads it to resolve our
	 * local ID (ABI §4.2): keep it true so that local IDs keep working */
	u[L4_UTCB_MY_GLOBAL_ID] = fz.fuzzer;
	/* ...but the acceptor keeps windows in the window region: items from the
	 * victims must not land on our image */
	l4_word_t w = u[L4_UTCB_BR(0)] & ~0xfull;
	unsigned s = l4_fpage_size_log2(w);
	bool in_region = s >= 10 && s <= WINDOW_REGION_LOG2 && l4_fpage_base(w) >= WINDOW_REGION &&
			 l4_fpage_base(w) + (1ull << s) <= WINDOW_REGION + (1ull << WINDOW_REGION_LOG2);
	if (w && w != L4_COMPLETE_ADDRESS_SPACE && !in_region)
		u[L4_UTCB_BR(0)] = pick_acceptor();
}

static void op_raw(void)
{
	struct fuzz_regs g;
	random_regs(&g);
	unsigned no = (unsigned)(R() % L4_SC_COUNT);
	call(no, &g);
}

/* ---- the campaign ---------------------------------------------------------------------------------- */

static unsigned pick_op(void)
{
	static const uint8_t weights[OP_COUNT] = {
	    [OP_IPC] = 30,	    [OP_LIPC] = 8,	   [OP_CALL_VICTIM] = 10,      [OP_UNMAP] = 8,
	    [OP_EXREGS] = 8,	    [OP_EXREGS_SELF] = 3,  [OP_SELF_JUMP] = 2,	       [OP_THREAD_CONTROL] = 3,
	    [OP_SPACE_CONTROL] = 2, [OP_SCHEDULE] = 3,	   [OP_PROCESSOR_CONTROL] = 1, [OP_MEMORY_CONTROL] = 2,
	    [OP_THREAD_SWITCH] = 3, [OP_SYSTEM_CLOCK] = 2, [OP_KERNEL_INTERFACE] = 2,  [OP_KDB] = 2,
	    [OP_UTCB_GARBAGE] = 5,  [OP_RAW] = 4,
	};
	unsigned total = 0;
	for (unsigned i = 0; i < OP_COUNT; i++)
		total += weights[i];
	unsigned x = (unsigned)(R() % total);
	for (unsigned i = 0;; i++) {
		if (x < weights[i])
			return i;
		x -= weights[i];
	}
}

static void report(unsigned label, l4_word_t n)
{
	l4_word_t *mr = utcb();
	mr[0] = l4_msgtag(label, 1, 0, 0);
	mr[1] = n;
	l4_ipc(fz.root, L4_NILTHREAD, L4_TIMEOUTS(L4_NEVER, 0), NULL);
}

void fuzzer_main(void)
{
	rs = fz.seed;
	for (call_index = 0; call_index < fz.calls; call_index++) {
		fz.index = call_index;
		tracing = call_index >= fz.trace_from && call_index < fz.trace_to;
		unsigned op = pick_op();
		fz.op = op;
		fz.op_count[op]++;
		if (tracing)
			printf("fuzz %llu: %s\n", (unsigned long long)call_index, fuzz_op_names[op]);
		l4_clock_t t0 = l4_system_clock();
		switch (op) {
		case OP_IPC: op_ipc(L4_SC_IPC); break;
		case OP_LIPC: op_ipc(L4_SC_LIPC); break;
		case OP_CALL_VICTIM: op_call_victim(); break;
		case OP_UNMAP: op_unmap(); break;
		case OP_EXREGS: op_exregs(); break;
		case OP_EXREGS_SELF: op_exregs_self(); break;
		case OP_SELF_JUMP: op_self_jump(); break;
		case OP_THREAD_SWITCH: {
			struct fuzz_regs g;
			random_regs(&g);
			g.rdi = pick_tid();
			call(L4_SC_THREAD_SWITCH, &g);
			break;
		}
		case OP_SYSTEM_CLOCK: op_clock(); break;
		case OP_KERNEL_INTERFACE: op_trap(true); break;
		case OP_KDB: op_trap(false); break;
		case OP_UTCB_GARBAGE: op_utcb_garbage(); break;
		case OP_RAW: op_raw(); break;
		default: op_privileged(op); break;
		}
		fz.op_time_us[op] += l4_system_clock() - t0;
		if (call_index % 2048 == 2047)
			restart_victim();
		if ((call_index + 1) % fz.report_every == 0 && call_index + 1 < fz.calls)
			report(LABEL_PROGRESS, call_index + 1);
	}
	fz.index = call_index;
	report(LABEL_DONE, call_index);
	for (;;)
		l4_receive(fz.fuzzer); /* from ourselves: never */
}
