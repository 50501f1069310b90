/* SPDX-License-Identifier: MIT */
/* The kernel debugger: a command loop on the serial console (polled, interrupts off). */
#include <kern/kdb.h>
#include <kern/trace.h>
#include <kern/thread.h>
#include <kern/space.h>
#include <kern/mdb.h>
#include <kern/mdb_nodes.h>
#include <kern/memattr.h>
#include <kern/frame.h>
#include <kern/kip.h>
#include <kern/console.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <arch/cpu.h>
#include <arch/x86.h>
#include <arch/layout.h>
#include <arch/physmem.h>
#include <mnemo/exitcode.h>
#include "kdb_impl.h"

/*
 * Robustness: the debugger reads kernel structures that may be corrupt (it is
 * entered on panics). Every command runs on the debugger's own stack (a TCB
 * shares its 4 KiB frame with its kernel stack: no room for a debugger) under
 * the trap-recovery hook of trap.c, so a kernel exception in a command, or a
 * panic (a failed assert) inside one, abandons that command and returns to the
 * prompt. Walks are bounded in steps and in output lines. Input is read into a
 * fixed buffer; nothing the user types is used unchecked.
 */

#define KDB_LINE_MAX 80
#define KDB_MAPS_LINES 64
#define KDB_TRACE_DEFAULT 20
#define ESC 0x1b

static uint8_t kdb_mode = 2; /* 0 off, 1 on, 2 not yet read from the command line */
static bool kdb_active; /* inside kdb_enter */
static bool kdb_after_panic; /* `go` must not resume */
static bool kdb_in_command; /* a guarded command runs (trap recovery armed) */
static bool kdb_panicking;

/* Type-ahead the tick took from the UART while looking for ESC. */
static char pending[256];
static unsigned pending_head, pending_tail; /* free-running; tail - head bytes waiting */

static char line[KDB_LINE_MAX];
char *kdb_argv[KDB_MAX_ARGS];
unsigned kdb_argc;

static char kdb_stack[16384] __aligned(16);
word_t kdb_saved_rsp; /* the caller's stack while a command runs (kdb_guarded_call) */
extern volatile word_t trap_recovery_rip, trap_recovery_rsp;

/* Runs fn on the debugger stack with trap recovery armed; 0, or 1 if a kernel
 * exception (or a panic, through kdb_recover_jump) abandoned it. */
int kdb_guarded_call(void (*fn)(void), void *stack_top);
__noreturn void kdb_recover_jump(void);
__asm__(".text\n"
	"kdb_guarded_call:\n"
	"pushq %rbp; pushq %rbx; pushq %r12; pushq %r13; pushq %r14; pushq %r15\n"
	"movq %rsp, kdb_saved_rsp(%rip)\n"
	"movq %rsi, %rsp\n"
	"movq %rsp, trap_recovery_rsp(%rip)\n"
	"leaq 1f(%rip), %rax\n"
	"movq %rax, trap_recovery_rip(%rip)\n"
	"callq *%rdi\n"
	"xorl %eax, %eax\n"
	"jmp 2f\n"
	"1: movl $1, %eax\n"
	"2: movq $0, trap_recovery_rip(%rip)\n"
	"movq kdb_saved_rsp(%rip), %rsp\n"
	"popq %r15; popq %r14; popq %r13; popq %r12; popq %rbx; popq %rbp\n"
	"ret\n"
	"kdb_recover_jump:\n"
	"movq trap_recovery_rsp(%rip), %rsp\n"
	"jmpq *trap_recovery_rip(%rip)\n");

bool kdb_enabled(void)
{
	if (kdb_mode == 2)
		kdb_mode = kip_cmdline_has("kdb") ? 1 : 0;
	return kdb_mode == 1;
}

/* ---- input ---------------------------------------------------------------- */

static int kdb_getc(void)
{
	if (pending_tail != pending_head)
		return (unsigned char)pending[pending_head++ % sizeof pending];
	return console_getc();
}

static int kdb_getc_wait(void)
{
	int c;
	while ((c = kdb_getc()) < 0)
		cpu_relax();
	return c;
}

