// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: random and replayable sequences of memory-management calls by
 * several processes and threads, while devices of lib/test_mmu_notifier.c
 * mirror their memory, with an oracle checked after every step.
 *
 * Each seed makes a sequence of operations, a pure function of the seed
 * that never looks at the state it runs on, so that any part of it is a
 * sequence too. The operations come in batches, run at once by the
 * threads of the target processes and by a device thread of this process:
 * mmap (anonymous, shmem, memfd, a file, hugetlb, THP), munmap, mremap,
 * mprotect, madvise (DONTNEED, FREE, PAGEOUT, COLD, COLLAPSE, MERGEABLE
 * and more), writes, fork, exit, move_pages, mbind, userfaultfd copy, move
 * and write-protect, hole punching and truncation, msync, memory.reclaim,
 * compaction, SIGKILL with process_mrelease; and on the device side:
 * register and unregister (plain, interval, shared with get and put,
 * secondary-TLB), notifiers that refuse non-blockable invalidations, that
 * sleep in every blockable one, whose ->release waits at a gate, device
 * faults, reads and writes through the mirror, and closing a device file
 * with its notifiers still registered. Every device is attached to the mm
 * of another process (TMN_ATTACH).
 *
 * After every batch, once all of it returned, for every target process:
 * every valid entry of every device page table maps the page that the
 * process maps at that address (/proc/PID/pagemap), with read access at
 * least, and a write entry only where the process may write that page
 * itself (a writable VMA; for a private one, a page mapped once); what the
 * device reads there is what the process reads; no entry was found to
 * point to a freed page (the driver's late count, -ESTALE); no
 * invalidation is in progress, no end came without its start, no ->release
 * ran on a live mm; the kernel logged no warning, BUG, KASAN or lockdep
 * report (/dev/kmsg). When a process exits, each of its notifiers got
 * ->release exactly once, and each unregistration returns what the driver
 * counted.
 *
 * A failure prints the seed and the batch, then shrinks the sequence (it
 * drops parts of it while the same check still fails) and prints what is
 * left as a reproducer for -r. A kernel report cannot be shrunk in the
 * boot that printed it (lockdep and KASAN report once): its sequence is
 * printed whole.
 *
 *   fuzz                  the selftest run: the shrinker's test, the
 *                         sequences of earlier findings, then the fixed
 *                         seeds 1 to 3, 100 batches each
 *   fuzz -s S -n N -b B   seeds S..S+N-1, B batches each (-t SECS: seeds
 *                         from S on until SECS have passed)
 *   fuzz -r 'OPS'         replay a printed sequence, its operations apart
 *                         by spaces or slashes (-S SECS: shrink it for that
 *                         long if it fails)
 *   fuzz -p               the shrinker's own test: a planted failure
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "tmn.h"

#ifndef MADV_COLD
#define MADV_COLD		20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef UFFDIO_MOVE
#define UFFDIO_MOVE		_IOWR(UFFDIO, 0x05, struct uffdio_move)
#define UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES	((__u64)1 << 1)
struct uffdio_move {
	__u64 dst;
	__u64 src;
	__u64 len;
	__u64 mode;
	__s64 move;
};
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal	424
#endif
#ifndef SYS_process_mrelease
#define SYS_process_mrelease	448
#endif
#define MPOL_BIND		2
#define MPOL_MF_MOVE		2	/* 1 << 1 */

/* Every target maps its memory in one arena: 16 slots of 64 pages. */
#define ARENA		((char *)0x5a0000000000UL)
#define PAGES		1024
#define SLOT_PAGES	64
#define SLOTS		(PAGES / SLOT_PAGES)
#define HUGE		(2UL << 20)
#define TARGETS		2
#define THREADS		2
/* Device files per target: two for data, one for gated notifiers. */
#define FILES		3
#define GATE_FILE	2
#define NOTIFIERS	12
#define MAX_OPS		8192
#define MAX_BATCH	4

enum {
	/* Run by a thread of a target process, on its own mm. */
	T_MAP, T_UNMAP, T_WRITE, T_READ, T_PROTECT, T_ADVISE, T_MREMAP,
	T_FORK, T_REAP, T_MOVE_PAGES, T_MBIND, T_UFFD_COPY, T_UFFD_MOVE,
	T_UFFD_WP, T_PUNCH, T_TRUNC, T_MSYNC, T_EXIT,
	/* Run by the device thread of this process. */
	D_REG, D_UNREG, D_MIRROR, D_READ, D_WRITE, D_TOUCH, D_REOPEN,
	D_RECLAIM, D_COMPACT, D_KILL,
	OPS,
	/* The shrinker's test only: a planted failure. */
	P_MARK = OPS,
};

static const char * const op_names[] = {
	"map", "unmap", "write", "read", "protect", "advise", "mremap",
	"fork", "reap", "move_pages", "mbind", "uffd_copy", "uffd_move",
	"uffd_wp", "punch", "trunc", "msync", "exit",
	"reg", "unreg", "mirror", "dread", "dwrite", "touch", "reopen",
	"reclaim", "compact", "kill", "mark",
};

static const unsigned char op_weight[OPS] = {
	[T_MAP] = 8, [T_UNMAP] = 3, [T_WRITE] = 10, [T_READ] = 4,
	[T_PROTECT] = 5, [T_ADVISE] = 10, [T_MREMAP] = 4, [T_FORK] = 2,
	[T_REAP] = 2, [T_MOVE_PAGES] = 3, [T_MBIND] = 2, [T_UFFD_COPY] = 2,
	[T_UFFD_MOVE] = 2, [T_UFFD_WP] = 3, [T_PUNCH] = 2, [T_TRUNC] = 1,
	[T_MSYNC] = 2, [T_EXIT] = 1,
	[D_REG] = 9, [D_UNREG] = 5, [D_MIRROR] = 14, [D_READ] = 4,
	[D_WRITE] = 3, [D_TOUCH] = 1, [D_REOPEN] = 1, [D_RECLAIM] = 2,
	[D_COMPACT] = 1, [D_KILL] = 1,
};

/*
 * One operation. @join: runs at once with the operation before it (the
 * same batch). @a, @b, @c, @d: arguments, read modulo what each needs.
 */
struct op {
	uint8_t code, tgt, thr, join;
	uint32_t a, b, c, d;
};

struct seq {
	int n;
	struct op op[MAX_OPS];
};

/* A notifier the device side holds on a target's mm. */
struct nf {
	bool used;
	int file, id, kind;
	unsigned int flags;
	char *start;
	long npages;
};

/*
 * What a target's userfaultfd thread did with its last messages, in a page
 * it shares with the fuzzer: a hang prints it, a regression reads it.
 */
#define ULOG_SIZE 16

enum { U_ZEROPAGE = 1, U_COPY, U_PRESENT, U_UNPROTECT, U_UNREGISTER };

struct ulog_entry {
	unsigned long addr;
	unsigned int flags, how;
	/* errno of zeropage or unprotect, of copy, of both unregisters */
	int err[4];
};

struct ulog {
	/* The target can write-protect shmem through userfaultfd. */
	bool shmem_wp;
	/* Messages handled; those that UFFDIO_COPY resolved over a marker. */
	unsigned long n, copies;
	struct ulog_entry e[ULOG_SIZE];
};

struct target {
	pid_t pid;
	int pidfd;
	struct ulog *ulog;
	int cmd[THREADS], rep[THREADS];
	int files[FILES];
	int pagemap, mem;
	int pending[THREADS];
	/* Set by the monitor or the device thread: an exit is under way. */
	bool dying;
	struct nf nf[NOTIFIERS];
};

static struct target tg[TARGETS];
static int kmsg = -1, kpagecount = -1;
static long ps;
static int nodes = 1;
static const char *wb_dir;
static bool have_cgroup;
static bool verbose;
static bool planted;
static unsigned long long ops_run, checks_run;
/* Valid entries of hugetlb pages: in the last check, and at most. */
static long huge_now, huge_max;
/* The first kernel report, wherever it came (between sequences too). */
static char kernel_report[1024];
/* The end of the run's time: shrinking stops there. */
static double deadline = 1e18;

/* The failure of the current run: a class and a message. */
static char fail_class[32];
static char fail_msg[512];

static void failf(const char *class, const char *fmt, ...)
{
	va_list ap;

	if (fail_class[0])
		return;
	snprintf(fail_class, sizeof(fail_class), "%s", class);
	va_start(ap, fmt);
	vsnprintf(fail_msg, sizeof(fail_msg), fmt, ap);
	va_end(ap);
}

/* splitmix64, then xorshift64*: the sequence of a seed, on any machine. */
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void seed_rng(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	rng = (z ^ (z >> 31)) | 1;
}

static void gen(struct seq *s, uint64_t seed, int batches)
{
	unsigned int total = 0, i, w;
	int b, k, n;

	for (i = 0; i < OPS; i++)
		total += op_weight[i];
	seed_rng(seed);
	s->n = 0;
	for (b = 0; b < batches && s->n + MAX_BATCH <= MAX_OPS; b++) {
		n = 1 + rnd() % 3;
		for (k = 0; k < n; k++) {
			struct op *o = &s->op[s->n++];

			w = rnd() % total;
			for (i = 0; w >= op_weight[i]; i++)
				w -= op_weight[i];
			o->code = i;
			o->tgt = rnd() % TARGETS;
			o->thr = rnd() % THREADS;
			o->join = k > 0;
			o->a = rnd();
			o->b = rnd();
			o->c = rnd();
			o->d = rnd();
		}
	}
}

static void print_op(FILE *f, const struct op *o)
{
	fprintf(f, "%s%s:%u:%u:%u:%u:%u:%u", o->join ? "+" : "",
		op_names[o->code], o->tgt, o->thr, o->a, o->b, o->c, o->d);
}

static void print_seq(FILE *f, const struct seq *s, const char *prefix)
{
	int i;

	fprintf(f, "%s", prefix);
	for (i = 0; i < s->n; i++) {
		fputc(i ? ' ' : '\'', f);
		print_op(f, &s->op[i]);
	}
	fprintf(f, "'\n");
}

static int parse_seq(struct seq *s, const char *text)
{
	const char *p = text;
	char name[16];
	int len, i;

	s->n = 0;
	while (*p) {
		struct op *o = &s->op[s->n];
		unsigned int v[6];

		while (*p == ' ' || *p == '\'' || *p == '/')
			p++;
		if (!*p)
			break;
		if (s->n == MAX_OPS)
			return -1;
		o->join = *p == '+';
		if (o->join)
			p++;
		if (sscanf(p, "%15[a-z_]:%u:%u:%u:%u:%u:%u%n", name, &v[0],
			   &v[1], &v[2], &v[3], &v[4], &v[5], &len) != 7)
			return -1;
		for (i = 0; i <= OPS && strcmp(op_names[i], name); i++)
			;
		if (i > OPS || v[0] >= TARGETS || v[1] >= THREADS)
			return -1;
		o->code = i;
		o->tgt = v[0];
		o->thr = v[1];
		o->a = v[2];
		o->b = v[3];
		o->c = v[4];
		o->d = v[5];
		p += len;
		s->n++;
	}
	return s->n ? 0 : -1;
}

/* A range of whole slots: [slot b, +c slots), cut at the arena's end. */
static void slot_range(uint32_t b, uint32_t c, char **addr, size_t *len)
{
	unsigned int first = b % SLOTS, n = 1 + c % 4;

	if (first + n > SLOTS)
		n = SLOTS - first;
	*addr = ARENA + (size_t)first * SLOT_PAGES * ps;
	*len = (size_t)n * SLOT_PAGES * ps;
}

/* ---- the target processes ---- */

static __thread sigjmp_buf fault_jmp;
static __thread int fault_armed;
static int t_memfd = -1, t_file = -1, t_uffd = -1;
static struct ulog *t_ulog;
/* A page of zeroes, the source of what t_zeropage() copies. */
static char *t_zero;
/* The source of UFFDIO_COPY: as large as any slot range. */
static char *t_buf;
static int t_wp_ok;
static pid_t t_kids[2];
/* Both worker threads fork and reap: the children are shared. */
static pthread_mutex_t t_kids_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_fault(int sig)
{
	if (__atomic_load_n(&fault_armed, __ATOMIC_RELAXED))
		siglongjmp(fault_jmp, 1);
	_exit(100 + sig);
}

/*
 * Resolve a missing page with zeroes: how (U_*), or 0 if that failed, with
 * the errnos in @err. In a MAP_PRIVATE mapping 6.12's UFFDIO_ZEROPAGE
 * takes only a none PTE, and answers EEXIST for a uffd-wp marker (left by
 * write-protecting an unpopulated page of a file mapping, or by zapping a
 * write-protected one), while a fault through that marker of a shmem
 * mapping still reports the page missing: waking the fault again would
 * bring it back for ever. UFFDIO_COPY takes a marker's place; with mode 0
 * its page is not write-protected, as the fault handled next would not be.
 */
static int t_zeropage(unsigned long addr, int *err)
{
	struct uffdio_zeropage zp = { .range = { addr, ps }, .mode = 0 };
	struct uffdio_copy copy = { .dst = addr, .src = (uintptr_t)t_zero,
				    .len = ps, .mode = 0 };
	struct uffdio_range r = { addr, ps };
	int how = U_ZEROPAGE;

	if (ioctl(t_uffd, UFFDIO_ZEROPAGE, &zp)) {
		err[0] = errno;
		if (errno != EEXIST)
			return 0;
		how = U_COPY;
		if (ioctl(t_uffd, UFFDIO_COPY, &copy)) {
			err[1] = errno;
			if (errno != EEXIST)
				return 0;
			how = U_PRESENT;
		}
	}
	ioctl(t_uffd, UFFDIO_WAKE, &r);
	return how;
}

static void *t_uffd_thread(void *arg)
{
	struct uffd_msg msg;
	struct pollfd pfd = { .fd = t_uffd, .events = POLLIN };

	(void)arg;
	for (;;) {
		unsigned long addr, n = t_ulog->n;
		struct ulog_entry *e = &t_ulog->e[n % ULOG_SIZE];

		if (poll(&pfd, 1, -1) < 0)
			continue;
		if (read(t_uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		addr = msg.arg.pagefault.address & ~(ps - 1);
		memset(e, 0, sizeof(*e));
		e->addr = addr;
		e->flags = msg.arg.pagefault.flags;
		if (msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) {
			struct uffdio_writeprotect wp = {
				.range = { addr, ps }, .mode = 0 };

			if (!ioctl(t_uffd, UFFDIO_WRITEPROTECT, &wp))
				e->how = U_UNPROTECT;
			else
				e->err[0] = errno;
		} else {
			e->how = t_zeropage(addr, e->err);
		}
		/*
		 * What cannot be resolved (a hugetlb page, a VMA that
		 * changed) leaves userfaultfd, its page alone or, where a
		 * VMA takes no less (hugetlb), its huge page: the fault then
		 * runs as any other, and nothing waits for ever. A range
		 * that meets a VMA without userfaultfd cannot be
		 * unregistered, so the page comes first.
		 */
		if (!e->how) {
			struct uffdio_range r = { addr, ps };

			e->how = U_UNREGISTER;
			if (ioctl(t_uffd, UFFDIO_UNREGISTER, &r)) {
				e->err[2] = errno;
				r = (struct uffdio_range){ addr & ~(HUGE - 1),
							   HUGE };
				if (ioctl(t_uffd, UFFDIO_UNREGISTER, &r))
					e->err[3] = errno;
			}
			ioctl(t_uffd, UFFDIO_WAKE, &r);
		}
		if (e->how == U_COPY)
			t_ulog->copies++;
		/* The entry is whole before the reader counts it. */
		__atomic_store_n(&t_ulog->n, n + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void t_fill(char *p, size_t len, uint32_t v)
{
	size_t i;

	for (i = 0; i < len; i += ps)
		__atomic_store_n((uint64_t *)(p + i), ((uint64_t)v << 20) ^
				 (uintptr_t)(p + i), __ATOMIC_RELAXED);
}

static void t_close_fds(int keep_lo, int keep_hi)
{
	syscall(SYS_close_range, 3, keep_lo - 1, 0);
	syscall(SYS_close_range, keep_hi + 1, ~0U, 0);
}

static long t_uffd_register(char *addr, size_t len, bool wp)
{
	struct uffdio_register reg = {
		.range = { (uintptr_t)addr, len },
		.mode = UFFDIO_REGISTER_MODE_MISSING |
			(wp && t_wp_ok ? UFFDIO_REGISTER_MODE_WP : 0),
	};

	if (t_uffd < 0)
		return -EOPNOTSUPP;
	return ioctl(t_uffd, UFFDIO_REGISTER, &reg) ? -errno : 0;
}

static long t_exec(const struct op *o)
{
	static const int advice[] = {
		MADV_DONTNEED, MADV_FREE, MADV_PAGEOUT, MADV_COLD,
		MADV_COLLAPSE, MADV_MERGEABLE, MADV_UNMERGEABLE,
		MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_WILLNEED,
		MADV_POPULATE_WRITE, MADV_REMOVE,
	};
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE,
		PROT_READ | PROT_WRITE,
	};
	char *addr, *p;
	size_t len, i;
	long ret = 0;

	slot_range(o->b, o->c, &addr, &len);
	if (sigsetjmp(fault_jmp, 1)) {
		__atomic_store_n(&fault_armed, 0, __ATOMIC_RELAXED);
		return -EFAULT;
	}
	__atomic_store_n(&fault_armed, 1, __ATOMIC_RELAXED);
	switch (o->code) {
	case T_MAP: {
		int kind = o->a % 8, flags = MAP_FIXED, fd = -1;
		off_t off = addr - ARENA;

		switch (kind) {
		case 0: case 1:
			flags |= MAP_PRIVATE | MAP_ANONYMOUS;
			break;
		case 2:
			flags |= MAP_SHARED | MAP_ANONYMOUS;
			break;
		case 3:
			flags |= MAP_SHARED;
			fd = t_memfd;
			break;
		case 4:
			flags |= MAP_PRIVATE;
			fd = t_memfd;
			break;
		case 5:
			flags |= (o->a & 8) ? MAP_PRIVATE : MAP_SHARED;
			fd = t_file;
			break;
		case 6:	/* hugetlb: the 2 MiB of the slot */
			addr = (char *)((uintptr_t)addr & ~(HUGE - 1));
			len = HUGE;
			off = 0;
			flags |= MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB;
			break;
		case 7:	/* THP: anonymous, 2 MiB aligned, MADV_HUGEPAGE */
			addr = (char *)((uintptr_t)addr & ~(HUGE - 1));
			len = HUGE;
			flags |= MAP_PRIVATE | MAP_ANONYMOUS;
			break;
		}
		p = mmap(addr, len, PROT_READ | PROT_WRITE, flags, fd,
			 fd < 0 ? 0 : off);
		if (p == MAP_FAILED) {
			ret = -errno;
			break;
		}
		if (kind == 7)
			madvise(addr, len, MADV_HUGEPAGE);
		if (o->d & 1)
			t_fill(addr, len, o->d);
		break;
	}
	case T_UNMAP:
		ret = munmap(addr, len) ? -errno : 0;
		break;
	case T_WRITE:
		p = addr + (size_t)(o->a % SLOT_PAGES) * ps;
		len = (size_t)(1 + o->d % 32) * ps;
		if (p + len > ARENA + PAGES * ps)
			len = ARENA + PAGES * ps - p;
		t_fill(p, len, o->d);
		break;
	case T_READ:
		for (i = 0; i < len; i += ps)
			__atomic_load_n(addr + i, __ATOMIC_RELAXED);
		break;
	case T_PROTECT:
		ret = mprotect(addr, len, prots[o->a % 4]) ? -errno : 0;
		break;
	case T_ADVISE:
		ret = madvise(addr, len, advice[o->a % 12]) ? -errno : 0;
		break;
	case T_MREMAP: {
		char *dst = ARENA + (size_t)(o->d % SLOTS) * SLOT_PAGES * ps;
		size_t dlen = len;
		int flags = MREMAP_MAYMOVE | MREMAP_FIXED;

		if (o->a & 1)	/* move it, leaving an empty VMA behind */
			flags |= MREMAP_DONTUNMAP;
		if (o->a & 2) {	/* shrink or grow in place */
			dlen = (size_t)(1 + o->a / 4 % 4) * SLOT_PAGES * ps;
			if (addr + dlen > ARENA + PAGES * ps)
				dlen = ARENA + PAGES * ps - addr;
			p = mremap(addr, len, dlen, 0);
		} else if (dst + dlen <= ARENA + PAGES * ps &&
			   (dst >= addr + len || addr >= dst + dlen)) {
			p = mremap(addr, len, dlen, flags, dst);
		} else {
			p = MAP_FAILED;
			errno = EINVAL;
		}
		ret = p == MAP_FAILED ? -errno : 0;
		break;
	}
	case T_FORK: {
		int k, done[2];
		pid_t pid;
		char c;

		pthread_mutex_lock(&t_kids_lock);
		k = t_kids[0] ? (t_kids[1] ? -1 : 1) : 0;
		if (k < 0) {
			kill(t_kids[0], SIGKILL);
			waitpid(t_kids[0], NULL, 0);
			t_kids[0] = t_kids[1];
			t_kids[1] = 0;
			k = 1;
		}
		/* The child says when its writes are done. */
		if (pipe(done)) {
			ret = -errno;
			pthread_mutex_unlock(&t_kids_lock);
			break;
		}
		pid = fork();
		if (pid < 0) {
			ret = -errno;
			close(done[0]);
			close(done[1]);
			pthread_mutex_unlock(&t_kids_lock);
			break;
		}
		if (!pid) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			__atomic_store_n(&fault_armed, 1, __ATOMIC_RELAXED);
			/* The child writes too: copy-on-write from both sides. */
			if (!sigsetjmp(fault_jmp, 1) && (o->a & 1))
				t_fill(addr, len, o->d ^ 0x5555);
			__atomic_store_n(&fault_armed, 0, __ATOMIC_RELAXED);
			if (write(done[1], "", 1) != 1)
				_exit(0);
			t_close_fds(3, 2);
			for (;;)
				pause();
		}
		close(done[1]);
		if (read(done[0], &c, 1) != 1)
			ret = -ECHILD;
		close(done[0]);
		t_kids[k] = pid;
		pthread_mutex_unlock(&t_kids_lock);
		break;
	}
	case T_REAP:
		pthread_mutex_lock(&t_kids_lock);
		if (t_kids[0]) {
			kill(t_kids[0], SIGKILL);
			waitpid(t_kids[0], NULL, 0);
			t_kids[0] = t_kids[1];
			t_kids[1] = 0;
		}
		pthread_mutex_unlock(&t_kids_lock);
		break;
	case T_MOVE_PAGES: {
		void *pages[4 * SLOT_PAGES];
		int node[4 * SLOT_PAGES], status[4 * SLOT_PAGES];
		size_t n = len / ps;

		for (i = 0; i < n; i++) {
			pages[i] = addr + i * ps;
			node[i] = (o->d + i / 16) % nodes;
		}
		ret = syscall(SYS_move_pages, 0, n, pages, node, status,
			      MPOL_MF_MOVE) < 0 ? -errno : 0;
		break;
	}
	case T_MBIND: {
		unsigned long mask = 1UL << (o->d % nodes);

		ret = syscall(SYS_mbind, addr, len, MPOL_BIND, &mask,
			      sizeof(mask) * 8, MPOL_MF_MOVE) ? -errno : 0;
		break;
	}
	case T_UFFD_COPY: {
		struct uffdio_copy copy = {
			.dst = (uintptr_t)addr, .src = (uintptr_t)t_buf,
			.len = len, .mode = 0 };

		if (!t_buf)
			t_buf = mmap(NULL, 4 * SLOT_PAGES * ps,
				     PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (t_buf == MAP_FAILED) {
			t_buf = NULL;
			ret = -ENOMEM;
			break;
		}
		p = mmap(addr, len, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			ret = -errno;
			break;
		}
		ret = t_uffd_register(addr, len, o->a & 1);
		if (ret)
			break;
		for (i = 0; i < len; i += ps)
			*(uint64_t *)(t_buf + i) = o->d + i;
		/* Some of it only: the rest faults through the handler. */
		copy.len = (size_t)(1 + o->a / 2 % (len / ps)) * ps;
		ret = ioctl(t_uffd, UFFDIO_COPY, &copy) ? -errno : 0;
		break;
	}
	case T_UFFD_MOVE: {
		char *src = ARENA + (size_t)(o->d % SLOTS) * SLOT_PAGES * ps;
		struct uffdio_move mv = {
			.dst = (uintptr_t)addr, .src = (uintptr_t)src,
			.len = SLOT_PAGES * ps,
			.mode = UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES };

		if (src == addr) {
			ret = -EINVAL;
			break;
		}
		p = mmap(addr, mv.len, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			ret = -errno;
			break;
		}
		ret = t_uffd_register(addr, mv.len, false);
		if (!ret)
			ret = ioctl(t_uffd, UFFDIO_MOVE, &mv) ? -errno : 0;
		break;
	}
	case T_UFFD_WP: {
		struct uffdio_writeprotect wp = {
			.range = { (uintptr_t)addr, len },
			.mode = o->a & 1 ? UFFDIO_WRITEPROTECT_MODE_WP : 0 };

		if (!t_wp_ok) {
			ret = -EOPNOTSUPP;
			break;
		}
		t_uffd_register(addr, len, true);
		ret = ioctl(t_uffd, UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
		break;
	}
	case T_PUNCH: {
		int fd = o->a & 1 ? t_file : t_memfd;

		ret = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				addr - ARENA, len) ? -errno : 0;
		break;
	}
	case T_TRUNC: {
		int fd = o->a & 1 ? t_file : t_memfd;

		/* Cut the file back to the slot, then let it grow again. */
		ret = ftruncate(fd, addr - ARENA) ? -errno : 0;
		if (ftruncate(fd, (off_t)PAGES * ps) && !ret)
			ret = -errno;
		break;
	}
	case T_MSYNC:
		ret = msync(addr, len, o->a & 1 ? MS_SYNC : MS_ASYNC) ?
		      -errno : 0;
		break;
	case T_EXIT:
		syscall(SYS_exit_group, 0);
		break;
	default:
		ret = -EINVAL;
	}
	__atomic_store_n(&fault_armed, 0, __ATOMIC_RELAXED);
	return ret;
}

struct t_thread {
	int cmd, rep;
};

static void *t_worker(void *arg)
{
	struct t_thread *t = arg;
	struct op o;
	long ret;

	while (read(t->cmd, &o, sizeof(o)) == sizeof(o)) {
		ret = t_exec(&o);
		if (write(t->rep, &ret, sizeof(ret)) != sizeof(ret))
			break;
	}
	syscall(SYS_exit_group, 0);
	return NULL;
}

/* The target's life: fds 100..103 are its command and reply pipes. */
static void target_main(void)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_MISSING_SHMEM |
			    UFFD_FEATURE_WP_HUGETLBFS_SHMEM,
	};
	static struct t_thread th[THREADS];
	struct sigaction sa = { .sa_handler = on_fault };
	pthread_t tid;
	char *p;
	int i;

	t_close_fds(100, 100 + 2 * THREADS - 1);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	t_memfd = memfd_create("fuzz", 0);
	if (t_memfd >= 0 && ftruncate(t_memfd, (off_t)PAGES * ps))
		_exit(90);
	if (wb_dir) {
		char path[256];

		snprintf(path, sizeof(path), "%s/fuzz-%d", wb_dir, getpid());
		t_file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		unlink(path);
	}
	if (t_file < 0)
		t_file = memfd_create("fuzz-file", 0);
	if (t_file < 0 || ftruncate(t_file, (off_t)PAGES * ps))
		_exit(91);
	t_uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (t_uffd >= 0 && ioctl(t_uffd, UFFDIO_API, &api)) {
		/* An older kernel: ask again, for what it has. */
		close(t_uffd);
		t_uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		api.features = 0;
		if (t_uffd >= 0 && ioctl(t_uffd, UFFDIO_API, &api)) {
			close(t_uffd);
			t_uffd = -1;
		}
	}
	t_wp_ok = t_uffd >= 0 && (api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP);
	t_ulog->shmem_wp = t_wp_ok &&
			   (api.features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM);
	p = mmap(ARENA, PAGES * ps, PROT_READ | PROT_WRITE,
		 MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != ARENA)
		_exit(92);
	t_fill(ARENA, PAGES * ps, getpid());
	t_zero = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t_zero == MAP_FAILED)
		_exit(96);
	if (t_uffd >= 0 &&
	    pthread_create(&tid, NULL, t_uffd_thread, NULL))
		_exit(93);
	for (i = 0; i < THREADS; i++) {
		th[i].cmd = 100 + 2 * i;
		th[i].rep = 101 + 2 * i;
		if (i && pthread_create(&tid, NULL, t_worker, &th[i]))
			_exit(94);
	}
	t_worker(&th[0]);
}

static int open_file(pid_t pid)
{
	int fd = tmn_open();

	if (fd < 0)
		return -1;
	if (tmn_attach(fd, pid)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int spawn(struct target *t)
{
	int cmd[THREADS][2], rep[THREADS][2], i;
	char path[64];
	pid_t pid;

	if (t->ulog)
		munmap(t->ulog, sizeof(*t->ulog));
	memset(t, 0, sizeof(*t));
	t->ulog = mmap(NULL, sizeof(*t->ulog), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t->ulog == MAP_FAILED) {
		t->ulog = NULL;
		return -1;
	}
	for (i = 0; i < THREADS; i++)
		if (pipe2(cmd[i], O_CLOEXEC) || pipe2(rep[i], O_CLOEXEC))
			return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		/* The fuzzer's on_term() is not the target's. */
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		t_ulog = t->ulog;
		for (i = 0; i < THREADS; i++) {
			dup2(cmd[i][0], 100 + 2 * i);
			dup2(rep[i][1], 101 + 2 * i);
		}
		target_main();
		_exit(95);
	}
	for (i = 0; i < THREADS; i++) {
		close(cmd[i][0]);
		close(rep[i][1]);
		t->cmd[i] = cmd[i][1];
		t->rep[i] = rep[i][0];
	}
	t->pid = pid;
	t->pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (have_cgroup) {
		FILE *f = fopen("/sys/fs/cgroup/fuzz/cgroup.procs", "w");

		if (f) {
			fprintf(f, "%d\n", pid);
			fclose(f);
		}
	}
	/* Its arena must be there before the device attaches. */
	for (i = 0; i < 1000; i++) {
		FILE *f;
		char line[256];
		bool found = false;

		snprintf(path, sizeof(path), "/proc/%d/maps", pid);
		f = fopen(path, "r");
		if (!f)
			return -1;
		while (!found && fgets(line, sizeof(line), f))
			found = strtoul(line, NULL, 16) == (uintptr_t)ARENA;
		fclose(f);
		if (found)
			break;
		usleep(2000);
	}
	for (i = 0; i < FILES; i++) {
		t->files[i] = open_file(pid);
		if (t->files[i] < 0)
			return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	t->pagemap = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	t->mem = open(path, O_RDONLY | O_CLOEXEC);
	return t->pagemap < 0 || t->mem < 0 ? -1 : 0;
}

/* ---- the device side ---- */

static struct nf *nf_pick(struct target *t, uint32_t a)
{
	int i, n = 0, k;

	for (i = 0; i < NOTIFIERS; i++)
		n += t->nf[i].used;
	if (!n)
		return NULL;
	k = a % n;
	for (i = 0; i < NOTIFIERS; i++)
		if (t->nf[i].used && !k--)
			return &t->nf[i];
	return NULL;
}

/*
 * What TMN_UNREGISTER must return: a plain or secondary-TLB notifier's
 * ->release ran exactly once (by the unregistration on a live mm, by the
 * exit otherwise); an interval notifier saw the RELEASE invalidation of
 * an exit, if there was one; a shared notifier's put says nothing.
 */
static void unreg_check(struct target *t, struct nf *n, bool exited)
{
	int ret = tmn_unreg(t->files[n->file], n->id);

	if (n->kind == TMN_INTERVAL) {
		if (ret < 0 || ret > 1 || (exited && ret != 1) ||
		    (!exited && !t->dying && ret != 0))
			failf("release", "interval notifier %d: unregister returned %d (%s mm)",
			      n->id, ret, exited ? "exited" : "live");
	} else if (n->kind == TMN_GET) {
		if (ret)
			failf("release", "shared notifier %d: put returned %d",
			      n->id, ret);
	} else if (ret != 1) {
		failf("release", "notifier %d (kind %d, flags %#x): ->release ran %d times (%s mm)",
		      n->id, n->kind, n->flags, ret,
		      exited ? "exited" : "live");
	}
	n->used = false;
}

static void d_exec(const struct op *o)
{
	struct target *t = &tg[o->tgt];
	struct nf *n;
	char *addr;
	size_t len;
	long ret = 0;

	if (!t->pid || t->dying)
		return;
	slot_range(o->b, o->c, &addr, &len);
	switch (o->code) {
	case D_REG: {
		static const int kinds[] = {
			TMN_PLAIN, TMN_INTERVAL, TMN_GET, TMN_TLB, TMN_PLAIN,
			TMN_INTERVAL,
		};
		int kind = kinds[o->a % 6], i, id;
		unsigned int flags = 0;
		int file = o->a / 8 % 2;

		for (i = 0; i < NOTIFIERS && t->nf[i].used; i++)
			;
		if (i == NOTIFIERS)
			break;
		if (kind != TMN_TLB) {
			if (o->a & 0x100)
				flags |= TMN_FAIL_NONBLOCK;
			if (o->a & 0x200)
				flags |= TMN_SLEEP_START;
		}
		if (kind == TMN_PLAIN && !(o->a & 0xc00)) {
			/* ->release waits at the gate, opened by the monitor. */
			flags = TMN_HOLD_RELEASE;
			file = GATE_FILE;
		}
		if (kind == TMN_GET) {
			/* One per mm and set of ops: the window is the arena. */
			addr = ARENA;
			len = PAGES * ps;
		}
		id = tmn_reg(t->files[file], kind, flags, addr, len);
		if (id < 0)
			break;
		t->nf[i] = (struct nf){ true, file, id, kind, flags, addr,
					len / ps };
		break;
	}
	case D_UNREG:
		n = nf_pick(t, o->a);
		if (n)
			unreg_check(t, n, false);
		break;
	case D_MIRROR:
	case D_READ:
	case D_WRITE:
	case D_TOUCH: {
		long first, cnt;
		char buf[64];

		n = nf_pick(t, o->a);
		if (!n)
			break;
		first = o->b % n->npages;
		cnt = 1 + o->c % 128;
		if (first + cnt > n->npages)
			cnt = n->npages - first;
		addr = n->start + first * ps;
		if (o->code == D_MIRROR) {
			ret = tmn_mirror(t->files[n->file], n->id, addr, cnt,
					 o->d & 1);
		} else if (o->code == D_TOUCH) {
			ret = tmn_touch(t->files[n->file], n->id, addr, cnt);
		} else if (o->code == D_READ) {
			ret = tmn_read(t->files[n->file], n->id,
				       addr + o->d % (ps - 64), buf, 64);
		} else {
			memset(buf, o->d, sizeof(buf));
			ret = tmn_write(t->files[n->file], n->id,
					addr + o->d % (ps - 64), buf, 64);
		}
		if (ret == -ESTALE)
			failf("stale", "a device %s through notifier %d at %p reached a freed page",
			      op_names[o->code], n->id, addr);
		break;
	}
	case D_REOPEN: {
		int file = o->a % FILES, i;

		/* Closing unregisters what the file still holds. */
		close(t->files[file]);
		for (i = 0; i < NOTIFIERS; i++)
			if (t->nf[i].used && t->nf[i].file == file)
				t->nf[i].used = false;
		t->files[file] = open_file(t->pid);
		if (t->files[file] < 0)
			failf("setup", "cannot attach a device to pid %d",
			      t->pid);
		break;
	}
	case D_RECLAIM:
		if (have_cgroup)
			tmn_write_file("/sys/fs/cgroup/fuzz/memory.reclaim",
				       o->d & 1 ? "1M" : "4M");
		break;
	case D_COMPACT:
		tmn_write_file("/proc/sys/vm/compact_memory", "1");
		break;
	case D_KILL:
		__atomic_store_n(&t->dying, true, __ATOMIC_RELEASE);
		kill(t->pid, SIGKILL);
		if (t->pidfd >= 0 && (o->a & 1)) {
			/* Reap its memory now, as an OOM killer in user space. */
			int i;

			for (i = 0; i < 100; i++) {
				if (!syscall(SYS_process_mrelease, t->pidfd, 0) ||
				    errno != EINVAL)
					break;
				usleep(1000);
			}
		}
		break;
	}
	(void)ret;
}

struct batch {
	const struct op *op;
	int n;
};

static void *d_thread(void *arg)
{
	struct batch *b = arg;
	int i;

	for (i = 0; i < b->n; i++)
		if (b->op[i].code >= D_REG && b->op[i].code < OPS)
			d_exec(&b->op[i]);
	return NULL;
}

/* Open the gates a ->release waits at: the monitor's part of a batch. */
static void open_gates(void)
{
	struct tmn_status st;
	int i, id;

	for (i = 0; i < TARGETS; i++) {
		if (!tg[i].pid)
			continue;
		for (id = 0; id < TMN_MAX_NOTIFIERS; id++) {
			if (tmn_status(tg[i].files[GATE_FILE], id, &st))
				continue;
			if (st.held)
				ioctl(tg[i].files[GATE_FILE], TMN_OPEN_GATE, &id);
		}
	}
}

/* ---- the oracle ---- */

static void kmsg_check(void)
{
	static const char * const bad[] = {
		"WARNING:", "BUG:", "KASAN", "UBSAN", "kernel BUG",
		"possible circular locking", "possible recursive locking",
		"inconsistent lock state", "suspicious RCU usage",
		"Oops", "general protection fault", "list_add corruption",
		"list_del corruption", "page dumped because",
		"a gate was not opened", "a callout still runs",
	};
	char rec[1024];
	ssize_t n;
	size_t i;

	if (kmsg < 0)
		return;
	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 ||
	       (n < 0 && errno == EPIPE)) {
		char *msg;

		if (n <= 0)
			continue;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (i = 0; i < ARRAY_SIZE(bad); i++)
			if (strstr(msg, bad[i])) {
				msg[strcspn(msg, "\n")] = 0;
				if (!kernel_report[0])
					snprintf(kernel_report,
						 sizeof(kernel_report), "%s", msg);
				failf("kernel", "the kernel logged: %s", msg);
			}
	}
}

struct vma {
	uintptr_t start, end;
	bool r, w, shared;
};

static int read_maps(pid_t pid, struct vma *v, int max)
{
	char path[64], line[512], perm[8];
	unsigned long s, e;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perm) != 3)
			continue;
		if (e <= (uintptr_t)ARENA || s >= (uintptr_t)ARENA + PAGES * ps)
			continue;
		v[n++] = (struct vma){ s, e, perm[0] == 'r', perm[1] == 'w',
				       perm[3] == 's' };
	}
	fclose(f);
	return n;
}

