/* SPDX-License-Identifier: MIT */
/* The X.2 kernel interface page (amd64 layout, shared/x2-amd64-abi.md §3). */
#ifndef L4_KIP_H
#define L4_KIP_H

#include <l4/types.h>
#include <l4/bootinfo.h> /* and it includes this: L4_Type below serves both */

#define L4_KIP_MAGIC 0x4BE6344Cu /* 'L' '4' 0xE6 'K'; the upper 32 bits of word 0 are 0 */
#define L4_KIP_API_VERSION 0x84050000u /* X.2, subversion 5 */
#define L4_KIP_API_FLAGS 0x4u /* little endian, 64-bit words */

/* Memory descriptor types (X.2 §2.9 / ABI §3.5). */
enum l4_memdesc_type {
	L4_MEM_UNDEFINED = 0,
	L4_MEM_CONVENTIONAL = 1,
	L4_MEM_RESERVED = 2,
	L4_MEM_DEDICATED = 3,
	L4_MEM_SHARED = 4,
	L4_MEM_BOOTLOADER = 0xe,
	L4_MEM_ARCH = 0xf,
};

/* Bootloader-specific subtypes mnemo's loader writes (as kickstart does). */
enum l4_memdesc_boot_subtype {
	L4_BOOT_SUB_INFO = 1, /* the bootinfo page and the copied multiboot info */
	L4_BOOT_SUB_SERVER = 2, /* loaded image of sigma0 or the root task */
	L4_BOOT_SUB_MODULE = 3, /* a further boot module, kept in place */
	L4_BOOT_SUB_KERNEL = 4, /* the loaded kernel image */
};

struct l4_memdesc {
	l4_word_t lo; /* bits 0-3 type, 4-7 subtype, 9 virtual, 10-63 low >> 10 */
	l4_word_t hi; /* bits 10-63 high >> 10; the region is [low, high | 0x3ff] */
};

static inline struct l4_memdesc l4_memdesc_make(l4_word_t low, l4_word_t high_incl, unsigned type, unsigned sub,
						int virt)
{
	struct l4_memdesc d;
	d.lo = (low & ~(l4_word_t)0x3ff) | (type & 0xf) | ((sub & 0xf) << 4) | (virt ? 0x200 : 0);
	d.hi = high_incl & ~(l4_word_t)0x3ff;
	return d;
}
static inline unsigned l4_memdesc_type(struct l4_memdesc d) { return d.lo & 0xf; }
static inline unsigned l4_memdesc_subtype(struct l4_memdesc d) { return (d.lo >> 4) & 0xf; }
static inline int l4_memdesc_virtual(struct l4_memdesc d) { return (d.lo >> 9) & 1; }
static inline l4_word_t l4_memdesc_low(struct l4_memdesc d) { return d.lo & ~(l4_word_t)0x3ff; }
static inline l4_word_t l4_memdesc_high(struct l4_memdesc d) { return d.hi | 0x3ff; }

struct l4_kip_server { /* sp, ip, low, high of sigma0 / sigma1 / root server */
	l4_word_t sp, ip, low, high;
};

struct l4_kip_procdesc {
	l4_word_t external_khz;
	l4_word_t internal_khz;
	l4_word_t reserved[2];
};

/* Indices of the system-call stubs; the KIP holds their absolute addresses. */
enum l4_syscall_no {
	L4_SC_SPACE_CONTROL,
	L4_SC_THREAD_CONTROL,
	L4_SC_PROCESSOR_CONTROL,
	L4_SC_MEMORY_CONTROL,
	L4_SC_IPC,
	L4_SC_LIPC,
	L4_SC_UNMAP,
	L4_SC_EXCHANGE_REGISTERS,
	L4_SC_SYSTEM_CLOCK,
	L4_SC_THREAD_SWITCH,
	L4_SC_SCHEDULE,
	L4_SC_COUNT
};

