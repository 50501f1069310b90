/* SPDX-License-Identifier: MIT */
/* The X.2 convenience interface suite: programs written with X.2 names and types only; here the value types. */
#include <test.h>
#include <l4/types.h>

/*
 * Every file of this suite uses the X.2 convenience interface only (the names of
 * the X.2 reference manual: L4_ThreadId_t, L4_Ipc, L4_MsgAppendWord, ...), never
 * mnemo's scalar layer (its lower-case names, its upper-case constants), as a program for another
 * X.2 libl4 would. tools/check-x2api.sh enforces that.
 */

USER_TEST(fpage, "x2api.types.fpage", "fpages: construction, size, address, rights, nil and complete address space")
{
	L4_Fpage_t f = L4_FpageLog2(0x12345000, 12);
	TEST_CHECK_EQ(L4_Address(f), 0x12345000);
	TEST_CHECK_EQ(L4_Size(f), 4096);
	TEST_CHECK_EQ(L4_SizeLog2(f), 12);
	TEST_CHECK_EQ(L4_Rights(f), L4_NoAccess);
	f = L4_FpageAddRights(f, L4_Readable | L4_eXecutable);
	TEST_CHECK_EQ(L4_Rights(f), L4_ReadeXecOnly);
	L4_FpageAddRightsTo(&f, L4_Writable);
	TEST_CHECK_EQ(L4_Rights(f), L4_FullyAccessible);
	TEST_CHECK_EQ(L4_Rights(L4_FpageRemoveRights(f, L4_eXecutable)), L4_ReadWriteOnly);
	L4_FpageRemoveRightsFrom(&f, L4_FullyAccessible);
	TEST_CHECK_EQ(L4_Rights(f), L4_NoAccess);
	L4_Set_Rights(&f, L4_Writable);
	TEST_CHECK_EQ(f.X.rwx, L4_Writable);
	TEST_CHECK_EQ(f.raw, 0x12345000 | (12 << 4) | 2);
	TEST_CHECK_EQ(L4_SizeLog2(L4_Fpage(0x200000, 0x200000)), 21);
	TEST_CHECK_EQ(L4_SizeLog2(L4_Fpage(0x200000, 0x1ff000)), 21); /* rounded up */
	TEST_CHECK_EQ(L4_Address(L4_FpageLog2(0x12345678, 16)), 0x12340000);
	TEST_CHECK(L4_IsNilFpage(L4_Nilpage));
	TEST_CHECK(!L4_IsNilFpage(L4_CompleteAddressSpace));
	TEST_CHECK_EQ(L4_CompleteAddressSpace.raw, 1 << 4);
}

USER_TEST(thread_ids, "x2api.types.threadid", "thread IDs: global and local, number and version, nil and any")
{
	L4_ThreadId_t t = L4_GlobalId(0x1234, 7);
	TEST_CHECK_EQ(t.raw, (0x1234ull << 32) | 7);
	TEST_CHECK_EQ(L4_ThreadNo(t), 0x1234);
	TEST_CHECK_EQ(L4_Version(t), 7);
	TEST_CHECK_EQ(t.global.X.thread_no, 0x1234);
	TEST_CHECK(L4_IsGlobalId(t) && !L4_IsLocalId(t));
	TEST_CHECK(L4_IsThreadEqual(t, L4_GlobalId(0x1234, 7)));
	TEST_CHECK(L4_IsThreadNotEqual(t, L4_GlobalId(0x1234, 8)));
	TEST_CHECK(L4_IsNilThread(L4_nilthread));
	TEST_CHECK(!L4_IsNilThread(L4_anythread));
	TEST_CHECK_EQ(L4_anythread.raw, ~0ull);
	TEST_CHECK_EQ(L4_anylocalthread.raw, ~0ull << 6);
	L4_ThreadId_t l = {.raw = 0xbf000100};
	TEST_CHECK(L4_IsLocalId(l) && !L4_IsGlobalId(l));
	TEST_CHECK_EQ(l.local.X.local_id, 0xbf000100 >> 6);
}

USER_TEST(time, "x2api.types.time", "time: periods (never, zero, rounded up), clock arithmetic and comparison")
{
	TEST_CHECK_EQ(L4_Never.raw, 0);
	TEST_CHECK_EQ(L4_ZeroTime.raw, 0x0400);
	L4_Time_t t = L4_TimePeriod(1000);
	TEST_CHECK_EQ(t.period.m, 1000);
	TEST_CHECK_EQ(t.period.e, 0);
	t = L4_TimePeriod(1000000);
	TEST_CHECK(((L4_Word64_t)t.period.m << t.period.e) >= 1000000); /* never shorter */
	TEST_CHECK(((L4_Word64_t)(t.period.m - 1) << t.period.e) < 1000000);
	TEST_CHECK_EQ(t.period.a, 0);
	L4_Clock_t c = {.raw = 5000};
	TEST_CHECK_EQ(L4_ClockAddUsec(c, 100).raw, 5100);
	TEST_CHECK_EQ(L4_ClockSubUsec(c, 100).raw, 4900);
	TEST_CHECK(L4_IsClockEarlier(c, L4_ClockAddUsec(c, 1)));
	TEST_CHECK(L4_IsClockLater(L4_ClockAddUsec(c, 1), c));
	TEST_CHECK(L4_IsClockEqual(c, (L4_Clock_t){.raw = 5000}));
	TEST_CHECK(L4_IsClockNotEqual(c, L4_ClockAddUsec(c, 1)));
	TEST_CHECK_EQ(c.X.low, 5000);
	TEST_CHECK_EQ(c.X.high, 0);
}

int main(void)
{
	printf("x2api suite: the X.2 convenience interface, X.2 names and types only\n");
	test_run_all("x2api");
}
