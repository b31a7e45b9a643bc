// SPDX-License-Identifier: GPL-2.0
/*
 * What a driver author sees of the core: the mmu_notifier tracepoints and
 * debugfs mmu_notifier/mms (CONFIG_DEBUG_MMU_NOTIFIER).
 *
 * Each test drives notifiers of lib/test_mmu_notifier.c through the same
 * changes of the mm and compares what the core reports with what the
 * driver itself counted: one trace event per callback call, debugfs
 * counts equal to the driver's, and the interval retry that the test
 * provokes between a read's begin and its retry check.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <sys/mount.h>

#include "../kselftest_harness.h"
#include "tmn.h"

#define NPAGES		16
#define MMS		"/sys/kernel/debug/mmu_notifier/mms"

/* The tracefs directory, mounted if it is not. */
static const char *tracing_dir(void)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/mmu_notifier", dirs[i]);
		if (!access(path, F_OK))
			return dirs[i];
	}
	if (mount("tracefs", dirs[0], "tracefs", 0, NULL))
		return NULL;
	snprintf(path, sizeof(path), "%s/events/mmu_notifier", dirs[0]);
	return access(path, F_OK) ? NULL : dirs[0];
}

static int tr_write(const char *dir, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return tmn_write_file(path, val);
}

/* Empty the trace buffer: an open of "trace" with O_TRUNC does. */
static int tr_clear(const char *dir)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/trace", dir);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * Read a whole file into @buf, NUL-terminated, with no allocation (a
 * free() may unmap memory of the process and so make a callout of its
 * own). A file that does not fit is an error, -EFBIG.
 */
static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (len + 1 < size && (n = read(fd, buf + len, size - len - 1)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	return len + 1 < size ? 0 : -EFBIG;
}

static char trace_text[1 << 22];

/* Trace lines: "... event: field=value field=value ...". */
struct trace {
	char **line;
	int n;
};

static int trace_load(struct trace *t, const char *dir)
{
	char path[256], *s, *save;
	int ret;

	snprintf(path, sizeof(path), "%s/trace", dir);
	ret = read_file(path, trace_text, sizeof(trace_text));
	if (ret)
		return ret;
	t->n = 0;
	t->line = NULL;
	for (s = strtok_r(trace_text, "\n", &save); s;
	     s = strtok_r(NULL, "\n", &save)) {
		if (s[0] == '#')
			continue;
		t->line = realloc(t->line, (t->n + 1) * sizeof(*t->line));
		t->line[t->n++] = s;
	}
	return 0;
}

/* Does @line record @event (an exact event name)? */
static bool is_event(const char *line, const char *event)
{
	char key[64];

	snprintf(key, sizeof(key), " %s: ", event);
	return strstr(line, key);
}

/* The value of "@name=" in @line, as text up to a space; NULL if none. */
static const char *field(const char *line, const char *name, char *val,
			 size_t size)
{
	char key[32];
	const char *p;
	size_t i = 0;

	snprintf(key, sizeof(key), " %s=", name);
	p = strstr(line, key);
	if (!p)
		return NULL;
	p += strlen(key);
	/* A range is "[a, b)": keep it whole. */
	if (*p == '[') {
		while (p[i] && p[i] != ')' && p[i] != ']' && i + 2 < size) {
			val[i] = p[i];
			i++;
		}
		val[i] = p[i];
		val[i + 1] = 0;
		return val;
	}
	while (p[i] && !isspace((unsigned char)p[i]) && i + 1 < size) {
		val[i] = p[i];
		i++;
	}
	val[i] = 0;
	return val;
}

static unsigned long long field_ull(const char *line, const char *name)
{
	char v[64];

	if (!field(line, name, v, sizeof(v)))
		return ~0ULL;
	return strtoull(v, NULL, 0);
}

/* Does the event name the notifier by @ops (a symbol, maybe of a module)? */
static bool has_ops(const char *line, const char *ops)
{
	char v[96];

	return field(line, "ops", v, sizeof(v)) && !strcmp(v, ops);
}

/* Events of @event by @ops among the first @end lines. */
static int count_before(const struct trace *t, int end, const char *event,
			const char *ops)
{
	int i, n = 0;

	for (i = 0; i < end; i++)
		if (is_event(t->line[i], event) && has_ops(t->line[i], ops))
			n++;
	return n;
}

static int count_events(const struct trace *t, const char *event,
			const char *ops)
{
	return count_before(t, t->n, event, ops);
}

#define FENCE "observe: the driver's counts were read here"

/* The index of the last fence in the trace (t->n if there is none). */
static int fence_at(const struct trace *t)
{
	int i;

	for (i = t->n - 1; i >= 0; i--)
		if (strstr(t->line[i], FENCE))
			return i;
	return t->n;
}

/* Events of @event by @ops before the last fence. */
static int count_fenced(const struct trace *t, const char *event,
			const char *ops)
{
	return count_before(t, fence_at(t), event, ops);
}

static bool same_counts(const struct tmn_status *a, const struct tmn_status *b)
{
	return a->starts == b->starts && a->ends == b->ends &&
	       a->refused == b->refused && a->young == b->young &&
	       a->releases == b->releases;
}

/*
 * Read the driver's counts of notifier @id into @st and mark the trace
 * there: the kernel may change the mm on its own at any time (reclaim,
 * compaction), so the mark is good only if the counts read again after
 * it are the same. Then the events before the mark are exactly those
 * the driver counted. Returns 0, or -1 if the mm never held still.
 */
static int fence(const char *dir, int fd, int id, struct tmn_status *st)
{
	struct tmn_status again;
	int i;

	for (i = 0; i < 20; i++) {
		if (tmn_status(fd, id, st) ||
		    tr_write(dir, "trace_marker", FENCE) ||
		    tmn_status(fd, id, &again))
			return -1;
		if (same_counts(st, &again))
			return 0;
	}
	return -1;
}

/* The first line of @event by @ops that contains @text, or NULL. */
static const char *find_event(const struct trace *t, const char *event,
			      const char *ops, const char *text)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (is_event(t->line[i], event) && has_ops(t->line[i], ops) &&
		    (!text || strstr(t->line[i], text)))
			return t->line[i];
	return NULL;
}

