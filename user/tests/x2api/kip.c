/* SPDX-License-Identifier: MIT */
/* The x2api suite, part KIP: the kernel interface page, boot information, kernel debugger, sigma0 and I/O fpages. */
#include <test.h>
#include <stdio.h>
#include <string.h>
#include <l4/kip.h>
#include <l4/bootinfo.h>
#include <l4/kdebug.h>
#include <l4/sigma0.h>
#include <l4/arch.h>

/*
 * Facts of mnemo checked here (docs/boot.md, docs/status.md, the ABI notes):
 * the root task finds the KIP at 0xBFF00000, the bottom of its KIP area; the
 * loader writes the memory descriptors and one module record per boot module;
 * the scenario boots mnemo.elf, sigma0.elf and x2api.elf on 128 MiB.
 * Pages this file asks sigma0 for: S0_PAGE and the two after it (conventional
 * memory well below what "any page" requests take, from the top of RAM down);
 * receive windows: [WINDOWS, WINDOWS + 4 MiB) of this space.
 */
#define KIP_AREA 0xBFF00000ul
#define S0_PAGE 0x3A00000ul
#define WINDOWS 0x5A000000ul

static void *kip(void) { return L4_GetKernelInterface(); }
static L4_KernelInterfacePage_t *kip_page(void) { return L4_GetKernelInterface(); }
static L4_Fpage_t window(unsigned n, int log2) { return L4_FpageLog2(WINDOWS + n * 0x1000ul, log2); }
static volatile L4_Word_t *window_word(unsigned n) { return (volatile L4_Word_t *)(WINDOWS + n * 0x1000ul); }

/* The type of physical address pa by the descriptors, later ones overriding
 * earlier ones (X.2 §1.1 MemoryDesc), as L4_MemoryDescType reports it. */
static L4_Word_t final_type(L4_Word_t pa)
{
	L4_Word_t type = L4_UndefinedMemoryType;
	for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip()); i++) {
		L4_MemoryDesc_t *m = L4_MemoryDesc(kip(), i);
		if (!L4_IsMemoryDescVirtual(m) && pa >= L4_MemoryDescLow(m) && pa <= L4_MemoryDescHigh(m))
			type = L4_MemoryDescType(m);
	}
	return type;
}

/* The first descriptor of type `type` (as L4_MemoryDescType reports it), or null. */
static L4_MemoryDesc_t *first_of_type(L4_Word_t type)
{
	for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip()); i++)
		if (L4_MemoryDescType(L4_MemoryDesc(kip(), i)) == type)
			return L4_MemoryDesc(kip(), i);
	return 0;
}

static void code_address(void) {}

USER_TEST(interface, "x2api.kip.interface",
	  "KernelInterface: the KIP at the bottom of the KIP area, X.2 API version and flags, the kernel ID")
{
	L4_Word_t version, flags, id;
	void *k = L4_KernelInterface(&version, &flags, &id);
	L4_KernelInterfacePage_t *page = k;
	TEST_CHECK_EQ((L4_Word_t)k, KIP_AREA);
	TEST_CHECK(L4_GetKernelInterface() == k);
	TEST_CHECK_EQ(page->magic, L4_MAGIC);
	TEST_CHECK_EQ(page->magic, 0x4BE6344C); /* 'L' '4' 0xE6 'K', upper half 0: a 64-bit KIP */
	L4_ApiVersion_t v = {.raw = version};
	TEST_CHECK_EQ(v.x.version, L4_APIVERSION_X2);
	TEST_CHECK_EQ(v.x.subversion, 5);
	TEST_CHECK_EQ(version, 0xFFFFFFFF84050000ul); /* the KIP's 32-bit word, sign-extended */
	TEST_CHECK_EQ(page->ApiVersion.raw, 0x84050000);
	TEST_CHECK_EQ(page->ApiVersion.x.version, L4_APIVERSION_X2);
	TEST_CHECK_EQ(L4_ApiVersion(), version);
	L4_ApiFlags_t f = {.raw = flags};
	TEST_CHECK_EQ(f.x.ee, L4_APIFLAG_LE);
	TEST_CHECK_EQ(f.x.ww, L4_APIFLAG_64BIT);
	TEST_CHECK_EQ(flags, page->ApiFlags.raw);
	TEST_CHECK_EQ(L4_ApiFlags(), flags);
	L4_KernelDesc_t *kd = (L4_KernelDesc_t *)((char *)k + page->KernelVerPtr);
	TEST_CHECK_EQ(id, kd->KernelId.raw);
	TEST_CHECK_EQ(L4_KernelId(), id);
	L4_KernelId_t kid = {.raw = id};
	TEST_CHECK_EQ(kid.x.id, 0x6d); /* mnemo's: 'm', no X.2-registered kernel's */
	TEST_CHECK_EQ(kid.x.subid, 1);
	TEST_CHECK(((L4_Word_t)kid.x.id << 8 | kid.x.subid) != L4_KID_L4KA_PISTACHIO);
	/* null pointers: only the KIP's address is wanted */
	TEST_CHECK(L4_KernelInterface(0, 0, 0) == k);
}

