/* SPDX-License-Identifier: MIT */
/* kernel_main: bring-up of the x86-64 kernel after the 32-bit entry has enabled long mode. */
#include <kern/init.h>
#include <kern/kip.h>
#include <kern/frame.h>
#include <kern/memmap.h>
#include <kern/thread.h>
#include <kern/printk.h>
#include <kern/ipc.h>
#include <kern/kmem.h>
#include <kern/thread_state.h>
#include <arch/cpu.h>
#include <arch/physmem.h>
#include <arch/x86.h>
#include <mnemo/exitcode.h>

#define MIN_KERNEL_POOL_KB 1024
#define BOOT_MAP_LIMIT (1ull << 30) /* the boot page tables map the first GiB */

l4_word_t arch_syscall_stub(unsigned i);
void selftest_exceptions(void);
__noreturn void kernel_main(void);

static __noreturn void boot_fail(const char *what)
{
	printk("mnemo: error: %s\n", what);
	arch_debug_exit(MNEMO_EXIT_FAIL);
}

static void memory_init(void)
{
	unsigned n = l4_kip_memdesc_count(&kip);
	if (!n)
		boot_fail("the KIP has no memory descriptors: start mnemo through an X.2 boot loader");
	struct phys_range pool[MEMMAP_MAX_RANGES];
	unsigned np = memmap_kernel_pool(kip.memdesc, n, virt_to_phys(_kernel_start), virt_to_phys(_kernel_end), pool,
					 MEMMAP_MAX_RANGES);
	/* Until pgtable_init only the first GiB is mapped: the pool must lie there. */
	unsigned usable = 0;
	word_t kb = 0;
	for (unsigned i = 0; i < np; i++) {
		if (pool[i].start >= BOOT_MAP_LIMIT)
			continue;
		if (pool[i].end > BOOT_MAP_LIMIT)
			pool[i].end = BOOT_MAP_LIMIT;
		pool[usable++] = pool[i];
		kb += (pool[i].end - pool[i].start) / 1024;
	}
	if (kb < MIN_KERNEL_POOL_KB) {
		printk("mnemo: kernel memory pool: %llu KiB below 1 GiB, need at least %u KiB\n",
		       (unsigned long long)kb, MIN_KERNEL_POOL_KB);
		boot_fail("too little kernel memory (the boot loader reserves it: kmem=)");
	}
	frame_init(pool, usable);
	printk("mnemo: kernel memory pool %llu KiB in %u range(s), first %#llx\n", (unsigned long long)kb, usable,
	       (unsigned long long)pool[0].start);
	pgtable_init(memmap_phys_top(kip.memdesc, n));
}

void kernel_main(void)
{
	serial_init();
	printk("\nmnemo: L4 X.2 microkernel for x86-64\n");
	cpu_init();
	memory_init();
	fpu_init();
	timer_init();
	uint32_t r[4];
	cpuid(0x80000001, 0, r);
	kip_init(arch_syscall_stub, timer_tsc_khz(), r[3] & (1u << 26));
	printk("mnemo: command line \"%s\", TSC %llu kHz\n", kip_kernel_cmdline(), (unsigned long long)timer_tsc_khz());
	thread_table_init();
	if (!irq_threads_init(16))
		boot_fail("out of kernel memory for the interrupt threads");
	if (!kmem_init() || !thread_state_init())
		boot_fail("out of kernel memory for the kernel's service threads");
	if (kip_cmdline_has("selftest=exceptions"))
		selftest_exceptions();
	if (!root_servers_start())
		boot_fail("cannot start the root servers");
	thread_idle_loop();
}
