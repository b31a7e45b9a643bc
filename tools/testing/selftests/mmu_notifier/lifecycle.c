// SPDX-License-Identifier: GPL-2.0
/*
 * The lifecycle of a notifier, against what else reaches its mm.
 *
 * ->release comes while the notifier still gets every invalidation, so
 * that no page of the mm is freed while the device maps it: at the mm's
 * teardown, with reclaim or the OOM reaper working on the dying mm, and
 * at unregistration, with another thread unmapping pages. A teardown waits
 * for no other mm's: the OOM reaper reaps a victim whose file another
 * process's invalidation keeps locked, and exits of many mms go on while
 * one is stuck. The free after the last mmu_notifier_put() of one mm
 * waits for no other mm's locks.
 *
 * The device of lib/test_mmu_notifier.c reads through the pfns it recorded
 * and reports a read through a page that was freed (ESTALE); every page
 * the device still maps must read what the process wrote. A notifier's
 * gate (TMN_HOLD_RELEASE, TMN_HOLD_START) holds its ->release, or its
 * blockable invalidations, until the test opens it: the test acts on the
 * mm while one of them is in progress. Tests that make the kernel kill a
 * process announce it to the harness in the kernel log.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <linux/falloc.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "tmn.h"
#include "../../../../mm/mmu_notifier_bench.h"

#define NPAGES		64
/* Processes of the parallel teardown, and the VMAs of each. */
#define NPROCS		16
#define VMAS		10000
#define BENCH_FILE	"/sys/kernel/debug/mmu_notifier_bench"

/*
 * The children and the device files of the running test, for its fixture
 * teardown to clean up after a failed assertion: a device file closed
 * opens the gates of its notifiers, and a child left behind would keep
 * the kselftest runner's output open.
 */
static pid_t kids[3 * NPROCS];
static int nkids;
static int files[3 * NPROCS];
static int nfiles;

static int track_file(int fd)
{
	if (fd >= 0 && nfiles < (int)ARRAY_SIZE(files))
		files[nfiles++] = fd;
	return fd;
}

static void untrack_file(int fd)
{
	int i;

	for (i = 0; i < nfiles; i++)
		if (files[i] == fd)
			files[i] = -1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Is this the series' core? It has CONFIG_MMU_NOTIFIER_SLEEPABLE, 6.12's
 * does not. Where 6.12 behaves otherwise, a test says so by this.
 */
static bool this_core(void)
{
	return tmn_kconfig("CONFIG_MMU_NOTIFIER_SLEEPABLE") > 0;
}

/*
 * TMN_VMAS sets fewer VMAs a process (debug kernels); TMN_LIFECYCLE_VMAS
 * sets them for these tests alone (a guest whose exits are slow).
 */
static int nr_vmas(void)
{
	const char *s = getenv("TMN_LIFECYCLE_VMAS");

	if (!s)
		s = getenv("TMN_VMAS");

	return s && atoi(s) > 2 && atoi(s) < VMAS ? atoi(s) : VMAS;
}

/* Wait until @n callouts of notifier @id wait at its gate; false after 10 s. */
static bool wait_held(int fd, int id, unsigned int n)
{
	struct tmn_status st;
	int i;

	for (i = 0; i < 1000; i++) {
		if (!tmn_status(fd, id, &st) && st.held >= n)
			return true;
		usleep(10000);
	}
	return false;
}

static int open_gate(int fd, int id)
{
	__u32 u = id;

	return tmn_err(ioctl(fd, TMN_OPEN_GATE, &u));
}

/*
 * Every page of [buf, buf + npages) is gone from the device (ENOENT), or
 * reads what the process wrote there (tmn_fill() with @seed, from @buf
 * on); never through a freed page (ESTALE), never other data. Returns the
 * number of pages gone.
 */
static int check_device(struct __test_metadata *_metadata, int fd, int id,
			char *buf, size_t first, size_t npages,
			unsigned int seed)
{
	char *want = malloc((first + npages) * psize), *got = malloc(psize);
	size_t i;
	int r, gone = 0;

	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, got);
	tmn_fill(want, (first + npages) * psize, seed);
	for (i = first; i < first + npages; i++) {
		r = tmn_read(fd, id, buf + i * psize, got, psize);
		if (r == -ENOENT) {
			gone++;
			continue;
		}
		EXPECT_NE(-ESTALE, r)
			TH_LOG("page %zu: the device reads a page that was freed", i);
		EXPECT_EQ(0, r);
		if (!r)
			EXPECT_EQ(0, memcmp(got, want + i * psize, psize))
				TH_LOG("page %zu: the device reads other data", i);
	}
	free(want);
	free(got);
	return gone;
}

static void expect_not_late(struct __test_metadata *_metadata, int fd, int id)
{
	struct tmn_status st;

	ASSERT_EQ(0, tmn_status(fd, id, &st));
	EXPECT_EQ(0, st.late)
		TH_LOG("%llu pages were freed while the device mapped them",
		       (unsigned long long)st.late);
}

/* A memory cgroup of the test's own. */
struct cg {
	char dir[128];
};

static int cg_make(struct cg *cg, const char *name)
{
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	if (tmn_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory"))
		return -1;
	snprintf(cg->dir, sizeof(cg->dir), "/sys/fs/cgroup/tmn-%s-%d", name,
		 getpid());
	return mkdir(cg->dir, 0700) && errno != EEXIST ? -1 : 0;
}

static int cg_set(struct cg *cg, const char *file, const char *val)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", cg->dir, file);
	return tmn_write_file(path, val);
}

