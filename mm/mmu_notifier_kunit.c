// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the MMU notifier core's contract, on real mms.
 *
 * Each case builds an mm with mm_alloc(), maps and unmaps memory in it from
 * the test kthread with kthread_use_mm() and vm_mmap()/vm_munmap(), and
 * checks what registered notifiers were told: which callbacks ran, how
 * often, with which range, event, owner and blockable flag, and in which
 * order against registration, unregistration and the mm's teardown.
 *
 * The cases only use the 6.12 interface, so they hold for any core that
 * keeps its contract. Callouts invoked directly by a case are made with
 * the mmap_lock held for read, as every caller in the core mm holds it or
 * another lock that excludes notifier registration.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define MNK_LEN		(16 * PAGE_SIZE)
#define MNK_WAIT_MS	50

/* A plain notifier that records what it is told. */
struct mnk_rec {
	struct mmu_notifier mn;
	spinlock_t lock;	/* protects the counters and fields below */
	int starts;
	int ends;
	int depth;
	int max_depth;
	int releases;
	int young_calls;
	int young_ret;
	int tlb_calls;
	bool fail_nonblock;
	unsigned long start;
	unsigned long end;
	enum mmu_notifier_event event;
	bool blockable;
	void *owner;
	/* release handshake for the teardown race */
	struct completion release_started;
	unsigned int release_delay_ms;
	bool release_done;
	struct task_struct *release_task;
	/* get/put */
	bool put_in_release;
};

static struct mnk_rec *to_rec(struct mmu_notifier *mn)
{
	return container_of(mn, struct mnk_rec, mn);
}

static int mnk_start(struct mmu_notifier *mn,
		     const struct mmu_notifier_range *range)
{
	struct mnk_rec *r = to_rec(mn);
	bool blockable = mmu_notifier_range_blockable(range);

	spin_lock(&r->lock);
	r->starts++;
	r->depth++;
	r->max_depth = max(r->max_depth, r->depth);
	r->start = range->start;
	r->end = range->end;
	r->event = range->event;
	r->owner = range->owner;
	r->blockable = blockable;
	spin_unlock(&r->lock);
	if (!blockable && r->fail_nonblock) {
		spin_lock(&r->lock);
		r->depth--;
		spin_unlock(&r->lock);
		return -EAGAIN;
	}
	return 0;
}

static void mnk_end(struct mmu_notifier *mn,
		    const struct mmu_notifier_range *range)
{
	struct mnk_rec *r = to_rec(mn);

	spin_lock(&r->lock);
	r->ends++;
	r->depth--;
	spin_unlock(&r->lock);
}

static void mnk_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct mnk_rec *r = to_rec(mn);

	spin_lock(&r->lock);
	r->releases++;
	r->release_task = current;
	spin_unlock(&r->lock);
	complete(&r->release_started);
	if (r->release_delay_ms)
		msleep(r->release_delay_ms);
	WRITE_ONCE(r->release_done, true);
	if (r->put_in_release)
		mmu_notifier_put(mn);
}

static int mnk_young(struct mmu_notifier *mn, struct mm_struct *mm,
		     unsigned long start, unsigned long end)
{
	struct mnk_rec *r = to_rec(mn);

	spin_lock(&r->lock);
	r->young_calls++;
	r->start = start;
	r->end = end;
	spin_unlock(&r->lock);
	return r->young_ret;
}

static int mnk_test_young(struct mmu_notifier *mn, struct mm_struct *mm,
			  unsigned long address)
{
	return mnk_young(mn, mm, address, address + 1);
}

static void mnk_tlbs(struct mmu_notifier *mn, struct mm_struct *mm,
		     unsigned long start, unsigned long end)
{
	struct mnk_rec *r = to_rec(mn);

	spin_lock(&r->lock);
	r->tlb_calls++;
	r->start = start;
	r->end = end;
	spin_unlock(&r->lock);
}

static const struct mmu_notifier_ops mnk_ops = {
	.release = mnk_release,
	.invalidate_range_start = mnk_start,
	.invalidate_range_end = mnk_end,
	.clear_flush_young = mnk_young,
	.clear_young = mnk_young,
	.test_young = mnk_test_young,
};

/* Secondary TLB users get no start/end: a notifier has one or the other. */
static const struct mmu_notifier_ops mnk_tlb_ops = {
	.release = mnk_release,
	.arch_invalidate_secondary_tlbs = mnk_tlbs,
};

/* A start that can fail must not have an end: the core cannot pair them. */
static const struct mmu_notifier_ops mnk_fail_ops = {
	.release = mnk_release,
	.invalidate_range_start = mnk_start,
};

static void mnk_rec_init(struct mnk_rec *r)
{
	spin_lock_init(&r->lock);
	init_completion(&r->release_started);
}

static struct mnk_rec *mnk_rec_new(struct kunit *test,
				   const struct mmu_notifier_ops *ops)
{
	struct mnk_rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	mnk_rec_init(r);
	r->mn.ops = ops;
	return r;
}

/* An mm as exec would set it up, without a task. */
static struct mm_struct *mnk_mm(struct kunit *test)
{
	struct mm_struct *mm = mm_alloc();

	KUNIT_ASSERT_NOT_NULL(test, mm);
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);
	return mm;
}

