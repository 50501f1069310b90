/* SPDX-License-Identifier: MIT */
/* libl4 for mnemo: Ipc with the amd64 register contract (ABI §5.3) and message helpers; then X.2's Ipc interface. */
#ifndef L4_IPC_H
#define L4_IPC_H

#include <l4/syscalls.h>

/* Ipc: MR0-MR7 travel in R9, RAX, RBX, R10, R12-R15 (loaded from and stored to
 * the UTCB here, as libl4 does); RSI to, RDX FromSpecifier, R8 timeouts, RDI
 * UTCB. Returns MR0 (the received tag, E bit on failure); *from gets the partner.
 * sc is the stub: L4_SC_IPC or L4_SC_LIPC (same contract, ABI §5.3). */
static inline l4_msgtag_t l4_ipc_stub(unsigned sc, l4_threadid_t to, l4_threadid_t from_spec, l4_word_t timeouts,
				      l4_threadid_t *from)
{
	l4_word_t *mr = l4_utcb();
	register l4_word_t r8 __asm__("r8") = timeouts;
	register l4_word_t r9 __asm__("r9") = mr[0];
	register l4_word_t r10 __asm__("r10") = mr[3];
	register l4_word_t r12 __asm__("r12") = mr[4];
	register l4_word_t r13 __asm__("r13") = mr[5];
	register l4_word_t r14 __asm__("r14") = mr[6];
	register l4_word_t r15 __asm__("r15") = mr[7];
	l4_word_t rax = mr[1], rbx = mr[2], rsi = to, rdx = from_spec, rdi = (l4_word_t)mr;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "+a"(rax), "+b"(rbx), "+S"(rsi), "+d"(rdx), "+D"(rdi), "+r"(r8), "+r"(r9), "+r"(r10),
			   "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
			 : [fn] "m"(__l4_syscall[sc])
			 : "rcx", "r11", "memory");
	mr = (l4_word_t *)rdi;
	mr[0] = r9, mr[1] = rax, mr[2] = rbx, mr[3] = r10;
	mr[4] = r12, mr[5] = r13, mr[6] = r14, mr[7] = r15;
	if (from)
		*from = rsi;
	return r9;
}

static inline l4_msgtag_t l4_ipc(l4_threadid_t to, l4_threadid_t from_spec, l4_word_t timeouts, l4_threadid_t *from)
{
	return l4_ipc_stub(L4_SC_IPC, to, from_spec, timeouts, from);
}
/* Lipc: Ipc between threads of one space addressed by local IDs (on mnemo the same
 * kernel path as Ipc, through its own stub). */
static inline l4_msgtag_t l4_lipc(l4_threadid_t to, l4_threadid_t from_spec, l4_word_t timeouts, l4_threadid_t *from)
{
	return l4_ipc_stub(L4_SC_LIPC, to, from_spec, timeouts, from);
}

#define L4_TIMEOUTS(snd, rcv) (((l4_word_t)(snd) << 16) | (rcv))

static inline int l4_ipc_failed(l4_msgtag_t t) { return (t & L4_TAG_ERROR) != 0; }

static inline l4_msgtag_t l4_call(l4_threadid_t to) { return l4_ipc(to, to, L4_TIMEOUTS(L4_NEVER, L4_NEVER), NULL); }
static inline l4_msgtag_t l4_send(l4_threadid_t to) { return l4_ipc(to, L4_NILTHREAD, L4_TIMEOUTS(L4_NEVER, 0), NULL); }
static inline l4_msgtag_t l4_send_timeout(l4_threadid_t to, l4_time_t t)
{
	return l4_ipc(to, L4_NILTHREAD, L4_TIMEOUTS(t, 0), NULL);
}
static inline l4_msgtag_t l4_receive(l4_threadid_t from)
{
	return l4_ipc(L4_NILTHREAD, from, L4_TIMEOUTS(0, L4_NEVER), NULL);
}
static inline l4_msgtag_t l4_receive_timeout(l4_threadid_t from, l4_time_t t)
{
	return l4_ipc(L4_NILTHREAD, from, L4_TIMEOUTS(0, t), NULL);
}
static inline l4_msgtag_t l4_wait(l4_threadid_t *from)
{
	return l4_ipc(L4_NILTHREAD, L4_ANYTHREAD, L4_TIMEOUTS(0, L4_NEVER), from);
}
/* Reply to `to` (zero send timeout), then wait for anyone. */
static inline l4_msgtag_t l4_reply_wait(l4_threadid_t to, l4_threadid_t *from)
{
	return l4_ipc(to, L4_ANYTHREAD, L4_TIMEOUTS(L4_ZERO_TIME, L4_NEVER), from);
}
/* Sleeps for a period: receive from self with a timeout. */
static inline void l4_sleep(l4_time_t t) { l4_receive_timeout(l4_myself(), t); }

