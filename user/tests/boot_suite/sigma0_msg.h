/* SPDX-License-Identifier: MIT */
/* The boot suite's messages to sigma0 beyond X.2's L4_Sigma0_GetPage: its ID and the extended protocol. */
#ifndef BOOT_SIGMA0_MSG_H
#define BOOT_SIGMA0_MSG_H

#include <l4/ipc.h>
#include <l4/kip.h>

/* sigma0's thread ID: the first user thread, version 1 (X.2 "Sigma0 RPC protocol"). */
static inline L4_ThreadId_t boot_sigma0(void) { return L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1); }

/* sigma0's extended protocol (label -1001, ABI §9.2) into the MRs: MR1 the
 * operation (1: verbosity, 2: dump its pools), MR2 its argument. */
#define BOOT_SIGMA0_EXTENDED_LABEL ((L4_Word_t)-1001 << 4)
static inline void boot_load_sigma0_extended(L4_Word_t op, L4_Word_t arg)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, BOOT_SIGMA0_EXTENDED_LABEL);
	L4_MsgAppendWord(&msg, op);
	L4_MsgAppendWord(&msg, arg);
	L4_MsgLoad(&msg);
}

#endif
