// SPDX-License-Identifier: GPL-2.0
/*
 * Page aging and the system daemons, seen by a secondary MMU.
 *
 * The core mm asks secondary MMUs whether they used a page (the young
 * callouts) wherever it ages pages: idle page tracking, reclaim's
 * reference check (classic LRU and multi-gen LRU), DAMON, and khugepaged's
 * choice of what to collapse. These tests check that a page only the
 * device uses counts as used, that the callouts come, and that whatever
 * the daemons (reclaim, khugepaged, KSM) do to the pages leaves the device
 * coherent.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "tmn.h"

#define PMD	(2UL << 20)

static struct tmn_log tmn_log_buf;

static uint64_t pfn_of(void *addr)
{
	return PM_PFN(tmn_pagemap(addr));
}

/*
 * The bitmap reads and writes 0 bytes for the last, partial 64-page chunk
 * below max_pfn: page_idle_bitmap_read() and _write() advance their
 * position only at a chunk's last bit. Give a page of this process that
 * landed there another frame: move it away (it stays allocated, so the
 * new frame comes from elsewhere) and fault a new one in its place.
 * Returns 0 once the page's chunk can be read.
 */
static int idle_trackable(char *page)
{
	int tries;

	for (tries = 0; tries < 64; tries++) {
		uint64_t word, pfn = pfn_of(page);
		int fd = open(TMN_IDLE_BITMAP, O_RDONLY);
		ssize_t n;
		char *hold;

		if (fd < 0 || !pfn)
			return -1;
		n = pread(fd, &word, 8, pfn / 64 * 8);
		close(fd);
		if (n == 8)
			return 0;
		hold = mmap(NULL, psize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
		if (hold == MAP_FAILED ||
		    mremap(page, psize, psize, MREMAP_MAYMOVE | MREMAP_FIXED,
			   hold) != hold ||
		    mmap(page, psize, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != page ||
		    madvise(page, psize, MADV_NOHUGEPAGE))
			return -1;
		tmn_fill(page, psize, tries);
	}
	return -1;
}

/*
 * Young callouts of @type in the log that meet [addr, addr + len), and how
 * many of them answered young.
 */
static int young_calls(const struct tmn_log *log, int type, void *addr,
		       size_t len, int *young)
{
	int i, n = 0;

	*young = 0;
	for (i = 0; i < log->n; i++) {
		const struct tmn_event *e = &log->ev[i];

		if (e->type != (unsigned int)type || !tmn_overlaps(e, addr, len))
			continue;
		n++;
		*young += !!(e->flags & TMN_EVF_YOUNG);
	}
	return n;
}

static char *map_anon(size_t len, size_t align, int advice, unsigned int seed)
{
	char *p = tmn_map_aligned(len, align, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE);

	if (!p || (advice && madvise(p, len, advice)))
		return NULL;
	tmn_fill(p, len, seed);
	return p;
}

FIXTURE(aging) {
	int fd;
};

FIXTURE_SETUP(aging)
{
	self->fd = tmn_open();
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "no %s (CONFIG_TEST_MMU_NOTIFIER)", TMN_DEV);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(aging)
{
	close(self->fd);
}

/*
 * Idle page tracking: marking a page idle clears the device's accessed
 * bits (clear_young); a page the device then uses, and the CPU does not,
 * is no longer idle when read back; one nobody used stays idle. For small
 * pages and for a PMD-mapped huge page.
 */
TEST_F(aging, idle_page_tracking)
{
	char *p = map_anon(16 * psize, psize, MADV_NOHUGEPAGE, 1);
	char *thp = map_anon(PMD, PMD, MADV_HUGEPAGE, 2);
	int id, tid, young, i;
	uint64_t pfn[16], thp_pfn;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, thp);
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, idle_trackable(p + i * psize)) TH_LOG("page %d", i);
	id = tmn_reg(self->fd, TMN_PLAIN, 0, p, 16 * psize);
	tid = tmn_reg(self->fd, TMN_PLAIN, 0, thp, PMD);
	ASSERT_GE(id, 0);
	ASSERT_GE(tid, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, p, 16, true));
	ASSERT_EQ(0, tmn_mirror(self->fd, tid, thp, 512, true));
	/* The device has used everything so far. */
	ASSERT_EQ(0, tmn_touch(self->fd, id, p, 16));
	ASSERT_EQ(0, tmn_touch(self->fd, tid, thp, 512));
	/* Pages still in a CPU's LRU cache are not on the LRU: no rmap walk. */
	ASSERT_EQ(0, tmn_lru_drain(p));
	for (i = 0; i < 16; i++) {
		pfn[i] = pfn_of(p + i * psize);
		ASSERT_NE(0, pfn[i]);
		ASSERT_EQ(0, tmn_idle_bit(pfn[i], true))
			TH_LOG("%s: %s", TMN_IDLE_BITMAP, strerror(errno));
	}
	thp_pfn = pfn_of(thp);
	ASSERT_EQ(0, tmn_idle_bit(thp_pfn, true));
	tmn_fetch(self->fd, id, &tmn_log_buf);
	ASSERT_GE(young_calls(&tmn_log_buf, TMN_EV_CLEAR_YOUNG, p, 16 * psize,
			      &young), 16);
	ASSERT_EQ(16, young) TH_LOG("the device's accessed bits were not reported");
	tmn_fetch(self->fd, tid, &tmn_log_buf);
	ASSERT_GE(young_calls(&tmn_log_buf, TMN_EV_CLEAR_YOUNG, thp, PMD,
			      &young), 1);

	/* The device uses the first eight pages and one subpage of the THP. */
	ASSERT_EQ(0, tmn_touch(self->fd, id, p, 8));
	ASSERT_EQ(0, tmn_touch(self->fd, tid, thp + 100 * psize, 1));
	for (i = 0; i < 16; i++)
		ASSERT_EQ(i < 8 ? 0 : 1, tmn_idle_bit(pfn[i], false))
			TH_LOG("page %d", i);
	ASSERT_EQ(0, tmn_idle_bit(thp_pfn, false))
		TH_LOG("a huge page the device used reads idle");
	expect_coherent(_metadata, self->fd, id, p, 16);
}