static unsigned long mnk_map(struct kunit *test, struct mm_struct *mm,
			     unsigned long len)
{
	unsigned long addr;

	kthread_use_mm(mm);
	addr = vm_mmap(NULL, 0, len, PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | MAP_PRIVATE, 0);
	kthread_unuse_mm(mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	return addr;
}

static void mnk_unmap(struct mm_struct *mm, unsigned long addr,
		      unsigned long len)
{
	kthread_use_mm(mm);
	vm_munmap(addr, len);
	kthread_unuse_mm(mm);
}

static int mnk_write(struct mm_struct *mm, unsigned long addr, int val)
{
	int ret;

	kthread_use_mm(mm);
	ret = put_user(val, (int __user *)addr);
	kthread_unuse_mm(mm);
	return ret;
}

static int mnk_read(struct mm_struct *mm, unsigned long addr, int *val)
{
	int ret;

	kthread_use_mm(mm);
	ret = get_user(*val, (int __user *)addr);
	kthread_unuse_mm(mm);
	return ret;
}

/* One invalidation issued directly, as a core mm caller would. */
static int mnk_invalidate(struct mm_struct *mm, unsigned long start,
			  unsigned long end, bool blockable, void *owner)
{
	struct mmu_notifier_range range;
	int ret = 0;

	mmu_notifier_range_init_owner(&range, MMU_NOTIFY_CLEAR, 0, mm, start,
				      end, owner);
	mmap_read_lock(mm);
	if (blockable)
		mmu_notifier_invalidate_range_start(&range);
	else
		ret = mmu_notifier_invalidate_range_start_nonblock(&range);
	if (!ret)
		mmu_notifier_invalidate_range_end(&range);
	mmap_read_unlock(mm);
	return ret;
}

static struct mnk_rec *mnk_registered(struct kunit *test,
				      struct mm_struct *mm,
				      const struct mmu_notifier_ops *ops)
{
	struct mnk_rec *r = mnk_rec_new(test, ops);

	KUNIT_ASSERT_EQ(test, mmu_notifier_register(&r->mn, mm), 0);
	return r;
}

static void mnk_no_notifiers_on_new_mm(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);

	KUNIT_EXPECT_FALSE(test, mm_has_notifiers(mm));
	mmput(mm);
}

static void mnk_register_sets_has_notifiers(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_registered(test, mm, &mnk_ops);

	KUNIT_EXPECT_TRUE(test, mm_has_notifiers(mm));
	KUNIT_EXPECT_PTR_EQ(test, r->mn.mm, mm);
	mmu_notifier_unregister(&r->mn, mm);
	mmput(mm);
}

static void mnk_munmap_reports_unmap(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_registered(test, mm, &mnk_ops);
	unsigned long addr = mnk_map(test, mm, MNK_LEN);

	KUNIT_EXPECT_EQ(test, mnk_write(mm, addr, 1), 0);
	mnk_unmap(mm, addr + PAGE_SIZE, 2 * PAGE_SIZE);
	KUNIT_EXPECT_GE(test, r->starts, 1);
	KUNIT_EXPECT_EQ(test, r->starts, r->ends);
	KUNIT_EXPECT_EQ(test, r->event, MMU_NOTIFY_UNMAP);
	KUNIT_EXPECT_LE(test, r->start, addr + PAGE_SIZE);
	KUNIT_EXPECT_GE(test, r->end, addr + 3 * PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, r->blockable);
	mmu_notifier_unregister(&r->mn, mm);
	mmput(mm);
}

static void mnk_dontneed_reports_clear(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_registered(test, mm, &mnk_ops);
	unsigned long addr = mnk_map(test, mm, MNK_LEN);
	int val = -1;

	KUNIT_EXPECT_EQ(test, mnk_write(mm, addr, 7), 0);
	r->starts = 0;
	r->ends = 0;
	kthread_use_mm(mm);
	KUNIT_EXPECT_EQ(test, do_madvise(mm, addr, PAGE_SIZE, MADV_DONTNEED),
			0);
	kthread_unuse_mm(mm);
	KUNIT_EXPECT_EQ(test, r->starts, 1);
	KUNIT_EXPECT_EQ(test, r->ends, 1);
	KUNIT_EXPECT_EQ(test, r->event, MMU_NOTIFY_CLEAR);
	KUNIT_EXPECT_LE(test, r->start, addr);
	KUNIT_EXPECT_GE(test, r->end, addr + PAGE_SIZE);
	/* The page is gone: anonymous memory reads back as zero. */
	KUNIT_EXPECT_EQ(test, mnk_read(mm, addr, &val), 0);
	KUNIT_EXPECT_EQ(test, val, 0);
	mmu_notifier_unregister(&r->mn, mm);
	mmput(mm);
}

static void mnk_cow_of_zero_page_reports_clear(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_registered(test, mm, &mnk_ops);
	unsigned long addr = mnk_map(test, mm, MNK_LEN);
	int val = -1;

	/* A read maps the shared zero page; the write must replace it. */
	KUNIT_EXPECT_EQ(test, mnk_read(mm, addr, &val), 0);
	r->starts = 0;
	r->ends = 0;
	KUNIT_EXPECT_EQ(test, mnk_write(mm, addr, 3), 0);
	KUNIT_EXPECT_EQ(test, r->starts, 1);
	KUNIT_EXPECT_EQ(test, r->ends, 1);
	KUNIT_EXPECT_EQ(test, r->event, MMU_NOTIFY_CLEAR);
	KUNIT_EXPECT_EQ(test, r->start, addr);
	KUNIT_EXPECT_EQ(test, r->end, addr + PAGE_SIZE);
	mmu_notifier_unregister(&r->mn, mm);
	mmput(mm);
}

static void mnk_start_end_pair_and_nest(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_registered(test, mm, &mnk_ops);
	struct mmu_notifier_range outer, inner;

	mmu_notifier_range_init(&outer, MMU_NOTIFY_CLEAR, 0, mm, 0x100000,
				0x200000);
	mmu_notifier_range_init(&inner, MMU_NOTIFY_CLEAR, 0, mm, 0x140000,
				0x150000);
	mmap_read_lock(mm);
	mmu_notifier_invalidate_range_start(&outer);
	mmu_notifier_invalidate_range_start(&inner);
	KUNIT_EXPECT_EQ(test, r->depth, 2);
	mmu_notifier_invalidate_range_end(&inner);
	KUNIT_EXPECT_EQ(test, r->depth, 1);
	mmu_notifier_invalidate_range_end(&outer);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, r->starts, 2);
	KUNIT_EXPECT_EQ(test, r->ends, 2);
	KUNIT_EXPECT_EQ(test, r->max_depth, 2);
	KUNIT_EXPECT_EQ(test, r->depth, 0);
	mmu_notifier_unregister(&r->mn, mm);
	mmput(mm);
}

