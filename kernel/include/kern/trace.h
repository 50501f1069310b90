/* SPDX-License-Identifier: MIT */
/* The trace buffer: a fixed-size ring of kernel events with a TSC stamp (kernel/debug/trace.c). */
#ifndef KERN_TRACE_H
#define KERN_TRACE_H

#include <kern/types.h>

/*
 * Off unless the kernel command line has `trace`: a trace point then costs one
 * load and one branch. The first event resolves the option (trace_state starts
 * "undecided" and trace_record() settles it), so no boot hook is needed.
 * Records are overwritten oldest first; `trace` in the kernel debugger dumps them.
 */
enum trace_type {
	TRACE_IPC = 1, /* sys_ipc: a = to, b = from specifier, c = MR0 (tag) */
	TRACE_PAGEFAULT, /* user page fault: a = address, b = rip, c = error code */
	TRACE_PF_IPC, /* page-fault IPC to the pager: a = address, b = ip, c = access */
	TRACE_MAP, /* map/grant item: a = send fpage, b = receive window, c = to's space id | from's << 24 | grant << 48 */
	TRACE_UNMAP, /* unmap of one fpage: a = fpage, b = flush, c = space id */
	TRACE_KMEM, /* kernel memory: a = enum trace_kmem, b and c as said there */
	TRACE_STATE, /* thread-state service (a checkpoint's phases as the kernel sees them): a = request
			(MNEMO_STATE_HALT/GET/SET), b = thread, c = part (HALT: 1 halt, 0 resume) | result << 8 */
	TRACE_NTYPES
};

/* The kinds of TRACE_KMEM records (argument a). */
enum trace_kmem {
	TRACE_KMEM_REQUEST, /* a thread asks the kmem pager: b pages wanted, c free slots */
	TRACE_KMEM_REVOKED, /* a lent page is taken back: b its paddr, c live nodes on it */
	TRACE_KMEM_LENT, /* the pager lends a page: b its paddr, c lent pages now */
	TRACE_KMEM_EVICTED, /* a revoked page is empty: b its paddr, c mappings evicted to empty it */
	TRACE_KMEM_RECLAIM, /* a reclaim turn evicted mappings: b the space id, c how many */
};

#define TRACE_RECORDS 4096u

struct trace_record {
	uint64_t tsc;
	l4_threadid_t thread; /* the current thread's global ID (0: none) */
	word_t type;
	word_t a, b, c;
};

/* 0: off, 1: on, 2: undecided (the command line is read at the first event). */
extern volatile uint8_t trace_state;

void trace_record(unsigned type, word_t a, word_t b, word_t c);
/* Whether tracing is on (settles an undecided state). */
bool trace_enabled(void);
/* Records written since boot (the ring holds the last TRACE_RECORDS of them). */
word_t trace_count(void);
/* The record with sequence number seq (< trace_count(), and among the last
 * TRACE_RECORDS); false if it has been overwritten or not written. */
bool trace_get(word_t seq, struct trace_record *out);
const char *trace_type_name(word_t type);
/* The sequence number of the oldest record still in the ring. */
word_t trace_oldest(void);

#ifdef MNEMO_HOST
/* Host tests build kernel/core without the debug directory: no tracing. */
#define trace_event(type, a, b, c) \
	do { \
		if (0) { \
			(void)(a); \
			(void)(b); \
			(void)(c); \
		} \
	} while (0)
#else
#define trace_event(type, a, b, c) \
	do { \
		if (__builtin_expect(trace_state != 0, 0)) \
			trace_record((type), (word_t)(a), (word_t)(b), (word_t)(c)); \
	} while (0)
#endif

#endif
