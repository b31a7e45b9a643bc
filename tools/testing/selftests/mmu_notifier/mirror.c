// SPDX-License-Identifier: GPL-2.0
/*
 * Coherence of a secondary MMU through every way the core mm changes a
 * mapping.
 *
 * Each test mirrors pages into the device page table of
 * lib/test_mmu_notifier.c, changes the mapping from the CPU side, and
 * checks what the device sees: a page the change touched is no longer
 * mirrored (a device read or write fails with ENOENT, so it neither sees
 * stale data nor writes into a page the process no longer maps), a page
 * still mirrored reads what the process reads and takes writes the process
 * sees, the invalidation carried the event type 6.12 uses for that change,
 * and every invalidate_range_start had exactly one matching end.
 *
 * Each test runs with the three kinds of notifier a driver can use: plain,
 * interval and shared (mmu_notifier_get()).
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <linux/mempolicy.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "tmn.h"

#define NPAGES	16
#define PMD	(2UL << 20)

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

static struct tmn_log tmn_log_buf;

/* The pages are gone from the device; a write through it lands nowhere. */
static void expect_dropped(struct __test_metadata *_metadata, int fd, int id,
			   char *addr, size_t npages)
{
	char *buf = malloc(psize);
	size_t i;

	ASSERT_NE(NULL, buf);
	memset(buf, 0xdd, psize);
	for (i = 0; i < npages; i++) {
		char *page = addr + i * psize;

		ASSERT_EQ(0, tmn_pte(fd, id, page) & TMN_PTE_VALID)
			TH_LOG("page %zu is still mirrored after the change", i);
		ASSERT_EQ(-ENOENT, tmn_read(fd, id, page, buf, psize));
		ASSERT_EQ(-ENOENT, tmn_write(fd, id, page, buf, psize));
	}
	free(buf);
}

/*
 * The log holds an invalidation of type @event meeting [addr, addr + len),
 * of the kind of callout the notifier's kind receives; starts and ends
 * pair, and none is in flight. Returns the log for more checks.
 */
static struct tmn_log *expect_event(struct __test_metadata *_metadata, int fd,
				    int id, int kind, int event, void *addr,
				    size_t len)
{
	struct tmn_log *log = &tmn_log_buf;
	struct tmn_status st;
	const char *why;

	ASSERT_GE(tmn_fetch(fd, id, log), 0);
	if (!tmn_count(log, event, addr, len)) {
		tmn_dump(log);
		ASSERT_TRUE(0)
			TH_LOG("no %s invalidation of [%p, +%#zx)",
			       event < 0 ? "" : tmn_event_names[event], addr, len);
	}
	why = tmn_unpaired(log);
	if (why)
		tmn_dump(log);
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
	ASSERT_EQ(0, tmn_count_type(log, kind == TMN_INTERVAL ?
				    TMN_EV_START : TMN_EV_INVALIDATE));
	ASSERT_EQ(0, tmn_status(fd, id, &st));
	ASSERT_EQ(0, st.active);
	return log;
}

/*
 * The usual end of a test: the change invalidated the pages with @event,
 * the device lost them, and once it faults them in again (writable if
 * @write) it sees what the process sees.
 */
static void expect_changed(struct __test_metadata *_metadata, int fd, int id,
			   int kind, int event, char *addr, size_t npages,
			   bool write)
{
	expect_event(_metadata, fd, id, kind, event, addr, npages * psize);
	expect_dropped(_metadata, fd, id, addr, npages);
	ASSERT_EQ(0, tmn_mirror(fd, id, addr, npages, write));
	expect_coherent(_metadata, fd, id, addr, npages);
}

static void drain(int fd, int id)
{
	tmn_fetch(fd, id, &tmn_log_buf);
}

static int page_node(void *addr)
{
	void *pages[1] = { addr };
	int status = -1;

	if (syscall(__NR_move_pages, 0, 1, pages, NULL, &status, 0))
		return -errno;
	return status;
}

/*
 * Move every page of the window to the node of its first page. A process
 * that ran on both vCPUs while it faulted them in has them on both nodes,
 * and a move "to the other node" would then leave some where they are,
 * with no notifier called for them.
 */
static int gather_pages(char *addr)
{
	int nodes[NPAGES], status[NPAGES], node = page_node(addr), i;
	void *pages[NPAGES];

	if (node < 0)
		return node;
	for (i = 0; i < NPAGES; i++) {
		pages[i] = addr + i * psize;
		nodes[i] = node;
	}
	if (syscall(__NR_move_pages, 0, NPAGES, pages, nodes, status,
		    MPOL_MF_MOVE))
		return -errno;
	for (i = 0; i < NPAGES; i++)
		if (status[i] != node)
			return -EBUSY;
	return 0;
}

FIXTURE(mirror) {
	int fd;
	char *buf;
	size_t len;
};

FIXTURE_VARIANT(mirror) {
	int kind;
};

FIXTURE_VARIANT_ADD(mirror, plain) {
	.kind = TMN_PLAIN,
};

FIXTURE_VARIANT_ADD(mirror, interval) {
	.kind = TMN_INTERVAL,
};

FIXTURE_VARIANT_ADD(mirror, get) {
	.kind = TMN_GET,
};

FIXTURE_SETUP(mirror)
{
	self->fd = tmn_open();
	ASSERT_GE(self->fd, 0);
	self->len = NPAGES * psize;
	self->buf = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	tmn_fill(self->buf, self->len, 1);
	ASSERT_EQ(0, gather_pages(self->buf));
}

FIXTURE_TEARDOWN(mirror)
{
	close(self->fd);
}

/*
 * Register a notifier of the variant's kind (and TMN_* @flags) over
 * [addr, addr + wlen), mirror the first @len bytes (writable if @write)
 * and check the device reads them.
 */
static int setup_mirror(struct __test_metadata *_metadata, int fd, int kind,
			unsigned int flags, char *addr, size_t wlen,
			size_t len, bool write)
{
	char *tmp = malloc(len);
	int id = tmn_reg(fd, kind, flags, addr, wlen);

	EXPECT_GE(id, 0) TH_LOG("register: %s", strerror(-id));
	if (id < 0 || !tmp)
		return -1;
	EXPECT_EQ(0, tmn_mirror(fd, id, addr, len / psize, write));
	EXPECT_EQ(0, tmn_read(fd, id, addr, tmp, len < TMN_MAX_IO ? len : TMN_MAX_IO));
	EXPECT_EQ(0, memcmp(tmp, addr, len < TMN_MAX_IO ? len : TMN_MAX_IO));
	free(tmp);
	drain(fd, id);
	return id;
}

#define SETUP_WINDOW(addr, wlen, len, write) ({			\
	int __id = setup_mirror(_metadata, self->fd, variant->kind, 0,	\
				(char *)(addr), wlen, len, write);	\
	ASSERT_GE(__id, 0);						\
	__id;								\
})

/* munmap of the whole mirrored range. */
TEST_F(mirror, munmap_whole)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);

	ASSERT_EQ(0, munmap(self->buf, self->len));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_UNMAP,
		     self->buf, self->len);
	expect_dropped(_metadata, self->fd, id, self->buf, NPAGES);
	/* New memory at the same address is not reachable either. */
	ASSERT_EQ(self->buf, mmap(self->buf, self->len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	expect_dropped(_metadata, self->fd, id, self->buf, NPAGES);
	ASSERT_EQ(0, self->buf[0]);
}

/* munmap of four pages in the middle: only those go. */
TEST_F(mirror, munmap_partial)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);
	char *hole = self->buf + 4 * psize;

	ASSERT_EQ(0, munmap(hole, 4 * psize));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_UNMAP,
		     hole, 4 * psize);
	expect_dropped(_metadata, self->fd, id, hole, 4);
	expect_coherent(_metadata, self->fd, id, self->buf, 4);
	expect_coherent(_metadata, self->fd, id, hole + 4 * psize, 8);
}

