/* SPDX-License-Identifier: MIT */
/* Host simulation of the page tables behind the mdb's arch_pt_* hooks (tests only). */
#ifndef ARCH_MDB_PT_HOST_H
#define ARCH_MDB_PT_HOST_H

#include <kern/mdb_arch.h>

/* Reset reuses the table's memory instead of freeing it (benchmarks). */
void mdb_pt_host_keep_memory(bool keep);
/* Forgets every mapping; leaf sizes back to x86-64's 12/21/30. */
void mdb_pt_host_reset(void);
/* Leaf sizes (log2) for levels 0..2; call right after reset. */
void mdb_pt_host_set_levels(unsigned l0, unsigned l1, unsigned l2);
/* "The user touched this page": ORs access bits into the leaf mapping v.
 * False if v is not mapped. */
bool mdb_pt_host_touch(struct space *s, vaddr_t v, unsigned bits);
/* Number of leaf mappings in all spaces. */
size_t mdb_pt_host_count(void);
/* Sum of the sizes of all leaf mappings. */
uint64_t mdb_pt_host_mapped_bytes(void);
/* Verifies the simulation: no overlapping leaves in a space, every leaf names a
 * live node at that place. 0 or -1 with a reason. */
int mdb_pt_host_check(char *err, size_t errlen);
/* The next n installs/splits succeed, then they fail (out of page-table
 * memory); n < 0 (the default) never fails. */
void mdb_pt_host_fail_after(long n);

#endif
