// SPDX-License-Identifier: GPL-2.0
/*
 * Races of the MMU notifier core, for a bounded time each, and a fatal
 * signal during the lock sweep of a registration on a large mm.
 *
 * A target process churns its address space (fork and exit of children,
 * munmap and refault, MADV_PAGEOUT to swap, mprotect) for a random number
 * of rounds and exits, while the test registers and unregisters notifiers
 * on its mm through lib/test_mmu_notifier.c, so that registrations race
 * the churn and the exit. The test and the target are not pinned: the
 * scheduler spreads them over the guest's two vCPUs. Each test runs for
 * TMN_STRESS_SECONDS (default 4) and prints the cycles it survived; the
 * checks are what every cycle returns, ->release exactly once (6.12 may
 * call it twice when unregistration races the exit), start/end pairing,
 * and a target that exits cleanly. Anything the kernel reports fails the
 * run in the harness.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "tmn.h"

#define NPAGES		64
/* The VMAs of register_interrupted; TMN_VMAS sets fewer (debug kernels). */
#define VMAS		100000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int nr_vmas(void)
{
	const char *s = getenv("TMN_VMAS");

	return s && atoi(s) > 2 ? atoi(s) : VMAS;
}

static double stress_ms(void)
{
	const char *s = getenv("TMN_STRESS_SECONDS");

	return (s && atoi(s) > 0 ? atoi(s) : 4) * 1e3;
}

/*
 * Is this the series' core? It has CONFIG_MMU_NOTIFIER_SLEEPABLE, 6.12's
 * does not. It calls ->release exactly once when unregistration races
 * the exit, and its lock sweep keeps lockdep on past 2047 anon_vmas.
 */
static bool this_core(void)
{
	return tmn_kconfig("CONFIG_MMU_NOTIFIER_SLEEPABLE") > 0;
}

/*
 * The target: churn [buf, buf + len) for @rounds rounds, then exit. The
 * window was mapped by the parent, so the address is the same here.
 */
static void churn(char *buf, size_t len, unsigned int seed, int rounds)
{
	size_t npages = len / psize;
	int i;

	for (i = 0; i < rounds; i++) {
		size_t page = rand_r(&seed) % (npages - 4);
		char *p = buf + page * psize;
		pid_t pid;

		switch (i % 5) {
		case 0:
			pid = fork();
			if (!pid) {
				p[0]++;
				_exit(0);
			}
			if (pid > 0)
				waitpid(pid, NULL, 0);
			break;
		case 1:
			munmap(p, 4 * psize);
			if (mmap(p, 4 * psize, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
				 0) == MAP_FAILED)
				_exit(3);
			memset(p, i, 4 * psize);
			break;
		case 2:
			madvise(p, 4 * psize, MADV_PAGEOUT);
			p[0]++;
			break;
		case 3:
			mprotect(p, 4 * psize, PROT_READ);
			mprotect(p, 4 * psize, PROT_READ | PROT_WRITE);
			p[psize]++;
			break;
		case 4:
			madvise(p, 4 * psize, MADV_DONTNEED);
			p[0]++;
			break;
		}
	}
	_exit(0);
}

/*
 * fork(), with the child killed when the test dies: a test that fails
 * half-way must not leave a process behind holding the runner's output
 * pipe open, or the runner waits for it for ever.
 */
static pid_t fork_tied(void)
{
	pid_t parent = getpid(), pid = fork();

	if (!pid && (prctl(PR_SET_PDEATHSIG, SIGKILL) ||
		     getppid() != parent))
		_exit(9);
	return pid;
}

static pid_t spawn_target(char *buf, size_t len, unsigned int seed)
{
	pid_t pid = fork_tied();

	if (!pid)
		churn(buf, len, seed, 50 + seed % 400);
	return pid;
}

static void expect_target_exit(struct __test_metadata *_metadata, pid_t pid)
{
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("the target failed at %d",
						 WEXITSTATUS(status));
}

FIXTURE(stress) {
	char *buf;
	size_t len;
};