/* munmap across two VMAs (an mprotect splits the mapping first). */
TEST_F(mirror, munmap_across_vmas)
{
	int id;

	ASSERT_EQ(0, mprotect(self->buf + 8 * psize, 8 * psize, PROT_READ));
	id = SETUP_WINDOW(self->buf, self->len, self->len, false);
	ASSERT_EQ(0, munmap(self->buf + 6 * psize, 4 * psize));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_UNMAP,
		     self->buf + 6 * psize, 4 * psize);
	expect_dropped(_metadata, self->fd, id, self->buf + 6 * psize, 4);
	expect_coherent(_metadata, self->fd, id, self->buf, 6);
	expect_coherent(_metadata, self->fd, id, self->buf + 10 * psize, 6);
}

/*
 * mremap moving the pages: the old addresses are invalidated, the data
 * moves with them.
 */
TEST_F(mirror, mremap_move)
{
	char *area = mmap(NULL, 2 * self->len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *dst = area + self->len;
	char *copy = malloc(self->len);
	int id;

	ASSERT_NE(MAP_FAILED, area);
	tmn_fill(area, self->len, 2);
	memcpy(copy, area, self->len);
	id = SETUP_WINDOW(area, 2 * self->len, 2 * self->len, true);
	ASSERT_EQ(dst, mremap(area, self->len, self->len,
			      MREMAP_MAYMOVE | MREMAP_FIXED, dst));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_UNMAP,
		     area, self->len);
	expect_dropped(_metadata, self->fd, id, area, NPAGES);
	ASSERT_EQ(0, memcmp(copy, dst, self->len));
	ASSERT_EQ(0, tmn_mirror(self->fd, id, dst, NPAGES, false));
	expect_coherent(_metadata, self->fd, id, dst, NPAGES);
}

/* mremap shrinking in place unmaps the tail. */
TEST_F(mirror, mremap_shrink)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);

	ASSERT_EQ(self->buf, mremap(self->buf, self->len, self->len / 2, 0));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_UNMAP,
		     self->buf + self->len / 2, self->len / 2);
	expect_dropped(_metadata, self->fd, id, self->buf + self->len / 2,
		       NPAGES / 2);
	expect_coherent(_metadata, self->fd, id, self->buf, NPAGES / 2);
}

/*
 * mremap growing in place: the old pages stay coherent, the new ones can
 * be mirrored and a device write to them reaches the process.
 */
TEST_F(mirror, mremap_grow)
{
	char *area = mmap(NULL, 2 * self->len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *mark = malloc(psize);
	int id;

	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, munmap(area + self->len, self->len));
	tmn_fill(area, self->len, 3);
	id = SETUP_WINDOW(area, 2 * self->len, self->len, true);
	ASSERT_EQ(area, mremap(area, self->len, 2 * self->len, 0));
	expect_coherent(_metadata, self->fd, id, area, NPAGES);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, area + self->len, NPAGES, true));
	tmn_fill(mark, psize, 33);
	ASSERT_EQ(0, tmn_write(self->fd, id, area + self->len, mark, psize));
	ASSERT_EQ(0, memcmp(mark, area + self->len, psize));
	expect_coherent(_metadata, self->fd, id, area, 2 * NPAGES);
}

/*
 * mprotect read-only: the writable entries go; the device may map the
 * pages again, read-only only.
 */
TEST_F(mirror, mprotect_readonly)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);
	char mark[64];

	ASSERT_EQ(0, mprotect(self->buf, self->len, PROT_READ));
	expect_event(_metadata, self->fd, id, variant->kind,
		     MMU_NOTIFY_PROTECTION_VMA, self->buf, self->len);
	expect_dropped(_metadata, self->fd, id, self->buf, NPAGES);
	ASSERT_EQ(-EFAULT, tmn_mirror(self->fd, id, self->buf, NPAGES, true));
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, false));
	memset(mark, 0xdd, sizeof(mark));
	ASSERT_EQ(-EACCES, tmn_write(self->fd, id, self->buf, mark, sizeof(mark)));
	expect_coherent(_metadata, self->fd, id, self->buf, NPAGES);
	/* Writable again: the device may write again. */
	ASSERT_EQ(0, mprotect(self->buf, self->len, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, true));
	ASSERT_EQ(0, tmn_write(self->fd, id, self->buf, mark, sizeof(mark)));
	ASSERT_EQ(0, memcmp(mark, self->buf, sizeof(mark)));
}

/*
 * mprotect PROT_NONE: nothing may be mirrored; back to read-write, the
 * data is intact.
 */
TEST_F(mirror, mprotect_none)
{
	char *copy = malloc(self->len);
	int id = SETUP_WINDOW(self->buf, self->len, self->len, false);

	memcpy(copy, self->buf, self->len);
	ASSERT_EQ(0, mprotect(self->buf, self->len, PROT_NONE));
	expect_event(_metadata, self->fd, id, variant->kind,
		     MMU_NOTIFY_PROTECTION_VMA, self->buf, self->len);
	expect_dropped(_metadata, self->fd, id, self->buf, NPAGES);
	ASSERT_EQ(-EFAULT, tmn_mirror(self->fd, id, self->buf, 1, false));
	ASSERT_EQ(0, mprotect(self->buf, self->len, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, true));
	ASSERT_EQ(0, memcmp(copy, self->buf, self->len));
	expect_coherent(_metadata, self->fd, id, self->buf, NPAGES);
}

/*
 * MADV_DONTNEED: the process sees zero pages; the device sees no page, and
 * a write through it lands nowhere.
 */
TEST_F(mirror, madv_dontneed)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);
	size_t i;

	ASSERT_EQ(0, madvise(self->buf, self->len, MADV_DONTNEED));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     self->buf, self->len);
	expect_dropped(_metadata, self->fd, id, self->buf, NPAGES);
	for (i = 0; i < self->len; i++)
		ASSERT_EQ(0, self->buf[i]);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, true));
	expect_coherent(_metadata, self->fd, id, self->buf, NPAGES);
}

/*
 * MADV_FREE: the pages may be discarded at any time, so the device must
 * not keep them.
 */
TEST_F(mirror, madv_free)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);

	ASSERT_EQ(0, madvise(self->buf, self->len, MADV_FREE));
	expect_changed(_metadata, self->fd, id, variant->kind,
		       MMU_NOTIFY_CLEAR, self->buf, NPAGES, false);
}

/*
 * MADV_PAGEOUT to zram: the pages leave through reclaim's unmap and come
 * back intact from swap when the device faults them in again.
 */
TEST_F(mirror, madv_pageout_swap)
{
	char *copy = malloc(self->len);
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);
	size_t i, swapped = 0;

	memcpy(copy, self->buf, self->len);
	ASSERT_EQ(0, madvise(self->buf, self->len, MADV_PAGEOUT));
	for (i = 0; i < NPAGES; i++)
		swapped += !!(tmn_pagemap(self->buf + i * psize) & PM_SWAP);
	ASSERT_EQ(NPAGES, swapped) TH_LOG("only %zu pages went to swap", swapped);
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     self->buf, self->len);
	expect_dropped(_metadata, self->fd, id, self->buf, NPAGES);
	/* The device's fault swaps them in, before the CPU touches them. */
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, false));
	for (i = 0; i < NPAGES; i++) {
		char page[4096];

		ASSERT_EQ(0, tmn_read(self->fd, id, self->buf + i * psize, page,
				      sizeof(page)));
		ASSERT_EQ(0, memcmp(page, copy + i * psize, sizeof(page)));
	}
	ASSERT_EQ(0, memcmp(copy, self->buf, self->len));
}

/*
 * MADV_COLD only deactivates: nothing is unmapped, so the device keeps
 * its entries and they stay coherent.
 */
TEST_F(mirror, madv_cold)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);
	struct tmn_status st;

	ASSERT_EQ(0, madvise(self->buf, self->len, MADV_COLD));
	ASSERT_EQ(0, tmn_status(self->fd, id, &st));
	ASSERT_EQ(0, st.active);
	expect_coherent(_metadata, self->fd, id, self->buf, NPAGES);
	ASSERT_GT(tmn_fetch(self->fd, id, &tmn_log_buf), -1);
	ASSERT_EQ(NULL, tmn_unpaired(&tmn_log_buf));
}

