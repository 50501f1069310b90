/* SPDX-License-Identifier: MIT */
/* IPC internals shared by ipc.c and ipc_string.c (not for the rest of the kernel). */
#ifndef KERN_IPC_IMPL_H
#define KERN_IPC_IMPL_H

#include <kern/ipc.h>

struct tcb;

/* Whether receiver r would take a message from s now. */
bool ipc_accepts(struct tcb *r, struct tcb *s);
/* Appends sender s to r's send queue. */
void ipc_sendq_add(struct tcb *r, struct tcb *s);
/* Transfers s's message to the waiting r and wakes r; returns s's error word. */
word_t ipc_deliver(struct tcb *s, struct tcb *r);

/* Writes the X.2 page-fault message (ABI §9.1) into t's kernel message buffer. */
void ipc_pagefault_message(struct tcb *t, vaddr_t addr, unsigned access, word_t ip);

/* Words of the string item that starts with w0: the item word and j + 1 pointers. */
static inline unsigned ipc_string_item_words(l4_word_t w0) { return 2 + ((w0 >> 4) & 0x1f); }

/* Copies the string items among s's typed words [first, end) into r's string
 * buffers (BR1...), raising page faults in either space as needed. Returns 0 or
 * an IPC error code, with *offset the bytes transferred before it. */
enum ipc_err ipc_copy_strings(struct tcb *s, struct tcb *r, unsigned first, unsigned end, word_t *offset);

#endif