FIXTURE_SETUP(stress)
{
	int fd = tmn_open();

	if (fd < 0 && errno == ENOENT)
		SKIP(return, "no %s (CONFIG_TEST_MMU_NOTIFIER)", TMN_DEV);
	ASSERT_GE(fd, 0);
	close(fd);
	psize = sysconf(_SC_PAGESIZE);
	self->len = NPAGES * psize;
	self->buf = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 1, self->len);
}

FIXTURE_TEARDOWN(stress)
{
	munmap(self->buf, self->len);
}

/*
 * Register, mirror and unregister one notifier of @kind on a churning
 * target, over and over, until the target exits; a new target each
 * round, until the time is up. A plain notifier registered for the whole
 * life of each target checks the pairing once the target is gone: with
 * nothing in flight any more, every start had its end.
 */
static void storm(struct __test_metadata *_metadata, char *buf, size_t len,
		  int kind)
{
	unsigned long cycles = 0, rounds = 0, twice = 0;
	double end = now_ms() + stress_ms();
	bool once = this_core();
	struct tmn_status st;

	while (now_ms() < end) {
		int fd = tmn_open(), id, keep, ret;
		pid_t pid;

		ASSERT_GE(fd, 0);
		pid = spawn_target(buf, len, rounds + 1);
		ASSERT_GT(pid, 0);
		ret = tmn_attach(fd, pid);
		/* A target that is gone already has no mm to attach to. */
		ASSERT_TRUE(ret == 0 || ret == -ESRCH) TH_LOG("attach: %s",
							      strerror(-ret));
		keep = ret ? -ESRCH : tmn_reg(fd, TMN_PLAIN, 0, buf, len);
		ASSERT_TRUE(keep >= 0 || keep == -ESRCH);
		while (keep >= 0) {
			id = tmn_reg(fd, kind, 0, buf, len);
			if (id == -ESRCH)
				break;
			ASSERT_GE(id, 0) TH_LOG("register: %s", strerror(-id));
			ret = tmn_mirror(fd, id, buf, NPAGES, cycles & 1);
			/* Unmapped, or exiting: both are fine here. */
			ASSERT_TRUE(ret == 0 || ret == -EFAULT ||
				    ret == -ESRCH || ret == -EBUSY)
				TH_LOG("mirror: %s", strerror(-ret));
			ret = tmn_unreg(fd, id);
			if (kind == TMN_PLAIN) {
				ASSERT_GE(ret, 1) TH_LOG("->release never ran");
				ASSERT_LE(ret, once ? 1 : 2);
				twice += ret == 2;
			} else if (kind == TMN_INTERVAL) {
				/* At most the exit's one RELEASE. */
				ASSERT_GE(ret, 0);
				ASSERT_LE(ret, 1);
			} else {
				ASSERT_EQ(0, ret);
			}
			cycles++;
		}
		expect_target_exit(_metadata, pid);
		if (keep >= 0) {
			ASSERT_EQ(0, tmn_status(fd, keep, &st));
			ASSERT_EQ(0, st.active);
			ASSERT_EQ(st.starts, st.ends);
			ASSERT_EQ(1, st.releases);
			ASSERT_EQ(0, st.mirrored);
			ASSERT_EQ(1, tmn_unreg(fd, keep));
		}
		close(fd);
		rounds++;
	}
	ASSERT_GT(cycles, 0);
	ksft_print_msg("%s: %lu cycles survived on %lu exiting targets, ->release twice %lu\n",
		       kind == TMN_PLAIN ? "plain" : "interval", cycles,
		       rounds, twice);
}

TEST_F_TIMEOUT(stress, register_storm_plain, 120)
{
	storm(_metadata, self->buf, self->len, TMN_PLAIN);
}

TEST_F_TIMEOUT(stress, register_storm_interval, 120)
{
	storm(_metadata, self->buf, self->len, TMN_INTERVAL);
}

/* get/put churn of two threads sharing one notifier, racing the exit. */
struct churner {
	char *buf;
	size_t len;
	pid_t pid;
	unsigned long cycles;
	int err;
};