static char *map_memfd(struct __test_metadata *_metadata, size_t len,
		       unsigned int flags, int *fdp)
{
	int fd = memfd_create("tmn", flags);
	char *p;

	EXPECT_GE(fd, 0);
	if (fd < 0)
		return NULL;
	EXPECT_EQ(0, ftruncate(fd, len));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_NE(MAP_FAILED, p);
	if (p == MAP_FAILED)
		return NULL;
	*fdp = fd;
	return p;
}

/* MADV_REMOVE of a shared shmem mapping frees the pages in the file. */
TEST_F(mirror, madv_remove_shmem)
{
	int mfd, id;
	char *p = map_memfd(_metadata, self->len, 0, &mfd);
	size_t i;

	ASSERT_NE(NULL, p);
	tmn_fill(p, self->len, 4);
	id = SETUP_WINDOW(p, self->len, self->len, true);
	ASSERT_EQ(0, madvise(p + 2 * psize, 4 * psize, MADV_REMOVE));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     p + 2 * psize, 4 * psize);
	expect_dropped(_metadata, self->fd, id, p + 2 * psize, 4);
	for (i = 2 * psize; i < 6 * psize; i++)
		ASSERT_EQ(0, p[i]);
	expect_coherent(_metadata, self->fd, id, p, NPAGES);
}

/* ftruncate of a shared memfd: the pages past the new size go. */
TEST_F(mirror, memfd_truncate)
{
	int mfd, id;
	char *p = map_memfd(_metadata, self->len, 0, &mfd);
	char data[64];

	ASSERT_NE(NULL, p);
	tmn_fill(p, self->len, 5);
	id = SETUP_WINDOW(p, self->len, self->len, true);
	ASSERT_EQ(0, ftruncate(mfd, self->len / 2));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     p + self->len / 2, self->len / 2);
	expect_dropped(_metadata, self->fd, id, p + self->len / 2, NPAGES / 2);
	expect_coherent(_metadata, self->fd, id, p, NPAGES / 2);
	/* Grown again, the file has new zero pages, which write() fills. */
	ASSERT_EQ(0, ftruncate(mfd, self->len));
	memset(data, 0x5a, sizeof(data));
	ASSERT_EQ(sizeof(data), pwrite(mfd, data, sizeof(data), self->len - psize));
	ASSERT_EQ(0, tmn_mirror(self->fd, id, p + self->len - psize, 1, false));
	expect_coherent(_metadata, self->fd, id, p, NPAGES);
	ASSERT_EQ(0x5a, p[self->len - psize]);
}

/* fallocate hole punch of a shared memfd. */
TEST_F(mirror, memfd_punch_hole)
{
	int mfd, id;
	char *p = map_memfd(_metadata, self->len, 0, &mfd);

	ASSERT_NE(NULL, p);
	tmn_fill(p, self->len, 6);
	id = SETUP_WINDOW(p, self->len, self->len, true);
	ASSERT_EQ(0, fallocate(mfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       4 * psize, 4 * psize));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     p + 4 * psize, 4 * psize);
	expect_dropped(_metadata, self->fd, id, p + 4 * psize, 4);
	ASSERT_EQ(0, p[4 * psize]);
	expect_coherent(_metadata, self->fd, id, p, NPAGES);
}

static void child_exit(struct __test_metadata *_metadata, int status)
{
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("the child's check %d failed",
						 WEXITSTATUS(status));
}

/*
 * MADV_WIPEONFORK: the child gets zero pages; the parent's mirror is not
 * disturbed and stays coherent.
 */
TEST_F(mirror, madv_wipeonfork)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);
	int status;
	pid_t pid;

	ASSERT_EQ(0, madvise(self->buf, self->len, MADV_WIPEONFORK));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		int fd = tmn_open(), cid;
		char page[4096];
		size_t i;

		for (i = 0; i < self->len; i++)
			if (self->buf[i])
				_exit(1);
		if (fd < 0)
			_exit(2);
		cid = tmn_reg(fd, TMN_PLAIN, 0, self->buf, self->len);
		if (cid < 0 || tmn_mirror(fd, cid, self->buf, NPAGES, false))
			_exit(3);
		if (tmn_read(fd, cid, self->buf, page, sizeof(page)))
			_exit(4);
		for (i = 0; i < sizeof(page); i++)
			if (page[i])
				_exit(5);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	child_exit(_metadata, status);
	expect_coherent(_metadata, self->fd, id, self->buf, NPAGES);
	ASSERT_GE(tmn_fetch(self->fd, id, &tmn_log_buf), 0);
	ASSERT_EQ(NULL, tmn_unpaired(&tmn_log_buf));
}

/*
 * fork, then a COW write in the parent: fork write-protects the parent's
 * pages (the device's writable entries must go, or a device write would
 * reach the child's copy), and the parent's write gives it a new page the
 * device must fault in again. The child keeps the old data.
 */