static void mnk_blockable_follows_entry_point(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_registered(test, mm, &mnk_ops);

	KUNIT_EXPECT_EQ(test, mnk_invalidate(mm, 0x1000, 0x2000, true, NULL),
			0);
	KUNIT_EXPECT_TRUE(test, r->blockable);
	KUNIT_EXPECT_EQ(test, mnk_invalidate(mm, 0x1000, 0x2000, false, NULL),
			0);
	KUNIT_EXPECT_FALSE(test, r->blockable);
	KUNIT_EXPECT_EQ(test, r->starts, 2);
	KUNIT_EXPECT_EQ(test, r->ends, 2);
	mmu_notifier_unregister(&r->mn, mm);
	mmput(mm);
}

static void mnk_range_fields_passed_through(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_registered(test, mm, &mnk_ops);
	static int owner;

	mnk_invalidate(mm, 0x3000, 0x9000, true, &owner);
	KUNIT_EXPECT_EQ(test, r->start, 0x3000UL);
	KUNIT_EXPECT_EQ(test, r->end, 0x9000UL);
	KUNIT_EXPECT_PTR_EQ(test, r->owner, (void *)&owner);
	KUNIT_EXPECT_EQ(test, r->event, MMU_NOTIFY_CLEAR);
	mmu_notifier_unregister(&r->mn, mm);
	mmput(mm);
}

static void mnk_nonblock_failure_returns_eagain(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *f = mnk_registered(test, mm, &mnk_fail_ops);

	f->fail_nonblock = true;
	KUNIT_EXPECT_EQ(test, mnk_invalidate(mm, 0x1000, 0x2000, false, NULL),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, f->starts, 1);
	/* A blockable invalidation of the same notifier still succeeds. */
	KUNIT_EXPECT_EQ(test, mnk_invalidate(mm, 0x1000, 0x2000, true, NULL),
			0);
	KUNIT_EXPECT_EQ(test, f->starts, 2);
	mmu_notifier_unregister(&f->mn, mm);
	mmput(mm);
}

static void mnk_nonblock_failure_ends_the_others(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *f = mnk_registered(test, mm, &mnk_fail_ops);
	struct mnk_rec *ok = mnk_registered(test, mm, &mnk_ops);

	f->fail_nonblock = true;
	KUNIT_EXPECT_EQ(test, mnk_invalidate(mm, 0x1000, 0x2000, false, NULL),
			-EAGAIN);
	/* The notifier that started gets its end; none is left open. */
	KUNIT_EXPECT_EQ(test, ok->starts, 1);
	KUNIT_EXPECT_EQ(test, ok->ends, 1);
	KUNIT_EXPECT_EQ(test, ok->depth, 0);
	mmu_notifier_unregister(&ok->mn, mm);
	mmu_notifier_unregister(&f->mn, mm);
	mmput(mm);
}

static void mnk_every_notifier_called(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *a = mnk_registered(test, mm, &mnk_ops);
	struct mnk_rec *b = mnk_registered(test, mm, &mnk_ops);

	mnk_invalidate(mm, 0x1000, 0x2000, true, NULL);
	KUNIT_EXPECT_EQ(test, a->starts, 1);
	KUNIT_EXPECT_EQ(test, a->ends, 1);
	KUNIT_EXPECT_EQ(test, b->starts, 1);
	KUNIT_EXPECT_EQ(test, b->ends, 1);
	mmu_notifier_unregister(&a->mn, mm);
	mnk_invalidate(mm, 0x1000, 0x2000, true, NULL);
	KUNIT_EXPECT_EQ(test, a->starts, 1);
	KUNIT_EXPECT_EQ(test, b->starts, 2);
	mmu_notifier_unregister(&b->mn, mm);
	mmput(mm);
}

static void mnk_unregister_calls_release_once(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_registered(test, mm, &mnk_ops);

	mmu_notifier_unregister(&r->mn, mm);
	KUNIT_EXPECT_EQ(test, r->releases, 1);
	mmput(mm);
	KUNIT_EXPECT_EQ(test, r->releases, 1);
}

static void mnk_unregister_stops_callbacks(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_registered(test, mm, &mnk_ops);
	unsigned long addr = mnk_map(test, mm, MNK_LEN);

	mmu_notifier_unregister(&r->mn, mm);
	r->starts = 0;
	mnk_unmap(mm, addr, MNK_LEN);
	mnk_invalidate(mm, 0x1000, 0x2000, true, NULL);
	KUNIT_EXPECT_EQ(test, r->starts, 0);
	mmput(mm);
}

/*
 * Unregistering one of two notifiers leaves the other getting every
 * callout, and the young callouts with it; once both are gone, neither
 * gets anything.
 */
static void mnk_unregister_one_of_two(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *a = mnk_registered(test, mm, &mnk_ops);
	struct mnk_rec *b = mnk_registered(test, mm, &mnk_ops);
	int young;

	mmu_notifier_unregister(&a->mn, mm);
	a->starts = 0;
	mnk_invalidate(mm, 0x1000, 0x2000, true, NULL);
	KUNIT_EXPECT_EQ(test, a->starts, 0);
	KUNIT_EXPECT_EQ(test, b->starts, 1);
	KUNIT_EXPECT_EQ(test, b->ends, 1);
	b->young_ret = 1;
	mmap_read_lock(mm);
	young = mmu_notifier_clear_young(mm, 0x1000, 0x2000);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_NE(test, young, 0);
	KUNIT_EXPECT_EQ(test, a->young_calls, 0);
	KUNIT_EXPECT_EQ(test, b->young_calls, 1);
	mmu_notifier_unregister(&b->mn, mm);
	b->starts = 0;
	b->ends = 0;
	mnk_invalidate(mm, 0x1000, 0x2000, true, NULL);
	KUNIT_EXPECT_EQ(test, b->starts, 0);
	KUNIT_EXPECT_EQ(test, b->ends, 0);
	mmap_read_lock(mm);
	young = mmu_notifier_clear_young(mm, 0x1000, 0x2000);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, young, 0);
	KUNIT_EXPECT_EQ(test, b->young_calls, 1);
	KUNIT_EXPECT_TRUE(test, mm_has_notifiers(mm));
	mmput(mm);
}

