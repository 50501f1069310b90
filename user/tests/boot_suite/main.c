/* SPDX-License-Identifier: MIT */
/* The boot suite: the root task checks the X.2 environment mnemo gives it, then IPC basics. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/sigma0.h>
#include <l4/kdebug.h>
#include "sigma0_msg.h"

/*
 * Most tests are written with the X.2 convenience interface, as a root task of
 * any X.2 kernel would be. Four check the raw ABI beneath it and use mnemo's
 * scalar layer on purpose: boot.kip.interface (KernelInterface's registers),
 * boot.kip.layout (KIP fields at their offsets), boot.kip.stubs (the system-call
 * stub addresses) and boot.utcb (UTCB words at their offsets from %gs:0).
 */
#define KIP_ADDR 0xBFF00000ull
#define UTCB_AREA 0xBF000000ull
/* Bootloader-specific memory types of mnemo's loader (docs/boot.md): subtype 2 an
 * image of sigma0 or the root task, 4 the kernel's. */
#define SERVER_IMAGE_MEMORY_TYPE (L4_BootLoaderSpecificMemoryType + (2 << 4))
#define KERNEL_IMAGE_MEMORY_TYPE (L4_BootLoaderSpecificMemoryType + (4 << 4))

USER_TEST(ring3, "boot.ring3", "the root task runs in ring 3 with I/O privilege")
{
	unsigned long cs, flags;
	__asm__("mov %%cs, %0" : "=r"(cs));
	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	TEST_CHECK_EQ(cs & 3, 3);
	TEST_CHECK_EQ((flags >> 12) & 3, 3); /* IOPL 3: root servers drive the UART (ABI §1.2) */
	TEST_CHECK(flags & (1u << 9)); /* interrupts on */
}

USER_TEST(kernel_interface, "boot.kip.interface", "KernelInterface returns the KIP, version, flags and kernel ID")
{
	l4_word_t ver, flags, id;
	struct l4_kip *k = l4_kernel_interface(&ver, &flags, &id);
	TEST_CHECK_EQ((l4_word_t)k, KIP_ADDR);
	TEST_CHECK_EQ(ver, 0xFFFFFFFF84050000ull); /* sign-extended from 32 bits */
	TEST_CHECK_EQ(flags, 4);
	TEST_CHECK_EQ(k->magic, L4_KIP_MAGIC);
	TEST_CHECK_EQ(id, *(const l4_word_t *)((const char *)k + k->kern_desc_ptr));
}

USER_TEST(kip_layout, "boot.kip.layout", "the KIP fields X.2 programs read have X.2 values")
{
	const struct l4_kip *k = __l4_kip;
	TEST_CHECK_EQ(k->api_version, L4_KIP_API_VERSION);
	TEST_CHECK_EQ(k->utcb_info, 0xC2801);
	TEST_CHECK_EQ(k->kip_area_info & 0x3f, 12);
	TEST_CHECK_EQ(l4_kip_user_base(k), 48);
	TEST_CHECK_EQ(l4_kip_system_base(k), 16);
	TEST_CHECK_EQ(k->thread_info & 0xff, 18);
	TEST_CHECK_EQ(k->page_info & 7, 7);
	TEST_CHECK(k->page_info & (1u << 12));
	TEST_CHECK(k->procdesc[0].internal_khz > 0);
	TEST_CHECK_EQ(k->kern_desc_ptr, 0x260);
	const char *version = (const char *)k + k->kern_desc_ptr + 32;
	TEST_CHECK(strncmp(version, "mnemo", 5) == 0);
	TEST_CHECK(k->boot_info != 0);
}

USER_TEST(kernel_desc, "boot.kip.kernel_desc",
	  "the kernel descriptor's date, version and supplier words use the X.2 bit fields (l4test prints them)")
{
	const l4_word_t *kd = (const l4_word_t *)((const char *)__l4_kip + __l4_kip->kern_desc_ptr);
	l4_word_t day = kd[1] & 0x1f, month = (kd[1] >> 5) & 0xf, year = 2000 + ((kd[1] >> 9) & 0x7f);
	TEST_CHECK(day >= 1 && day <= 31);
	TEST_CHECK(month >= 1 && month <= 12);
	TEST_CHECK(year >= 2024);
	/* version 0.1 as in "mnemo 0.1": bits 24-31 version, 16-23 subversion, 0-15 subsubversion */
	TEST_CHECK_EQ((kd[2] >> 24) & 0xff, 0);
	TEST_CHECK_EQ((kd[2] >> 16) & 0xff, 1);
	TEST_CHECK_EQ(kd[2] & 0xffff, 0);
	TEST_CHECK_EQ(kd[3], 'm' | ('n' << 8) | ('m' << 16) | (' ' << 24));
}