static void *get_put(void *arg)
{
	struct churner *c = arg;
	int fd = tmn_open(), id, ret;

	if (fd < 0) {
		c->err = ENODEV;
		return NULL;
	}
	ret = tmn_attach(fd, c->pid);
	while (!ret) {
		id = tmn_reg(fd, TMN_GET, 0, c->buf, c->len);
		if (id == -ESRCH)
			break;
		if (id < 0 || tmn_unreg(fd, id)) {
			c->err = id < 0 ? -id : EIO;
			break;
		}
		c->cycles++;
	}
	if (ret && ret != -ESRCH)
		c->err = -ret;
	close(fd);
	return NULL;
}

TEST_F_TIMEOUT(stress, get_put_churn, 120)
{
	unsigned long cycles = 0, rounds = 0;
	double end = now_ms() + stress_ms();

	while (now_ms() < end) {
		struct churner c[2] = {};
		pthread_t t[2];
		pid_t pid;
		int i;

		pid = spawn_target(self->buf, self->len, rounds + 7);
		ASSERT_GT(pid, 0);
		for (i = 0; i < 2; i++) {
			c[i] = (struct churner){ self->buf, self->len, pid };
			ASSERT_EQ(0, pthread_create(&t[i], NULL, get_put, &c[i]));
		}
		for (i = 0; i < 2; i++) {
			ASSERT_EQ(0, pthread_join(t[i], NULL));
			ASSERT_EQ(0, c[i].err) TH_LOG("thread %d: %s", i,
						      strerror(c[i].err));
			cycles += c[i].cycles;
		}
		expect_target_exit(_metadata, pid);
		rounds++;
	}
	ASSERT_GT(cycles, 0);
	ksft_print_msg("get/put: %lu cycles of two threads survived on %lu exiting targets\n",
		       cycles, rounds);
}

/*
 * Interval notifiers inserted and removed while the target invalidates
 * their window without pause, each one mirroring the window with the
 * sequence protocol before it goes.
 */
TEST_F_TIMEOUT(stress, interval_during_invalidations, 120)
{
	unsigned long cycles = 0, mirrored = 0;
	double end = now_ms() + stress_ms();
	int fd = tmn_open(), go[2], ret;
	pid_t pid;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pipe(go));
	pid = fork_tied();
	ASSERT_GE(pid, 0);
	if (!pid) {
		char c;
		int i = 0;

		close(go[1]);
		fcntl(go[0], F_SETFL, O_NONBLOCK);
		/* Until the test closes the pipe. */
		while (read(go[0], &c, 1) < 0 && errno == EAGAIN) {
			char *p = self->buf + (i++ % (NPAGES / 4)) * 4 * psize;

			madvise(p, 4 * psize, i & 1 ? MADV_DONTNEED :
				MADV_PAGEOUT);
			mprotect(p, 4 * psize, PROT_READ);
			mprotect(p, 4 * psize, PROT_READ | PROT_WRITE);
			p[0] = i;
		}
		_exit(0);
	}
	close(go[0]);
	ASSERT_EQ(0, tmn_attach(fd, pid));
	while (now_ms() < end) {
		int id[2], i;

		for (i = 0; i < 2; i++) {
			id[i] = tmn_reg(fd, TMN_INTERVAL, 0, self->buf,
					self->len);
			ASSERT_GE(id[i], 0) TH_LOG("insert: %s",
						   strerror(-id[i]));
		}
		for (i = 0; i < 2; i++) {
			/* Read-only: the target makes the window read-only too. */
			ret = tmn_mirror(fd, id[i], self->buf, NPAGES, false);
			/* -EBUSY: the window never held still long enough. */
			ASSERT_TRUE(ret == 0 || ret == -EBUSY)
				TH_LOG("mirror: %s", strerror(-ret));
			mirrored += !ret;
		}
		for (i = 0; i < 2; i++)
			ASSERT_EQ(0, tmn_unreg(fd, id[i]));
		cycles++;
	}
	close(go[1]);
	expect_target_exit(_metadata, pid);
	close(fd);
	ASSERT_GT(cycles, 0);
	ksft_print_msg("intervals: %lu insert/mirror/remove cycles survived, %lu mirrors\n",
		       cycles, mirrored);
}

