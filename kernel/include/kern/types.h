/* SPDX-License-Identifier: MIT */
/* Basic kernel types: fixed-width integers, bool, physical and virtual addresses. */
#ifndef KERN_TYPES_H
#define KERN_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <l4/types.h>

typedef uint64_t paddr_t; /* physical address */
typedef uint64_t vaddr_t; /* virtual address in some address space */
typedef l4_word_t word_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE ((word_t)1 << PAGE_SHIFT)
#define ALIGN_DOWN(x, a) ((x) & ~((word_t)(a)-1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (word_t)(a)-1, (a))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __unused __attribute__((unused))
#define __noreturn __attribute__((noreturn))
#define __aligned(n) __attribute__((aligned(n)))

#endif