/* A period of `us` microseconds in X.2 time format (rounded up to 10-bit mantissa). */
static inline l4_time_t l4_time_period(l4_word_t us)
{
	unsigned e = 0;
	while (us >= 1024) {
		us = (us + 1) >> 1;
		e++;
	}
	return (l4_time_t)((e << 10) | us);
}

/* Map and grant items (two words each; ABI §7.3). */
static inline l4_word_t l4_map_item_word0(l4_word_t send_base) { return (send_base & ~(l4_word_t)0x3ff) | (4u << 1); }
static inline l4_word_t l4_grant_item_word0(l4_word_t send_base) { return (send_base & ~(l4_word_t)0x3ff) | (5u << 1); }

/* String items (ABI §7.4): word 0 = length << 10 | (substrings - 1) << 4 | c << 9,
 * then one pointer per substring, each `length` bytes. */
static inline l4_word_t l4_string_item_word0(l4_word_t length, unsigned substrings, int continues)
{
	return (length << 10) | ((l4_word_t)(continues ? 1 : 0) << 9) | ((l4_word_t)((substrings - 1) & 0x1f) << 4);
}

/* Accepts string items into the buffers described from BR1 on. */
static inline void l4_accept_strings(l4_fpage_t window) { l4_utcb()[L4_UTCB_BR(0)] = (window & ~(l4_word_t)0xf) | 1; }

/* The receive window for map/grant items (BR0, acceptor). */
static inline void l4_accept(l4_fpage_t window) { l4_utcb()[L4_UTCB_BR(0)] = window & ~(l4_word_t)0xf; }

/*
 * The X.2 convenience interface of Ipc (X.2 "Ipc" and its derived calls), over
 * l4_ipc and l4_lipc above: the MRs are in the UTCB between calls (message.h
 * builds and reads them), MR0 holds the returned tag after each call.
 */
#include <l4/message.h>
#include <l4/thread.h> /* as Pistachio's ipc.h: L4_Myself and the TCRs beside Ipc */
#include <l4/schedule.h> /* the time values IPC timeouts are made of (L4_TimePoint, ...) */

L4_INLINE L4_Word_t L4_Timeouts(L4_Time_t SndTimeout, L4_Time_t RcvTimeout)
{
	return L4_TIMEOUTS(SndTimeout.raw, RcvTimeout.raw);
}

/* *from is written only when there is a receive phase (FromSpecifier not nil),
 * as X.2 defines it; from may be NULL. */
L4_INLINE L4_MsgTag_t L4_Ipc(L4_ThreadId_t to, L4_ThreadId_t FromSpecifier, L4_Word_t Timeouts, L4_ThreadId_t *from)
{
	l4_threadid_t f;
	L4_MsgTag_t tag = {.raw = l4_ipc(to.raw, FromSpecifier.raw, Timeouts, &f)};
	if (from && !L4_IsNilThread(FromSpecifier))
		from->raw = f;
	return tag;
}
L4_INLINE L4_MsgTag_t L4_Lipc(L4_ThreadId_t to, L4_ThreadId_t FromSpecifier, L4_Word_t Timeouts, L4_ThreadId_t *from)
{
	l4_threadid_t f;
	L4_MsgTag_t tag = {.raw = l4_lipc(to.raw, FromSpecifier.raw, Timeouts, &f)};
	if (from && !L4_IsNilThread(FromSpecifier))
		from->raw = f;
	return tag;
}

/* The derived calls (ABI §8.1). X.2's C++ overloads by argument count are the
 * macros at the end; the C names carry the _Timeout(s) suffix. */
