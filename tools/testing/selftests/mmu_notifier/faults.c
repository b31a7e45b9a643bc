// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures in the registration paths of the MMU notifier core,
 * injected with the kernel's fault-injection framework.
 *
 * failslab and fail_page_alloc are set to fail any allocation, sleeping
 * and order 0 included, but only one whose stack passes through a
 * registration entry point of the core (the stacktrace filter,
 * require-start/require-end, spans them), and only when the task asks for
 * it with /proc/thread-self/fail-nth. Each test registers one kind of
 * notifier through lib/test_mmu_notifier.c with fail-nth set to 1, 2, 3,
 * ... until a registration completes with no fault injected, so that
 * every allocation the path makes fails once. A failure must come back as
 * -ENOMEM and leave nothing behind: the mm gets invalidations with no
 * trace of the notifier that failed (the driver freed it, so a notifier
 * the core kept would be a use after free, which KASAN reports in the
 * debug kernel), and the registration that finally succeeds sees exactly
 * its own callouts. A failure that the allocator absorbs (kvmalloc()
 * falling back to vmalloc) may let the registration succeed; it is then
 * checked and undone like the last one. Leaks are kmemleak's to find, in
 * "make check-debug".
 */
#define _GNU_SOURCE
#include <limits.h>

#include "../kselftest_harness.h"
#include "tmn.h"

#define NPAGES		16
#define MAX_POINTS	4096
#define FI		"/sys/kernel/debug/"

static const char * const fi_attrs[] = { "failslab", "fail_page_alloc" };

/* The registration entry points of the core, 6.12's names. */
static const char * const entry_points[] = {
	"mmu_notifier_register", "__mmu_notifier_register",
	"mmu_notifier_get_locked", "mmu_interval_notifier_insert",
	"mmu_interval_notifier_insert_locked",
};

/*
 * [*start, *end): from the lowest entry point to the symbol that follows
 * the highest one in /proc/kallsyms. Returns 0 or -1.
 */
static int core_text(unsigned long *start, unsigned long *end)
{
	unsigned long addr, hi = 0;
	char line[512], name[256], type;
	FILE *f = fopen("/proc/kallsyms", "r");
	size_t i;

	*start = ULONG_MAX;
	*end = ULONG_MAX;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %255s", &addr, &type, name) != 3)
			continue;
		for (i = 0; i < ARRAY_SIZE(entry_points); i++) {
			if (strcmp(name, entry_points[i]))
				continue;
			if (addr < *start)
				*start = addr;
			if (addr > hi)
				hi = addr;
		}
	}
	/* kallsyms is not sorted by address in every kernel: a second pass. */
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %255s", &addr, &type, name) == 3 &&
		    addr > hi && addr < *end)
			*end = addr;
	}
	fclose(f);
	return *start && *start < hi + 1 && *end != ULONG_MAX ? 0 : -1;
}

static int fi_set(const char *attr, const char *knob, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), FI "%s/%s", attr, knob);
	return tmn_write_file(path, val);
}

/* Arm (or, with 0, disarm) the fault of the calling thread. */
static int fail_nth_set(unsigned int n)
{
	char val[16];

	snprintf(val, sizeof(val), "%u", n);
	return tmn_write_file("/proc/thread-self/fail-nth", val);
}

/* Faults still to count before the armed one: 0 once it was injected. */
static int fail_nth_left(void)
{
	char val[16] = "";
	int fd = open("/proc/thread-self/fail-nth", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, val, sizeof(val) - 1);
	close(fd);
	return n > 0 ? atoi(val) : -1;
}

static struct tmn_log tmn_log_buf;

FIXTURE(faults) {
	int fd;
	char *buf;
	size_t len;
};

FIXTURE_VARIANT(faults) {
	int kind;
};

FIXTURE_VARIANT_ADD(faults, plain) { .kind = TMN_PLAIN };
FIXTURE_VARIANT_ADD(faults, interval) { .kind = TMN_INTERVAL };
FIXTURE_VARIANT_ADD(faults, get) { .kind = TMN_GET };

