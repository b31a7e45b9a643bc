/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the tests that drive lib/test_mmu_notifier.c, a test driver
 * that plays a secondary MMU: it mirrors pages by their pfns, reads and
 * writes them as a device would, and logs every notifier callout.
 * Include it after kselftest_harness.h: some helpers assert.
 */
#ifndef TMN_H
#define TMN_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "../../../../lib/test_mmu_notifier_uapi.h"

#define TMN_DEV "/dev/test_mmu_notifier"
#define TMN_LOG_MAX 4096

#ifndef MMU_NOTIFY_UNMAP
/* enum mmu_notifier_event of include/linux/mmu_notifier.h */
enum {
	MMU_NOTIFY_UNMAP = 0,
	MMU_NOTIFY_CLEAR,
	MMU_NOTIFY_PROTECTION_VMA,
	MMU_NOTIFY_PROTECTION_PAGE,
	MMU_NOTIFY_SOFT_DIRTY,
	MMU_NOTIFY_RELEASE,
	MMU_NOTIFY_MIGRATE,
	MMU_NOTIFY_EXCLUSIVE,
};
#endif

static const char * const tmn_event_names[] = {
	"UNMAP", "CLEAR", "PROTECTION_VMA", "PROTECTION_PAGE",
	"SOFT_DIRTY", "RELEASE", "MIGRATE", "EXCLUSIVE",
};

static const char * const tmn_type_names[] = {
	"start", "end", "invalidate", "refused", "release",
	"clear_flush_young", "clear_young", "test_young",
};

static long psize;

/* Open the device, loading the module if its node is missing. */
static inline int tmn_open(void)
{
	int fd;

	psize = sysconf(_SC_PAGESIZE);
	fd = open(TMN_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (system("modprobe test_mmu_notifier") == 0)
			fd = open(TMN_DEV, O_RDWR | O_CLOEXEC);
	}
	if (fd < 0)
		fprintf(stderr, "# cannot open %s: %s (CONFIG_TEST_MMU_NOTIFIER?)\n",
			TMN_DEV, strerror(errno));
	return fd;
}

static inline int tmn_err(int ret)
{
	return ret < 0 ? -errno : ret;
}

/* Returns the notifier's id, or -errno. */
static inline int tmn_reg(int fd, int kind, unsigned int flags, void *start,
			  size_t len)
{
	struct tmn_register r = {
		.kind = kind, .flags = flags,
		.start = (uintptr_t)start, .length = len,
	};

	if (ioctl(fd, TMN_REGISTER, &r) < 0)
		return -errno;
	return r.id;
}

static inline int tmn_unreg(int fd, int id)
{
	__u32 u = id;

	return tmn_err(ioctl(fd, TMN_UNREGISTER, &u));
}

static inline int tmn_attach(int fd, pid_t pid)
{
	__s32 p = pid;

	return tmn_err(ioctl(fd, TMN_ATTACH, &p));
}

static inline int tmn_mirror(int fd, int id, void *addr, size_t npages,
			     bool write)
{
	struct tmn_range r = {
		.id = id, .flags = write ? TMN_MIRROR_WRITE : 0,
		.addr = (uintptr_t)addr, .npages = npages,
	};

	return tmn_err(ioctl(fd, TMN_MIRROR, &r));
}

static inline int tmn_touch(int fd, int id, void *addr, size_t npages)
{
	struct tmn_range r = {
		.id = id, .addr = (uintptr_t)addr, .npages = npages,
	};

	return tmn_err(ioctl(fd, TMN_TOUCH, &r));
}

/* The device page table entry of one page (0 on error). */
static inline uint64_t tmn_pte(int fd, int id, void *addr)
{
	uint64_t e = 0;
	struct tmn_range r = {
		.id = id, .addr = (uintptr_t)addr, .npages = 1,
		.ptr = (uintptr_t)&e,
	};

	if (ioctl(fd, TMN_SNAPSHOT, &r) < 0)
		return 0;
	return e;
}

static inline int tmn_io(int fd, unsigned long cmd, int id, void *addr,
			 void *buf, size_t len)
{
	struct tmn_io io = {
		.id = id, .addr = (uintptr_t)addr, .len = len,
		.ptr = (uintptr_t)buf,
	};

	return tmn_err(ioctl(fd, cmd, &io));
}

