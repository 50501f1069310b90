/* SPDX-License-Identifier: MIT */
/* The trace buffer: a ring of the last TRACE_RECORDS kernel events, on with the `trace` option. */
#include <kern/trace.h>
#include <kern/thread.h>
#include <kern/kip.h>
#include <arch/cpu.h>
#include <mnemo/trace.h>

/* The user-visible record (include/mnemo/trace.h) is the kernel's, copied as it is. */
_Static_assert(sizeof(struct trace_record) == sizeof(struct mnemo_trace_record), "trace record layout");
_Static_assert((int)TRACE_NTYPES == (int)MNEMO_TRACE_NTYPES, "trace types");

volatile uint8_t trace_state = 2; /* undecided until the first event or query */

static struct trace_record ring[TRACE_RECORDS];
static word_t written; /* sequence number of the next record */

bool trace_enabled(void)
{
	if (trace_state == 2)
		trace_state = kip_cmdline_has("trace") ? 1 : 0;
	return trace_state == 1;
}

/* The kernel runs with interrupts off (one CPU, not preemptible): no locking. */
void trace_record(unsigned type, word_t a, word_t b, word_t c)
{
	if (!trace_enabled())
		return;
	struct trace_record *r = &ring[written % TRACE_RECORDS];
	r->tsc = rdtsc();
	r->thread = current ? current->id : L4_NILTHREAD;
	r->type = type;
	r->a = a;
	r->b = b;
	r->c = c;
	written++;
}

word_t trace_count(void) { return written; }

word_t trace_oldest(void) { return written > TRACE_RECORDS ? written - TRACE_RECORDS : 0; }

bool trace_get(word_t seq, struct trace_record *out)
{
	if (seq >= written || written - seq > TRACE_RECORDS)
		return false;
	*out = ring[seq % TRACE_RECORDS];
	return true;
}

const char *trace_type_name(word_t type)
{
	static const char *const names[TRACE_NTYPES] = {
	    [TRACE_IPC] = "ipc",     [TRACE_PAGEFAULT] = "pagefault", [TRACE_PF_IPC] = "pf-ipc", [TRACE_MAP] = "map",
	    [TRACE_UNMAP] = "unmap", [TRACE_KMEM] = "kmem",	      [TRACE_STATE] = "state",
	};
	return type < TRACE_NTYPES && names[type] ? names[type] : "?";
}
