/* SPDX-License-Identifier: MIT */
/* X.2 ABI value types (amd64): words, thread IDs, flexpages, message tags, time. */
#ifndef L4_TYPES_H
#define L4_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef uint64_t l4_word_t;
typedef int64_t l4_sword_t;

/* Thread ID (X.2 §2.1): bits 0-31 version, 32-63 thread number. A word whose
 * low 6 bits are zero is a local ID: the user address of that thread's MR0. */
typedef l4_word_t l4_threadid_t;

#define L4_NILTHREAD ((l4_threadid_t)0)
#define L4_ANYTHREAD (~(l4_threadid_t)0)
#define L4_ANYLOCALTHREAD (~(l4_threadid_t)0x3f)

static inline l4_threadid_t l4_global_id(l4_word_t number, l4_word_t version)
{
	return (number << 32) | (version & 0xffffffffu);
}
static inline l4_word_t l4_thread_no(l4_threadid_t t) { return t >> 32; }
static inline l4_word_t l4_version(l4_threadid_t t) { return t & 0xffffffffu; }
static inline int l4_is_local_id(l4_threadid_t t) { return (t & 0x3f) == 0 && t != 0; }

/* Flexpage (X.2 §2.3): bits 0-2 rwx, bit 3 extended, bits 4-9 log2 size
 * (0 nil, 1 complete address space), bits 10-63 base >> 10. */
typedef l4_word_t l4_fpage_t;

#define L4_READABLE 4u
#define L4_WRITABLE 2u
#define L4_EXECUTABLE 1u
#define L4_FULLY_ACCESSIBLE 7u
#define L4_NILPAGE ((l4_fpage_t)0)
#define L4_COMPLETE_ADDRESS_SPACE ((l4_fpage_t)(1u << 4))

static inline l4_fpage_t l4_fpage_log2(l4_word_t base, unsigned log2size)
{
	return (base & ~(l4_word_t)0x3ff) | ((l4_word_t)(log2size & 0x3f) << 4);
}
static inline unsigned l4_fpage_size_log2(l4_fpage_t f) { return (f >> 4) & 0x3f; }
static inline l4_word_t l4_fpage_base(l4_fpage_t f) { return f & ~(l4_word_t)0x3ff; }
static inline unsigned l4_fpage_rights(l4_fpage_t f) { return f & 7u; }
static inline l4_fpage_t l4_fpage_add_rights(l4_fpage_t f, unsigned r) { return f | (r & 7u); }

/* Message tag, MR0 (X.2 §5.2): bits 0-5 u, 6-11 t, 12 propagated, 13 redirected,
 * 14 cross-cpu, 15 error, 16-63 label. */
typedef l4_word_t l4_msgtag_t;

#define L4_TAG_U(t) ((t)&0x3f)
#define L4_TAG_T(t) (((t) >> 6) & 0x3f)
#define L4_TAG_PROPAGATED (1u << 12)
#define L4_TAG_REDIRECTED (1u << 13)
#define L4_TAG_XCPU (1u << 14)
#define L4_TAG_ERROR (1u << 15)
#define L4_TAG_LABEL(t) ((t) >> 16)

static inline l4_msgtag_t l4_msgtag(l4_word_t label, unsigned u, unsigned t, unsigned flags)
{
	return (label << 16) | (flags & 0xf000u) | ((l4_word_t)(t & 0x3f) << 6) | (u & 0x3f);
}

/* Kernel-generated protocol labels (X.2 §7-§8): sign-extended 48-bit labels,
 * so bits 20-63 of the tag hold the pattern of (n << 20). */
#define L4_LABEL_PAGEFAULT ((l4_word_t)-2 << 4)
#define L4_LABEL_INTERRUPT ((l4_word_t)-1 << 4)
#define L4_LABEL_PREEMPTION ((l4_word_t)-3 << 4)
#define L4_LABEL_PREEMPT_EXCEPTION ((l4_word_t)-4 << 4) /* X.2 generic exception: a delayed preemption ran out */
#define L4_LABEL_EXCEPTION ((l4_word_t)-5 << 4)
#define L4_LABEL_SIGMA0 ((l4_word_t)-6 << 4)

/* Time (X.2 §2.4): 16-bit; period m*2^e us with bit 15 clear; point with bit 15 set. */
typedef uint16_t l4_time_t;
#define L4_NEVER ((l4_time_t)0)
#define L4_ZERO_TIME ((l4_time_t)0x0400)

typedef uint64_t l4_clock_t; /* microseconds */

/*
 * The X.2 convenience programming interface (X.2 names and types), over the
 * scalar layer above: what X.2 programs written for any X.2 libl4 use. The
 * value types are unions of a raw word and the X.2 fields, as X.2 programs
 * expect (they read .raw and .X); C has no == on unions, so thread IDs and
 * clocks are compared with the X.2 functions (L4_IsThreadEqual, ...).
 */
