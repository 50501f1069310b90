/* SPDX-License-Identifier: MIT */
/* The pager library: authoritative mapping records, a pager's fault loop, rebuilding and propagation. */
#ifndef USER_PAGER_H
#define USER_PAGER_H

#include <l4/ipc.h>

/*
 * The kernel's mapping database is a cache: these records are the truth. A record
 * says "the space `dst` holds at `dst_addr` a mapping of 2^log2 bytes with `rights`,
 * which `src` mapped from its address `src_addr`; the page behind it is `backer`'s
 * page at `backer_addr`". Tables of records live in ordinary memory, often in pages
 * shared between a task and its pagers, each table with exactly one writer. The
 * format is documented in docs/pagers.md; readers in other spaces treat a table as
 * untrusted input and validate every index they follow.
 */

#define PGR_MAGIC 0x31524750u /* "PGR1" */
#define PGR_VERSION 1u

enum pgr_rec_flags {
	PGR_F_LIVE = 1u, /* the slot holds a record */
	PGR_F_FALLBACK = 2u, /* a trusted memory server may hand the frame to whoever names the record */
	PGR_F_ACCEPT = 4u, /* written by the receiver of a map item */
	PGR_F_HANDOUT = 8u, /* written by the giver of a mapping */
};

struct pgr_rec {
	uint32_t flags; /* enum pgr_rec_flags */
	uint16_t next; /* next record of the same hash bucket: index + 1, 0 ends the chain */
	uint8_t log2; /* size of the mapping, >= 12 */
	uint8_t rights; /* L4_Readable | L4_Writable | L4_eXecutable */
	uint64_t reserved;
	L4_ThreadId_t dst; /* key: the space holding the mapping, named by one of its threads */
	L4_Word_t dst_addr; /* key: the mapping's base there, aligned to 2^log2 */
	L4_ThreadId_t src; /* who mapped it (asked again to rebuild it) */
	L4_Word_t src_addr; /* the base in the source's space */
	L4_ThreadId_t backer; /* who backs the source's page: its pager, or the trusted server */
	L4_Word_t backer_addr; /* the page in the backer's space */
};
_Static_assert(sizeof(struct pgr_rec) == 64, "docs/pagers.md: a record is 64 bytes");

struct pgr_table {
	uint32_t magic; /* PGR_MAGIC */
	uint16_t version; /* PGR_VERSION */
	uint16_t nbuckets; /* a power of two; the bucket heads (uint16_t, index + 1) follow the header */
	uint16_t capacity; /* records at rec_offset */
	uint16_t free; /* free-slot chain through `next`: index + 1, 0 = full */
	uint32_t count; /* live records */
	uint32_t seq; /* odd while the writer changes the table (a sequence lock for readers) */
	uint32_t rec_offset; /* bytes from the header to record 0, a multiple of 64 */
	uint64_t sizes; /* bit s: some live record has log2 == s (lookups try only these sizes) */
	L4_ThreadId_t writer; /* the one thread that writes this table */
};
_Static_assert(sizeof(struct pgr_table) == 40, "docs/pagers.md: the table header is 40 bytes");

/* Formats `bytes` of memory as an empty table written by `writer`; NULL if too small. */
struct pgr_table *pgr_table_init(void *mem, size_t bytes, L4_ThreadId_t writer);
/* Writer side. Insert replaces a record with the same key (dst, dst_addr, log2). */
bool pgr_insert(struct pgr_table *t, const struct pgr_rec *r);
bool pgr_remove(struct pgr_table *t, L4_ThreadId_t dst, L4_Word_t addr);
/* Reader side, safe on a table another space writes: copies the record covering
 * (dst, addr) into *out. No linear scan: one hash chain per page size in use. */
bool pgr_lookup(const struct pgr_table *t, size_t bytes, L4_ThreadId_t dst, L4_Word_t addr, struct pgr_rec *out);
/* The address in the source (or backer) space that corresponds to addr in r's destination. */
static inline L4_Word_t pgr_src_of(const struct pgr_rec *r, L4_Word_t addr)
{
	return r->src_addr + (addr - r->dst_addr);
}
static inline L4_Word_t pgr_backer_of(const struct pgr_rec *r, L4_Word_t addr)
{
	return r->backer_addr + (addr - r->dst_addr);
}

/* ---- messages between pagers, sources and servers (docs/pagers.md) ------------------- */

