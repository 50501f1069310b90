/* SPDX-License-Identifier: MIT */
/* Node-page allocator of the mapping database (pages lent by a pager). */
#include <kern/mdb_nodes.h>
#include <kern/mdb_impl.h>
#include <kern/string.h>

_Static_assert(sizeof(struct mdb_node) == MDB_NODE_SIZE, "mdb_node must stay 24 bytes");
_Static_assert(sizeof(struct mdb_node_page) == MDB_NODE_PAGE_HDR, "page header is 16 bytes");
_Static_assert(MDB_NODES_PER_PAGE == 170 && MDB_NODES_PER_PAGE < 256, "slot index fits u8");

char *mdb_arena;
static size_t arena_size;
size_t mdb_nodes_free, mdb_nodes_free_reserve, mdb_nodes_pin_floor;
size_t mdb_nodes_lent_pages, mdb_nodes_reserve_pages;

/* A list of pages by page number + 1; head and tail. */
struct page_list {
	uint32_t head, tail;
};
static struct page_list pages, reserve, draining;

static struct mdb_node_page *page_at(uint32_t pn1)
{
	return pn1 ? (struct mdb_node_page *)(mdb_arena + (size_t)(pn1 - 1) * MDB_NODE_PAGE_SIZE) : NULL;
}
static uint32_t page_no1(const struct mdb_node_page *p)
{
	return (uint32_t)(((const char *)p - mdb_arena) / MDB_NODE_PAGE_SIZE) + 1;
}

static void list_unlink(struct page_list *l, struct mdb_node_page *p)
{
	if (p->prev)
		page_at(p->prev)->next = p->next;
	else
		l->head = p->next;
	if (p->next)
		page_at(p->next)->prev = p->prev;
	else
		l->tail = p->prev;
	p->next = p->prev = 0;
}
static void list_push_front(struct page_list *l, struct mdb_node_page *p)
{
	uint32_t n1 = page_no1(p);
	p->prev = 0;
	p->next = l->head;
	if (l->head)
		page_at(l->head)->prev = n1;
	else
		l->tail = n1;
	l->head = n1;
}
static void list_push_back(struct page_list *l, struct mdb_node_page *p)
{
	uint32_t n1 = page_no1(p);
	p->next = 0;
	p->prev = l->tail;
	if (l->tail)
		page_at(l->tail)->next = n1;
	else
		l->head = n1;
	l->tail = n1;
}

void mdb_nodes_init(void *arena, size_t size)
{
	mdb_arena = arena;
	arena_size = size;
	pages.head = pages.tail = reserve.head = reserve.tail = draining.head = draining.tail = 0;
	mdb_nodes_free = mdb_nodes_free_reserve = mdb_nodes_pin_floor = 0;
	mdb_nodes_lent_pages = mdb_nodes_reserve_pages = 0;
}

/* The list a page is on (P4). */
static struct page_list *list_of(const struct mdb_node_page *p)
{
	return (p->flags & MDB_PAGE_DRAINING) ? &draining : (p->flags & MDB_PAGE_RESERVE) ? &reserve : &pages;
}

bool mdb_nodes_is_page(const void *p)
{
	const char *c = p;
	if (!mdb_arena || c < mdb_arena || c >= mdb_arena + arena_size || (size_t)(c - mdb_arena) % MDB_NODE_PAGE_SIZE)
		return false;
	/* The magic alone could be stale garbage in a page that was never lent (or
	 * was freed without eviction): the list links must agree as well. */
	const struct mdb_node_page *pg = p;
	if (pg->magic != MDB_PAGE_MAGIC)
		return false;
	struct page_list *l = list_of(pg);
	uint32_t self = page_no1(pg);
	size_t npages = arena_size / MDB_NODE_PAGE_SIZE;
	if (pg->prev > npages || pg->next > npages)
		return false;
	if (pg->prev ? page_at(pg->prev)->next != self : l->head != self)
		return false;
	return pg->next ? page_at(pg->next)->prev == self : l->tail == self;
}

