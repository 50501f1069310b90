/* SPDX-License-Identifier: MIT */
/* The X.2 system-call handlers; each reads its arguments from and writes results to the frame. */
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H

#include <arch/trapframe.h>

void sys_space_control(struct trapframe *tf);
void sys_thread_control(struct trapframe *tf);
void sys_processor_control(struct trapframe *tf);
void sys_memory_control(struct trapframe *tf);
void sys_ipc(struct trapframe *tf);
/* sys_ipc without its fast path: for the assembly fast path when a guard it
 * shares with the C one fails. */
void sys_ipc_general(struct trapframe *tf);
/* A thread that blocked in the assembly IPC fast path runs again through the
 * scheduler: finishes its IPC as sys_ipc does after the C fast path. */
void ipc_fastpath_resumed(void);
void sys_unmap(struct trapframe *tf);
void sys_exchange_registers(struct trapframe *tf);
void sys_system_clock(struct trapframe *tf);
void sys_thread_switch(struct trapframe *tf);
void sys_schedule(struct trapframe *tf);

#endif