/* Reads one line with echo: backspace/DEL erases, ^U erases the line, ^C
 * cancels it; escape sequences (arrow keys) and other control bytes are
 * dropped; characters past KDB_LINE_MAX - 1 are refused with a bell. */
static void read_line(void)
{
	static int last;
	unsigned n = 0;
	int esc = 0; /* 1: after ESC, 2: after ESC [ */
	printk("kdb> ");
	for (;;) {
		int c = kdb_getc_wait();
		if (c == '\n' && last == '\r') { /* CR LF: the CR ended the line */
			last = 0;
			continue;
		}
		last = c;
		if (esc == 1) {
			esc = c == '[' || c == 'O' ? 2 : 0;
			if (esc)
				continue;
		} else if (esc == 2) {
			if (c >= 0x40 && c <= 0x7e)
				esc = 0;
			continue;
		}
		if (c == '\r' || c == '\n') {
			printk("\n");
			break;
		}
		if (c == ESC) {
			esc = 1;
		} else if (c == 0x7f || c == '\b') {
			if (n) {
				n--;
				printk("\b \b");
			}
		} else if (c == 0x15) {
			while (n) {
				n--;
				printk("\b \b");
			}
		} else if (c == 0x03) {
			printk("^C\n");
			n = 0;
			break;
		} else if (c >= 0x20 && c < 0x7f) {
			if (n + 1 < sizeof line) {
				line[n++] = (char)c;
				console_putc((char)c);
			} else {
				console_putc('\a');
			}
		}
	}
	line[n] = 0;
}

static void split_line(void)
{
	kdb_argc = 0;
	char *p = line;
	while (*p && kdb_argc < KDB_MAX_ARGS) {
		while (*p == ' ')
			*p++ = 0;
		if (!*p)
			break;
		kdb_argv[kdb_argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	/* more words than KDB_MAX_ARGS: the last argument keeps the rest, and
	 * every command rejects an argument it cannot parse */
}

/* ---- parsing and formatting ------------------------------------------------- */

bool kdb_parse_num(const char *s, unsigned base, word_t *out)
{
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!*s)
		return false;
	word_t v = 0;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (v > (~(word_t)0 - d) / base)
			return false; /* overflow */
		v = v * base + d;
	}
	*out = v;
	return true;
}

/* Thread IDs as the kernel prints them: number.version in hex. */
static const char *tid_str(l4_threadid_t id, char *buf, size_t size)
{
	if (id == L4_NILTHREAD)
		return "nil";
	if (id == L4_ANYTHREAD)
		return "any";
	snprintk(buf, size, "%llx.%llx", (unsigned long long)l4_thread_no(id), (unsigned long long)l4_version(id));
	return buf;
}

/* Calls fn for every TCB in the thread table (in number order) until it returns false. */
static void for_each_thread(bool (*fn)(struct tcb *t, void *arg), void *arg)
{
	for (unsigned i = 0; i < ARRAY_SIZE(thread_table); i++) {
		struct tcb **l2 = thread_table[i];
		if (!l2)
			continue;
		for (unsigned j = 0; j < TT_L2_SIZE; j++)
			if (l2[j] && !fn(l2[j], arg))
				return;
	}
}

struct first_thread {
	const struct space *s;
	struct tcb *t;
};
static bool find_first(struct tcb *t, void *arg)
{
	struct first_thread *f = arg;
	if (t->space != f->s)
		return true;
	f->t = t;
	return false;
}
/* The lowest-numbered thread of space s (NULL if none), to name spaces. */
static struct tcb *space_first_thread(const struct space *s)
{
	struct first_thread f = {s, NULL};
	if (s)
		for_each_thread(find_first, &f);
	return f.t;
}

const char *kdb_space_owner(const struct space *s, char *buf, size_t size)
{
	struct tcb *t = space_first_thread(s);
	if (!t)
		return "no threads";
	char id[24];
	snprintk(buf, size, "%s %s", tid_str(t->id, id, sizeof id), t->name ? t->name : "");
	return buf;
}

