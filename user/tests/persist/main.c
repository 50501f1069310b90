/* SPDX-License-Identifier: MIT */
/* The checkpointing root pager: pages a world of tasks, checkpoints it to disk copy-on-write, restores it after a restart. */
#include <stdio.h>
#include <string.h>
#include <stddef.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <mnemo/exitcode.h>
#include <mnemo/thread_state.h>
#include <task.h>
#include "world.h"
#include "disk.h"

/*
 * R, the root task, is the root of the world's pager hierarchy: every page of
 * every task is one of R's pool pages (at their physical address, so R's own
 * fault brings them back from sigma0), and R's records say which task has which
 * page where. Every CKPT_US of guest time R takes a checkpoint:
 *
 *  1. halt every task; export each thread's state (the kernel's thread-state
 *     service); revoke the write right of every pool page from everybody below
 *     R (Unmap, 64 fpages a call) and learn from the access bits which pages
 *     were written since the last checkpoint; resume every task. That is the
 *     whole pause.
 *  2. write the dirty pages while the tasks run: a task that writes a page
 *     first faults (its write right is gone); if that page is still to be
 *     written, R copies it first (copy-on-write), then gives the right back.
 *  3. write the metadata (R's records, the thread states) and commit: the
 *     checkpoint is valid only once its commit record is on disk.
 *
 * After a restart R finds the last committed checkpoint, reads every page back
 * into its pool, creates the tasks' spaces and threads under their old IDs,
 * restores their states and resumes them. The mapping database starts empty:
 * each first access faults, and R (or P, for its client) maps again from its
 * records.
 *
 * Module arguments: `fresh` (format a disk that holds no checkpoint, or one that
 * cannot be read; never without it), `steps=N` (checkpoints before a clean stop,
 * default 3), `crash=N` (cut the power at the N-th disk write of this boot),
 * `demo` (print the tasks' state in words for a person).
 */

#define POOL 0x2000000ul /* 32 MiB: the world's memory, at its physical address */
#define POOL_PAGES 1024
#define SHADOW 0x3000000ul /* R's copies of pages written before they were saved */
#define SHADOW_PAGES 512
#define CKPT_US 8000 /* the default interval; `interval=<us>` on the command line */
#define MAX_RECS (POOL_PAGES + 16)
#define MNEMO_EXIT_POWER_CUT 0x13 /* QEMU exits with 39: the power was cut on purpose */

extern char _start[], _end[], _image_ro_end[];

/* ---- R's records: which task holds which pool page where (persisted) ---------------- */

struct rec {
	L4_ThreadId_t t;
	L4_Word_t vaddr, page;
};

struct meta { /* the checkpoint's metadata blob */
	L4_Word_t magic, seq, nrecs, next_page, ckpts, counter;
	L4_Word_t build; /* hash of the image's code and read-only data: the tasks' saved rips point into it */
	struct rec recs[MAX_RECS];
	L4_Word_t state[NROLES][MNEMO_STATE_PARTS][MNEMO_STATE_PART_WORDS];
};
/* The blob's layout, word by word (docs/persistence.md: a checkpoint is read back by the build that wrote it). */
_Static_assert(sizeof(struct rec) == 3 * 8 && offsetof(struct rec, page) == 2 * 8, "a record is three words");
_Static_assert(offsetof(struct meta, build) == 6 * 8 && offsetof(struct meta, recs) == 7 * 8,
	       "the header is seven words");
_Static_assert(offsetof(struct meta, state) == (7 + 3 * MAX_RECS) * 8 &&
		   sizeof(struct meta) == (7 + 3 * MAX_RECS + NROLES * MNEMO_STATE_PARTS * MNEMO_STATE_PART_WORDS) * 8,
	       "the thread states follow the records");
#define META_MAGIC 0x6d6e656d6f77726cull
static struct meta meta; /* now */
static struct meta snap; /* at the stop of the checkpoint under way: what it saves */

static L4_ThreadId_t r_tid, tid[NROLES];
static const char *const role_name[NROLES] = {"counter 1", "counter 2", "writer", "pager P", "client Q", "ballast"};
static void (*const role_main[NROLES])(void) = {counter_main, counter_main, writer_main,
						pager_main,   client_main,  ballast_main};