USER_TEST(kernel_desc, "x2api.kip.kernel_desc",
	  "the kernel descriptor: generation date, version, supplier, version string; no feature strings")
{
	void *k = kip();
	L4_KernelDesc_t *kd = (L4_KernelDesc_t *)((char *)k + kip_page()->KernelVerPtr);
	L4_Word_t year, month, day;
	L4_KernelGenDate(k, &year, &month, &day);
	TEST_CHECK_EQ(year, kd->KernelGenDate.X.year + 2000);
	TEST_CHECK_EQ(month, kd->KernelGenDate.X.month);
	TEST_CHECK_EQ(day, kd->KernelGenDate.X.day);
	TEST_CHECK(year >= 2024 && month >= 1 && month <= 12 && day >= 1 && day <= 31);
	TEST_CHECK_EQ(L4_KernelVersion(k), kd->KernelVer.raw);
	TEST_CHECK_EQ(L4_KernelSupplier(k), 'm' | 'n' << 8 | 'm' << 16 | ' ' << 24);
	TEST_CHECK(L4_KernelSupplier(k) != L4_SUPL_UKA);
	/* the version string says the version the version word holds */
	char *vs = L4_KernelVersionString(k);
	TEST_CHECK(vs == kd->VersionString);
	TEST_CHECK_EQ((char *)vs - (char *)kd, 32);
	char want[32];
	snprintf(want, sizeof want, "mnemo %u.%u", (unsigned)kd->KernelVer.X.ver, (unsigned)kd->KernelVer.X.subver);
	TEST_CHECK(strcmp(vs, want) == 0);
	/* the strings end inside the KIP page (l4test's check_kipptr) */
	TEST_CHECK(vs + strlen(vs) + 1 < (char *)k + L4_KipAreaSize(k));
	TEST_CHECK(strcmp(L4_Feature(k, 0), "pagerexregs") == 0); /* a pager may ExchangeRegisters its threads */
	TEST_CHECK(L4_Feature(k, 1) == 0);
	TEST_CHECK(L4_HasFeature("pagerexregs"));
	TEST_CHECK(!L4_HasFeature("hscheduling"));
	TEST_CHECK(!L4_HasFeature("smallspaces"));
}

/* A KIP header and kernel descriptor built here: a kernel with feature strings. */
static struct {
	L4_KernelInterfacePage_t page;
	L4_Word_t desc[4];
	char strings[32];
} fake_kip = {.page = {.KernelVerPtr = sizeof(L4_KernelInterfacePage_t)},
	      .strings = "v 2\0alpha\0beta\0"}; /* and the NUL ending the list */

USER_TEST(features, "x2api.kip.features", "feature strings of a kernel descriptor that has some: numbered, then null")
{
	TEST_CHECK_EQ(fake_kip.page.KernelVerPtr, (char *)fake_kip.desc - (char *)&fake_kip);
	TEST_CHECK(strcmp(L4_KernelVersionString(&fake_kip), "v 2") == 0);
	TEST_CHECK(strcmp(L4_Feature(&fake_kip, 0), "alpha") == 0);
	TEST_CHECK(strcmp(L4_Feature(&fake_kip, 1), "beta") == 0);
	TEST_CHECK(L4_Feature(&fake_kip, 2) == 0);
	TEST_CHECK(L4_Feature(&fake_kip, 7) == 0);
}

