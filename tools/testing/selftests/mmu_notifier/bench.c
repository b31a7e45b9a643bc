// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks of the MMU notifier core, driven through
 * /sys/kernel/debug/mmu_notifier_bench (CONFIG_MMU_NOTIFIER_BENCH).
 *
 * Not a test: it prints figures, one line each,
 *
 *	MNB-RESULT <figure> <parameter> <unit> <value> <value> ...
 *
 * with one value per repetition, for a script to compare kernels by.
 * Every figure is measured in a fresh child process, so that the mm under
 * test has only the notifiers and mappings the figure asks for:
 *
 *  callout-kernel	one invalidate_range_start/_end pair issued by the
 *			kernel on the process's mm, with n notifiers that
 *			only count (n=0 before any registration; 0-after
 *			once they were all unregistered; 1-kvm with one
 *			KVM-like notifier)
 *  callout-mprotect	one mprotect() of a populated one-page VMA, which
 *			makes one pair, with the same notifiers
 *  register, unregister
 *			one (un)registration on an mm with v VMAs, each
 *			with a page of anonymous memory (an anon_vma);
 *			-busy: at 1,000 VMAs, while another process on the
 *			other CPU cycles a shared notifier of its own
 *  get-put		cycles of mmu_notifier_get(), mmu_notifier_put()
 *			and mmu_notifier_synchronize(); get, put and
 *			synchronize: the time of each step
 *  munmap-refault	mmap, write one byte a page, munmap, over 256 MiB,
 *			with no notifier or with one KVM-like notifier
 *  mprotect-toggle	mprotect of 256 MiB of populated memory to
 *			read-only and back, likewise
 *  fork-exit		fork and exit of a child of a 64 MiB process and
 *			waiting for it, likewise
 *  reclaim-shared	reclaim of 32 MiB of anonymous memory that the
 *			process shares with 16 forked children, to swap,
 *			through the memory.reclaim file of its cgroup (so
 *			every page's rmap walk visits 17 VMAs), likewise;
 *			MADV_PAGEOUT would not do, as it skips shared pages
 *
 * Usage: bench [-r REPEATS] [-s SCALE] [-c CPU] [-f FIGURE]...
 * SCALE multiplies the iterations within each repetition; -f picks
 * figures (default all). The program and its children run on CPU
 * (default 0; -1 leaves them free): a process that moved between CPUs
 * makes every TLB flush of its mm an IPI, which would swamp what is
 * measured.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../../../../mm/mmu_notifier_bench.h"

#define MNB_DEV "/sys/kernel/debug/mmu_notifier_bench"
#define MNB_CGROUP "/sys/fs/cgroup/mmu_notifier_bench"
#define RECLAIM_CHILDREN 16
#define MAX_REPEATS 101
#define MIB (1024UL * 1024)
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

static int repeats = 7;
static double scale = 1.0;
static const char *figures[16];
static int nr_figures;
static long psize;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	if (errno)
		fprintf(stderr, ": %s", strerror(errno));
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static unsigned long scaled(unsigned long n)
{
	unsigned long v = n * scale;

	return v ? v : 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int wanted(const char *figure)
{
	int i;

	if (!nr_figures)
		return 1;
	for (i = 0; i < nr_figures; i++)
		if (!strcmp(figures[i], figure))
			return 1;
	return 0;
}

/* Print a result line; the values are written in one call. */
static void result(const char *figure, const char *param, const char *unit,
		   const double *v, int n)
{
	char line[4096];
	int len, i;

	len = snprintf(line, sizeof(line), "MNB-RESULT %s %s %s", figure,
		       param, unit);
	for (i = 0; i < n && len < (int)sizeof(line) - 32; i++)
		len += snprintf(line + len, sizeof(line) - len, " %.6g", v[i]);
	printf("%s\n", line);
	fflush(stdout);
}

static int dev_open(void)
{
	int fd = open(MNB_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("cannot open %s (CONFIG_MMU_NOTIFIER_BENCH, debugfs)",
		    MNB_DEV);
	return fd;
}

static double dev_register(int fd, unsigned int kind)
{
	struct mnb_register r = { .kind = kind };

	if (ioctl(fd, MNB_REGISTER, &r))
		die("MNB_REGISTER");
	return r.ns;
}

static double dev_unregister(int fd)
{
	struct mnb_register r = { 0 };

	if (ioctl(fd, MNB_UNREGISTER, &r))
		die("MNB_UNREGISTER");
	return r.ns;
}

/* Run fn in a child process and wait for it; the child prints. */
static void in_child(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		fn(arg);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = 0;
		die("a benchmark child failed (status %#x)", status);
	}
}

/* A one-page VMA between PROT_NONE guards, populated. */
static char *isolated_page(void)
{
	char *p = mmap(NULL, 3 * psize, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	if (mprotect(p + psize, psize, PROT_READ | PROT_WRITE))
		die("mprotect");
	p[psize] = 1;
	return p + psize;
}

/* Figures 1: callouts with n notifiers. */
static void callouts_measure(int fd, const char *param, unsigned int n)
{
	unsigned long kiters = scaled(200000), miters = scaled(20000);
	double kv[MAX_REPEATS], mv[MAX_REPEATS];
	char *page = isolated_page();
	int r;

	for (r = 0; r < repeats; r++) {
		struct mnb_loop l = {
			.iterations = kiters,
			.start = (uintptr_t)page,
			.end = (uintptr_t)page + psize,
		};
		unsigned long i;
		double t;

		if (ioctl(fd, MNB_CALLOUTS, &l))
			die("MNB_CALLOUTS");
		if (l.calls != kiters * n) {
			errno = 0;
			die("%s: the notifiers saw %llu starts, not %lu", param,
			    (unsigned long long)l.calls, kiters * n);
		}
		kv[r] = (double)l.ns[0] / kiters;

		t = now();
		for (i = 0; i < miters; i++)
			if (mprotect(page, psize, i & 1 ? PROT_READ | PROT_WRITE :
				     PROT_READ))
				die("mprotect");
		mv[r] = (now() - t) * 1e9 / miters;
	}
	result("callout-kernel", param, "ns", kv, repeats);
	result("callout-mprotect", param, "ns", mv, repeats);
}

static void callouts(void *unused)
{
	static const unsigned int counts[] = { 1, 4, 16 };
	unsigned int registered = 0;
	int fd = dev_open();
	char param[32];
	unsigned int i;

	callouts_measure(fd, "n=0", 0);
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		while (registered < counts[i]) {
			dev_register(fd, MNB_KIND_COUNT);
			registered++;
		}
		snprintf(param, sizeof(param), "n=%u", counts[i]);
		callouts_measure(fd, param, counts[i]);
	}
	for (; registered; registered--)
		dev_unregister(fd);
	callouts_measure(fd, "n=0-after", 0);
	dev_register(fd, MNB_KIND_KVM);
	callouts_measure(fd, "n=1-kvm", 1);
	close(fd);
}

/* Figure 2: (un)registration against the number of VMAs. */
static int count_vmas(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int c, n = 0;

	if (!f)
		die("/proc/self/maps");
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Cycle a shared notifier on this process's mm until killed. */
static void churn(void)
{
	int fd = open(MNB_DEV, O_RDWR | O_CLOEXEC);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (;;) {
		struct mnb_loop l = { .iterations = 1 };

		if (fd < 0 || ioctl(fd, MNB_GET_PUT, &l))
			_exit(1);
	}
}

/* Register and unregister a notifier @repeats times, in microseconds. */
static void register_cycles(int fd, double *rv, double *uv)
{
	int r;

	for (r = 0; r < repeats; r++) {
		rv[r] = dev_register(fd, MNB_KIND_COUNT) / 1e3;
		uv[r] = dev_unregister(fd) / 1e3;
	}
}

static void registration(void *arg)
{
	long want = (long)arg, have = count_vmas(), i;
	double rv[MAX_REPEATS], uv[MAX_REPEATS];
	char param[32];
	char *base;
	int fd;

	/* Pages at a stride of two, so that no two VMAs merge. */
	if (want > have) {
		long n = want - have;

		base = mmap(NULL, 2 * n * psize, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (base == MAP_FAILED || munmap(base, 2 * n * psize))
			die("mmap");
		for (i = 0; i < n; i++) {
			char *p = mmap(base + 2 * i * psize, psize,
				       PROT_READ | PROT_WRITE, MAP_PRIVATE |
				       MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

			if (p == MAP_FAILED)
				die("mmap of VMA %ld", i);
			*p = 1;
		}
	}
	have = count_vmas();
	if (have < want || have > want + want / 10 + 2) {
		errno = 0;
		die("wanted %ld VMAs, the mm has %ld", want, have);
	}

	fd = dev_open();
	register_cycles(fd, rv, uv);
	snprintf(param, sizeof(param), "vmas=%ld", want);
	result("register", param, "us", rv, repeats);
	result("unregister", param, "us", uv, repeats);

	/*
	 * The same on a busy machine: another process on the other CPU
	 * cycles a shared notifier of its own mm all along (get, put,
	 * synchronize), as processes that come and go with notifiers do.
	 */
	if (want == 1000) {
		pid_t churner = fork();

		if (churner < 0)
			die("fork");
		if (!churner)
			churn();
		register_cycles(fd, rv, uv);
		kill(churner, SIGKILL);
		waitpid(churner, NULL, 0);
		result("register-busy", param, "us", rv, repeats);
		result("unregister-busy", param, "us", uv, repeats);
	}
	close(fd);
}

/* Figure 3: get/put/synchronize. */
static void get_put(void *unused)
{
	double cv[MAX_REPEATS], gv[MAX_REPEATS], pv[MAX_REPEATS];
	double sv[MAX_REPEATS];
	unsigned long iters = scaled(200);
	int fd = dev_open(), r;

	for (r = 0; r < repeats; r++) {
		struct mnb_loop l = { .iterations = iters };
		double total;

		if (ioctl(fd, MNB_GET_PUT, &l))
			die("MNB_GET_PUT");
		if (l.calls != iters) {
			errno = 0;
			die("%llu notifiers freed, not %lu",
			    (unsigned long long)l.calls, iters);
		}
		total = l.ns[0] + l.ns[1] + l.ns[2];
		cv[r] = iters * 1e9 / total;
		gv[r] = l.ns[0] / 1e3 / iters;
		pv[r] = l.ns[1] / 1e3 / iters;
		sv[r] = l.ns[2] / 1e3 / iters;
	}
	close(fd);
	result("get-put", "cycle", "per-s", cv, repeats);
	result("get-put", "get", "us", gv, repeats);
	result("get-put", "put", "us", pv, repeats);
	result("get-put", "synchronize", "us", sv, repeats);
}

/*
 * Figures 4 and 5: each repetition measures both variants, each in a
 * child of its own, so that slow drift of the machine hits both alike.
 */
struct e2e {
	const char *figure;
	int notifier;
	/* Shared with the parent. */
	double *out;
};

static int e2e_setup(int notifier)
{
	int fd = -1;

	if (notifier) {
		fd = dev_open();
		dev_register(fd, MNB_KIND_KVM);
	}
	return fd;
}

static void touch(char *p, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += psize)
		p[off] = 1;
}

/* Anonymous private memory of @len bytes, every page written once. */
static char *populated(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	touch(p, len);
	return p;
}

/* Write @val to @path in one write(); -1 with errno on failure. */
static int try_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -1 : 0;
}

static void write_file(const char *path, const char *val)
{
	if (try_write_file(path, val))
		die("writing %s to %s", val, path);
}

/* Pages of [p, p + len) that are in swap, from /proc/self/pagemap. */
static unsigned long swapped_pages(char *p, size_t len)
{
	unsigned long n = len / psize, i, swapped = 0;
	uint64_t *pm = malloc(n * sizeof(*pm));
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (!pm || fd < 0 ||
	    pread(fd, pm, n * sizeof(*pm), (uintptr_t)p / psize * sizeof(*pm)) !=
	    (ssize_t)(n * sizeof(*pm)))
		die("reading /proc/self/pagemap");
	for (i = 0; i < n; i++)
		swapped += !!(pm[i] & (1ULL << 62));
	close(fd);
	free(pm);
	return swapped;
}

/*
 * One round of reclaim-shared: @len bytes populated and shared with
 * RECLAIM_CHILDREN children, reclaimed through the cgroup. Adds the
 * seconds the reclaim took to *secs; returns the bytes that went to swap.
 */
static double reclaim_round(size_t len, double *secs)
{
	pid_t pids[RECLAIM_CHILDREN];
	char *p = populated(len), arg[32];
	int go[2], i, status;
	double t, bytes;

	if (pipe(go))
		die("pipe");
	for (i = 0; i < RECLAIM_CHILDREN; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (!pids[i]) {
			char c;

			close(go[1]);
			/* Holds the mapping until the parent closes the pipe. */
			if (read(go[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
	}
	close(go[0]);
	snprintf(arg, sizeof(arg), "%zu", len);
	t = now();
	/* EAGAIN: less than asked was reclaimed; the pagemap says how much. */
	if (try_write_file(MNB_CGROUP "/memory.reclaim", arg) &&
	    errno != EAGAIN)
		die("memory.reclaim");
	*secs += now() - t;
	bytes = (double)swapped_pages(p, len) * psize;
	close(go[1]);
	for (i = 0; i < RECLAIM_CHILDREN; i++)
		if (waitpid(pids[i], &status, 0) != pids[i] || status)
			die("waitpid");
	if (munmap(p, len))
		die("munmap");
	return bytes;
}

static void e2e_child(void *arg)
{
	struct e2e *e = arg;
	int fd = e2e_setup(e->notifier);
	size_t len = 256 * MIB;
	unsigned long i, iters;
	double t;
	char *p;

	if (!strcmp(e->figure, "munmap-refault")) {
		iters = scaled(4);
		t = now();
		for (i = 0; i < iters; i++) {
			p = populated(len);
			if (munmap(p, len))
				die("munmap");
		}
		*e->out = iters * (len / MIB) / (now() - t);
	} else if (!strcmp(e->figure, "mprotect-toggle")) {
		iters = scaled(40);
		p = populated(len);
		t = now();
		for (i = 0; i < iters; i++)
			if (mprotect(p, len, i & 1 ? PROT_READ | PROT_WRITE :
				     PROT_READ))
				die("mprotect");
		*e->out = iters / (now() - t);
	} else if (!strcmp(e->figure, "reclaim-shared")) {
		double secs = 0, bytes = 0;

		len = 32 * MIB;
		iters = scaled(2);
		for (i = 0; i < iters; i++)
			bytes += reclaim_round(len, &secs);
		if (!bytes)
			die("reclaim-shared: nothing went to swap");
		*e->out = bytes / MIB / secs;
	} else {
		len = 64 * MIB;
		iters = scaled(40);
		p = populated(len);
		t = now();
		for (i = 0; i < iters; i++) {
			pid_t pid = fork();
			int status;

			if (pid < 0)
				die("fork");
			if (!pid)
				_exit(0);
			if (waitpid(pid, &status, 0) != pid || status)
				die("waitpid");
		}
		*e->out = iters / (now() - t);
	}
	if (fd >= 0)
		close(fd);
}

static void end_to_end(const char *figure, const char *unit)
{
	double v[2][MAX_REPEATS];
	double *shared;
	int r, n;

	shared = mmap(NULL, psize, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		die("mmap");
	for (r = 0; r < repeats; r++) {
		for (n = 0; n < 2; n++) {
			/* Alternate which variant goes first. */
			int which = (n + r) & 1;
			struct e2e e = {
				.figure = figure,
				.notifier = which,
				.out = shared,
			};

			in_child(e2e_child, &e);
			v[which][r] = *shared;
		}
	}
	munmap(shared, psize);
	result(figure, "notifier=0", unit, v[0], repeats);
	result(figure, "notifier=1", unit, v[1], repeats);
}

int main(int argc, char **argv)
{
	static const long vmas[] = { 10, 100, 1000, 10000, 100000 };
	unsigned int i;
	int opt, cpu = 0;
	FILE *f;

	while ((opt = getopt(argc, argv, "r:s:c:f:")) != -1) {
		switch (opt) {
		case 'r':
			repeats = atoi(optarg);
			break;
		case 's':
			scale = atof(optarg);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'f':
			if (nr_figures < 16)
				figures[nr_figures++] = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-r REPEATS] [-s SCALE] [-c CPU] [-f FIGURE]...\n",
				argv[0]);
			return 2;
		}
	}
	if (repeats < 1 || repeats > MAX_REPEATS || scale <= 0) {
		fprintf(stderr, "bench: -r takes 1 to %d, -s a positive factor\n",
			MAX_REPEATS);
		return 2;
	}
	psize = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("pinning to CPU %d", cpu);
	}

	/* 100,000 VMAs need more than the default map count. */
	f = fopen("/proc/sys/vm/max_map_count", "w");
	if (!f || fprintf(f, "%d\n", 262144) < 0 || fclose(f))
		die("raising vm.max_map_count");

	if (wanted("callout"))
		in_child(callouts, NULL);
	if (wanted("register"))
		for (i = 0; i < ARRAY_SIZE(vmas); i++)
			in_child(registration, (void *)vmas[i]);
	if (wanted("get-put"))
		in_child(get_put, NULL);
	if (wanted("munmap-refault"))
		end_to_end("munmap-refault", "MiB/s");
	if (wanted("mprotect-toggle"))
		end_to_end("mprotect-toggle", "per-s");
	if (wanted("fork-exit"))
		end_to_end("fork-exit", "per-s");
	if (wanted("reclaim-shared")) {
		/* Every child of the figure runs in a cgroup of its own. */
		write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
		if (mkdir(MNB_CGROUP, 0755) && errno != EEXIST)
			die("mkdir %s (cgroup2 at /sys/fs/cgroup, CONFIG_MEMCG)",
			    MNB_CGROUP);
		write_file(MNB_CGROUP "/cgroup.procs", "0");
		end_to_end("reclaim-shared", "MiB/s");
	}
	return 0;
}
