/* SPDX-License-Identifier: MIT */
/* The thread-state suite: halt, export, delete, re-create and restore threads, in computation, in IPC and with SSE state. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/schedule.h>
#include <mnemo/thread_state.h>
#include <mnemo/trace.h>
#include <task.h>
#include <x2msg.h>

/*
 * R (the root task) makes one space S running R's image, paged by R, with a
 * keeper thread (so that S lives while the tested thread is deleted) and the
 * tested thread T. Each test drives T somewhere, halts it, exports its state,
 * deletes T, creates T again under the same ID in S, restores the state and
 * resumes it: T must go on as if nothing happened. This is what the
 * checkpointing pager does across a restart (there the memory comes back from
 * disk; here it never went away).
 */

#define UTCB_AREA TASK_UTCB_AREA
#define PAGE 4096ul
#define STACK_WORDS 2048
#define R_TIMEOUT_US 10000000

enum { KEEPER, T_IDX, NKIDS };
enum { CMD_SPIN = 0x40, CMD_WAIT, CMD_CALL, CMD_SSE, RES_READY = 0x50, RES_DONE };

static L4_ThreadId_t r_tid, kid[NKIDS];
static L4_Word_t stacks[NKIDS][STACK_WORDS] __attribute__((aligned(PAGE)));
static volatile L4_Word_t spin_count; /* T's progress, written by T only */
extern char _start[], _end[];

/* ---- the threads in S ---- */

static void keeper_main(void)
{
	L4_Set_MsgTag(msg_tag(RES_READY, 0, 0));
	L4_Send(r_tid);
	L4_Sleep(L4_Never);
}

static void t_main(void)
{
	L4_Set_MsgTag(msg_tag(RES_READY, 0, 0));
	for (;;) {
		L4_MsgTag_t tag = L4_Call(r_tid);
		L4_Word_t a1 = msg_mr(1), a2 = msg_mr(2), out = 0;
		switch (L4_Label(tag)) {
		case CMD_SPIN: /* count until a1, in registers as much as the compiler likes */
			while (spin_count < a1)
				spin_count = spin_count + 1;
			out = spin_count;
			break;
		case CMD_WAIT: { /* receive one word from R, answer it + 1 */
			L4_MsgTag_t t2 = L4_Receive(r_tid);
			out = L4_IpcFailed(t2) ? ~0ul : msg_mr(1) + 1;
			break;
		}
		case CMD_CALL: { /* a call to R: R answers it after the restore */
			L4_Set_MsgTag(msg_tag(0x77, 1, 0));
			L4_LoadMR(1, a1);
			L4_MsgTag_t t2 = L4_Call(r_tid);
			out = L4_IpcFailed(t2) ? ~0ul : msg_mr(1);
			break;
		}
		case CMD_SSE: { /* a pattern in xmm7 across a long spin (to a2), then read back */
			L4_Word_t lo = a1, hi = ~a1, got_lo, got_hi;
			/* SSE2 only (QEMU's qemu64 has no SSE4.1): xmm7 = hi:lo */
			__asm__ volatile("movq %0, %%xmm7; movq %1, %%xmm6; punpcklqdq %%xmm6, %%xmm7"
					 :
					 : "r"(lo), "r"(hi)
					 : "xmm6", "xmm7");
			while (spin_count < a2)
				spin_count = spin_count + 1;
			__asm__ volatile("movq %%xmm7, %0; pshufd $0xee, %%xmm7, %%xmm6; movq %%xmm6, %1"
					 : "=r"(got_lo), "=r"(got_hi)
					 :
					 : "xmm6");
			out = got_lo == lo && got_hi == hi;
			break;
		}
		default: break;
		}
		L4_Set_MsgTag(msg_tag(RES_DONE, 1, 0));
		L4_LoadMR(1, out);
	}
}

/* ---- R ---- */

static L4_Word_t res[4];

/* Answers a fault at addr with R's page there (R's image: all S maps). */
static void reply_map(L4_ThreadId_t to, L4_Word_t addr)
{
	(void)*(volatile char *)addr;
	L4_MapItem_t item = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(addr, 12), L4_FullyAccessible), addr);
	L4_Set_MsgTag(msg_tag(0, 0, 2));
	L4_LoadMR(1, item.raw[0]);
	L4_LoadMR(2, item.raw[1]);
	L4_Reply(to);
}