static const struct vma *find_vma(const struct vma *v, int n, uintptr_t a)
{
	int i;

	for (i = 0; i < n; i++)
		if (a >= v[i].start && a < v[i].end)
			return &v[i];
	return NULL;
}

static uint64_t page_count(uint64_t pfn)
{
	uint64_t c = 0;

	if (kpagecount < 0 ||
	    pread(kpagecount, &c, sizeof(c), pfn * 8) != sizeof(c))
		return 0;
	return c;
}

/* Why a device entry is wrong, or NULL. */
static const char *entry_wrong(uint64_t pte, uint64_t pm,
			       const struct vma *v)
{
	uint64_t pfn = pte >> TMN_PFN_SHIFT;

	if (!v)
		return "the process maps nothing there";
	if (!v->r)
		return "the process may not read there";
	if (!(pm & PM_PRESENT))
		return pm & PM_SWAP ? "the page is swapped out" :
				      "the process maps no page there";
	if (PM_PFN(pm) != pfn)
		return "the process maps another page there";
	if (pte & TMN_PTE_WRITE) {
		if (!v->w)
			return "a write entry where the process may not write";
		if (!v->shared && page_count(pfn) > 1)
			return "a write entry on a private page mapped more than once";
	}
	return NULL;
}

/*
 * Is entry @k of the notifier of @r still @want, but for its young bit
 * (which a device read sets)? Takes the notifier's table again into @buf.
 */
