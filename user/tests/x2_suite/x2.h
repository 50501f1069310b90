/* SPDX-License-Identifier: MIT */
/* What the X.2 suite's test files share: fresh thread IDs, UTCB slots and stacks, threads in our space and in new spaces. */
#pragma once
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/thread.h>
#include <stdbool.h>
#include <x2msg.h>

#define UTCB_AREA 0xBF000000ull
#define KIP_AREA 0xBFF00000ull
#define LABEL_DONE 0x77

L4_ThreadId_t new_tid(void);
L4_Word_t new_utcb(void);
L4_Word_t new_stack(void);
void sleep_forever(void) __attribute__((noreturn));
void send_word(L4_ThreadId_t to, L4_Word_t label, L4_Word_t w);
/* A thread of our own space, started by ExchangeRegisters at fn. */
L4_ThreadId_t start_local(void (*fn)(void));
/* A thread in a new space (with redirector, or nil), started at fn by our start
 * message and paged by us; L4_nilthread if a step fails. */
L4_ThreadId_t start_child(void (*fn)(void), L4_ThreadId_t redirector);
/* t's old control word from ExchangeRegisters (bit 0 halted, 1 receiving, 2 sending). */
L4_Word_t thread_state_of(L4_ThreadId_t t);
/* Runs t (ThreadSwitch) until its state has all of `bits`: it blocked in its IPC.
 * Deterministic, unlike sleeping for a while; false if it never does. */
bool wait_state(L4_ThreadId_t t, L4_Word_t bits);
#define XR_RECEIVING 2u
#define XR_SENDING 4u
/* Serves child's page faults from our own pages until it reports; counts faults. */
L4_MsgTag_t serve_child(L4_ThreadId_t child, unsigned *faults);