static int role_pager(int k) { return k == ROLE_Q ? ROLE_P : -1; } /* -1: R */

static int role_of(L4_ThreadId_t t)
{
	for (int k = 0; k < NROLES; k++)
		if (L4_IsThreadEqual(tid[k], t))
			return k;
	return -1;
}

static struct rec *rec_find(L4_ThreadId_t t, L4_Word_t vaddr)
{
	for (L4_Word_t i = 0; i < meta.nrecs; i++)
		if (L4_IsThreadEqual(meta.recs[i].t, t) && meta.recs[i].vaddr == vaddr)
			return &meta.recs[i];
	return NULL;
}

/* A fresh zeroed pool page for (t, vaddr), recorded. */
static struct rec *rec_new(L4_ThreadId_t t, L4_Word_t vaddr)
{
	if (meta.nrecs >= MAX_RECS || meta.next_page >= POOL_PAGES)
		return NULL;
	struct rec *r = &meta.recs[meta.nrecs++];
	r->t = t, r->vaddr = vaddr, r->page = POOL + meta.next_page++ * PAGE;
	memset((void *)r->page, 0, PAGE);
	return r;
}

/* The build of the world: its tasks run this image's code, so a checkpoint of
 * another build cannot be resumed (their saved instruction pointers would land
 * in other code). */
static L4_Word_t build_hash(void)
{
	L4_Word_t h = 0x6275696c64ull;
	for (const L4_Word_t *p = (const L4_Word_t *)_start; p < (const L4_Word_t *)_image_ro_end; p++)
		h = mix64(h ^ *p);
	return h;
}

/* ---- checkpoint bookkeeping ------------------------------------------------------------ */

static uint8_t dirty[POOL_PAGES]; /* 1: to be written in the checkpoint under way */
static uint8_t on_disk[POOL_PAGES]; /* 1: some committed checkpoint has the page */
static L4_Word_t shadow_of[POOL_PAGES]; /* its copy (written before it was saved), 0: none */
static unsigned shadows_used;
static L4_Word_t page_hash[POOL_PAGES];
static unsigned errors, broken_reports;
static L4_Word_t ckpt_us = CKPT_US;
static L4_Word_t rebuilt; /* faults answered from a record made before this boot (a restored one) */
static L4_Word_t restored_recs; /* records that came from the checkpoint */
static bool demo, bench_mode;

static unsigned pool_index(L4_Word_t page) { return (unsigned)((page - POOL) / PAGE); }

static L4_Word_t hash_page(const void *p)
{
	const L4_Word_t *w = p;
	L4_Word_t h = 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < PAGE / 8; i++)
		h = mix64(h ^ w[i]) + i;
	return h;
}

/* The digest of the world's state in a checkpoint: every page and every thread state. */
static L4_Word_t digest(const struct meta *m)
{
	L4_Word_t d = m->nrecs;
	for (L4_Word_t i = 0; i < m->next_page; i++)
		d = mix64(d ^ page_hash[i] ^ i);
	for (int k = 0; k < NROLES; k++)
		for (unsigned p = 0; p < MNEMO_STATE_PARTS; p++)
			for (unsigned i = 0; i < MNEMO_STATE_PART_WORDS; i++)
				d = mix64(d ^ m->state[k][p][i]);
	return d;
}

static L4_Word_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (L4_Word_t)hi << 32 | lo;
}

/* ---- paging the world ------------------------------------------------------------- */

static bool in_image(L4_Word_t a) { return a >= ((L4_Word_t)_start & ~(PAGE - 1)) && a < (L4_Word_t)_end; }

static bool region_ok(int k, L4_Word_t a)
{
	if (a >= STACK_TOP - STACK_PAGES * PAGE && a < STACK_TOP)
		return true;
	L4_Word_t data_pages = k == ROLE_W   ? 1 + W_SLOTS_PAGES
			       : k == ROLE_P ? 1 + Q_PAGES + STACK_PAGES
			       : k == ROLE_B ? (bench_mode ? FILL_MAX : BALLAST_MAX)
					     : 1;
	return a >= DATA && a < DATA + data_pages * PAGE;
}

