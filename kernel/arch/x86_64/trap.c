/* SPDX-License-Identifier: MIT */
/* Exception and interrupt dispatch; reports every exception the kernel does not handle. */
#include <kern/thread.h>
#include <kern/sched.h>
#include <kern/space.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/ipc.h>
#include <kern/arch_thread.h>
#include <l4/utcb.h>
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/x86.h>
#include <arch/ipc.h>

volatile word_t trap_recovery_rip;
volatile word_t trap_recovery_rsp;
volatile word_t trap_recovery_count;
volatile word_t trap_recovery_last_vector;

extern char user_copy_begin[], user_copy_end[], user_copy_fail[], user_probe_load[], user_probe_fail[];
extern int user_probe_word(word_t *dst, const word_t *src);
extern int user_copy_bytes(void *dst, const void *src, size_t len);
extern int user_read_word(word_t *dst, const word_t *src);
void timer_irq(void);
void pic_irq(unsigned line);
void memory_control_gate(struct trapframe *tf);
bool kernel_interface_trap(struct trapframe *tf);
bool kdb_trap(struct trapframe *tf);

static const char *const exception_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 floating point",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD floating point",
    "#VE virtualization",
    "#CP control protection",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved 31",
};

const char *trap_name(word_t vector);
const char *trap_name(word_t vector) { return vector < 32 ? exception_names[vector] : "interrupt"; }

void trap_report(const struct trapframe *tf, const char *who)
{
	printk("mnemo: %s exception %llu (%s) error %#llx\n", who, (unsigned long long)tf->vector,
	       trap_name(tf->vector), (unsigned long long)tf->error);
	if (tf->vector == 14)
		printk("  fault address %#018llx (%s, %s, %s)\n", (unsigned long long)read_cr2(),
		       (tf->error & 1) ? "protection" : "not present", (tf->error & 2) ? "write" : "read",
		       (tf->error & 16)	 ? "fetch"
		       : (tf->error & 4) ? "user"
					 : "kernel");
	printk("  rip %016llx cs %04llx rflags %016llx rsp %016llx ss %04llx\n", (unsigned long long)tf->rip,
	       (unsigned long long)tf->cs, (unsigned long long)tf->rflags, (unsigned long long)tf->rsp,
	       (unsigned long long)tf->ss);
	printk("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)tf->rax,
	       (unsigned long long)tf->rbx, (unsigned long long)tf->rcx, (unsigned long long)tf->rdx);
	printk("  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n", (unsigned long long)tf->rsi,
	       (unsigned long long)tf->rdi, (unsigned long long)tf->rbp, (unsigned long long)tf->r8);
	printk("  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n", (unsigned long long)tf->r9,
	       (unsigned long long)tf->r10, (unsigned long long)tf->r11, (unsigned long long)tf->r12);
	printk("  r13 %016llx r14 %016llx r15 %016llx\n", (unsigned long long)tf->r13, (unsigned long long)tf->r14,
	       (unsigned long long)tf->r15);
}

bool arch_user_probe(word_t *dst, vaddr_t uva)
{
	if (uva >= USER_TOP - sizeof(word_t) || (uva & 7))
		return false;
	return user_probe_word(dst, (const word_t *)uva) == 0;
}

bool arch_user_read(void *dst, vaddr_t uva, size_t len)
{
	if (uva >= USER_TOP || len > USER_TOP - uva)
		return false;
	if (len == sizeof(word_t))
		return user_read_word(dst, (const word_t *)uva) == 0;
	return user_copy_bytes(dst, (const void *)uva, len) == 0;
}

/* A kernel-mode exception: recoverable in user copies and in the self-test. */
static void kernel_trap(struct trapframe *tf)
{
	if (tf->vector == 14 && tf->rip == (word_t)user_probe_load) {
		tf->rip = (word_t)user_probe_fail; /* a probe never asks a pager */
		return;
	}
	if (tf->vector == 14 && tf->rip >= (word_t)user_copy_begin && tf->rip < (word_t)user_copy_end) {
		word_t addr = read_cr2();
		/* the pager is told the thread's user IP, never a kernel address */
		if (addr < USER_TOP && user_fault(addr, tf->error & ~(word_t)4, arch_user_frame(current)->rip, NULL))
			return; /* resolved: the copy resumes */
		tf->rip = (word_t)user_copy_fail;
		return;
	}
	if (trap_recovery_rip) {
		printk("mnemo: kernel exception %llu (%s) error %#llx at rip %#llx: reported, recovering\n",
		       (unsigned long long)tf->vector, trap_name(tf->vector), (unsigned long long)tf->error,
		       (unsigned long long)tf->rip);
		trap_recovery_last_vector = tf->vector;
		trap_recovery_count++;
		tf->rip = trap_recovery_rip;
		tf->rsp = trap_recovery_rsp;
		tf->rflags &= ~(word_t)RFLAGS_TF; /* the #DB test single-steps */
		trap_recovery_rip = 0;
		return;
	}
	trap_report(tf, "kernel");
	panic("unhandled kernel exception");
}

/* The amd64 exception message (ABI §9.3): MR1..MR18 are these frame slots, MR19
 * the vector, MR20 the error code; the reply's MRs are loaded back. */