USER_TEST(fields, "x2api.kip.fields",
	  "KIP fields: UTCB and KIP areas, thread IDs, page sizes and rights, clock, processors, servers, stubs")
{
	void *k = kip();
	L4_KernelInterfacePage_t *page = k;
	TEST_CHECK_EQ(L4_UtcbAreaSizeLog2(k), 12);
	TEST_CHECK_EQ(L4_UtcbAreaSize(k), 4096);
	TEST_CHECK_EQ(L4_UtcbAlignmentLog2(k), 10);
	TEST_CHECK_EQ(L4_UtcbSize(k), 1024);
	TEST_CHECK_EQ(page->UtcbAreaInfo.X.m, 1);
	TEST_CHECK_EQ(L4_KipAreaSizeLog2(k), 12);
	TEST_CHECK_EQ(L4_KipAreaSize(k), 4096);
	TEST_CHECK_EQ((L4_Word_t)k & (L4_KipAreaSize(k) - 1), 0);
	TEST_CHECK_EQ(L4_ThreadIdBits(k), 18);
	TEST_CHECK_EQ(L4_ThreadIdSystemBase(k), 16);
	TEST_CHECK_EQ(L4_ThreadIdUserBase(k), 48);
	/* 4 KiB and 2 MiB pages (1 GiB where the processor has them), nothing smaller */
	L4_Word_t sizes = L4_PageSizeMask(k);
	TEST_CHECK(sizes & (1ul << 12));
	TEST_CHECK(sizes & (1ul << 21));
	TEST_CHECK_EQ(sizes & ((1ul << 12) - 1), 0);
	TEST_CHECK_EQ(sizes & ~((1ul << 12) | (1ul << 21) | (1ul << 30)), 0);
	TEST_CHECK_EQ(L4_PageRights(k), L4_FullyAccessible);
	/* ClockInfo is 0, as on Pistachio */
	TEST_CHECK_EQ(L4_ReadPrecision(k), 0);
	TEST_CHECK_EQ(L4_SchedulePrecision(k), 0);
	/* one processor; its descriptor gives the TSC frequency as both frequencies */
	TEST_CHECK_EQ(L4_NumProcessors(k), 1);
	L4_ProcDesc_t *p = L4_ProcDesc(k, 0);
	TEST_CHECK(p == (L4_ProcDesc_t *)((char *)k + page->ProcDescPtr));
	TEST_CHECK(L4_ProcDesc(k, 1) == 0);
	TEST_CHECK(L4_ProcDescInternalFreq(p) > 0);
	TEST_CHECK_EQ(L4_ProcDescExternalFreq(p), L4_ProcDescInternalFreq(p));
	TEST_CHECK_EQ(L4_InternalFreq(p), p->X.InternalFreq);
	TEST_CHECK_EQ(L4_ExternalFreq(p), p->X.ExternalFreq);
	/* the servers the loader started: sigma0 at 15 MiB, this program at 16 MiB */
	TEST_CHECK_EQ(page->sigma0.low, 0xF00000);
	TEST_CHECK(page->sigma0.ip >= page->sigma0.low && page->sigma0.ip <= page->sigma0.high);
	TEST_CHECK_EQ(page->RootServer.low, 0x1000000);
	TEST_CHECK(page->RootServer.ip >= page->RootServer.low && page->RootServer.ip <= page->RootServer.high);
	TEST_CHECK((L4_Word_t)&code_address >= page->RootServer.low &&
		   (L4_Word_t)&code_address <= page->RootServer.high);
	TEST_CHECK_EQ(page->sigma1.ip, 0);
	TEST_CHECK_EQ(page->Kdebug.low, 0);
	TEST_CHECK_EQ(page->Kdebug.high, 0);
	TEST_CHECK(L4_BootInfo(k) != 0);
	TEST_CHECK_EQ(L4_BootInfo(k), page->BootInfo);
	/* eleven system-call stubs, SpaceControl to Schedule; Lipc may share Ipc's */
	const L4_Word_t *stub = &page->SpaceControl;
	TEST_CHECK(&stub[10] == &page->Schedule);
	for (unsigned i = 0; i < 11; i++) {
		TEST_CHECK(stub[i] != 0);
		for (unsigned j = 0; j < i; j++)
			TEST_CHECK(stub[i] != stub[j] || (&stub[i] == &page->Lipc && &stub[j] == &page->Ipc));
	}
}

