/* SPDX-License-Identifier: MIT */
/* libl4 for mnemo: ThreadControl, SpaceControl, Schedule, ExchangeRegisters (ABI §5.4-§5.7); X.2 threads and TCRs. */
#ifndef L4_THREAD_H
#define L4_THREAD_H

#include <l4/syscalls.h>

#define L4_CLOBBER_ALL "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "memory"

/* ThreadControl: RDI dest, RSI pager, RDX scheduler, R8 space, R9 UTCB location; RAX result. */
static inline l4_word_t l4_thread_control(l4_threadid_t dest, l4_threadid_t space, l4_threadid_t scheduler,
					  l4_threadid_t pager, l4_word_t utcb_location)
{
	register l4_word_t r8 __asm__("r8") = space;
	register l4_word_t r9 __asm__("r9") = utcb_location;
	l4_word_t rax, rdi = dest, rsi = pager, rdx = scheduler;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "=a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9)
			 : [fn] "m"(__l4_syscall[L4_SC_THREAD_CONTROL])
			 : "rbx", "rcx", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
	return rax;
}

/* SpaceControl: RDI space, RSI control, RDX KIP area, R8 UTCB area, R9 redirector; RAX result, RDX old control. */
static inline l4_word_t l4_space_control(l4_threadid_t space, l4_word_t control, l4_fpage_t kip_area,
					 l4_fpage_t utcb_area, l4_threadid_t redirector, l4_word_t *old_control)
{
	register l4_word_t r8 __asm__("r8") = utcb_area;
	register l4_word_t r9 __asm__("r9") = redirector;
	l4_word_t rax, rdi = space, rsi = control, rdx = kip_area;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "=a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9)
			 : [fn] "m"(__l4_syscall[L4_SC_SPACE_CONTROL])
			 : "rbx", "rcx", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
	if (old_control)
		*old_control = rdx;
	return rax;
}

/* Schedule: RDI dest, RSI priority, RDX time control, R8 processor, R9 preemption; RAX result, RDX old time. */
static inline l4_word_t l4_schedule(l4_threadid_t dest, l4_word_t time_control, l4_word_t processor, l4_word_t priority,
				    l4_word_t preemption, l4_word_t *old_time_control)
{
	register l4_word_t r8 __asm__("r8") = processor;
	register l4_word_t r9 __asm__("r9") = preemption;
	l4_word_t rax, rdi = dest, rsi = priority, rdx = time_control;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "=a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9)
			 : [fn] "m"(__l4_syscall[L4_SC_SCHEDULE])
			 : "rbx", "rcx", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
	if (old_time_control)
		*old_time_control = rdx;
	return rax;
}
static inline l4_word_t l4_set_priority(l4_threadid_t t, l4_word_t prio)
{
	return l4_schedule(t, ~0ull, ~0ull, prio, ~0ull, NULL);
}

/* ExchangeRegisters: RAX dest, RSI control, RDX SP, R8 IP, R9 flags, R10 user handle, RDI pager;
 * the old values come back in the same registers; RAX = the thread (nil on error). */
static inline l4_threadid_t l4_exchange_registers(l4_threadid_t dest, l4_word_t control, l4_word_t sp, l4_word_t ip,
						  l4_word_t flags, l4_word_t handle, l4_threadid_t pager,
						  l4_word_t *old_control, l4_word_t *old_sp, l4_word_t *old_ip,
						  l4_word_t *old_flags, l4_word_t *old_handle, l4_threadid_t *old_pager)
{
	register l4_word_t r8 __asm__("r8") = ip;
	register l4_word_t r9 __asm__("r9") = flags;
	register l4_word_t r10 __asm__("r10") = handle;
	l4_word_t rax = dest, rsi = control, rdx = sp, rdi = pager;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "+a"(rax), "+S"(rsi), "+d"(rdx), "+D"(rdi), "+r"(r8), "+r"(r9), "+r"(r10)
			 : [fn] "m"(__l4_syscall[L4_SC_EXCHANGE_REGISTERS])
			 : "rbx", "rcx", "r11", "r12", "r13", "r14", "r15", "memory");
	if (old_control)
		*old_control = rsi;
	if (old_sp)
		*old_sp = rdx;
	if (old_ip)
		*old_ip = r8;
	if (old_flags)
		*old_flags = r9;
	if (old_handle)
		*old_handle = r10;
	if (old_pager)
		*old_pager = rdi;
	return rax;
}

