// SPDX-License-Identifier: GPL-2.0
/*
 * The demonstration of "make": a device (lib/test_mmu_notifier.c) mirrors
 * a buffer of this process by its pfns while the process writes to it,
 * unmaps part of it, write-protects part of it, forks and writes again,
 * migrates it to the other NUMA node and pages it out. After each step it
 * prints the notifier callouts the device received, and whether what the
 * device still maps reads the same as what the process reads, and whether
 * any invalidation came only after its page was freed.
 *
 * Not a test: the host turns the lines it prints into a table
 * (harness/demo.py). A line reads
 *
 *	MMUN-DEMO-STEP <n> <name> <what the process did>
 *	MMUN-DEMO-EV <n> <callout> <event> <first page> <end page> <blockable> <calls>
 *	MMUN-DEMO-OUTSIDE <n> <callouts for ranges outside the buffer>
 *	MMUN-DEMO-UNPAIRED <n> <none, or how the starts and ends do not pair>
 *	MMUN-DEMO-DEV <n> <entries left> <matching> <stale> <late>
 *	MMUN-DEMO-ERROR <why>
 *
 * Pages are counted from the start of the buffer; a run of callouts of the
 * same kind over adjacent or equal ranges makes one EV line.
 */
#define _GNU_SOURCE
#include <sys/wait.h>

#include "tmn.h"

#define NPAGES 16

static int fd, id;
static char *buf;
/* Pages the process may only read: the device must not write them. */
static bool read_only[NPAGES];
static struct tmn_log log_;

