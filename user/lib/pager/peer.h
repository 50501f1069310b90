/* SPDX-License-Identifier: MIT */
/* The pager library's one scalar-layer piece: another local thread's TCRs, read from its UTCB. */
#ifndef USER_PAGER_PEER_H
#define USER_PAGER_PEER_H

#include <l4/utcb.h>

/*
 * X.2 gives a thread its own TCRs only (L4_ExceptionHandler, L4_MyGlobalId); a pager
 * in its client's space reads the client's in the client's UTCB, which the local ID
 * addresses (X.2 §2.1: on mnemo, its MR0; ABI §6 places the TCRs below it). So this
 * file uses the scalar layer's UTCB offsets, and is the one file of the pager
 * library that tools/check-x2api.sh does not hold to X.2 names.
 */
static inline L4_ThreadId_t pgr_peer_tcr(L4_ThreadId_t local, int word)
{
	return (L4_ThreadId_t){.raw = ((const volatile L4_Word_t *)local.raw)[word]};
}
static inline L4_ThreadId_t pgr_peer_exception_handler(L4_ThreadId_t local)
{
	return pgr_peer_tcr(local, L4_UTCB_EXCEPTION_HANDLER);
}
static inline L4_ThreadId_t pgr_peer_global_id(L4_ThreadId_t local)
{
	return pgr_peer_tcr(local, L4_UTCB_MY_GLOBAL_ID);
}

#endif