/* Copy-on-write: a page still to be written in this checkpoint is copied first. */
static void before_write(L4_Word_t page)
{
	unsigned i = pool_index(page);
	if (!dirty[i] || shadow_of[i])
		return;
	if (shadows_used >= SHADOW_PAGES) { /* cannot happen with SHADOW_PAGES >= the pool in use */
		errors++;
		return;
	}
	shadow_of[i] = SHADOW + shadows_used++ * PAGE;
	memcpy((void *)shadow_of[i], (const void *)page, PAGE);
}

static void serve_fault(int k, L4_ThreadId_t from, L4_MsgTag_t tag)
{
	L4_Word_t addr = msg_mr(1) & ~(PAGE - 1);
	bool write = L4_Label(tag) & L4_Writable;
	L4_Word_t src;
	unsigned rights;
	if (in_image(addr) && !write) {
		src = addr, rights = L4_Readable | L4_eXecutable; /* the same binary after every restart */
	} else if (region_ok(k, addr)) {
		struct rec *r = rec_find(from, addr);
		if (r && (L4_Word_t)(r - meta.recs) < restored_recs)
			rebuilt++; /* the mapping database forgot it with the restart; the record did not */
		if (!r && !(r = rec_new(from, addr))) {
			errors++;
			printf("persist: out of pool pages for %s at %#llx\n", role_name[k], (unsigned long long)addr);
			return;
		}
		if (write)
			before_write(r->page);
		src = r->page, rights = L4_FullyAccessible;
	} else {
		errors++;
		printf("persist: %s faults at %#llx (ip %#llx, %s): not its memory\n", role_name[k],
		       (unsigned long long)msg_mr(1), (unsigned long long)msg_mr(2), write ? "write" : "read");
		return;
	}
	(void)*(volatile char *)src;
	msg_reply_map(from, addr, src, rights);
}

static bool filled; /* the bench's filler answered */

static const L4_Clock_t now_only = {.raw = 0}; /* serve(now_only): only what waits now */
static L4_Clock_t in_us(L4_Word_t us) { return L4_ClockAddUsec(L4_SystemClock(), us); }

/* Serves the tasks until `until` (SystemClock), or only what waits now. */
static void serve(L4_Clock_t until)
{
	for (;;) {
		L4_Clock_t now = L4_SystemClock();
		L4_Time_t t = L4_IsClockLater(until, now) ? L4_TimePeriod(until.raw - now.raw) : L4_ZeroTime;
		L4_ThreadId_t from;
		L4_MsgTag_t tag = L4_Wait_Timeout(t, &from);
		if (L4_IpcFailed(tag))
			return;
		int k = role_of(from);
		if (k < 0)
			continue;
		if (msg_is_pagefault(tag))
			serve_fault(k, from, tag);
		else if (bench_mode && k == ROLE_B) {
			filled = true;
			return; /* the filler waits for its next request */
		} else if (L4_Label(tag) == LABEL_BROKEN) {
			broken_reports++;
			printf("persist: %s reports a broken invariant (%llu, %#llx)\n", role_name[k],
			       (unsigned long long)msg_mr(1), (unsigned long long)msg_mr(2));
		}
	}
}

/* ---- the state service ------------------------------------------------------------------- */

/* The tasks that exist: all of them, or in the bench the filler alone. */
static bool live(int k) { return !bench_mode || k == ROLE_B; }

static void halt_all(bool on)
{
	for (int k = 0; k < NROLES; k++)
		if (live(k))
			task_state_call(MNEMO_STATE_HALT, tid[k], on, NULL, 0, NULL);
}

/* ---- disk writes and the power cut --------------------------------------------------------- */

static L4_Word_t crash_at, writes;

/* Every disk write of this boot goes through here: crash=N cuts the power at the N-th. */
void count_write(void)
{
	if (++writes == crash_at) {
		printf("persist: power cut at disk write %llu\n", (unsigned long long)writes);
		__asm__ volatile("outb %0, %1"
				 :
				 : "a"((uint8_t)MNEMO_EXIT_POWER_CUT), "Nd"((uint16_t)MNEMO_DEBUG_EXIT_PORT));
	}
}

