// pingpong_stubs.cc: local definitions for symbols pingpong needs from files not fetched (written here, not Pistachio code).
#include <l4/tracebuffer.h>
#include <l4/amd64/compat.h>

// Pistachio's libl4 finds the trace buffer through the KIP feature "tracebuffer"; mnemo has none.
L4_TraceBuffer_t *L4_GetTraceBuffer() { return 0; }

// pingpong-amd64-32.cc (compiled -m32, the 'a' menu's compatibility-mode test) is not built.
L4_ThreadId32_t ping_tid_32;
void pong_32_thread(void) { for (;;) L4_KDB_Enter("pong_32_thread not built"); }