static char cgroup_dir[128];

/* A memory cgroup of its own for the calling process. */
static int enter_memcg(void)
{
	char path[192], pid[32];

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	if (tmn_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory"))
		return -1;
	snprintf(cgroup_dir, sizeof(cgroup_dir), "/sys/fs/cgroup/tmn-%d",
		 getpid());
	if (mkdir(cgroup_dir, 0700) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup_dir);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return tmn_write_file(path, pid);
}

static void memcg_reclaim(const char *amount)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/memory.reclaim", cgroup_dir);
	/* EAGAIN when less than @amount could go: fine. */
	tmn_write_file(path, amount);
}

/* After reclaim: a page that went to swap is not mirrored any more. */
static int swapped_but_mirrored(int fd, int id, char *p, size_t npages,
				size_t *swapped)
{
	size_t i;
	int bad = 0;

	*swapped = 0;
	for (i = 0; i < npages; i++) {
		if (!(tmn_pagemap(p + i * psize) & PM_SWAP))
			continue;
		(*swapped)++;
		bad += !!(tmn_pte(fd, id, p + i * psize) & TMN_PTE_VALID);
	}
	return bad;
}

/*
 * Reclaim with its reference check (memory.reclaim of a memory cgroup; the
 * classic LRU): mapped pages are checked with clear_flush_young, which
 * asks the device too; pages that go to swap leave the device first.
 */
TEST_F(aging, reclaim_references)
{
	size_t n = 256, swapped;
	char *p;
	int id, young, calls, i;

	ASSERT_EQ(0, enter_memcg()) TH_LOG("memory cgroup: %s", strerror(errno));
	ASSERT_EQ(0, tmn_write_file("/sys/kernel/mm/lru_gen/enabled", "n"));
	p = map_anon(n * psize, psize, MADV_NOHUGEPAGE, 3);
	ASSERT_NE(NULL, p);
	id = tmn_reg(self->fd, TMN_PLAIN, 0, p, n * psize);
	ASSERT_GE(id, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, p, n, true));
	ASSERT_EQ(0, tmn_touch(self->fd, id, p, n));
	tmn_fetch(self->fd, id, &tmn_log_buf);
	memcg_reclaim("64M");
	memcg_reclaim("64M");
	tmn_fetch(self->fd, id, &tmn_log_buf);
	calls = young_calls(&tmn_log_buf, TMN_EV_CLEAR_FLUSH_YOUNG, p,
			    n * psize, &young);
	ASSERT_GT(calls, 0) TH_LOG("reclaim never asked the device");
	ASSERT_GT(young, 0);
	ASSERT_EQ(0, swapped_but_mirrored(self->fd, id, p, n, &swapped));
	TH_LOG("%d reference checks, %d young; %zu of %zu pages swapped",
	       calls, young, swapped, n);
	ASSERT_EQ(NULL, tmn_unpaired(&tmn_log_buf));
	/*
	 * Used by no one since (MADV_COLD moves them to the inactive list),
	 * the pages go to swap: each one leaves the device first.
	 */
	ASSERT_EQ(0, madvise(p, n * psize, MADV_COLD));
	for (i = 0; i < 8 && !swapped; i++) {
		memcg_reclaim("64M");
		ASSERT_EQ(0, swapped_but_mirrored(self->fd, id, p, n, &swapped));
	}
	TH_LOG("unused: %zu of %zu pages swapped after %d more reclaims",
	       swapped, n, i);
	ASSERT_GT(swapped, 0) TH_LOG("reclaim swapped nothing: the test shows nothing");
	expect_coherent(_metadata, self->fd, id, p, n);
}