/* ---- the checkpoint --------------------------------------------------------------------------- */

static L4_Word_t pause_instr, last_dirty, last_bytes;

/* Step 1: under halt, the thread states and the dirty set. */
static bool stop_and_scan(void)
{
	halt_all(true);
	for (int k = 0; k < NROLES; k++)
		for (unsigned p = 0; live(k) && p < MNEMO_STATE_PARTS; p++)
			if (task_state_call(MNEMO_STATE_GET, tid[k], p, NULL, 0, snap.state[k][p]) != 0) {
				halt_all(false);
				return false; /* busy (inside the kernel): try again at the next tick */
			}
	L4_Fpage_t f[64];
	last_dirty = 0;
	const L4_Word_t pages = meta.next_page;
	for (L4_Word_t i = 0; i < pages; i += 64) {
		unsigned n = pages - i < 64 ? (unsigned)(pages - i) : 64;
		for (unsigned j = 0; j < n; j++)
			f[j] = L4_FpageAddRights(L4_FpageLog2(POOL + (i + j) * PAGE, 12), L4_Writable);
		L4_UnmapFpages(n, f);
		for (unsigned j = 0; j < n; j++)
			if (L4_WasWritten(f[j]) || !on_disk[i + j]) { /* written, or never saved */
				dirty[i + j] = 1;
				last_dirty++;
			}
	}
	const struct rec *c1 = rec_find(tid[ROLE_C1], DATA);
	meta.counter = c1 ? *(const volatile L4_Word_t *)c1->page : 0;
	/* the records as they are now: pages given after this are the next checkpoint's */
	L4_Word_t state_bytes = sizeof snap.state;
	memcpy(&snap, &meta, sizeof meta - state_bytes);
	halt_all(false);
	return true;
}

/* The bench's pause: the same stop on a world of one task; afterwards the pages
 * count as saved, so each measure scans the same way. */
static bool stop_and_scan_bench(void)
{
	L4_Word_t t0 = rdtsc();
	if (!stop_and_scan())
		return false;
	pause_instr = rdtsc() - t0;
	for (L4_Word_t i = 0; i < meta.next_page; i++)
		dirty[i] = 0, on_disk[i] = 1;
	return true;
}

static bool checkpoint(void)
{
	L4_Word_t t0 = rdtsc();
	if (!stop_and_scan())
		return false;
	pause_instr = rdtsc() - t0;
	if (disk_begin())
		return false;
	last_bytes = 0;
	for (L4_Word_t i = 0; i < snap.next_page; i++) {
		if (!dirty[i])
			continue;
		serve(now_only); /* copy-on-write faults first */
		L4_Word_t page = POOL + i * PAGE, src = shadow_of[i] ? shadow_of[i] : page;
		page_hash[i] = hash_page((const void *)src);
		if (disk_put_page(page, (const void *)src))
			return false;
		dirty[i] = 0;
		shadow_of[i] = 0;
		last_bytes += PAGE;
	}
	shadows_used = 0;
	snap.magic = META_MAGIC;
	snap.build = build_hash();
	snap.seq = disk_seq() + 1;
	snap.ckpts = ++meta.ckpts;
	L4_Word_t d = digest(&snap);
	printf("persist: committing seq=%llu digest=%016llx counter=%llu dirty=%llu bytes=%llu pause=%llu "
	       "resident=%llu\n",
	       (unsigned long long)snap.seq, (unsigned long long)d, (unsigned long long)snap.counter,
	       (unsigned long long)last_dirty, (unsigned long long)last_bytes, (unsigned long long)pause_instr,
	       (unsigned long long)snap.next_page);
	if (disk_put_meta(&snap, sizeof snap))
		return false;
	if (disk_commit())
		return false;
	printf("persist: committed seq=%llu\n", (unsigned long long)snap.seq);
	for (L4_Word_t i = 0; i < snap.next_page; i++)
		on_disk[i] = 1;
	return true;
}