/* Start = S|I|H|r|s: set SP and IP, resume, abort any IPC (the start-message wait). */
static inline l4_threadid_t l4_start_sp_ip(l4_threadid_t t, l4_word_t sp, l4_word_t ip)
{
	return l4_exchange_registers(t, 0x11e, sp, ip, 0, 0, L4_NILTHREAD, NULL, NULL, NULL, NULL, NULL, NULL);
}
/* Stop = h|H|d. */
static inline l4_threadid_t l4_stop(l4_threadid_t t, l4_word_t *state)
{
	return l4_exchange_registers(t, 0x301, 0, 0, 0, 0, L4_NILTHREAD, state, NULL, NULL, NULL, NULL, NULL);
}
static inline l4_threadid_t l4_resume(l4_threadid_t t)
{
	return l4_exchange_registers(t, 0x100, 0, 0, 0, 0, L4_NILTHREAD, NULL, NULL, NULL, NULL, NULL, NULL);
}

/*
 * The X.2 convenience interface for threads (X.2 §2: thread IDs, the thread
 * control registers, ExchangeRegisters, ThreadControl), over the scalar layer.
 */

/* Pistachio's names of the ThreadControl/SpaceControl error codes (types.h has X.2's L4_Err*). */
#define L4_ERROR_OK L4_ErrOk
#define L4_ERROR_NO_PRIVILEGE L4_ErrNoPrivilege
#define L4_ERROR_INVALID_THREAD L4_ErrInvalidThread
#define L4_ERROR_INVALID_SPACE L4_ErrInvalidSpace
#define L4_ERROR_INVALID_SCHEDULER L4_ErrInvalidScheduler
#define L4_ERROR_INVALID_PARAM L4_ErrInvalidParam
#define L4_ERROR_UTCB_AREA L4_ErrUtcbArea
#define L4_ERROR_KIP_AREA L4_ErrKipArea
#define L4_ERROR_NO_MEM L4_ErrNoMem

L4_INLINE const char *L4_ErrorCode_String(L4_Word_t err)
{
	static const char *const text[] = {
	    "ok",	 "no privilege", "invalid thread", "invalid space", "invalid scheduler", "invalid parameter",
	    "UTCB area", "KIP area",	 "no memory"};
	return err < sizeof text / sizeof text[0] ? text[err] : "invalid error code";
}

/* Control bits (X.2 §2.3; ABI §5.4): in h r s S I F u p H d, out bit 0 halted,
 * 1 receiving, 2 sending. */
#define __L4_XR_h 0x001u
#define __L4_XR_r 0x002u
#define __L4_XR_s 0x004u
#define __L4_XR_S 0x008u
#define __L4_XR_I 0x010u
#define __L4_XR_F 0x020u
#define __L4_XR_u 0x040u
#define __L4_XR_p 0x080u
#define __L4_XR_H 0x100u
#define __L4_XR_d 0x200u

/* ---- thread control registers (X.2 §2.2; the UTCB words of utcb.h) ---- */

L4_INLINE L4_ThreadId_t L4_MyGlobalId(void) { return (L4_ThreadId_t){.raw = l4_myself()}; }
/* The local ID is the address of the thread's MR0 (X.2 §2.1). */
L4_INLINE L4_ThreadId_t L4_MyLocalId(void) { return (L4_ThreadId_t){.raw = l4_my_local_id()}; }
L4_INLINE L4_ThreadId_t L4_Myself(void) { return L4_MyGlobalId(); }
L4_INLINE L4_Word_t L4_ProcessorNo(void) { return l4_utcb()[L4_UTCB_PROCESSOR_NO]; }
L4_INLINE L4_Word_t L4_UserDefinedHandle(void) { return l4_utcb()[L4_UTCB_USER_HANDLE]; }
L4_INLINE void L4_Set_UserDefinedHandle(L4_Word_t handle) { l4_utcb()[L4_UTCB_USER_HANDLE] = handle; }
L4_INLINE L4_ThreadId_t L4_Pager(void) { return (L4_ThreadId_t){.raw = l4_pager()}; }
/* mnemo's kernel keeps the pager in the thread's TCB, which ThreadControl and
 * ExchangeRegisters set (the UTCB word is its copy), where other X.2 kernels read
 * the TCR: so the new pager goes through ExchangeRegisters on the caller, and
 * the kernel uses it for the next page fault as X.2 says. */
