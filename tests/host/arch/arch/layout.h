/* SPDX-License-Identifier: MIT */
/* Host stand-in for the virtual memory layout constants generic code uses. */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define USER_TOP 0x0000800000000000ull
#define KSTACK_SIZE 4096

#endif