static int add_page(void *page, uint8_t flags)
{
	char *c = page;
	if (!mdb_arena || c < mdb_arena || c + MDB_NODE_PAGE_SIZE > mdb_arena + arena_size ||
	    (size_t)(c - mdb_arena) % MDB_NODE_PAGE_SIZE || mdb_nodes_is_page(page))
		return MDB_EINVAL;
	memset(page, 0, MDB_NODE_PAGE_SIZE);
	struct mdb_node_page *p = page;
	p->magic = MDB_PAGE_MAGIC;
	p->flags = flags;
	for (unsigned i = 0; i < MDB_NODES_PER_PAGE; i++)
		mdb_page_slot(p, i)->next = i + 1 < MDB_NODES_PER_PAGE ? i + 2 : 0;
	p->free_head = 1;
	list_push_front(list_of(p), p);
	mdb_nodes_free += MDB_NODES_PER_PAGE;
	if (flags & MDB_PAGE_RESERVE) {
		mdb_nodes_free_reserve += MDB_NODES_PER_PAGE;
		mdb_nodes_reserve_pages++;
	} else {
		mdb_nodes_lent_pages++;
	}
	return MDB_OK;
}

int mdb_nodes_add_page(void *page) { return add_page(page, 0); }
int mdb_nodes_add_reserve_page(void *page) { return add_page(page, MDB_PAGE_RESERVE); }

static struct mdb_node *alloc_from(struct page_list *l)
{
	struct mdb_node_page *p = page_at(l->head);
	if (!p || !p->free_head)
		return NULL;
	struct mdb_node *n = mdb_page_slot(p, p->free_head - 1u);
	p->free_head = (uint8_t)n->next;
	p->used++;
	mdb_nodes_free--;
	if (l == &reserve)
		mdb_nodes_free_reserve--;
	memset(n, 0, sizeof *n);
	if (!p->free_head) { /* full: behind the pages with room (P4) */
		list_unlink(l, p);
		list_push_back(l, p);
	}
	return n;
}

struct mdb_node *mdb_node_alloc(void)
{
	struct mdb_node *n = alloc_from(&pages);
	if (!n && mdb_nodes_free_reserve > mdb_nodes_pin_floor)
		n = alloc_from(&reserve);
	return n;
}

struct mdb_node *mdb_node_alloc_reserve(void) { return alloc_from(&reserve); }

void mdb_node_free(struct mdb_node *n)
{
	struct mdb_node_page *p = mdb_node_page_of(n);
	assert(p->magic == MDB_PAGE_MAGIC && p->used > 0);
	unsigned slot = (unsigned)((char *)n - (char *)p - MDB_NODE_PAGE_HDR) / MDB_NODE_SIZE;
	if (n->w & MDB_W_PINNED) {
		p->pinned--;
		mdb_pinned_nodes--;
	}
	bool was_full = !p->free_head;
	memset(n, 0, sizeof *n);
	n->next = p->free_head;
	p->free_head = (uint8_t)(slot + 1);
	p->used--;
	if (p->flags & MDB_PAGE_DRAINING)
		return;
	mdb_nodes_free++;
	if (p->flags & MDB_PAGE_RESERVE)
		mdb_nodes_free_reserve++;
	if (was_full) {
		struct page_list *l = list_of(p);
		list_unlink(l, p);
		list_push_front(l, p);
	}
}

void mdb_nodes_drain(struct mdb_node_page *p)
{
	if (p->flags & MDB_PAGE_DRAINING)
		return;
	list_unlink(list_of(p), p);
	mdb_nodes_free -= MDB_NODES_PER_PAGE - p->used;
	if (p->flags & MDB_PAGE_RESERVE) {
		mdb_nodes_free_reserve -= MDB_NODES_PER_PAGE - p->used;
		mdb_nodes_reserve_pages--;
	} else {
		mdb_nodes_lent_pages--;
	}
	p->flags |= MDB_PAGE_DRAINING;
	list_push_back(&draining, p);
}