TEST_F(mirror, fork_cow_parent)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);
	int pipefd[2], status;
	char go = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		char *copy = malloc(self->len);

		tmn_fill(copy, self->len, 1);
		if (read(pipefd[0], &go, 1) != 1)
			_exit(1);
		_exit(memcmp(copy, self->buf, self->len) ? 2 : 0);
	}
	expect_event(_metadata, self->fd, id, variant->kind,
		     MMU_NOTIFY_PROTECTION_PAGE, self->buf, self->len);
	/* No device write may reach the page the child now shares. */
	expect_dropped(_metadata, self->fd, id, self->buf, NPAGES);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, false));
	memset(self->buf, 0x77, psize);
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     self->buf, psize);
	expect_dropped(_metadata, self->fd, id, self->buf, 1);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, true));
	expect_coherent(_metadata, self->fd, id, self->buf, NPAGES);
	ASSERT_EQ(1, write(pipefd[1], &go, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	child_exit(_metadata, status);
}

/*
 * fork, then a COW write in the child, seen by a device mirroring the
 * child's mm (TMN_ATTACH): its entry goes, and the new page it faults in
 * holds what the child wrote, while the parent keeps its data.
 */
TEST_F(mirror, fork_cow_child)
{
	int tochild[2], toparent[2], status, cfd, id;
	char c = 0, page[4096], *copy = malloc(self->len);
	pid_t pid;

	memcpy(copy, self->buf, self->len);
	ASSERT_EQ(0, pipe(tochild));
	ASSERT_EQ(0, pipe(toparent));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (read(tochild[0], &c, 1) != 1)
			_exit(1);
		memset(self->buf, 0x66, psize);
		if (write(toparent[1], &c, 1) != 1 || read(tochild[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	cfd = tmn_open();
	ASSERT_GE(cfd, 0);
	ASSERT_EQ(0, tmn_attach(cfd, pid));
	id = tmn_reg(cfd, variant->kind, 0, self->buf, self->len);
	ASSERT_GE(id, 0);
	ASSERT_EQ(0, tmn_mirror(cfd, id, self->buf, NPAGES, false));
	drain(cfd, id);
	ASSERT_EQ(1, write(tochild[1], &c, 1));
	ASSERT_EQ(1, read(toparent[0], &c, 1));
	expect_event(_metadata, cfd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     self->buf, psize);
	expect_dropped(_metadata, cfd, id, self->buf, 1);
	ASSERT_EQ(0, tmn_mirror(cfd, id, self->buf, 1, false));
	ASSERT_EQ(0, tmn_read(cfd, id, self->buf, page, sizeof(page)));
	ASSERT_EQ(0x66, page[0]);
	ASSERT_EQ(0x66, page[sizeof(page) - 1]);
	ASSERT_EQ(0, memcmp(copy, self->buf, self->len));
	ASSERT_EQ(1, write(tochild[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	child_exit(_metadata, status);
	close(cfd);
}

static char *map_thp(struct __test_metadata *_metadata, unsigned int seed)
{
	char *p = tmn_map_aligned(PMD, PMD, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	EXPECT_NE(NULL, p);
	if (!p)
		return NULL;
	EXPECT_EQ(0, madvise(p, PMD, MADV_HUGEPAGE));
	tmn_fill(p, PMD, seed);
	EXPECT_TRUE(tmn_is_thp(p)) TH_LOG("no transparent huge page");
	return tmn_is_thp(p) ? p : NULL;
}

/* A partial munmap splits a huge page; the rest stays coherent. */
TEST_F(mirror, thp_split_munmap)
{
	char *p = map_thp(_metadata, 7);
	int id;

	ASSERT_NE(NULL, p);
	id = SETUP_WINDOW(p, PMD, PMD, true);
	ASSERT_EQ(0, munmap(p + 100 * psize, psize));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_UNMAP,
		     p + 100 * psize, psize);
	expect_dropped(_metadata, self->fd, id, p + 100 * psize, 1);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, p, 100, true));
	expect_coherent(_metadata, self->fd, id, p, 512);
}

/* A partial mprotect splits a huge page. */
TEST_F(mirror, thp_split_mprotect)
{
	char *p = map_thp(_metadata, 8);
	int id;

	ASSERT_NE(NULL, p);
	id = SETUP_WINDOW(p, PMD, PMD, true);
	ASSERT_EQ(0, mprotect(p + 10 * psize, 2 * psize, PROT_READ));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     p, PMD);
	ASSERT_GT(tmn_count(&tmn_log_buf, MMU_NOTIFY_PROTECTION_VMA,
			    p + 10 * psize, 2 * psize), 0);
	expect_dropped(_metadata, self->fd, id, p + 10 * psize, 2);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, p, 10, true));
	expect_coherent(_metadata, self->fd, id, p, 512);
}

/*
 * A collapse into a huge page (MADV_COLLAPSE, the code khugepaged runs)
 * replaces every small page: the device's pfns must all go.
 */
TEST_F(mirror, thp_collapse)
{
	char *p = tmn_map_aligned(PMD, PMD, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int id;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, PMD, MADV_NOHUGEPAGE));
	tmn_fill(p, PMD, 9);
	ASSERT_FALSE(tmn_is_thp(p));
	id = SETUP_WINDOW(p, PMD, PMD, true);
	ASSERT_EQ(0, madvise(p, PMD, MADV_HUGEPAGE));
	ASSERT_EQ(0, madvise(p, PMD, MADV_COLLAPSE)) TH_LOG("%s", strerror(errno));
	ASSERT_TRUE(tmn_is_thp(p));
	expect_changed(_metadata, self->fd, id, variant->kind,
		       MMU_NOTIFY_CLEAR, p, 512, false);
}

#define SHMEM_THP "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

/* A shared mapping of @mfd at a PMD-aligned address, small pages only. */
static char *map_shared_aligned(int mfd)
{
	char *p = tmn_map_aligned(PMD, PMD, PROT_NONE, MAP_PRIVATE);

	if (!p || mmap(p, PMD, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		       mfd, 0) != p || madvise(p, PMD, MADV_NOHUGEPAGE))
		return NULL;
	return p;
}

/*
 * A collapse of shmem: the small pages of the file are replaced by a huge
 * one (unmapped from every mapping, whose empty page tables are then
 * retracted), and a mapping that maps the huge page with PTEs is later
 * switched to a PMD. The device must drop the old pfns each time.
 */
TEST_F(mirror, thp_collapse_shmem)
{
	char old[64] = "", *a, *b, *copy = malloc(PMD);
	int mfd = memfd_create("tmn-thp", 0), id, bid, ofd;
	ssize_t n;

	ASSERT_GE(mfd, 0);
	ASSERT_EQ(0, ftruncate(mfd, PMD));
	ofd = open(SHMEM_THP, O_RDONLY);
	ASSERT_GE(ofd, 0) TH_LOG("no shmem THP");
	n = read(ofd, old, sizeof(old) - 1);
	close(ofd);
	ASSERT_GT(n, 0);
	/* The mode in force is the one in brackets. */
	ASSERT_NE(NULL, strchr(old, ']'));
	*strchr(old, ']') = 0;
	ASSERT_EQ(0, tmn_write_file(SHMEM_THP, "advise"));
	a = map_shared_aligned(mfd);
	ASSERT_NE(NULL, a);
	tmn_fill(a, PMD, 21);
	memcpy(copy, a, PMD);
	ASSERT_FALSE(tmn_is_thp(a));
	id = SETUP_WINDOW(a, PMD, PMD, true);
	ASSERT_EQ(0, madvise(a, PMD, MADV_HUGEPAGE));
	ASSERT_EQ(0, madvise(a, PMD, MADV_COLLAPSE)) TH_LOG("%s", strerror(errno));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     a, PMD);
	expect_dropped(_metadata, self->fd, id, a, 512);
	ASSERT_EQ(0, memcmp(copy, a, PMD));
	ASSERT_TRUE(tmn_is_thp(a));
	ASSERT_EQ(0, tmn_mirror(self->fd, id, a, 512, true));
	expect_coherent(_metadata, self->fd, id, a, 512);

	/* A second mapping maps the huge page with PTEs, then collapses. */
	b = map_shared_aligned(mfd);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, memcmp(a, b, PMD));
	bid = tmn_reg(self->fd, TMN_PLAIN, 0, b, PMD);
	ASSERT_GE(bid, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, bid, b, 512, false));
	drain(self->fd, bid);
	ASSERT_EQ(0, madvise(b, PMD, MADV_HUGEPAGE));
	ASSERT_EQ(0, madvise(b, PMD, MADV_COLLAPSE)) TH_LOG("%s", strerror(errno));
	expect_event(_metadata, self->fd, bid, TMN_PLAIN, MMU_NOTIFY_CLEAR,
		     b, PMD);
	expect_dropped(_metadata, self->fd, bid, b, 512);
	ASSERT_EQ(0, tmn_mirror(self->fd, bid, b, 512, false));
	expect_coherent(_metadata, self->fd, bid, b, 512);
	expect_coherent(_metadata, self->fd, id, a, 512);
	ASSERT_EQ(0, tmn_write_file(SHMEM_THP, strchr(old, '[') + 1));
}

/*
 * move_pages() to the other node: the device must drop the old pfns and
 * finds the data, on the new node, when it faults again.
 */
TEST_F(mirror, migrate_move_pages)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);
	void *pages[NPAGES];
	int nodes[NPAGES], status[NPAGES], from, i;
	uint64_t old = tmn_pte(self->fd, id, self->buf);

	from = page_node(self->buf);
	ASSERT_GE(from, 0);
	for (i = 0; i < NPAGES; i++) {
		pages[i] = self->buf + i * psize;
		nodes[i] = !from;
	}
	ASSERT_EQ(0, syscall(__NR_move_pages, 0, NPAGES, pages, nodes, status,
			     MPOL_MF_MOVE));
	for (i = 0; i < NPAGES; i++)
		ASSERT_EQ(!from, status[i]);
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     self->buf, self->len);
	expect_dropped(_metadata, self->fd, id, self->buf, NPAGES);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, true));
	ASSERT_NE(old >> TMN_PFN_SHIFT,
		  tmn_pte(self->fd, id, self->buf) >> TMN_PFN_SHIFT);
	expect_coherent(_metadata, self->fd, id, self->buf, NPAGES);
	ASSERT_EQ(!from, page_node(self->buf));
}

/* mbind() with MPOL_MF_MOVE migrates the pages that break the policy. */
TEST_F(mirror, migrate_mbind)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, false);
	int from = page_node(self->buf);
	unsigned long mask;

	ASSERT_GE(from, 0);
	mask = 1UL << !from;
	ASSERT_EQ(0, syscall(__NR_mbind, self->buf, self->len, MPOL_BIND,
			     &mask, 8 * sizeof(mask), MPOL_MF_MOVE));
	ASSERT_EQ(!from, page_node(self->buf));
	expect_changed(_metadata, self->fd, id, variant->kind,
		       MMU_NOTIFY_CLEAR, self->buf, NPAGES, false);
}

/*
 * clear_refs soft-dirty: the device's writable entries go, so a device
 * write must fault again and is seen by the soft-dirty tracking.
 */
