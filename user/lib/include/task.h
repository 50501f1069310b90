/* SPDX-License-Identifier: MIT */
/* Helpers of root tasks: a thread in a new address space, our module's command line. */
#ifndef USER_TASK_H
#define USER_TASK_H

#include <stdbool.h>
#include <l4/thread.h>

/* Where root servers put the KIP and the UTCB area in the spaces they make (as on Pistachio). */
#define TASK_KIP_AREA 0xBFF00000ull
#define TASK_UTCB_AREA 0xBF000000ull

/* Creates thread t in a new space (KIP at TASK_KIP_AREA, a UTCB area of
 * 2^utcb_log2 bytes at TASK_UTCB_AREA) with the caller as scheduler and the
 * given pager; its UTCB is the area's first. It then waits for its start
 * message from the pager. False (ErrorCode says why) if a step fails. */
bool task_create(L4_ThreadId_t t, L4_ThreadId_t pager, unsigned utcb_log2);

/* One call to the kernel's thread-state service (include/mnemo/thread_state.h):
 * request op on thread t, part, nin input words; the reply's words go to out
 * (if not NULL). Returns the reply's label (0 or MNEMO_STATE_E*), ~0 if the
 * IPC failed. */
L4_Word_t task_state_call(unsigned op, L4_ThreadId_t t, L4_Word_t part, const L4_Word_t *in, unsigned nin,
			  L4_Word_t *out);

/* Our boot module's command line: the first module whose file name contains
 * `name` ("" if none). The bootinfo lies in memory sigma0 maps idempotently. */
const char *task_module_cmdline(const char *name);

#endif
