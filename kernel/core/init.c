/* SPDX-License-Identifier: MIT */
/* Starting the root servers named in the KIP (X.2: sigma0 and the root task), each in its own space. */
#include <kern/init.h>
#include <kern/kip.h>
#include <kern/thread.h>
#include <kern/arch_thread.h>
#include <kern/space.h>
#include <kern/mdb.h>
#include <kern/sched.h>
#include <kern/printk.h>
#include <l4/utcb.h>

/* Where root servers find the KIP and their UTCBs (as on Pistachio, ABI §4.4). */
#define ROOT_KIP_AREA 0xBFF00000ull
#define ROOT_UTCB_AREA 0xBF000000ull
#define ROOT_UTCB_AREA_LOG2 18 /* 256 UTCBs */

static struct tcb *start_root_server(const char *name, const struct l4_kip_server *srv, word_t number,
				     l4_threadid_t pager, bool sigma0)
{
	struct space *s = space_create();
	if (!s ||
	    !space_set_areas(s, l4_fpage_log2(ROOT_KIP_AREA, 12), l4_fpage_log2(ROOT_UTCB_AREA, ROOT_UTCB_AREA_LOG2))) {
		printk("mnemo: out of kernel memory starting %s\n", name);
		return NULL;
	}
	s->sigma0 = sigma0;
	if (sigma0)
		mdb_set_sigma0(&s->mdb); /* the roots of every derivation tree live here */
	struct tcb *t = thread_create(l4_global_id(number, 1), s, SCHED_ROOT_PRIORITY);
	l4_word_t *mr = t ? space_utcb_kernel_ptr(s, ROOT_UTCB_AREA) : NULL;
	if (!mr) {
		printk("mnemo: out of kernel memory starting %s\n", name);
		return NULL;
	}
	mr += L4_UTCB_MR0_OFFSET / sizeof(l4_word_t);
	t->utcb_k = mr;
	t->name = name;
	t->utcb = ROOT_UTCB_AREA + L4_UTCB_MR0_OFFSET;
	t->pager = pager;
	t->scheduler = t->id;
	t->io_privileged = true;
	mr[L4_UTCB_MY_GLOBAL_ID] = t->id;
	mr[L4_UTCB_PAGER] = pager;
	mr[L4_UTCB_WORD_SIZE_MASK] = ~0ull;
	/* Root servers drive the UART and other devices themselves (ABI §1.2). */
	arch_thread_init_user(t, srv->ip, srv->sp, true);
	thread_wake(t);
	printk("mnemo: started %s: thread %llx.1 entry %#llx image %#llx-%#llx\n", name, (unsigned long long)number,
	       (unsigned long long)srv->ip, (unsigned long long)srv->low, (unsigned long long)srv->high);
	return t;
}

bool root_servers_start(void)
{
	const word_t user_base = THREAD_USER_BASE;
	if (!kip.sigma0.ip || !kip.root_server.ip) {
		printk("mnemo: error: the KIP names no %s (boot loader did not load it)\n",
		       !kip.sigma0.ip ? "sigma0" : "root task");
		return false;
	}
	if (!start_root_server("sigma0", &kip.sigma0, user_base, L4_NILTHREAD, true))
		return false;
	if (!start_root_server("root task", &kip.root_server, user_base + 2, l4_global_id(user_base, 1), false))
		return false;
	return true;
}