static bool entry_kept(int fd, struct tmn_range *r, uint64_t *buf, long k,
		       uint64_t want)
{
	uint64_t ptr = r->ptr;
	bool kept;

	r->ptr = (uintptr_t)buf;
	kept = !ioctl(fd, TMN_SNAPSHOT, r) &&
	       !((buf[k] ^ want) & ~(uint64_t)TMN_PTE_YOUNG);
	r->ptr = ptr;
	return kept;
}

static void check_target(int ti, int batch)
{
	static uint64_t pm[PAGES], snap[PAGES], again[PAGES];
	struct target *t = &tg[ti];
	struct vma v[256];
	int nv, i, samples = 0;

	nv = read_maps(t->pid, v, 256);
	if (nv < 0 ||
	    pread(t->pagemap, pm, sizeof(pm), (uintptr_t)ARENA / ps * 8) !=
	    sizeof(pm)) {
		failf("setup", "cannot read the maps of pid %d", t->pid);
		return;
	}
	for (i = 0; i < NOTIFIERS; i++) {
		struct nf *n = &t->nf[i];
		int fd = t->files[n->file];
		struct tmn_status st;
		struct tmn_range r;
		long k;
		int w;

		if (!n->used)
			continue;
		if (tmn_status(fd, n->id, &st)) {
			failf("setup", "no status of notifier %d", n->id);
			return;
		}
		if (st.late)
			failf("late",
			      "notifier %d (kind %d): %llu entries pointed to a freed page when dropped",
			      n->id, n->kind, (unsigned long long)st.late);
		/*
		 * Any invalidation of the mm counts, ksmd's and khugepaged's
		 * too: only one that does not end is wrong.
		 */
		for (w = 0; st.active && w < 100; w++) {
			usleep(10000);
			if (tmn_status(fd, n->id, &st))
				break;
		}
		if (st.active)
			failf("active", "notifier %d (kind %d): %u invalidations still in progress",
			      n->id, n->kind, st.active);
		if (st.releases)
			failf("release",
			      "notifier %d (kind %d): ->release ran %llu times on a live mm",
			      n->id, n->kind, (unsigned long long)st.releases);
		if (st.held)
			failf("active", "notifier %d: %u callouts wait at its gate",
			      n->id, st.held);
		r = (struct tmn_range){ .id = n->id, .addr = (uintptr_t)n->start,
					.npages = n->npages,
					.ptr = (uintptr_t)snap };
		if (ioctl(fd, TMN_SNAPSHOT, &r)) {
			failf("setup", "no snapshot of notifier %d", n->id);
			return;
		}
		for (k = 0; k < n->npages; k++) {
			uintptr_t a = (uintptr_t)n->start + k * ps;
			long pi = (a - (uintptr_t)ARENA) / ps;
			const struct vma *vm = find_vma(v, nv, a);
			const char *why;
			uint64_t pm2;

			if (!(snap[k] & TMN_PTE_VALID))
				continue;
			huge_now += !!(snap[k] & TMN_PTE_HUGE);
			why = entry_wrong(snap[k], pm[pi], vm);
			if (why) {
				/*
				 * Something in the background (khugepaged,
				 * ksmd, kcompactd, reclaim) may have changed
				 * the page since: that is wrong only if the
				 * entry is still there after the page moved.
				 */
				/* A TLB is flushed after its PTE changed. */
				if (n->kind == TMN_TLB)
					usleep(20000);
				nv = read_maps(t->pid, v, 256);
				vm = find_vma(v, nv, a);
				if (pread(t->pagemap, &pm2, 8,
					  a / ps * 8) != 8)
					continue;
				/* Wrong now, with the entry still there after. */
				why = entry_wrong(snap[k], pm2, vm);
				if (why && entry_kept(fd, &r, again, k, snap[k]))
					failf("coherence",
					      "notifier %d (kind %d, flags %#x), %#lx: device entry %#llx, pagemap %#llx: %s",
					      n->id, n->kind, n->flags,
					      (unsigned long)a,
					      (unsigned long long)snap[k],
					      (unsigned long long)pm2, why);
				continue;
			}
			/* What the device reads there, the process reads. */
			if (samples < 4 && (k + batch) % 7 == 0) {
				char dev[256], proc[256];
				int ret;

				samples++;
				ret = tmn_read(fd, n->id, (void *)a, dev,
					       sizeof(dev));
				if (ret == -ESTALE)
					failf("stale",
					      "notifier %d, %#lx: a device read reached a freed page",
					      n->id, (unsigned long)a);
				if (ret ||
				    pread(t->mem, proc, sizeof(proc), a) !=
				    sizeof(proc) || !memcmp(dev, proc, sizeof(dev)))
					continue;
				/* Read both again, then the entry must be kept. */
				if (tmn_read(fd, n->id, (void *)a, dev,
					     sizeof(dev)) ||
				    pread(t->mem, proc, sizeof(proc), a) !=
				    sizeof(proc) || !memcmp(dev, proc, sizeof(dev)) ||
				    !entry_kept(fd, &r, again, k, snap[k]))
					continue;
				failf("coherence",
				      "notifier %d (kind %d), %#lx: the device reads %#llx, the process %#llx",
				      n->id, n->kind, (unsigned long)a,
				      (unsigned long long)*(uint64_t *)dev,
				      (unsigned long long)*(uint64_t *)proc);
			}
		}
		/* No end without its start, in what the log kept. */
		{
			static struct tmn_event ev[TMN_LOG_MAX];
			struct tmn_events e = { .id = n->id,
						.count = TMN_LOG_MAX,
						.ptr = (uintptr_t)ev };
			unsigned int j;

			if (!ioctl(fd, TMN_EVENTS, &e))
				for (j = 0; j < e.count; j++)
					if (ev[j].flags & TMN_EVF_UNPAIRED)
						failf("pairing",
						      "notifier %d: an end of [%#llx, %#llx) event %u without its start",
						      n->id,
						      (unsigned long long)ev[j].start,
						      (unsigned long long)ev[j].end,
						      ev[j].event);
		}
	}
}

