/* SPDX-License-Identifier: MIT */
/* Helpers of root tasks: a thread in a new address space, our module's command line. */
#include <task.h>
#include <string.h>
#include <l4/thread.h>
#include <l4/space.h>
#include <l4/kip.h>
#include <l4/bootinfo.h>
#include <l4/ipc.h>
#include <mnemo/thread_state.h>

/* The KIP, asked for once (KernelInterface traps; a state call should not). */
static void *kip(void)
{
	static void *k;
	if (!k)
		k = L4_GetKernelInterface();
	return k;
}

bool task_create(L4_ThreadId_t t, L4_ThreadId_t pager, unsigned utcb_log2)
{
	L4_ThreadId_t me = L4_Myself();
	return L4_ThreadControl(t, t, me, L4_nilthread, (void *)-1) == 1 &&
	       L4_SpaceControl(t, 0, L4_FpageLog2(TASK_KIP_AREA, 12), L4_FpageLog2(TASK_UTCB_AREA, (int)utcb_log2),
			       L4_nilthread, NULL) == 1 &&
	       L4_ThreadControl(t, t, me, pager, (void *)TASK_UTCB_AREA) == 1;
}

L4_Word_t task_state_call(unsigned op, L4_ThreadId_t t, L4_Word_t part, const L4_Word_t *in, unsigned nin,
			  L4_Word_t *out)
{
	/* straight into the MRs (a checkpoint's pause makes these calls: no message object
	 * to fill and copy, no stack page more) */
	L4_MsgTag_t tag = L4_MsgTagAddLabel(L4_Niltag, op);
	tag.X.u = 2 + nin;
	L4_Set_MsgTag(tag);
	L4_LoadMR(1, t.raw);
	L4_LoadMR(2, part);
	L4_LoadMRs(3, (int)nin, in);
	/* the state thread and its protocol are mnemo's own (mnemo/thread_state.h) */
	tag = L4_Call((L4_ThreadId_t){.raw = mnemo_state_thread(kip())});
	if (L4_IpcFailed(tag))
		return ~0ul;
	if (out)
		L4_StoreMRs(1, (int)L4_UntypedWords(tag), out);
	return L4_Label(tag);
}

const char *task_module_cmdline(const char *name)
{
	void *bi = (void *)L4_BootInfo(kip());
	if (!bi || !L4_BootInfo_Valid(bi))
		return "";
	L4_BootRec_t *r = L4_BootInfo_FirstEntry(bi);
	size_t n = strlen(name);
	for (L4_Word_t i = 0; i < L4_BootInfo_Entries(bi); i++, r = L4_BootRec_Next(r)) {
		if (L4_BootRec_Type(r) != L4_BootInfo_Module)
			continue;
		const char *c = L4_Module_Cmdline(r) ? L4_Module_Cmdline(r) : "";
		for (const char *p = c; *p && *p != ' '; p++) /* in the file name, not the arguments */
			if (!strncmp(p, name, n))
				return c;
	}
	return "";
}