/* The memcg ID of our cgroup in /sys/kernel/debug/lru_gen. */
static int lru_gen_memcg_id(void)
{
	char line[256], *name = strrchr(cgroup_dir, '/');
	FILE *f = fopen("/sys/kernel/debug/lru_gen", "r");
	int id = -1, cur;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char path[200];

		if (sscanf(line, "memcg %d %199s", &cur, path) == 2 &&
		    !strcmp(path, name))
			id = cur;
	}
	fclose(f);
	return id;
}

/*
 * The multi-gen LRU: aging walks the page tables (clear_young for young
 * PTEs and PMDs), and eviction's reference check looks around the page
 * (clear_young of it and its neighbours).
 */
TEST_F(aging, lru_gen)
{
	size_t n = 256, swapped;
	char *p, *thp, cmd[128];
	int id, tid, memcg, young, calls;

	ASSERT_EQ(0, enter_memcg());
	ASSERT_EQ(0, tmn_write_file("/sys/kernel/mm/lru_gen/enabled", "y"))
		TH_LOG("CONFIG_LRU_GEN?");
	p = map_anon(n * psize, psize, MADV_NOHUGEPAGE, 4);
	thp = map_anon(PMD, PMD, MADV_HUGEPAGE, 5);
	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, thp);
	id = tmn_reg(self->fd, TMN_PLAIN, 0, p, n * psize);
	tid = tmn_reg(self->fd, TMN_PLAIN, 0, thp, PMD);
	ASSERT_GE(id, 0);
	ASSERT_GE(tid, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, p, n, true));
	ASSERT_EQ(0, tmn_mirror(self->fd, tid, thp, 512, true));
	memcg = lru_gen_memcg_id();
	ASSERT_GE(memcg, 0);
	/*
	 * Aging: "+ memcg node max_gen can_swap force_scan", on each node
	 * (the pages may sit on either).
	 */
	for (int node = 0; node < 2; node++) {
		int max_gen = -1;
		char line[256];
		FILE *f = fopen("/sys/kernel/debug/lru_gen", "r");
		bool ours = false, here = false;

		ASSERT_NE(NULL, f);
		while (fgets(line, sizeof(line), f)) {
			int a, b;

			if (sscanf(line, "memcg %d", &a) == 1)
				ours = a == memcg;
			else if (sscanf(line, " node %d", &a) == 1)
				here = ours && a == node;
			else if (here && sscanf(line, " %d %d", &a, &b) == 2)
				max_gen = a;
		}
		fclose(f);
		if (max_gen < 0)
			continue;
		snprintf(cmd, sizeof(cmd), "+ %d %d %d 1 1", memcg, node, max_gen);
		ASSERT_EQ(0, tmn_write_file("/sys/kernel/debug/lru_gen", cmd))
			TH_LOG("%s: %s", cmd, strerror(errno));
	}
	tmn_fetch(self->fd, id, &tmn_log_buf);
	calls = young_calls(&tmn_log_buf, TMN_EV_CLEAR_YOUNG, p, n * psize,
			    &young);
	ASSERT_GT(calls, 0) TH_LOG("the page table walk never asked the device");
	tmn_fetch(self->fd, tid, &tmn_log_buf);
	ASSERT_GT(young_calls(&tmn_log_buf, TMN_EV_CLEAR_YOUNG, thp, PMD,
			      &young), 0);

	/* Eviction: the reference check looks around the page. */
	memset(p, 6, n * psize);
	ASSERT_EQ(0, tmn_touch(self->fd, id, p, n));
	memcg_reclaim("64M");
	memcg_reclaim("64M");
	tmn_fetch(self->fd, id, &tmn_log_buf);
	ASSERT_EQ(0, swapped_but_mirrored(self->fd, id, p, n, &swapped));
	TH_LOG("%d young calls during eviction; %zu of %zu pages swapped",
	       young_calls(&tmn_log_buf, TMN_EV_CLEAR_YOUNG, p, n * psize, &young),
	       swapped, n);
	ASSERT_GT(swapped, 0) TH_LOG("eviction swapped nothing: the test shows nothing");
	ASSERT_EQ(0, tmn_write_file("/sys/kernel/mm/lru_gen/enabled", "n"));
	expect_coherent(_metadata, self->fd, id, p, n);
}