/* Serves S's page faults with R's pages until T (or whoever) sends a message. */
static bool r_wait(L4_ThreadId_t *from_out, L4_MsgTag_t *tag_out)
{
	for (;;) {
		L4_ThreadId_t from;
		L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(R_TIMEOUT_US), &from);
		if (L4_IpcFailed(tag))
			return false;
		if (msg_is_pagefault(tag)) {
			L4_Word_t addr = msg_mr(1) & ~(PAGE - 1);
			if (addr < ((L4_Word_t)_start & ~(PAGE - 1)) || addr >= (L4_Word_t)_end)
				return false;
			reply_map(from, addr);
			continue;
		}
		L4_StoreMRs(0, 4, res);
		*from_out = from;
		*tag_out = tag;
		return true;
	}
}

/* Lets the children run for `us` microseconds while R serves their faults. */
static void r_pause(L4_Word_t us)
{
	L4_Clock_t end = L4_ClockAddUsec(L4_SystemClock(), us);
	for (L4_Clock_t now; L4_IsClockEarlier(now = L4_SystemClock(), end);) {
		L4_ThreadId_t from;
		L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(end.raw - now.raw), &from);
		if (L4_IpcFailed(tag) || !msg_is_pagefault(tag))
			continue;
		reply_map(from, msg_mr(1) & ~(PAGE - 1));
	}
}

/* Waits for a message from t with label `label`. */
static bool r_expect(L4_ThreadId_t t, unsigned label)
{
	L4_ThreadId_t from;
	L4_MsgTag_t tag;
	return r_wait(&from, &tag) && L4_IsThreadEqual(from, t) && L4_Label(tag) == label;
}

static bool r_send(L4_ThreadId_t t, unsigned label, L4_Word_t a1, L4_Word_t a2)
{
	L4_Set_MsgTag(msg_tag(label, 2, 0));
	L4_LoadMR(1, a1);
	L4_LoadMR(2, a2);
	return L4_IpcSucceeded(L4_Send_Timeout(t, L4_TimePeriod(R_TIMEOUT_US)));
}

static bool create_in_s(int k, bool new_space)
{
	L4_ThreadId_t t = kid[k], me = r_tid;
	if (new_space)
		return task_create(t, me, 14);
	return L4_ThreadControl(t, kid[KEEPER], me, me, (void *)(UTCB_AREA + (L4_Word_t)k * 1024)) == 1;
}

/* The start message (X.2 §2.4 ThreadControl: MR1 ip, MR2 sp); kid k answers RES_READY. */
static bool start(int k, void (*fn)(void))
{
	L4_Set_MsgTag(msg_tag(0, 2, 0));
	L4_LoadMR(1, (L4_Word_t)fn);
	L4_LoadMR(2, (L4_Word_t)&stacks[k][STACK_WORDS - 2]);
	return L4_IpcSucceeded(L4_Send_Timeout(kid[k], L4_TimePeriod(R_TIMEOUT_US))) && r_expect(kid[k], RES_READY);
}

static bool up(void)
{
	static bool tried, ok;
	if (tried)
		return ok;
	tried = true;
	r_tid = L4_Myself();
	for (int k = 0; k < NKIDS; k++)
		kid[k] = L4_GlobalId(L4_ThreadNo(r_tid) + 1 + k, 1);
	memset(stacks, 0, sizeof stacks);
	ok = create_in_s(KEEPER, true) && start(KEEPER, keeper_main) && create_in_s(T_IDX, false) &&
	     start(T_IDX, t_main);
	return ok;
}

static L4_Word_t saved[MNEMO_STATE_PARTS][MNEMO_STATE_PART_WORDS];

/* Halts T, exports all parts, deletes T, creates it again and restores it,
 * halted. Returns the flags word of the export. */
static bool save_kill_restore(L4_Word_t *flags)
{
	L4_ThreadId_t t = kid[T_IDX];
	L4_Word_t e;
	if ((e = task_state_call(MNEMO_STATE_HALT, t, 1, NULL, 0, NULL)) != 0)
		return printf("  halt: %llu\n", (unsigned long long)e), false;
	for (unsigned p = 0; p < MNEMO_STATE_PARTS; p++)
		if ((e = task_state_call(MNEMO_STATE_GET, t, p, NULL, 0, saved[p])) != 0)
			return printf("  get part %u: %llu\n", p, (unsigned long long)e), false;
	*flags = saved[0][MNEMO_REG_FLAGS];
	if (L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1) != 1 ||
	    !create_in_s(T_IDX, false))
		return printf("  delete and create: error %llu\n", (unsigned long long)L4_ErrorCode()), false;
	if ((e = task_state_call(MNEMO_STATE_SET, t, 0, saved[0], MNEMO_STATE_REGS, NULL)) != 0)
		return printf("  set part 0: %llu\n", (unsigned long long)e), false;
	for (unsigned p = 1; p < MNEMO_STATE_PARTS; p++)
		if ((p < 5 || (*flags & MNEMO_STATE_F_FPU)) &&
		    (e = task_state_call(MNEMO_STATE_SET, t, p, saved[p], MNEMO_STATE_PART_WORDS, NULL)) != 0)
			return printf("  set part %u: %llu\n", p, (unsigned long long)e), false;
	return true;
}