#define L4_KIP_PROCDESC_OFFSET 0x240
#define L4_KIP_KERNDESC_OFFSET 0x260
#define L4_KIP_MEMDESC_OFFSET 0x2e0
#define L4_KIP_SIZE 0x1000
/* The last 256 bytes of the page are mnemo's own (include/mnemo/kmem.h): X.2
 * programs find the memory descriptors by their count, loaders by this limit. */
#define L4_KIP_MNEMO_OFFSET 0xf00
#define L4_KIP_MEMDESC_MAX ((L4_KIP_MNEMO_OFFSET - L4_KIP_MEMDESC_OFFSET) / 16) /* 194 */

/* Invariant: every offset below is the X.2 amd64 one; the static_asserts
 * are the contract with boot loaders (which patch it) and libl4. */
struct l4_kip {
	l4_word_t magic; /* 0x000 */
	l4_word_t api_version; /* 0x008 */
	l4_word_t api_flags; /* 0x010 */
	l4_word_t kern_desc_ptr; /* 0x018: byte offset */
	l4_word_t kdebug_init, kdebug_entry, kdebug_low, kdebug_high; /* 0x020 */
	struct l4_kip_server sigma0; /* 0x040 */
	struct l4_kip_server sigma1; /* 0x060 */
	struct l4_kip_server root_server; /* 0x080 */
	l4_word_t reserved0; /* 0x0a0 */
	l4_word_t memory_info; /* 0x0a8: n | offset << 32 */
	l4_word_t kdebug_config[2]; /* 0x0b0 */
	l4_word_t obsolete[16]; /* 0x0c0 */
	l4_word_t reserved1[2]; /* 0x140 */
	l4_word_t utcb_info; /* 0x150 */
	l4_word_t kip_area_info; /* 0x158 */
	l4_word_t reserved2[2]; /* 0x160 */
	l4_word_t boot_info; /* 0x170 */
	l4_word_t proc_desc_ptr; /* 0x178 */
	l4_word_t clock_info; /* 0x180 */
	l4_word_t thread_info; /* 0x188 */
	l4_word_t page_info; /* 0x190 */
	l4_word_t processor_info; /* 0x198 */
	l4_word_t syscall[L4_SC_COUNT]; /* 0x1a0: absolute stub addresses */
	l4_word_t reserved3[5]; /* 0x1f8 */
	l4_word_t arch_syscall[4]; /* 0x220 */
	struct l4_kip_procdesc procdesc[1]; /* 0x240 */
	uint8_t kern_desc[L4_KIP_MEMDESC_OFFSET - L4_KIP_KERNDESC_OFFSET]; /* 0x260 */
	struct l4_memdesc memdesc[L4_KIP_MEMDESC_MAX]; /* 0x2e0 */
	l4_word_t mnemo[(L4_KIP_SIZE - L4_KIP_MNEMO_OFFSET) / 8]; /* 0xf00: kernel-memory counters */
};

_Static_assert(offsetof(struct l4_kip, sigma0) == 0x40, "kip sigma0");
_Static_assert(offsetof(struct l4_kip, root_server) == 0x80, "kip root server");
_Static_assert(offsetof(struct l4_kip, memory_info) == 0xa8, "kip memory info");
_Static_assert(offsetof(struct l4_kip, utcb_info) == 0x150, "kip utcb info");
_Static_assert(offsetof(struct l4_kip, boot_info) == 0x170, "kip boot info");
_Static_assert(offsetof(struct l4_kip, thread_info) == 0x188, "kip thread info");
_Static_assert(offsetof(struct l4_kip, page_info) == 0x190, "kip page info");
_Static_assert(offsetof(struct l4_kip, syscall) == 0x1a0, "kip syscalls");
_Static_assert(offsetof(struct l4_kip, arch_syscall) == 0x220, "kip arch syscalls");
_Static_assert(offsetof(struct l4_kip, procdesc) == L4_KIP_PROCDESC_OFFSET, "kip procdesc");
_Static_assert(offsetof(struct l4_kip, kern_desc) == L4_KIP_KERNDESC_OFFSET, "kip kerndesc");
_Static_assert(offsetof(struct l4_kip, memdesc) == L4_KIP_MEMDESC_OFFSET, "kip memdesc");
_Static_assert(offsetof(struct l4_kip, mnemo) == L4_KIP_MNEMO_OFFSET && sizeof(struct l4_kip) == L4_KIP_SIZE,
	       "kip mnemo area");
