/* SPDX-License-Identifier: MIT */
/* The pager-hierarchy world: tasks A and B, their pagers A' and B', B's local pager LB, driven by R (X.2 interface only). */
#ifndef PAGER_HIER_WORLD_H
#define PAGER_HIER_WORLD_H

#include <pager.h>

/* Addresses (the same in every space unless said otherwise). */
#define PAGE 4096ul
/* R: pages it hands to A' and B', at their physical address: R's own fault (to
 * sigma0) brings one back if the kernel evicted R's mapping of it. */
#define R_POOL 0x3000000ul
#define KP_POOL 0x3800000ul /* the kmem pager's pool (pager.evicted), also physical */
#define KP_POOL_PAGES 128
#define AREA 0x20000000ul /* a task's record area: AREA_PAGES pages from its pager */
#define AREA_AT_PAGER 0x21000000ul /* where the pager keeps that area in its own space */
#define AREA_PAGES 3 /* 0: the task's accept log, 1: its handout log, 2: its pager's handouts to it */
#define XA 0x40000000ul /* A's scenario pages, one per test slot */
#define YB 0x48000000ul /* where B accepts them */
#define BB 0x4c000000ul /* B's pages that B' backs itself */
#define AP_PAGES 0x50000000ul /* A''s pages from R */
#define BP_PAGES 0x58000000ul /* B''s pages from R */
#define BP_LAND 0x80000000ul /* B''s landing window for pages it fetches for B */
#define PGR_TIMEOUT_US 2000000 /* any request between pagers, sources and servers: 2 s */

enum role { AP, A, BP, B, LB, NROLES };

enum {
	CMD_SETUP = 0x40, /* pagers: get the area pages and record them; tasks: format their tables */
	CMD_GIVE, /* A', B': a1 client address, a2 flags, a3 seed: a page from R, filled, recorded */
	CMD_REVOKE, /* A', B': a1 client address: Unmap our page behind it (records stay) */
	CMD_POLICY, /* LB, B': a1 policy */
	CMD_STATS, /* pagers: a1 path -> count */
	CMD_READ, /* A, B: a1 address -> value */
	CMD_WRITE, /* B: a1 address, a2 value */
	CMD_TIME, /* A, B: a1 address -> value, instructions (rdtsc) of the access */
	CMD_MAP, /* A: a1 xa, a2 to, a3 yb | rights (0: all): map xa to `to` at yb with records */
	CMD_ACCEPT, /* B: a1 from, a2 yb: accept one map item, record it -> record words */
	CMD_WILLING, /* A: a1 1 answer remap requests, 0 refuse them, 2 never answer them */
	CMD_UNMAP, /* A: a1 address: revoke from whoever A mapped it to (A keeps it) */
	CMD_REMAPS, /* A: -> remap requests served, refused */
	CMD_FORGET, /* A: a1 to, a2 yb: revoke the handout and drop its record */
	RES_OK = 0x50,
	RES_ERR,
	RES_RECOVERED, /* B: resumed by its exception handler after a lost mapping */
	LABEL_HELLO = 0x58,
	LABEL_GIVE = 0x59, /* to R: a1 our address, a2 flags -> u1 R's address, map item */
};

#define PAT(seed, i) (0x9a6e000000000000ul | ((L4_Word_t)(seed) << 32) | (L4_Word_t)(i))

extern L4_ThreadId_t r_tid, tids[NROLES];
extern const char *const role_name[NROLES];
extern volatile bool pgr_quiet; /* the bench: no console output on the timed paths */

void ap_main(void);
void a_main(void);
void bp_main(void);
void b_main(void);
void lb_main(void);
void b_recover(void);
L4_Word_t b_stack_top(void);

/* The commands' words: a thread ID travels as its raw word (X.2's ThreadId_t.raw). */
static inline L4_ThreadId_t tid_of(L4_Word_t w) { return (L4_ThreadId_t){.raw = w}; }

static inline L4_Word_t rdtsc(void)
{
	unsigned lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((L4_Word_t)hi << 32) | lo;
}

#endif