/* A hang: what a target's userfaultfd holds, and what its thread did. */
static void dump_uffd(int ti)
{
	struct target *t = &tg[ti];
	char path[320], link[64], line[128];
	unsigned long n, i;
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", t->pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		ssize_t len;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/fd/%s", t->pid,
			 d->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (!strstr(link, "userfaultfd"))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", t->pid,
			 d->d_name);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "pending", 7) ||
			    !strncmp(line, "total", 5))
				ksft_print_msg("target %d userfaultfd %s", ti,
					       line);
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	if (!t->ulog)
		return;
	n = __atomic_load_n(&t->ulog->n, __ATOMIC_ACQUIRE);
	ksft_print_msg("target %d: %lu userfaultfd messages\n", ti, n);
	/* The oldest entry may be the one the thread is writing. */
	for (i = n >= ULOG_SIZE ? n - ULOG_SIZE + 1 : 0; i < n; i++) {
		struct ulog_entry *e = &t->ulog->e[i % ULOG_SIZE];

		ksft_print_msg("  #%lu %#lx flags %#x: how %u, errno %d %d %d %d\n",
			       i, e->addr, e->flags, e->how, e->err[0],
			       e->err[1], e->err[2], e->err[3]);
	}
}

/*
 * A target that exited: every notifier got ->release once (plain,
 * shared, secondary-TLB) or the RELEASE invalidation (interval); then it
 * is unregistered and the target replaced.
 */