const char *kdb_rights_str(unsigned r, char buf[4])
{
	buf[0] = r & 4 ? 'r' : '-';
	buf[1] = r & 2 ? 'w' : '-';
	buf[2] = r & 1 ? 'x' : '-';
	buf[3] = 0;
	return buf;
}

const char *kdb_size_str(unsigned level)
{
	switch (arch_pt_level_shift(level)) {
	case 12: return "4K";
	case 21: return "2M";
	case 30: return "1G";
	}
	return "?";
}

/* ---- commands ------------------------------------------------------------------ */

static const char usage[] =
    "usage: help | threads | spaces | maps <space sN | thread no[.ver]> [vaddr] | "
    "tree <paddr> | dump <paddr | space vaddr> | mem [pages [first] | spaces] | trace [kmem] [n] | go | continue | "
    "reboot";

static void cmd_help(void)
{
	printk(
	    "kdb commands (numbers in hex unless noted):\n"
	    "  threads              every thread: id, name, state, priority, space, pager, IPC phase and partner\n"
	    "  spaces               every address space: id, threads, page table, KIP and UTCB areas\n"
	    "  maps <s> [vaddr]     the mappings of space sN (decimal id) or of thread no[.ver]'s space,\n"
	    "                       %u per page, from vaddr on\n"
	    "  tree <paddr>         the derivation tree of the frame at paddr from its sigma0 root\n"
	    "  dump <paddr>         the same tree as `map` lines between mdb-dump markers (tools/mdb-picture);\n"
	    "  dump <s> <vaddr>     or the tree of the frame mapped at vaddr in space sN or thread no[.ver]'s space\n"
	    "  mem                  kernel memory: frame pool, node pages lent/reserve, free slots, pin floor,\n"
	    "                       evictions, refaults, requests, denials, TCBs, image\n"
	    "  mem pages [first]    one line per node page: kind (lent, reserve, draining), nodes used/free/pinned\n"
	    "  mem spaces           every space: nodes charged and node quota, pinned pages and pin quota\n"
	    "  trace [n]            the last n trace records (decimal, default %u)\n"
	    "  trace kmem [n]       the last n kernel-memory records (request, lent, revoked, evicted, reclaim)\n"
	    "  go, continue         leave the debugger (after a panic: exit with the fail code)\n"
	    "  reboot               reset the machine (keyboard controller, then a triple fault)\n",
	    KDB_MAPS_LINES, KDB_TRACE_DEFAULT);
}

static const char *state_str(const struct tcb *t)
{
	if (t->halted && t->state != TS_FREE)
		return "halted";
	switch (t->state) {
	case TS_FREE: return "free";
	case TS_READY: return t == current ? "running" : "ready";
	case TS_HALTED: return "halted";
	case TS_WAIT_IPC: return "wait-ipc";
	case TS_INACTIVE: return "inactive";
	case TS_WAIT_QUANTUM: return "wait-quantum";
	}
	return "?";
}

static bool print_thread(struct tcb *t, void *arg)
{
	(void)arg;
	char id[24], pager[24], partner[24], space[16] = "-";
	if (t->space)
		snprintk(space, sizeof space, "s%u", t->space->mdb.id);
	printk("%c%-9s %-12s %-8s prio %3u space %-5s pager %-9s", t == current ? '*' : ' ',
	       tid_str(t->id, id, sizeof id), t->name ? t->name : "-", state_str(t), t->priority, space,
	       tid_str(t->pager, pager, sizeof pager));
	const char *p = t->ipc_partner ? tid_str(t->ipc_partner->id, partner, sizeof partner) : "any";
	if (t->irq) {
		printk(" interrupt %u", t->irq - 1u);
	} else if (t->state == TS_WAIT_IPC) {
		switch (t->ipc_phase) {
		case IPC_SENDING: printk(" ipc: sending to %s", p); break;
		case IPC_RECEIVING: printk(" ipc: receiving from %s", t->ipc_any_local ? "any local" : p); break;
		case IPC_XFER: printk(" ipc: string copy with %s", p); break;
		case IPC_TUNNEL_WAIT: printk(" ipc: waits for a fault in %s's space", p); break;
		default: printk(" ipc: phase %u?", t->ipc_phase);
		}
		if (t->timeout_armed)
			printk(" (timeout at %llu us)", (unsigned long long)t->wakeup_us);
	}
	if (t->sendq_head)
		printk(" [senders waiting]");
	printk("\n");
	return true;
}