_Static_assert(sizeof(struct l4_kip) == L4_KIP_SIZE, "kip size");

static inline unsigned l4_kip_memdesc_count(const struct l4_kip *k) { return (unsigned)(k->memory_info & 0xffffffffu); }

/* ThreadInfo fields. */
static inline unsigned l4_kip_system_base(const struct l4_kip *k) { return (k->thread_info >> 8) & 0xfff; }
static inline unsigned l4_kip_user_base(const struct l4_kip *k) { return (k->thread_info >> 20) & 0xfff; }

/*
 * The X.2 convenience interface to the KIP (X.2 §1.1), over the same page: the
 * structure with X.2's field names, the descriptors, and the accessors, which
 * take the KIP's address as X.2 programs have it (void *). Kernel and loader
 * include this header too: nothing below touches a thread's state.
 */
typedef union {
	L4_Word_t raw;
	struct {
		L4_Word_t __padding : 16, subid : 8, id : 8, : 32;
	} x;
} L4_KernelId_t;

typedef union {
	L4_Word_t raw;
	struct {
		L4_Word_t __padding : 16, subversion : 8, version : 8, : 32;
	} x;
} L4_ApiVersion_t;

typedef union {
	L4_Word_t raw;
	struct {
		L4_Word_t ee : 2, ww : 2, __padding : 60;
	} x;
} L4_ApiFlags_t;

typedef struct {
	L4_Word_t n : 32, MemDescPtr : 32; /* number of descriptors, their byte offset from the KIP */
} L4_MemoryInfo_t;

/* Invariant: the same page as struct l4_kip, field by field (asserted below). */
typedef struct {
	L4_Word_t magic;
	L4_ApiVersion_t ApiVersion;
	L4_ApiFlags_t ApiFlags;
	L4_Word_t KernelVerPtr; /* byte offset of the kernel descriptor */
	struct {
		L4_Word_t init, entry, low, high;
	} Kdebug;
	struct {
		L4_Word_t sp, ip, low, high;
	} sigma0, sigma1, RootServer;
	L4_Word_t __padding50;
	L4_MemoryInfo_t MemoryInfo;
	L4_Word_t __padding58[2];
	struct {
		L4_Word_t low, high;
	} MainMem, ReservedMem[2], DedicatedMem[5]; /* X.1's, unused: 0 */
	L4_Word_t __paddingA0[2];
	union {
		L4_Word_t raw;
		struct {
			L4_Word_t m : 10, a : 6, s : 6, __padding : 42;
		} X;
	} UtcbAreaInfo;
	union {
		L4_Word_t raw;
		struct {
			L4_Word_t s : 6, __padding : 58;
		} X;
	} KipAreaInfo;
	L4_Word_t __paddingB0[2];
	L4_Word_t BootInfo;
	L4_Word_t ProcDescPtr;
	union {
		L4_Word_t raw;
		struct {
			L4_Word_t ReadPrecision : 16, SchedulePrecision : 16, : 32;
		} X;
	} ClockInfo;
	union {
		L4_Word_t raw;
		struct {
			L4_Word_t t : 8, SystemBase : 12, UserBase : 12, : 32;
		} X;
	} ThreadInfo;
	union {
		L4_Word_t raw;
		struct {
			L4_Word_t rwx : 3, __padding : 7, page_size_mask : 54;
		} X;
	} PageInfo;
	union {
		L4_Word_t raw;
		struct {
			L4_Word_t processors : 16, __padding : 44, s : 4;
		} X;
	} ProcessorInfo;
	/* absolute addresses of the system-call stubs on amd64 (ABI §3.2) */
	L4_Word_t SpaceControl, ThreadControl, ProcessorControl, MemoryControl;
	L4_Word_t Ipc, Lipc, Unmap, ExchangeRegisters;
	L4_Word_t SystemClock, ThreadSwitch, Schedule;
	L4_Word_t __paddingF0, __padding100[4];
	L4_Word_t ArchSyscall0, ArchSyscall1, ArchSyscall2, ArchSyscall3;
} L4_KernelInterfacePage_t;