static bool resume(void) { return task_state_call(MNEMO_STATE_HALT, kid[T_IDX], 0, NULL, 0, NULL) == 0; }

USER_TEST(spin, "state.restore.compute",
	  "a thread halted in the middle of a computation, deleted and restored, finishes it")
{
	TEST_CHECK(up());
	spin_count = 0;
	TEST_CHECK(r_send(kid[T_IDX], CMD_SPIN, 20000000, 0));
	r_pause(2000); /* T is somewhere in its loop */
	L4_Word_t flags, at = spin_count;
	TEST_CHECK(save_kill_restore(&flags));
	TEST_CHECK(at > 0 && at < 20000000);
	TEST_CHECK_EQ(flags & MNEMO_STATE_F_RESTART, 0);
	TEST_CHECK(resume());
	TEST_CHECK(r_expect(kid[T_IDX], RES_DONE));
	TEST_CHECK_EQ(res[1], 20000000);
}

USER_TEST(recv, "state.restore.ipc_receive",
	  "a thread exported in a receive makes the receive again after the restore and gets the message")
{
	TEST_CHECK(up());
	TEST_CHECK(r_send(kid[T_IDX], CMD_WAIT, 0, 0));
	r_pause(2000); /* T waits in its receive from R */
	L4_Word_t flags;
	TEST_CHECK(save_kill_restore(&flags));
	TEST_CHECK_EQ(flags & (MNEMO_STATE_F_RESTART | MNEMO_STATE_F_RECV_ONLY),
		      MNEMO_STATE_F_RESTART | MNEMO_STATE_F_RECV_ONLY);
	TEST_CHECK(resume());
	TEST_CHECK(r_send(kid[T_IDX], 0, 41, 0));
	TEST_CHECK(r_expect(kid[T_IDX], RES_DONE));
	TEST_CHECK_EQ(res[1], 42);
}

USER_TEST(call, "state.restore.ipc_call",
	  "a thread exported in a call whose message R already has waits for the reply only: nothing is sent twice")
{
	TEST_CHECK(up());
	TEST_CHECK(r_send(kid[T_IDX], CMD_CALL, 0x1234, 0));
	TEST_CHECK(r_expect(kid[T_IDX], 0x77)); /* the call's message; T now waits for the reply */
	TEST_CHECK_EQ(res[1], 0x1234);
	L4_Word_t flags;
	TEST_CHECK(save_kill_restore(&flags));
	TEST_CHECK(flags & MNEMO_STATE_F_RECV_ONLY);
	TEST_CHECK(resume());
	L4_MsgTag_t tag = L4_Receive_Timeout(kid[T_IDX], L4_TimePeriod(20000));
	TEST_CHECK(L4_IpcFailed(tag)); /* no second copy of the call */
	L4_Set_MsgTag(msg_tag(0, 1, 0));
	L4_LoadMR(1, 0xbeef);
	TEST_CHECK(L4_IpcSucceeded(L4_Send_Timeout(kid[T_IDX], L4_TimePeriod(R_TIMEOUT_US))));
	TEST_CHECK(r_expect(kid[T_IDX], RES_DONE));
	TEST_CHECK_EQ(res[1], 0xbeef);
}

USER_TEST(sse, "state.restore.sse", "the SSE registers come back: a pattern in xmm7 survives the export and restore")
{
	TEST_CHECK(up());
	spin_count = 0;
	TEST_CHECK(r_send(kid[T_IDX], CMD_SSE, 0x0123456789abcdefull, 20000000));
	r_pause(2000);
	L4_Word_t flags;
	TEST_CHECK(save_kill_restore(&flags));
	TEST_CHECK(flags & MNEMO_STATE_F_FPU);
	TEST_CHECK(resume());
	TEST_CHECK(r_expect(kid[T_IDX], RES_DONE));
	TEST_CHECK_EQ(res[1], 1);
}