#define EXC_MSG_WORDS 19
static word_t *exc_slot(struct trapframe *tf, unsigned mr)
{
	static const uint8_t offset[EXC_MSG_WORDS - 1] = {
	    TF_RIP, TF_RBX, TF_R10, TF_R12, TF_R13, TF_R14, TF_R15, TF_RAX, TF_RCX,
	    TF_RDX, TF_RSI, TF_RDI, TF_RBP, TF_R8,  TF_R9,  TF_R11, TF_RSP, TF_RFLAGS,
	};
	return (word_t *)((char *)tf + offset[mr - 1]);
}

/* Sends exception IPC (label, MR19 the exception number, MR20 the error code)
 * to the thread's exception handler (its UTCB names it) and resumes with the
 * registers of the reply; false if there is no handler. */
static bool exception_ipc(struct trapframe *tf, word_t label, word_t number, word_t error)
{
	l4_threadid_t handler = current->utcb_k ? current->utcb_k[L4_UTCB_EXCEPTION_HANDLER] : L4_NILTHREAD;
	if (handler == L4_NILTHREAD)
		return false;
	word_t *m = current->kmsg_buf;
	m[0] = l4_msgtag(label, EXC_MSG_WORDS, 0, 0);
	for (unsigned i = 1; i < EXC_MSG_WORDS; i++)
		m[i] = *exc_slot(tf, i);
	m[EXC_MSG_WORDS] = number;
	m[EXC_MSG_WORDS + 1] = error;
	if (!ipc_kernel_call(handler))
		return false;
	word_t flags = tf->rflags, rip = tf->rip;
	for (unsigned i = 1; i < EXC_MSG_WORDS; i++)
		*exc_slot(tf, i) = m[i];
	/* Only the flags user code could change itself; only user addresses for RIP. */
	tf->rflags = flags;
	arch_set_user_flags(current, m[18]);
	tf->rip = rip;
	arch_set_user_ip(current, m[1]);
	return true;
}

static bool has_exception_handler(const struct tcb *t)
{
	return t->utcb_k && t->utcb_k[L4_UTCB_EXCEPTION_HANDLER] != L4_NILTHREAD;
}

/* An exception the thread's own code caused: to its exception handler by IPC;
 * without one the thread stops (as Pistachio does) after a report. */
static void user_exception_unhandled(struct trapframe *tf)
{
	if (exception_ipc(tf, L4_LABEL_EXCEPTION, tf->vector, tf->error))
		return;
	printk("mnemo: thread %llx.%llx (%s): unhandled user exception, thread halted\n",
	       (unsigned long long)l4_thread_no(current->id), (unsigned long long)l4_version(current->id),
	       current->name ? current->name : "?");
	trap_report(tf, "user");
	thread_block(current, TS_HALTED);
}

/* An interrupt of user code asks for a reschedule: an asynchronous preemption
 * (X.2 §"Schedule"). A thread with s set whose delayed preemption ran out
 * first sends the preempt exception to its handler (label -4, the registers
 * as in an exception message, exception number 0) and waits for the answer,
 * as for any exception; the delay is then over (I cleared). Without a handler
 * the delay ends as without s: the thread is preempted. */
static void preempt_user(struct trapframe *tf)
{
	if (unlikely(sched_delay_overrun(current)) && exception_ipc(tf, L4_LABEL_PREEMPT_EXCEPTION, 0, 0) &&
	    sched_delaying == current)
		sched_end_delay();
	schedule_interrupted();
}

void trap_dispatch(struct trapframe *tf)
{
	if (tf->vector >= 32) {
		if (tf->vector == 32)
			timer_irq();
		else if (tf->vector == VEC_MEMORY_CONTROL)
			memory_control_gate(tf);
		else
			pic_irq((unsigned)tf->vector - 32);
	} else if (!tf_from_user(tf)) {
		kernel_trap(tf);
		return;
	} else {
		switch (tf->vector) {
		case 7: fpu_trap_nm(); break;
		case 6:
			if (!kernel_interface_trap(tf))
				user_exception_unhandled(tf);
			break;
		case 3:
			if (!kdb_trap(tf))
				user_exception_unhandled(tf);
			break;
		case 14: {
			bool canceled = false;
			if (user_fault(read_cr2(), tf->error, tf->rip, &canceled))
				break;
			/* ExchangeRegisters canceled the page-fault IPC: a thread with an
			 * exception handler gets the #PF as exception IPC (the pager
			 * library's "lost" path, docs/pagers.md); one without goes back to
			 * the access, which faults again, as on Pistachio (l4test
			 * "Pagefault cancelled"), instead of being halted. */
			if (canceled && !has_exception_handler(current))
				break;
			user_exception_unhandled(tf);
			break;
		}
		default: user_exception_unhandled(tf);
		}
	}
	if (need_resched) {
		/* An interrupt at a kernel preemption point (or in the idle loop):
		 * the thread is in the middle of kernel work, not at a boundary. */
		bool was_in_kernel = current->preempted_in_kernel;
		current->preempted_in_kernel = was_in_kernel || !tf_from_user(tf);
		if (tf_from_user(tf) && tf->vector >= 32 && tf->vector != VEC_MEMORY_CONTROL)
			preempt_user(tf);
		else
			schedule();
		current->preempted_in_kernel = was_in_kernel;
	}
}
