/* SPDX-License-Identifier: MIT */
/* The thread-state service of the kernel: the state thread and its requests (include/mnemo/thread_state.h). */
#ifndef KERN_THREAD_STATE_H
#define KERN_THREAD_STATE_H

#include <kern/types.h>

struct tcb;

/* Creates the state thread; false when out of memory. */
bool thread_state_init(void);
bool thread_state_is_thread(const struct tcb *t);
/* Serves the caller's message to the state thread: the reply's label (0 or
 * MNEMO_STATE_E*) is returned, its *n words are in reply[0..] (at most
 * MNEMO_STATE_PART_WORDS). */
word_t thread_state_serve(struct tcb *caller, word_t *reply, unsigned *n);

#endif