static void trace_free(struct trace *t)
{
	free(t->line);
}

FIXTURE(observe)
{
	int fd;
	char *buf;
	size_t len;
	const char *tracing;
	char range[64];
};

FIXTURE_SETUP(observe)
{
	self->fd = tmn_open();
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "no %s (CONFIG_TEST_MMU_NOTIFIER)", TMN_DEV);
	ASSERT_GE(self->fd, 0);
	self->len = NPAGES * psize;
	self->buf = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	tmn_fill(self->buf, self->len, 1);
	snprintf(self->range, sizeof(self->range), "range=[%#lx, %#lx)",
		 (unsigned long)self->buf,
		 (unsigned long)self->buf + self->len);

	self->tracing = tracing_dir();
	/* CONFIG_FTRACE and CONFIG_ENABLE_DEFAULT_TRACERS */
	ASSERT_NE(NULL, self->tracing)
		TH_LOG("no tracefs with mmu_notifier events");
	ASSERT_EQ(0, tr_write(self->tracing, "tracing_on", "0"));
	ASSERT_EQ(0, tr_clear(self->tracing));
	ASSERT_EQ(0, tr_write(self->tracing, "buffer_size_kb", "4096"));
	ASSERT_EQ(0, tr_write(self->tracing, "events/mmu_notifier/enable",
			      "1"));
	ASSERT_EQ(0, tr_write(self->tracing, "tracing_on", "1"));
}

FIXTURE_TEARDOWN(observe)
{
	if (self->tracing) {
		tr_write(self->tracing, "tracing_on", "0");
		tr_write(self->tracing, "events/mmu_notifier/enable", "0");
	}
	close(self->fd);
}

/* Stop tracing and check that no event was lost. */
static void trace_stop(struct __test_metadata *_metadata, const char *dir,
		       struct trace *t)
{
	int i;

	ASSERT_EQ(0, tr_write(dir, "tracing_on", "0"));
	ASSERT_EQ(0, trace_load(t, dir));
	for (i = 0; i < t->n; i++)
		ASSERT_EQ(NULL, strstr(t->line[i], "LOST"))
			TH_LOG("%s", t->line[i]);
}