TEST_F(mirror, soft_dirty_clear)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);
	char mark[64];

	ASSERT_NE(0, tmn_pagemap(self->buf) & PM_SOFT_DIRTY);
	ASSERT_EQ(0, tmn_write_file("/proc/self/clear_refs", "4"));
	ASSERT_EQ(0, tmn_pagemap(self->buf) & PM_SOFT_DIRTY);
	expect_event(_metadata, self->fd, id, variant->kind,
		     MMU_NOTIFY_SOFT_DIRTY, self->buf, self->len);
	memset(mark, 0x3c, sizeof(mark));
	ASSERT_EQ(-ENOENT, tmn_write(self->fd, id, self->buf, mark, sizeof(mark)));
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, 1, true));
	ASSERT_EQ(0, tmn_write(self->fd, id, self->buf, mark, sizeof(mark)));
	ASSERT_EQ(0, memcmp(mark, self->buf, sizeof(mark)));
	ASSERT_NE(0, tmn_pagemap(self->buf) & PM_SOFT_DIRTY)
		TH_LOG("a device write escaped soft-dirty tracking");
}

/*
 * Device-exclusive access: making pages exclusive invalidates with the
 * driver as owner; the CPU's next access takes them back with another
 * EXCLUSIVE invalidation, and the data is intact.
 */
TEST_F(mirror, exclusive)
{
	int id = SETUP_WINDOW(self->buf, self->len, self->len, true);
	struct tmn_exclusive ex = {
		.addr = (uintptr_t)self->buf, .npages = 4,
	};
	struct tmn_log *log;
	char *copy = malloc(self->len);
	int i, owned = 0;

	memcpy(copy, self->buf, self->len);
	ASSERT_EQ(0, ioctl(self->fd, TMN_EXCLUSIVE, &ex));
	ASSERT_EQ(4, ex.done);
	log = expect_event(_metadata, self->fd, id, variant->kind,
			   MMU_NOTIFY_EXCLUSIVE, self->buf, 4 * psize);
	for (i = 0; i < log->n; i++)
		owned += log->ev[i].event == MMU_NOTIFY_EXCLUSIVE &&
			 log->ev[i].flags & TMN_EVF_OWNER;
	ASSERT_GT(owned, 0) TH_LOG("the exclusive invalidation lacks its owner");
	expect_dropped(_metadata, self->fd, id, self->buf, 4);
	/* The CPU takes page 1 back. */
	ASSERT_EQ(copy[psize], self->buf[psize]);
	log = expect_event(_metadata, self->fd, id, variant->kind,
			   MMU_NOTIFY_EXCLUSIVE, self->buf + psize, psize);
	for (i = 0; i < log->n; i++)
		ASSERT_EQ(0, log->ev[i].flags & TMN_EVF_OWNER);
	ASSERT_EQ(0, memcmp(copy, self->buf, self->len));
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, true));
	expect_coherent(_metadata, self->fd, id, self->buf, NPAGES);
}

struct uffd_ctx {
	int uffd;
	char *area;
	size_t len;
};

static int uffd_open(struct __test_metadata *_metadata, char *area,
		     size_t len, __u64 mode, __u64 features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)area, .len = len },
		.mode = mode,
	};
	int uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	EXPECT_GE(uffd, 0) TH_LOG("userfaultfd: %s", strerror(errno));
	if (uffd < 0)
		return -1;
	EXPECT_EQ(0, ioctl(uffd, UFFDIO_API, &api)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg)) TH_LOG("%s", strerror(errno));
	return uffd;
}

/*
 * Pages populated by userfaultfd (UFFDIO_COPY) mirror like any other;
 * UFFDIO_MOVE takes them away from the source address.
 */
TEST_F(mirror, uffd_copy_move)
{
	char *area = mmap(NULL, 2 * self->len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *src = malloc(self->len);
	struct uffdio_copy copy = { 0 };
	struct uffdio_move move = { 0 };
	int uffd, id;

	ASSERT_NE(MAP_FAILED, area);
	uffd = uffd_open(_metadata, area, 2 * self->len,
			 UFFDIO_REGISTER_MODE_MISSING, UFFD_FEATURE_MOVE);
	ASSERT_GE(uffd, 0);
	tmn_fill(src, self->len, 10);
	copy.dst = (uintptr_t)area;
	copy.src = (uintptr_t)src;
	copy.len = self->len;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &copy));
	id = SETUP_WINDOW(area, self->len, self->len, true);
	ASSERT_EQ(0, memcmp(src, area, self->len));

	move.dst = (uintptr_t)area + self->len;
	move.src = (uintptr_t)area;
	move.len = 4 * psize;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_MOVE, &move)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(4 * psize, move.move);
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     area, 4 * psize);
	expect_dropped(_metadata, self->fd, id, area, 4);
	ASSERT_EQ(0, memcmp(src, area + self->len, 4 * psize));
	expect_coherent(_metadata, self->fd, id, area, NPAGES);
	close(uffd);
}

/* UFFDIO_MOVE of a whole huge page moves the PMD. */
TEST_F(mirror, uffd_move_thp)
{
	char *p = tmn_map_aligned(2 * PMD, PMD, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE);
	struct uffdio_move move = { 0 };
	char *copy = malloc(PMD);
	int uffd, id;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, 2 * PMD, MADV_HUGEPAGE));
	tmn_fill(p, PMD, 11);
	ASSERT_TRUE(tmn_is_thp(p));
	/*
	 * Registered once the source is populated: only the empty
	 * destination could fault into the (absent) handler.
	 */
	uffd = uffd_open(_metadata, p, 2 * PMD, UFFDIO_REGISTER_MODE_MISSING,
			 UFFD_FEATURE_MOVE);
	ASSERT_GE(uffd, 0);
	memcpy(copy, p, PMD);
	id = SETUP_WINDOW(p, 2 * PMD, PMD, false);
	move.dst = (uintptr_t)p + PMD;
	move.src = (uintptr_t)p;
	move.len = PMD;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_MOVE, &move)) TH_LOG("%s", strerror(errno));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     p, PMD);
	expect_dropped(_metadata, self->fd, id, p, 512);
	ASSERT_EQ(0, memcmp(copy, p + PMD, PMD));
	ASSERT_EQ(0, tmn_mirror(self->fd, id, p + PMD, 512, false));
	expect_coherent(_metadata, self->fd, id, p + PMD, 512);
	close(uffd);
}

/* UFFDIO_WRITEPROTECT: the device loses write access with the CPU. */
TEST_F(mirror, uffd_writeprotect)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)self->buf, .len = self->len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	int uffd, id = SETUP_WINDOW(self->buf, self->len, self->len, true);
	char mark[64];

	uffd = uffd_open(_metadata, self->buf, self->len,
			 UFFDIO_REGISTER_MODE_WP, 0);
	ASSERT_GE(uffd, 0);
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) TH_LOG("%s", strerror(errno));
	expect_event(_metadata, self->fd, id, variant->kind,
		     MMU_NOTIFY_PROTECTION_VMA, self->buf, self->len);
	memset(mark, 0x11, sizeof(mark));
	ASSERT_EQ(-ENOENT, tmn_write(self->fd, id, self->buf, mark, sizeof(mark)));
	expect_coherent(_metadata, self->fd, id, self->buf, NPAGES);
	close(uffd);
}

static char *map_hugetlb(struct __test_metadata *_metadata, size_t len,
			 int flags)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       flags | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	EXPECT_NE(MAP_FAILED, p) TH_LOG("hugetlb: %s", strerror(errno));
	return p == MAP_FAILED ? NULL : p;
}

/* hugetlb: munmap, mprotect, mremap, fork and COW. */
TEST_F(mirror, hugetlb_munmap)
{
	char *p = map_hugetlb(_metadata, 2 * PMD, MAP_PRIVATE);
	int id;

	ASSERT_NE(NULL, p);
	tmn_fill(p, 2 * PMD, 12);
	id = SETUP_WINDOW(p, 2 * PMD, 2 * PMD, true);
	ASSERT_EQ(0, munmap(p + PMD, PMD));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_UNMAP,
		     p + PMD, PMD);
	expect_dropped(_metadata, self->fd, id, p + PMD, 512);
	expect_coherent(_metadata, self->fd, id, p, 512);
}

