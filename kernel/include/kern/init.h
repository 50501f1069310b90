/* SPDX-License-Identifier: MIT */
/* Generic boot steps the architecture's kernel_main calls. */
#ifndef KERN_INIT_H
#define KERN_INIT_H

#include <kern/types.h>

/* Creates sigma0 and the root task from the KIP; false (after a message) on failure. */
bool root_servers_start(void);
/* Runs the scheduler forever on the boot stack, as the idle thread. */
__noreturn void thread_idle_loop(void);

#endif