USER_TEST(memdesc, "x2api.kip.memdesc",
	  "memory descriptors: RAM, the kernel pool, kernel and server images, boot info, VGA, BIOS; accessors agree")
{
	void *k = kip();
	L4_KernelInterfacePage_t *page = k;
	L4_Word_t n = L4_NumMemoryDescriptors(k), conventional = 0, reserved = 0, servers = 0, kernel = 0, info = 0,
		  shared = 0;
	TEST_CHECK(n > 0 && n == page->MemoryInfo.n);
	for (L4_Word_t i = 0; i < n; i++) {
		L4_MemoryDesc_t *m = L4_MemoryDesc(k, i);
		TEST_CHECK(m == (L4_MemoryDesc_t *)((char *)k + page->MemoryInfo.MemDescPtr) + i);
		L4_Word_t type = L4_MemoryDescType(m), low = L4_MemoryDescLow(m), high = L4_MemoryDescHigh(m);
		TEST_CHECK_EQ(low & 0x3ff, 0);
		TEST_CHECK_EQ(high & 0x3ff, 0x3ff);
		TEST_CHECK(low < high);
		TEST_CHECK(!L4_IsMemoryDescVirtual(m)); /* mnemo's loader describes physical memory only */
		TEST_CHECK_EQ(L4_Type(m), type);
		TEST_CHECK_EQ(L4_Low(m), low);
		TEST_CHECK_EQ(L4_High(m), high);
		TEST_CHECK_EQ(L4_IsVirtual(m), 0);
		TEST_CHECK_EQ(type & 0xf, m->x.type);
		TEST_CHECK_EQ(low, m->raw[0] & ~0x3fful);
		if (m->x.type < L4_BootLoaderSpecificMemoryType)
			TEST_CHECK_EQ(type, m->x.type); /* the subtype counts for 0xe and 0xf only */
		conventional += type == L4_ConventionalMemoryType;
		reserved += type == L4_ReservedMemoryType;
		kernel += type == (L4_BootLoaderSpecificMemoryType | 4 << 4);
		info += type == (L4_BootLoaderSpecificMemoryType | 1 << 4);
		shared += type == L4_SharedMemoryType &&
			  ((low == 0xA0000 && high == 0xBFFFF) || (low == 0xC0000 && high == 0xEFFFF));
		if (type == (L4_BootLoaderSpecificMemoryType | 2 << 4)) /* a server's image, widened to pages */
			servers +=
			    (low == (page->sigma0.low & ~0xffful) && high == (page->sigma0.high | 0xfff)) ||
			    (low == (page->RootServer.low & ~0xffful) && high == (page->RootServer.high | 0xfff));
		if (m->x.type == L4_ArchitectureSpecificMemoryType) /* a BIOS e820 entry: its type is the subtype */
			TEST_CHECK(m->x.t != 1);
	}
	TEST_CHECK(L4_MemoryDesc(k, n) == 0);
	TEST_CHECK(conventional >= 1);
	TEST_CHECK_EQ(reserved, 1); /* the kernel's pool (kmem=) */
	TEST_CHECK_EQ(kernel, 1);
	TEST_CHECK_EQ(servers, 2);
	TEST_CHECK(info >= 1);
	TEST_CHECK_EQ(shared, 2);
	/* what is where, after overrides */
	TEST_CHECK_EQ(final_type((L4_Word_t)&code_address), L4_BootLoaderSpecificMemoryType | 2 << 4);
	TEST_CHECK_EQ(final_type(page->sigma0.ip), L4_BootLoaderSpecificMemoryType | 2 << 4);
	TEST_CHECK_EQ(final_type(0x600000), L4_BootLoaderSpecificMemoryType | 4 << 4); /* the kernel's load address */
	TEST_CHECK_EQ(final_type(L4_BootInfo(k)), L4_BootLoaderSpecificMemoryType | 1 << 4);
	TEST_CHECK_EQ(final_type(L4_MemoryDescLow(first_of_type(L4_ReservedMemoryType))), L4_ReservedMemoryType);
	TEST_CHECK_EQ(final_type(0xB8000), L4_SharedMemoryType);
	TEST_CHECK_EQ(final_type(0x100000), L4_ConventionalMemoryType); /* the loader's image, dead after boot */
	TEST_CHECK_EQ(final_type(S0_PAGE), L4_ConventionalMemoryType);
	TEST_CHECK_EQ(final_type(128ul << 20), L4_UndefinedMemoryType); /* above the scenario's RAM */
}