TEST_F(mirror, hugetlb_mprotect)
{
	char *p = map_hugetlb(_metadata, 2 * PMD, MAP_PRIVATE);
	int id;

	ASSERT_NE(NULL, p);
	tmn_fill(p, 2 * PMD, 13);
	id = SETUP_WINDOW(p, 2 * PMD, 2 * PMD, true);
	ASSERT_EQ(0, mprotect(p, 2 * PMD, PROT_READ));
	expect_changed(_metadata, self->fd, id, variant->kind,
		       MMU_NOTIFY_PROTECTION_VMA, p, 1024, false);
}

TEST_F(mirror, hugetlb_mremap)
{
	char *p = map_hugetlb(_metadata, 2 * PMD, MAP_PRIVATE);
	char *copy = malloc(PMD);
	int id;

	ASSERT_NE(NULL, p);
	tmn_fill(p, PMD, 14);
	memcpy(copy, p, PMD);
	id = SETUP_WINDOW(p, 2 * PMD, 2 * PMD, false);
	ASSERT_EQ(0, munmap(p + PMD, PMD));
	ASSERT_EQ(p + PMD, mremap(p, PMD, PMD, MREMAP_MAYMOVE | MREMAP_FIXED,
				  p + PMD)) TH_LOG("%s", strerror(errno));
	/* hugetlb moves its page tables under a CLEAR invalidation. */
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     p, PMD);
	expect_dropped(_metadata, self->fd, id, p, 512);
	ASSERT_EQ(0, memcmp(copy, p + PMD, PMD));
	ASSERT_EQ(0, tmn_mirror(self->fd, id, p + PMD, 512, false));
	expect_coherent(_metadata, self->fd, id, p + PMD, 512);
}

TEST_F(mirror, hugetlb_fork_cow)
{
	char *p = map_hugetlb(_metadata, PMD, MAP_PRIVATE);
	int pipefd[2], status, id;
	char go = 0;
	pid_t pid;

	ASSERT_NE(NULL, p);
	tmn_fill(p, PMD, 15);
	id = SETUP_WINDOW(p, PMD, PMD, true);
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		char *copy = malloc(PMD);

		tmn_fill(copy, PMD, 15);
		if (read(pipefd[0], &go, 1) != 1)
			_exit(1);
		_exit(memcmp(copy, p, PMD) ? 2 : 0);
	}
	/* hugetlb write-protects the parent under a CLEAR invalidation. */
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     p, PMD);
	expect_dropped(_metadata, self->fd, id, p, 512);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, p, 512, false));
	p[0] = 0x42;
	expect_changed(_metadata, self->fd, id, variant->kind,
		       MMU_NOTIFY_CLEAR, p, 512, true);
	ASSERT_EQ(1, write(pipefd[1], &go, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	child_exit(_metadata, status);
}

/* A hole punched in a hugetlbfs file unmaps it from every mapping. */
TEST_F(mirror, hugetlb_punch_hole)
{
	int mfd, id;
	char *p = map_memfd(_metadata, 2 * PMD, MFD_HUGETLB, &mfd);

	ASSERT_NE(NULL, p);
	tmn_fill(p, 2 * PMD, 16);
	id = SETUP_WINDOW(p, 2 * PMD, 2 * PMD, true);
	ASSERT_EQ(0, fallocate(mfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       PMD, PMD));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     p + PMD, PMD);
	expect_dropped(_metadata, self->fd, id, p + PMD, 512);
	ASSERT_EQ(0, p[PMD]);
	expect_coherent(_metadata, self->fd, id, p, 1024);
}

/*
 * Splitting a shared hugetlb mapping inside a PUD-sized, PUD-aligned
 * stretch unshares the page tables of that stretch (nothing needs to be
 * populated: the mapping is reserved only).
 */
TEST_F(mirror, hugetlb_split_unshare)
{
	size_t pud = 1UL << 30, len = 3 * pud;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE,
		       -1, 0);
	char *a;
	int id;

	ASSERT_NE(MAP_FAILED, p) TH_LOG("%s", strerror(errno));
	a = (char *)(((uintptr_t)p + pud - 1) & ~(pud - 1));
	memset(a, 1, psize);
	id = SETUP_WINDOW(a, PMD, PMD, true);
	ASSERT_EQ(0, munmap(a + 4 * PMD, PMD));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_CLEAR,
		     a, pud);
	expect_coherent(_metadata, self->fd, id, a, 512);
	munmap(p, len);
}

/*
 * A writeback file system (TMN_WB_DIR, ext2 in the test guest): writeback
 * write-protects the dirty pages of a shared file mapping
 * (folio_mkclean()); the device must lose write access too, or its later
 * writes would never be written back.
 */
TEST_F(mirror, writeback_mkclean)
{
	const char *dir = getenv("TMN_WB_DIR");
	char path[256], mark[64];
	int ffd, id;
	char *p;

	ASSERT_NE(NULL, dir)
		TH_LOG("TMN_WB_DIR: a directory on a file system with writeback");
	snprintf(path, sizeof(path), "%s/tmn-wb-%d", dir, getpid());
	ffd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_GE(ffd, 0) TH_LOG("%s: %s", path, strerror(errno));
	unlink(path);
	ASSERT_EQ(0, ftruncate(ffd, self->len));
	p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, p);
	tmn_fill(p, self->len, 17);
	id = SETUP_WINDOW(p, self->len, self->len, true);
	ASSERT_EQ(0, msync(p, self->len, MS_SYNC));
	expect_event(_metadata, self->fd, id, variant->kind,
		     MMU_NOTIFY_PROTECTION_PAGE, p, self->len);
	memset(mark, 0x2e, sizeof(mark));
	ASSERT_EQ(-ENOENT, tmn_write(self->fd, id, p, mark, sizeof(mark)))
		TH_LOG("the device kept write access to a page being written back");
	/* Writable again through a fault, which dirties the page again. */
	ASSERT_EQ(0, tmn_mirror(self->fd, id, p, 1, true));
	ASSERT_EQ(0, tmn_write(self->fd, id, p, mark, sizeof(mark)));
	ASSERT_EQ(0, msync(p, self->len, MS_SYNC));
	ASSERT_EQ(sizeof(mark), pread(ffd, path, sizeof(mark), 0));
	ASSERT_EQ(0, memcmp(path, mark, sizeof(mark)));
	expect_coherent(_metadata, self->fd, id, p, NPAGES);
	close(ffd);
}

/*
 * A child blocked on a pipe, with @buf filled with @seed; returns its pid
 * and the write end that lets it run on.
 */
static pid_t spawn_child(char *buf, size_t len, unsigned int seed, int *go,
			 bool munmap_then_wait)
{
	int tochild[2], ready[2];
	pid_t pid;
	char c;

	if (pipe(tochild) || pipe(ready))
		return -1;
	pid = fork();
	if (pid)
		goto parent;
	close(tochild[1]);
	tmn_fill(buf, len, seed);
	if (write(ready[1], &c, 1) != 1 || read(tochild[0], &c, 1) != 1)
		_exit(1);
	if (munmap_then_wait) {
		munmap(buf, len);
		if (write(ready[1], &c, 1) != 1 || read(tochild[0], &c, 1) != 1)
			_exit(2);
	}
	_exit(0);
parent:
	close(tochild[0]);
	close(ready[1]);
	if (pid > 0 && read(ready[0], &c, 1) != 1)
		pid = -1;
	*go = tochild[1];
	go[1] = ready[0];
	return pid;
}

/*
 * The process exits with a notifier registered: ->release runs exactly
 * once (an interval notifier gets a RELEASE invalidation), the device
 * drops every page, and cannot fault any in again.
 */