static void cmd_threads(void)
{
	printk(" id        name         state    priority space       pager           IPC\n");
	for_each_thread(print_thread, NULL);
}

static void cmd_spaces(void)
{
	unsigned n = 0;
	struct mdb_space *s0 = mdb_sigma0();
	for (uint32_t id = 0; id < CONFIG_MDB_MAX_SPACES; id++) {
		struct mdb_space *ms = mdb_space_by_id(id);
		if (!ms || !ms->space)
			continue;
		struct space *s = ms->space;
		char owner[48];
		printk("s%-4u threads %-3llu pml4 %#llx kip %#llx/%u utcb %#llx/%u first %s%s\n", id,
		       (unsigned long long)s->threads, (unsigned long long)s->pt.pml4,
		       (unsigned long long)l4_fpage_base(s->kip_area), l4_fpage_size_log2(s->kip_area),
		       (unsigned long long)l4_fpage_base(s->utcb_area), l4_fpage_size_log2(s->utcb_area),
		       kdb_space_owner(s, owner, sizeof owner), ms == s0 ? " [sigma0: mapping-database roots]" : "");
		n++;
	}
	printk("%u spaces\n", n);
}

/* The space named by a `maps` argument: sN (mdb space id, decimal) or a thread. */
struct space *kdb_parse_space(const char *a)
{
	word_t v;
	if (a[0] == 's') {
		struct mdb_space *ms =
		    kdb_parse_num(a + 1, 10, &v) && v < CONFIG_MDB_MAX_SPACES ? mdb_space_by_id(v) : NULL;
		return ms ? ms->space : NULL;
	}
	const char *dot = NULL;
	for (const char *p = a; *p; p++)
		if (*p == '.')
			dot = p;
	char no[20];
	size_t len = dot ? (size_t)(dot - a) : strlen(a);
	if (len >= sizeof no)
		return NULL;
	memcpy(no, a, len);
	no[len] = 0;
	word_t number, version;
	if (!kdb_parse_num(no, 16, &number) || number >= THREAD_NUMBERS)
		return NULL;
	struct tcb *t = thread_lookup_number(number);
	if (!t || (dot && (!kdb_parse_num(dot + 1, 16, &version) || version != l4_version(t->id))))
		return NULL;
	return t->space;
}

static bool in_fpage(l4_fpage_t f, vaddr_t v)
{
	unsigned sh = l4_fpage_size_log2(f); /* 0: nil, 1: the complete space (not an area) */
	return sh >= 10 && sh < 64 && v >= l4_fpage_base(f) && v - l4_fpage_base(f) < ((word_t)1 << sh);
}

static unsigned node_depth(const struct mdb_node *n)
{
	unsigned d = 0;
	for (const struct mdb_node *p = mdb_parent(n); p && d < 1000; p = mdb_parent(p))
		d++;
	return d;
}