L4_INLINE L4_MsgTag_t L4_Call_Timeouts(L4_ThreadId_t to, L4_Time_t SndTimeout, L4_Time_t RcvTimeout)
{
	return L4_Ipc(to, to, L4_Timeouts(SndTimeout, RcvTimeout), NULL);
}
L4_INLINE L4_MsgTag_t L4_Call(L4_ThreadId_t to) { return L4_Call_Timeouts(to, L4_Never, L4_Never); }
L4_INLINE L4_MsgTag_t L4_Send_Timeout(L4_ThreadId_t to, L4_Time_t SndTimeout)
{
	return L4_Ipc(to, L4_nilthread, L4_Timeouts(SndTimeout, L4_Never), NULL);
}
L4_INLINE L4_MsgTag_t L4_Send(L4_ThreadId_t to) { return L4_Send_Timeout(to, L4_Never); }
/* A reply does not wait: the client is already receiving, or it is not. */
L4_INLINE L4_MsgTag_t L4_Reply(L4_ThreadId_t to) { return L4_Send_Timeout(to, L4_ZeroTime); }
L4_INLINE L4_MsgTag_t L4_Receive_Timeout(L4_ThreadId_t from, L4_Time_t RcvTimeout)
{
	return L4_Ipc(L4_nilthread, from, L4_Timeouts(L4_Never, RcvTimeout), NULL);
}
L4_INLINE L4_MsgTag_t L4_Receive(L4_ThreadId_t from) { return L4_Receive_Timeout(from, L4_Never); }
L4_INLINE L4_MsgTag_t L4_Wait_Timeout(L4_Time_t RcvTimeout, L4_ThreadId_t *from)
{
	return L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, RcvTimeout), from);
}
L4_INLINE L4_MsgTag_t L4_Wait(L4_ThreadId_t *from) { return L4_Wait_Timeout(L4_Never, from); }
L4_INLINE L4_MsgTag_t L4_ReplyWait_Timeout(L4_ThreadId_t to, L4_Time_t RcvTimeout, L4_ThreadId_t *from)
{
	return L4_Ipc(to, L4_anythread, L4_Timeouts(L4_ZeroTime, RcvTimeout), from);
}
L4_INLINE L4_MsgTag_t L4_ReplyWait(L4_ThreadId_t to, L4_ThreadId_t *from)
{
	return L4_ReplyWait_Timeout(to, L4_Never, from);
}
/* Call and reply-and-wait between threads of one space, through Lipc. */
L4_INLINE L4_MsgTag_t L4_Lcall(L4_ThreadId_t to) { return L4_Lipc(to, to, L4_Timeouts(L4_Never, L4_Never), NULL); }
L4_INLINE L4_MsgTag_t L4_LreplyWait(L4_ThreadId_t to, L4_ThreadId_t *from)
{
	return L4_Lipc(to, L4_anylocalthread, L4_Timeouts(L4_ZeroTime, L4_Never), from);
}
/* Receives from ourselves, which never sends: the receive times out after t.
 * MR0 then holds the failed tag, as after any IPC. */
L4_INLINE void L4_Sleep(L4_Time_t t) { L4_Receive_Timeout((L4_ThreadId_t){.raw = l4_myself()}, t); }

/* X.2's C++ spellings with optional timeouts, as C11 macros (see message.h). */
#define L4_Call(...) __L4_PICK3(__VA_ARGS__, L4_Call_Timeouts, ~, L4_Call, ~)(__VA_ARGS__)
#define L4_Send(...) __L4_PICK2(__VA_ARGS__, L4_Send_Timeout, L4_Send, ~)(__VA_ARGS__)
#define L4_Receive(...) __L4_PICK2(__VA_ARGS__, L4_Receive_Timeout, L4_Receive, ~)(__VA_ARGS__)
#define L4_Wait(...) __L4_PICK2(__VA_ARGS__, L4_Wait_Timeout, L4_Wait, ~)(__VA_ARGS__)
#define L4_ReplyWait(...) __L4_PICK3(__VA_ARGS__, L4_ReplyWait_Timeout, L4_ReplyWait, ~, ~)(__VA_ARGS__)

#endif