/* The value of @key in a flat-keyed file of the cgroup, -1 if none. */
static long long cg_get(struct cg *cg, const char *file, const char *key)
{
	char path[192], name[64];
	long long v, ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg->dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		if (!strcmp(name, key))
			ret = v;
	fclose(f);
	return ret;
}

/* A single-value file of the cgroup, -1 if unreadable. */
static long long cg_value(struct cg *cg, const char *file)
{
	char path[192];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg->dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int cg_enter(struct cg *cg)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	return cg_set(cg, "cgroup.procs", pid);
}

static void cg_remove(struct cg *cg)
{
	int i;

	/* A killed task leaves the cgroup a little after its exit. */
	for (i = 0; i < 100 && rmdir(cg->dir) && errno == EBUSY; i++)
		usleep(20000);
}

/* What the kernel logs from now on, through /dev/kmsg. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * Read the kernel log for up to @ms: true once a message contains @what
 * (NULL: read for the whole time). Any message that contains @bad sets
 * *@seen.
 */
static bool kmsg_wait(int fd, const char *what, int ms, const char *bad,
		      bool *seen)
{
	double end = now_ms() + ms;
	char rec[1024];
	ssize_t n;

	while (now_ms() < end) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EAGAIN)
				usleep(20000);
			continue;
		}
		rec[n] = 0;
		if (bad && strstr(rec, bad))
			*seen = true;
		if (what && strstr(rec, what))
			return true;
	}
	return false;
}

/*
 * Say something to the harness in the kernel log, so that it lands in the
 * console in order with what the kernel prints.
 */
static bool oom_window;

static void kmsg_say(const char *what)
{
	int fd = open("/dev/kmsg", O_WRONLY);
	char rec[256];
	int n;

	if (fd < 0)
		return;
	/* One write() a record: dprintf() may split it, which kmsg refuses. */
	n = snprintf(rec, sizeof(rec), "mmu_notifier lifecycle: %s\n", what);
	if (write(fd, rec, n) != n)
		perror("# /dev/kmsg");
	close(fd);
}

/* The window in which the harness accepts one OOM kill, and its end. */
static void oom_expect(const char *test)
{
	char what[128];

	snprintf(what, sizeof(what), "expect an OOM kill: %s", test);
	kmsg_say(what);
	oom_window = true;
}