static void mnk_teardown_calls_release_once(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_registered(test, mm, &mnk_ops);

	mnk_map(test, mm, MNK_LEN);
	mmgrab(mm);
	mmput(mm);
	KUNIT_EXPECT_EQ(test, r->releases, 1);
	/* Unregistering after the teardown must not release again. */
	mmu_notifier_unregister(&r->mn, mm);
	KUNIT_EXPECT_EQ(test, r->releases, 1);
	mmdrop(mm);
}

struct mnk_thread {
	struct mm_struct *mm;
	struct mmu_interval_notifier *isub;
	struct completion done;
	unsigned long seq;
};

static int mnk_mmput_fn(void *data)
{
	struct mnk_thread *t = data;

	mmput(t->mm);
	complete(&t->done);
	return 0;
}

static void mnk_unregister_waits_for_teardown(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_registered(test, mm, &mnk_ops);
	struct mnk_thread t = { .mm = mm };
	struct task_struct *task;

	init_completion(&t.done);
	r->release_delay_ms = 2 * MNK_WAIT_MS;
	mmgrab(mm);
	task = kthread_run(mnk_mmput_fn, &t, "mnk_mmput");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	if (!wait_for_completion_timeout(&r->release_started, 10 * HZ)) {
		KUNIT_FAIL(test, "the teardown did not call ->release");
		wait_for_completion(&t.done);
		mmu_notifier_unregister(&r->mn, mm);
		mmdrop(mm);
		return;
	}
	/* The teardown is inside ->release: unregister must wait for it. */
	mmu_notifier_unregister(&r->mn, mm);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(r->release_done));
	/*
	 * 6.12 calls ->release a second time from unregister when it finds
	 * the notifier still linked while the teardown's ->release runs; the
	 * contract is that both calls are over when unregister returns.
	 */
	KUNIT_EXPECT_GE(test, r->releases, 1);
	KUNIT_EXPECT_LE(test, r->releases, 2);
	wait_for_completion(&t.done);
	mmdrop(mm);
}

static void mnk_locked_register(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_rec_new(test, &mnk_ops);
	int ret;

	mmap_write_lock(mm);
	ret = __mmu_notifier_register(&r->mn, mm);
	mmap_write_unlock(mm);
	KUNIT_ASSERT_EQ(test, ret, 0);
	mnk_invalidate(mm, 0x1000, 0x2000, true, NULL);
	KUNIT_EXPECT_EQ(test, r->starts, 1);
	mmu_notifier_unregister(&r->mn, mm);
	mmput(mm);
}

static void mnk_register_interrupted_leaves_nothing(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *r = mnk_rec_new(test, &mnk_ops);
	unsigned long addr = mnk_map(test, mm, MNK_LEN);
	int ret;

	/* The lock sweep gives up when a signal is pending. */
	allow_signal(SIGUSR1);
	send_sig(SIGUSR1, current, 1);
	ret = mmu_notifier_register(&r->mn, mm);
	flush_signals(current);
	disallow_signal(SIGUSR1);
	KUNIT_EXPECT_EQ(test, ret, -EINTR);
	mnk_unmap(mm, addr, MNK_LEN);
	KUNIT_EXPECT_EQ(test, r->starts, 0);
	KUNIT_EXPECT_EQ(test, r->releases, 0);
	if (ret == 0)
		mmu_notifier_unregister(&r->mn, mm);
	mmput(mm);
	KUNIT_EXPECT_EQ(test, r->releases, 0);
}

/* get/put: notifiers the core allocates and frees. */
static atomic_t mnk_allocs, mnk_frees;
static bool mnk_alloc_fails;
static bool mnk_alloc_put_in_release;

static struct mmu_notifier *mnk_alloc_notifier(struct mm_struct *mm)
{
	struct mnk_rec *r;

	if (mnk_alloc_fails)
		return ERR_PTR(-ENOMEM);
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	mnk_rec_init(r);
	r->put_in_release = mnk_alloc_put_in_release;
	atomic_inc(&mnk_allocs);
	return &r->mn;
}

static void mnk_free_notifier(struct mmu_notifier *mn)
{
	atomic_inc(&mnk_frees);
	kfree(to_rec(mn));
}

static const struct mmu_notifier_ops mnk_get_ops = {
	.release = mnk_release,
	.invalidate_range_start = mnk_start,
	.invalidate_range_end = mnk_end,
	.alloc_notifier = mnk_alloc_notifier,
	.free_notifier = mnk_free_notifier,
};

static const struct mmu_notifier_ops mnk_get_ops2 = {
	.invalidate_range_start = mnk_start,
	.invalidate_range_end = mnk_end,
	.alloc_notifier = mnk_alloc_notifier,
	.free_notifier = mnk_free_notifier,
};

static void mnk_get_reset(void)
{
	mmu_notifier_synchronize();
	atomic_set(&mnk_allocs, 0);
	atomic_set(&mnk_frees, 0);
	mnk_alloc_fails = false;
	mnk_alloc_put_in_release = false;
}

