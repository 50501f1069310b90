/* SPDX-License-Identifier: MIT */
/* The kernel-memory pager: lends pages of its pool to the kernel and takes them back (docs/kmem.md). */
#ifndef USER_KMEM_PAGER_H
#define USER_KMEM_PAGER_H

#include <stdint.h>
#include <stdbool.h>
#include <l4/types.h>

#define KMEM_PAGER_MAX_PAGES 4096

/* Commands the pager takes from its `boss` (a call; the reply carries results). */
enum {
	KMEM_PAGER_PRESSURE = 0x6b10, /* revoke MR2 random lent pages every MR1 microseconds (MR1 0: never) */
	KMEM_PAGER_QUOTA, /* MR1 thread, MR2 node quota, MR3 pin quota -> MR1 error word (0: done) */
	KMEM_PAGER_STATS, /* -> MR1 lent, MR2 requests, MR3 pages refused, MR4 revoked */
	KMEM_PAGER_REVOKE_ALL, /* takes every lent page back -> MR1 pages taken */
};

/*
 * The pool is `pages` pages at `pool` in the pager's space, each mapped (at
 * least readable) before the pager is associated: once it is, a page fault of
 * the pager would wait for a pager that may itself wait for kernel memory.
 * state[i] says whether page i is lent. Everything lives in this struct and on
 * the pager's stack.
 */
struct kmem_pager {
	L4_Word_t pool;
	unsigned pages;
	L4_ThreadId_t boss;
	L4_Word_t revoke_every_us; /* 0: no pressure */
	unsigned revoke_batch; /* pages taken back each time */
	uint64_t rng;
	unsigned lent, requests, refused, revoked;
	uint8_t state[KMEM_PAGER_MAX_PAGES];
};

/* Reads every pool page once (so it is mapped) and resets the state. */
void kmem_pager_prepare(struct kmem_pager *kp);
/* Reads one word of every page of [lo, hi): what the pager will touch besides its
 * pool (its code, data and stack) is mapped before it is associated. */
void kmem_pager_touch(L4_Word_t lo, L4_Word_t hi);
/* The pager's loop: answers the kernel's requests, the boss's commands, and
 * under pressure revokes random lent pages. Never returns. */
__attribute__((noreturn)) void kmem_pager_loop(struct kmem_pager *kp);
/* The boss's side: one command, results in res[0..3]; false if the call failed. */
bool kmem_pager_command(L4_ThreadId_t kp, unsigned cmd, L4_Word_t a1, L4_Word_t a2, L4_Word_t a3, L4_Word_t res[4]);

#endif
