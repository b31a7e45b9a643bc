// SPDX-License-Identifier: GPL-2.0
/*
 * The MMU notifier tests drive every way the core mm changes a mapping:
 * page migration between NUMA nodes, reclaim to swap, huge pages. Check
 * that the machine under test really offers each of them, so that a
 * reader of the results sees at once what this machine cannot test. A
 * missing feature is a skip with its reason, as kselftest asks; a test
 * harness that must run everything (the one of this series does) counts
 * every skip as a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/mempolicy.h>

#include "../kselftest_harness.h"

#define BIT_ULL(nr)	(1ULL << (nr))
#define PM_PFN_MASK	(BIT_ULL(55) - 1)
#define PM_SWAP		BIT_ULL(62)
#define PM_PRESENT	BIT_ULL(63)

static uint64_t pagemap_entry(void *addr)
{
	long psize = sysconf(_SC_PAGESIZE);
	uint64_t ent = 0;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent),
		  ((uintptr_t)addr / psize) * sizeof(ent)) != sizeof(ent))
		ent = 0;
	close(fd);
	return ent;
}

/* Value of "key" in a /proc/meminfo style file, -1 if absent. */
static long read_field(const char *path, const char *key)
{
	char line[256];
	long val = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key))) {
			val = strtol(line + strlen(key), NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

static int node_of(void *addr)
{
	int status = -1;
	void *pages[1] = { addr };

	if (syscall(SYS_move_pages, 0, 1, pages, NULL, &status, 0))
		return -errno;
	return status;
}

static int move_to(void *addr, int node)
{
	int status = -1;
	void *pages[1] = { addr };

	if (syscall(SYS_move_pages, 0, 1, pages, &node, &status, MPOL_MF_MOVE))
		return -errno;
	return status;
}

TEST(two_numa_nodes)
{
	ASSERT_EQ(0, access("/sys/devices/system/node/node0", F_OK));
	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node: the migration tests need two");
}

TEST(page_migrates_between_nodes)
{
	long psize = sysconf(_SC_PAGESIZE);
	uint64_t before;
	char *p;
	int from, to;

	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node");
	p = mmap(NULL, psize, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, psize);

	from = node_of(p);
	ASSERT_GE(from, 0);
	to = !from;
	before = pagemap_entry(p) & PM_PFN_MASK;

	ASSERT_EQ(to, move_to(p, to));
	ASSERT_EQ(to, node_of(p));
	/* A different page frame now backs the address, with the same data. */
	ASSERT_NE(before, pagemap_entry(p) & PM_PFN_MASK);
	ASSERT_EQ(0x5a, p[0]);
	ASSERT_EQ(0x5a, p[psize - 1]);
	ASSERT_EQ(from, move_to(p, from));
	munmap(p, psize);
}

TEST(zram_swap_active)
{
	char line[256];
	int found = 0;
	FILE *f;

	f = fopen("/proc/swaps", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "/dev/zram", 9))
			found = 1;
	fclose(f);
	if (!found)
		SKIP(return, "no zram swap device in /proc/swaps");
}

TEST(pageout_swaps_anonymous_page)
{
	long psize = sysconf(_SC_PAGESIZE);
	char *p;
	int i;

	p = mmap(NULL, psize, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < psize; i++)
		p[i] = (char)i;
	ASSERT_TRUE(pagemap_entry(p) & PM_PRESENT);

	ASSERT_EQ(0, madvise(p, psize, MADV_PAGEOUT));
	if (!(pagemap_entry(p) & PM_SWAP))
		SKIP(return, "MADV_PAGEOUT left the page mapped: no usable swap");

	/* Fault it back in from swap, intact. */
	for (i = 0; i < psize; i++)
		ASSERT_EQ((char)i, p[i]);
	ASSERT_TRUE(pagemap_entry(p) & PM_PRESENT);
	munmap(p, psize);
}

TEST(hugetlb_pages_reserved)
{
	if (read_field("/proc/meminfo", "HugePages_Total:") <= 0)
		SKIP(return, "no hugetlb pages reserved (boot with hugepages=N)");
}

TEST(transparent_hugepage_enabled)
{
	char buf[128] = "";
	int fd;

	fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);
	if (fd < 0)
		SKIP(return, "no transparent hugepages (CONFIG_TRANSPARENT_HUGEPAGE)");
	ASSERT_LT(0, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	if (strstr(buf, "[never]"))
		SKIP(return, "transparent hugepages are disabled ([never])");
}

TEST_HARNESS_MAIN
