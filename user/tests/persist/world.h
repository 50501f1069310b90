/* SPDX-License-Identifier: MIT */
/* The persistent world: its tasks, their memory layout and the checks they make of themselves. */
#ifndef PERSIST_WORLD_H
#define PERSIST_WORLD_H

#include <stdbool.h>
#include <l4/ipc.h>
#include <x2msg.h>

/*
 * Every task runs the root task's image (text and read-only data, mapped
 * read-only: a task that writes the image is caught) with its memory from the
 * checkpointing pager's pool: its data at DATA, its stack below STACK_TOP. The
 * words at the top of the stack page are its parameters (written by the pager
 * before the start message), so a task needs no global variable at all.
 */
#define PAGE 4096ul
#define DATA 0x60000000ul
#define STACK_TOP 0x70002000ul
#define STACK_PAGES 2
#define QREG 0x50000000ul /* the client's pages, mapped by its pager P */
#define Q_PAGES 8
#define P_Q_STACK (DATA + (1 + Q_PAGES) * PAGE) /* P's pages behind Q's stack */
#define W_SLOTS_PAGES 4 /* the writer's data set */
#define W_SLOTS (W_SLOTS_PAGES * 512)
#define BALLAST_MAX 256 /* pages the ballast task touches in the end */

/* Roles; the thread of role k is the root task's number + 1 + k. */
enum role { ROLE_C1, ROLE_C2, ROLE_W, ROLE_P, ROLE_Q, ROLE_B, NROLES };

/* A task reports a broken invariant of its own to the pager (label, MR1 what, MR2 value). */
#define LABEL_BROKEN 0x66
enum broken { BROKEN_COUNTER = 1, BROKEN_WRITER, BROKEN_CLIENT, BROKEN_PAGER };

/* Parameters at the top of a task's stack page (words below STACK_TOP). */
#define PARAM_PAGER (-1) /* whom it reports to */
#define PARAM_PEER (-2) /* P: its client Q */
#define PARAM_STEP (-3) /* B: pages per round */
#define PARAM_WORDS 4

void counter_main(void);
void writer_main(void);
void pager_main(void);
void client_main(void);
void ballast_main(void);
void filler_main(void);
#define FILL_MAX 1000 /* pages the bench's filler may write */
#define LABEL_FILL 0x67 /* R -> filler: MR1 pages, MR2 value; the filler answers when done */

static inline L4_Word_t param(int i) { return ((volatile L4_Word_t *)STACK_TOP)[i]; }

static inline L4_Word_t mix64(L4_Word_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ull;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dull;
	return x ^ (x >> 33);
}

#endif