static void oom_expected(void)
{
	if (oom_window)
		kmsg_say("end of expected OOM kill");
	oom_window = false;
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

/* Has @pid exited? Its exit status in *@status; reaps it. */
static bool reaped(pid_t pid, int *status)
{
	return waitpid(pid, status, WNOHANG) == pid;
}

/*
 * A child of the test. Before it says it is ready (a byte on @ready), it
 * joins @cg (if set), sets its oom_score_adj to @adj (if not 0), fills
 * [buf, buf + len), mapped by the parent and untouched, with @seed and
 * puts those pages on the LRU. It then waits for a byte on @go and runs
 * @then (if set), and waits to be killed.
 */
struct child {
	struct cg *cg;
	int adj;
	char *buf;
	size_t len;
	unsigned int seed;
	void (*then)(struct child *c);
	size_t alloc;	/* for @then */
	int ready[2];
	int go[2];
	pid_t pid;
};

static void child_main(struct child *c)
{
	char adj[16], b = 0;

	if (c->cg && cg_enter(c->cg))
		_exit(1);
	if (c->adj) {
		snprintf(adj, sizeof(adj), "%d", c->adj);
		if (tmn_write_file("/proc/self/oom_score_adj", adj))
			_exit(1);
	}
	if (c->buf) {
		tmn_fill(c->buf, c->len, c->seed);
		tmn_lru_drain(c->buf);
	}
	if (write(c->ready[1], &b, 1) != 1 || read(c->go[0], &b, 1) != 1)
		_exit(1);
	if (c->then)
		c->then(c);
	for (;;)
		pause();
}

static int child_start(struct child *c)
{
	char b;

	if (pipe(c->ready) || pipe(c->go))
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (!c->pid)
		child_main(c);
	if (nkids < (int)ARRAY_SIZE(kids))
		kids[nkids++] = c->pid;
	return read(c->ready[0], &b, 1) == 1 ? 0 : -1;
}

static int child_go(struct child *c)
{
	char b = 0;

	return write(c->go[1], &b, 1) == 1 ? 0 : -1;
}

/* Allocate and touch c->alloc bytes of anonymous memory, then exit 0. */
static void child_alloc(struct child *c)
{
	char *p = mmap(NULL, c->alloc, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		_exit(2);
	for (i = 0; i < c->alloc; i += psize)
		p[i] = 1;
	_exit(0);
}

FIXTURE(lifecycle) {
	char *buf;
	size_t len;
	int fd;
};

FIXTURE_SETUP(lifecycle)
{
	self->fd = tmn_open();
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "no %s (CONFIG_TEST_MMU_NOTIFIER)", TMN_DEV);
	ASSERT_GE(self->fd, 0);
	self->len = NPAGES * psize;
	self->buf = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(lifecycle)
{
	int i, status;

	for (i = 0; i < nfiles; i++)
		if (files[i] >= 0)
			close(files[i]);
	if (self->fd >= 0)
		close(self->fd);
	for (i = 0; i < nkids; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < nkids; i++)
		waitpid(kids[i], &status, 0);
	/* A failed assertion inside an OOM window leaves it open. */
	oom_expected();
}

/*
 * Reclaim swaps out pages of a process whose teardown is inside the
 * notifier's ->release: the invalidation must reach the notifier before
 * the pages are freed.
 */
TEST_F_TIMEOUT(lifecycle, release_window_reclaim, 120)
{
	struct child c = { .buf = self->buf, .len = self->len, .seed = 11 };
	struct tmn_status st;
	struct cg cg;
	int id, i, status, gone;

	if (cg_make(&cg, "reclaim"))
		SKIP(return, "no memory cgroup: %s", strerror(errno));
	if (cg_value(&cg, "memory.swap.current") < 0)
		SKIP(return, "no swap accounting (memory.swap.current)");
	c.cg = &cg;
	ASSERT_EQ(0, child_start(&c));
	ASSERT_EQ(0, tmn_attach(self->fd, c.pid));
	id = tmn_reg(self->fd, TMN_PLAIN, TMN_HOLD_RELEASE, self->buf,
		     self->len);
	ASSERT_GE(id, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, false));
	ASSERT_EQ(0, check_device(_metadata, self->fd, id, self->buf, 0,
				  NPAGES, c.seed));

	ASSERT_EQ(0, kill(c.pid, SIGKILL));
	ASSERT_TRUE(wait_held(self->fd, id, 1))
		TH_LOG("the teardown did not call ->release");
	for (i = 0; i < 20 && cg_value(&cg, "memory.swap.current") <= 0; i++)
		cg_set(&cg, "memory.reclaim", "16M");
	ASSERT_GT(cg_value(&cg, "memory.swap.current"), 0)
		TH_LOG("reclaim swapped nothing out: the test shows nothing");
	gone = check_device(_metadata, self->fd, id, self->buf, 0, NPAGES,
			    c.seed);
	EXPECT_GT(gone, 0)
		TH_LOG("reclaim took pages from the device with no invalidation");
	expect_not_late(_metadata, self->fd, id);

	ASSERT_EQ(0, open_gate(self->fd, id));
	ASSERT_EQ(c.pid, waitpid(c.pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(0, tmn_status(self->fd, id, &st));
	EXPECT_EQ(1, st.releases);
	EXPECT_EQ(0, st.late)
		TH_LOG("->release found pages the device mapped freed already");
	cg_remove(&cg);
}

/*
 * The OOM reaper unmaps the anonymous memory of a victim whose teardown is
 * inside the notifier's ->release: its invalidation must reach the
 * notifier before the pages are freed. process_mrelease() reaps the same
 * way, but can find the mm only while a task still uses it, before the
 * teardown; the mirror test's oom_reap covers it there.
 */
TEST_F_TIMEOUT(lifecycle, release_window_oom_reaper, 120)
{
	struct child c = {
		.buf = self->buf, .len = self->len, .seed = 12, .adj = 1000,
		.then = child_alloc, .alloc = 64 << 20,
	};
	bool unable = false;
	char what[64];
	struct cg cg;
	int id, kfd, status, gone;

	if (cg_make(&cg, "reaper"))
		SKIP(return, "no memory cgroup: %s", strerror(errno));
	ASSERT_EQ(0, cg_set(&cg, "memory.max", "16M"));
	cg_set(&cg, "memory.swap.max", "0");
	c.cg = &cg;
	ASSERT_EQ(0, child_start(&c));
	ASSERT_EQ(0, tmn_attach(self->fd, c.pid));
	id = tmn_reg(self->fd, TMN_PLAIN, TMN_HOLD_RELEASE, self->buf,
		     self->len);
	ASSERT_GE(id, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, false));
	kfd = kmsg_open();
	ASSERT_GE(kfd, 0);

	oom_expect("release_window_oom_reaper");
	ASSERT_EQ(0, child_go(&c));
	ASSERT_TRUE(wait_held(self->fd, id, 1))
		TH_LOG("the OOM victim's teardown did not call ->release");
	snprintf(what, sizeof(what), "oom_reaper: reaped process %d ", c.pid);
	EXPECT_TRUE(kmsg_wait(kfd, what, 10000, "unable to reap", &unable))
		TH_LOG("the OOM reaper did not reap the victim");
	EXPECT_FALSE(unable);
	gone = check_device(_metadata, self->fd, id, self->buf, 0, NPAGES,
			    c.seed);
	EXPECT_EQ(NPAGES, gone)
		TH_LOG("the reaper took pages from the device with no invalidation");
	expect_not_late(_metadata, self->fd, id);
	ASSERT_EQ(0, open_gate(self->fd, id));
	ASSERT_EQ(c.pid, waitpid(c.pid, &status, 0));
	oom_expected();
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(1, cg_get(&cg, "memory.events", "oom_kill"));
	close(kfd);
	cg_remove(&cg);
}

struct unreg_arg {
	int fd, id, ret;
};

static void *unreg_fn(void *p)
{
	struct unreg_arg *a = p;

	a->ret = tmn_unreg(a->fd, a->id);
	return NULL;
}

/*
 * Another thread unmaps half the window while the unregistration is inside
 * ->release: the unmap's invalidation must reach the notifier before the
 * pages are freed, and ->release runs once.
 */
TEST_F_TIMEOUT(lifecycle, release_window_unregister, 60)
{
	struct unreg_arg a = { .fd = self->fd };
	pthread_t t;

	tmn_fill(self->buf, self->len, 13);
	a.id = tmn_reg(self->fd, TMN_PLAIN, TMN_HOLD_RELEASE, self->buf,
		       self->len);
	ASSERT_GE(a.id, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, a.id, self->buf, NPAGES, false));
	ASSERT_EQ(0, pthread_create(&t, NULL, unreg_fn, &a));
	ASSERT_TRUE(wait_held(self->fd, a.id, 1))
		TH_LOG("the unregistration did not call ->release");
	ASSERT_EQ(0, munmap(self->buf, self->len / 2));
	EXPECT_EQ(NPAGES / 2, check_device(_metadata, self->fd, a.id,
					   self->buf, 0, NPAGES / 2, 13))
		TH_LOG("the unmap freed pages the device still maps");
	EXPECT_EQ(0, check_device(_metadata, self->fd, a.id, self->buf,
				  NPAGES / 2, NPAGES / 2, 13));
	expect_not_late(_metadata, self->fd, a.id);
	ASSERT_EQ(0, open_gate(self->fd, a.id));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(1, a.ret) TH_LOG("->release ran %d times", a.ret);
	munmap(self->buf + self->len / 2, self->len / 2);
}

/*
 * A shared file whose i_mmap_rwsem a reader holds for as long as the test
 * wants: a hole punched in it zaps the mapping of a helper process, whose
 * notifier holds that blockable invalidation at its gate.
 */
struct stall {
	int mfd;
	char *map;
	size_t len;
	struct child helper;
	int fd, id;
	pthread_t punch;
	int punched;
};

static void *punch_fn(void *p)
{
	struct stall *s = p;

	s->punched = fallocate(s->mfd, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, 0, s->len);
	return NULL;
}

/*
 * Map the file (children forked after this inherit the mapping), start
 * the helper with the file's pages faulted in, and punch the hole.
 */
static int stall_map(struct stall *s)
{
	size_t i;

	s->len = 16 * psize;
	s->mfd = memfd_create("tmn-stall", 0);
	if (s->mfd < 0 || ftruncate(s->mfd, s->len))
		return -1;
	s->map = mmap(NULL, s->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      s->mfd, 0);
	if (s->map == MAP_FAILED)
		return -1;
	for (i = 0; i < s->len; i += psize)
		s->map[i] = 1;
	return child_start(&s->helper);
}

static int stall_start(struct stall *s)
{
	s->fd = track_file(tmn_open());
	if (s->fd < 0 || tmn_attach(s->fd, s->helper.pid))
		return -1;
	s->id = tmn_reg(s->fd, TMN_PLAIN, TMN_HOLD_START, s->map, s->len);
	if (s->id < 0 || pthread_create(&s->punch, NULL, punch_fn, s))
		return -1;
	return wait_held(s->fd, s->id, 1) ? 0 : -1;
}

static int stall_end(struct stall *s)
{
	int status;

	if (open_gate(s->fd, s->id) || pthread_join(s->punch, NULL))
		return -1;
	kill(s->helper.pid, SIGKILL);
	waitpid(s->helper.pid, &status, 0);
	untrack_file(s->fd);
	close(s->fd);
	munmap(s->map, s->len);
	close(s->mfd);
	return s->punched;
}

/* MADV_COLD on [@buf, @buf + @len) of process @pid; -1 with errno if not all. */
static int make_cold(pid_t pid, char *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	int pidfd = syscall(__NR_pidfd_open, pid, 0);
	ssize_t n;

	if (pidfd < 0)
		return -1;
	n = syscall(__NR_process_madvise, pidfd, &iov, 1, MADV_COLD, 0);
	close(pidfd);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* An unregistration in a thread of its own, and a reclaim in another. */
struct unreg {
	int fd;
	int id;
	int ret;
	bool done;	/* __atomic: the threads poll them */
	bool held;
	struct cg *cg;
};

static void *unreg_thread(void *arg)
{
	struct unreg *u = arg;

	u->ret = tmn_unreg(u->fd, u->id);
	__atomic_store_n(&u->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Reclaim until an invalidation of the notifier is held (and let go). */
static void *reclaim_thread(void *arg)
{
	struct unreg *u = arg;
	int i;

	for (i = 0; i < 100 && !__atomic_load_n(&u->held, __ATOMIC_ACQUIRE); i++)
		cg_set(u->cg, "memory.reclaim", "1M");
	return NULL;
}

/*
 * An unregistration waits out every invalidation of the notifier that is
 * in progress, also one whose caller holds no lock of the mm but an rmap
 * lock: here reclaim of shared file pages, another task's, inside the
 * notifier's start under the file's i_mmap_rwsem. Only then may the
 * driver free the notifier. (An unlink without the lock sweep returns
 * while the start is still running.)
 */
TEST_F_TIMEOUT(lifecycle, unregister_waits_for_rmap_walk, 180)
{
	struct child c = { .len = self->len, .seed = 12 };
	struct unreg u = { .fd = self->fd };
	pthread_t reclaim, unreg;
	struct cg cg;
	int mfd, i;
	bool done;

	if (cg_make(&cg, "unreg"))
		SKIP(return, "no memory cgroup: %s", strerror(errno));
	u.cg = &cg;
	mfd = memfd_create("tmn-unreg", 0);
	ASSERT_GE(mfd, 0);
	ASSERT_EQ(0, ftruncate(mfd, self->len));
	c.buf = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd,
		     0);
	ASSERT_NE(MAP_FAILED, c.buf);
	c.cg = &cg;
	/* The child's pages of the file are the cgroup's. */
	ASSERT_EQ(0, child_start(&c));
	ASSERT_EQ(0, tmn_attach(self->fd, c.pid));
	u.id = tmn_reg(self->fd, TMN_PLAIN, TMN_HOLD_START, c.buf, self->len);
	ASSERT_GE(u.id, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, u.id, c.buf, NPAGES, false));
	/* Cold pages: the first reclaim takes them (and holds the walk). */
	ASSERT_EQ(0, make_cold(c.pid, c.buf, self->len))
		TH_LOG("process_madvise: %s", strerror(errno));

	ASSERT_EQ(0, pthread_create(&reclaim, NULL, reclaim_thread, &u));
	/* Reclaim may take a while to get to the pages, under emulation. */
	for (i = 0; i < 9 && !u.held; i++)
		__atomic_store_n(&u.held, wait_held(self->fd, u.id, 1),
				 __ATOMIC_RELEASE);
	if (!u.held) {
		__atomic_store_n(&u.held, true, __ATOMIC_RELEASE);
		pthread_join(reclaim, NULL);
	}
	ASSERT_TRUE(wait_held(self->fd, u.id, 1))
		TH_LOG("reclaim's unmap never reached the notifier");
	ASSERT_EQ(0, pthread_create(&unreg, NULL, unreg_thread, &u));
	usleep(500000);
	done = __atomic_load_n(&u.done, __ATOMIC_ACQUIRE);
	EXPECT_FALSE(done)
		TH_LOG("unregister returned while an invalidation of the notifier ran");
	if (!done)
		ASSERT_EQ(0, open_gate(self->fd, u.id));
	ASSERT_EQ(0, pthread_join(unreg, NULL));
	ASSERT_EQ(0, pthread_join(reclaim, NULL));
	EXPECT_EQ(1, u.ret) TH_LOG("->release ran %d times", u.ret);
	ASSERT_EQ(0, kill(c.pid, SIGKILL));
	ASSERT_EQ(c.pid, waitpid(c.pid, &i, 0));
	munmap(c.buf, self->len);
	close(mfd);
	cg_remove(&cg);
}

static void child_munmap(struct child *c)
{
	munmap(c->buf, c->len);
}

/*
 * Reclaim reaches the pages of a munmap in progress: the munmap has taken
 * its VMA out of the maple tree and waits in its invalidation, with the
 * mmap_lock held, while the VMA and its pages are still in the rmap trees.
 * Reclaim's rmap walk calls the notifier for that range with the anon_vma
 * lock held, a range no VMA of the tree meets any more: the notifier gets
 * the callout, and the lock check of CONFIG_DEBUG_MMU_NOTIFIER accepts it
 * (the munmap cannot unlink the VMA before the walk lets go of the lock).
 */
TEST_F_TIMEOUT(lifecycle, reclaim_in_munmap_window, 120)
{
	struct child c = {
		.buf = self->buf, .len = self->len, .seed = 14,
		.then = child_munmap,
	};
	struct unreg u = { .fd = self->fd };
	bool reached = false, warned = false;
	static struct tmn_log log;
	struct tmn_status st;
	pthread_t reclaim;
	int id, kfd, i;
	struct cg cg;

	if (cg_make(&cg, "munmap"))
		SKIP(return, "no memory cgroup: %s", strerror(errno));
	if (cg_value(&cg, "memory.swap.current") < 0)
		SKIP(return, "no swap accounting (memory.swap.current)");
	c.cg = &cg;
	u.cg = &cg;
	ASSERT_EQ(0, child_start(&c));
	ASSERT_EQ(0, tmn_attach(self->fd, c.pid));
	id = tmn_reg(self->fd, TMN_PLAIN, TMN_HOLD_START, self->buf, self->len);
	ASSERT_GE(id, 0);
	/* Cold pages: the first reclaim takes them. */
	ASSERT_EQ(0, make_cold(c.pid, self->buf, self->len))
		TH_LOG("process_madvise: %s", strerror(errno));
	kfd = kmsg_open();
	ASSERT_GE(kfd, 0);

	ASSERT_EQ(0, child_go(&c));
	ASSERT_TRUE(wait_held(self->fd, id, 1))
		TH_LOG("the munmap's invalidation did not reach the gate");
	ASSERT_EQ(0, pthread_create(&reclaim, NULL, reclaim_thread, &u));
	/*
	 * Reclaim's start waits at the gate too where it may sleep; under a
	 * spinning anon_vma lock it passes, and is counted.
	 */
	for (i = 0; i < 2000 && !reached; i++) {
		ASSERT_EQ(0, tmn_status(self->fd, id, &st));
		reached = st.held + st.starts >= 2;
		if (!reached)
			usleep(10000);
	}
	__atomic_store_n(&u.held, true, __ATOMIC_RELEASE);
	EXPECT_TRUE(reached)
		TH_LOG("reclaim never called the notifier in the munmap's window");
	ASSERT_EQ(0, open_gate(self->fd, id));
	ASSERT_EQ(0, pthread_join(reclaim, NULL));
	/* The callout was reclaim's (a clear), and for the munmap's range. */
	ASSERT_LE(0, tmn_fetch(self->fd, id, &log));
	EXPECT_LT(0, tmn_count(&log, MMU_NOTIFY_CLEAR, self->buf, self->len))
		TH_LOG("no clear of the range among %d events", log.n);
	kmsg_wait(kfd, NULL, 500, "mmu_notifier: callout for", &warned);
	EXPECT_FALSE(warned)
		TH_LOG("the lock check refused reclaim's callout in the window");
	close(kfd);
	ASSERT_EQ(0, kill(c.pid, SIGKILL));
	ASSERT_EQ(c.pid, waitpid(c.pid, &i, 0));
	cg_remove(&cg);
}

/*
 * The OOM killer picks a process that maps a file whose i_mmap_rwsem
 * another process's invalidation holds (a device waiting, say), while
 * a second process of the same memory cgroup needs the victim's memory.
 * The victim's teardown must not wait for that lock before it unmaps the
 * victim's memory: the reaper must not fail to reap it, and the second
 * process must not become a second victim.
 *
 * The teardown of 6.12 waits for that lock too, later, in free_pgtables(),
 * with the last pages it unmapped still in its mmu_gather (up to some
 * 10,000 pages, freed by tlb_finish_mmu() after free_pgtables()). So the
 * victim has several times that much, and the second process needs less
 * than the victim frees before.
 */
TEST_F_TIMEOUT(lifecycle, oom_victim_maps_stalled_file, 120)
{
	struct child v = {
		.buf = self->buf, .len = self->len, .seed = 14, .adj = 1000,
		.then = child_alloc, .alloc = 512 << 20,
	};
	struct child p = { .then = child_alloc, .alloc = 24 << 20 };
	struct stall s = { .helper = { .buf = NULL } };
	bool unable = false;
	int id, kfd, status, i;
	char *pressure;
	struct cg cg;
	double t0;

	if (cg_make(&cg, "oom"))
		SKIP(return, "no memory cgroup: %s", strerror(errno));
	ASSERT_EQ(0, cg_set(&cg, "memory.max", "160M"));
	cg_set(&cg, "memory.swap.max", "0");
	/*
	 * The second process, with the memory it holds while the victim
	 * allocates, is forked before the file is mapped: its own exit must
	 * not wait for the file's lock.
	 */
	pressure = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pressure);
	p.cg = &cg;
	p.buf = pressure;
	p.len = 8 << 20;
	ASSERT_EQ(0, child_start(&p));
	munmap(pressure, 8 << 20);
	/* The victim maps the file. */
	ASSERT_EQ(0, stall_map(&s));
	v.cg = &cg;
	ASSERT_EQ(0, child_start(&v));
	ASSERT_EQ(0, tmn_attach(self->fd, v.pid));
	id = tmn_reg(self->fd, TMN_PLAIN, 0, self->buf, self->len);
	ASSERT_GE(id, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, false));
	ASSERT_EQ(0, stall_start(&s))
		TH_LOG("the helper's invalidation did not wait at its gate");
	kfd = kmsg_open();
	ASSERT_GE(kfd, 0);

	oom_expect("oom_victim_maps_stalled_file");
	t0 = now_ms();
	ASSERT_EQ(0, child_go(&v));
	for (i = 0; i < 500 && cg_get(&cg, "memory.events", "oom_kill") < 1; i++)
		usleep(20000);
	ASSERT_EQ(1, cg_get(&cg, "memory.events", "oom_kill"))
		TH_LOG("%lld OOM kills (one wanted) after %.1f s, memory.current %lld",
		       cg_get(&cg, "memory.events", "oom_kill"),
		       (now_ms() - t0) / 1e3, cg_value(&cg, "memory.current"));
	/* The second process now needs what the victim had. */
	ASSERT_EQ(0, child_go(&p));
	for (i = 0; i < 1500 && !reaped(p.pid, &status); i++)
		usleep(10000);
	ASSERT_LT(i, 1500) TH_LOG("the second process is still waiting for memory");
	kmsg_wait(kfd, NULL, 3000, "unable to reap", &unable);
	oom_expected();
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the second process was killed too");
	EXPECT_EQ(1, cg_get(&cg, "memory.events", "oom_kill"));
	EXPECT_FALSE(unable) TH_LOG("the OOM reaper could not reap the victim");
	expect_not_late(_metadata, self->fd, id);

	EXPECT_EQ(0, stall_end(&s));
	ASSERT_EQ(v.pid, waitpid(v.pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	close(kfd);
	cg_remove(&cg);
}

/* A child with @n VMAs, each of one written page, apart from the next. */
static void child_vmas(struct child *c)
{
	size_t i, n = c->alloc;
	char *p = mmap(NULL, 2 * n * psize, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(2);
	for (i = 0; i < n; i++) {
		if (mprotect(p + 2 * i * psize, psize, PROT_READ | PROT_WRITE))
			_exit(3);
		p[2 * i * psize] = 1;
	}
}

struct exit_wait {
	pid_t pid;
	double at;
	int status;
};

static void *exit_wait_fn(void *arg)
{
	struct exit_wait *w = arg;

	if (waitpid(w->pid, &w->status, 0) == w->pid)
		w->at = now_ms();
	return NULL;
}

/* child_vmas(), then a second byte on the ready pipe. */
static void child_vmas_then_ready(struct child *c)
{
	char b = 0;

	child_vmas(c);
	if (write(c->ready[1], &b, 1) != 1)
		_exit(4);
}

/*
 * A child of @vmas VMAs, with a notifier of @fd on its mm unless @fd is
 * -1. It maps the VMAs once the notifier is there, as a process would
 * after a device was bound to it.
 */
static int vmas_child(struct child *c, size_t vmas, int fd)
{
	char b;

	memset(c, 0, sizeof(*c));
	c->alloc = vmas;
	c->then = child_vmas_then_ready;
	if (child_start(c))
		return -1;
	if (fd >= 0 && (tmn_attach(fd, c->pid) ||
			tmn_reg(fd, TMN_PLAIN, 0, (void *)(64UL << 20),
				psize) < 0))
		return -1;
	return child_go(c) || read(c->ready[0], &b, 1) != 1 ? -1 : 0;
}

/*
 * Kill the NPROCS children of @c at once and wait up to @ms for their
 * exits, each in a thread of its own. With @verbose, print when each
 * one's ->release came and when it exited, after the kill. Returns how
 * many exited in time; the others are waited for still, by their threads,
 * until @join.
 */
struct exits {
	struct exit_wait w[NPROCS];
	pthread_t t[NPROCS];
	double t0;
};

static int exit_all(struct __test_metadata *_metadata, struct exits *e,
		    struct child *c, int ms)
{
	int i, done;

	e->t0 = now_ms();
	for (i = 0; i < NPROCS; i++) {
		e->w[i] = (struct exit_wait){ .pid = c[i].pid };
		EXPECT_EQ(0, kill(c[i].pid, SIGKILL));
	}
	for (i = 0; i < NPROCS; i++)
		EXPECT_EQ(0, pthread_create(&e->t[i], NULL, exit_wait_fn,
					    &e->w[i]));
	for (done = 0; done < ms / 10; done++) {
		for (i = 0; i < NPROCS && e->w[i].at; i++)
			;
		if (i == NPROCS)
			break;
		usleep(10000);
	}
	for (i = 0, done = 0; i < NPROCS; i++)
		done += e->w[i].at != 0;
	return done;
}

/* Join the waiters; check and print what the NPROCS exits were like. */
static void exit_report(struct __test_metadata *_metadata, struct exits *e,
			int *fds, size_t vmas, const char *what, bool verbose)
{
	double first = 1e30, last_release = 0, slowest = 0, rel;
	struct tmn_status st;
	int i;

	for (i = 0; i < NPROCS; i++) {
		ASSERT_EQ(0, pthread_join(e->t[i], NULL));
		ASSERT_EQ(0, tmn_status(fds[i], 0, &st));
		EXPECT_EQ(1, st.releases);
		rel = st.release_ns / 1e6 - e->t0;
		if (verbose)
			printf("# exit %2d: ->release at %7.1f ms, exited at %7.1f ms\n",
			       i, rel, e->w[i].at - e->t0);
		last_release = rel > last_release ? rel : last_release;
		if (e->w[i].at - e->t0 < first)
			first = e->w[i].at - e->t0;
		if (e->w[i].at - e->t0 > slowest)
			slowest = e->w[i].at - e->t0;
		untrack_file(fds[i]);
		close(fds[i]);
	}
	printf("# %d exits of %zu VMAs with a notifier each, %s:\n",
	       NPROCS, vmas, what);
	printf("#   slowest %.1f ms, first %.1f ms, last ->release %.1f ms: %s\n",
	       slowest, first, last_release,
	       last_release < first ? "all under way at once" :
	       "not all under way at once");
}

/* NPROCS children of @vmas VMAs, each with a notifier of a file of its own. */
static void vmas_children(struct __test_metadata *_metadata, struct child *c,
			  int *fds, size_t vmas)
{
	int i;

	for (i = 0; i < NPROCS; i++) {
		fds[i] = track_file(tmn_open());
		ASSERT_GE(fds[i], 0);
		ASSERT_EQ(0, vmas_child(&c[i], vmas, fds[i]));
	}
}

/*
 * Exits of processes of 10,000 VMAs with a notifier each. Prints the exit
 * time of one such process alone, with and without a notifier; of NPROCS
 * of them at once, each with the time its ->release came; and then makes
 * NPROCS more exit at once while the teardown of another process waits
 * for a file lock that an invalidation holds: none of them may wait for
 * it. Those have a tenth of the VMAs: whether an exit waits does not
 * depend on its size, and they must end well within the 30 s after which
 * the stuck invalidation goes on by itself, also in a guest that a busy
 * host slows five times.
 */
TEST_F_TIMEOUT(lifecycle, parallel_teardown, 300)
{
	struct child c[NPROCS], one, stuck = { .buf = NULL };
	struct stall s = { .helper = { .buf = NULL } };
	int fds[NPROCS], fd1, i, status, done;
	size_t vmas = nr_vmas(), few = vmas / 10;
	struct tmn_status hst;
	char seen[8] = "", state = 0;
	const char *gate;
	struct exits e;
	double t0;

	if (few < 100)
		few = vmas < 100 ? vmas : 100;

	/* One process alone: without, then with a notifier. */
	for (i = 0; i < 2; i++) {
		fd1 = i ? track_file(tmn_open()) : -1;
		ASSERT_EQ(0, vmas_child(&one, vmas, fd1));
		t0 = now_ms();
		ASSERT_EQ(0, kill(one.pid, SIGKILL));
		ASSERT_EQ(one.pid, waitpid(one.pid, &status, 0));
		printf("# exit of one process of %zu VMAs %s a notifier: %.1f ms\n",
		       vmas, i ? "with" : "without", now_ms() - t0);
		if (fd1 >= 0) {
			untrack_file(fd1);
			close(fd1);
		}
	}

	/* NPROCS at once. */
	t0 = now_ms();
	vmas_children(_metadata, c, fds, vmas);
	printf("# %d processes of %zu VMAs, a notifier each, made in %.1f s\n",
	       NPROCS, vmas, (now_ms() - t0) / 1e3);
	ASSERT_EQ(NPROCS, exit_all(_metadata, &e, c, 60000));
	exit_report(_metadata, &e, fds, vmas, "at once", true);

	/*
	 * NPROCS more at once, with another mm stuck in its teardown. They
	 * are forked before the file is mapped: they do not map it.
	 */
	t0 = now_ms();
	vmas_children(_metadata, c, fds, few);
	printf("# %d processes of %zu VMAs, a notifier each, made in %.1f s\n",
	       NPROCS, few, (now_ms() - t0) / 1e3);
	ASSERT_EQ(0, stall_map(&s));
	ASSERT_EQ(0, child_start(&stuck));
	ASSERT_EQ(0, tmn_attach(self->fd, stuck.pid));
	ASSERT_LE(0, tmn_reg(self->fd, TMN_PLAIN, 0, s.map, s.len));
	ASSERT_EQ(0, stall_start(&s))
		TH_LOG("the helper's invalidation did not wait at its gate");
	/*
	 * The stuck process's teardown waits for the file's lock. If it does
	 * not, say what it did instead and whether the gate still held.
	 */
	ASSERT_EQ(0, kill(stuck.pid, SIGKILL));
	t0 = now_ms();
	for (i = 0; i < 500; i++) {
		state = task_state(stuck.pid);
		if (state == 'D')
			break;
		if (state && !strchr(seen, state) && strlen(seen) < sizeof(seen) - 1)
			seen[strlen(seen)] = state;
		usleep(10000);
	}
	gate = tmn_status(s.fd, s.id, &hst) ? "unknown" : hst.held ? "held" : "open";
	ASSERT_EQ('D', state)
		TH_LOG("%d looks in %.1f s: states %s, the gate %s", i,
		       (now_ms() - t0) / 1e3, seen[0] ? seen : "none read", gate);
	/* Less than the 30 s that a gate waits before it opens by itself. */
	done = exit_all(_metadata, &e, c, 20000);
	/*
	 * 6.12 does not promise it: each teardown ends in synchronize_srcu(),
	 * which waits for every callout in the system that is in progress,
	 * the stuck invalidation of the helper's notifier included.
	 */
	if (this_core()) {
		EXPECT_EQ(NPROCS, done)
			TH_LOG("%d of %d exits waited for another mm's teardown",
			       NPROCS - done, NPROCS);
	} else {
		printf("# 6.12: %d of %d exits waited for another mm's stuck invalidation\n",
		       NPROCS - done, NPROCS);
	}
	EXPECT_EQ('D', task_state(stuck.pid));
	EXPECT_EQ(0, stall_end(&s));
	exit_report(_metadata, &e, fds, few, "another mm's teardown stuck",
		    false);
	ASSERT_EQ(stuck.pid, waitpid(stuck.pid, &status, 0));
}

struct lock_arg {
	int fd;
	struct tmn_lock lock;
};

static void *lock_fn(void *p)
{
	struct lock_arg *a = p;

	ioctl(a->fd, TMN_LOCK_MMAP, &a->lock);
	return NULL;
}

/*
 * The last mmu_notifier_put() of a notifier of one mm, whose mmap_lock is
 * held for 5 s, is queued first; a put of a notifier of another mm, and
 * mmu_notifier_synchronize() of built-in code (the benchmark driver's
 * get/put/synchronize), must not wait for the first mm.
 */
TEST_F_TIMEOUT(lifecycle, put_isolation, 60)
{
	struct child a = { .buf = NULL }, b = { .buf = NULL };
	struct lock_arg hold = { .lock = { .ms = 5000 } };
	struct mnb_loop loop = { .iterations = 1 };
	int fdb, ida, idb, bench, status;
	double t0, free_ms, sync_ms;
	long frees, freed_a;
	pthread_t t;

	bench = open(BENCH_FILE, O_RDWR);
	if (bench < 0)
		SKIP(return, "no %s (CONFIG_MMU_NOTIFIER_BENCH)", BENCH_FILE);
	ASSERT_EQ(0, child_start(&a));
	ASSERT_EQ(0, child_start(&b));
	fdb = track_file(tmn_open());
	ASSERT_GE(fdb, 0);
	ASSERT_EQ(0, tmn_attach(self->fd, a.pid));
	ASSERT_EQ(0, tmn_attach(fdb, b.pid));
	ida = tmn_reg(self->fd, TMN_GET, 0, (void *)(64UL << 20), psize);
	idb = tmn_reg(fdb, TMN_GET, 0, (void *)(64UL << 20), psize);
	ASSERT_GE(ida, 0);
	ASSERT_GE(idb, 0);

	hold.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&t, NULL, lock_fn, &hold));
	usleep(300000);
	frees = ioctl(self->fd, TMN_FREES);
	ASSERT_GE(frees, 0);
	/*
	 * The free of a's notifier now waits for a's mmap_lock, where the
	 * free unlinks under the mm's locks; 6.12 unlinks in the put and
	 * frees after a grace period.
	 */
	ASSERT_EQ(0, tmn_unreg(self->fd, ida));
	usleep(200000);
	freed_a = ioctl(self->fd, TMN_FREES) - frees;
	ASSERT_TRUE(freed_a == 0 || (freed_a == 1 && !this_core()));

	t0 = now_ms();
	ASSERT_EQ(0, tmn_unreg(fdb, idb));
	while (ioctl(fdb, TMN_FREES) == frees + freed_a &&
	       now_ms() - t0 < 4000)
		usleep(1000);
	free_ms = now_ms() - t0;
	ASSERT_EQ(frees + freed_a + 1, ioctl(fdb, TMN_FREES))
		TH_LOG("the free of b's notifier waited for a's mm");
	t0 = now_ms();
	ASSERT_EQ(0, ioctl(bench, MNB_GET_PUT, &loop));
	sync_ms = now_ms() - t0;
	printf("# with a's mmap_lock held: b's free after %.1f ms, ", free_ms);
	printf("a built-in get/put/synchronize %.1f ms\n", sync_ms);
	EXPECT_LT(free_ms, 100);
	EXPECT_LT(sync_ms, 100)
		TH_LOG("mmu_notifier_synchronize() of built-in code waited for a's mm");

	ASSERT_EQ(0, pthread_join(t, NULL));
	for (t0 = now_ms(); ioctl(self->fd, TMN_FREES) < frees + 2 &&
	     now_ms() - t0 < 10000;)
		usleep(1000);
	EXPECT_EQ(frees + 2, ioctl(self->fd, TMN_FREES))
		TH_LOG("a's notifier was not freed once its mm was unlocked");
	close(bench);
	untrack_file(fdb);
	close(fdb);
	kill(a.pid, SIGKILL);
	kill(b.pid, SIGKILL);
	waitpid(a.pid, &status, 0);
	waitpid(b.pid, &status, 0);
}

TEST_HARNESS_MAIN