/* ---- creating and restoring the world ------------------------------------------------------------ */

static bool create(int k) { return task_create(tid[k], role_pager(k) < 0 ? r_tid : tid[role_pager(k)], 12); }

/* The start message to role k's new thread (from its pager, X.2 §2.4 ThreadControl: MR1 the
 * instruction pointer, MR2 the stack pointer): it runs fn on its stack, below the parameters. */
static bool start(int k, void (*fn)(void))
{
	L4_Set_MsgTag(msg_tag(0, 2, 0));
	L4_LoadMR(1, (L4_Word_t)fn);
	L4_LoadMR(2, STACK_TOP - PARAM_WORDS * 8);
	return L4_IpcSucceeded(L4_Send_Timeout(tid[k], L4_TimePeriod(1000000)));
}

static bool fresh_world(void)
{
	memset(&meta, 0, sizeof meta);
	for (int k = 0; k < NROLES; k++) {
		if (!create(k))
			return false;
		/* its stack page, with the parameters at the top; Q's stack is one of
		 * P's pages (P pages Q: P maps it from DATA_Q_STACK on Q's fault) */
		struct rec *r = k == ROLE_Q ? rec_new(tid[ROLE_P], P_Q_STACK + (STACK_PAGES - 1) * PAGE)
					    : rec_new(tid[k], STACK_TOP - PAGE);
		if (!r)
			return false;
		L4_Word_t *top = (L4_Word_t *)(r->page + PAGE);
		top[PARAM_PAGER] = r_tid.raw;
		top[PARAM_PEER] = tid[ROLE_Q].raw;
		top[PARAM_STEP] = 4;
	}
	for (int k = 0; k < NROLES; k++) {
		L4_ThreadId_t starter = role_pager(k) < 0 ? r_tid : tid[role_pager(k)];
		if (L4_IsThreadNotEqual(starter, r_tid))
			continue; /* Q waits for its start message from P: sent below */
		if (!start(k, role_main[k]))
			return false;
	}
	/* Q's pager is P; P cannot send it the start message (it runs pager_main), so
	 * R starts Q through the state service: registers set, halted, resumed. */
	L4_Word_t regs[MNEMO_STATE_REGS] = {0};
	regs[MNEMO_REG_VERSION] = MNEMO_STATE_VERSION;
	regs[MNEMO_REG_RIP] = (L4_Word_t)client_main;
	regs[MNEMO_REG_RSP] = STACK_TOP - PARAM_WORDS * 8;
	regs[MNEMO_REG_PRIORITY] = 100;
	return task_state_call(MNEMO_STATE_SET, tid[ROLE_Q], 0, regs, MNEMO_STATE_REGS, NULL) == 0 &&
	       task_state_call(MNEMO_STATE_HALT, tid[ROLE_Q], 0, NULL, 0, NULL) == 0;
}

static bool other_build; /* the disk holds a checkpoint of another build */

static bool restore_world(void)
{
	/* The metadata's size and layout, like the tasks' code, belong to the build. */
	if (disk_get_meta(&meta, sizeof meta) || meta.magic != META_MAGIC || meta.seq != disk_seq() ||
	    meta.build != build_hash()) {
		other_build = true;
		return false;
	}
	for (L4_Word_t i = 0; i < meta.next_page; i++) {
		L4_Word_t page = POOL + i * PAGE;
		(void)*(volatile char *)page; /* ours again (from sigma0) before the disk fills it */
		if (disk_get_page(page, (void *)page)) {
			printf("persist: page %#llx of the checkpoint cannot be read\n", (unsigned long long)page);
			return false;
		}
		page_hash[i] = hash_page((const void *)page);
		on_disk[i] = 1;
	}
	restored_recs = meta.nrecs;
	for (int k = 0; k < NROLES; k++)
		if (!create(k))
			return false;
	for (int k = 0; k < NROLES; k++) {
		bool fpu = meta.state[k][0][MNEMO_REG_FLAGS] & MNEMO_STATE_F_FPU;
		for (unsigned p = 0; p < MNEMO_STATE_PARTS; p++) {
			if (p >= 5 && !fpu)
				continue;
			unsigned n = p ? MNEMO_STATE_PART_WORDS : MNEMO_STATE_REGS;
			if (task_state_call(MNEMO_STATE_SET, tid[k], p, meta.state[k][p], n, NULL) != 0) {
				printf("persist: %s: state part %u refused\n", role_name[k], p);
				return false;
			}
		}
	}
	return true;
}

