/* SPDX-License-Identifier: MIT */
/* Host stand-ins for the arch hooks of kernel/core: simulated physical memory, page tables, threads. */
#include <stdlib.h>
#include <string.h>
#include <kern/thread.h>
#include <kern/arch_thread.h>
#include <kern/space.h>
#include <kern/pgtable.h>
#include <kern/panic.h>
#include <arch/physmem.h>
#include <arch/trapframe.h>

char *host_phys_base;

/* Page tables: a small list of 4 KiB leaves per space, enough for unit tests. */
struct host_leaf {
	vaddr_t va;
	paddr_t pa;
	unsigned size_log2, rights;
	struct host_leaf *next;
};

bool pt_create(struct arch_pgtable *pt)
{
	pt->host = NULL;
	return true;
}

void pt_destroy(struct arch_pgtable *pt)
{
	for (struct host_leaf *l = pt->host, *n; l; l = n) {
		n = l->next;
		free(l);
	}
	pt->host = NULL;
}

static struct host_leaf **find(struct arch_pgtable *pt, vaddr_t va)
{
	for (struct host_leaf **l = (struct host_leaf **)&pt->host; *l; l = &(*l)->next)
		if (va >= (*l)->va && va - (*l)->va < (1ull << (*l)->size_log2))
			return l;
	return NULL;
}

bool pt_map(struct arch_pgtable *pt, vaddr_t va, paddr_t pa, unsigned size_log2, unsigned rights)
{
	struct host_leaf **old = find(pt, va);
	struct host_leaf *l = old ? *old : calloc(1, sizeof *l);
	if (!old) {
		l->next = pt->host;
		pt->host = l;
	}
	l->va = va, l->pa = pa, l->size_log2 = size_log2, l->rights = rights;
	return true;
}

unsigned pt_unmap(struct arch_pgtable *pt, vaddr_t va)
{
	struct host_leaf **l = find(pt, va);
	if (!l)
		return 0;
	struct host_leaf *dead = *l;
	unsigned sz = dead->size_log2;
	*l = dead->next;
	free(dead);
	return sz;
}

bool pt_lookup(const struct arch_pgtable *pt, vaddr_t va, paddr_t *pa, unsigned *size_log2, unsigned *rights)
{
	struct host_leaf **l = find((struct arch_pgtable *)pt, va);
	if (!l)
		return false;
	*pa = (*l)->pa + ((va - (*l)->va) & ~0xfffull);
	*size_log2 = (*l)->size_log2;
	*rights = (*l)->rights;
	return true;
}

/* Threads never really run on the host: switching only records who is current. */
static struct trapframe host_frames[16];
struct trapframe *arch_user_frame(struct tcb *t) { return &host_frames[((uintptr_t)t >> 12) % 16]; }
void arch_thread_init_user(struct tcb *t, word_t ip, word_t sp, bool io) { (void)t, (void)ip, (void)sp, (void)io; }
void arch_thread_switch(struct tcb *from, struct tcb *to) { (void)from, (void)to; }
void arch_thread_release(struct tcb *t) { (void)t; }
word_t host_clock_us;
word_t arch_clock_us(void) { return host_clock_us; }
void arch_idle_wait(void) {}
void arch_system_stopped(void) { panic("host: system stopped"); }
bool arch_user_may_own(paddr_t pa)
{
	(void)pa;
	return true;
}

/* Unmap's preemption point: counted, so tests see that long unmaps yield; a test
 * may run other work there (what another thread would do while we are preempted). */
unsigned long host_preempt_points;
void (*host_preempt_hook)(void);
void arch_preempt_point(void)
{
	host_preempt_points++;
	if (host_preempt_hook)
		host_preempt_hook();
}

/* Frame accessors, the start trampoline and the interrupt controller. */
static word_t host_ip, host_sp, host_flags;
void arch_thread_init_startup(struct tcb *t, bool io) { (void)t, (void)io; }
word_t arch_user_ip(struct tcb *t)
{
	(void)t;
	return host_ip;
}
word_t arch_user_sp(struct tcb *t)
{
	(void)t;
	return host_sp;
}
word_t arch_user_flags(struct tcb *t)
{
	(void)t;
	return host_flags;
}
void arch_set_user_ip(struct tcb *t, word_t ip)
{
	(void)t;
	host_ip = ip;
}
void arch_set_user_sp(struct tcb *t, word_t sp)
{
	(void)t;
	host_sp = sp;
}
void arch_set_user_flags(struct tcb *t, word_t flags)
{
	(void)t;
	host_flags = flags;
}
void arch_irq_mask(unsigned line) { (void)line; }
void arch_irq_unmask(unsigned line) { (void)line; }
bool arch_irq_available(unsigned line) { return line != 0 && line < 16; }
bool arch_user_read(void *dst, vaddr_t uva, size_t len)
{
	(void)dst, (void)uva, (void)len;
	return false;
}
bool arch_user_probe(word_t *dst, vaddr_t uva)
{
	(void)dst, (void)uva;
	return false;
}

/* The thread-state service's arch side: the host keeps one fake frame (ip, sp,
 * flags above); the GPRs and the FPU image are not simulated. */
void arch_state_get_regs(struct tcb *t, word_t *w)
{
	(void)t;
	w[2] = host_ip, w[3] = host_sp, w[4] = host_flags;
}
bool arch_state_set_regs(struct tcb *t, const word_t *w)
{
	(void)t;
	host_ip = w[2], host_sp = w[3], host_flags = w[4];
	return true;
}
void arch_state_ipc_restart(word_t *w, bool recv_only)
{
	w[2] -= 2;
	if (recv_only)
		w[9] = 0;
}
bool arch_state_fpu(struct tcb *t, unsigned half, word_t *w, bool set)
{
	(void)t, (void)half, (void)w, (void)set;
	return false;
}
void arch_fpu_release(struct tcb *t) { (void)t; }
uint32_t arch_mxcsr_mask;
