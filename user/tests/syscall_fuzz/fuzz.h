/* SPDX-License-Identifier: MIT */
/* The system-call fuzzer: what the root task, the fuzzer thread and the victims share. */
#ifndef SYSCALL_FUZZ_H
#define SYSCALL_FUZZ_H

#include <l4/types.h>

/* Every space the root task creates has the root task's layout: the image at the
 * link address (paged from the root task's own pages), the KIP and a 16-UTCB area
 * where the root task has them, and a window region where map and grant items land. */
#define UTCB_AREA 0xBF000000ull
#define UTCB_AREA_LOG2 14
#define KIP_AREA 0xBFF00000ull
#define WINDOW_REGION 0x40000000ull /* [1 GiB, 2 GiB): receive windows only */
#define WINDOW_REGION_LOG2 30
#define VICTIM_WINDOW_LOG2 28

/* Message labels between the fuzzer and the root task. */
#define LABEL_PROGRESS 0x7101
#define LABEL_DONE 0x7102
#define LABEL_SANITY 0x7103

/* All general registers of a raw call (raw.S knows these offsets); flags are the
 * RFLAGS bits loaded with popf before the call and read back after it. */
struct fuzz_regs {
	l4_word_t rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15, rbp, flags;
};
void fuzz_raw_call(struct fuzz_regs *r, l4_word_t stub);
void fuzz_raw_trap(struct fuzz_regs *r, unsigned kind);
int fuzz_self_jump(l4_threadid_t self, l4_word_t control, l4_word_t flags, l4_word_t stub);

enum fuzz_op {
	OP_IPC,
	OP_LIPC,
	OP_CALL_VICTIM,
	OP_UNMAP,
	OP_EXREGS,
	OP_EXREGS_SELF,
	OP_SELF_JUMP,
	OP_THREAD_CONTROL,
	OP_SPACE_CONTROL,
	OP_SCHEDULE,
	OP_PROCESSOR_CONTROL,
	OP_MEMORY_CONTROL,
	OP_THREAD_SWITCH,
	OP_SYSTEM_CLOCK,
	OP_KERNEL_INTERFACE,
	OP_KDB,
	OP_UTCB_GARBAGE,
	OP_RAW,
	OP_COUNT
};
extern const char *const fuzz_op_names[OP_COUNT];

#define MAX_FINDINGS 8
/* Written by the fuzzer and the victims, read by the root task (the image's pages
 * are shared: every space is paged with the root task's own frames). */
struct fuzz_shared {
	/* set by the root task before the start */
	l4_word_t seed, calls, report_every, trace_from, trace_to, crash_budget;
	l4_threadid_t root, sigma0, fuzzer, local_victim, echo, lazy;
	/* progress */
	volatile l4_word_t index; /* the call being made */
	volatile unsigned op; /* its kind */
	volatile l4_word_t op_count[OP_COUNT];
	volatile l4_word_t op_time_us[OP_COUNT]; /* with the page faults they cause */
	volatile l4_word_t ipc_ok, ipc_err, map_items, victim_restarts, victim_crashes, self_jumps;
	volatile l4_word_t echo_replies, lazy_rounds, kdb_prints;
	/* checks of the ABI contract that failed: a kernel bug, reported at the end */
	volatile unsigned findings;
	struct {
		l4_word_t index;
		unsigned op;
		char text[96];
	} finding[MAX_FINDINGS];
	/* the pager's view */
	volatile l4_word_t faults, foreign_faults, refused_faults, last_refused;
};
extern struct fuzz_shared fz;

/* The three thread bodies the root task starts in the new spaces. */
void fuzzer_main(void);
void echo_main(void);
void lazy_main(void);
void local_victim_main(void);
l4_word_t local_victim_stack_top(void);

/* xorshift64* */
static inline l4_word_t rng_next(l4_word_t *s)
{
	l4_word_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

extern char _start[], _end[];
#define IMAGE_START ((l4_word_t)_start & ~0xfffull) /* crt0's entry opens the image */
#define IMAGE_END ((l4_word_t)_end)

#endif