/*
 * A fatal signal during the lock sweep of a registration on an mm of
 * 100,000 VMAs, each with its own anon_vma: the registration returns
 * -EINTR without finishing the sweep, registers nothing, and leaves every
 * lock as it was. The latency from kill() to the return is printed.
 * TMN_VMAS asks for fewer VMAs, where a sweep of 100,000 would take
 * minutes (KASAN and lockdep under emulation).
 *
 * The registering child shares the test's file, whose ioctls hold a mutex:
 * the test's TMN_STATUS after the kill returns only once the child's
 * TMN_REGISTER did, which times the return itself, not the child's exit,
 * and its -EINVAL (no such notifier) shows that nothing was registered.
 * A kill that came after the sweep finished is retried earlier.
 */
static char *map_vmas(int n, int distinct)
{
	/* One page each, a hole after each, so that none merge. */
	char *base = mmap(NULL, 2UL * distinct * psize, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	size_t shared = n - distinct;
	char *rest;
	size_t i;

	if (base == MAP_FAILED)
		return NULL;
	munmap(base, 2UL * distinct * psize);
	for (i = 0; i < (size_t)distinct; i++) {
		char *p = base + 2 * i * psize;

		if (mmap(p, psize, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0) != p)
			return NULL;
		/* The write gives the VMA its own anon_vma. */
		p[0] = 1;
		/* The page goes, the anon_vma stays. */
		madvise(p, psize, MADV_DONTNEED);
	}
	if (!shared)
		return base;
	/* The rest: one anon_vma, split into a VMA a page by mprotect(). */
	rest = mmap(NULL, shared * psize, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (rest == MAP_FAILED)
		return NULL;
	rest[0] = 1;
	for (i = 1; i < shared; i += 2)
		if (mprotect(rest + i * psize, psize, PROT_READ))
			return NULL;
	return base;
}

/*
 * A handler, so that SIGUSR1 leaves the child alive: the sweep returns
 * -EINTR for any pending signal, and that is never restarted.
 */
static void on_signal(int sig)
{
}

/*
 * A registration that a signal interrupts in the middle of its lock sweep
 * fails with -EINTR, at once, and leaves nothing registered and every lock
 * dropped; one whose task is killed (an OOM kill) leaves nothing either.
 */
TEST_F_TIMEOUT(stress, register_interrupted, 600)
{
	/*
	 * 6.12's sweep overflows lockdep's held-lock count past 2047
	 * anon_vma locks, and lockdep turns itself off: on that core with
	 * lockdep, all but 2000 of the VMAs share one anon_vma.
	 */
	int vmas = nr_vmas();
	int distinct = this_core() || tmn_kconfig("CONFIG_LOCKDEP") != 'y' ||
		       vmas <= 2000 ? vmas : 2000;
	char max_map[32] = "", c = 0;
	const double at[4] = { 0.2, 0.5, 0.75, 0.5 };
	double full, t0, lat[4];
	int fd, go[2], i, status, id, ret, tries[4];
	ssize_t n;
	struct tmn_status st;
	pid_t target, child;
	FILE *f;

	f = fopen("/proc/sys/vm/max_map_count", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(max_map, sizeof(max_map), f));
	fclose(f);
	ASSERT_EQ(0, tmn_write_file("/proc/sys/vm/max_map_count", "300000"));

	/* The target builds its VMAs, reports, and waits for the pipe. */
	t0 = now_ms();
	ASSERT_EQ(0, pipe(go));
	target = fork_tied();
	ASSERT_GE(target, 0);
	if (!target) {
		close(go[0]);
		if (!map_vmas(vmas, distinct))
			_exit(1);
		if (write(go[1], &c, 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(go[1]);
	ASSERT_EQ(1, read(go[0], &c, 1)) TH_LOG("the target mapped no %d VMAs", vmas);
	close(go[0]);
	ksft_print_msg("%d VMAs mapped in %.0f ms\n", vmas, now_ms() - t0);

	fd = tmn_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, tmn_attach(fd, target));
	/* The faster of two uninterrupted registrations. */
	for (i = 0, full = 1e12; i < 2; i++) {
		t0 = now_ms();
		id = tmn_reg(fd, TMN_PLAIN, 0, self->buf, self->len);
		if (now_ms() - t0 < full)
			full = now_ms() - t0;
		ASSERT_EQ(0, id);
		ASSERT_EQ(1, tmn_unreg(fd, id));
	}

	for (i = 0; i < 4; i++) {
		/* A caught signal three times; then SIGKILL, as an OOM kill. */
		int sig = i < 3 ? SIGUSR1 : SIGKILL;
		double when = at[i];

		/*
		 * A signal that lands after the sweep (the guest's clock is
		 * noisy under emulation), or before the ioctl began, lets the
		 * registration complete: undo it and signal again, twice as
		 * early, a few times. A sweep that never looks at signals
		 * completes every time.
		 */
		for (tries[i] = 1; ; tries[i]++) {
			int res[2];

			ASSERT_EQ(0, pipe(go));
			ASSERT_EQ(0, pipe(res));
			child = fork_tied();
			ASSERT_GE(child, 0);
			if (!child) {
				struct sigaction sa = { .sa_handler = on_signal };

				close(go[0]);
				close(res[0]);
				if (sigaction(SIGUSR1, &sa, NULL))
					_exit(1);
				if (write(go[1], &c, 1) != 1)
					_exit(1);
				ret = tmn_reg(fd, TMN_PLAIN, 0, self->buf, self->len);
				_exit(write(res[1], &ret, sizeof(ret)) != sizeof(ret));
			}
			close(go[1]);
			close(res[1]);
			ASSERT_EQ(1, read(go[0], &c, 1));
			close(go[0]);
			usleep(full * 1e3 * when);
			t0 = now_ms();
			ASSERT_EQ(0, kill(child, sig));
			/* A killed child reports nothing: end of file. */
			n = read(res[0], &ret, sizeof(ret));
			lat[i] = now_ms() - t0;
			close(res[0]);
			ASSERT_EQ(child, waitpid(child, &status, 0));
			if (sig == SIGKILL && n == 0) {
				ASSERT_TRUE(WIFSIGNALED(status));
				/* Killed in the sweep: nothing registered. */
				ret = tmn_status(fd, 0, &st) == -EINVAL ? -EINTR : 0;
			} else {
				/* A SIGKILL may still come after the report. */
				ASSERT_EQ(sizeof(ret), n);
				ASSERT_TRUE(sig == SIGKILL ||
					    (WIFEXITED(status) && !WEXITSTATUS(status)));
			}
			if (ret == -EINTR) {
				/* Nothing was registered: no notifier 0. */
				ASSERT_EQ(-EINVAL, tmn_status(fd, 0, &st));
				break;
			}
			/* The signal came after the sweep: registered. */
			ASSERT_EQ(0, ret) TH_LOG("register: %s", strerror(-ret));
			ASSERT_EQ(1, tmn_unreg(fd, 0));
			ksft_print_msg("signal %d %.1f %% in, after the registration completed\n",
				       sig, when * 100);
			ASSERT_LT(tries[i], 5)
				TH_LOG("round %d: every registration completed", i);
			when /= 2;
		}
	}

	/* Every lock was dropped: a registration sweeps them all again. */
	id = tmn_reg(fd, TMN_PLAIN, 0, self->buf, self->len);
	ASSERT_EQ(0, id);
	ASSERT_EQ(1, tmn_unreg(fd, id));
	close(fd);
	kill(target, SIGKILL);
	ASSERT_EQ(target, waitpid(target, &status, 0));
	ASSERT_EQ(0, tmn_write_file("/proc/sys/vm/max_map_count", max_map));
	ksft_print_msg("register on %d VMAs, %d anon_vmas: %.1f ms uninterrupted\n",
		       vmas, distinct == vmas ? vmas : distinct + 1, full);
	ksft_print_msg("signals at 20, 50, 75, 50 %%: -EINTR after %.2f, %.2f, %.2f, %.2f ms",
		       lat[0], lat[1], lat[2], lat[3]);
	printf(" (%d, %d, %d, %d shots)\n", tries[0], tries[1], tries[2], tries[3]);
}

TEST_HARNESS_MAIN
