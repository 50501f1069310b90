/* SPDX-License-Identifier: MIT */
/* exit() for mnemo's user programs. */
#ifndef USER_STDLIB_H
#define USER_STDLIB_H

/* Stops the calling thread for good (X.2 has no process exit: the thread sleeps forever). */
__attribute__((noreturn)) void exit(int status);

#endif