FIXTURE_SETUP(faults)
{
	unsigned long start, end;
	char val[32];
	size_t i;

	self->fd = tmn_open();
	ASSERT_GE(self->fd, 0);
	self->len = NPAGES * psize;
	self->buf = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 1, self->len);

	ASSERT_EQ(0, core_text(&start, &end))
		TH_LOG("the core's registration functions are not in /proc/kallsyms (CONFIG_KALLSYMS_ALL?)");
	for (i = 0; i < ARRAY_SIZE(fi_attrs); i++) {
		/* No fault but the one fail-nth arms. */
		ASSERT_EQ(0, fi_set(fi_attrs[i], "probability", "0"))
			TH_LOG("no %s%s (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS?)",
			       FI, fi_attrs[i]);
		ASSERT_EQ(0, fi_set(fi_attrs[i], "ignore-gfp-wait", "N"));
		ASSERT_EQ(0, fi_set(fi_attrs[i], "verbose", "0"));
		snprintf(val, sizeof(val), "%#lx", start);
		ASSERT_EQ(0, fi_set(fi_attrs[i], "require-start", val))
			TH_LOG("no stacktrace filter (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER?)");
		snprintf(val, sizeof(val), "%#lx", end);
		ASSERT_EQ(0, fi_set(fi_attrs[i], "require-end", val));
	}
	ASSERT_EQ(0, fi_set("fail_page_alloc", "ignore-gfp-highmem", "N"));
	ASSERT_EQ(0, fi_set("fail_page_alloc", "min-order", "0"));
	ASSERT_EQ(0, fail_nth_set(0));
}

FIXTURE_TEARDOWN(faults)
{
	size_t i;

	fail_nth_set(0);
	for (i = 0; i < ARRAY_SIZE(fi_attrs); i++) {
		fi_set(fi_attrs[i], "require-start", "0");
		fi_set(fi_attrs[i], "require-end", "0xffffffffffffffff");
	}
	close(self->fd);
}

/*
 * An munmap-free change of the window: MADV_DONTNEED of its first page,
 * then a write to fault it back. Returns the invalidations notifier @id
 * got for it (or, with @id < 0, 0).
 */
static int poke(struct __test_metadata *_metadata, int fd, int id, char *buf)
{
	int n = 0;

	if (id >= 0)
		ASSERT_GE(tmn_fetch(fd, id, &tmn_log_buf), 0);
	ASSERT_EQ(0, madvise(buf, psize, MADV_DONTNEED));
	buf[0] = 2;
	if (id >= 0) {
		ASSERT_GE(tmn_fetch(fd, id, &tmn_log_buf), 0);
		ASSERT_EQ(NULL, tmn_unpaired(&tmn_log_buf));
		n = tmn_count(&tmn_log_buf, MMU_NOTIFY_CLEAR, buf, psize);
	}
	return n;
}

/* The registration that got through works, and unregisters cleanly. */
static void check_and_undo(struct __test_metadata *_metadata, int fd, int id,
			   int kind, char *buf)
{
	ASSERT_EQ(0, tmn_mirror(fd, id, buf, NPAGES, true));
	ASSERT_EQ(1, poke(_metadata, fd, id, buf))
		TH_LOG("the registered notifier was not told once");
	expect_coherent(_metadata, fd, id, buf, NPAGES);
	ASSERT_EQ(kind == TMN_PLAIN ? 1 : 0, tmn_unreg(fd, id));
}

TEST_F(faults, every_allocation_of_registration)
{
	int n, id, left, failed = 0, absorbed = 0;

	for (n = 1; n <= MAX_POINTS; n++) {
		ASSERT_EQ(0, fail_nth_set(n));
		id = tmn_reg(self->fd, variant->kind, 0, self->buf, self->len);
		left = fail_nth_left();
		ASSERT_EQ(0, fail_nth_set(0));
		ASSERT_GE(left, 0);
		if (left) {
			/* Fewer than n allocations: nothing was injected. */
			ASSERT_GE(id, 0) TH_LOG("no fault, and yet: %s",
						strerror(-id));
			check_and_undo(_metadata, self->fd, id, variant->kind,
				       self->buf);
			break;
		}
		if (id >= 0) {
			absorbed++;
			check_and_undo(_metadata, self->fd, id, variant->kind,
				       self->buf);
			continue;
		}
		ASSERT_EQ(-ENOMEM, id)
			TH_LOG("allocation %d failed: the registration returned %s",
			       n, strerror(-id));
		failed++;
		/* The mm changes with no trace of the failed notifier. */
		poke(_metadata, self->fd, -1, self->buf);
	}
	ASSERT_LE(n, MAX_POINTS);
	/* A walk that injected nothing could not have failed. */
	ASSERT_GE(failed, 1) TH_LOG("no allocation of the core was reached");
	ksft_print_msg("%s: %d allocation points: %d failed the registration with -ENOMEM, %d absorbed by the allocator\n",
		       variant->kind == TMN_PLAIN ? "mmu_notifier_register" :
		       variant->kind == TMN_INTERVAL ?
		       "mmu_interval_notifier_insert" : "mmu_notifier_get",
		       n - 1, failed, absorbed);
}

TEST_HARNESS_MAIN