static void reap_target(int ti)
{
	struct target *t = &tg[ti];
	struct tmn_status st;
	int i;

	for (i = 0; i < NOTIFIERS; i++) {
		struct nf *n = &t->nf[i];

		if (!n->used)
			continue;
		if (n->kind != TMN_INTERVAL) {
			int w;

			/*
			 * The exit's teardown runs in whoever held the mm
			 * last: give a straggler a moment.
			 */
			for (w = 0; w < 200; w++) {
				if (tmn_status(t->files[n->file], n->id, &st) ||
				    st.releases)
					break;
				open_gates();
				usleep(10000);
			}
			if (tmn_status(t->files[n->file], n->id, &st))
				failf("setup", "no status of notifier %d", n->id);
			else if (st.releases != 1)
				failf("release",
				      "notifier %d (kind %d, flags %#x): ->release ran %llu times at exit",
				      n->id, n->kind, n->flags,
				      (unsigned long long)st.releases);
			else if (st.active || st.held)
				failf("active",
				      "notifier %d: %u invalidations, %u gated callouts left after exit",
				      n->id, st.active, st.held);
		}
		unreg_check(t, n, true);
	}
	for (i = 0; i < FILES; i++)
		close(t->files[i]);
	for (i = 0; i < THREADS; i++) {
		close(t->cmd[i]);
		close(t->rep[i]);
	}
	close(t->pagemap);
	close(t->mem);
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pid = 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double batch_limit = 60;

/*
 * Run one batch: the targets' operations go down their pipes, the device
 * thread runs the device ones meanwhile, and the monitor waits for all of
 * them, opening the gates a ->release waits at.
 */
static void run_batch(const struct op *op, int n)
{
	struct batch b = { op, n };
	bool exited[TARGETS] = { false };
	bool dev = false, dev_done, dying;
	double t0 = now(), gates = t0 + 0.05;
	pthread_t dt;
	int i, k;

	for (i = 0; i < n; i++) {
		struct target *t = &tg[op[i].tgt];

		ops_run++;
		if (op[i].code == P_MARK) {
			planted = true;
			continue;
		}
		if (op[i].code >= D_REG) {
			dev = true;
			continue;
		}
		if (!t->pid || t->dying)
			continue;
		if (op[i].code == T_EXIT)
			t->dying = true;
		if (write(t->cmd[op[i].thr], &op[i], sizeof(op[i])) ==
		    sizeof(op[i]))
			t->pending[op[i].thr]++;
	}
	dev_done = !dev;
	if (dev && pthread_create(&dt, NULL, d_thread, &b)) {
		failf("setup", "no device thread");
		return;
	}
	for (;;) {
		bool busy = !dev_done;

		if (!dev_done && !pthread_tryjoin_np(dt, NULL))
			dev_done = true;
		for (i = 0; i < TARGETS; i++) {
			struct target *t = &tg[i];
			int status;

			if (!t->pid || exited[i])
				continue;
			for (k = 0; k < THREADS; k++) {
				struct pollfd p = { .fd = t->rep[k],
						   .events = POLLIN };
				long ret;

				while (t->pending[k] && poll(&p, 1, 0) == 1 &&
				       read(t->rep[k], &ret, sizeof(ret)) ==
				       sizeof(ret))
					t->pending[k]--;
				if (t->pending[k])
					busy = true;
			}
			dying = __atomic_load_n(&t->dying, __ATOMIC_ACQUIRE);
			if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
				/* A kill of the device thread may have come since. */
				if (!dying && !__atomic_load_n(&t->dying,
							       __ATOMIC_ACQUIRE))
					failf("setup", "target %d died: status %#x",
					      t->pid, status);
				exited[i] = true;
				t->dying = true;
				memset(t->pending, 0, sizeof(t->pending));
			} else if (dying) {
				busy = true;
			}
		}
		if (!busy)
			break;
		if (now() > gates) {
			open_gates();
			gates = now() + 0.02;
		}
		if (now() - t0 > batch_limit) {
			failf("hang", "a batch did not return in %.0f s",
			      batch_limit);
			/* Who did not return, and every task's stack. */
			for (i = 0; i < TARGETS * THREADS; i++)
				if (tg[i / THREADS].pid &&
				    tg[i / THREADS].pending[i % THREADS])
					ksft_print_msg("target %d thread %d did not return\n",
						       i / THREADS, i % THREADS);
			if (!dev_done)
				ksft_print_msg("the device thread did not return\n");
			for (i = 0; i < TARGETS; i++)
				if (tg[i].pid)
					dump_uffd(i);
			tmn_write_file("/proc/sysrq-trigger", "t");
			/*
			 * Kill the targets, which wakes what waits for their
			 * userfaultfd, and keep the gates open until the
			 * device thread is back.
			 */
			for (i = 0; i < TARGETS; i++)
				if (tg[i].pid)
					kill(tg[i].pid, SIGKILL);
			while (!dev_done) {
				open_gates();
				usleep(20000);
				dev_done = !pthread_tryjoin_np(dt, NULL);
			}
			break;
		}
		usleep(1000);
	}
	for (i = 0; i < TARGETS; i++)
		if (exited[i])
			reap_target(i);
}