static void mnk_get_returns_same_notifier(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mmu_notifier *a, *b;

	mnk_get_reset();
	a = mmu_notifier_get(&mnk_get_ops, mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	b = mmu_notifier_get(&mnk_get_ops, mm);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	KUNIT_EXPECT_EQ(test, atomic_read(&mnk_allocs), 1);
	KUNIT_EXPECT_PTR_EQ(test, a->mm, mm);
	mmu_notifier_put(b);
	mmu_notifier_put(a);
	mmu_notifier_synchronize();
	KUNIT_EXPECT_EQ(test, atomic_read(&mnk_frees), 1);
	mmput(mm);
}

static void mnk_get_distinct_ops(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mmu_notifier *a, *b;

	mnk_get_reset();
	a = mmu_notifier_get(&mnk_get_ops, mm);
	b = mmu_notifier_get(&mnk_get_ops2, mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_EQ(test, atomic_read(&mnk_allocs), 2);
	mnk_invalidate(mm, 0x1000, 0x2000, true, NULL);
	KUNIT_EXPECT_EQ(test, to_rec(a)->starts, 1);
	KUNIT_EXPECT_EQ(test, to_rec(b)->starts, 1);
	mmu_notifier_put(a);
	mmu_notifier_put(b);
	mmu_notifier_synchronize();
	KUNIT_EXPECT_EQ(test, atomic_read(&mnk_frees), 2);
	mmput(mm);
}

static void mnk_put_frees_after_last_reference(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mmu_notifier *a;

	mnk_get_reset();
	a = mmu_notifier_get(&mnk_get_ops, mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_ASSERT_PTR_EQ(test, mmu_notifier_get(&mnk_get_ops, mm), a);
	mmu_notifier_put(a);
	mmu_notifier_synchronize();
	KUNIT_EXPECT_EQ(test, atomic_read(&mnk_frees), 0);
	/* Still registered: it is still told about invalidations. */
	mnk_invalidate(mm, 0x1000, 0x2000, true, NULL);
	KUNIT_EXPECT_EQ(test, to_rec(a)->starts, 1);
	mmu_notifier_put(a);
	mmu_notifier_synchronize();
	KUNIT_EXPECT_EQ(test, atomic_read(&mnk_frees), 1);
	mmput(mm);
}

static void mnk_get_after_free_allocates(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mmu_notifier *a;

	mnk_get_reset();
	a = mmu_notifier_get(&mnk_get_ops, mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	mmu_notifier_put(a);
	mmu_notifier_synchronize();
	a = mmu_notifier_get(&mnk_get_ops, mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, atomic_read(&mnk_allocs), 2);
	mmu_notifier_put(a);
	mmu_notifier_synchronize();
	KUNIT_EXPECT_EQ(test, atomic_read(&mnk_frees), 2);
	mmput(mm);
}

static void mnk_put_from_release(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mmu_notifier *a;

	mnk_get_reset();
	mnk_alloc_put_in_release = true;
	a = mmu_notifier_get(&mnk_get_ops, mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	mnk_map(test, mm, MNK_LEN);
	/* The teardown calls ->release, which drops the last reference. */
	mmput(mm);
	mmu_notifier_synchronize();
	KUNIT_EXPECT_EQ(test, atomic_read(&mnk_allocs), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&mnk_frees), 1);
	mnk_get_reset();
}

static void mnk_get_alloc_failure(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mmu_notifier *a;

	mnk_get_reset();
	mnk_alloc_fails = true;
	a = mmu_notifier_get(&mnk_get_ops, mm);
	KUNIT_EXPECT_TRUE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, PTR_ERR(a), -ENOMEM);
	mnk_alloc_fails = false;
	/* Nothing was left behind: the next get allocates afresh. */
	a = mmu_notifier_get(&mnk_get_ops, mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, atomic_read(&mnk_allocs), 1);
	mmu_notifier_put(a);
	mmu_notifier_synchronize();
	mmput(mm);
}

static void mnk_get_locked(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mmu_notifier *a, *b;

	mnk_get_reset();
	mmap_write_lock(mm);
	a = mmu_notifier_get_locked(&mnk_get_ops, mm);
	b = mmu_notifier_get_locked(&mnk_get_ops, mm);
	mmap_write_unlock(mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	mmu_notifier_put(a);
	mmu_notifier_put(b);
	mmu_notifier_synchronize();
	KUNIT_EXPECT_EQ(test, atomic_read(&mnk_frees), 1);
	mmput(mm);
}

static void mnk_clear_flush_young_ors(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *a = mnk_registered(test, mm, &mnk_ops);
	struct mnk_rec *b = mnk_registered(test, mm, &mnk_ops);
	int young;

	a->young_ret = 1;
	mmap_read_lock(mm);
	young = mmu_notifier_clear_flush_young(mm, 0x4000, 0x5000);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_NE(test, young, 0);
	/* Every notifier must clear its bits, not just the first young one. */
	KUNIT_EXPECT_EQ(test, a->young_calls, 1);
	KUNIT_EXPECT_EQ(test, b->young_calls, 1);
	KUNIT_EXPECT_EQ(test, b->start, 0x4000UL);
	KUNIT_EXPECT_EQ(test, b->end, 0x5000UL);
	a->young_ret = 0;
	mmap_read_lock(mm);
	young = mmu_notifier_clear_flush_young(mm, 0x4000, 0x5000);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, young, 0);
	mmu_notifier_unregister(&a->mn, mm);
	mmu_notifier_unregister(&b->mn, mm);
	mmput(mm);
}

static void mnk_clear_young_ors(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *a = mnk_registered(test, mm, &mnk_ops);
	struct mnk_rec *b = mnk_registered(test, mm, &mnk_ops);
	int young;

	b->young_ret = 1;
	mmap_read_lock(mm);
	young = mmu_notifier_clear_young(mm, 0x6000, 0x8000);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_NE(test, young, 0);
	KUNIT_EXPECT_EQ(test, a->young_calls, 1);
	KUNIT_EXPECT_EQ(test, b->young_calls, 1);
	mmu_notifier_unregister(&a->mn, mm);
	mmu_notifier_unregister(&b->mn, mm);
	mmput(mm);
}

static void mnk_test_young_reports(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *a = mnk_registered(test, mm, &mnk_ops);
	int young;

	mmap_read_lock(mm);
	young = mmu_notifier_test_young(mm, 0x9000);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, young, 0);
	KUNIT_EXPECT_EQ(test, a->young_calls, 1);
	KUNIT_EXPECT_EQ(test, a->start, 0x9000UL);
	a->young_ret = 1;
	mmap_read_lock(mm);
	young = mmu_notifier_test_young(mm, 0x9000);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_NE(test, young, 0);
	mmu_notifier_unregister(&a->mn, mm);
	mmput(mm);
}

static void mnk_arch_invalidate_secondary_tlbs(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_rec *a = mnk_registered(test, mm, &mnk_tlb_ops);

	mmap_read_lock(mm);
	mmu_notifier_arch_invalidate_secondary_tlbs(mm, 0xa000, 0xc000);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, a->tlb_calls, 1);
	KUNIT_EXPECT_EQ(test, a->start, 0xa000UL);
	KUNIT_EXPECT_EQ(test, a->end, 0xc000UL);
	mmu_notifier_unregister(&a->mn, mm);
	mmput(mm);
}

/* Interval notifiers. */
struct mnk_isub {
	struct mmu_interval_notifier isub;
	spinlock_t lock;	/* the driver lock of the sequence protocol */
	int calls;
	enum mmu_notifier_event event;
	unsigned long events;	/* BIT(event) of every call */
	unsigned long start;
	unsigned long end;
	bool fail_nonblock;
};

static bool mnk_interval_invalidate(struct mmu_interval_notifier *isub,
				    const struct mmu_notifier_range *range,
				    unsigned long cur_seq)
{
	struct mnk_isub *s = container_of(isub, struct mnk_isub, isub);

	if (!mmu_notifier_range_blockable(range) && s->fail_nonblock)
		return false;
	spin_lock(&s->lock);
	mmu_interval_set_seq(isub, cur_seq);
	s->calls++;
	s->event = range->event;
	s->events |= BIT(range->event);
	s->start = range->start;
	s->end = range->end;
	spin_unlock(&s->lock);
	return true;
}

static const struct mmu_interval_notifier_ops mnk_interval_ops = {
	.invalidate = mnk_interval_invalidate,
};

static struct mnk_isub *mnk_interval(struct kunit *test, struct mm_struct *mm,
				     unsigned long start, unsigned long len)
{
	struct mnk_isub *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	spin_lock_init(&s->lock);
	KUNIT_ASSERT_EQ(test, mmu_interval_notifier_insert(&s->isub, mm, start,
							   len,
							   &mnk_interval_ops),
			0);
	return s;
}

static void mnk_interval_read_retry(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	unsigned long addr = mnk_map(test, mm, MNK_LEN);
	struct mnk_isub *s = mnk_interval(test, mm, addr, MNK_LEN);
	unsigned long seq;

	KUNIT_EXPECT_PTR_EQ(test, s->isub.mm, mm);
	seq = mmu_interval_read_begin(&s->isub);
	KUNIT_EXPECT_FALSE(test, mmu_interval_read_retry(&s->isub, seq));
	KUNIT_EXPECT_EQ(test, mnk_write(mm, addr, 1), 0);
	mnk_unmap(mm, addr + 2 * PAGE_SIZE, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, s->calls, 1);
	KUNIT_EXPECT_EQ(test, s->event, MMU_NOTIFY_UNMAP);
	KUNIT_EXPECT_TRUE(test, mmu_interval_read_retry(&s->isub, seq));
	seq = mmu_interval_read_begin(&s->isub);
	KUNIT_EXPECT_FALSE(test, mmu_interval_read_retry(&s->isub, seq));
	mmu_interval_notifier_remove(&s->isub);
	mmput(mm);
}

static void mnk_interval_check_retry(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_isub *s = mnk_interval(test, mm, 0x100000, 0x10000);
	unsigned long seq;

	seq = mmu_interval_read_begin(&s->isub);
	KUNIT_EXPECT_FALSE(test, mmu_interval_check_retry(&s->isub, seq));
	mnk_invalidate(mm, 0x108000, 0x109000, true, NULL);
	KUNIT_EXPECT_TRUE(test, mmu_interval_check_retry(&s->isub, seq));
	mmu_interval_notifier_remove(&s->isub);
	mmput(mm);
}

static void mnk_interval_outside_range(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_isub *s = mnk_interval(test, mm, 0x100000, 0x10000);
	unsigned long seq = mmu_interval_read_begin(&s->isub);

	mnk_invalidate(mm, 0x80000, 0x100000, true, NULL);	/* just below */
	mnk_invalidate(mm, 0x110000, 0x120000, true, NULL);	/* just above */
	KUNIT_EXPECT_EQ(test, s->calls, 0);
	KUNIT_EXPECT_FALSE(test, mmu_interval_read_retry(&s->isub, seq));
	mnk_invalidate(mm, 0x10f000, 0x110000, true, NULL);	/* last page */
	KUNIT_EXPECT_EQ(test, s->calls, 1);
	KUNIT_EXPECT_EQ(test, s->start, 0x10f000UL);
	KUNIT_EXPECT_EQ(test, s->end, 0x110000UL);
	mmu_interval_notifier_remove(&s->isub);
	mmput(mm);
}

static void mnk_interval_remove_stops_callbacks(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_isub *s = mnk_interval(test, mm, 0x100000, 0x10000);
	struct mnk_isub *t = mnk_interval(test, mm, 0x100000, 0x10000);

	mmu_interval_notifier_remove(&s->isub);
	mnk_invalidate(mm, 0x100000, 0x101000, true, NULL);
	KUNIT_EXPECT_EQ(test, s->calls, 0);
	KUNIT_EXPECT_EQ(test, t->calls, 1);
	mmu_interval_notifier_remove(&t->isub);
	mmput(mm);
}

static int mnk_read_begin_fn(void *data);

static void mnk_interval_insert_during_invalidation(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_isub *s = mnk_interval(test, mm, 0x100000, 0x10000);
	struct mnk_isub *late = kunit_kzalloc(test, sizeof(*late), GFP_KERNEL);
	struct mnk_thread t = { .mm = mm };
	struct mmu_notifier_range range;
	struct task_struct *task;
	unsigned long seq;

	KUNIT_ASSERT_NOT_NULL(test, late);
	spin_lock_init(&late->lock);
	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, 0x100000,
				0x110000);
	/* insert may take the mmap_lock: use the _locked form under it. */
	mmap_write_lock(mm);
	mmu_notifier_invalidate_range_start(&range);
	KUNIT_EXPECT_EQ(test,
			mmu_interval_notifier_insert_locked(&late->isub, mm,
							    0x100000, 0x10000,
							    &mnk_interval_ops),
			0);
	/* A read of it waits for the invalidation in flight to end. */
	t.isub = &late->isub;
	init_completion(&t.done);
	task = kthread_run(mnk_read_begin_fn, &t, "mnk_late_read");
	KUNIT_EXPECT_FALSE(test, IS_ERR(task));
	if (!IS_ERR(task))
		KUNIT_EXPECT_EQ_MSG(test,
				    wait_for_completion_timeout(&t.done, HZ / 2),
				    0, "a read began during the invalidation");
	mmu_notifier_invalidate_range_end(&range);
	mmap_write_unlock(mm);
	if (!IS_ERR(task)) {
		wait_for_completion(&t.done);
		KUNIT_EXPECT_FALSE(test, mmu_interval_read_retry(&late->isub,
								 t.seq));
	}
	/* It was not told of the invalidation in flight when it came... */
	KUNIT_EXPECT_EQ(test, late->calls, 0);
	KUNIT_EXPECT_EQ(test, s->calls, 1);
	/* ...and is in the tree once that invalidation ended. */
	seq = mmu_interval_read_begin(&late->isub);
	KUNIT_EXPECT_FALSE(test, mmu_interval_read_retry(&late->isub, seq));
	mnk_invalidate(mm, 0x104000, 0x105000, true, NULL);
	KUNIT_EXPECT_EQ(test, late->calls, 1);
	KUNIT_EXPECT_TRUE(test, mmu_interval_read_retry(&late->isub, seq));
	mmu_interval_notifier_remove(&late->isub);
	mmu_interval_notifier_remove(&s->isub);
	mmput(mm);
}