static int damon_write(const char *rel, const char *val)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "/sys/kernel/mm/damon/admin/kdamonds/0/%s",
		 rel);
	ret = tmn_write_file(path, val);
	if (ret)
		fprintf(stderr, "# %s <- %s: %s\n", path, val, strerror(-ret));
	return ret;
}

/*
 * Run DAMON for @ms with one context of @ops over the regions given (for
 * vaddr, of our address space).
 */
static int damon_run(const char *ops, int nregions, char **start,
		     size_t *len, int ms)
{
	char v[64], k[128];
	int i, ret;

	if (tmn_write_file("/sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds", "1"))
		return -1;
	/* A fresh target: paddr must not inherit vaddr's regions. */
	ret = damon_write("contexts/nr_contexts", "1") ?:
	      damon_write("contexts/0/operations", ops) ?:
	      damon_write("contexts/0/monitoring_attrs/intervals/sample_us", "1000") ?:
	      damon_write("contexts/0/monitoring_attrs/intervals/aggr_us", "20000") ?:
	      damon_write("contexts/0/targets/nr_targets", "0") ?:
	      damon_write("contexts/0/targets/nr_targets", "1");
	if (ret)
		return ret;
	if (!strcmp(ops, "vaddr")) {
		snprintf(v, sizeof(v), "%d", getpid());
		ret = damon_write("contexts/0/targets/0/pid_target", v);
	}
	if (nregions) {
		snprintf(v, sizeof(v), "%d", nregions);
		ret = ret ?: damon_write("contexts/0/targets/0/regions/nr_regions", v);
		for (i = 0; !ret && i < nregions; i++) {
			snprintf(k, sizeof(k), "contexts/0/targets/0/regions/%d/start", i);
			snprintf(v, sizeof(v), "%lu", (unsigned long)start[i]);
			ret = damon_write(k, v);
			snprintf(k, sizeof(k), "contexts/0/targets/0/regions/%d/end", i);
			snprintf(v, sizeof(v), "%lu", (unsigned long)start[i] + len[i]);
			ret = ret ?: damon_write(k, v);
		}
		if (ret)
			return ret;
	}
	ret = damon_write("state", "on");
	if (ret)
		return ret;
	usleep(ms * 1000);
	return damon_write("state", "off");
}

/*
 * DAMON: its access sampling clears (mkold) and tests young bits, of
 * small pages, huge pages and hugetlb pages, for a process's virtual
 * address space (vaddr) and for physical memory (paddr); each time it asks
 * the device too.
 */