typedef l4_word_t L4_Word_t;
typedef uint64_t L4_Word64_t;
typedef uint32_t L4_Word32_t;
typedef uint16_t L4_Word16_t;
typedef uint8_t L4_Word8_t;
typedef l4_sword_t L4_SignedWord_t;
typedef int64_t L4_SignedWord64_t;
typedef int32_t L4_SignedWord32_t;
typedef int16_t L4_SignedWord16_t;
typedef int8_t L4_SignedWord8_t;
typedef L4_Word_t L4_Size_t;
typedef L4_Word_t L4_Bool_t;
#define L4_INLINE static inline
#define L4_64BIT 1
#define L4_LITTLE_ENDIAN 1
#define L4_ARCH_AMD64 1
#define L4_BITS_PER_WORD 64

/* ThreadControl and SpaceControl error codes (UTCB ErrorCode, X.2 §3). */
#define L4_ErrOk 0
#define L4_ErrNoPrivilege 1
#define L4_ErrInvalidThread 2
#define L4_ErrInvalidSpace 3
#define L4_ErrInvalidScheduler 4
#define L4_ErrInvalidParam 5
#define L4_ErrUtcbArea 6
#define L4_ErrKipArea 7
#define L4_ErrNoMem 8

/* Flexpages: rwx, the extended bit, log2 size s, base >> 10 (b). */
typedef union {
	L4_Word_t raw;
	struct {
		L4_Word_t rwx : 3, extended : 1, s : 6, b : 54;
	} X;
} L4_Fpage_t;
_Static_assert(sizeof(L4_Fpage_t) == 8, "L4_Fpage_t is one word");

#define L4_Readable 0x04u
#define L4_Writable 0x02u
#define L4_eXecutable 0x01u
#define L4_FullyAccessible 0x07u
#define L4_ReadWriteOnly 0x06u
#define L4_ReadeXecOnly 0x05u
#define L4_NoAccess 0x00u
#define L4_Nilpage ((L4_Fpage_t){.raw = 0})
#define L4_CompleteAddressSpace ((L4_Fpage_t){.raw = L4_COMPLETE_ADDRESS_SPACE})

L4_INLINE L4_Bool_t L4_IsNilFpage(L4_Fpage_t f) { return f.raw == 0; }
L4_INLINE L4_Word_t L4_Rights(L4_Fpage_t f) { return f.X.rwx; }
L4_INLINE L4_Fpage_t L4_Set_Rights(L4_Fpage_t *f, L4_Word_t rwx)
{
	f->X.rwx = rwx & 7;
	return *f;
}
L4_INLINE L4_Fpage_t L4_FpageAddRights(L4_Fpage_t f, L4_Word_t rwx)
{
	f.X.rwx |= rwx & 7;
	return f;
}
L4_INLINE L4_Fpage_t L4_FpageAddRightsTo(L4_Fpage_t *f, L4_Word_t rwx) { return *f = L4_FpageAddRights(*f, rwx); }
L4_INLINE L4_Fpage_t L4_FpageRemoveRights(L4_Fpage_t f, L4_Word_t rwx)
{
	f.X.rwx &= ~rwx & 7;
	return f;
}
L4_INLINE L4_Fpage_t L4_FpageRemoveRightsFrom(L4_Fpage_t *f, L4_Word_t rwx)
{
	return *f = L4_FpageRemoveRights(*f, rwx);
}
/* The fpage of 2^s bytes at base, s the log2 of size rounded up; no rights.
 * The base is cut to a multiple of 2^10 only: the kernel aligns it to 2^s. */
L4_INLINE L4_Fpage_t L4_FpageLog2(L4_Word_t base, int log2size)
{
	return (L4_Fpage_t){.raw = l4_fpage_log2(base, (unsigned)log2size)};
}
L4_INLINE L4_Fpage_t L4_Fpage(L4_Word_t base, L4_Word_t size)
{
	int s = size <= 1 ? 0 : 64 - __builtin_clzl(size - 1);
	return L4_FpageLog2(base, s);
}
L4_INLINE L4_Word_t L4_SizeLog2(L4_Fpage_t f) { return f.X.s; }
L4_INLINE L4_Word_t L4_Size(L4_Fpage_t f) { return f.X.s == 0 ? 0 : f.X.s >= 64 ? ~0ul : 1ul << f.X.s; }
L4_INLINE L4_Word_t L4_Address(L4_Fpage_t f) { return f.X.s >= 64 ? 0 : f.raw & ~((1ul << f.X.s) - 1) & ~0x3fful; }

/* Thread IDs: global (thread number 32 bits over version 32 bits on amd64) or
 * local (the address of the thread's MR0: low 6 bits zero). */