/* The last path component of the first word of s: "a/b/c.elf x" -> "c.elf". */
static void module_name(const char *s, char *out, unsigned size)
{
	const char *start = s, *p = s;
	for (; *p && *p != ' '; p++)
		if (*p == '/')
			start = p + 1;
	unsigned n = 0;
	for (; start < p && n + 1 < size; start++)
		out[n++] = *start;
	out[n] = '\0';
}

USER_TEST(bootinfo, "x2api.kip.bootinfo",
	  "boot information: valid, a module record each for the kernel, sigma0 and this program, with command lines")
{
	void *k = kip();
	void *bi = (void *)L4_BootInfo(k);
	TEST_CHECK(L4_BootInfo_Valid(bi));
	TEST_CHECK_EQ(L4_BootInfo_Entries(bi), 3);
	L4_BootRec_t *r = L4_BootInfo_FirstEntry(bi);
	TEST_CHECK((char *)r - (char *)bi >= (long)sizeof(L4_BootInfo_t));
	static const char *const names[] = {"mnemo.elf", "sigma0.elf", "x2api.elf"};
	L4_BootRec_t *records[3];
	for (unsigned i = 0; i < 3; i++) {
		records[i] = r;
		TEST_CHECK_EQ(L4_BootRec_Type(r), L4_BootInfo_Module);
		TEST_CHECK_EQ(L4_Type(r), L4_BootInfo_Module);
		TEST_CHECK_EQ(r->version, 1);
		TEST_CHECK(L4_Module_Start(r) != 0);
		TEST_CHECK(L4_Module_Size(r) > 0);
		char *cmdline = L4_Module_Cmdline(r);
		TEST_CHECK(cmdline != 0);
		TEST_CHECK(cmdline > (char *)r && cmdline < (char *)L4_BootRec_Next(r));
		char name[32];
		module_name(cmdline, name, sizeof name);
		TEST_CHECK(strcmp(name, names[i]) == 0);
		r = i % 2 ? L4_Next(r) : L4_BootRec_Next(r);
	}
	TEST_CHECK_EQ((char *)r - (char *)bi, L4_BootInfo_Size(bi)); /* three records, and nothing after them */
	/* this program's module holds this program: its ELF header names the entry
	 * the loader gave the KIP (the raw bytes, mapped from sigma0) */
	L4_Word_t start = L4_Module_Start(records[2]);
	L4_Fpage_t f = L4_Sigma0_GetPage_RcvWindow(
	    L4_nilthread, L4_FpageAddRights(L4_FpageLog2(start & ~0xffful, 12), L4_Readable), window(0x100, 12));
	TEST_CHECK_EQ(L4_Address(f), start & ~0xffful);
	const unsigned char *elf = (const unsigned char *)(WINDOWS + 0x100000ul + (start & 0xfff));
	TEST_CHECK(memcmp(elf, "\177ELF", 4) == 0);
	L4_Word_t entry;
	memcpy(&entry, elf + 24, sizeof entry);
	TEST_CHECK_EQ(entry, kip_page()->RootServer.ip);
}