static void cmd_maps(void)
{
	struct space *s = kdb_argc >= 2 && kdb_argc <= 3 ? kdb_parse_space(kdb_argv[1]) : NULL;
	word_t v = 0;
	if (!s || (kdb_argc == 3 && (!kdb_parse_num(kdb_argv[2], 16, &v) || v >= USER_TOP))) {
		printk("usage: maps <sN | thread no[.ver]> [vaddr]  (no such space or thread, or a bad address)\n");
		return;
	}
	v = ALIGN_DOWN(v, PAGE_SIZE);
	char r[4];
	unsigned lines = 0, mdb_leaves = 0;
	printk("space s%u: mappings from %#llx (4K/2M/1G leaves; node: mapping-database node, depth from the sigma0 "
	       "root)\n",
	       s->mdb.id, (unsigned long long)v);
	for (unsigned steps = 0; v < USER_TOP; steps++) {
		if (lines >= KDB_MAPS_LINES || steps >= KDB_WALK_STEPS) {
			printk("... more: maps s%u %#llx\n", s->mdb.id, (unsigned long long)v);
			return;
		}
		struct arch_pt_leaf l;
		unsigned hole;
		if (arch_pt_lookup(s, v, &l, &hole)) {
			struct mdb_node *n = mdb_node(l.node);
			struct mdb_node_info self, parent;
			printk("  %#014llx %-2s -> pa %#014llx %s", (unsigned long long)l.base, kdb_size_str(l.level),
			       (unsigned long long)l.paddr, kdb_rights_str(l.rights, r));
			if (arch_pt_leaf_attr(&l) != MEMATTR_DEFAULT) /* MemoryControl's memory type */
				printk(" attr %s", arch_mem_attr_name(arch_pt_leaf_attr(&l)));
			if (n && mdb_node_info(n, &self)) {
				struct mdb_node *p = mdb_parent(n);
				printk(" node %p depth %u%s", (void *)n, node_depth(n), self.pinned ? " pinned" : "");
				if (p && mdb_node_info(p, &parent))
					printk(" from s%u:%#llx", parent.ms ? parent.ms->id : 0,
					       (unsigned long long)parent.vaddr);
				else
					printk(" (root)");
			} else {
				printk(" node missing!");
			}
			printk("\n");
			lines++;
			mdb_leaves++;
			v = l.base + ((word_t)1 << arch_pt_level_shift(l.level));
			continue;
		}
		paddr_t pa;
		unsigned sz, rights;
		if (hole == PAGE_SHIFT && pt_lookup(&s->pt, v, &pa, &sz, &rights)) {
			printk("  %#014llx 4K -> pa %#014llx %s kernel page (%s area, not in the mapping database)\n",
			       (unsigned long long)v, (unsigned long long)pa, kdb_rights_str(rights, r),
			       in_fpage(s->kip_area, v)	   ? "KIP"
			       : in_fpage(s->utcb_area, v) ? "UTCB"
							   : "?");
			lines++;
			v += PAGE_SIZE;
			continue;
		}
		v = ALIGN_DOWN(v, (word_t)1 << hole) + ((word_t)1 << hole);
	}
	printk("end of space s%u (%u mapping-database leaves listed)\n", s->mdb.id, mdb_leaves);
}

/* ---- mem, trace ---- */

static bool count_thread(struct tcb *t, void *arg)
{
	(void)t;
	(*(unsigned *)arg)++;
	return true;
}

unsigned kdb_thread_count(void)
{
	unsigned threads = 0;
	for_each_thread(count_thread, &threads);
	return threads;
}

unsigned kdb_space_count(void)
{
	unsigned spaces = 0;
	for (uint32_t id = 0; id < CONFIG_MDB_MAX_SPACES; id++)
		spaces += mdb_space_by_id(id) != NULL;
	return spaces;
}

