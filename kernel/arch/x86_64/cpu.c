/* SPDX-License-Identifier: MIT */
/* Descriptor tables (GDT, TSS, IDT) and the CPU's mode bits for syscall and the FPU. */
#include <kern/types.h>
#include <kern/string.h>
#include <arch/cpu.h>
#include <arch/pat.h>
#include <arch/layout.h>
#include <arch/x86.h>

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type_attr;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

static uint64_t gdt[GDT_NOT_PRESENT / 8 + 1] __aligned(16);
struct tss cpu_tss __aligned(16);
static struct idt_gate idt[256] __aligned(16);
/* Double fault, NMI and machine check run on their own stack: they may hit
 * while the kernel stack is unusable. */
static uint8_t ist_stack[2][4096] __aligned(16);

word_t cpu_kstack_top;
word_t cpu_user_rsp_scratch;

extern const word_t trap_stub_table[49];
extern char syscall_entry[];

static void set_gate(unsigned vec, word_t handler, unsigned dpl, unsigned ist)
{
	idt[vec] = (struct idt_gate){
	    .off_lo = handler & 0xffff,
	    .sel = GDT_KCODE,
	    .ist = ist,
	    .type_attr = 0x8e | (dpl << 5), /* present, 64-bit interrupt gate */
	    .off_mid = (handler >> 16) & 0xffff,
	    .off_hi = handler >> 32,
	};
}

void cpu_init(void)
{
	gdt[0] = 0;
	gdt[GDT_KCODE / 8] = 0x00AF9A000000FFFF; /* 64-bit code, DPL 0 */
	gdt[GDT_KDATA / 8] = 0x00CF92000000FFFF; /* data, DPL 0 */
	gdt[GDT_UCODE32 / 8] = 0x00CFFA000000FFFF; /* 32-bit code, DPL 3 (sysret layout) */
	gdt[GDT_UDATA / 8] = 0x00CFF2000000FFFF; /* data, DPL 3 */
	gdt[GDT_UCODE / 8] = 0x00AFFA000000FFFF; /* 64-bit code, DPL 3 */
	word_t t = (word_t)&cpu_tss;
	gdt[GDT_TSS / 8] =
	    (sizeof(cpu_tss) - 1) | ((t & 0xffffff) << 16) | (0x89ull << 40) | (((t >> 24) & 0xff) << 56);
	gdt[GDT_TSS / 8 + 1] = t >> 32;
	/* A data descriptor marked not present: the exception self-test loads it (#NP). */
	gdt[GDT_NOT_PRESENT / 8] = 0x00CF12000000FFFF;
	cpu_tss.iomap_base = sizeof(cpu_tss); /* no I/O bitmap: port access is governed by IOPL */
	cpu_tss.ist[0] = (word_t)(ist_stack[0] + sizeof ist_stack[0]);
	cpu_tss.ist[1] = (word_t)(ist_stack[1] + sizeof ist_stack[1]);

	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = {sizeof(gdt) - 1, (word_t)gdt}, idtr = {sizeof(idt) - 1, (word_t)idt};
	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	__asm__ volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:"
			 :
			 : "i"(GDT_KCODE)
			 : "rax", "memory");
	__asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss" : : "r"((uint16_t)GDT_KDATA));
	__asm__ volatile("ltr %0" : : "r"((uint16_t)GDT_TSS));

	for (unsigned v = 0; v < 49; v++) {
		unsigned ist = v == 8 ? 1 : (v == 2 || v == 18) ? 2 : 0;
		/* int3 is the X.2 kernel-debugger call; MemoryControl's stub uses int $0x30. */
		set_gate(v, trap_stub_table[v], v == 3 || v == VEC_MEMORY_CONTROL ? 3 : 0, ist);
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));

	/* syscall: kernel CS/SS from STAR[47:32]; sysret: user CS = STAR[63:48] + 16. */
	wrmsr(MSR_STAR, ((uint64_t)GDT_KCODE << 32) | ((uint64_t)(GDT_UCODE32 | 3) << 48));
	wrmsr(MSR_LSTAR, (word_t)syscall_entry);
	wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | RFLAGS_NT);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1 | (1 << 11)); /* SCE, NXE */
	pat_init(); /* memory types for MemoryControl */
}

void arch_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void arch_debug_exit(unsigned code)
{
	outb(0xf4, (uint8_t)code);
	arch_halt_forever();
}