/* ---- the module command line ------------------------------------------------------------------- */

static L4_Word_t arg_num(const char *c, const char *key, L4_Word_t dflt)
{
	const char *p = strstr(c, key);
	if (!p)
		return dflt;
	L4_Word_t v = 0;
	for (p += strlen(key); *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (L4_Word_t)(*p - '0');
	return v;
}

static __attribute__((noreturn)) void finish(bool ok)
{
	uint8_t code = ok ? MNEMO_EXIT_PASS : MNEMO_EXIT_FAIL;
	__asm__ volatile("outb %0, %1" : : "a"(code), "Nd"((uint16_t)MNEMO_DEBUG_EXIT_PORT));
	for (;;)
		;
}

static void print_world(const char *when)
{
	const volatile L4_Word_t *c1 = (const volatile L4_Word_t *)rec_find(tid[ROLE_C1], DATA)->page;
	const volatile L4_Word_t *w = (const volatile L4_Word_t *)rec_find(tid[ROLE_W], DATA)->page;
	const struct rec *q0 = rec_find(tid[ROLE_P], DATA + PAGE);
	printf("persist: %s: counter 1 at %llu, writer: %llu records in set %llu (%llu sets verified), "
	       "client page 0 at %llu\n",
	       when, (unsigned long long)c1[0], (unsigned long long)w[0], (unsigned long long)w[2],
	       (unsigned long long)w[3], q0 ? (unsigned long long)((const volatile L4_Word_t *)q0->page)[0] : 0ull);
}

/* ---- make bench: deterministic figures of the checkpoint ----------------------------------------- */

static void bench_line(const char *name, const char *unit, L4_Word_t v)
{
	printf("BENCH name=%s unit=%s value=%llu.00 reps=1 spread=0.00 min=%llu.00 max=%llu.00\n", name, unit,
	       (unsigned long long)v, (unsigned long long)v, (unsigned long long)v);
}

/* The filler writes n pages with v (its faults served meanwhile). */
static bool fill(L4_Word_t n, L4_Word_t v)
{
	L4_Set_MsgTag(msg_tag(LABEL_FILL, 2, 0));
	L4_LoadMR(1, n);
	L4_LoadMR(2, v);
	if (L4_IpcFailed(L4_Send_Timeout(tid[ROLE_B], L4_TimePeriod(10000000))))
		return false;
	filled = false;
	while (!filled)
		serve(in_us(1000000));
	return true;
}

/*
 * One task, the filler, and nothing else that moves: the pause of a checkpoint
 * against the resident pages (no disk yet: disk I/O would make guest time, and
 * so the timer's interrupts, depend on the host), then the bytes a commit
 * writes against the pages dirtied (counts, so the disk may be used).
 */
static __attribute__((noreturn)) void bench_main(void)
{
	printf("bench_persist: the checkpoint's pause and writes; guest instructions under -icount\n");
	bench_mode = true;
	memset(&meta, 0, sizeof meta);
	struct rec *r = task_create(tid[ROLE_B], r_tid, 12) ? rec_new(tid[ROLE_B], STACK_TOP - PAGE) : NULL;
	if (!r)
		finish(false);
	((L4_Word_t *)(r->page + PAGE))[PARAM_PAGER] = r_tid.raw;
	if (!start(ROLE_B, filler_main))
		finish(false);
	filled = false;
	while (!filled)
		serve(in_us(1000000));
	static const L4_Word_t sizes[] = {32, 64, 128, 256, 512, 960};
	char name[48];
	for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		if (!fill(sizes[i], i + 1) || !stop_and_scan_bench())
			finish(false);
		snprintf(name, sizeof name, "persist.pause.resident%llu", (unsigned long long)meta.next_page);
		bench_line(name, "instructions", pause_instr);
	}
	if (disk_open() != DISK_OK && disk_format()) {
		printf("bench_persist: no disk\n");
		finish(false);
	}
	static const L4_Word_t dirtied[] = {960, 1, 8, 64, 512};
	for (unsigned i = 0; i < sizeof dirtied / sizeof dirtied[0]; i++) {
		if (!fill(dirtied[i], 100 + i) || !checkpoint())
			finish(false);
		snprintf(name, sizeof name, "persist.write.dirty%llu", (unsigned long long)last_dirty);
		bench_line(name, "bytes", disk_last_commit_sectors() * 512);
	}
	printf("BENCH-DONE\n");
	finish(true);
}