/*
 * End every target, opening the gates their exits wait at meanwhile, and
 * check their notifiers as at any exit.
 */
static void stop_targets(void)
{
	double t0 = now();
	int i;

	for (i = 0; i < TARGETS; i++) {
		if (!tg[i].pid)
			continue;
		tg[i].dying = true;
		kill(tg[i].pid, SIGKILL);
		while (waitpid(tg[i].pid, NULL, WNOHANG) != tg[i].pid) {
			if (now() - t0 > batch_limit) {
				failf("hang", "target %d did not exit in %.0f s",
				      tg[i].pid, batch_limit);
				tmn_write_file("/proc/sysrq-trigger", "w");
				waitpid(tg[i].pid, NULL, 0);
				break;
			}
			open_gates();
			usleep(5000);
		}
		reap_target(i);
	}
	kmsg_check();
}

/*
 * Run a sequence from fresh targets. Returns the number of operations
 * run when it failed (fail_class set), or -1 if it passed.
 */
static int run_seq(const struct seq *s)
{
	int i, j, ti;

	fail_class[0] = 0;
	planted = false;
	huge_now = 0;
	huge_max = 0;
	/* A report since the last sequence ended is this one's failure. */
	kmsg_check();
	if (fail_class[0])
		return 0;
	for (ti = 0; ti < TARGETS; ti++)
		if (spawn(&tg[ti])) {
			failf("setup", "cannot start a target process");
			stop_targets();
			return 0;
		}
	for (i = 0; i < s->n; i = j) {
		for (j = i + 1; j < s->n && s->op[j].join; j++)
			;
		if (verbose) {
			fprintf(stderr, "# batch at %d:", i);
			for (ti = i; ti < j; ti++) {
				fputc(' ', stderr);
				print_op(stderr, &s->op[ti]);
			}
			fputc('\n', stderr);
		}
		run_batch(&s->op[i], j - i);
		huge_now = 0;
		for (ti = 0; ti < TARGETS && !fail_class[0]; ti++) {
			if (!tg[ti].pid && spawn(&tg[ti]))
				failf("setup", "cannot start a target process");
			else
				check_target(ti, i);
		}
		checks_run++;
		if (huge_now > huge_max)
			huge_max = huge_now;
		kmsg_check();
		/* The shrinker's test: a map then a planted mark fails. */
		if (planted && i > 0 && !fail_class[0]) {
			for (ti = 0; ti < i; ti++)
				if (s->op[ti].code == T_MAP &&
				    s->op[ti].tgt == s->op[i].tgt)
					failf("planted", "a mark after a map");
		}
		planted = false;
		if (fail_class[0]) {
			stop_targets();
			return j;
		}
	}
	stop_targets();
	return fail_class[0] ? s->n : -1;
}