#define L4_KIP_SAME(x2, scalar, off) \
	_Static_assert(offsetof(L4_KernelInterfacePage_t, x2) == offsetof(struct l4_kip, scalar) && \
			   offsetof(struct l4_kip, scalar) == (off), \
		       "X.2 KIP field " #x2 " at " #off)
L4_KIP_SAME(magic, magic, 0x000);
L4_KIP_SAME(ApiVersion, api_version, 0x008);
L4_KIP_SAME(ApiFlags, api_flags, 0x010);
L4_KIP_SAME(KernelVerPtr, kern_desc_ptr, 0x018);
L4_KIP_SAME(Kdebug.init, kdebug_init, 0x020);
L4_KIP_SAME(Kdebug.high, kdebug_high, 0x038);
L4_KIP_SAME(sigma0.sp, sigma0.sp, 0x040);
L4_KIP_SAME(sigma0.ip, sigma0.ip, 0x048);
L4_KIP_SAME(sigma0.low, sigma0.low, 0x050);
L4_KIP_SAME(sigma0.high, sigma0.high, 0x058);
L4_KIP_SAME(sigma1.sp, sigma1.sp, 0x060);
L4_KIP_SAME(RootServer.sp, root_server.sp, 0x080);
L4_KIP_SAME(RootServer.ip, root_server.ip, 0x088);
L4_KIP_SAME(RootServer.low, root_server.low, 0x090);
L4_KIP_SAME(RootServer.high, root_server.high, 0x098);
L4_KIP_SAME(MemoryInfo, memory_info, 0x0a8);
L4_KIP_SAME(MainMem, obsolete, 0x0c0);
L4_KIP_SAME(UtcbAreaInfo, utcb_info, 0x150);
L4_KIP_SAME(KipAreaInfo, kip_area_info, 0x158);
L4_KIP_SAME(BootInfo, boot_info, 0x170);
L4_KIP_SAME(ProcDescPtr, proc_desc_ptr, 0x178);
L4_KIP_SAME(ClockInfo, clock_info, 0x180);
L4_KIP_SAME(ThreadInfo, thread_info, 0x188);
L4_KIP_SAME(PageInfo, page_info, 0x190);
L4_KIP_SAME(ProcessorInfo, processor_info, 0x198);
L4_KIP_SAME(SpaceControl, syscall[L4_SC_SPACE_CONTROL], 0x1a0);
L4_KIP_SAME(ThreadControl, syscall[L4_SC_THREAD_CONTROL], 0x1a8);
L4_KIP_SAME(ProcessorControl, syscall[L4_SC_PROCESSOR_CONTROL], 0x1b0);
L4_KIP_SAME(MemoryControl, syscall[L4_SC_MEMORY_CONTROL], 0x1b8);
L4_KIP_SAME(Ipc, syscall[L4_SC_IPC], 0x1c0);
L4_KIP_SAME(Lipc, syscall[L4_SC_LIPC], 0x1c8);
L4_KIP_SAME(Unmap, syscall[L4_SC_UNMAP], 0x1d0);
L4_KIP_SAME(ExchangeRegisters, syscall[L4_SC_EXCHANGE_REGISTERS], 0x1d8);
L4_KIP_SAME(SystemClock, syscall[L4_SC_SYSTEM_CLOCK], 0x1e0);
L4_KIP_SAME(ThreadSwitch, syscall[L4_SC_THREAD_SWITCH], 0x1e8);
L4_KIP_SAME(Schedule, syscall[L4_SC_SCHEDULE], 0x1f0);
L4_KIP_SAME(ArchSyscall0, arch_syscall[0], 0x220);
L4_KIP_SAME(ArchSyscall3, arch_syscall[3], 0x238);
#undef L4_KIP_SAME
_Static_assert(sizeof(L4_KernelInterfacePage_t) == L4_KIP_PROCDESC_OFFSET,
	       "the X.2 KIP header ends at the processor descriptors");
_Static_assert(sizeof(L4_MemoryInfo_t) == 8 && sizeof(L4_KernelId_t) == 8 && sizeof(L4_ApiVersion_t) == 8 &&
		   sizeof(L4_ApiFlags_t) == 8,
	       "KIP words");

/* Processor descriptor (ABI §3.4), frequencies in kHz. */
typedef union {
	L4_Word_t raw[4];
	struct {
		L4_Word_t ExternalFreq, InternalFreq, __padding[2];
	} X;
} L4_ProcDesc_t;
_Static_assert(sizeof(L4_ProcDesc_t) == sizeof(struct l4_kip_procdesc) &&
		   offsetof(L4_ProcDesc_t, X.InternalFreq) == offsetof(struct l4_kip_procdesc, internal_khz),
	       "processor descriptor");

/* Kernel descriptor (ABI §3.3): the version string follows the four words,
 * then the feature strings, each NUL-terminated, the list ended by an empty one. */
typedef struct {
	L4_KernelId_t KernelId;
	union {
		L4_Word_t raw;
		struct {
			L4_Word_t day : 5, month : 4, year : 7, __padding : 48; /* year - 2000 */
		} X;
	} KernelGenDate;
	union {
		L4_Word_t raw;
		struct {
			L4_Word_t subsubver : 16, subver : 8, ver : 8, : 32;
		} X;
	} KernelVer;
	L4_Word_t Supplier; /* four characters, the first in the lowest byte */
	char VersionString[];
} L4_KernelDesc_t;
_Static_assert(offsetof(L4_KernelDesc_t, VersionString) == 32, "kernel descriptor");

/* Memory descriptor (ABI §3.5): the region is [low << 10, high << 10 | 0x3ff]. */
typedef union {
	L4_Word_t raw[2];
	struct {
		L4_Word_t type : 4, t : 4, __padding1 : 1, v : 1, low : 54;
		L4_Word_t __padding2 : 10, high : 54;
	} x;
} L4_MemoryDesc_t;
_Static_assert(sizeof(L4_MemoryDesc_t) == sizeof(struct l4_memdesc), "memory descriptor");

#define L4_MAGIC L4_KIP_MAGIC

/* KIP ApiVersion.x.version and .subversion. */
#define L4_APIVERSION_2 0x02
#define L4_APIVERSION_4 0x04
#define L4_APIVERSION_X0 0x83
#define L4_APIVERSION_X1 0x83
#define L4_APIVERSION_X2 0x84
#define L4_APIVERSION_L4SEC 0x85
#define L4_APIVERSION_N1 0x86
#define L4_APIVERSION_OKL 0xA0
#define L4_APISUBVERSION_X0 0x80
#define L4_APISUBVERSION_X1 0x81

/* KIP ApiFlags.x.ee and .ww. */
#define L4_APIFLAG_LE 0x00
#define L4_APIFLAG_BE 0x01
#define L4_APIFLAG_32BIT 0x00
#define L4_APIFLAG_64BIT 0x01

/* Kernel IDs as id << 8 | subid (the X.2 registry; mnemo's own is id 0x6d, subid 1). */
#define L4_KID_L4_486 ((0 << 8) + 1)
#define L4_KID_L4_PENTIUM ((0 << 8) + 2)
#define L4_KID_L4_X86 ((0 << 8) + 3)
#define L4_KID_L4_MIPS ((1 << 8) + 1)
#define L4_KID_L4_ALPHA ((2 << 8) + 1)
#define L4_KID_FIASCO ((3 << 8) + 1)
#define L4_KID_L4KA_HAZELNUT ((4 << 8) + 1)
#define L4_KID_L4KA_PISTACHIO ((4 << 8) + 2)
#define L4_KID_L4KA_STRAWBERRY ((4 << 8) + 3)
#define L4_KID_NICTA_PISTACHIO ((5 << 8) + 1)

/* Kernel suppliers: four characters, little endian. */
#define L4_SUPL_CHARS(a, b, c, d) (((d) << 24) + ((c) << 16) + ((b) << 8) + (a))
#define L4_SUPL_GMD L4_SUPL_CHARS('G', 'M', 'D', ' ')
#define L4_SUPL_IBM L4_SUPL_CHARS('I', 'B', 'M', ' ')
#define L4_SUPL_UNSW L4_SUPL_CHARS('U', 'N', 'S', 'W')
#define L4_SUPL_UKA L4_SUPL_CHARS('U', 'K', 'a', ' ')
#define L4_SUPL_NICTA L4_SUPL_CHARS('N', 'I', 'C', 'T')

/* Memory descriptor types; for 0xe and 0xf L4_MemoryDescType adds the subtype << 4. */
#define L4_UndefinedMemoryType 0x0
#define L4_ConventionalMemoryType 0x1
#define L4_ReservedMemoryType 0x2
#define L4_DedicatedMemoryType 0x3
#define L4_SharedMemoryType 0x4
#define L4_BootLoaderSpecificMemoryType 0xe
#define L4_ArchitectureSpecificMemoryType 0xf

/* KernelInterface: `lock; nop` (ABI §2) gives the KIP's address in the caller's
 * space, the API version (sign-extended from 32 bits), API flags and kernel ID;
 * nothing else changes. The one trap of libl4 (syscalls.h's l4_kernel_interface
 * calls it): here, because the kernel and loader include this header and
 * syscalls.h is user-only. A null pointer argument is allowed (not stored). */
L4_INLINE void *L4_KernelInterface(L4_Word_t *ApiVersion, L4_Word_t *ApiFlags, L4_Word_t *KernelId)
{
	void *base;
	L4_Word_t version, flags, id;
	__asm__ volatile("lock; nop" : "=a"(base), "=c"(version), "=d"(flags), "=S"(id));
	if (ApiVersion)
		*ApiVersion = version;
	if (ApiFlags)
		*ApiFlags = flags;
	if (KernelId)
		*KernelId = id;
	return base;
}

L4_INLINE void *L4_GetKernelInterface(void) { return L4_KernelInterface(0, 0, 0); }

L4_INLINE L4_Word_t L4_ApiVersion(void)
{
	L4_Word_t v;
	L4_KernelInterface(&v, 0, 0);
	return v;
}

L4_INLINE L4_Word_t L4_ApiFlags(void)
{
	L4_Word_t f;
	L4_KernelInterface(0, &f, 0);
	return f;
}

L4_INLINE L4_Word_t L4_KernelId(void)
{
	L4_Word_t id;
	L4_KernelInterface(0, 0, &id);
	return id;
}

L4_INLINE L4_KernelDesc_t *__L4_KernelDesc(void *KernelInterface)
{
	L4_Word_t offset = ((L4_KernelInterfacePage_t *)KernelInterface)->KernelVerPtr;
	return (L4_KernelDesc_t *)((char *)KernelInterface + offset);
}

L4_INLINE void L4_KernelGenDate(void *KernelInterface, L4_Word_t *year, L4_Word_t *month, L4_Word_t *day)
{
	L4_KernelDesc_t *d = __L4_KernelDesc(KernelInterface);
	*year = (L4_Word_t)d->KernelGenDate.X.year + 2000;
	*month = d->KernelGenDate.X.month;
	*day = d->KernelGenDate.X.day;
}

L4_INLINE L4_Word_t L4_KernelVersion(void *KernelInterface) { return __L4_KernelDesc(KernelInterface)->KernelVer.raw; }
L4_INLINE L4_Word_t L4_KernelSupplier(void *KernelInterface) { return __L4_KernelDesc(KernelInterface)->Supplier; }
L4_INLINE char *L4_KernelVersionString(void *KernelInterface)
{
	return __L4_KernelDesc(KernelInterface)->VersionString;
}

/* Feature string num (0 the first after the version string), or null past the last. */
L4_INLINE char *L4_Feature(void *KernelInterface, L4_Word_t num)
{
	char *s = L4_KernelVersionString(KernelInterface);
	for (;;) {
		while (*s)
			s++;
		s++; /* past this string's NUL: the next string, empty at the end */
		if (!*s)
			return (char *)0;
		if (num-- == 0)
			return s;
	}
}

/* Whether the kernel lists the feature string `name`. */
L4_INLINE L4_Bool_t L4_HasFeature(const char *name)
{
	void *base = L4_GetKernelInterface();
	char *f;
	for (L4_Word_t i = 0; (f = L4_Feature(base, i)) != (char *)0; i++) {
		const char *n = name;
		while (*f && *f == *n)
			f++, n++;
		if (*f == *n)
			return 1;
	}
	return 0;
}

#define __L4_KIP(KernelInterface) ((L4_KernelInterfacePage_t *)(KernelInterface))
L4_INLINE L4_Word_t L4_NumProcessors(void *KernelInterface)
{
	return (L4_Word_t)__L4_KIP(KernelInterface)->ProcessorInfo.X.processors + 1;
}
L4_INLINE L4_Word_t L4_NumMemoryDescriptors(void *KernelInterface) { return __L4_KIP(KernelInterface)->MemoryInfo.n; }
L4_INLINE L4_Word_t L4_PageSizeMask(void *KernelInterface)
{
	return (L4_Word_t)__L4_KIP(KernelInterface)->PageInfo.X.page_size_mask << 10;
}
L4_INLINE L4_Word_t L4_PageRights(void *KernelInterface) { return __L4_KIP(KernelInterface)->PageInfo.X.rwx; }
L4_INLINE L4_Word_t L4_ThreadIdBits(void *KernelInterface) { return __L4_KIP(KernelInterface)->ThreadInfo.X.t; }
L4_INLINE L4_Word_t L4_ThreadIdSystemBase(void *KernelInterface)
{
	return __L4_KIP(KernelInterface)->ThreadInfo.X.SystemBase;
}
L4_INLINE L4_Word_t L4_ThreadIdUserBase(void *KernelInterface)
{
	return __L4_KIP(KernelInterface)->ThreadInfo.X.UserBase;
}
L4_INLINE L4_Word_t L4_ReadPrecision(void *KernelInterface)
{
	return __L4_KIP(KernelInterface)->ClockInfo.X.ReadPrecision;
}
L4_INLINE L4_Word_t L4_SchedulePrecision(void *KernelInterface)
{
	return __L4_KIP(KernelInterface)->ClockInfo.X.SchedulePrecision;
}
L4_INLINE L4_Word_t L4_UtcbAreaSizeLog2(void *KernelInterface) { return __L4_KIP(KernelInterface)->UtcbAreaInfo.X.s; }
L4_INLINE L4_Word_t L4_UtcbAreaSize(void *KernelInterface)
{
	return (L4_Word_t)1 << L4_UtcbAreaSizeLog2(KernelInterface);
}
L4_INLINE L4_Word_t L4_UtcbAlignmentLog2(void *KernelInterface) { return __L4_KIP(KernelInterface)->UtcbAreaInfo.X.a; }
/* m * 2^a bytes (X.2 §1.1 UtcbInfo). */
L4_INLINE L4_Word_t L4_UtcbSize(void *KernelInterface)
{
	return (L4_Word_t)__L4_KIP(KernelInterface)->UtcbAreaInfo.X.m << L4_UtcbAlignmentLog2(KernelInterface);
}
L4_INLINE L4_Word_t L4_KipAreaSizeLog2(void *KernelInterface) { return __L4_KIP(KernelInterface)->KipAreaInfo.X.s; }
L4_INLINE L4_Word_t L4_KipAreaSize(void *KernelInterface)
{
	return (L4_Word_t)1 << L4_KipAreaSizeLog2(KernelInterface);
}
/* The boot information's physical address (0: none); see l4/bootinfo.h. */
L4_INLINE L4_Word_t L4_BootInfo(void *KernelInterface) { return __L4_KIP(KernelInterface)->BootInfo; }

/* Memory descriptor num, or null if there is none of that number. */
L4_INLINE L4_MemoryDesc_t *L4_MemoryDesc(void *KernelInterface, L4_Word_t num)
{
	L4_KernelInterfacePage_t *page = __L4_KIP(KernelInterface);
	if (num >= page->MemoryInfo.n)
		return (L4_MemoryDesc_t *)0;
	return (L4_MemoryDesc_t *)((char *)KernelInterface + page->MemoryInfo.MemDescPtr) + num;
}
L4_INLINE L4_Bool_t L4_IsMemoryDescVirtual(L4_MemoryDesc_t *m) { return m->x.v; }
L4_INLINE L4_Word_t L4_MemoryDescType(L4_MemoryDesc_t *m)
{
	return m->x.type >= 0xe ? (L4_Word_t)m->x.type + ((L4_Word_t)m->x.t << 4) : m->x.type;
}
L4_INLINE L4_Word_t L4_MemoryDescLow(L4_MemoryDesc_t *m) { return (L4_Word_t)m->x.low << 10; }
L4_INLINE L4_Word_t L4_MemoryDescHigh(L4_MemoryDesc_t *m) { return ((L4_Word_t)m->x.high << 10) | 0x3ff; }

/* Processor descriptor cpu (0 .. L4_NumProcessors - 1), or null. */
L4_INLINE L4_ProcDesc_t *L4_ProcDesc(void *KernelInterface, L4_Word_t cpu)
{
	L4_KernelInterfacePage_t *page = __L4_KIP(KernelInterface);
	if (cpu > page->ProcessorInfo.X.processors)
		return (L4_ProcDesc_t *)0;
	return (L4_ProcDesc_t *)((char *)KernelInterface + page->ProcDescPtr + (cpu << page->ProcessorInfo.X.s));
}
L4_INLINE L4_Word_t L4_ProcDescExternalFreq(L4_ProcDesc_t *p) { return p->X.ExternalFreq; }
L4_INLINE L4_Word_t L4_ProcDescInternalFreq(L4_ProcDesc_t *p) { return p->X.InternalFreq; }
#undef __L4_KIP

/* X.2's C++ spellings of the descriptor accessors; L4_Type serves memory
 * descriptors and boot records (l4/bootinfo.h). */
L4_INLINE L4_Bool_t L4_IsVirtual(L4_MemoryDesc_t *m) { return L4_IsMemoryDescVirtual(m); }
L4_INLINE L4_Word_t L4_Low(L4_MemoryDesc_t *m) { return L4_MemoryDescLow(m); }
L4_INLINE L4_Word_t L4_High(L4_MemoryDesc_t *m) { return L4_MemoryDescHigh(m); }
L4_INLINE L4_Word_t L4_ExternalFreq(L4_ProcDesc_t *p) { return L4_ProcDescExternalFreq(p); }
L4_INLINE L4_Word_t L4_InternalFreq(L4_ProcDesc_t *p) { return L4_ProcDescInternalFreq(p); }
#define L4_Type(x) \
	_Generic((x), L4_MemoryDesc_t *: L4_MemoryDescType, L4_BootRec_t *: L4_BootRec_Type, \
		 const L4_BootRec_t *: L4_BootRec_Type)(x)

#endif