/* The memory descriptors as sigma0 and the root task see them: later ones override;
 * the type with its subtype (L4_MemoryDescType). */
static L4_Word_t final_type(void *kip, L4_Word_t pa)
{
	L4_Word_t t = L4_UndefinedMemoryType;
	for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip); i++) {
		L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
		if (!L4_IsMemoryDescVirtual(d) && pa >= L4_MemoryDescLow(d) && pa <= L4_MemoryDescHigh(d))
			t = L4_MemoryDescType(d);
	}
	return t;
}

/* The low address of the first physical descriptor of the type (with subtype), 0 if none. */
static L4_Word_t first_of_type(void *kip, L4_Word_t type)
{
	for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip); i++) {
		L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
		if (L4_MemoryDescType(d) == type)
			return L4_MemoryDescLow(d);
	}
	return 0;
}

USER_TEST(kip_memory, "boot.kip.memory", "memory descriptors cover RAM, the kernel pool and our own image")
{
	void *kip = L4_GetKernelInterface();
	unsigned pool = 0, conventional = 0;
	for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip); i++) {
		L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
		conventional += L4_MemoryDescType(d) == L4_ConventionalMemoryType;
		pool += L4_MemoryDescType(d) == L4_ReservedMemoryType;
	}
	TEST_CHECK(conventional > 0);
	TEST_CHECK(pool > 0);
	TEST_CHECK_EQ(final_type(kip, (L4_Word_t)&kip_memory), SERVER_IMAGE_MEMORY_TYPE);
	TEST_CHECK_EQ(((L4_KernelInterfacePage_t *)kip)->RootServer.low, 0x1000000);
}

USER_TEST(stubs, "boot.kip.stubs", "the eleven system-call stubs are distinct user-executable addresses")
{
	for (unsigned i = 0; i < L4_SC_COUNT; i++) {
		TEST_CHECK(__l4_kip->syscall[i] != 0);
		for (unsigned j = 0; j < i; j++)
			TEST_CHECK(__l4_kip->syscall[i] != __l4_kip->syscall[j] || (i == L4_SC_LIPC && j == L4_SC_IPC));
	}
	/* executing one proves it is mapped executable for user code */
	l4_clock_t t = l4_system_clock();
	TEST_CHECK(t > 0);
}

USER_TEST(utcb, "boot.utcb", "%gs:0 is MR0 of our UTCB; the UTCB holds our global ID and pager")
{
	TEST_CHECK_EQ(l4_my_local_id(), UTCB_AREA + 512);
	TEST_CHECK_EQ(l4_myself(), l4_global_id(48 + 2, 1));
	TEST_CHECK_EQ(l4_pager(), l4_global_id(48, 1));
	l4_utcb()[40] = 0x1234; /* MRs are ordinary writable memory */
	TEST_CHECK_EQ(l4_utcb()[40], 0x1234);
}

USER_TEST(clock, "boot.clock", "SystemClock is monotonic and advances")
{
	L4_Clock_t a = L4_SystemClock(), b;
	do
		b = L4_SystemClock();
	while (L4_IsClockEqual(b, a));
	TEST_CHECK(L4_IsClockLater(b, a));
}

static char bss_block[256 * 1024];

USER_TEST(bss_faults, "boot.pagefault.bss", "64 fresh BSS pages fault in through sigma0 and keep what is written")
{
	for (unsigned i = 0; i < sizeof bss_block; i += 4096)
		bss_block[i] = (char)(i >> 12);
	for (unsigned i = 0; i < sizeof bss_block; i += 4096)
		TEST_CHECK_EQ((unsigned char)bss_block[i], (unsigned char)(i >> 12));
}

USER_TEST(sigma0_any, "boot.sigma0.any", "sigma0 hands out any free page into a receive window")
{
	const L4_Word_t where = 0x40000000;
	L4_Fpage_t got = L4_Sigma0_GetPage(L4_nilthread, L4_FpageAddRights(L4_FpageLog2(~0ull, 12), L4_FullyAccessible),
					   L4_FpageLog2(where, 12));
	TEST_CHECK(!L4_IsNilFpage(got));
	TEST_CHECK_EQ(L4_SizeLog2(got), 12);
	volatile L4_Word_t *p = (volatile L4_Word_t *)where;
	*p = 0xfeedface;
	TEST_CHECK_EQ(*p, 0xfeedface);
}