USER_TEST(
    errors, "state.errors",
    "bad requests are refused: a thread not halted, no such thread, a kernel rip, a bad part; MXCSR garbage is cleaned")
{
	TEST_CHECK(up());
	L4_Word_t w[MNEMO_STATE_PART_WORDS];
	L4_ThreadId_t t = kid[T_IDX];
	TEST_CHECK(r_send(t, CMD_SPIN, spin_count + 3000000, 0));
	r_pause(1000);
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_GET, t, 0, NULL, 0, w), MNEMO_STATE_EBUSY); /* running */
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_GET, L4_GlobalId(1000, 1), 0, NULL, 0, w), MNEMO_STATE_EINVAL);
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_GET, t, 9, NULL, 0, w), MNEMO_STATE_EINVAL);
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_GET, L4_Myself(), 0, NULL, 0, w), MNEMO_STATE_EINVAL);
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_HALT, t, 1, NULL, 0, NULL), 0);
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_GET, t, 0, NULL, 0, saved[0]), 0);
	memcpy(w, saved[0], sizeof saved[0]);
	w[MNEMO_REG_RIP] = 0xffffffff80001000ull;
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_SET, t, 0, w, MNEMO_STATE_REGS, NULL), MNEMO_STATE_EINVAL);
	w[MNEMO_REG_RIP] = saved[0][MNEMO_REG_RIP];
	w[MNEMO_REG_VERSION] = 99;
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_SET, t, 0, w, MNEMO_STATE_REGS, NULL), MNEMO_STATE_EINVAL);
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_SET, t, 0, w, 3, NULL), MNEMO_STATE_EINVAL); /* short */
	/* FPU part 0 with every MXCSR bit set: the kernel must not load reserved bits */
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_GET, t, 5, NULL, 0, w), 0);
	w[3] |= 0xffffffffull; /* MXCSR is bytes 24..27: word 3, low half */
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_SET, t, 5, w, MNEMO_STATE_PART_WORDS, NULL), 0);
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_GET, t, 5, NULL, 0, w), 0);
	TEST_CHECK((w[3] & 0xffffffffull) != 0xffffffffull);
	TEST_CHECK(resume()); /* it runs on with a legal MXCSR (all exceptions masked or not) */
	TEST_CHECK(r_expect(t, RES_DONE));
}

USER_TEST(trace, "state.trace",
	  "the kernel's trace shows a checkpoint's phases as it sees them: halt, export and restore of each part, and "
	  "refusals")
{
	TEST_CHECK(up());
	static struct mnemo_trace_record rec[256];
	struct mnemo_trace_read r0 = mnemo_trace_read(rec, 0, 0);
	TEST_CHECK(r0.on); /* the scenario boots with `trace` */
	L4_Word_t flags;
	TEST_CHECK(r_send(kid[T_IDX], CMD_SPIN, spin_count + 1000, 0));
	TEST_CHECK(r_expect(kid[T_IDX], RES_DONE));
	TEST_CHECK(save_kill_restore(&flags));
	TEST_CHECK(resume());
	TEST_CHECK_EQ(task_state_call(MNEMO_STATE_GET, kid[T_IDX], 0, NULL, 0, saved[0]), MNEMO_STATE_EBUSY);
	struct mnemo_trace_read r = mnemo_trace_read(rec, 256, r0.next);
	unsigned halts = 0, exports = 0, restores = 0, refused = 0, resumes = 0;
	for (L4_Word_t i = 0; i < r.copied && r.copied != MNEMO_TRACE_REFUSED; i++) {
		if (rec[i].type != MNEMO_TRACE_STATE || rec[i].b != kid[T_IDX].raw)
			continue;
		bool ok = !(rec[i].c >> 8);
		halts += rec[i].a == 1 && (rec[i].c & 0xff) == 1;
		resumes += rec[i].a == 1 && (rec[i].c & 0xff) == 0;
		exports += rec[i].a == 2 && ok;
		restores += rec[i].a == 3 && ok;
		refused += !ok;
	}
	TEST_CHECK_EQ(halts, 1);
	TEST_CHECK_EQ(exports, MNEMO_STATE_PARTS);
	TEST_CHECK(restores >= 5); /* registers, the UTCB, the FPU state if it has one */
	TEST_CHECK_EQ(resumes, 1);
	TEST_CHECK_EQ(refused, 1); /* the export of a running thread */
}

int main(void)
{
	printf("thread-state suite: threads exported, deleted, re-created and restored\n");
	test_run_all("state");
}