static int mnk_remove_fn(void *data)
{
	struct mnk_thread *t = data;

	mmu_interval_notifier_remove(t->isub);
	complete(&t->done);
	return 0;
}

static int mnk_read_begin_fn(void *data)
{
	struct mnk_thread *t = data;

	t->seq = mmu_interval_read_begin(t->isub);
	complete(&t->done);
	return 0;
}

/* Run fn in a kthread while an invalidation of the interval is in flight. */
static void mnk_during_invalidation(struct kunit *test, struct mm_struct *mm,
				    struct mnk_isub *s, int (*fn)(void *),
				    struct mnk_thread *t)
{
	struct mmu_notifier_range range;
	struct task_struct *task;
	unsigned long left;

	t->mm = mm;
	t->isub = &s->isub;
	init_completion(&t->done);
	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, 0x100000,
				0x101000);
	mmap_read_lock(mm);
	mmu_notifier_invalidate_range_start(&range);
	task = kthread_run(fn, t, "mnk_interval");
	if (IS_ERR(task)) {
		mmu_notifier_invalidate_range_end(&range);
		mmap_read_unlock(mm);
		KUNIT_FAIL(test, "kthread_run failed");
		return;
	}
	/* It must wait for the invalidation that covers it to end. */
	left = wait_for_completion_timeout(&t->done,
					   msecs_to_jiffies(MNK_WAIT_MS));
	KUNIT_EXPECT_EQ(test, left, 0UL);
	mmu_notifier_invalidate_range_end(&range);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&t->done, 10 * HZ),
			0UL);
}

