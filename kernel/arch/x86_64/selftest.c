/* SPDX-License-Identifier: MIT */
/* Boot option selftest=exceptions: raise every exception vector in ring 0 and check the report. */
#include <kern/printk.h>
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/x86.h>
#include <mnemo/exitcode.h>

void selftest_exceptions(void);
volatile uint64_t selftest_sink; /* keeps the faulting loads */

extern volatile word_t trap_recovery_last_vector;
extern const word_t trap_stub_table[48];
const char *trap_name(word_t vector);

/* Enters the handler of `vector` with the exact frame the CPU builds for an
 * exception with an error code, for vectors ring 0 cannot raise for real (#DF,
 * #TS, #AC, #CP, #VC, #SX): the handler and the IDT entry are the real ones. */
static void fake_exception(word_t handler, word_t error)
{
	__asm__ volatile("movq %%rsp, %%rax\n"
			 "andq $-16, %%rsp\n"
			 "pushq %[ss]\n"
			 "pushq %%rax\n"
			 "pushfq\n"
			 "pushq %[cs]\n"
			 "leaq 1f(%%rip), %%rax\n"
			 "pushq %%rax\n"
			 "pushq %[err]\n"
			 "jmpq *%[h]\n"
			 "1:\n"
			 :
			 : [ss] "i"(GDT_KDATA), [cs] "i"(GDT_KCODE), [err] "r"(error), [h] "r"(handler)
			 : "rax", "memory");
}

static word_t gate_handler(unsigned v)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	const uint32_t *g = (const uint32_t *)(idtr.base + 16 * v);
	return (g[0] & 0xffff) | (g[1] & 0xffff0000) | ((word_t)g[2] << 32);
}

#define INT_N(n) __asm__ volatile("int $" #n ::: "memory")

/* How each vector is raised: for real, by `int n`, or through a CPU-shaped frame. */
static const char *vector_how(unsigned v)
{
	switch (v) {
	case 0:
	case 1:
	case 3:
	case 6:
	case 7:
	case 11:
	case 12:
	case 13:
	case 14:
	case 16: return "real";
	case 8:
	case 10:
	case 17:
	case 21:
	case 29:
	case 30: return "CPU-shaped frame";
	}
	return "int n"; /* includes #XM: QEMU's TCG never raises it */
}

#define INT_N(n) __asm__ volatile("int $" #n ::: "memory")

static void raise_vector(unsigned v)
{
	switch (v) {
	case 0: __asm__ volatile("xorl %%ecx, %%ecx; divl %%ecx" : : : "eax", "ecx", "edx", "memory"); return;
	case 1: /* single step: TF traps after the instruction that follows popf */
		__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq; nop" ::: "memory");
		return;
	case 3: __asm__ volatile("int3" ::: "memory"); return;
	case 6: __asm__ volatile("ud2" ::: "memory"); return;
	case 7:
		write_cr0(read_cr0() | 8);
		__asm__ volatile("fnop" ::: "memory");
		return;
	case 11: /* load a data segment whose descriptor is not present */
		__asm__ volatile("movw %0, %%fs" : : "r"((uint16_t)GDT_NOT_PRESENT) : "memory");
		return;
	case 12: /* load SS with a descriptor that is not present */
		__asm__ volatile("movw %0, %%ss" : : "r"((uint16_t)GDT_NOT_PRESENT) : "memory");
		return;
	case 13: selftest_sink = *(volatile uint64_t *)0x8000000000000000ull; return;
	case 14: selftest_sink = *(volatile uint64_t *)0x1000; return;
	case 16: { /* x87: unmask divide-by-zero, divide, then wait */
		uint16_t cw = 0x37b;
		__asm__ volatile("clts; fninit; fldcw %0; fld1; fldz; fdivrp; fwait" : : "m"(cw) : "memory");
		return;
	}
	case 8:
	case 10:
	case 17:
	case 21:
	case 29:
	case 30: fake_exception(gate_handler(v), v == 17 ? 0 : GDT_NOT_PRESENT); return;
	case 2: INT_N(2); return;
	case 4: INT_N(4); return;
	case 5: INT_N(5); return;
	case 9: INT_N(9); return;
	case 15: INT_N(15); return;
	case 18: INT_N(18); return;
	case 19: INT_N(19); return;
	case 20: INT_N(20); return;
	case 22: INT_N(22); return;
	case 23: INT_N(23); return;
	case 24: INT_N(24); return;
	case 25: INT_N(25); return;
	case 26: INT_N(26); return;
	case 27: INT_N(27); return;
	case 28: INT_N(28); return;
	case 31: INT_N(31); return;
	}
}

/* Calls fn(arg) so that an exception inside it, once reported, returns here
 * with 1 (the trap handler restores the saved stack pointer); 0 otherwise. */
int recover_call(void (*fn)(unsigned), unsigned arg);
__asm__(".text\n"
	"recover_call:\n"
	"pushq %rbp; pushq %rbx; pushq %r12; pushq %r13; pushq %r14; pushq %r15\n"
	"movq %rsp, trap_recovery_rsp(%rip)\n"
	"leaq 1f(%rip), %rax\n"
	"movq %rax, trap_recovery_rip(%rip)\n"
	"movq %rdi, %rax\n"
	"movl %esi, %edi\n"
	"callq *%rax\n"
	"xorl %eax, %eax\n"
	"jmp 2f\n"
	"1: movl $1, %eax\n"
	"2: movq $0, trap_recovery_rip(%rip)\n"
	"popq %r15; popq %r14; popq %r13; popq %r12; popq %rbx; popq %rbp\n"
	"ret\n");

void selftest_exceptions(void)
{
	unsigned passed = 0;
	for (unsigned v = 0; v < 32; v++) {
		word_t before = trap_recovery_count;
		int recovered = recover_call(raise_vector, v);
		bool ok = recovered && trap_recovery_count == before + 1 && trap_recovery_last_vector == v;
		printk("%s kernel.exc.%u vector %u (%s) raised (%s) and reported\n", ok ? "ok" : "not ok", v, v,
		       trap_name(v), vector_how(v));
		passed += ok;
	}
	/* Leave the FPU as boot left it. */
	uint32_t mx = 0x1f80;
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mx));
	write_cr0(read_cr0() | 8);
	printk("selftest: %u passed, %u failed\n", passed, 32 - passed);
	arch_debug_exit(passed == 32 ? MNEMO_EXIT_PASS : MNEMO_EXIT_FAIL);
}
