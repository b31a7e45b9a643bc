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
 * every allocation the path makes fails once; each attempt runs in a
 * child process of its own, whose fresh mm has no subscriptions yet.
 *
 * A failure must come back as -ENOMEM and leave nothing behind: the mm
 * then changes with no trace of the notifier that failed (the driver
 * freed it, so a notifier the core kept would be a use after free, which
 * KASAN reports in the debug kernel), and the next registration, with no
 * fault, sees exactly its own callouts. A failure that the allocator
 * absorbs (kvmalloc() falling back to vmalloc) may let the registration
 * succeed; it is then checked like any other. Leaks are kmemleak's to
 * find, in "make check-debug".
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "tmn.h"

#define NPAGES		16
#define MAX_POINTS	1024
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
	int fd = tmn_open();
	size_t i;

	/* Each attempt opens the device in a process of its own. */
	if (fd < 0 && errno == ENOENT)
		SKIP(return, "no %s (CONFIG_TEST_MMU_NOTIFIER)", TMN_DEV);
	ASSERT_GE(fd, 0);
	close(fd);
	self->len = NPAGES * psize;
	self->buf = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 1, self->len);

	ASSERT_EQ(0, core_text(&start, &end))
		TH_LOG("no registration function in /proc/kallsyms");
	for (i = 0; i < ARRAY_SIZE(fi_attrs); i++) {
		char attr[128];

		snprintf(attr, sizeof(attr), "%s%s", FI, fi_attrs[i]);
		if (access(attr, F_OK))
			SKIP(return, "no %s (CONFIG_FAULT_INJECTION_DEBUG_FS)", attr);
		/* No fault but the one fail-nth arms. */
		ASSERT_EQ(0, fi_set(fi_attrs[i], "probability", "0"));
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
	munmap(self->buf, self->len);
}

/*
 * The registration @id got through: it mirrors the window, is told once
 * when a page of it changes, reads what the process reads, and
 * unregisters with one ->release for a plain notifier. Returns NULL, or
 * what went wrong.
 */
static const char *verify(int fd, int id, int kind, char *buf)
{
	char *page = malloc(psize);
	const char *why = NULL;

	if (!page)
		return "out of memory in the test";
	if (tmn_mirror(fd, id, buf, NPAGES, true))
		why = "the window could not be mirrored";
	else if (tmn_fetch(fd, id, &tmn_log_buf) < 0 ||
		 madvise(buf, psize, MADV_DONTNEED))
		why = "the log could not be emptied";
	if (why)
		goto out;
	buf[0] = 2;
	if (tmn_fetch(fd, id, &tmn_log_buf) < 0)
		why = "the log could not be read";
	else if (tmn_count(&tmn_log_buf, MMU_NOTIFY_CLEAR, buf, psize) != 1)
		why = "the notifier was not told once of a change";
	else if (tmn_unpaired(&tmn_log_buf))
		why = tmn_unpaired(&tmn_log_buf);
	else if (tmn_read(fd, id, buf + psize, page, psize) ||
		 memcmp(page, buf + psize, psize))
		why = "the device reads stale data";
	else if (tmn_unreg(fd, id) != (kind == TMN_PLAIN ? 1 : 0))
		why = "unregistration did not call ->release once";
out:
	free(page);
	return why;
}

enum { INJECTED, ABSORBED, NOT_INJECTED, BROKEN };

/*
 * One registration of @kind with the @n-th allocation failed, in a child
 * process: an mm of its own, with no subscriptions yet, and the window
 * inherited at the same address. A failure must be -ENOMEM; then the mm
 * changes with no trace of the notifier, and a second registration, with
 * no fault, works.
 */
static void attempt(int kind, char *buf, int n)
{
	const char *why;
	int fd, id, left;

	fd = tmn_open();
	if (fd < 0 || fail_nth_set(n))
		_exit(BROKEN);
	id = tmn_reg(fd, kind, 0, buf, NPAGES * psize);
	left = fail_nth_left();
	if (fail_nth_set(0) || left < 0)
		_exit(BROKEN);
	if (id >= 0) {
		why = verify(fd, id, kind, buf);
		if (why) {
			ksft_print_msg("allocation %d, %s: %s\n", n,
				       left ? "no fault" : "absorbed", why);
			_exit(BROKEN);
		}
		_exit(left ? NOT_INJECTED : ABSORBED);
	}
	if (left || id != -ENOMEM) {
		ksft_print_msg("allocation %d%s: the registration returned %s\n",
			       n, left ? " (not reached)" : "", strerror(-id));
		_exit(BROKEN);
	}
	/* The failed notifier is freed: the core must not call it. */
	if (madvise(buf, NPAGES * psize, MADV_DONTNEED))
		_exit(BROKEN);
	memset(buf, 3, NPAGES * psize);
	id = tmn_reg(fd, kind, 0, buf, NPAGES * psize);
	why = id < 0 ? strerror(-id) : verify(fd, id, kind, buf);
	if (why) {
		ksft_print_msg("allocation %d failed, then the next registration: %s\n",
			       n, why);
		_exit(BROKEN);
	}
	_exit(INJECTED);
}

TEST_F(faults, every_allocation_of_registration)
{
	int n, status, how = INJECTED, failed = 0, absorbed = 0;
	pid_t pid;

	for (n = 1; n <= MAX_POINTS && how != NOT_INJECTED; n++) {
		pid = fork();
		ASSERT_GE(pid, 0);
		if (!pid)
			attempt(variant->kind, self->buf, n);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status)) TH_LOG("allocation %d: the child died", n);
		how = WEXITSTATUS(status);
		ASSERT_NE(BROKEN, how) TH_LOG("allocation %d", n);
		failed += how == INJECTED;
		absorbed += how == ABSORBED;
	}
	ASSERT_EQ(NOT_INJECTED, how) TH_LOG("more than %d allocations", MAX_POINTS);
	/* A walk that injected nothing could not have failed. */
	ASSERT_GE(failed, 1) TH_LOG("no allocation of the core was reached");
	ksft_print_msg("%s: %d allocation points, %d failed with -ENOMEM, %d absorbed\n",
		       variant->kind == TMN_PLAIN ? "mmu_notifier_register" :
		       variant->kind == TMN_INTERVAL ?
		       "mmu_interval_notifier_insert" : "mmu_notifier_get",
		       n - 2, failed, absorbed);
}

TEST_HARNESS_MAIN