static void trace_line(word_t seq, const struct trace_record *r, uint64_t t0)
{
	char id[24], a[24], b[24];
	word_t khz = timer_tsc_khz();
	uint64_t us = khz ? (r->tsc - t0) * 1000 / khz : 0;
	printk("#%-6llu +%8llu us %-9s %-9s ", (unsigned long long)seq, (unsigned long long)us,
	       tid_str(r->thread, id, sizeof id), trace_type_name(r->type));
	switch (r->type) {
	case TRACE_IPC:
		printk("to %s from %s tag %#llx\n", tid_str(r->a, a, sizeof a), tid_str(r->b, b, sizeof b),
		       (unsigned long long)r->c);
		break;
	case TRACE_PAGEFAULT:
		printk("addr %#llx rip %#llx error %#llx\n", (unsigned long long)r->a, (unsigned long long)r->b,
		       (unsigned long long)r->c);
		break;
	case TRACE_PF_IPC:
		printk("addr %#llx ip %#llx access %llu\n", (unsigned long long)r->a, (unsigned long long)r->b,
		       (unsigned long long)r->c);
		break;
	case TRACE_MAP:
		printk("%s fpage %#llx/%u -> window %#llx/%u s%u -> s%u\n", (r->c >> 48) & 1 ? "grant" : "map",
		       (unsigned long long)l4_fpage_base(r->a), l4_fpage_size_log2(r->a),
		       (unsigned long long)l4_fpage_base(r->b), l4_fpage_size_log2(r->b),
		       (unsigned)((r->c >> 24) & 0xffffff), (unsigned)(r->c & 0xffffff));
		break;
	case TRACE_UNMAP:
		printk("fpage %#llx/%u rights %llu%s space s%llu\n", (unsigned long long)l4_fpage_base(r->a),
		       l4_fpage_size_log2(r->a), (unsigned long long)(r->a & 7), r->b ? " flush" : "",
		       (unsigned long long)r->c);
		break;
	case TRACE_KMEM: {
		static const char *const what[] = {
		    [TRACE_KMEM_REQUEST] = "request pages %llu (free slots %llu)\n",
		    [TRACE_KMEM_REVOKED] = "revoked page %#llx (%llu nodes on it)\n",
		    [TRACE_KMEM_LENT] = "lent page %#llx (%llu lent)\n",
		    [TRACE_KMEM_EVICTED] = "evicted page %#llx (%llu mappings evicted with it)\n",
		    [TRACE_KMEM_RECLAIM] = "reclaim in s%llu (%llu mappings evicted)\n",
		};
		printk(r->a < ARRAY_SIZE(what) ? what[r->a] : "? %#llx %#llx\n", (unsigned long long)r->b,
		       (unsigned long long)r->c);
		break;
	}
	case TRACE_STATE: {
		static const char *const op[] = {"halt", "export", "restore"};
		unsigned o = (unsigned)(r->a & 0xff) - 1, part = (unsigned)(r->c & 0xff);
		printk("%s %s part %u: %s\n", o < 3 ? op[o] : "?", tid_str(r->b, a, sizeof a), part,
		       (r->c >> 8) ? "refused" : "done");
		break;
	}
	default:
		printk("%#llx %#llx %#llx\n", (unsigned long long)r->a, (unsigned long long)r->b,
		       (unsigned long long)r->c);
	}
}

/* `trace [kmem] [n]`: the last n records (of type kmem only, with the word kmem). */
static void cmd_trace(void)
{
	word_t n = KDB_TRACE_DEFAULT;
	unsigned arg = 1;
	bool kmem_only = kdb_argc >= 2 && !strcmp(kdb_argv[1], "kmem");
	arg += kmem_only;
	if (kdb_argc > arg + 1 || (kdb_argc == arg + 1 && (!kdb_parse_num(kdb_argv[arg], 10, &n) || !n))) {
		printk("usage: trace [kmem] [n]  (n: decimal, 1-%u)\n", TRACE_RECORDS);
		return;
	}
	if (!trace_enabled()) {
		printk("trace: off (boot with the kernel option `trace` to record events)\n");
		return;
	}
	word_t total = trace_count();
	if (n > TRACE_RECORDS)
		n = TRACE_RECORDS;
	struct trace_record r, first;
	/* The oldest record to show: n back, counting only the matching ones. */
	word_t from = total, found = 0;
	while (from > 0 && found < n && total - from < TRACE_RECORDS) {
		from--;
		if (trace_get(from, &r) && (!kmem_only || r.type == TRACE_KMEM))
			found++;
	}
	printk("trace: %llu events recorded, the last %llu%s (times from the first shown):\n",
	       (unsigned long long)total, (unsigned long long)found, kmem_only ? " of type kmem" : "");
	if (!found || !trace_get(from, &first))
		return;
	for (word_t seq = from; seq < total; seq++)
		if (trace_get(seq, &r) && (!kmem_only || r.type == TRACE_KMEM))
			trace_line(seq, &r, first.tsc);
}