USER_TEST(simple_exec, "x2api.kip.bootinfo_records",
	  "boot record accessors on records built here: simple-exec fields and setters, null command line, validity")
{
	static L4_Word_t buf[64];
	L4_BootInfo_t *bi = (L4_BootInfo_t *)buf;
	L4_Boot_SimpleExec_t *e = (L4_Boot_SimpleExec_t *)(bi + 1);
	L4_Boot_Module_t *m = (L4_Boot_Module_t *)(e + 1);
	*bi = (L4_BootInfo_t){
	    .magic = 0x14B0021D, .version = 1, .size = sizeof buf, .first_entry = sizeof *bi, .num_entries = 2};
	*e = (L4_Boot_SimpleExec_t){.type = L4_BootInfo_SimpleExec,
				    .version = 1,
				    .offset_next = sizeof *e,
				    .text_pstart = 0x100000,
				    .text_vstart = 0x400000,
				    .text_size = 0x3000,
				    .data_pstart = 0x103000,
				    .data_vstart = 0x403000,
				    .data_size = 0x1000,
				    .bss_pstart = 0x104000,
				    .bss_vstart = 0x404000,
				    .bss_size = 0x2000,
				    .initial_ip = 0x400123,
				    .flags = 1,
				    .label = 0x55};
	*m = (L4_Boot_Module_t){.type = L4_BootInfo_Module,
				.version = 1,
				.offset_next = 64,
				.start = 0x200000,
				.size = 77,
				.cmdline_offset = sizeof *m};
	memcpy(m + 1, "mod arg", 8);
	TEST_CHECK(L4_BootInfo_Valid(bi));
	TEST_CHECK_EQ(L4_BootInfo_Size(bi), sizeof buf);
	TEST_CHECK_EQ(L4_BootInfo_Entries(bi), 2);
	L4_BootRec_t *r = L4_BootInfo_FirstEntry(bi);
	TEST_CHECK(r == (L4_BootRec_t *)e);
	TEST_CHECK_EQ(L4_BootRec_Type(r), L4_BootInfo_SimpleExec);
	TEST_CHECK_EQ(L4_SimpleExec_TextPstart(r), 0x100000);
	TEST_CHECK_EQ(L4_SimpleExec_TextVstart(r), 0x400000);
	TEST_CHECK_EQ(L4_SimpleExec_TextSize(r), 0x3000);
	TEST_CHECK_EQ(L4_SimpleExec_DataPstart(r), 0x103000);
	TEST_CHECK_EQ(L4_SimpleExec_DataVstart(r), 0x403000);
	TEST_CHECK_EQ(L4_SimpleExec_DataSize(r), 0x1000);
	TEST_CHECK_EQ(L4_SimpleExec_BssPstart(r), 0x104000);
	TEST_CHECK_EQ(L4_SimpleExec_BssVstart(r), 0x404000);
	TEST_CHECK_EQ(L4_SimpleExec_BssSize(r), 0x2000);
	TEST_CHECK_EQ(L4_SimpleExec_InitialIP(r), 0x400123);
	TEST_CHECK_EQ(L4_SimpleExec_Flags(r), 1);
	TEST_CHECK_EQ(L4_SimpleExec_Label(r), 0x55);
	L4_SimpleExec_Set_Flags(r, 6);
	L4_SimpleExec_Set_Label(r, 0xabc);
	TEST_CHECK_EQ(e->flags, 6);
	TEST_CHECK_EQ(e->label, 0xabc);
	TEST_CHECK(L4_SimpleExec_Cmdline(r) == 0); /* offset 0: no command line */
	e->cmdline_offset = (char *)(m + 1) - (char *)e;
	TEST_CHECK(strcmp(L4_SimpleExec_Cmdline(r), "mod arg") == 0);
	r = L4_BootRec_Next(r);
	TEST_CHECK(r == (L4_BootRec_t *)m);
	TEST_CHECK_EQ(L4_Type(r), L4_BootInfo_Module);
	TEST_CHECK_EQ(L4_Module_Start(r), 0x200000);
	TEST_CHECK_EQ(L4_Module_Size(r), 77);
	TEST_CHECK(strcmp(L4_Module_Cmdline(r), "mod arg") == 0);
	m->cmdline_offset = 0;
	TEST_CHECK(L4_Module_Cmdline(r) == 0);
	bi->version = 2;
	TEST_CHECK(!L4_BootInfo_Valid(bi));
	bi->version = 1;
	bi->magic ^= 1;
	TEST_CHECK(!L4_BootInfo_Valid(bi));
}

USER_TEST(kdb, "x2api.kip.kdb",
	  "kernel debugger: PrintString and PrintChar print, Enter prints and continues, no input, ClearPage and "
	  "ToggleBreakin return")
{
	char text[] = "x2api.kip: KDB PrintString, ";
	L4_KDB_PrintString(text);
	for (const char *s = "PrintChar\n"; *s; s++)
		L4_KDB_PrintChar(*s);
	L4_KDB_Enter("x2api.kip: KDB_Enter continues");
	TEST_CHECK_EQ(L4_KDB_ReadChar(), 0); /* the scenario types nothing */
	L4_KDB_ClearPage();
	L4_KDB_ToggleBreakin();
	L4_KDB_ToggleBreakin();
}