typedef union {
	L4_Word_t raw;
	struct {
		L4_Word_t version : 32, thread_no : 32;
	} X;
} L4_GthreadId_t;
typedef union {
	L4_Word_t raw;
	struct {
		L4_Word_t _zeros : 6, local_id : 58;
	} X;
} L4_LthreadId_t;
typedef union {
	L4_Word_t raw;
	L4_GthreadId_t global;
	L4_LthreadId_t local;
} L4_ThreadId_t;
_Static_assert(sizeof(L4_ThreadId_t) == 8, "L4_ThreadId_t is one word");

#define L4_nilthread ((L4_ThreadId_t){.raw = L4_NILTHREAD})
#define L4_anythread ((L4_ThreadId_t){.raw = L4_ANYTHREAD})
#define L4_anylocalthread ((L4_ThreadId_t){.raw = L4_ANYLOCALTHREAD})

L4_INLINE L4_ThreadId_t L4_GlobalId(L4_Word_t thread_no, L4_Word_t version)
{
	return (L4_ThreadId_t){.raw = l4_global_id(thread_no, version)};
}
L4_INLINE L4_Word_t L4_ThreadNo(L4_ThreadId_t t) { return t.global.X.thread_no; }
L4_INLINE L4_Word_t L4_Version(L4_ThreadId_t t) { return t.global.X.version; }
L4_INLINE L4_Bool_t L4_IsThreadEqual(L4_ThreadId_t l, L4_ThreadId_t r) { return l.raw == r.raw; }
L4_INLINE L4_Bool_t L4_IsThreadNotEqual(L4_ThreadId_t l, L4_ThreadId_t r) { return l.raw != r.raw; }
L4_INLINE L4_Bool_t L4_IsNilThread(L4_ThreadId_t t) { return t.raw == 0; }
L4_INLINE L4_Bool_t L4_IsLocalId(L4_ThreadId_t t) { return t.local.X._zeros == 0; }
L4_INLINE L4_Bool_t L4_IsGlobalId(L4_ThreadId_t t) { return t.local.X._zeros != 0; }

/* Clock: microseconds. */
typedef union {
	L4_Word64_t raw;
	struct {
		L4_Word32_t low, high;
	} X;
} L4_Clock_t;
L4_INLINE L4_Clock_t L4_ClockAddUsec(L4_Clock_t c, L4_Word64_t us) { return (L4_Clock_t){.raw = c.raw + us}; }
L4_INLINE L4_Clock_t L4_ClockSubUsec(L4_Clock_t c, L4_Word64_t us) { return (L4_Clock_t){.raw = c.raw - us}; }
L4_INLINE L4_Bool_t L4_IsClockEarlier(L4_Clock_t l, L4_Clock_t r) { return l.raw < r.raw; }
L4_INLINE L4_Bool_t L4_IsClockLater(L4_Clock_t l, L4_Clock_t r) { return l.raw > r.raw; }
L4_INLINE L4_Bool_t L4_IsClockEqual(L4_Clock_t l, L4_Clock_t r) { return l.raw == r.raw; }
L4_INLINE L4_Bool_t L4_IsClockNotEqual(L4_Clock_t l, L4_Clock_t r) { return l.raw != r.raw; }

/* Time: a period m * 2^e us (a = 0), or a point (a = 1): the clock value whose
 * bits e..e+9 are m, in the 2^(e+10) us period whose lowest bit is c. */
typedef union {
	L4_Word16_t raw;
	struct {
		L4_Word16_t m : 10, e : 5, a : 1;
	} period;
	struct {
		L4_Word16_t m : 10, c : 1, e : 4, a : 1;
	} point;
} L4_Time_t;
_Static_assert(sizeof(L4_Time_t) == 2, "L4_Time_t is 16 bits");

#define L4_Never ((L4_Time_t){.raw = L4_NEVER})
#define L4_ZeroTime ((L4_Time_t){.raw = L4_ZERO_TIME})

/* The shortest period of at least `us` (never for more than 1023 * 2^31 us). */
L4_INLINE L4_Time_t L4_TimePeriod(L4_Word64_t us)
{
	unsigned e = 0;
	while (us >= 1024) {
		us = (us + 1) >> 1;
		e++;
	}
	return e > 31 ? L4_Never : (L4_Time_t){.raw = (L4_Word16_t)((e << 10) | us)};
}
/* The point `at` as seen at clock value `now`, rounded up to the finest
 * exponent e whose stretch (2^(e+10) us) still reaches it from now, so that a
 * timeout at the point never ends before `at`; never if at is 2^25 us or more
 * away. */
static inline l4_time_t l4_time_point(l4_clock_t at, l4_clock_t now)
{
	for (unsigned e = 0; e < 16; e++) {
		l4_clock_t up = (at + (1ull << e) - 1) >> e << e;
		if (up - now < (1ull << (e + 10)) || up < now)
			return (l4_time_t)(0x8000u | (e << 11) | (((up >> (e + 10)) & 1) << 10) | ((up >> e) & 0x3ff));
	}
	return L4_NEVER;
}

#endif
