/* SPDX-License-Identifier: MIT */
/* Internals shared by the kernel/core/mdb*.c files (not for other modules). */
#ifndef KERN_MDB_IMPL_H
#define KERN_MDB_IMPL_H

#include <stdarg.h>
#include <kern/mdb.h>
#include <kern/mdb_nodes.h>
#include <kern/panic.h>

/* ---- packed node word ---- */
static inline unsigned mdb_n_rights(const struct mdb_node *n) { return n->w & MDB_W_RIGHTS_MASK; }
static inline unsigned mdb_n_level(const struct mdb_node *n) { return (n->w >> MDB_W_LEVEL_SHIFT) & 3; }
static inline uint32_t mdb_n_space_id(const struct mdb_node *n)
{
	return (n->w >> MDB_W_SPACE_SHIFT) & ((1u << MDB_W_SPACE_BITS) - 1);
}
static inline vaddr_t mdb_n_vaddr(const struct mdb_node *n) { return (n->w >> MDB_W_VPN_SHIFT) << 12; }
static inline bool mdb_n_pinned(const struct mdb_node *n) { return n->w & MDB_W_PINNED; }
static inline uint64_t mdb_w_make(unsigned rights, bool pinned, unsigned level, uint32_t id, vaddr_t v)
{
	return (uint64_t)rights | (pinned ? MDB_W_PINNED : 0) | ((uint64_t)level << MDB_W_LEVEL_SHIFT) |
	       ((uint64_t)id << MDB_W_SPACE_SHIFT) | ((v >> 12) << MDB_W_VPN_SHIFT);
}
static inline void mdb_n_set_rights(struct mdb_node *n, unsigned r) { n->w = (n->w & ~MDB_W_RIGHTS_MASK) | r; }
static inline unsigned mdb_n_hint(const struct mdb_node *n) { return (n->w >> MDB_W_HINT_SHIFT) & 7; }
static inline void mdb_n_set_hint(struct mdb_node *n, unsigned h)
{
	n->w = (n->w & ~MDB_W_HINT_MASK) | ((uint64_t)h << MDB_W_HINT_SHIFT);
}
static inline void mdb_n_set_level(struct mdb_node *n, unsigned l)
{
	n->w = (n->w & ~(3ull << MDB_W_LEVEL_SHIFT)) | ((uint64_t)l << MDB_W_LEVEL_SHIFT);
}

struct mdb_space *mdb_n_space(const struct mdb_node *n);
static inline struct space *mdb_n_arch_space(const struct mdb_node *n) { return mdb_n_space(n)->space; }
static inline word_t mdb_level_size(unsigned level) { return (word_t)1 << arch_pt_level_shift(level); }
static inline word_t mdb_n_size(const struct mdb_node *n) { return mdb_level_size(mdb_n_level(n)); }

/* Physical base of a live node (from its PTE). */
paddr_t mdb_n_paddr(const struct mdb_node *n);

/* ---- tree primitives (mdb.c) ---- */
void mdb_link_child(struct mdb_node *parent, struct mdb_node *c);
void mdb_link_after(struct mdb_node *prev, struct mdb_node *c);
void mdb_unlink(struct mdb_node *n);
/* Removes a leaf node and its PTE; returns the PTE's access bits. */
unsigned mdb_remove_leaf(struct mdb_node *n);
/* Removes n's descendants (and n if self); unbounded, post-order. */
void mdb_subtree_remove(struct mdb_node *n, bool self);
/* Restricts every descendant of n to rights & mask, removing those left with none. */
void mdb_subtree_restrict(struct mdb_node *n, unsigned mask);
/* Splits n (level > 0) and its same-level descendants one level down; the
 * children go to the pieces holding them. MDB_ENOMEM leaves a well-formed db.
 * *cost (if non-NULL) is increased by the work done. */
int mdb_split(struct mdb_node *n, unsigned *cost);
void mdb_set_pinned(struct mdb_node *n, bool pin);
/* The space a node is charged to (its parent's; roots: sigma0). */
struct mdb_space *mdb_charger(const struct mdb_node *n);
/* The rights unfinished ops that have entered src (N9) will take from it: a
 * mapping made from src or upgraded under it meanwhile does not get them (it
 * would lose them anyway, X.2 Unmap). 0 at once when src's hint is 0. */
unsigned mdb_entered_rights(struct mdb_node *src);
/* Unfinished unmap ops; mdb_remove_leaf restarts one whose cursor goes. */
extern struct mdb_unmap_op *mdb_active_ops;

/* ---- text output without printk (dumps and check messages) ---- */
struct mdb_out {
	char *buf;
	size_t size, len;
};
void mdb_outf(struct mdb_out *o, const char *fmt, ...);
void mdb_voutf(struct mdb_out *o, const char *fmt, va_list ap);
/* Writes the message and returns -1. */
int mdb_fail(struct mdb_out *o, const char *fmt, ...);

#endif
