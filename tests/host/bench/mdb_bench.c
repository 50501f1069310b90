/* SPDX-License-Identifier: MIT */
/* Host microbenchmarks of the mdb (ns/op), built without sanitizers: make bench-host. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <arch/mdb_test.h>
#include <kern/panic.h>

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

#define S(i) mdbt_sp(i)
#define REPS 7
#define TREE 50000 /* 2 * TREE + 3 nodes */

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench: %s failed\n", what);
		exit(1);
	}
}

/* Each benchmark sets up, then times `ops` operations; returns ns per op. */
#define NMAP 20000
static double b_map(void)
{
	mdbt_setup(12, 21, 30, NMAP / 170 + 8, NMAP / 170 + 8);
	int e = mdb_root_create(0x100000, 0, 7);
	if (e)
		fprintf(stderr, "%s: root %d sigma0 %p pt %zu free %zu\n", __func__, e, (void *)mdb_sigma0(),
			mdb_pt_host_count(), mdb_nodes_free);
	must(!e, __func__);
	must(!mdb_map(S(0), 0x100000, 12, 7, 0, S(1), 0x1000, 12, false), "map");
	double t = now_ns();
	for (vaddr_t i = 0; i < NMAP; i++)
		mdb_map(S(1), 0x1000, 12, 7, 0, S(2), 0x10000000 + (i << 12), 12, false);
	t = (now_ns() - t) / NMAP;
	must(mdbt_live_nodes() == NMAP + 2, "map count");
	return t;
}

static double b_unmap1(void)
{
	mdbt_setup(12, 21, 30, NMAP / 170 + 8, NMAP / 170 + 8);
	int e = mdb_root_create(0x100000, 0, 7);
	if (e)
		fprintf(stderr, "%s: root %d sigma0 %p pt %zu free %zu\n", __func__, e, (void *)mdb_sigma0(),
			mdb_pt_host_count(), mdb_nodes_free);
	must(!e, __func__);
	must(!mdb_map(S(0), 0x100000, 12, 7, 0, S(1), 0x1000, 12, false), "map");
	for (vaddr_t i = 0; i < NMAP; i++)
		mdb_map(S(1), 0x1000, 12, 7, 0, S(2), 0x10000000 + (i << 12), 12, false);
	for (vaddr_t i = 0; i < NMAP; i++) /* each s2 page has one child */
		mdb_map(S(2), 0x10000000 + (i << 12), 12, 7, 0, S(3), 0x10000000 + (i << 12), 12, false);
	double t = now_ns();
	for (vaddr_t i = 0; i < NMAP; i++)
		mdb_unmap(S(2), 0x10000000 + (i << 12), 12, 7, false);
	t = (now_ns() - t) / NMAP;
	must(mdbt_live_nodes() == NMAP + 2, "unmap1 count");
	return t;
}

#define N512 200
static double b_unmap512(void)
{
	mdbt_setup(12, 21, 30, N512 * 512 / 170 + 16, N512 * 512 / 170 + 16);
	must(!mdb_root_create(0x200000, 1, 7), "root 0x200000");
	must(!mdb_map(S(0), 0x200000, 21, 7, 0, S(1), 0x200000, 21, false), "map");
	for (vaddr_t i = 0; i < N512; i++) /* 512 4K children per 2M region of s2 */
		for (vaddr_t k = 0; k < 512; k++)
			mdb_map(S(1), 0x200000 + (k << 12), 12, 7, 0, S(2 + i % 4), ((i + 1) << 21) + (k << 12), 12,
				false);
	double t = now_ns();
	for (vaddr_t i = 0; i < N512; i++) /* unmap a 2M fpage of 512 4K mappings (flush: own) */
		mdb_unmap(S(2 + i % 4), (i + 1) << 21, 21, 7, true);
	t = (now_ns() - t) / N512;
	must(mdbt_live_nodes() == 2, "unmap512 count");
	return t;
}

static void build_tree(void)
{
	mdbt_setup(12, 21, 30, 2 * TREE / 170 + 16, 2 * TREE / 170 + 16);
	int e = mdb_root_create(0x100000, 0, 7);
	if (e)
		fprintf(stderr, "%s: root %d sigma0 %p pt %zu free %zu\n", __func__, e, (void *)mdb_sigma0(),
			mdb_pt_host_count(), mdb_nodes_free);
	must(!e, __func__);
	must(!mdb_map(S(0), 0x100000, 12, 7, 0, S(1), 0x1000, 12, false), "map");
	for (vaddr_t i = 0; i < TREE; i++) {
		vaddr_t v = 0x10000000 + (i << 12);
		mdb_map(S(1), 0x1000, 12, 7, 0, S(2), v, 12, false);
		mdb_map(S(2), v, 12, 7, 0, S(3), v, 12, false);
	}
}

static double b_revoke_tree(void)
{
	build_tree();
	double t = now_ns();
	mdb_unmap(S(1), 0x1000, 12, 7, false);
	t = now_ns() - t;
	must(mdbt_live_nodes() == 2, "revoke count");
	return t;
}

static double b_evict(void)
{
	build_tree();
	size_t before = mdbt_live_nodes();
	/* evict every page except the one holding the roots: leaves and middles */
	void *keep = mdb_node_page_of(mdb_lookup(S(1), 0x1000));
	double t = now_ns();
	for (size_t i = 0; i < mdbt.lent; i++) {
		void *p = mdbt.arena + i * MDB_NODE_PAGE_SIZE;
		if (p != keep && mdb_nodes_is_page(p))
			mdb_evict_page(p);
	}
	t = now_ns() - t;
	return t / (double)(before - mdbt_live_nodes());
}

struct result {
	const char *name;
	double med, spread;
};

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static struct result measure(const char *name, double (*fn)(void))
{
	double v[REPS];
	fn(); /* warm-up: first-touch page faults, hash-table growth */
	for (int i = 0; i < REPS; i++)
		v[i] = fn();
	qsort(v, REPS, sizeof v[0], cmp);
	struct result r = {name, v[REPS / 2], (v[REPS - 1] - v[0]) / v[REPS / 2]};
	return r;
}

int main(int argc, char **argv)
{
	mdb_pt_host_keep_memory(true);
	struct result r[] = {
	    measure("mdb_map_4k", b_map),
	    measure("mdb_unmap_1_page", b_unmap1),
	    measure("mdb_unmap_512_pages", b_unmap512),
	    measure("mdb_revoke_1e5_tree", b_revoke_tree),
	    measure("mdb_evict_per_node", b_evict),
	};
	FILE *f = argc > 1 ? fopen(argv[1], "w") : NULL;
	printf("%-24s %14s %8s\n", "benchmark", "ns/op (median)", "spread");
	if (f)
		fprintf(f, "[\n");
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
		printf("%-24s %14.1f %7.1f%%\n", r[i].name, r[i].med, 100 * r[i].spread);
		if (f)
			fprintf(f,
				"  {\"name\": \"%s\", \"unit\": \"ns/op\", \"value\": %.1f, \"repetitions\": %d, "
				"\"spread\": %.4f}%s\n",
				r[i].name, r[i].med, REPS, r[i].spread, i + 1 < sizeof r / sizeof r[0] ? "," : "");
	}
	if (f)
		fprintf(f, "]\n"), fclose(f);
	mdbt_teardown();
	return 0;
}