void mdb_nodes_remove_page(struct mdb_node_page *p)
{
	assert((p->flags & MDB_PAGE_DRAINING) && p->used == 0);
	list_unlink(&draining, p);
	p->magic = 0;
}

struct mdb_node_page *mdb_nodes_draining_head(void) { return page_at(draining.head); }

/* Iteration order: lent, reserve, draining. */
static struct page_list *const all_lists[] = {&pages, &reserve, &draining};

static struct mdb_node_page *first_from(unsigned k)
{
	for (; k < ARRAY_SIZE(all_lists); k++)
		if (all_lists[k]->head)
			return page_at(all_lists[k]->head);
	return NULL;
}

struct mdb_node_page *mdb_nodes_first(void) { return first_from(0); }

struct mdb_node_page *mdb_nodes_next(struct mdb_node_page *p)
{
	if (p->next)
		return page_at(p->next);
	struct page_list *l = list_of(p);
	return first_from(l == &pages ? 1 : l == &reserve ? 2 : 3);
}

static int check_list(struct page_list *l, size_t *free_slots, struct mdb_out *o)
{
	uint32_t prev = 0;
	bool seen_full = false;
	size_t limit = arena_size / MDB_NODE_PAGE_SIZE + 1;
	for (uint32_t n1 = l->head; n1; n1 = page_at(n1)->next) {
		struct mdb_node_page *p = page_at(n1);
		if (!limit--)
			return mdb_fail(o, "page list cycle");
		if (p->magic != MDB_PAGE_MAGIC || p->prev != prev)
			return mdb_fail(o, "page list broken at page %u", (unsigned)n1 - 1);
		if (list_of(p) != l)
			return mdb_fail(o, "page %u on the wrong list", (unsigned)n1 - 1);
		unsigned used = 0, pinned = 0, nfree = 0;
		for (unsigned i = 0; i < MDB_NODES_PER_PAGE; i++) {
			struct mdb_node *n = mdb_page_slot(p, i);
			if (mdb_node_live(n)) {
				used++;
				pinned += !!(n->w & MDB_W_PINNED);
			}
		}
		unsigned steps = 0;
		for (unsigned f = p->free_head; f; f = mdb_page_slot(p, f - 1)->next) {
			if (f > MDB_NODES_PER_PAGE || ++steps > MDB_NODES_PER_PAGE ||
			    mdb_node_live(mdb_page_slot(p, f - 1)))
				return mdb_fail(o, "free list of page %u broken", (unsigned)n1 - 1);
			nfree++;
		}
		if (used != p->used || pinned != p->pinned || used + nfree != MDB_NODES_PER_PAGE)
			return mdb_fail(o, "page %u counts: used %u/%u pinned %u/%u free %u", (unsigned)n1 - 1, p->used,
					used, p->pinned, pinned, nfree);
		if (pinned && !(p->flags & MDB_PAGE_RESERVE) && mdb_nodes_reserve_pages)
			return mdb_fail(o, "lent page %u holds %u pinned nodes (P6)", (unsigned)n1 - 1, pinned);
		if (l != &draining) {
			if (nfree && seen_full)
				return mdb_fail(o, "page %u with room behind a full page", (unsigned)n1 - 1);
			seen_full |= nfree == 0;
			*free_slots += nfree;
		}
		prev = n1;
	}
	if (l->tail != prev)
		return mdb_fail(o, "page list tail");
	return 0;
}

int mdb_nodes_check(char *err, size_t errlen)
{
	struct mdb_out o = {err, errlen, 0};
	size_t lent_free = 0, reserve_free = 0, drain_free = 0;
	if (check_list(&pages, &lent_free, &o) || check_list(&reserve, &reserve_free, &o) ||
	    check_list(&draining, &drain_free, &o))
		return -1;
	if (lent_free + reserve_free != mdb_nodes_free || reserve_free != mdb_nodes_free_reserve)
		return mdb_fail(&o, "free counts %zu/%zu != %zu/%zu", mdb_nodes_free, mdb_nodes_free_reserve,
				lent_free + reserve_free, reserve_free);
	return 0;
}