L4_INLINE void L4_Set_Pager(L4_ThreadId_t pager)
{
	l4_exchange_registers(l4_myself(), __L4_XR_p, 0, 0, 0, 0, pager.raw, NULL, NULL, NULL, NULL, NULL, NULL);
}
L4_INLINE L4_ThreadId_t L4_ExceptionHandler(void)
{
	return (L4_ThreadId_t){.raw = l4_utcb()[L4_UTCB_EXCEPTION_HANDLER]};
}
L4_INLINE void L4_Set_ExceptionHandler(L4_ThreadId_t handler) { l4_utcb()[L4_UTCB_EXCEPTION_HANDLER] = handler.raw; }
/* L4_ErrorCode (the ErrorCode TCR) is in syscalls.h, for the scalar layer too. */
/* XferTimeouts: the send xfer timeout in bits 16-31, the receive one in bits 0-15. */
L4_INLINE L4_Word_t L4_XferTimeouts(void) { return l4_utcb()[L4_UTCB_XFER_TIMEOUTS]; }
L4_INLINE void L4_Set_XferTimeouts(L4_Word_t timeouts) { l4_utcb()[L4_UTCB_XFER_TIMEOUTS] = timeouts; }
L4_INLINE L4_ThreadId_t L4_IntendedReceiver(void)
{
	return (L4_ThreadId_t){.raw = l4_utcb()[L4_UTCB_INTENDED_RECEIVER]};
}
/* One word: the kernel writes the actual sender of a propagated message there,
 * a propagating sender writes the thread it speaks for (X.2 §5.5). */
L4_INLINE L4_ThreadId_t L4_ActualSender(void) { return (L4_ThreadId_t){.raw = l4_utcb()[L4_UTCB_ACTUAL_SENDER]}; }
L4_INLINE void L4_Set_VirtualSender(L4_ThreadId_t t) { l4_utcb()[L4_UTCB_ACTUAL_SENDER] = t.raw; }
/* WordSizeMask (Pistachio): ~0 on amd64 (the kernel sets it; 32-bit programs would mask with it). */
L4_INLINE L4_Word_t L4_WordSizeMask(void) { return l4_utcb()[L4_UTCB_WORD_SIZE_MASK]; }
L4_INLINE void L4_Reset_WordSizeMask(void) { l4_utcb()[L4_UTCB_WORD_SIZE_MASK] = ~(L4_Word_t)0; }

/*
 * The flags word: byte 0 the preemption flags s, d and I (utcb.h), byte 1 the
 * coprocessor flags. The kernel sets and clears I while the thread is
 * interrupted, so every change here is one atomic read-modify-write (an
 * interrupt never falls between its read and its write).
 */
L4_INLINE L4_Word_t *__L4_FlagsWord(void) { return &l4_utcb()[L4_UTCB_FLAGS]; }
L4_INLINE L4_Bool_t __L4_SetFlag(L4_Word_t bit)
{
	return (__atomic_fetch_or(__L4_FlagsWord(), bit, __ATOMIC_RELAXED) & bit) != 0;
}
L4_INLINE L4_Bool_t __L4_ClearFlag(L4_Word_t bit)
{
	return (__atomic_fetch_and(__L4_FlagsWord(), ~bit, __ATOMIC_RELAXED) & bit) != 0;
}

/* Coprocessor n is in use (set) or its state is no longer needed (clear): a hint (X.2 §2.2). */
L4_INLINE void L4_Set_CopFlag(L4_Word_t n) { __L4_SetFlag(1ul << (8 + n)); }
L4_INLINE void L4_Clr_CopFlag(L4_Word_t n) { __L4_ClearFlag(1ul << (8 + n)); }

/* Flag s: preemptions are signalled to the exception handler (X.2 §3.5); each
 * returns the flag's old value. */
L4_INLINE L4_Bool_t L4_EnablePreemptionFaultException(void) { return __L4_SetFlag(L4_PREEMPT_SIGNAL); }
L4_INLINE L4_Bool_t L4_DisablePreemptionFaultException(void) { return __L4_ClearFlag(L4_PREEMPT_SIGNAL); }
/* Flag d: disabling preemption asks for delayed preemption (within the maximum
 * delay Schedule gave the thread, against threads up to its sensitive priority);
 * enabling clears the request. Both return the old d: true if preemption was
 * disabled. (Pistachio's libl4 sets the bit on Enable; mnemo's kernel, like the
 * X.2 manual, reads a set d as "delay my preemption".) */