int main(void)
{
	const char *c = task_module_cmdline("persist");
	bool fresh = strstr(c, " fresh") != NULL;
	L4_Word_t steps = arg_num(c, "steps=", 3);
	crash_at = arg_num(c, "crash=", 0);
	ckpt_us = arg_num(c, "interval=", CKPT_US);
	demo = strstr(c, " demo") != NULL;
	if (strstr(c, " bench")) {
		r_tid = L4_Myself();
		for (int k = 0; k < NROLES; k++)
			tid[k] = L4_GlobalId(L4_ThreadNo(r_tid) + 1 + k, 1);
		bench_main();
	}
	r_tid = L4_Myself();
	for (int k = 0; k < NROLES; k++)
		tid[k] = L4_GlobalId(L4_ThreadNo(r_tid) + 1 + k, 1);
	printf("persist: the checkpointing root pager (%s)\n", c);
	L4_Word_t t_boot = rdtsc();
	int e = disk_open();
	bool restored_boot = e == DISK_OK && disk_seq() && !fresh;
	if (restored_boot) {
		if (!restore_world()) {
			if (other_build) {
				printf("persist: the disk holds no checkpoint I can read: a checkpoint of another "
				       "build of "
				       "this world (its tasks' code differs)\n");
				printf("persist: not touching it; boot with `fresh` to start a new world on it\n");
				finish(true);
			}
			printf("persist: restore failed\n");
			finish(false);
		}
		printf("persist: restored seq=%llu digest=%016llx counter=%llu\n", (unsigned long long)meta.seq,
		       (unsigned long long)digest(&meta), (unsigned long long)meta.counter);
		print_world("restored");
	} else {
		if (e == DISK_OK && disk_seq()) /* `fresh` over a checkpoint: the user asked for it */
			printf("persist: `fresh`: a new world over checkpoint seq=%llu\n",
			       (unsigned long long)disk_seq());
		if (e != DISK_OK || disk_seq()) {
			if (e != DISK_OK)
				printf("persist: the disk holds no checkpoint I can read: %s\n", disk_error(e));
			if (!fresh) {
				printf("persist: not touching it; boot with `fresh` to start a new world on it\n");
				finish(true);
			}
			if (disk_format()) {
				printf("persist: cannot format the disk\n");
				finish(false);
			}
		}
		if (!fresh_world()) {
			printf("persist: cannot create the world\n");
			finish(false);
		}
		printf("persist: a new world\n");
	}
	halt_all(false);
	if (restored_boot) /* make bench: from the root task's first instruction; the kernel's boot is before it */
		printf("BENCH name=persist.restart.to_first_resume unit=instructions value=%llu.00 reps=1 spread=0.00 "
		       "min=0 max=0\n",
		       (unsigned long long)(rdtsc() - t_boot));
	for (L4_Word_t done = 0; done < steps;) {
		serve(in_us(ckpt_us));
		if (checkpoint())
			done++;
		if (demo)
			print_world("checkpointed");
	}
	halt_all(true);
	print_world("stopped");
	printf("persist: %llu disk writes\n", (unsigned long long)writes);
	if (restored_recs)
		printf(
		    "persist: %llu first accesses after the restart were served by mappings rebuilt from the records\n",
		    (unsigned long long)rebuilt);
	printf("persist: %u errors, %u broken invariants reported\n", errors, broken_reports);
	finish(!errors && !broken_reports);
}