TEST_F(aging, damon)
{
	size_t len[3] = { 8 * PMD, 4 * PMD, 4 * PMD };
	char *r[3];
	int ids[3], i, young, clears, tests;
	const char *what[3] = { "small pages", "huge pages", "hugetlb" };

	r[0] = map_anon(len[0], PMD, MADV_NOHUGEPAGE, 7);
	r[1] = map_anon(len[1], PMD, MADV_HUGEPAGE, 8);
	r[2] = mmap(NULL, len[2], PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	ASSERT_NE(NULL, r[0]);
	ASSERT_NE(NULL, r[1]);
	ASSERT_NE(MAP_FAILED, r[2]);
	tmn_fill(r[2], len[2], 9);
	/* DAMON wants its regions in address order. */
	for (i = 0; i < 3; i++) {
		for (int j = i + 1; j < 3; j++) {
			if (r[j] < r[i]) {
				char *t = r[i];
				size_t l = len[i];
				const char *w = what[i];

				r[i] = r[j];
				len[i] = len[j];
				what[i] = what[j];
				r[j] = t;
				len[j] = l;
				what[j] = w;
			}
		}
	}
	for (i = 0; i < 3; i++) {
		ids[i] = tmn_reg(self->fd, TMN_PLAIN, 0, r[i], len[i]);
		ASSERT_GE(ids[i], 0);
		ASSERT_EQ(0, tmn_mirror(self->fd, ids[i], r[i], len[i] / psize,
					false));
		tmn_fetch(self->fd, ids[i], &tmn_log_buf);
	}
	ASSERT_EQ(0, damon_run("vaddr", 3, r, len, 1500))
		TH_LOG("DAMON sysfs: %s", strerror(errno));
	for (i = 0; i < 3; i++) {
		tmn_fetch(self->fd, ids[i], &tmn_log_buf);
		clears = young_calls(&tmn_log_buf, TMN_EV_CLEAR_YOUNG, r[i],
				     len[i], &young);
		tests = young_calls(&tmn_log_buf, TMN_EV_TEST_YOUNG, r[i],
				    len[i], &young);
		TH_LOG("vaddr, %s: %d clear_young, %d test_young", what[i],
		       clears, tests);
		ASSERT_GT(clears, 0);
		ASSERT_GT(tests, 0);
	}
	/* paddr: the physical span of the small and the huge pages. */
	{
		uint64_t lo = ~0ULL, hi = 0, pfn;
		size_t off;
		char *pr[1];
		size_t pl[1];

		for (i = 0; i < 3; i++) {
			if (!strcmp(what[i], "hugetlb"))
				continue;
			for (off = 0; off < len[i]; off += psize) {
				pfn = pfn_of(r[i] + off);
				lo = pfn && pfn < lo ? pfn : lo;
				hi = pfn > hi ? pfn : hi;
			}
		}
		ASSERT_LT(lo, hi);
		pr[0] = (char *)(uintptr_t)(lo * psize);
		pl[0] = (hi + 1 - lo) * psize;
		ASSERT_EQ(0, damon_run("paddr", 1, pr, pl, 3000));
	}
	for (i = 0, clears = tests = 0; i < 3; i++) {
		tmn_fetch(self->fd, ids[i], &tmn_log_buf);
		clears += young_calls(&tmn_log_buf, TMN_EV_CLEAR_YOUNG, r[i],
				      len[i], &young);
		tests += young_calls(&tmn_log_buf, TMN_EV_TEST_YOUNG, r[i],
				     len[i], &young);
	}
	TH_LOG("paddr: %d clear_young, %d test_young", clears, tests);
	ASSERT_GT(clears, 0);
	ASSERT_GT(tests, 0);
	for (i = 0; i < 3; i++)
		expect_coherent(_metadata, self->fd, ids[i], r[i], 16);
}

static void khugepaged_speed(bool fast)
{
	tmn_write_file("/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs",
		       fast ? "0" : "10000");
	tmn_write_file("/sys/kernel/mm/transparent_hugepage/khugepaged/alloc_sleep_millisecs",
		       fast ? "0" : "60000");
}

/*
 * khugepaged collapses only a range whose pages were used recently. Here
 * only the device used them (MADV_COLD cleared the CPU's young bits): it
 * must learn that from test_young, collapse, and the device must drop the
 * small pages it mirrored.
 */
TEST_F_TIMEOUT(aging, khugepaged_collapse, 120)
{
	char *p = map_anon(PMD, PMD, MADV_NOHUGEPAGE, 10);
	int id, young, calls, waited;

	ASSERT_NE(NULL, p);
	ASSERT_FALSE(tmn_is_thp(p));
	id = tmn_reg(self->fd, TMN_PLAIN, 0, p, PMD);
	ASSERT_GE(id, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, p, 512, false));
	ASSERT_EQ(0, madvise(p, PMD, MADV_COLD));
	/* The device uses half of the range; nobody uses the rest. */
	ASSERT_EQ(0, tmn_touch(self->fd, id, p, 256));
	tmn_fetch(self->fd, id, &tmn_log_buf);
	ASSERT_EQ(0, madvise(p, PMD, MADV_HUGEPAGE));
	khugepaged_speed(true);
	for (waited = 0; waited < 600 && !tmn_is_thp(p); waited++)
		usleep(100000);
	khugepaged_speed(false);
	ASSERT_TRUE(tmn_is_thp(p)) TH_LOG("khugepaged did not collapse in 60 s");
	tmn_fetch(self->fd, id, &tmn_log_buf);
	calls = young_calls(&tmn_log_buf, TMN_EV_TEST_YOUNG, p, PMD, &young);
	TH_LOG("collapsed after %d ms; %d test_young calls, %d young",
	       waited * 100, calls, young);
	ASSERT_GT(young, 0);
	ASSERT_GT(tmn_count(&tmn_log_buf, MMU_NOTIFY_CLEAR, p, PMD), 0);
	ASSERT_EQ(NULL, tmn_unpaired(&tmn_log_buf));
	ASSERT_EQ(0, tmn_pte(self->fd, id, p) & TMN_PTE_VALID);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, p, 512, false));
	expect_coherent(_metadata, self->fd, id, p, 512);
}