enum pgr_label {
	PGR_LABEL_MAP = 0x7001, /* MR1 src_addr, MR2 backer, MR3 backer_addr, MR4 flags; one map item */
	PGR_LABEL_REMAP, /* to a source: MR1 dst, MR2 dst_addr -> PGR_LABEL_MAP or PGR_LABEL_REFUSE */
	PGR_LABEL_BACKER, /* to a backer: MR1 src, MR2 dst, MR3 dst_addr -> PGR_LABEL_MAP or REFUSE */
	PGR_LABEL_FRAME, /* to the trusted server: MR1 backer, MR2 backer_addr -> PGR_LABEL_MAP or REFUSE */
	PGR_LABEL_REFUSE, /* MR1 reason */
	PGR_LABEL_LOST, /* to the faulting thread's exception handler: see enum pgr_lost_mr */
};

/* Why a mapping could not be rebuilt (MR1 of a refusal, MR7 of a lost-mapping note). */
enum pgr_reason {
	PGR_OK = 0,
	PGR_NO_RECORD, /* nobody recorded the mapping */
	PGR_REFUSED, /* the source, backer or server said no */
	PGR_DEAD, /* no answer in time (dead, stopped or busy forever) */
	PGR_BAD_ANSWER, /* an answer without the map item */
	PGR_NO_RIGHTS, /* the access needs rights the record does not give */
};

/* The lost-mapping note: MR1 faulting thread (global ID), MR2 fault address, MR3 fault
 * IP, MR4 access, MR5 source, MR6 source address, MR7 log2 | rights << 8, MR8 reason. */
#define PGR_LOST_WORDS 8

/* ---- the pager --------------------------------------------------------------------- */

/* Ways to rebuild a mapping from an accept record, tried in this order. */
enum pgr_policy {
	PGR_USE_SOURCE = 1u, /* ask the source again (PGR_LABEL_REMAP) */
	PGR_USE_BACKER = 2u, /* ask the source's backer directly (PGR_LABEL_BACKER) */
	PGR_USE_TRUSTED = 4u, /* ask the trusted memory server (PGR_LABEL_FRAME) */
	PGR_PROPAGATE = 8u, /* no record, or nothing worked: propagate to the external pager */
};

/* How a fault was answered (statistics, traces). */
enum pgr_path {
	PGR_PATH_OWN, /* from our own handout records: the direct pager */
	PGR_PATH_SOURCE, /* rebuilt by asking the source */
	PGR_PATH_BACKER, /* rebuilt by asking the source's backer */
	PGR_PATH_TRUSTED, /* rebuilt by the trusted memory server */
	PGR_PATH_PROPAGATED, /* handed to the external pager, which answers the thread itself */
	PGR_PATH_HOOK, /* answered by the program's own hook */
	PGR_PATH_LOST, /* lost: the exception handler was told */
	PGR_NPATHS
};
extern const char *const pgr_path_name[PGR_NPATHS];

#define PGR_CLIENT_THREADS 4
#define PGR_MAX_CLIENTS 4
#define PGR_LAND_SIZE (1ul << 30) /* a non-local pager's landing window: land + addr mod 1 GiB */

struct pgr_client {
	L4_ThreadId_t task; /* the ID records name the client's space by */
	L4_ThreadId_t threads[PGR_CLIENT_THREADS]; /* its threads we page, as IPC shows them to us */
	struct pgr_table *given; /* what we handed the client (we write it), or NULL */
	size_t given_bytes;
	const struct pgr_table *accepts; /* the client's accept log (it writes it), or NULL */
	size_t accepts_bytes;
	const struct pgr_table *handouts; /* the client's handout log, for backer requests, or NULL */
	size_t handouts_bytes;
	L4_ThreadId_t handler; /* a non-local pager's address for lost-mapping notes (nil: none) */
	bool local; /* we share its space: fetched pages land at the fault address itself */
	L4_Word_t land; /* otherwise where fetched pages land in our space */
};

struct pgr_fault {
	L4_ThreadId_t thread; /* the faulting thread as IPC shows it (a local ID if it shares our space) */
	L4_ThreadId_t actual; /* the thread that propagated the fault to us, else nil */
	L4_Word_t addr, ip;
	unsigned access;
	struct pgr_client *client;
	struct pgr_rec rec; /* the record used, if any */
	bool have_rec;
	enum pgr_path path;
	enum pgr_reason reason; /* of the last remote step that failed */
};

