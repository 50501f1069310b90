/* SPDX-License-Identifier: MIT */
/* mnemo's trace buffer for privileged user tasks: the record layout and the KDB call that copies records out (docs/kernel.md). */
#ifndef MNEMO_TRACE_H
#define MNEMO_TRACE_H

#include <l4/types.h>

/* One record, as the kernel keeps it (kern/trace.h): 48 bytes. */
struct mnemo_trace_record {
	l4_word_t tsc; /* the TSC when it was written (instructions under -icount) */
	l4_threadid_t thread; /* the thread running then (0: none) */
	l4_word_t type; /* MNEMO_TRACE_* */
	l4_word_t a, b, c; /* per type: see docs/kernel.md */
};

enum {
	MNEMO_TRACE_IPC = 1, /* a = to, b = from specifier, c = MR0 */
	MNEMO_TRACE_PAGEFAULT, /* a = address, b = rip, c = error code */
	MNEMO_TRACE_PF_IPC, /* a = address, b = ip, c = access */
	MNEMO_TRACE_MAP, /* a = send fpage, b = receive window, c = to's space | from's << 24 | grant << 48 */
	MNEMO_TRACE_UNMAP, /* a = fpage, b = flush, c = space id */
	MNEMO_TRACE_KMEM, /* a = MNEMO_TRACE_KMEM_*, b and c by kind */
	MNEMO_TRACE_STATE, /* thread-state service: a = request & 0xff, b = thread, c = part | result << 8 */
	MNEMO_TRACE_NTYPES
};
enum {
	MNEMO_TRACE_KMEM_REQUEST, /* b pages wanted, c free slots */
	MNEMO_TRACE_KMEM_REVOKED, /* b paddr of the page, c live nodes on it */
	MNEMO_TRACE_KMEM_LENT, /* b paddr of the page, c pages lent now */
	MNEMO_TRACE_KMEM_EVICTED, /* b paddr of the page, c mappings evicted to empty it */
	MNEMO_TRACE_KMEM_RECLAIM, /* b space id, c mappings evicted */
};

#define MNEMO_TRACE_REFUSED ((l4_word_t)-1) /* the caller is not a root server's thread */
#define MNEMO_TRACE_BADBUF ((l4_word_t)-2) /* the buffer could not be written */

struct mnemo_trace_read {
	l4_word_t copied; /* records copied, or MNEMO_TRACE_REFUSED / MNEMO_TRACE_BADBUF */
	l4_word_t first; /* sequence number of buf[0] (later than seq if those were overwritten) */
	l4_word_t next; /* the sequence number the kernel writes next (records since boot) */
	l4_word_t on; /* whether tracing is on (kernel option `trace`) */
};

/*
 * `int3; cmpb $0x41, %al`: copies up to max records with sequence numbers from
 * seq on into buf. Only threads of sigma0's and the root task's spaces (the X.2
 * privileged threads) may call it; others get MNEMO_TRACE_REFUSED and nothing.
 * In: RAX buf, RCX max, RDX seq. Out: RAX copied, RDX first, RCX next, RSI on.
 */
static inline struct mnemo_trace_read mnemo_trace_read(struct mnemo_trace_record *buf, l4_word_t max, l4_word_t seq)
{
	struct mnemo_trace_read r;
	__asm__ volatile("int3; cmpb $0x41, %%al"
			 : "=a"(r.copied), "=d"(r.first), "=c"(r.next), "=S"(r.on)
			 : "a"(buf), "c"(max), "d"(seq)
			 : "memory");
	return r;
}

#endif