static inline int tmn_read(int fd, int id, void *addr, void *buf, size_t len)
{
	return tmn_io(fd, TMN_READ, id, addr, buf, len);
}

static inline int tmn_write(int fd, int id, void *addr, const void *buf,
			    size_t len)
{
	return tmn_io(fd, TMN_WRITE, id, addr, (void *)buf, len);
}

static inline int tmn_status(int fd, int id, struct tmn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->id = id;
	return tmn_err(ioctl(fd, TMN_STATUS, st));
}

/* A notifier's event log, fetched (and cleared in the driver). */
struct tmn_log {
	int n;
	unsigned int lost;
	struct tmn_event ev[TMN_LOG_MAX];
};

static inline int tmn_fetch(int fd, int id, struct tmn_log *log)
{
	struct tmn_events e = { .id = id };

	log->n = 0;
	log->lost = 0;
	do {
		e.count = TMN_LOG_MAX - log->n;
		if (!e.count)
			break;
		e.ptr = (uintptr_t)&log->ev[log->n];
		if (ioctl(fd, TMN_EVENTS, &e) < 0)
			return -errno;
		log->n += e.count;
		log->lost += e.lost;
	} while (e.count);
	return log->n;
}

static inline void tmn_dump(const struct tmn_log *log)
{
	int i;

	for (i = 0; i < log->n && i < 64; i++) {
		const struct tmn_event *e = &log->ev[i];

		fprintf(stderr, "#   %-17s %-15s [%#llx, %#llx) flags %#x pair %u dropped %u\n",
			e->type < 8 ? tmn_type_names[e->type] : "?",
			e->event < 8 ? tmn_event_names[e->event] : "?",
			(unsigned long long)e->start,
			(unsigned long long)e->end, e->flags, e->pair,
			e->dropped);
	}
	if (log->n > 64)
		fprintf(stderr, "#   ... %d more\n", log->n - 64);
}

static inline bool tmn_overlaps(const struct tmn_event *e, void *addr,
				size_t len)
{
	return e->start < (uintptr_t)addr + len && e->end > (uintptr_t)addr;
}

/*
 * Invalidations (start or interval invalidate) of event type @event (-1:
 * any) that meet [addr, addr + len).
 */
static inline int tmn_count(const struct tmn_log *log, int event, void *addr,
			    size_t len)
{
	int i, n = 0;

	for (i = 0; i < log->n; i++) {
		const struct tmn_event *e = &log->ev[i];

		if (e->type != TMN_EV_START && e->type != TMN_EV_INVALIDATE)
			continue;
		if ((event < 0 || e->event == (unsigned int)event) &&
		    tmn_overlaps(e, addr, len))
			n++;
	}
	return n;
}

static inline int tmn_count_type(const struct tmn_log *log, int type)
{
	int i, n = 0;

	for (i = 0; i < log->n; i++)
		n += log->ev[i].type == (unsigned int)type;
	return n;
}

/*
 * Every start has exactly one end with its pair number, after it, with the
 * same range and event; no end comes without a start. Returns a reason or
 * NULL.
 */
static inline const char *tmn_unpaired(const struct tmn_log *log)
{
	int i, j, ends;

	if (log->lost)
		return "the log overflowed";
	for (i = 0; i < log->n; i++) {
		const struct tmn_event *s = &log->ev[i];

		if (s->type == TMN_EV_END &&
		    (s->flags & TMN_EVF_UNPAIRED || !s->pair))
			return "an invalidate_range_end without its start";
		if (s->type != TMN_EV_START)
			continue;
		if (!s->pair)
			return "a start the driver could not track";
		for (j = i + 1, ends = 0; j < log->n; j++) {
			const struct tmn_event *e = &log->ev[j];

			if (e->type != TMN_EV_END || e->pair != s->pair)
				continue;
			if (e->start != s->start || e->end != s->end ||
			    e->event != s->event)
				return "an end whose range differs from its start";
			ends++;
		}
		if (ends != 1)
			return ends ? "a start with two ends" : "a start with no end";
	}
	return NULL;
}

static inline void tmn_fill(void *p, size_t len, unsigned int seed)
{
	unsigned int *w = p;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = seed * 2654435761u + i;
}

