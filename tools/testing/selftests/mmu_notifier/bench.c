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
 *  put-sync	the last mmu_notifier_put() of a notifier of
 *			mmu_notifier_get() and mmu_notifier_synchronize()
 *			after it, on the same mms
 *			-busy: register, unregister and put-sync at 100 to
 *			100,000 VMAs while another process on the other CPU
 *			keeps its own mmap_lock busy (mmap and munmap in a
 *			loop) and cycles a shared notifier of its own mm
 *  sweep		at 10,000 VMAs, per VMA: mm_take_all_locks() and
 *			mm_drop_all_locks(), a bare walk of the VMAs, and
 *			one walk that takes and drops each lock of every
 *			VMA in turn (what a sweep cannot do without)
 *  get-put		cycles of mmu_notifier_get(), mmu_notifier_put()
 *			and mmu_notifier_synchronize(); get, put and
 *			synchronize: the time of each step
 *  exit		exit of a process with v VMAs, each with a page,
 *			from the release of the child to its reap, with no
 *			notifier or one KVM-like notifier (+kvm); exit-16:
 *			16 such processes of 10,000 VMAs exit at once, on
 *			both CPUs
 *  oom-reap	process_mrelease() of a killed 1 GiB process, from
 *			the kill to the end of the reap, with no notifier
 *			or one KVM-like notifier; the reaper runs SCHED_FIFO
 *			so that the victim does not exit meanwhile
 *  preemptoff	only when asked for (-f preemptoff), on a kernel
 *			with the preemptoff tracer: the longest section
 *			with preemption disabled, from tracing_max_latency,
 *			during a registration and an unregistration at
 *			100,000 VMAs, and during a migration of an anonymous
 *			page that 256 forked children map, each with a
 *			KVM-like notifier (one rmap walk over 257 VMAs)
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
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../../../../mm/mmu_notifier_bench.h"

#define MNB_DEV "/sys/kernel/debug/mmu_notifier_bench"
#define MNB_CGROUP "/sys/fs/cgroup/mmu_notifier_bench"
#define RECLAIM_CHILDREN 16
#define EXIT_PARALLEL 16
#define WALK_CHILDREN 256
#define TRACING "/sys/kernel/tracing"
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

static void write_file(const char *path, const char *val);
static char *populated(size_t len);

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

/* Pages at a stride of two, so that no two VMAs merge: @want VMAs in all. */
static void make_vmas(long want)
{
	long have = count_vmas(), i;
	char *base;

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
}

