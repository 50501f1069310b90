/* SPDX-License-Identifier: MIT */
/* ThreadControl, SpaceControl, ExchangeRegisters and Schedule: the arch-independent parts. */
#ifndef KERN_THREAD_CONTROL_H
#define KERN_THREAD_CONTROL_H

#include <kern/types.h>

struct tcb;

/* X.2 error codes of the privileged system calls (UTCB ErrorCode). */
enum tc_error {
	TC_ERR_NO_PRIVILEGE = 1,
	TC_ERR_INVALID_THREAD = 2,
	TC_ERR_INVALID_SPACE = 3,
	TC_ERR_INVALID_SCHEDULER = 4,
	TC_ERR_INVALID_PARAM = 5,
	TC_ERR_UTCB_AREA = 6,
	TC_ERR_KIP_AREA = 7,
	TC_ERR_NO_MEMORY = 8,
};

/* Each returns 1 on success, 0 with *error set (ABI §5.5, §5.6, §5.7). */
word_t thread_control(l4_threadid_t dest, l4_threadid_t space_spec, l4_threadid_t scheduler, l4_threadid_t pager,
		      word_t utcb_location, word_t *error);
word_t space_control(l4_threadid_t space_spec, word_t control, l4_fpage_t kip_area, l4_fpage_t utcb_area,
		     l4_threadid_t redirector, word_t *old_control, word_t *error);
/* Returns the X.2 thread-state result (0 error, 1 dead, 2 inactive, 3 running,
 * 4 pending send, 5 sending, 6 waiting to receive, 7 receiving). */
word_t schedule_control(l4_threadid_t dest, word_t prio, word_t time_control, word_t proc_control,
			word_t preempt_control, word_t *old_time_control, word_t *error);

/* ExchangeRegisters (ABI §5.4): the register values travel in this record. */
struct exregs {
	word_t control, sp, ip, flags, user_handle;
	l4_threadid_t pager;
};
#define EXREGS_HALT (1u << 0)
#define EXREGS_ABORT_RECV (1u << 1)
#define EXREGS_ABORT_SEND (1u << 2)
#define EXREGS_SET_SP (1u << 3)
#define EXREGS_SET_IP (1u << 4)
#define EXREGS_SET_FLAGS (1u << 5)
#define EXREGS_SET_HANDLE (1u << 6)
#define EXREGS_SET_PAGER (1u << 7)
#define EXREGS_APPLY_HALT (1u << 8)
#define EXREGS_DELIVER (1u << 9)

/* Returns the thread (NULL: invalid) and replaces *r by its old values. */
struct tcb *exchange_registers(l4_threadid_t dest, struct exregs *r, l4_threadid_t *result_id);

/* The first thing a new thread does in the kernel: take its start message. */
void thread_startup(void);

#endif
