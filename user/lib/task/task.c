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

bool task_create(l4_threadid_t t, l4_threadid_t pager, unsigned utcb_log2)
{
	l4_threadid_t me = l4_myself();
	return l4_thread_control(t, t, me, L4_NILTHREAD, ~0ull) == 1 &&
	       l4_space_control(t, 0, l4_fpage_log2(TASK_KIP_AREA, 12), l4_fpage_log2(TASK_UTCB_AREA, utcb_log2),
				L4_NILTHREAD, NULL) == 1 &&
	       l4_thread_control(t, t, me, pager, TASK_UTCB_AREA) == 1;
}

l4_word_t task_state_call(unsigned op, l4_threadid_t t, l4_word_t part, const l4_word_t *in, unsigned nin,
			  l4_word_t *out)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(op, 2 + nin, 0, 0);
	mr[1] = t, mr[2] = part;
	for (unsigned i = 0; i < nin; i++)
		mr[3 + i] = in[i];
	l4_msgtag_t tag = l4_call(mnemo_state_thread(__l4_kip));
	if (l4_ipc_failed(tag))
		return ~0ul;
	mr = l4_utcb();
	for (unsigned i = 0; out && i < L4_TAG_U(tag); i++)
		out[i] = mr[1 + i];
	return L4_TAG_LABEL(tag);
}

const char *task_module_cmdline(const char *name)
{
	const struct l4_bootinfo *bi = (const struct l4_bootinfo *)__l4_kip->boot_info;
	if (!bi || bi->magic != L4_BOOTINFO_MAGIC)
		return "";
	const struct l4_bootrec *r = l4_bootinfo_first(bi);
	size_t n = strlen(name);
	for (l4_word_t i = 0; i < bi->num_entries; i++, r = l4_bootrec_next(r)) {
		if (r->type != L4_BOOTREC_MODULE)
			continue;
		const char *c = l4_bootrec_module_cmdline((const struct l4_bootrec_module *)r);
		for (const char *p = c; *p && *p != ' '; p++) /* in the file name, not the arguments */
			if (!strncmp(p, name, n))
				return c;
	}
	return "";
}