/*
 * A plain notifier through its life: one event per callback the driver
 * counted, each naming the notifier's ops, with the range and the event
 * of each invalidation and the time the callback took.
 */
TEST_F(observe, plain_notifier_events)
{
	const char *ops = "tmn_plain_ops", *l;
	char *young_page = NULL;
	struct tmn_status st;
	struct trace t;
	char mm[32], v[64];
	int id, i;

	id = tmn_reg(self->fd, TMN_PLAIN, 0, self->buf, self->len);
	ASSERT_GE(id, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, true));
	ASSERT_EQ(0, tmn_touch(self->fd, id, self->buf, NPAGES));
	/* Pages still in a CPU's LRU cache are not on the LRU: no rmap walk. */
	ASSERT_EQ(0, tmn_lru_drain(self->buf));
	/*
	 * A page whose chunk of the idle bitmap can be written: marking it
	 * idle asks each of its mappings' notifiers clear_young.
	 */
	for (i = 0; i < NPAGES && !young_page; i++)
		if (!tmn_idle_bit(PM_PFN(tmn_pagemap(self->buf + i * psize)),
				  true))
			young_page = self->buf + i * psize;
	ASSERT_NE(NULL, young_page) TH_LOG("no page could be marked idle");
	ASSERT_EQ(0, mprotect(self->buf, self->len, PROT_READ));
	ASSERT_EQ(0, madvise(self->buf, psize, MADV_DONTNEED));
	ASSERT_EQ(0, fence(self->tracing, self->fd, id, &st));
	ASSERT_EQ(1, tmn_unreg(self->fd, id));
	trace_stop(_metadata, self->tracing, &t);

	ASSERT_GT(st.starts, 0);
	ASSERT_GT(st.young, 0);
	ASSERT_EQ(1, count_events(&t, "mmu_notifier_register", ops));
	l = find_event(&t, "mmu_notifier_register", ops, NULL);
	ASSERT_EQ(0, field_ull(l, "ret"));
	ASSERT_NE(NULL, field(l, "mm", mm, sizeof(mm)));

	ASSERT_EQ(st.starts, count_fenced(&t, "mmu_notifier_invalidate_start",
					  ops));
	ASSERT_EQ(st.ends, count_fenced(&t, "mmu_notifier_invalidate_end",
					ops));
	ASSERT_EQ(st.young, count_fenced(&t, "mmu_notifier_young", ops));
	ASSERT_EQ(1, count_events(&t, "mmu_notifier_unregister", ops));
	ASSERT_EQ(1, count_events(&t, "mmu_notifier_release", ops));

	/* The mprotect() of the whole window, and the zap of its first page. */
	l = find_event(&t, "mmu_notifier_invalidate_start", ops,
		       "event=protection_vma");
	ASSERT_NE(NULL, l);
	ASSERT_NE(NULL, strstr(l, self->range)) TH_LOG("%s", l);
	ASSERT_EQ(1, field_ull(l, "blockable"));
	ASSERT_EQ(0, field_ull(l, "ret"));
	ASSERT_NE(~0ULL, field_ull(l, "ns"));
	ASSERT_NE(NULL, find_event(&t, "mmu_notifier_invalidate_end", ops,
				   "event=protection_vma"));
	snprintf(v, sizeof(v), "range=[%#lx, %#lx)", (unsigned long)self->buf,
		 (unsigned long)self->buf + psize);
	ASSERT_NE(NULL, find_event(&t, "mmu_notifier_invalidate_start", ops, v))
		TH_LOG("no invalidation of %s", v);
	ASSERT_NE(NULL, find_event(&t, "mmu_notifier_young", ops,
				   "clear_young"));

	/* Every event of the notifier names the same mm. */
	for (i = 0; i < t.n; i++) {
		char m2[32];

		if (!has_ops(t.line[i], ops))
			continue;
		ASSERT_NE(NULL, field(t.line[i], "mm", m2, sizeof(m2)));
		ASSERT_STREQ(mm, m2);
	}
	l = find_event(&t, "mmu_notifier_unregister", ops, NULL);
	ASSERT_EQ(1, field_ull(l, "unlinked"));
	l = find_event(&t, "mmu_notifier_release", ops, NULL);
	ASSERT_EQ(0, field_ull(l, "teardown"));
	trace_free(&t);
}