static void fail(const char *what)
{
	printf("MMUN-DEMO-ERROR %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The callouts of step @n, runs of alike ones merged. */
static void print_events(int n)
{
	long first = 0, end = 0, calls = 0, outside = 0;
	int i, type = -1, event = -1, blockable = -1;
	const char *unpaired;

	if (tmn_fetch(fd, id, &log_) < 0)
		fail("TMN_EVENTS");
	unpaired = tmn_unpaired(&log_);
	for (i = 0; i <= log_.n; i++) {
		const struct tmn_event *e = &log_.ev[i];
		long f = 0, l = 0;
		int b = 0;

		if (i < log_.n) {
			/* An end repeats its start; tmn_unpaired() checked the pairs. */
			if (e->type == TMN_EV_END)
				continue;
			/* fork() write-protects every private mapping. */
			if (!tmn_overlaps(e, buf, NPAGES * psize)) {
				outside++;
				continue;
			}
			f = e->start <= (uintptr_t)buf ? 0 :
			    (long)(e->start - (uintptr_t)buf) / psize;
			l = e->end >= (uintptr_t)buf + NPAGES * psize ? NPAGES :
			    (long)(e->end - (uintptr_t)buf + psize - 1) / psize;
			b = !!(e->flags & TMN_EVF_BLOCKABLE);
			if (calls && e->type == (unsigned int)type &&
			    e->event == (unsigned int)event && b == blockable &&
			    f <= end && l >= first) {
				first = f < first ? f : first;
				end = l > end ? l : end;
				calls++;
				continue;
			}
		}
		if (calls)
			printf("MMUN-DEMO-EV %d %s %s %ld %ld %s %ld\n", n,
			       type < 8 ? tmn_type_names[type] : "?",
			       type == TMN_EV_RELEASE ? "-" :
			       event < 8 ? tmn_event_names[event] : "?",
			       first, end, blockable ? "yes" : "no", calls);
		if (i == log_.n)
			break;
		type = e->type;
		event = e->event;
		blockable = b;
		first = f;
		end = l;
		calls = 1;
	}
	if (outside)
		printf("MMUN-DEMO-OUTSIDE %d %ld\n", n, outside);
	printf("MMUN-DEMO-UNPAIRED %d %s\n", n, unpaired ? unpaired : "none");
}

/*
 * What the device still maps after step @n: entries left, how many of
 * them read what the process reads, and how many are stale (a read through
 * the pfn differs from the process's, finds a freed page, lets the device
 * write a page the process may only read, or the page is no longer mapped
 * at all). @mapped: pages the process still maps.
 */
static void check_device(int n, const bool *mapped)
{
	char *dev = malloc(psize), *cpu = malloc(psize);
	int i, left = 0, match = 0, stale = 0;
	struct tmn_status st;

	if (!dev || !cpu)
		fail("malloc");
	for (i = 0; i < NPAGES; i++) {
		char *p = buf + i * psize;

		__u64 pte = tmn_pte(fd, id, p);

		if (!(pte & TMN_PTE_VALID))
			continue;
		left++;
		if (!mapped[i] || (pte & TMN_PTE_WRITE && read_only[i]) ||
		    tmn_read(fd, id, p, dev, psize) < 0) {
			stale++;
			continue;
		}
		memcpy(cpu, p, psize);
		if (memcmp(dev, cpu, psize))
			stale++;
		else
			match++;
	}
	/*
	 * Entries the device dropped only after their page was freed: an
	 * invalidation that came too late leaves no entry to find above.
	 */
	if (tmn_status(fd, id, &st))
		fail("TMN_STATUS");
	printf("MMUN-DEMO-DEV %d %d %d %d %llu\n", n, left, match, stale,
	       (unsigned long long)st.late);
	free(dev);
	free(cpu);
}

/* The device maps every page the process maps again. */
static void remirror(const bool *mapped)
{
	int i;

	for (i = 0; i < NPAGES; i++)
		if (mapped[i] && tmn_mirror(fd, id, buf + i * psize, 1, false))
			fail("TMN_MIRROR");
	if (tmn_fetch(fd, id, &log_) < 0)
		fail("TMN_EVENTS");
}

static void step(int n, const char *name, const char *what)
{
	printf("MMUN-DEMO-STEP %d %s %s\n", n, name, what);
}

static void end_step(int n, const bool *mapped)
{
	print_events(n);
	check_device(n, mapped);
	remirror(mapped);
}

int main(void)
{
	bool mapped[NPAGES];
	int i, status[NPAGES], nodes[NPAGES], pipefd[2], n = 0;
	void *pages[NPAGES];
	pid_t child;
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = tmn_open();
	if (fd < 0)
		fail("open " TMN_DEV);
	buf = tmn_map_aligned(NPAGES * psize, NPAGES * psize,
			      PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!buf)
		fail("mmap");
	/* Small pages only: a huge page would make one range of the whole. */
	if (madvise(buf, NPAGES * psize, MADV_NOHUGEPAGE))
		fail("madvise(MADV_NOHUGEPAGE)");
	id = tmn_reg(fd, TMN_PLAIN, 0, buf, NPAGES * psize);
	if (id < 0) {
		errno = -id;
		fail("TMN_REGISTER");
	}
	for (i = 0; i < NPAGES; i++)
		mapped[i] = true;

	step(n, "mirror", "the device mirrors 16 untouched pages (the zero page)");
	remirror(mapped);
	print_events(n);
	check_device(n, mapped);

	step(++n, "write", "the process writes all 16 pages");
	for (i = 0; i < NPAGES; i++)
		tmn_fill(buf + i * psize, psize, i);
	end_step(n, mapped);

	step(++n, "munmap", "the process unmaps pages 12-15");
	if (munmap(buf + 12 * psize, 4 * psize))
		fail("munmap");
	for (i = 12; i < NPAGES; i++)
		mapped[i] = false;
	end_step(n, mapped);

	/* The device may write pages 8-11: mprotect must take that away. */
	if (tmn_mirror(fd, id, buf + 8 * psize, 4, true))
		fail("TMN_MIRROR");
	if (tmn_fetch(fd, id, &log_) < 0)
		fail("TMN_EVENTS");
	step(++n, "mprotect",
	     "the process makes pages 8-11 read-only (the device may write them)");
	if (mprotect(buf + 8 * psize, 4 * psize, PROT_READ))
		fail("mprotect");
	for (i = 8; i < 12; i++)
		read_only[i] = true;
	end_step(n, mapped);

	step(++n, "fork+write",
	     "the process forks, and writes pages 0-7 while the child lives (COW)");
	if (pipe(pipefd))
		fail("pipe");
	child = fork();
	if (child < 0)
		fail("fork");
	if (!child) {
		close(pipefd[1]);
		_exit(read(pipefd[0], &c, 1) < 0);
	}
	close(pipefd[0]);
	for (i = 0; i < 8; i++)
		tmn_fill(buf + i * psize, psize, 100 + i);
	close(pipefd[1]);
	waitpid(child, NULL, 0);
	end_step(n, mapped);

	step(++n, "migrate", "the process moves pages 0-11 to the other NUMA node");
	for (i = 0; i < 12; i++) {
		pages[i] = buf + i * psize;
		status[i] = -1;
	}
	if (syscall(SYS_move_pages, 0, 1, pages, NULL, status, 0))
		fail("move_pages");
	for (i = 0; i < 12; i++)
		nodes[i] = !status[0];
	if (syscall(SYS_move_pages, 0, 12, pages, nodes, status, 0))
		fail("move_pages");
	for (i = 0; i < 12; i++)
		if (status[i] != nodes[i])
			printf("MMUN-DEMO-ERROR page %d is on node %d, not %d\n",
			       i, status[i], nodes[i]);
	end_step(n, mapped);

	step(++n, "pageout", "the process pages 0-11 out to swap (MADV_PAGEOUT)");
	/* Migrated pages may wait in a CPU's LRU cache, out of reclaim's reach. */
	if (tmn_lru_drain(buf))
		fail("move_pages");
	if (madvise(buf, 12 * psize, MADV_PAGEOUT))
		fail("madvise(MADV_PAGEOUT)");
	for (i = 0; i < 12; i++)
		if (!(tmn_pagemap(buf + i * psize) & PM_SWAP))
			printf("MMUN-DEMO-ERROR page %d was not paged out\n", i);
	/* print_events() first: the check reads the pages back in. */
	end_step(n, mapped);

	step(++n, "unregister", "the device unregisters its notifier");
	/*
	 * The slot goes with the notifier: TMN_UNREGISTER returns the count
	 * of ->release calls, which must be one.
	 */
	i = tmn_unreg(fd, id);
	if (i < 0) {
		errno = -i;
		fail("TMN_UNREGISTER");
	}
	printf("MMUN-DEMO-EV %d release - 0 %d - %d\n", n, NPAGES, i);
	if (i != 1)
		printf("MMUN-DEMO-ERROR ->release ran %d times, not once\n", i);
	printf("MMUN-DEMO-DONE\n");
	return 0;
}