L4_INLINE L4_Bool_t L4_DisablePreemption(void) { return __L4_SetFlag(L4_PREEMPT_DELAY); }
L4_INLINE L4_Bool_t L4_EnablePreemption(void) { return __L4_ClearFlag(L4_PREEMPT_DELAY); }
/* Flag I, set by the kernel while it delays a preemption of the thread: read
 * and reset (the thread then gives the CPU up, e.g. by L4_Yield). */
L4_INLINE L4_Bool_t L4_PreemptionPending(void) { return __L4_ClearFlag(L4_PREEMPT_PENDING); }

/* ---- ExchangeRegisters (X.2 §2.3) ---- */

/* The thread (its local ID if dest was global and is in our space, its global
 * ID if dest was local); nil if dest is no thread of the caller's space. The
 * old values go where the pointers say (mnemo's libl4 accepts NULL too). */
L4_INLINE L4_ThreadId_t L4_ExchangeRegisters(L4_ThreadId_t dest, L4_Word_t control, L4_Word_t sp, L4_Word_t ip,
					     L4_Word_t flags, L4_Word_t UserDefHandle, L4_ThreadId_t pager,
					     L4_Word_t *old_control, L4_Word_t *old_sp, L4_Word_t *old_ip,
					     L4_Word_t *old_flags, L4_Word_t *old_UserDefHandle,
					     L4_ThreadId_t *old_pager)
{
	l4_threadid_t r =
	    l4_exchange_registers(dest.raw, control, sp, ip, flags, UserDefHandle, pager.raw, old_control, old_sp,
				  old_ip, old_flags, old_UserDefHandle, old_pager ? &old_pager->raw : NULL);
	return (L4_ThreadId_t){.raw = r};
}

/* The state a Stop or Abort reports: what the thread was doing before it. */
typedef struct {
	L4_Word_t raw;
} L4_ThreadState_t;
_Static_assert(sizeof(L4_ThreadState_t) == sizeof(L4_Word_t), "L4_ThreadState_t is the old control word");

L4_INLINE L4_Bool_t L4_ThreadWasHalted(L4_ThreadState_t s) { return (s.raw & 1) != 0; }
L4_INLINE L4_Bool_t L4_ThreadWasReceiving(L4_ThreadState_t s) { return (s.raw & 2) != 0; }
L4_INLINE L4_Bool_t L4_ThreadWasSending(L4_ThreadState_t s) { return (s.raw & 4) != 0; }
L4_INLINE L4_Bool_t L4_ThreadWasIpcing(L4_ThreadState_t s) { return (s.raw & 6) != 0; }

/* An ExchangeRegisters that only reads (control 0): the other form of t's ID. */
L4_INLINE L4_ThreadId_t __L4_OtherId(L4_ThreadId_t t)
{
	return L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL);
}
/* The global ID of a thread given by any ID (nil if a local ID names no thread). */
L4_INLINE L4_ThreadId_t L4_GlobalIdOf(L4_ThreadId_t t) { return L4_IsLocalId(t) ? __L4_OtherId(t) : t; }
/* The local ID of a thread of the caller's space (nil for any other thread: for
 * one of another space the kernel answers its pager with the global ID). */
L4_INLINE L4_ThreadId_t L4_LocalIdOf(L4_ThreadId_t t)
{
	if (L4_IsLocalId(t))
		return t;
	L4_ThreadId_t l = __L4_OtherId(t);
	return L4_IsLocalId(l) ? l : L4_nilthread;
}
L4_INLINE L4_Bool_t L4_SameThreads(L4_ThreadId_t l, L4_ThreadId_t r)
{
	return L4_IsThreadEqual(L4_GlobalIdOf(l), L4_GlobalIdOf(r));
}