/* Run on the CPUs of @cpus, a mask (bit 0: CPU 0). */
static void pin(unsigned long cpus)
{
	cpu_set_t set;
	int cpu;

	CPU_ZERO(&set);
	for (cpu = 0; cpus; cpu++, cpus >>= 1)
		if (cpus & 1)
			CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Children held until released: each runs @setup(@arg) if given, says it
 * is ready and waits until hold_release(); hold() returns once all are
 * ready.
 */
struct hold {
	int go;
	int n;
	pid_t pids[WALK_CHILDREN];
};

static void hold(struct hold *h, int n, void (*setup)(void *), void *arg)
{
	int ready[2], go[2], i;
	char c;

	if (n > WALK_CHILDREN) {
		errno = 0;
		die("%d held children asked for, at most %d", n, WALK_CHILDREN);
	}
	if (pipe(ready) || pipe(go))
		die("pipe");
	for (i = 0; i < n; i++) {
		h->pids[i] = fork();
		if (h->pids[i] < 0)
			die("fork");
		if (!h->pids[i]) {
			close(ready[0]);
			close(go[1]);
			if (setup)
				setup(arg);
			if (write(ready[1], "r", 1) != 1 ||
			    read(go[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < n; i++)
		if (read(ready[0], &c, 1) != 1)
			die("a held child did not get ready");
	close(ready[0]);
	h->go = go[1];
	h->n = n;
}

static void hold_release(struct hold *h)
{
	close(h->go);
}

/* Release the children and reap them; each must exit with 0. */
static void hold_end(struct hold *h)
{
	int i, status;

	hold_release(h);
	for (i = 0; i < h->n; i++)
		if (waitpid(h->pids[i], &status, 0) != h->pids[i] || status)
			die("waitpid");
}

/*
 * Fill v[0] and v[1] with @reps rounds of @round(0, @arg) and
 * @round(1, @arg), alternating which goes first, so that slow drift of
 * the machine hits both alike.
 */
static void alternated(double v[2][MAX_REPEATS], int reps,
		       double (*round)(int which, void *arg), void *arg)
{
	int r, n;

	for (r = 0; r < reps; r++)
		for (n = 0; n < 2; n++) {
			int which = (n + r) & 1;

			v[which][r] = round(which, arg);
		}
}

/* Keep this process's mmap_lock busy: mmap and munmap a page for ever. */
static void *mmap_loop(void *unused)
{
	for (;;) {
		void *p = mmap(NULL, psize, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || munmap(p, psize))
			_exit(1);
	}
	return NULL;
}

/*
 * Another mm, busy until killed, on the other CPU: one thread keeps its
 * mmap_lock busy, the other cycles a shared notifier of the same module
 * as the figures' (get, put, synchronize), so that frees of that module
 * on this mm are due all along.
 */
static pid_t busy(void)
{
	pid_t pid = fork();
	pthread_t t;
	int fd;

	if (pid < 0)
		die("fork");
	if (pid)
		return pid;
	pin(1UL << 1);
	fd = open(MNB_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 || pthread_create(&t, NULL, mmap_loop, NULL))
		_exit(1);
	for (;;) {
		struct mnb_loop l = { .iterations = 1 };

		if (ioctl(fd, MNB_GET_PUT, &l))
			_exit(1);
	}
}

static void unbusy(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
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

/*
 * The last put of a notifier of mmu_notifier_get() and the
 * mmu_notifier_synchronize() after it, @repeats times, in microseconds.
 */
static void put_sync_cycles(int fd, double *pv, int busy)
{
	int r;

	for (r = 0; r < repeats; r++) {
		struct mnb_loop l = { .iterations = 1 };

		if (ioctl(fd, MNB_GET_PUT, &l))
			die("MNB_GET_PUT");
		/* The busy mm's frees of the same module count too. */
		if (busy ? l.calls < 1 : l.calls != 1) {
			errno = 0;
			die("%llu notifiers freed, not %s1",
			    (unsigned long long)l.calls, busy ? "at least " : "");
		}
		pv[r] = (l.ns[1] + l.ns[2]) / 1e3;
	}
}

/* The lock sweep against a bare walk and what it must do, per VMA. */
static void sweep(int fd, const char *param)
{
	double tv[MAX_REPEATS], wv[MAX_REPEATS], ev[MAX_REPEATS];
	char name[48];
	int r;

	for (r = 0; r < repeats; r++) {
		struct mnb_loop l = { .iterations = 1 };

		if (ioctl(fd, MNB_SWEEP, &l) || !l.calls)
			die("MNB_SWEEP");
		tv[r] = (double)l.ns[0] / l.calls;
		wv[r] = (double)l.ns[1] / l.calls;
		ev[r] = (double)l.ns[2] / l.calls;
	}
	snprintf(name, sizeof(name), "%s-take-drop", param);
	result("sweep", name, "ns", tv, repeats);
	snprintf(name, sizeof(name), "%s-walk", param);
	result("sweep", name, "ns", wv, repeats);
	snprintf(name, sizeof(name), "%s-wait-out", param);
	result("sweep", name, "ns", ev, repeats);
}

static void registration(void *arg)
{
	long want = (long)arg;
	double rv[MAX_REPEATS], uv[MAX_REPEATS], pv[MAX_REPEATS];
	char param[32];
	pid_t other;
	int fd;

	make_vmas(want);
	fd = dev_open();
	snprintf(param, sizeof(param), "vmas=%ld", want);
	if (wanted("register")) {
		register_cycles(fd, rv, uv);
		result("register", param, "us", rv, repeats);
		result("unregister", param, "us", uv, repeats);
	}
	if (wanted("put-sync")) {
		put_sync_cycles(fd, pv, 0);
		result("put-sync", param, "us", pv, repeats);
	}
	if (wanted("sweep") && want == 10000)
		sweep(fd, param);

	/* The same while another mm is busy, on the other CPU. */
	if (wanted("busy") && want >= 100) {
		other = busy();
		register_cycles(fd, rv, uv);
		put_sync_cycles(fd, pv, 1);
		unbusy(other);
		result("register-busy", param, "us", rv, repeats);
		result("unregister-busy", param, "us", uv, repeats);
		result("put-sync-busy", param, "us", pv, repeats);
	}
	close(fd);
}

/* What a child of an exit round does before it waits to exit. */
struct exit_setup {
	long vmas;
	int notifier;
	int parallel;
};

static void exit_child(void *arg)
{
	struct exit_setup *e = arg;

	if (e->parallel)
		pin(3);
	make_vmas(e->vmas);
	/* The file stays open: the exit tears it down. */
	if (e->notifier)
		dev_register(dev_open(), MNB_KIND_KVM);
}

/*
 * Figure: exits. @nproc children make @vmas VMAs each (and register a
 * KVM-like notifier with @notifier), say they are ready and wait; the
 * clock runs from their release to the reap of the last one.
 */
static double exit_round(long vmas, int notifier, int nproc)
{
	struct exit_setup e = { vmas, notifier, nproc > 1 };
	struct hold h;
	double t;

	hold(&h, nproc, exit_child, &e);
	t = now();
	hold_end(&h);
	return (now() - t) * 1e6;
}

struct exits_arg {
	long vmas;
	int nproc;
};

static double exits_round(int notifier, void *arg)
{
	struct exits_arg *x = arg;

	return exit_round(x->vmas, notifier, x->nproc);
}

/* At most 3 repetitions: each makes every VMA again. */
static void exits(void)
{
	static const long vmas[] = { 100, 10000, 100000 };
	int reps = repeats < 3 ? repeats : 3;
	double v[2][MAX_REPEATS];
	char param[32];
	unsigned int i;

	for (i = 0; i <= ARRAY_SIZE(vmas); i++) {
		int parallel = i == ARRAY_SIZE(vmas);
		struct exits_arg x = {
			.vmas = parallel ? 10000 : vmas[i],
			.nproc = parallel ? EXIT_PARALLEL : 1,
		};

		alternated(v, reps, exits_round, &x);
		snprintf(param, sizeof(param), "vmas=%ld", x.vmas);
		result(parallel ? "exit-16" : "exit", param, "us", v[0], reps);
		snprintf(param, sizeof(param), "vmas=%ld+kvm", x.vmas);
		result(parallel ? "exit-16" : "exit", param, "us", v[1], reps);
	}
}

static void oom_victim(void *arg)
{
	populated(1024 * MIB);
	if (*(int *)arg)
		dev_register(dev_open(), MNB_KIND_KVM);
}

/*
 * Figure: the OOM reaper's work on a killed 1 GiB process, through
 * process_mrelease(). The reaper runs SCHED_FIFO on the victim's CPU, so
 * that the victim cannot run its own exit meanwhile.
 */
static double oom_reap_round(int notifier, void *unused)
{
	struct sched_param fifo = { .sched_priority = 1 }, other = { 0 };
	int pidfd, status;
	struct hold h;
	double t;

	hold(&h, 1, oom_victim, &notifier);
	pidfd = syscall(SYS_pidfd_open, h.pids[0], 0);
	if (pidfd < 0)
		die("pidfd_open");
	if (sched_setscheduler(0, SCHED_FIFO, &fifo))
		die("SCHED_FIFO");
	t = now();
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0))
		die("pidfd_send_signal");
	if (syscall(SYS_process_mrelease, pidfd, 0))
		die("process_mrelease");
	t = now() - t;
	if (sched_setscheduler(0, SCHED_OTHER, &other))
		die("SCHED_OTHER");
	hold_release(&h);
	if (waitpid(h.pids[0], &status, 0) != h.pids[0] || !WIFSIGNALED(status))
		die("waitpid");
	close(pidfd);
	return t * 1e6;
}

static void oom_reap(void)
{
	double v[2][MAX_REPEATS];

	alternated(v, repeats, oom_reap_round, NULL);
	result("oom-reap", "notifier=0", "us", v[0], repeats);
	result("oom-reap", "notifier=1", "us", v[1], repeats);
}

/* Figure: preemption-off sections, from the preemptoff tracer. */
static void tracer_reset(void)
{
	write_file(TRACING "/tracing_max_latency", "0");
}

/*
 * The longest section since tracer_reset(), in microseconds; @what's
 * line on the console says where it started and ended.
 */
static double tracer_max(const char *what)
{
	FILE *f = fopen(TRACING "/tracing_max_latency", "r");
	char line[256], started[128] = "?", ended[128] = "?";
	double v;

	if (!f || fscanf(f, "%lf", &v) != 1)
		die("reading %s/tracing_max_latency", TRACING);
	fclose(f);
	f = fopen(TRACING "/trace", "r");
	/* Header lines: "#  => started at: FUNCTION". */
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "# => started at: %127s", started) == 1 ||
		    sscanf(line, "# => ended at: %127s", ended) == 1)
			continue;
	}
	if (f)
		fclose(f);
	printf("# preemptoff %s: %.0f us, from %s to %s\n", what, v, started,
	       ended);
	return v;
}

static void preemptoff_register(void *unused)
{
	double rv[MAX_REPEATS], uv[MAX_REPEATS];
	int fd, r;

	make_vmas(100000);
	fd = dev_open();
	for (r = 0; r < repeats; r++) {
		tracer_reset();
		dev_register(fd, MNB_KIND_COUNT);
		rv[r] = tracer_max("register");
		tracer_reset();
		dev_unregister(fd);
		uv[r] = tracer_max("unregister");
	}
	close(fd);
	result("preemptoff", "register-vmas=100000", "us", rv, repeats);
	result("preemptoff", "unregister-vmas=100000", "us", uv, repeats);
}

/* Move the page at @p to @node with every mapping of it (MOVE_ALL). */
static void move_page(char *p, int node)
{
	void *pages[1] = { p };
	int nodes[1] = { node }, status[1] = { -1 };

	if (syscall(SYS_move_pages, 0, 1, pages, nodes, status, 1 << 2) ||
	    status[0] != node)
		die("move_pages to node %d (status %d)", node, status[0]);
}

static void walk_child(void *unused)
{
	dev_register(dev_open(), MNB_KIND_KVM);
}

static void preemptoff_walk(void *unused)
{
	char *page = isolated_page();
	double v[MAX_REPEATS];
	struct hold h;
	int r;

	move_page(page, 0);
	hold(&h, WALK_CHILDREN, walk_child, NULL);
	for (r = 0; r < repeats; r++) {
		tracer_reset();
		move_page(page, (r + 1) & 1);
		v[r] = tracer_max("migration");
	}
	hold_end(&h);
	result("preemptoff", "rmap-walk-257", "us", v, repeats);
}

/* The preemptoff figure, on a kernel with the tracer. */
static void preemption_sections(void)
{
	if (access(TRACING "/current_tracer", F_OK) &&
	    mount("tracefs", TRACING, "tracefs", 0, NULL))
		die("mounting tracefs at %s", TRACING);
	if (access(TRACING "/tracing_max_latency", F_OK))
		die("%s/tracing_max_latency: no preemptoff tracer in this kernel",
		    TRACING);
	write_file(TRACING "/current_tracer", "preemptoff");
	write_file(TRACING "/tracing_on", "1");
	in_child(preemptoff_register, NULL);
	in_child(preemptoff_walk, NULL);
	write_file(TRACING "/current_tracer", "nop");
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
	char *p = populated(len), arg[32];
	double t, bytes;
	struct hold h;

	/* The children hold the mapping until hold_end(). */
	hold(&h, RECLAIM_CHILDREN, NULL, NULL);
	snprintf(arg, sizeof(arg), "%zu", len);
	t = now();
	/* EAGAIN: less than asked was reclaimed; the pagemap says how much. */
	if (try_write_file(MNB_CGROUP "/memory.reclaim", arg) &&
	    errno != EAGAIN)
		die("memory.reclaim");
	*secs += now() - t;
	bytes = (double)swapped_pages(p, len) * psize;
	hold_end(&h);
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
	if (wanted("register") || wanted("put-sync") || wanted("sweep") ||
	    wanted("busy"))
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
	if (wanted("exit"))
		exits();
	if (wanted("oom-reap"))
		oom_reap();
	/* Only when asked for: it needs the preemptoff tracer. */
	if (nr_figures && wanted("preemptoff"))
		preemption_sections();
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