USER_TEST(
    sigma0_specific, "x2api.kip.sigma0_specific",
    "sigma0: a specific page into a receive window, the same answer again, both windows one frame; all call forms")
{
	L4_ThreadId_t s0 = L4_GlobalId(L4_ThreadIdUserBase(kip()), 1); /* how X.2 programs name sigma0 */
	L4_Fpage_t req = L4_FpageAddRights(L4_FpageLog2(S0_PAGE, 12), L4_ReadWriteOnly);
	L4_Fpage_t a = L4_Sigma0_GetPage_RcvWindow(L4_nilthread, req, window(0, 12));
	TEST_CHECK_EQ(L4_Address(a), S0_PAGE);
	TEST_CHECK_EQ(L4_SizeLog2(a), 12);
	TEST_CHECK_EQ(L4_Rights(a), L4_ReadWriteOnly);
	L4_Fpage_t b = L4_Sigma0_GetPage(s0, req, window(1, 12)); /* X.2's (s0, f, RcvWindow) */
	TEST_CHECK_EQ(b.raw, a.raw);
	*window_word(0) = 0x5a5a0001;
	TEST_CHECK_EQ(*window_word(1), 0x5a5a0001);
	/* (s0, f): mapped at the page's own address */
	L4_Fpage_t own = L4_FpageAddRights(L4_FpageLog2(S0_PAGE + 0x1000, 12), L4_ReadWriteOnly);
	TEST_CHECK_EQ(L4_Address(L4_Sigma0_GetPage(s0, own)), S0_PAGE + 0x1000);
	*(volatile L4_Word_t *)(S0_PAGE + 0x1000) = 0x5a5a0002;
	TEST_CHECK_EQ(L4_Address(L4_Sigma0_GetPage_RcvWindow(s0, own, window(2, 12))), S0_PAGE + 0x1000);
	TEST_CHECK_EQ(*window_word(2), 0x5a5a0002);
	/* the forms with high address bits (u = 3, nothing above 64 bits on amd64) */
	L4_Fpage_t third = L4_FpageAddRights(L4_FpageLog2(S0_PAGE + 0x2000, 12), L4_FullyAccessible);
	TEST_CHECK_EQ(L4_Address(L4_Sigma0_GetPage(s0, third, 0ul, window(3, 12))), S0_PAGE + 0x2000);
	TEST_CHECK_EQ(L4_Address(L4_Sigma0_GetPage(L4_nilthread, third, 0ul)), S0_PAGE + 0x2000);
	third.X.extended = 1;
	TEST_CHECK_EQ(L4_Address(L4_Sigma0_GetPage_RcvWindow_High(s0, third, window(4, 12), 0)), S0_PAGE + 0x2000);
	*(volatile L4_Word_t *)(S0_PAGE + 0x2000) = 0x5a5a0003;
	TEST_CHECK_EQ(*window_word(3), 0x5a5a0003);
	TEST_CHECK_EQ(*window_word(4), 0x5a5a0003);
}