/* Is the page at @addr of this process present, swapped, soft-dirty? */
static inline uint64_t tmn_pagemap(void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)addr / psize * sizeof(e)) !=
	    sizeof(e))
		e = 0;
	close(fd);
	return e;
}

/* /proc/PID/pagemap, Documentation/admin-guide/mm/pagemap.rst */
#define PM_PRESENT	0x8000000000000000ULL
#define PM_SWAP		0x4000000000000000ULL
#define PM_SOFT_DIRTY	0x0080000000000000ULL
#define PM_PFN(e)	((e) & 0x007fffffffffffffULL)

static inline int tmn_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* An anonymous mapping of @len aligned to @align. */
static inline void *tmn_map_aligned(size_t len, size_t align, int prot,
				    int flags)
{
	char *p = mmap(NULL, len + align, prot, flags | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + align - a);
	return a;
}

/* Is the page at @addr part of a transparent huge page (KPF_THP)? */
static inline bool tmn_is_thp(void *addr)
{
	uint64_t pm = tmn_pagemap(addr), flags = 0;
	int fd;

	if (!(pm & PM_PRESENT))
		return false;
	fd = open("/proc/kpageflags", O_RDONLY);
	if (fd < 0)
		return false;
	if (pread(fd, &flags, sizeof(flags), PM_PFN(pm) * 8) != sizeof(flags))
		flags = 0;
	close(fd);
	return flags & (1ULL << 22);	/* KPF_THP */
}

/*
 * Every page of [addr, addr + npages) is either gone from the device (a
 * read and a write through it fail with ENOENT) or mirrors what the
 * process maps: a read returns what the process reads, and a write the
 * process then sees.
 */
static inline void expect_coherent(struct __test_metadata *_metadata,
				   int fd, int id, char *addr, size_t npages)
{
	char *buf = malloc(psize), *mark = malloc(psize);
	size_t i;
	int r;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, mark);
	for (i = 0; i < npages; i++) {
		char *page = addr + i * psize;

		r = tmn_read(fd, id, page, buf, psize);
		if (r == -ENOENT) {
			ASSERT_EQ(0, tmn_pte(fd, id, page) & TMN_PTE_VALID);
			continue;
		}
		ASSERT_EQ(0, r);
		ASSERT_EQ(0, memcmp(buf, page, psize))
			TH_LOG("page %zu: the device reads stale data", i);
		if (!(tmn_pte(fd, id, page) & TMN_PTE_WRITE))
			continue;
		tmn_fill(mark, psize, 0xd00d + i);
		ASSERT_EQ(0, tmn_write(fd, id, page, mark, psize));
		ASSERT_EQ(0, memcmp(mark, page, psize))
			TH_LOG("page %zu: a device write missed the page", i);
	}
	free(buf);
	free(mark);
}

/*
 * Drain the LRU caches of every CPU, so that pages faulted in just now
 * are on the LRU, where an rmap walk of idle page tracking finds them:
 * move_pages() of @page to the node it is on moves nothing, but first
 * disables, and so drains, the LRU caches of all CPUs.
 */
static inline int tmn_lru_drain(void *page)
{
	void *pages[1] = { page };
	int node, status = -1;

	if (syscall(__NR_move_pages, 0, 1, pages, NULL, &status, 0) ||
	    status < 0)
		return -1;
	node = status;
	return syscall(__NR_move_pages, 0, 1, pages, &node, &status, 0) ? -1 : 0;
}

#define TMN_IDLE_BITMAP "/sys/kernel/mm/page_idle/bitmap"

/*
 * Idle page tracking: mark the page of @pfn idle (@set: a write, whose
 * rmap walk asks every mapping's notifiers clear_young), or read whether
 * it still is. Returns 0 for a mark, 0 or 1 for a read, < 0 on error.
 */
static inline int tmn_idle_bit(uint64_t pfn, bool set)
{
	uint64_t word = 0;
	off_t off = pfn / 64 * 8;
	int fd = open(TMN_IDLE_BITMAP, O_RDWR), ret = -1;

	if (fd < 0)
		return -errno;
	if (set) {
		word = 1ULL << (pfn % 64);
		if (pwrite(fd, &word, 8, off) == 8)
			ret = 0;
	} else if (pread(fd, &word, 8, off) == 8) {
		ret = !!(word & (1ULL << (pfn % 64)));
	}
	close(fd);
	return ret;
}

#endif /* TMN_H */