/* A notifier still registered when its mm goes: the teardown's release. */
TEST_F(observe, release_at_exit)
{
	const char *ops = "tmn_plain_ops", *l;
	struct trace t;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		pause();
		_exit(0);
	}
	ASSERT_EQ(0, tmn_attach(self->fd, pid));
	ASSERT_GE(tmn_reg(self->fd, TMN_PLAIN, 0, self->buf, self->len), 0);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* After the teardown: unregistration finds it unlinked. */
	ASSERT_EQ(1, tmn_unreg(self->fd, 0));
	trace_stop(_metadata, self->tracing, &t);

	ASSERT_EQ(1, count_events(&t, "mmu_notifier_release", ops));
	l = find_event(&t, "mmu_notifier_release", ops, NULL);
	ASSERT_EQ(1, field_ull(l, "teardown"));
	l = find_event(&t, "mmu_notifier_unregister", ops, NULL);
	ASSERT_NE(NULL, l);
	ASSERT_EQ(0, field_ull(l, "unlinked"));
	trace_free(&t);
}

/*
 * An interval notifier: its insert, its invalidations with the sequence
 * they carry, a read retried because the test changed the window between
 * the read's begin and its check, and its removal.
 */
TEST_F(observe, interval_events_and_retry)
{
	const char *ops = "tmn_interval_ops", *l;
	struct tmn_seq s1 = { 0 }, s2 = { 0 };
	struct tmn_status st;
	struct trace t;
	char v[96];
	int id;

	id = tmn_reg(self->fd, TMN_INTERVAL, 0, self->buf, self->len);
	ASSERT_GE(id, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, id, self->buf, NPAGES, true));

	/* A read with no change in between needs no retry. */
	s1.id = id;
	ASSERT_EQ(0, ioctl(self->fd, TMN_READ_BEGIN, &s1));
	ASSERT_EQ(0, ioctl(self->fd, TMN_READ_RETRY, &s1));
	ASSERT_EQ(0, s1.retry);
	/* One with an mprotect() of the window in between does. */
	s2.id = id;
	ASSERT_EQ(0, ioctl(self->fd, TMN_READ_BEGIN, &s2));
	ASSERT_EQ(0, mprotect(self->buf, psize, PROT_READ));
	ASSERT_EQ(0, ioctl(self->fd, TMN_READ_RETRY, &s2));
	ASSERT_EQ(1, s2.retry);
	ASSERT_EQ(0, fence(self->tracing, self->fd, id, &st));
	ASSERT_EQ(0, tmn_unreg(self->fd, id));
	trace_stop(_metadata, self->tracing, &t);

	/* The first interval notifier of the mm sets up its tree. */
	l = find_event(&t, "mmu_notifier_register", "0x0", NULL);
	ASSERT_NE(NULL, l);
	ASSERT_EQ(0, field_ull(l, "ret"));
	ASSERT_EQ(1, count_events(&t, "mmu_interval_notifier_insert", ops));
	l = find_event(&t, "mmu_interval_notifier_insert", ops, NULL);
	ASSERT_EQ((uintptr_t)self->buf, field_ull(l, "start"));
	ASSERT_EQ(self->len, field_ull(l, "length"));
	ASSERT_EQ(0, field_ull(l, "deferred"));
	ASSERT_EQ(0, field_ull(l, "ret"));

	ASSERT_EQ(st.starts + st.refused,
		  count_fenced(&t, "mmu_interval_notifier_invalidate", ops));
	snprintf(v, sizeof(v), "interval=[%#lx, %#lx] range=[%#lx, %#lx)",
		 (unsigned long)self->buf,
		 (unsigned long)self->buf + self->len - 1,
		 (unsigned long)self->buf, (unsigned long)self->buf + psize);
	l = find_event(&t, "mmu_interval_notifier_invalidate", ops, v);
	ASSERT_NE(NULL, l) TH_LOG("no invalidation with %s", v);
	ASSERT_EQ(1, field_ull(l, "ret"));
	/* An invalidation in flight has an odd sequence. */
	ASSERT_EQ(1, field_ull(l, "seq") & 1);

	/* Exactly the one retry, from the locked check, with its sequence. */
	ASSERT_EQ(1, count_events(&t, "mmu_interval_notifier_retry", ops));
	l = find_event(&t, "mmu_interval_notifier_retry", ops, NULL);
	ASSERT_EQ(s2.seq, field_ull(l, "seq"));
	ASSERT_NE(s2.seq, field_ull(l, "cur"));
	ASSERT_EQ(1, field_ull(l, "locked"));

	ASSERT_EQ(1, count_events(&t, "mmu_interval_notifier_remove", ops));
	trace_free(&t);
}