static void mnk_interval_remove_waits(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_isub *s = mnk_interval(test, mm, 0x100000, 0x10000);
	struct mnk_thread t;

	mnk_during_invalidation(test, mm, s, mnk_remove_fn, &t);
	KUNIT_EXPECT_EQ(test, s->calls, 1);
	mnk_invalidate(mm, 0x100000, 0x101000, true, NULL);
	KUNIT_EXPECT_EQ(test, s->calls, 1);
	mmput(mm);
}

static void mnk_interval_read_begin_waits(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_isub *s = mnk_interval(test, mm, 0x100000, 0x10000);
	struct mnk_thread t;

	mnk_during_invalidation(test, mm, s, mnk_read_begin_fn, &t);
	/* The sequence it got is the one after the invalidation. */
	KUNIT_EXPECT_FALSE(test, mmu_interval_read_retry(&s->isub, t.seq));
	mmu_interval_notifier_remove(&s->isub);
	mmput(mm);
}

static void mnk_interval_nonblock_failure(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_isub *s = mnk_interval(test, mm, 0x100000, 0x10000);
	unsigned long seq;

	s->fail_nonblock = true;
	KUNIT_EXPECT_EQ(test, mnk_invalidate(mm, 0x100000, 0x101000, false,
					     NULL), -EAGAIN);
	/* The failed invalidation is over: readers do not wait for it. */
	seq = mmu_interval_read_begin(&s->isub);
	KUNIT_EXPECT_FALSE(test, mmu_interval_read_retry(&s->isub, seq));
	s->fail_nonblock = false;
	KUNIT_EXPECT_EQ(test, mnk_invalidate(mm, 0x100000, 0x101000, false,
					     NULL), 0);
	KUNIT_EXPECT_EQ(test, s->calls, 1);
	mmu_interval_notifier_remove(&s->isub);
	mmput(mm);
}

/*
 * An insert that fails leaves the notifier as it found it: a driver takes
 * a non-NULL ->mm for "inserted", and would remove, or mmdrop() through,
 * a notifier that never held the mm.
 */