/*
 * Shrink a failing sequence: drop chunks of operations (halves, then
 * quarters, down to single ones) while the same class of failure still
 * comes, a replay or two each, within @budget seconds.
 */
static void shrink(struct seq *s, const char *class, double budget)
{
	static struct seq trial, orig;
	double t0 = now();
	int chunk, i, tries = 0, r, rep;
	bool again = false;
	char want[32];

	snprintf(want, sizeof(want), "%s", class);
	orig = *s;
	for (chunk = s->n / 2; chunk >= 1; chunk /= 2) {
		i = 0;
		while (i + chunk <= s->n && now() - t0 < budget &&
		       now() < deadline) {
			bool still = false;

			trial.n = 0;
			memcpy(trial.op, s->op, i * sizeof(struct op));
			memcpy(trial.op + i, s->op + i + chunk,
			       (s->n - i - chunk) * sizeof(struct op));
			trial.n = s->n - chunk;
			/* A batch must not start with a joined operation. */
			if (trial.n && i < trial.n && i == 0)
				trial.op[0].join = 0;
			for (rep = 0; rep < 2 && !still; rep++) {
				tries++;
				r = run_seq(&trial);
				still = r >= 0 && !strcmp(fail_class, want);
				/* A kernel report ends the shrinking. */
				if (kernel_report[0])
					goto out;
				if (r >= 0 && still)
					trial.n = r;
			}
			if (still)
				*s = trial;
			else
				i += chunk;
		}
	}
out:
	if (s->n)
		s->op[0].join = 0;
	ksft_print_msg("shrunk to %d operations in %d replays, %.0f s\n",
		       s->n, tries, now() - t0);
	/*
	 * The reproducer printed must fail as the seed did: the shrunk
	 * sequence gets three replays, else the unshrunk one is printed.
	 * After a kernel report every replay would fail for that.
	 */
	if (kernel_report[0])
		return;
	for (rep = 0; rep < 3 && !again && now() < deadline; rep++) {
		r = run_seq(s);
		again = r >= 0 && !strcmp(fail_class, want);
	}
	if (!again) {
		ksft_print_msg("the shrunk sequence passed 3 replays: the unshrunk one follows\n");
		*s = orig;
	}
}

/* The background knobs the run turns, and what they held before. */
static const char * const knobs[] = {
	"/sys/kernel/mm/ksm/sleep_millisecs",
	"/sys/kernel/mm/ksm/pages_to_scan",
	"/sys/kernel/mm/ksm/run",
	"/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs",
};

static const char * const knob_values[] = { "10", "512", "1", "10" };
static char knob_saved[4][32];

static void setup_machine(void)
{
	char path[128];
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	for (nodes = 1; nodes < 8; nodes++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d",
			 nodes);
		if (access(path, F_OK))
			break;
	}
	wb_dir = getenv("TMN_WB_DIR");
	/* A memory cgroup of the targets, for memory.reclaim. */
	tmn_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	mkdir("/sys/fs/cgroup/fuzz", 0755);
	have_cgroup = !access("/sys/fs/cgroup/fuzz/memory.reclaim", W_OK);
	/* ksmd and khugepaged at work in the background. */
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		FILE *f = fopen(knobs[i], "r");

		knob_saved[i][0] = 0;
		if (f) {
			if (!fgets(knob_saved[i], sizeof(knob_saved[i]), f))
				knob_saved[i][0] = 0;
			fclose(f);
		}
		knob_saved[i][strcspn(knob_saved[i], "\n")] = 0;
		tmn_write_file(knobs[i], knob_values[i]);
	}
}

/* Put the knobs back; ksm's run as it was (0 stops ksmd, merges kept). */
static void restore_machine(void)
{
	size_t i;

	for (i = ARRAY_SIZE(knobs); i-- > 0; )
		if (knob_saved[i][0])
			tmn_write_file(knobs[i], knob_saved[i]);
	rmdir("/sys/fs/cgroup/fuzz");
}

/*
 * A runner's timeout (SIGTERM) or ^C, in the fuzzer only (the targets
 * reset it): close the device files, which opens the gates a held
 * callout waits at, kill the targets through their pidfds (a reaped pid
 * may have been reused) and put the knobs back before dying of the
 * signal. The cgroup stays if a target is not gone yet. close, the
 * pidfd_send_signal syscall, open, write and rmdir are async-signal-safe.
 */
static void on_term(int sig)
{
	int i, k, saved = errno;

	for (i = 0; i < TARGETS; i++) {
		for (k = 0; k < FILES; k++)
			if (tg[i].files[k] > 0)
				close(tg[i].files[k]);
		if (tg[i].pid > 0 && tg[i].pidfd >= 0)
			syscall(SYS_pidfd_send_signal, tg[i].pidfd, SIGKILL,
				NULL, 0);
	}
	restore_machine();
	errno = saved;
	signal(sig, SIG_DFL);
	raise(sig);
}

static struct seq cur;

/* The batch that ends at operation @end (the one that failed). */
static void print_batch(const struct seq *s, int end)
{
	int i = end - 1;

	if (end <= 0) {
		printf("# failing batch: none (before the first batch)\n");
		return;
	}
	while (i > 0 && s->op[i].join)
		i--;
	printf("# failing batch:");
	for (; i < end; i++) {
		putchar(' ');
		print_op(stdout, &s->op[i]);
	}
	putchar('\n');
}

/*
 * @cur failed after its first @r operations: print where and why, shrink
 * it for up to @budget seconds unless the failure cannot be shrunk in this
 * boot, print what is left for -r, and fail the test @what.
 */
static void report_failure(const char *what, int r, double budget)
{
	char class[32], msg[sizeof(fail_msg)];

	snprintf(class, sizeof(class), "%s", fail_class);
	snprintf(msg, sizeof(msg), "%s", fail_msg);
	print_batch(&cur, r);
	ksft_print_msg("%s failed after %d of %d operations: %s: %s\n", what,
		       r, cur.n, class, msg);
	cur.n = r;
	if (!strcmp(class, "kernel") || !strcmp(class, "hang") ||
	    !strcmp(class, "setup"))
		ksft_print_msg("a kernel report or a hang is not shrunk in the boot that saw it\n");
	else if (budget > 0)
		shrink(&cur, class, budget);
	print_seq(stdout, &cur, "# reproducer: fuzz -r ");
	ksft_test_result_fail("%s: %s: %s\n", what, class, msg);
}