struct pgr_pager {
	const char *name;
	unsigned policy; /* enum pgr_policy */
	L4_ThreadId_t external; /* the external pager we propagate to, or nil */
	L4_ThreadId_t trusted; /* the trusted memory server, or nil */
	L4_Time_t timeout; /* bound on every request to a source, backer or server (a period) */
	struct pgr_client clients[PGR_MAX_CLIENTS];
	unsigned nclients;
	/* A fault nobody recorded (image pages, heap): answer in the MRs and return true. */
	bool (*hook)(struct pgr_pager *p, struct pgr_fault *f);
	/* Any other message: return true to send the reply left in the MRs. */
	bool (*message)(struct pgr_pager *p, L4_ThreadId_t from, L4_MsgTag_t tag);
	/* Called after each fault with the path it took (for the console). */
	void (*trace)(struct pgr_pager *p, const struct pgr_fault *f);
	/* A trusted memory server's own handout table (answers PGR_LABEL_FRAME), or NULL. */
	const struct pgr_table *frames;
	size_t frames_bytes;
	unsigned long stats[PGR_NPATHS];
};

/* The label of the kernel's page-fault message (X.2 §4.1): -2 above the access bits rwx. */
#define PGR_PAGEFAULT_LABEL ((L4_Word_t)-2 << 4)
/* True for the kernel's page-fault message: the label's 44 bits above the access bits are -2. */
static inline bool pgr_is_pagefault(L4_MsgTag_t tag) { return L4_Label(tag) >> 4 == ((L4_Word_t)-2 << 20) >> 20; }
/* A tag of label with u untyped and t typed words (MR0 of the messages below). */
static inline L4_MsgTag_t pgr_tag(L4_Word_t label, unsigned u, unsigned t)
{
	L4_MsgTag_t tag = L4_MsgTagAddLabel(L4_Niltag, label);
	tag.X.u = u & 0x3f, tag.X.t = t & 0x3f;
	return tag;
}

/* Runs the pager: waits for faults and requests and answers them; never returns. */
__attribute__((noreturn)) void pgr_loop(struct pgr_pager *p);
/* One message already received (tag in MR0): true if a reply is left in the MRs. */
bool pgr_dispatch(struct pgr_pager *p, L4_ThreadId_t from, L4_MsgTag_t tag);
/* Puts a map item of our page `page` (4 KiB, rights) with send base `hot` in the MRs. */
void pgr_reply_map(unsigned label, L4_Word_t page, unsigned rights, L4_Word_t hot);
void pgr_reply_refuse(enum pgr_reason why);

/* Servers of the requests above; each leaves the reply in the MRs. */
void pgr_serve_backer(struct pgr_pager *p);
void pgr_serve_frame(const struct pgr_table *frames, size_t bytes);
/* A source: answers PGR_LABEL_REMAP from its handout log (it touches its page first so
 * that its own pager brings it back if it was revoked). */
void pgr_serve_remap(const struct pgr_table *handouts, size_t bytes, L4_ThreadId_t self, bool willing);

/* ---- mapping and accepting with records (no IPC beyond the map message itself) ------- */

/* Records the handout in `out`, then sends the map message to `to`. The receiver is told
 * src_addr and who backs the page (from the table our own pager keeps for us). */
bool pgr_map_to(struct pgr_table *out, L4_ThreadId_t self, L4_ThreadId_t to, L4_Word_t src_addr, unsigned log2,
		unsigned rights, L4_Word_t dst_addr, L4_ThreadId_t backer, L4_Word_t backer_addr, unsigned flags,
		L4_Time_t timeout);
/* Receives a map message from `from` into fpage(window, log2) and records it in `in`. */
bool pgr_accept(struct pgr_table *in, L4_ThreadId_t self, L4_ThreadId_t from, L4_Word_t window, unsigned log2,
		L4_Time_t timeout, struct pgr_rec *got);
/* Revokes our page behind handout record (dst, addr) from everybody it reached (Unmap,
 * not flush): the record stays, so the mapping can be rebuilt. */
bool pgr_revoke(const struct pgr_table *given, size_t bytes, L4_ThreadId_t dst, L4_Word_t addr);
/* Revokes and forgets: the mapping cannot be rebuilt from this table any more. */
bool pgr_forget(struct pgr_table *given, L4_ThreadId_t dst, L4_Word_t addr);

#endif
