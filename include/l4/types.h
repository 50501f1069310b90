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

#endif