/* Another thread's user-defined handle and pager (threads of the caller's space). */
L4_INLINE L4_Word_t L4_UserDefinedHandleOf(L4_ThreadId_t t)
{
	L4_Word_t handle = 0;
	L4_ExchangeRegisters(t, __L4_XR_d, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, &handle, NULL);
	return handle;
}
L4_INLINE void L4_Set_UserDefinedHandleOf(L4_ThreadId_t t, L4_Word_t handle)
{
	L4_ExchangeRegisters(t, __L4_XR_u, 0, 0, 0, handle, L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL);
}
L4_INLINE L4_ThreadId_t L4_PagerOf(L4_ThreadId_t t)
{
	L4_ThreadId_t pager = L4_nilthread;
	L4_ExchangeRegisters(t, __L4_XR_d, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, NULL, &pager);
	return pager;
}
L4_INLINE void L4_Set_PagerOf(L4_ThreadId_t t, L4_ThreadId_t pager)
{
	L4_ExchangeRegisters(t, __L4_XR_p, 0, 0, 0, 0, pager, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* Start: resume t, ending any IPC it waits in (a new thread's wait for its
 * start message); the _SpIp and _SpIpFlags forms set SP, IP (and flags) too. */
#define __L4_XR_START (__L4_XR_H | __L4_XR_s | __L4_XR_r)
L4_INLINE void L4_Start(L4_ThreadId_t t)
{
	L4_ExchangeRegisters(t, __L4_XR_START, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL);
}
L4_INLINE void L4_Start_SpIp(L4_ThreadId_t t, L4_Word_t sp, L4_Word_t ip)
{
	L4_ExchangeRegisters(t, __L4_XR_START | __L4_XR_S | __L4_XR_I, sp, ip, 0, 0, L4_nilthread, NULL, NULL, NULL,
			     NULL, NULL, NULL);
}
L4_INLINE void L4_Start_SpIpFlags(L4_ThreadId_t t, L4_Word_t sp, L4_Word_t ip, L4_Word_t flags)
{
	L4_ExchangeRegisters(t, __L4_XR_START | __L4_XR_S | __L4_XR_I | __L4_XR_F, sp, ip, flags, 0, L4_nilthread, NULL,
			     NULL, NULL, NULL, NULL, NULL);
}

/* Halt t (after aborting the IPC phases `abort` names: r, s) and return what it
 * was doing; the _SpIpFlags forms also return its SP, IP and flags. */
L4_INLINE L4_ThreadState_t __L4_Halt(L4_ThreadId_t t, L4_Word_t abort, L4_Word_t *sp, L4_Word_t *ip, L4_Word_t *flags)
{
	L4_ThreadState_t s = {0};
	L4_ExchangeRegisters(t, __L4_XR_h | __L4_XR_H | __L4_XR_d | abort, 0, 0, 0, 0, L4_nilthread, &s.raw, sp, ip,
			     flags, NULL, NULL);
	return s;
}
L4_INLINE L4_ThreadState_t L4_Stop(L4_ThreadId_t t) { return __L4_Halt(t, 0, NULL, NULL, NULL); }
L4_INLINE L4_ThreadState_t L4_Stop_SpIpFlags(L4_ThreadId_t t, L4_Word_t *sp, L4_Word_t *ip, L4_Word_t *flags)
{
	return __L4_Halt(t, 0, sp, ip, flags);
}
L4_INLINE L4_ThreadState_t L4_AbortReceive_and_stop(L4_ThreadId_t t)
{
	return __L4_Halt(t, __L4_XR_r, NULL, NULL, NULL);
}
L4_INLINE L4_ThreadState_t L4_AbortReceive_and_stop_SpIpFlags(L4_ThreadId_t t, L4_Word_t *sp, L4_Word_t *ip,
							      L4_Word_t *flags)
{
	return __L4_Halt(t, __L4_XR_r, sp, ip, flags);
}
L4_INLINE L4_ThreadState_t L4_AbortSend_and_stop(L4_ThreadId_t t) { return __L4_Halt(t, __L4_XR_s, NULL, NULL, NULL); }
L4_INLINE L4_ThreadState_t L4_AbortSend_and_stop_SpIpFlags(L4_ThreadId_t t, L4_Word_t *sp, L4_Word_t *ip,
							   L4_Word_t *flags)
{
	return __L4_Halt(t, __L4_XR_s, sp, ip, flags);
}
L4_INLINE L4_ThreadState_t L4_AbortIpc_and_stop(L4_ThreadId_t t)
{
	return __L4_Halt(t, __L4_XR_r | __L4_XR_s, NULL, NULL, NULL);
}
L4_INLINE L4_ThreadState_t L4_AbortIpc_and_stop_SpIpFlags(L4_ThreadId_t t, L4_Word_t *sp, L4_Word_t *ip,
							  L4_Word_t *flags)
{
	return __L4_Halt(t, __L4_XR_r | __L4_XR_s, sp, ip, flags);
}

/* ---- ThreadControl (X.2 §2.4), privileged ---- */

/* 1 on success, 0 with L4_ErrorCode() one of L4_Err*. UtcbLocation (void *) -1:
 * unchanged; SpaceSpecifier nil: delete dest. */
L4_INLINE L4_Word_t L4_ThreadControl(L4_ThreadId_t dest, L4_ThreadId_t SpaceSpecifier, L4_ThreadId_t Scheduler,
				     L4_ThreadId_t Pager, void *UtcbLocation)
{
	return l4_thread_control(dest.raw, SpaceSpecifier.raw, Scheduler.raw, Pager.raw, (L4_Word_t)UtcbLocation);
}
/* An interrupt thread's pager is its handler: the handler gets its interrupts
 * as IPC; the interrupt thread itself as pager dissociates it (X.2 §4.5). */
L4_INLINE L4_Word_t L4_AssociateInterrupt(L4_ThreadId_t InterruptThread, L4_ThreadId_t HandlerThread)
{
	return L4_ThreadControl(InterruptThread, InterruptThread, L4_nilthread, HandlerThread, (void *)-1);
}
L4_INLINE L4_Word_t L4_DeassociateInterrupt(L4_ThreadId_t InterruptThread)
{
	return L4_ThreadControl(InterruptThread, InterruptThread, L4_nilthread, InterruptThread, (void *)-1);
}

/*
 * X.2's C++ interface overloads some of these names by their number of
 * arguments (L4_Start(t, sp, ip), L4_Pager(t), L4_GlobalId(t), ...); in C the
 * macros below pick the function by the count. A name without arguments (&L4_Start)
 * is still the function.
 */
#define __L4_ARGC(...) __L4_ARGC_(0, ##__VA_ARGS__, 4, 3, 2, 1, 0)
#define __L4_ARGC_(_0, _1, _2, _3, _4, n, ...) n
#define __L4_PASTE(a, b) a##b
#define __L4_PICK(name, n) __L4_PASTE(name, n)
#define __L4_OVERLOAD(name, ...) __L4_PICK(name, __L4_ARGC(__VA_ARGS__))(__VA_ARGS__)

#define L4_GlobalId(...) __L4_OVERLOAD(__L4_GlobalId, __VA_ARGS__)
#define __L4_GlobalId1 L4_GlobalIdOf
#define __L4_GlobalId2 L4_GlobalId
#define L4_LocalId(t) L4_LocalIdOf(t)
#define L4_UserDefinedHandle(...) __L4_OVERLOAD(__L4_UserDefinedHandle, __VA_ARGS__)
#define __L4_UserDefinedHandle0 L4_UserDefinedHandle
#define __L4_UserDefinedHandle1 L4_UserDefinedHandleOf
#define L4_Set_UserDefinedHandle(...) __L4_OVERLOAD(__L4_Set_UserDefinedHandle, __VA_ARGS__)
#define __L4_Set_UserDefinedHandle1 L4_Set_UserDefinedHandle
#define __L4_Set_UserDefinedHandle2 L4_Set_UserDefinedHandleOf
#define L4_Pager(...) __L4_OVERLOAD(__L4_Pager, __VA_ARGS__)
#define __L4_Pager0 L4_Pager
#define __L4_Pager1 L4_PagerOf
#define L4_Set_Pager(...) __L4_OVERLOAD(__L4_Set_Pager, __VA_ARGS__)
#define __L4_Set_Pager1 L4_Set_Pager
#define __L4_Set_Pager2 L4_Set_PagerOf
#define L4_Start(...) __L4_OVERLOAD(__L4_Start, __VA_ARGS__)
#define __L4_Start1 L4_Start
#define __L4_Start3 L4_Start_SpIp
#define __L4_Start4 L4_Start_SpIpFlags
#define L4_Stop(...) __L4_OVERLOAD(__L4_Stop, __VA_ARGS__)
#define __L4_Stop1 L4_Stop
#define __L4_Stop4 L4_Stop_SpIpFlags
#define L4_AbortReceive_and_stop(...) __L4_OVERLOAD(__L4_AbortReceive_and_stop, __VA_ARGS__)
#define __L4_AbortReceive_and_stop1 L4_AbortReceive_and_stop
#define __L4_AbortReceive_and_stop4 L4_AbortReceive_and_stop_SpIpFlags
#define L4_AbortSend_and_stop(...) __L4_OVERLOAD(__L4_AbortSend_and_stop, __VA_ARGS__)
#define __L4_AbortSend_and_stop1 L4_AbortSend_and_stop
#define __L4_AbortSend_and_stop4 L4_AbortSend_and_stop_SpIpFlags
#define L4_AbortIpc_and_stop(...) __L4_OVERLOAD(__L4_AbortIpc_and_stop, __VA_ARGS__)
#define __L4_AbortIpc_and_stop1 L4_AbortIpc_and_stop
#define __L4_AbortIpc_and_stop4 L4_AbortIpc_and_stop_SpIpFlags

#endif