USER_TEST(sigma0_specific, "boot.sigma0.specific",
	  "sigma0 answers a specific page idempotently and refuses kernel memory (the pool and the image)")
{
	L4_Fpage_t req = L4_FpageAddRights(L4_FpageLog2(0x2000000, 12), L4_FullyAccessible);
	L4_Fpage_t a = L4_Sigma0_GetPage(L4_nilthread, req, L4_FpageLog2(0x41000000, 12));
	L4_Fpage_t b = L4_Sigma0_GetPage(L4_nilthread, req, L4_FpageLog2(0x41001000, 12));
	TEST_CHECK_EQ(L4_Address(a), 0x2000000);
	TEST_CHECK_EQ(L4_Address(b), 0x2000000);
	/* the two windows now alias one frame */
	*(volatile L4_Word_t *)0x41000000 = 77;
	TEST_CHECK_EQ(*(volatile L4_Word_t *)0x41001000, 77);
	/* the kernel pool (reserved) is never handed out */
	void *kip = L4_GetKernelInterface();
	L4_Word_t pool = first_of_type(kip, L4_ReservedMemoryType);
	L4_Fpage_t k = L4_Sigma0_GetPage(L4_nilthread, L4_FpageAddRights(L4_FpageLog2(pool, 12), L4_FullyAccessible),
					 L4_FpageLog2(0x42000000, 12));
	TEST_CHECK_EQ(k.raw, L4_Nilpage.raw);
	/* nor the kernel's image, whose frames the kernel keeps from sigma0 */
	L4_Word_t image = first_of_type(kip, KERNEL_IMAGE_MEMORY_TYPE);
	TEST_CHECK(image != 0);
	k = L4_Sigma0_GetPage(L4_nilthread, L4_FpageAddRights(L4_FpageLog2(image + 0x1000, 12), L4_FullyAccessible),
			      L4_FpageLog2(0x42000000, 12));
	TEST_CHECK_EQ(k.raw, L4_Nilpage.raw);
}

USER_TEST(sigma0_dump, "boot.sigma0.dump", "sigma0's extended protocol prints its pools and replies when asked")
{
	boot_load_sigma0_extended(2, 1); /* dump, and reply */
	L4_MsgTag_t tag = L4_Call(boot_sigma0());
	TEST_CHECK(!L4_IpcFailed(tag));
}

USER_TEST(sleep, "boot.ipc.sleep", "a receive from self with a 5 ms timeout ends with a receive timeout after 5 ms")
{
	L4_Clock_t t0 = L4_SystemClock();
	L4_MsgTag_t tag = L4_Receive_Timeout(L4_Myself(), L4_TimePeriod(5000));
	L4_Clock_t t1 = L4_SystemClock();
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1); /* timeout, receive phase */
	TEST_CHECK(t1.raw - t0.raw >= 5000);
}

USER_TEST(zero_timeout, "boot.ipc.zero_timeout", "a receive with a zero timeout fails at once when nobody sends")
{
	L4_MsgTag_t tag = L4_Receive_Timeout(boot_sigma0(), L4_ZeroTime);
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
}

USER_TEST(no_partner, "boot.ipc.no_partner", "IPC to a thread that does not exist fails with 'non-existing partner'")
{
	L4_Set_MsgTag(L4_Niltag);
	L4_MsgTag_t tag = L4_Send(L4_GlobalId(1000, 1));
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 2 << 1); /* send phase */
	tag = L4_Receive(L4_GlobalId(48, 7)); /* sigma0's number, wrong version */
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), (2 << 1) | 1);
	/* a local ID (the address of a UTCB's MR0) with no thread */
	tag = L4_Send((L4_ThreadId_t){.raw = UTCB_AREA + 512 + 1024});
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 2 << 1);
	/* in a page of the UTCB area that has no UTCB at all: no page fault, no partner */
	tag = L4_Ipc((L4_ThreadId_t){.raw = UTCB_AREA + 100 * 1024 + 512}, L4_nilthread,
		     L4_Timeouts(L4_ZeroTime, L4_Never), NULL);
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 2 << 1);
}

USER_TEST(overflow, "boot.ipc.overflow", "a tag with more than 63 words is refused without harm")
{
	L4_MsgTag_t tag = L4_Niltag;
	tag.X.u = 40;
	tag.X.t = 30;
	L4_Set_MsgTag(tag);
	tag = L4_Ipc(boot_sigma0(), L4_nilthread, L4_Timeouts(L4_ZeroTime, L4_Never), NULL);
	TEST_CHECK(L4_IpcFailed(tag));
}

USER_TEST(kdb, "boot.kdb", "the kernel-debugger calls print and read without blocking")
{
	L4_KDB_PrintString("boot suite: printed through KDB PrintString\n");
	L4_KDB_PrintChar('k');
	L4_KDB_PrintChar('\n');
	TEST_CHECK_EQ(L4_KDB_ReadChar(), 0); /* no input waiting */
}

int main(void)
{
	printf("boot suite: hello from ring 3\n");
	test_run_all("boot");
}
