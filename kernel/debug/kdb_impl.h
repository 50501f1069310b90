/* SPDX-License-Identifier: MIT */
/* What the kernel debugger's files share: the parsed command line and the parsing and naming helpers. */
#ifndef KDB_IMPL_H
#define KDB_IMPL_H

#include <kern/types.h>

struct space;

#define KDB_MAX_ARGS 4
/* Every walk over kernel structures stops after this many steps: they may be corrupt. */
#define KDB_WALK_STEPS (1u << 22)

/* The words of the current command line (kdb.c splits it; commands read it). */
extern char *kdb_argv[KDB_MAX_ARGS];
extern unsigned kdb_argc;

/* A whole number in base 10 or 16 (0x allowed); false on anything else or overflow. */
bool kdb_parse_num(const char *s, unsigned base, word_t *out);
/* The space named by sN (mdb space id, decimal) or a thread no[.ver] (hex); NULL if none. */
struct space *kdb_parse_space(const char *a);
/* "no.ver name" of the space's lowest-numbered thread, into buf. */
const char *kdb_space_owner(const struct space *s, char *buf, size_t size);
const char *kdb_rights_str(unsigned r, char buf[4]);
/* 4K, 2M or 1G for a leaf level. */
const char *kdb_size_str(unsigned level);

/* Commands of kdb_tree.c: `tree <paddr>` and `dump`. */
void kdb_cmd_tree(void);
void kdb_cmd_dump(void);
/* kdb_mem.c: `mem`, `mem pages`, `mem spaces`. */
void kdb_cmd_mem(void);

struct mdb_node_page;
/* "lent", "reserve", "draining" (or "bad": not a node page), for mem and tree/dump. */
const char *kdb_node_page_kind(const struct mdb_node_page *p);
/* TCBs in the thread table; registered mdb spaces. */
unsigned kdb_thread_count(void);
unsigned kdb_space_count(void);

#endif