/* Reset through the keyboard controller (QEMU under -no-reboot then exits with
 * status 0); if that does not reset, a deliberate triple fault does. */
static __noreturn void cmd_reboot(void)
{
	printk("kdb: rebooting: keyboard-controller reset (outb 0x64, 0xfe), then a triple fault\n");
	for (int i = 0; i < 100000 && (inb(0x64) & 2); i++)
		cpu_relax();
	outb(0x64, 0xfe);
	for (int i = 0; i < 1000000; i++)
		cpu_relax();
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) null_idt = {0, 0};
	__asm__ volatile("lidt %0; int3" : : "m"(null_idt));
	arch_halt_forever();
}

static void (*command)(void);

static void run_command(void) { command(); }

/* 1: leave the debugger. */
static int dispatch(void)
{
	split_line();
	if (!kdb_argc)
		return 0;
	const char *c = kdb_argv[0];
	if (!strcmp(c, "go") || !strcmp(c, "continue") || !strcmp(c, "c")) {
		if (kdb_argc != 1) {
			printk("usage: go | continue\n");
			return 0;
		}
		return 1;
	}
	if (!strcmp(c, "reboot") && kdb_argc == 1)
		cmd_reboot();
	static const struct {
		const char *name;
		void (*fn)(void);
	} cmds[] = {
	    {"help", cmd_help},	    {"?", cmd_help},	  {"threads", cmd_threads},
	    {"spaces", cmd_spaces}, {"maps", cmd_maps},	  {"tree", kdb_cmd_tree},
	    {"dump", kdb_cmd_dump}, {"mem", kdb_cmd_mem}, {"trace", cmd_trace},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(c, cmds[i].name))
			continue;
		command = cmds[i].fn;
		kdb_in_command = true;
		int faulted = kdb_guarded_call(run_command, kdb_stack + sizeof kdb_stack);
		kdb_in_command = false;
		if (faulted)
			printk("kdb: `%s` was abandoned after a kernel exception or panic (reported above)\n", c);
		return 0;
	}
	printk("kdb: unknown command `%s`\n%s\n", c, usage);
	return 0;
}

void kdb_enter(const char *reason)
{
	if (!kdb_enabled() || kdb_active)
		return;
	word_t flags;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	kdb_active = true;
	word_t old_rip = trap_recovery_rip, old_rsp = trap_recovery_rsp;
	char id[24];
	printk("\nkdb: entered (%s), current thread %s%s; `help` lists the commands\n", reason,
	       current ? tid_str(current->id, id, sizeof id) : "none",
	       kdb_after_panic ? "; after a panic `go` exits" : "");
	for (;;) {
		read_line();
		if (!dispatch())
			continue;
		if (kdb_after_panic) {
			printk("kdb: the kernel panicked: not resuming; exiting with the fail code\n");
			arch_debug_exit(MNEMO_EXIT_FAIL);
		}
		break;
	}
	printk("kdb: continuing\n");
	trap_recovery_rip = old_rip;
	trap_recovery_rsp = old_rsp;
	kdb_active = false;
	if (flags & RFLAGS_IF)
		irq_enable();
}

void kdb_poll_breakin(void)
{
	if (!kdb_mode || kdb_active || !kdb_enabled())
		return;
	while (pending_tail - pending_head < sizeof pending) {
		int c = console_getc();
		if (c < 0)
			return;
		if (c == ESC) {
			kdb_enter("break-in: ESC on the serial console");
			return;
		}
		pending[pending_tail++ % sizeof pending] = (char)c;
	}
}

void kdb_panic(void)
{
	if (kdb_active && kdb_in_command) {
		printk("kdb: panic inside a debugger command: abandoning it; the kernel state is suspect, so `go` "
		       "will exit\n");
		kdb_after_panic = true;
		kdb_recover_jump();
	}
	if (kdb_active || kdb_panicking || !kdb_enabled())
		return;
	kdb_panicking = true;
	kdb_after_panic = true;
	kdb_enter("panic");
}