static void ksm_run(const char *run)
{
	tmn_write_file("/sys/kernel/mm/ksm/sleep_millisecs", "0");
	tmn_write_file("/sys/kernel/mm/ksm/pages_to_scan", "1000");
	tmn_write_file("/sys/kernel/mm/ksm/run", run);
}

/*
 * KSM merges identical pages into one write-protected page and later
 * unmerges them: each time the device must drop the pfns it had, and a
 * device write (which must fault for write, breaking the sharing) must
 * land only in the writer's own page.
 */
TEST_F_TIMEOUT(aging, ksm_merge_unmerge, 120)
{
	size_t n = 8, i;
	char *a = map_anon(n * psize, psize, 0, 11);
	char *b = map_anon(n * psize, psize, 0, 11);
	char mark[64], page[4096];
	int ida, idb, waited;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ida = tmn_reg(self->fd, TMN_PLAIN, 0, a, n * psize);
	idb = tmn_reg(self->fd, TMN_PLAIN, 0, b, n * psize);
	ASSERT_EQ(0, tmn_mirror(self->fd, ida, a, n, true));
	ASSERT_EQ(0, tmn_mirror(self->fd, idb, b, n, false));
	ASSERT_EQ(0, madvise(a, n * psize, MADV_MERGEABLE));
	ASSERT_EQ(0, madvise(b, n * psize, MADV_MERGEABLE));
	ksm_run("1");
	for (waited = 0; waited < 600; waited++) {
		for (i = 0; i < n; i++)
			if (pfn_of(a + i * psize) != pfn_of(b + i * psize))
				break;
		if (i == n)
			break;
		usleep(100000);
	}
	ksm_run("0");
	ASSERT_EQ(n, i) TH_LOG("KSM merged %zu of %zu pages in 60 s", i, n);
	tmn_fetch(self->fd, ida, &tmn_log_buf);
	ASSERT_GT(tmn_count(&tmn_log_buf, MMU_NOTIFY_CLEAR, a, n * psize), 0);
	ASSERT_EQ(NULL, tmn_unpaired(&tmn_log_buf));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, tmn_pte(self->fd, ida, a + i * psize) & TMN_PTE_WRITE)
			TH_LOG("the device can still write page %zu, now shared", i);
	expect_coherent(_metadata, self->fd, ida, a, n);
	expect_coherent(_metadata, self->fd, idb, b, n);

	/* A device write faults for write: it gets a page of its own. */
	ASSERT_EQ(0, tmn_mirror(self->fd, ida, a, 1, true));
	memset(mark, 0x4b, sizeof(mark));
	ASSERT_EQ(0, tmn_write(self->fd, ida, a, mark, sizeof(mark)));
	ASSERT_EQ(0, memcmp(mark, a, sizeof(mark)));
	ASSERT_NE(0, memcmp(mark, b, sizeof(mark)))
		TH_LOG("a device write reached the other process's KSM page");
	ASSERT_EQ(0, tmn_mirror(self->fd, idb, b, 1, false));
	ASSERT_EQ(0, tmn_read(self->fd, idb, b, page, sizeof(page)));
	ASSERT_EQ(0, memcmp(page, b, sizeof(page)));

	/* Unmerge: every shared page is copied back. */
	ASSERT_EQ(0, tmn_mirror(self->fd, idb, b, n, false));
	tmn_fetch(self->fd, idb, &tmn_log_buf);
	ASSERT_EQ(0, madvise(b, n * psize, MADV_UNMERGEABLE));
	tmn_fetch(self->fd, idb, &tmn_log_buf);
	ASSERT_GT(tmn_count(&tmn_log_buf, MMU_NOTIFY_CLEAR, b + psize,
			    (n - 1) * psize), 0);
	ASSERT_EQ(NULL, tmn_unpaired(&tmn_log_buf));
	ASSERT_NE(pfn_of(a + psize), pfn_of(b + psize));
	expect_coherent(_metadata, self->fd, idb, b, n);
	expect_coherent(_metadata, self->fd, ida, a, n);
}

TEST_HARNESS_MAIN