USER_TEST(sigma0_any, "x2api.kip.sigma0_any",
	  "sigma0: any free page of 4 KiB and of 2 MiB into receive windows, conventional memory, usable; asked again "
	  "by address, the same")
{
	L4_Fpage_t a = L4_Sigma0_GetAny(L4_nilthread, 12, window(0x10, 12));
	TEST_CHECK(!L4_IsNilFpage(a));
	TEST_CHECK_EQ(L4_SizeLog2(a), 12);
	TEST_CHECK_EQ(final_type(L4_Address(a)), L4_ConventionalMemoryType);
	*window_word(0x10) = 0x5a5a0010;
	TEST_CHECK_EQ(*window_word(0x10), 0x5a5a0010);
	L4_Fpage_t again = L4_Sigma0_GetPage_RcvWindow(
	    L4_nilthread, L4_FpageAddRights(L4_FpageLog2(L4_Address(a), 12), L4_FullyAccessible), window(0x11, 12));
	TEST_CHECK_EQ(L4_Address(again), L4_Address(a));
	TEST_CHECK_EQ(*window_word(0x11), 0x5a5a0010);
	/* a superpage: 2 MiB aligned, all of it conventional and mapped */
	L4_Fpage_t big = L4_Sigma0_GetAny(L4_nilthread, 21, window(0x200, 21));
	TEST_CHECK_EQ(L4_SizeLog2(big), 21);
	TEST_CHECK_EQ(L4_Address(big) & ((1ul << 21) - 1), 0);
	TEST_CHECK(L4_Address(big) != 0);
	TEST_CHECK_EQ(final_type(L4_Address(big)), L4_ConventionalMemoryType);
	TEST_CHECK_EQ(final_type(L4_Address(big) + (1ul << 21) - 1), L4_ConventionalMemoryType);
	TEST_CHECK(L4_Address(big) + (1ul << 21) <= L4_Address(a) || L4_Address(big) > L4_Address(a));
	*window_word(0x200) = 0x5a5a0200;
	*window_word(0x3ff) = 0x5a5a03ff;
	TEST_CHECK_EQ(*window_word(0x200), 0x5a5a0200);
	TEST_CHECK_EQ(*window_word(0x3ff), 0x5a5a03ff);
}

USER_TEST(sigma0_refused, "x2api.kip.sigma0_refused",
	  "sigma0 answers the kernel's pool, an I/O fpage and a page below the smallest page size with the nil fpage")
{
	void *k = kip();
	L4_MemoryDesc_t *pool = first_of_type(L4_ReservedMemoryType);
	TEST_CHECK(pool != 0);
	L4_Fpage_t f = L4_FpageAddRights(L4_FpageLog2(L4_MemoryDescLow(pool), 12), L4_ReadWriteOnly);
	TEST_CHECK(L4_IsNilFpage(L4_Sigma0_GetPage_RcvWindow(L4_nilthread, f, window(0x20, 12))));
	TEST_CHECK(L4_IsNilFpage(L4_Sigma0_GetPage(L4_nilthread, L4_IoFpageLog2(0x3f8, 3))));
	int smallest = __builtin_ctzl(L4_PageSizeMask(k));
	f = L4_FpageAddRights(L4_FpageLog2(S0_PAGE + 0x3000, smallest - 2), L4_ReadWriteOnly);
	TEST_CHECK(L4_IsNilFpage(L4_Sigma0_GetPage_RcvWindow(L4_nilthread, f, window(0x21, 12))));
}

USER_TEST(io_fpage, "x2api.kip.io_fpage",
	  "I/O fpage encodings: port and size, rounded up from a port count; memory fpages are not I/O fpages")
{
	L4_Fpage_t io = L4_IoFpageLog2(0x3f8, 3);
	TEST_CHECK_EQ(io.raw, (0x3f8ul << 16) | (3 << 10) | (2 << 4));
	TEST_CHECK(L4_IsIoFpage(io));
	TEST_CHECK_EQ(L4_IoFpagePort(io), 0x3f8);
	TEST_CHECK_EQ(L4_IoFpageSizeLog2(io), 3);
	TEST_CHECK_EQ(L4_IoFpageSize(io), 8);
	TEST_CHECK_EQ(L4_Rights(io), L4_NoAccess);
	TEST_CHECK_EQ(L4_IoFpage(0x3f8, 8).raw, io.raw);
	TEST_CHECK_EQ(L4_IoFpageSizeLog2(L4_IoFpage(0x60, 5)), 3); /* 5 ports: 8 */
	TEST_CHECK_EQ(L4_IoFpageSizeLog2(L4_IoFpage(0x80, 1)), 0);
	L4_Fpage_t all = L4_IoFpage(0, 65536);
	TEST_CHECK_EQ(L4_IoFpagePort(all), 0);
	TEST_CHECK_EQ(L4_IoFpageSize(all), 65536);
	TEST_CHECK(!L4_IsIoFpage(L4_FpageLog2(0x1000, 12)));
	TEST_CHECK(!L4_IsIoFpage(L4_Nilpage));
	TEST_CHECK(!L4_IsIoFpage(L4_CompleteAddressSpace));
}