static void mnk_interval_refused_insert_leaves_mm_unset(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_isub *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	spin_lock_init(&s->lock);
	KUNIT_EXPECT_EQ(test, mmu_interval_notifier_insert(&s->isub, mm,
							   0x100000, 0,
							   &mnk_interval_ops),
			-EOVERFLOW);
	KUNIT_EXPECT_NULL(test, s->isub.mm);
	KUNIT_EXPECT_EQ(test, mmu_interval_notifier_insert(&s->isub, mm,
							   ULONG_MAX & PAGE_MASK,
							   2 * PAGE_SIZE,
							   &mnk_interval_ops),
			-EOVERFLOW);
	KUNIT_EXPECT_NULL(test, s->isub.mm);
	/* The same notifier can still be inserted, and then it is. */
	KUNIT_EXPECT_EQ(test, mmu_interval_notifier_insert(&s->isub, mm,
							   0x100000, 0x10000,
							   &mnk_interval_ops),
			0);
	KUNIT_EXPECT_PTR_EQ(test, s->isub.mm, mm);
	mnk_invalidate(mm, 0x100000, 0x101000, true, NULL);
	KUNIT_EXPECT_EQ(test, s->calls, 1);
	mmu_interval_notifier_remove(&s->isub);
	mmput(mm);
}

/*
 * An interval may end at the top of the address space: its last byte is
 * ULONG_MAX, which start + length - 1 reaches without overflowing. An
 * invalidation that reaches its first byte reaches it; the page below does
 * not.
 */
static void mnk_interval_insert_at_the_top(struct kunit *test)
{
	unsigned long top = ULONG_MAX & PAGE_MASK;
	struct mm_struct *mm = mnk_mm(test);
	struct mnk_isub *s = mnk_interval(test, mm, top, PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, s->isub.interval_tree.last, ULONG_MAX);
	mnk_invalidate(mm, top - PAGE_SIZE, top, true, NULL);
	KUNIT_EXPECT_EQ(test, s->calls, 0);
	mnk_invalidate(mm, top - PAGE_SIZE, top + 1, true, NULL);
	KUNIT_EXPECT_EQ(test, s->calls, 1);
	mmu_interval_notifier_remove(&s->isub);
	mmput(mm);
}

static void mnk_interval_teardown_reports_release(struct kunit *test)
{
	struct mm_struct *mm = mnk_mm(test);
	unsigned long addr = mnk_map(test, mm, MNK_LEN);
	struct mnk_isub *s = mnk_interval(test, mm, addr, MNK_LEN);

	mmgrab(mm);
	mmput(mm);
	KUNIT_EXPECT_GE(test, s->calls, 1);
	KUNIT_EXPECT_TRUE(test, s->events & BIT(MMU_NOTIFY_RELEASE));
	mmu_interval_notifier_remove(&s->isub);
	mmdrop(mm);
}

static struct kunit_case mmu_notifier_cases[] = {
	KUNIT_CASE(mnk_no_notifiers_on_new_mm),
	KUNIT_CASE(mnk_register_sets_has_notifiers),
	KUNIT_CASE(mnk_munmap_reports_unmap),
	KUNIT_CASE(mnk_dontneed_reports_clear),
	KUNIT_CASE(mnk_cow_of_zero_page_reports_clear),
	KUNIT_CASE(mnk_start_end_pair_and_nest),
	KUNIT_CASE(mnk_blockable_follows_entry_point),
	KUNIT_CASE(mnk_range_fields_passed_through),
	KUNIT_CASE(mnk_nonblock_failure_returns_eagain),
	KUNIT_CASE(mnk_nonblock_failure_ends_the_others),
	KUNIT_CASE(mnk_every_notifier_called),
	KUNIT_CASE(mnk_unregister_calls_release_once),
	KUNIT_CASE(mnk_unregister_stops_callbacks),
	KUNIT_CASE(mnk_unregister_one_of_two),
	KUNIT_CASE(mnk_teardown_calls_release_once),
	KUNIT_CASE(mnk_unregister_waits_for_teardown),
	KUNIT_CASE(mnk_locked_register),
	KUNIT_CASE(mnk_register_interrupted_leaves_nothing),
	KUNIT_CASE(mnk_get_returns_same_notifier),
	KUNIT_CASE(mnk_get_distinct_ops),
	KUNIT_CASE(mnk_put_frees_after_last_reference),
	KUNIT_CASE(mnk_get_after_free_allocates),
	KUNIT_CASE(mnk_put_from_release),
	KUNIT_CASE(mnk_get_alloc_failure),
	KUNIT_CASE(mnk_get_locked),
	KUNIT_CASE(mnk_clear_flush_young_ors),
	KUNIT_CASE(mnk_clear_young_ors),
	KUNIT_CASE(mnk_test_young_reports),
	KUNIT_CASE(mnk_arch_invalidate_secondary_tlbs),
	KUNIT_CASE(mnk_interval_read_retry),
	KUNIT_CASE(mnk_interval_check_retry),
	KUNIT_CASE(mnk_interval_outside_range),
	KUNIT_CASE(mnk_interval_remove_stops_callbacks),
	KUNIT_CASE(mnk_interval_insert_during_invalidation),
	KUNIT_CASE(mnk_interval_remove_waits),
	KUNIT_CASE(mnk_interval_read_begin_waits),
	KUNIT_CASE(mnk_interval_nonblock_failure),
	KUNIT_CASE(mnk_interval_refused_insert_leaves_mm_unset),
	KUNIT_CASE(mnk_interval_insert_at_the_top),
	KUNIT_CASE(mnk_interval_teardown_reports_release),
	{}
};

static struct kunit_suite mmu_notifier_suite = {
	.name = "mmu_notifier",
	.test_cases = mmu_notifier_cases,
};

kunit_test_suite(mmu_notifier_suite);

MODULE_DESCRIPTION("KUnit tests of the MMU notifier core");
MODULE_LICENSE("GPL");