static char mms_text[1 << 18];

/* The block of debugfs mmu_notifier/mms for the mm of @pid, or NULL. */
static char *mms_block(char *text, pid_t pid)
{
	char *s = text, *next, key[32];
	int klen = snprintf(key, sizeof(key), "%d", pid);

	for (; s && *s; s = next) {
		char *eol = strchr(s, '\n'), *p;

		next = strstr(eol ? eol : s, "\nmm ");
		next = next ? next + 1 : NULL;
		if (strncmp(s, "mm ", 3) || !eol)
			continue;
		p = strstr(s, " pids ");
		if (!p || p > eol)
			continue;
		for (p += 5; p < eol; p++) {
			if ((*p == ' ' || *p == ',') && !strncmp(p + 1, key, klen) &&
			    (p[1 + klen] == ',' || p[1 + klen] == '\n')) {
				if (next)
					next[-1] = 0;
				return s;
			}
		}
	}
	return NULL;
}

/* The line of @block that starts with @prefix (after its indent). */
static const char *mms_line(const char *block, const char *prefix)
{
	const char *s = block;

	while (s && *s) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, prefix, strlen(prefix)))
			return s;
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	return NULL;
}

/* "name N" in a line of mms: N, or -1 if the name is missing. */
static long mms_count(const char *line, const char *name)
{
	char key[32];
	const char *eol = strchr(line, '\n'), *p;

	snprintf(key, sizeof(key), " %s ", name);
	p = strstr(line, key);
	if (!p || (eol && p > eol))
		return -1;
	return strtol(p + strlen(key), NULL, 0);
}

/*
 * debugfs mmu_notifier/mms lists this process's mm with each of its
 * notifiers, the counts the driver counted too, and its interval tree.
 */