TEST_F(mirror, exit_release)
{
	int go[2], status, id;
	struct tmn_status st;
	char c = 0, page[4096];
	pid_t pid;

	pid = spawn_child(self->buf, self->len, 18, go, false);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, tmn_attach(self->fd, pid));
	id = tmn_reg(self->fd, variant->kind, 0, self->buf, self->len);
	ASSERT_GE(id, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, true));
	ASSERT_EQ(0, tmn_read(self->fd, id, self->buf, page, sizeof(page)));
	drain(self->fd, id);
	ASSERT_EQ(1, write(go[0], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	child_exit(_metadata, status);

	ASSERT_EQ(0, tmn_status(self->fd, id, &st));
	ASSERT_GE(tmn_fetch(self->fd, id, &tmn_log_buf), 0);
	if (variant->kind == TMN_INTERVAL) {
		ASSERT_GT(tmn_count(&tmn_log_buf, MMU_NOTIFY_RELEASE, self->buf,
				    self->len), 0);
	} else {
		ASSERT_EQ(1, st.releases);
		ASSERT_EQ(1, tmn_count_type(&tmn_log_buf, TMN_EV_RELEASE));
	}
	ASSERT_EQ(NULL, tmn_unpaired(&tmn_log_buf));
	ASSERT_EQ(0, st.mirrored);
	ASSERT_EQ(-ENOENT, tmn_read(self->fd, id, self->buf, page, sizeof(page)));
	ASSERT_EQ(-ESRCH, tmn_mirror(self->fd, id, self->buf, 1, false));
	/* Unregistering after the exit does not call ->release again. */
	ASSERT_EQ(variant->kind == TMN_PLAIN ? 1 : 0, tmn_unreg(self->fd, id));
}

/*
 * Unregistration racing the process's exit, from both orders. The
 * contract: unregister returns with ->release having run (at least once;
 * 6.12 may run it twice when the two meet), the driver can free its
 * notifier, and nothing is left behind.
 */
TEST_F(mirror, unregister_races_exit)
{
	int round, once = 0, twice = 0;

	for (round = 0; round < 32; round++) {
		int fd = tmn_open(), go[2], status, id, ret;
		char c = 0;
		pid_t pid;

		ASSERT_GE(fd, 0);
		pid = spawn_child(self->buf, self->len, round, go, false);
		ASSERT_GT(pid, 0);
		ASSERT_EQ(0, tmn_attach(fd, pid));
		id = tmn_reg(fd, variant->kind, 0, self->buf, self->len);
		ASSERT_GE(id, 0);
		ASSERT_EQ(0, tmn_mirror(fd, id, self->buf, NPAGES, false));
		ASSERT_EQ(1, write(go[0], &c, 1));
		usleep((round % 8) * 150);
		ret = tmn_unreg(fd, id);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		child_exit(_metadata, status);
		if (variant->kind == TMN_PLAIN) {
			ASSERT_GE(ret, 1) TH_LOG("round %d: ->release never ran", round);
			ASSERT_LE(ret, 2);
			once += ret == 1;
			twice += ret == 2;
		} else {
			ASSERT_EQ(0, ret);
		}
		close(go[0]);
		close(go[1]);
		close(fd);
	}
	if (variant->kind == TMN_PLAIN)
		TH_LOG("->release ran once in %d rounds, twice in %d", once, twice);
}

/* Two notifiers on one mm each get the invalidation and drop the page. */
TEST_F(mirror, two_notifiers)
{
	int other = variant->kind == TMN_INTERVAL ? TMN_PLAIN : TMN_INTERVAL;
	int a = SETUP_WINDOW(self->buf, self->len, self->len, true), b;

	b = tmn_reg(self->fd, other, 0, self->buf, self->len);
	ASSERT_GE(b, 0);
	ASSERT_NE(a, b);
	ASSERT_EQ(0, tmn_mirror(self->fd, b, self->buf, NPAGES, true));
	drain(self->fd, b);
	ASSERT_EQ(0, madvise(self->buf, 4 * psize, MADV_DONTNEED));
	expect_event(_metadata, self->fd, a, variant->kind, MMU_NOTIFY_CLEAR,
		     self->buf, 4 * psize);
	expect_event(_metadata, self->fd, b, other, MMU_NOTIFY_CLEAR,
		     self->buf, 4 * psize);
	expect_dropped(_metadata, self->fd, a, self->buf, 4);
	expect_dropped(_metadata, self->fd, b, self->buf, 4);
	expect_coherent(_metadata, self->fd, a, self->buf, NPAGES);
	expect_coherent(_metadata, self->fd, b, self->buf, NPAGES);
	ASSERT_EQ(other == TMN_PLAIN ? 1 : 0, tmn_unreg(self->fd, b));
	/* The first still works alone. */
	ASSERT_EQ(0, munmap(self->buf, psize));
	expect_event(_metadata, self->fd, a, variant->kind, MMU_NOTIFY_UNMAP,
		     self->buf, psize);
}

/*
 * A notifier on another process's mm mirrors that process's pages, not
 * the caller's, and follows that process's munmap.
 */
TEST_F(mirror, other_mm)
{
	char *mine = malloc(self->len), page[4096];
	int go[2], status, id;
	char c = 0;
	pid_t pid;

	memcpy(mine, self->buf, self->len);
	pid = spawn_child(self->buf, self->len, 19, go, true);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, tmn_attach(self->fd, pid));
	id = tmn_reg(self->fd, variant->kind, 0, self->buf, self->len);
	ASSERT_GE(id, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, false));
	ASSERT_EQ(0, tmn_read(self->fd, id, self->buf + psize, page, sizeof(page)));
	tmn_fill(mine, self->len, 19);
	ASSERT_EQ(0, memcmp(page, mine + psize, sizeof(page)))
		TH_LOG("the device did not read the other process's page");
	ASSERT_NE(0, memcmp(page, self->buf + psize, sizeof(page)));
	drain(self->fd, id);
	ASSERT_EQ(1, write(go[0], &c, 1));
	ASSERT_EQ(1, read(go[1], &c, 1));
	expect_event(_metadata, self->fd, id, variant->kind, MMU_NOTIFY_UNMAP,
		     self->buf, self->len);
	expect_dropped(_metadata, self->fd, id, self->buf, NPAGES);
	ASSERT_EQ(1, write(go[0], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	child_exit(_metadata, status);
}

/* The state letter of a task, from /proc/PID/stat; 0 if unknown. */
static char task_state(pid_t pid)
{
	char path[64], buf[256], *p;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * process_mrelease() reaps a killed process's memory with non-blockable
 * invalidations, as the OOM reaper does. The child is held in the kernel
 * (TMN_SLEEP) so that its mm is still there when the reaper comes.
 */
static void oom_reap(struct __test_metadata *_metadata, int fd, int kind,
		     char *buf, size_t len, bool refuse)
{
	int go[2], ready[2], status, id, pidfd, i, nonblock = 0;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		int cfd = tmn_open();
		__u32 ms = 2000;

		tmn_fill(buf, len, 20);
		if (cfd < 0 || write(ready[1], &c, 1) != 1 ||
		    read(go[0], &c, 1) != 1)
			_exit(1);
		ioctl(cfd, TMN_SLEEP, &ms);
		_exit(2);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, tmn_attach(fd, pid));
	id = tmn_reg(fd, kind, refuse ? TMN_FAIL_NONBLOCK : 0, buf, len);
	ASSERT_GE(id, 0);
	ASSERT_EQ(0, tmn_mirror(fd, id, buf, len / psize, true));
	drain(fd, id);
	ASSERT_EQ(1, write(go[1], &c, 1));
	/* Wait until the child sleeps in the kernel (state D). */
	for (i = 0; i < 500 && task_state(pid) != 'D'; i++)
		usleep(10000);
	ASSERT_EQ('D', task_state(pid));
	pidfd = syscall(__NR_pidfd_open, pid, 0);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	if (refuse) {
		ASSERT_EQ(-1, syscall(__NR_process_mrelease, pidfd, 0));
		ASSERT_EQ(EAGAIN, errno);
	} else {
		ASSERT_EQ(0, syscall(__NR_process_mrelease, pidfd, 0))
			TH_LOG("%s", strerror(errno));
	}
	ASSERT_GE(tmn_fetch(fd, id, &tmn_log_buf), 0);
	for (i = 0; i < tmn_log_buf.n; i++) {
		const struct tmn_event *e = &tmn_log_buf.ev[i];

		if (e->type == (refuse ? TMN_EV_REFUSED :
				kind == TMN_INTERVAL ? TMN_EV_INVALIDATE :
				TMN_EV_START) &&
		    !(e->flags & TMN_EVF_BLOCKABLE) && tmn_overlaps(e, buf, len))
			nonblock++;
	}
	if (!nonblock)
		tmn_dump(&tmn_log_buf);
	ASSERT_GT(nonblock, 0) TH_LOG("no non-blockable invalidation from the reaper");
	ASSERT_EQ(NULL, tmn_unpaired(&tmn_log_buf));
	if (!refuse)
		expect_dropped(_metadata, fd, id, buf, len / psize);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	/* The exit drops whatever the reaper could not. */
	expect_dropped(_metadata, fd, id, buf, len / psize);
	close(pidfd);
}

TEST_F(mirror, oom_reap)
{
	oom_reap(_metadata, self->fd, variant->kind, self->buf, self->len, false);
}

/*
 * A notifier that refuses a non-blockable invalidation makes the reaper
 * back off (process_mrelease() fails with EAGAIN) and keeps its pages
 * until the exit.
 */
TEST_F(mirror, oom_reap_refused)
{
	oom_reap(_metadata, self->fd, variant->kind, self->buf, self->len, true);
}

/* Malformed requests get an error and change nothing. */
TEST(bad_arguments)
{
	int fd = tmn_open(), id, i, ids[TMN_MAX_NOTIFIERS];
	char *buf = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct tmn_events ev = { 0 };
	struct tmn_range r = { 0 };
	char page[4096];
	__u32 ms = 10001;

	ASSERT_GE(fd, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(-EINVAL, tmn_reg(fd, 3, 0, buf, psize));
	ASSERT_EQ(-EINVAL, tmn_reg(fd, TMN_PLAIN, 2, buf, psize));
	ASSERT_EQ(-EINVAL, tmn_reg(fd, TMN_PLAIN, 0, buf + 1, psize));
	ASSERT_EQ(-EINVAL, tmn_reg(fd, TMN_PLAIN, 0, buf, 0));
	ASSERT_EQ(-EINVAL, tmn_reg(fd, TMN_PLAIN, 0, buf, 100));
	ASSERT_EQ(-EINVAL, tmn_reg(fd, TMN_PLAIN, 0, buf,
				   (TMN_MAX_PAGES + 1) * psize));
	ASSERT_EQ(-EINVAL, tmn_reg(fd, TMN_INTERVAL, 0, (void *)-4096UL, 8192));
	ASSERT_EQ(-EFAULT, tmn_err(ioctl(fd, TMN_REGISTER, NULL)));
	ASSERT_EQ(-ENOTTY, tmn_err(ioctl(fd, _IO('N', 0x7f))));
	ASSERT_EQ(-ENOTTY, tmn_err(ioctl(fd, _IO('x', 0x01))));
	ASSERT_EQ(-EINVAL, tmn_unreg(fd, 0));
	ASSERT_EQ(-EINVAL, tmn_unreg(fd, TMN_MAX_NOTIFIERS));
	ASSERT_EQ(-EINVAL, tmn_mirror(fd, 0, buf, 1, false));
	ASSERT_EQ(-EINVAL, tmn_err(ioctl(fd, TMN_SLEEP, &ms)));
	ASSERT_EQ(-ESRCH, tmn_attach(fd, 0x3fffffff));
	ASSERT_EQ(-EINVAL, tmn_attach(fd, -1));

	id = tmn_reg(fd, TMN_PLAIN, 0, buf, 2 * psize);
	ASSERT_GE(id, 0);
	ASSERT_EQ(-EBUSY, tmn_attach(fd, 0));
	/* Outside the window, unaligned, empty, too long, bad flags. */
	ASSERT_EQ(-EINVAL, tmn_mirror(fd, id, buf + 2 * psize, 1, false));
	ASSERT_EQ(-EINVAL, tmn_mirror(fd, id, buf + 1, 1, false));
	ASSERT_EQ(-EINVAL, tmn_mirror(fd, id, buf, 0, false));
	ASSERT_EQ(-EINVAL, tmn_mirror(fd, id, buf, 3, false));
	ASSERT_EQ(-EINVAL, tmn_mirror(fd, id, buf, (size_t)-1, false));
	r.id = id;
	r.flags = 0x80;
	r.addr = (uintptr_t)buf;
	r.npages = 1;
	ASSERT_EQ(-EINVAL, tmn_err(ioctl(fd, TMN_MIRROR, &r)));
	/* Nothing mirrored yet: a device access faults. */
	ASSERT_EQ(-ENOENT, tmn_read(fd, id, buf, page, 16));
	ASSERT_EQ(0, tmn_mirror(fd, id, buf, 2, false));
	ASSERT_EQ(-EINVAL, tmn_read(fd, id, buf + psize, page, psize + 1));
	ASSERT_EQ(-EINVAL, tmn_read(fd, id, buf, page, 0));
	ASSERT_EQ(-EINVAL, tmn_read(fd, id, buf, page, TMN_MAX_IO + 1));
	ASSERT_EQ(-EFAULT, tmn_read(fd, id, buf, NULL, 16));
	ASSERT_EQ(-EFAULT, tmn_write(fd, id, buf, NULL, 16));
	ASSERT_EQ(-EACCES, tmn_write(fd, id, buf, page, 16));
	r.flags = 0;
	r.ptr = 0;
	ASSERT_EQ(-EFAULT, tmn_err(ioctl(fd, TMN_SNAPSHOT, &r)));
	ev.id = id;
	ASSERT_EQ(-EINVAL, tmn_err(ioctl(fd, TMN_EVENTS, &ev)));
	ev.count = 1;
	ev.ptr = 8;
	ASSERT_EQ(0, madvise(buf, psize, MADV_DONTNEED));
	ASSERT_EQ(-EFAULT, tmn_err(ioctl(fd, TMN_EVENTS, &ev)));
	/* Slots run out at TMN_MAX_NOTIFIERS. */
	for (i = 1; i < TMN_MAX_NOTIFIERS; i++) {
		ids[i] = tmn_reg(fd, TMN_INTERVAL, 0, buf, psize);
		ASSERT_GE(ids[i], 0);
	}
	ASSERT_EQ(-ENOSPC, tmn_reg(fd, TMN_PLAIN, 0, buf, psize));
	for (i = 1; i < TMN_MAX_NOTIFIERS; i++)
		ASSERT_EQ(0, tmn_unreg(fd, ids[i]));
	ASSERT_EQ(-EINVAL, tmn_unreg(fd, ids[1]));
	/* The notifier still works after all that. */
	ASSERT_EQ(0, tmn_mirror(fd, id, buf, 2, false));
	ASSERT_EQ(0, tmn_read(fd, id, buf, page, 16));
	ASSERT_EQ(0, munmap(buf, psize));
	ASSERT_EQ(-ENOENT, tmn_read(fd, id, buf, page, 16));
	/* Unregistering a live plain notifier runs its ->release once. */
	ASSERT_EQ(1, tmn_unreg(fd, id));
	close(fd);
}

/* Only a task with CAP_SYS_ADMIN may open the device. */
TEST(root_only)
{
	int status;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (!pid) {
		struct __user_cap_header_struct hdr = {
			.version = _LINUX_CAPABILITY_VERSION_3,
		};
		struct __user_cap_data_struct data[2] = { 0 };
		pid_t user = fork();

		if (user < 0)
			_exit(1);
		if (!user) {
			/* Another user: the 0600 node refuses. */
			if (setuid(65534))
				_exit(1);
			_exit(open(TMN_DEV, O_RDWR) < 0 && errno == EACCES ? 0 : 1);
		}
		if (waitpid(user, &status, 0) != user || status)
			_exit(2);
		/* Still uid 0 but without capabilities: the driver refuses. */
		if (syscall(__NR_capset, &hdr, data))
			_exit(3);
		if (open(TMN_DEV, O_RDWR) >= 0 || errno != EPERM)
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	child_exit(_metadata, status);
}

TEST_HARNESS_MAIN