/* One seed: generate, run; on a failure print, shrink, print again. */
static bool run_seed(uint64_t seed, int batches, double shrink_budget)
{
	double t0 = now();
	char what[32];
	int r;

	gen(&cur, seed, batches);
	r = run_seq(&cur);
	snprintf(what, sizeof(what), "seed %llu", (unsigned long long)seed);
	if (r >= 0) {
		report_failure(what, r, shrink_budget);
		return false;
	}
	ksft_test_result_pass("%s: %d operations in %.1f s\n", what, cur.n,
			      now() - t0);
	return true;
}

/*
 * What the fuzzer found, as sequences that replay it. hugetlb_migrate_tlb:
 * a secondary-TLB device mirrors pages of a hugetlb page past its first
 * 4 KiB, and move_pages() migrates the page; x86 flushes the cleared huge
 * PTE by its first address alone, and the device must still drop all of
 * it (seed 3, 100 batches, on a debug kernel). zeropage_over_wp_marker:
 * a MAP_PRIVATE mapping of a memfd hole is write-protected through
 * userfaultfd, then the device writes 8 of its pages and the process 4
 * more; the target's handler must resolve each missing fault that comes
 * through a marker (seed 2001, whose device thread never returned).
 */
static const char * const regressions[] = {
	"hugetlb_migrate_tlb",
	"zeropage_over_wp_marker",
};

static const char * const regression_ops[] = {
	"map:1:0:6:0:0:1 reg:1:0:3:4:3:0 mirror:1:0:0:64:127:1 move_pages:1:0:0:0:0:1 move_pages:1:0:0:0:0:0",
	"map:0:0:4:0:0:0 uffd_wp:0:0:1:0:0:0 reg:0:0:1:0:0:0 mirror:0:0:0:0:7:1 write:0:0:8:0:0:3",
};

static bool run_regressions(void)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(regressions); i++) {
		if (i == 0 && nodes < 2) {
			ksft_test_result_skip("%s: one NUMA node, nothing to migrate to\n",
					      regressions[i]);
		} else if (parse_seq(&cur, regression_ops[i])) {
			ksft_test_result_fail("%s: cannot parse the sequence\n",
					      regressions[i]);
			ok = false;
		} else if (run_seq(&cur) >= 0) {
			ksft_test_result_fail("%s: %s: %s\n", regressions[i],
					      fail_class, fail_msg);
			ok = false;
		} else if (i == 0 && (!huge_max || huge_now)) {
			/* It mirrored a hugetlb page, and the migration dropped it. */
			ksft_test_result_fail("%s: %ld hugetlb entries mirrored, %ld left\n",
					      regressions[i], huge_max, huge_now);
			ok = false;
		} else if (i == 0) {
			ksft_test_result_pass("%s: %ld hugetlb entries mirrored, all dropped\n",
					      regressions[i], huge_max);
		} else if (i == 1 && !tg[0].ulog->shmem_wp) {
			ksft_test_result_skip("%s: no userfaultfd write-protect of shmem\n",
					      regressions[i]);
		} else if (i == 1 && !tg[0].ulog->copies) {
			/* The writes through the markers must have faulted. */
			ksft_test_result_fail("%s: %lu userfaultfd messages, none over a marker\n",
					      regressions[i], tg[0].ulog->n);
			ok = false;
		} else if (i == 1) {
			ksft_test_result_pass("%s: %lu userfaultfd messages, %lu copied\n",
					      regressions[i], tg[0].ulog->n,
					      tg[0].ulog->copies);
		} else {
			ksft_test_result_pass("%s\n", regressions[i]);
		}
	}
	return ok;
}

/*
 * The shrinker's own test: a long random sequence with one map and one
 * planted mark in it must shrink to those two, the map first.
 */
static bool self_test(void)
{
	int i, n, maps = 0, marks = 0;

	gen(&cur, 7, 12);
	for (i = 0; i < cur.n; i++)
		if (cur.op[i].code == T_MAP || cur.op[i].code == T_EXIT ||
		    cur.op[i].code == D_KILL)
			cur.op[i].code = T_READ;
	cur.op[5].code = T_MAP;
	cur.op[5].tgt = 1;
	cur.op[cur.n - 3] = (struct op){ .code = P_MARK, .tgt = 1 };
	cur.n -= 2;
	if (run_seq(&cur) < 0 || strcmp(fail_class, "planted")) {
		ksft_test_result_fail("shrink: the planted failure did not come\n");
		return false;
	}
	n = cur.n;
	shrink(&cur, "planted", 120);
	for (i = 0; i < cur.n; i++) {
		maps += cur.op[i].code == T_MAP;
		marks += cur.op[i].code == P_MARK;
	}
	print_seq(stdout, &cur, "# reproducer: fuzz -r ");
	if (cur.n != 2 || maps != 1 || marks != 1 || cur.op[0].code != T_MAP) {
		ksft_test_result_fail("shrink: %d operations left, not the map and the mark\n",
				      cur.n);
		return false;
	}
	ksft_test_result_pass("shrink: %d operations shrunk to the map and the mark\n",
			      n);
	return true;
}

int main(int argc, char **argv)
{
	unsigned long long first = 1, count = 3;
	int batches = 100, opt, fd;
	double seconds = 0, shrink_secs = 0, t0;
	const char *replay = NULL;
	bool self = false, ok = true;
	int r;

	while ((opt = getopt(argc, argv, "s:n:b:t:r:S:l:pv")) != -1) {
		switch (opt) {
		case 's':
			first = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			batches = atoi(optarg);
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 'r':
			replay = optarg;
			break;
		case 'S':
			shrink_secs = atof(optarg);
			break;
		case 'l':
			batch_limit = atof(optarg);
			break;
		case 'p':
			self = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-s SEED] [-n SEEDS] [-b BATCHES] [-t SECONDS]\n"
				"       [-r OPS [-S SECONDS]] [-l SECONDS] [-p] [-v]\n",
				argv[0]);
			return KSFT_FAIL;
		}
	}
	if (batches < 1 || batches > MAX_OPS / MAX_BATCH) {
		fprintf(stderr, "-b: 1 to %d batches\n", MAX_OPS / MAX_BATCH);
		return KSFT_FAIL;
	}
	ksft_print_header();
	if (geteuid())
		ksft_exit_skip("the device and /proc/PID/pagemap's pfns need root\n");
	fd = tmn_open();
	if (fd < 0)
		ksft_exit_skip("no %s (CONFIG_TEST_MMU_NOTIFIER)\n", TMN_DEV);
	close(fd);
	ps = sysconf(_SC_PAGESIZE);
	kpagecount = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
	if (kpagecount < 0)
		ksft_exit_skip("no /proc/kpagecount (CONFIG_PROC_PAGE_MONITOR)\n");
	setup_machine();
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGHUP, on_term);
	ksft_print_msg("%d target processes of %d threads, %d nodes\n",
		       TARGETS, THREADS, nodes);
	ksft_print_msg("%s, memory cgroup %s, file mappings on %s\n",
		       kmsg >= 0 ? "/dev/kmsg read" : "no /dev/kmsg",
		       have_cgroup ? "yes" : "no", wb_dir ? wb_dir : "shmem");
	t0 = now();
	/* The selftest run stays within the runner's 300 s. */
	if (!replay && !(seconds > 0))
		deadline = t0 + 200;
	if (replay) {
		ksft_set_plan(1);
		if (parse_seq(&cur, replay)) {
			ksft_test_result_fail("replay: cannot parse the sequence\n");
			ok = false;
		} else {
			r = run_seq(&cur);
			if (r >= 0) {
				report_failure("replay", r, shrink_secs);
				ok = false;
			} else {
				ksft_test_result_pass("replay: %d operations\n",
						      cur.n);
			}
		}
	} else if (self) {
		ksft_set_plan(1);
		ok = self_test();
	} else if (seconds > 0) {
		unsigned long long s;

		for (s = first; now() - t0 < seconds; s++)
			ok &= run_seed(s, batches, 120);
		/* How many seeds ran is known now: a trailing TAP plan. */
		ksft_set_plan(s - first);
		ksft_print_msg("seeds %llu to %llu: %llu operations, %llu checks in %.0f s\n",
			       first, s - 1, ops_run, checks_run, now() - t0);
	} else {
		unsigned long long s;

		ksft_set_plan(count + 1 + ARRAY_SIZE(regressions));
		ok = self_test();
		ok &= run_regressions();
		for (s = first; s < first + count; s++)
			ok &= run_seed(s, batches, 60);
		ksft_print_msg("seeds %llu to %llu: %llu operations, %llu checks in %.0f s\n",
			       first, first + count - 1, ops_run, checks_run,
			       now() - t0);
	}
	restore_machine();
	if (kernel_report[0] && ok) {
		ksft_print_msg("the kernel logged: %s\n", kernel_report);
		ksft_exit_fail();
	}
	if (seconds > 0 && !replay && !self)
		ksft_exit(ok);
	ksft_finished();
	return 0;
}