TEST_F(observe, debugfs_view)
{
	struct tmn_status ps, ps2, gs, is;
	struct trace t;
	struct tmn_seq sq = { 0 };
	const char *l;
	char *text, *block, v[96];
	int plain, get1, get2, interval, i;

	plain = tmn_reg(self->fd, TMN_PLAIN, 0, self->buf, self->len);
	get1 = tmn_reg(self->fd, TMN_GET, 0, self->buf, self->len);
	get2 = tmn_reg(self->fd, TMN_GET, 0, self->buf, self->len);
	interval = tmn_reg(self->fd, TMN_INTERVAL, 0, self->buf, self->len);
	ASSERT_GE(plain, 0);
	ASSERT_GE(get1, 0);
	ASSERT_GE(get2, 0);
	ASSERT_GE(interval, 0);
	ASSERT_EQ(0, tmn_mirror(self->fd, plain, self->buf, NPAGES, true));
	ASSERT_EQ(0, tmn_mirror(self->fd, interval, self->buf, NPAGES, true));
	ASSERT_EQ(0, mprotect(self->buf, self->len, PROT_READ));
	ASSERT_EQ(0, madvise(self->buf + psize, psize, MADV_DONTNEED));
	/* A retried read. */
	sq.id = interval;
	ASSERT_EQ(0, ioctl(self->fd, TMN_READ_BEGIN, &sq));
	ASSERT_EQ(0, madvise(self->buf, psize, MADV_DONTNEED));
	ASSERT_EQ(0, ioctl(self->fd, TMN_READ_RETRY, &sq));
	ASSERT_EQ(1, sq.retry);
	/*
	 * The driver's counts, unchanged across the read of the view: the
	 * kernel may change the mm meanwhile (khugepaged, compaction), and a
	 * read during such a change is taken again.
	 */
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, tmn_status(self->fd, plain, &ps));
		ASSERT_EQ(0, tmn_status(self->fd, get1, &gs));
		ASSERT_EQ(0, tmn_status(self->fd, interval, &is));
		ASSERT_EQ(0, read_file(MMS, mms_text, sizeof(mms_text)))
			TH_LOG("no %s (CONFIG_DEBUG_MMU_NOTIFIER)", MMS);
		ASSERT_EQ(0, tmn_status(self->fd, plain, &ps2));
		if (ps.starts == ps2.starts && ps.young == ps2.young &&
		    ps.ends == ps2.ends)
			break;
	}
	ASSERT_LT(i, 20) TH_LOG("the mm never held still for a read");
	text = mms_text;
	block = mms_block(text, getpid());
	ASSERT_NE(NULL, block) TH_LOG("no mm of pid %d in:\n%s", getpid(), text);
	TH_LOG("%s", block);

	l = mms_line(block, "notifier tmn_plain_ops");
	ASSERT_NE(NULL, l);
	ASSERT_EQ(1, mms_count(l, "users"));
	ASSERT_EQ(ps.starts, mms_count(l, "start"));
	ASSERT_EQ(ps.ends, mms_count(l, "end"));
	ASSERT_EQ(ps.refused, mms_count(l, "refused"));
	ASSERT_EQ(ps.young, mms_count(l, "young"));
	ASSERT_EQ(0, mms_count(l, "release"));
	ASSERT_GT(ps.starts, 0);

	/* Two gets, one notifier with two users. */
	l = mms_line(block, "notifier tmn_get_ops");
	ASSERT_NE(NULL, l);
	ASSERT_EQ(2, mms_count(l, "users"));
	ASSERT_EQ(gs.starts, mms_count(l, "start"));
	ASSERT_EQ(gs.ends, mms_count(l, "end"));

	/* No invalidation in flight: an even sequence, nothing active. */
	l = mms_line(block, "itree yes");
	ASSERT_NE(NULL, l);
	ASSERT_EQ(0, mms_count(l, "seq") & 1);
	ASSERT_EQ(0, mms_count(l, "active"));
	ASSERT_NE(NULL, strstr(l, " idle "));

	snprintf(v, sizeof(v), "interval [%#lx, %#lx] tmn_interval_ops",
		 (unsigned long)self->buf,
		 (unsigned long)self->buf + self->len - 1);
	l = mms_line(block, v);
	ASSERT_NE(NULL, l) TH_LOG("no line \"%s\"", v);
	ASSERT_NE(NULL, strstr(l, " tree "));
	ASSERT_EQ(is.starts + is.refused, mms_count(l, "invalidate"));
	ASSERT_EQ(is.refused, mms_count(l, "refused"));
	ASSERT_EQ(1, mms_count(l, "retry"));

	/* Unregistered, removed and put: the mm has none left. */
	ASSERT_EQ(1, tmn_unreg(self->fd, plain));
	ASSERT_EQ(0, tmn_unreg(self->fd, get1));
	ASSERT_EQ(0, tmn_unreg(self->fd, get2));
	ASSERT_EQ(0, tmn_unreg(self->fd, interval));
	/* The last put frees from a work item: wait for it to unlink. */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, read_file(MMS, mms_text, sizeof(mms_text)));
		block = mms_block(mms_text, getpid());
		ASSERT_NE(NULL, block);
		if (!mms_line(block, "notifier "))
			break;
		usleep(10000);
	}
	ASSERT_EQ(NULL, mms_line(block, "notifier "))
		TH_LOG("the shared notifier stayed listed");
	ASSERT_EQ(NULL, mms_line(block, "interval "));

	/* The last put's unregistration, from the free work, is traced too. */
	trace_stop(_metadata, self->tracing, &t);
	ASSERT_EQ(1, count_events(&t, "mmu_notifier_unregister",
				  "tmn_get_ops"));
	l = find_event(&t, "mmu_notifier_unregister", "tmn_get_ops", NULL);
	ASSERT_EQ(1, field_ull(l, "unlinked"));
	trace_free(&t);
}

TEST_HARNESS_MAIN
