// SPDX-License-Identifier: GPL-2.0
/*
 * A test driver that plays a secondary MMU, for the MMU notifier selftests.
 *
 * Each open file is a device bound to one mm: the opener's, or another
 * process's (TMN_ATTACH). It can hold several notifiers at once, plain
 * (mmu_notifier_register()), interval (mmu_interval_notifier_insert()) or
 * shared (mmu_notifier_get()). Each notifier owns a device page table over
 * a window of the address space: TMN_MIRROR faults pages in with GUP and
 * records their pfns and permission, and TMN_READ and TMN_WRITE access
 * memory through those pfns, as a device would, never through the
 * process's page tables. An invalidation drops the entries it covers, so
 * a test can check that the device never sees stale data and never writes
 * into a page the process no longer maps. Every callout is logged (range,
 * event, blockable, owner, start/end pairing) for TMN_EVENTS.
 *
 * The mirror follows the two protocols a driver may use. Plain and shared
 * notifiers use a sequence count and an in-progress count, bumped by
 * invalidate_range_start and dropped by invalidate_range_end; a fault
 * installs its pfns only if neither moved since before its GUP. Interval
 * notifiers use mmu_interval_read_begin() and mmu_interval_read_retry().
 * Either way the table lock is taken by the invalidation, so an access
 * through a valid entry under that lock cannot race with the page's unmap:
 * the core frees a page only after invalidate_range_start returned.
 *
 * Like KVM, the device holds no reference on the pages it maps: only the
 * notifier contract keeps a mirrored page alive, and a reference would
 * hide the migration, KSM, collapse and reclaim paths under test. When an
 * entry goes, its accessed bit goes to the folio's referenced flag.
 *
 * Only a task with CAP_SYS_ADMIN may open the device.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/mmu_notifier.h>
#include <linux/highmem.h>
#include <linux/rmap.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/delay.h>
#include <linux/wait.h>

#include "test_mmu_notifier_uapi.h"

#define TMN_LOG_SIZE	4096
#define TMN_OPEN_RANGES	32
#define TMN_CHUNK	64
#define TMN_RETRIES	1000

struct tmn_file;

struct tmn_notifier {
	struct mmu_notifier mn;
	struct mmu_interval_notifier mni;
	/* The file that registered it: compared with range->owner only. */
	struct tmn_file *owner;
	unsigned int kind;
	unsigned int flags;
	unsigned int id;
	unsigned long start;
	unsigned long npages;

	/* Protects everything below; taken inside every callout. */
	spinlock_t lock;
	u64 *pte;
	unsigned int active;
	u64 seq;
	wait_queue_head_t wq;
	struct tmn_status count;
	const struct mmu_notifier_range *open[TMN_OPEN_RANGES];
	u32 open_pair[TMN_OPEN_RANGES];
	u32 next_pair;
	struct tmn_event *log;
	unsigned int log_head;
	unsigned int log_len;
	unsigned int lost;
};

struct tmn_file {
	/* Serializes the ioctls of the file: its slots and its mm. */
	struct mutex lock;
	struct mm_struct *mm;
	struct tmn_notifier *slot[TMN_MAX_NOTIFIERS];
};

/*
 * mmu_notifier_get() allocates through ->alloc_notifier, which takes no
 * argument but the mm: the window it should mirror passes through here.
 */
static DEFINE_MUTEX(tmn_get_mutex);
static struct tmn_register tmn_get_args;
static struct tmn_file *tmn_get_owner;

static struct tmn_notifier *tmn_alloc(struct tmn_file *owner,
				      const struct tmn_register *args)
{
	struct tmn_notifier *n = kzalloc(sizeof(*n), GFP_KERNEL);

	if (!n)
		return NULL;
	n->pte = kvcalloc(args->length >> PAGE_SHIFT, sizeof(*n->pte),
			  GFP_KERNEL);
	n->log = kvcalloc(TMN_LOG_SIZE, sizeof(*n->log), GFP_KERNEL);
	if (!n->pte || !n->log) {
		kvfree(n->pte);
		kvfree(n->log);
		kfree(n);
		return NULL;
	}
	n->owner = owner;
	n->kind = args->kind;
	n->flags = args->flags;
	n->start = args->start;
	n->npages = args->length >> PAGE_SHIFT;
	spin_lock_init(&n->lock);
	init_waitqueue_head(&n->wq);
	return n;
}

static void tmn_free(struct tmn_notifier *n)
{
	kvfree(n->pte);
	kvfree(n->log);
	kfree(n);
}

static void tmn_log(struct tmn_notifier *n, u32 type, u32 event, u32 flags,
		    u32 pair, unsigned long start, unsigned long end,
		    u32 dropped)
{
	struct tmn_event *e;

	lockdep_assert_held(&n->lock);
	if (n->log_len == TMN_LOG_SIZE) {
		n->lost++;
		return;
	}
	e = &n->log[(n->log_head + n->log_len++) % TMN_LOG_SIZE];
	*e = (struct tmn_event) {
		.type = type, .event = event, .flags = flags, .pair = pair,
		.start = start, .end = end, .dropped = dropped, .id = n->id,
	};
}

static u32 tmn_range_flags(struct tmn_notifier *n,
			   const struct mmu_notifier_range *range)
{
	u32 flags = 0;

	if (mmu_notifier_range_blockable(range))
		flags |= TMN_EVF_BLOCKABLE;
	if (range->owner == n->owner)
		flags |= TMN_EVF_OWNER;
	else if (range->owner)
		flags |= TMN_EVF_OTHER_OWNER;
	return flags;
}

/* The window's page indexes that [start, end) covers, as [*first, *last). */
static bool tmn_clamp(struct tmn_notifier *n, unsigned long start,
		      unsigned long end, unsigned long *first,
		      unsigned long *last)
{
	unsigned long wend = n->start + (n->npages << PAGE_SHIFT);

	if (end <= n->start || start >= wend)
		return false;
	*first = (max(start, n->start) - n->start) >> PAGE_SHIFT;
	*last = (min(end, wend) - n->start + PAGE_SIZE - 1) >> PAGE_SHIFT;
	return true;
}

/*
 * Drop the entries of [start, end). As a secondary MMU must, pass the
 * device's accessed bit on to the page before forgetting it: the page is
 * still mapped while the invalidation runs, and aging (khugepaged, reclaim)
 * may look at it only after the entry is gone. Only the flag: activating
 * the folio here would take a reference that a collapse or a migration
 * running this invalidation would then find.
 */
static u32 tmn_drop(struct tmn_notifier *n, unsigned long start,
		    unsigned long end)
{
	unsigned long i, first, last;
	u32 dropped = 0;

	lockdep_assert_held(&n->lock);
	if (!tmn_clamp(n, start, end, &first, &last))
		return 0;
	for (i = first; i < last; i++) {
		if (n->pte[i] & TMN_PTE_VALID) {
			dropped++;
			if (n->pte[i] & TMN_PTE_YOUNG)
				folio_set_referenced(pfn_folio(n->pte[i] >>
							       TMN_PFN_SHIFT));
		}
		n->pte[i] = 0;
	}
	return dropped;
}

static int tmn_invalidate_range_start(struct mmu_notifier *mn,
				      const struct mmu_notifier_range *range)
{
	struct tmn_notifier *n = container_of(mn, struct tmn_notifier, mn);
	u32 flags = tmn_range_flags(n, range);
	u32 pair = 0, dropped;
	int i;

	spin_lock(&n->lock);
	if (!mmu_notifier_range_blockable(range) &&
	    (n->flags & TMN_FAIL_NONBLOCK)) {
		n->count.refused++;
		tmn_log(n, TMN_EV_REFUSED, range->event, flags, 0,
			range->start, range->end, 0);
		spin_unlock(&n->lock);
		return -EAGAIN;
	}
	/* A notifier without an end cannot say when the change is over. */
	if (mn->ops->invalidate_range_end)
		n->active++;
	n->seq++;
	n->count.starts++;
	for (i = 0; i < TMN_OPEN_RANGES; i++) {
		if (!n->open[i]) {
			if (!++n->next_pair)
				n->next_pair++;
			n->open[i] = range;
			n->open_pair[i] = n->next_pair;
			pair = n->next_pair;
			break;
		}
	}
	dropped = tmn_drop(n, range->start, range->end);
	tmn_log(n, TMN_EV_START, range->event, flags, pair, range->start,
		range->end, dropped);
	spin_unlock(&n->lock);
	return 0;
}

static void tmn_invalidate_range_end(struct mmu_notifier *mn,
				     const struct mmu_notifier_range *range)
{
	struct tmn_notifier *n = container_of(mn, struct tmn_notifier, mn);
	u32 flags = tmn_range_flags(n, range);
	u32 pair = 0;
	int i;

	spin_lock(&n->lock);
	for (i = 0; i < TMN_OPEN_RANGES; i++) {
		if (n->open[i] == range) {
			pair = n->open_pair[i];
			n->open[i] = NULL;
			break;
		}
	}
	if (!pair)
		flags |= TMN_EVF_UNPAIRED;
	if (n->active)
		n->active--;
	n->count.ends++;
	tmn_log(n, TMN_EV_END, range->event, flags, pair, range->start,
		range->end, 0);
	spin_unlock(&n->lock);
	wake_up_all(&n->wq);
}

static void tmn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct tmn_notifier *n = container_of(mn, struct tmn_notifier, mn);
	u32 dropped;

	spin_lock(&n->lock);
	n->count.releases++;
	n->seq++;
	dropped = tmn_drop(n, 0, ULONG_MAX);
	tmn_log(n, TMN_EV_RELEASE, 0, 0, 0, 0, ULONG_MAX, dropped);
	spin_unlock(&n->lock);
}

/* The young callouts: the device's accessed bits over [start, end). */
static int tmn_young(struct tmn_notifier *n, u32 type, unsigned long start,
		     unsigned long end, bool clear)
{
	unsigned long i, first, last;
	int young = 0;

	spin_lock(&n->lock);
	if (tmn_clamp(n, start, end, &first, &last)) {
		for (i = first; i < last; i++) {
			if (n->pte[i] & TMN_PTE_YOUNG)
				young = 1;
			if (clear)
				n->pte[i] &= ~TMN_PTE_YOUNG;
		}
	}
	n->count.young++;
	tmn_log(n, type, 0, young ? TMN_EVF_YOUNG : 0, 0, start, end, 0);
	spin_unlock(&n->lock);
	return young;
}

static int tmn_clear_flush_young(struct mmu_notifier *mn,
				 struct mm_struct *mm, unsigned long start,
				 unsigned long end)
{
	return tmn_young(container_of(mn, struct tmn_notifier, mn),
			 TMN_EV_CLEAR_FLUSH_YOUNG, start, end, true);
}

static int tmn_clear_young(struct mmu_notifier *mn, struct mm_struct *mm,
			   unsigned long start, unsigned long end)
{
	return tmn_young(container_of(mn, struct tmn_notifier, mn),
			 TMN_EV_CLEAR_YOUNG, start, end, true);
}

static int tmn_test_young(struct mmu_notifier *mn, struct mm_struct *mm,
			  unsigned long address)
{
	return tmn_young(container_of(mn, struct tmn_notifier, mn),
			 TMN_EV_TEST_YOUNG, address, address + 1, false);
}

static const struct mmu_notifier_ops tmn_plain_ops = {
	.release = tmn_release,
	.invalidate_range_start = tmn_invalidate_range_start,
	.invalidate_range_end = tmn_invalidate_range_end,
	.clear_flush_young = tmn_clear_flush_young,
	.clear_young = tmn_clear_young,
	.test_young = tmn_test_young,
};

/*
 * A notifier that may refuse a non-blockable start must not have an end
 * (nothing would tell it that its start was refused), so those of
 * TMN_FAIL_NONBLOCK get ops without one.
 */
static const struct mmu_notifier_ops tmn_plain_nb_ops = {
	.release = tmn_release,
	.invalidate_range_start = tmn_invalidate_range_start,
	.clear_flush_young = tmn_clear_flush_young,
	.clear_young = tmn_clear_young,
	.test_young = tmn_test_young,
};

static struct mmu_notifier *tmn_alloc_notifier(struct mm_struct *mm)
{
	struct tmn_notifier *n;

	lockdep_assert_held(&tmn_get_mutex);
	n = tmn_alloc(tmn_get_owner, &tmn_get_args);
	return n ? &n->mn : ERR_PTR(-ENOMEM);
}

static void tmn_free_notifier(struct mmu_notifier *mn)
{
	tmn_free(container_of(mn, struct tmn_notifier, mn));
}

static const struct mmu_notifier_ops tmn_get_ops = {
	.release = tmn_release,
	.invalidate_range_start = tmn_invalidate_range_start,
	.invalidate_range_end = tmn_invalidate_range_end,
	.clear_flush_young = tmn_clear_flush_young,
	.clear_young = tmn_clear_young,
	.test_young = tmn_test_young,
	.alloc_notifier = tmn_alloc_notifier,
	.free_notifier = tmn_free_notifier,
};

static const struct mmu_notifier_ops tmn_get_nb_ops = {
	.release = tmn_release,
	.invalidate_range_start = tmn_invalidate_range_start,
	.clear_flush_young = tmn_clear_flush_young,
	.clear_young = tmn_clear_young,
	.test_young = tmn_test_young,
	.alloc_notifier = tmn_alloc_notifier,
	.free_notifier = tmn_free_notifier,
};

static bool tmn_interval_invalidate(struct mmu_interval_notifier *mni,
				    const struct mmu_notifier_range *range,
				    unsigned long cur_seq)
{
	struct tmn_notifier *n = container_of(mni, struct tmn_notifier, mni);
	u32 flags = tmn_range_flags(n, range);
	u32 dropped;

	spin_lock(&n->lock);
	if (!mmu_notifier_range_blockable(range) &&
	    (n->flags & TMN_FAIL_NONBLOCK)) {
		n->count.refused++;
		tmn_log(n, TMN_EV_REFUSED, range->event, flags, 0,
			range->start, range->end, 0);
		spin_unlock(&n->lock);
		return false;
	}
	mmu_interval_set_seq(mni, cur_seq);
	n->count.starts++;
	dropped = tmn_drop(n, range->start, range->end);
	tmn_log(n, TMN_EV_INVALIDATE, range->event, flags, 0, range->start,
		range->end, dropped);
	spin_unlock(&n->lock);
	return true;
}

static const struct mmu_interval_notifier_ops tmn_interval_ops = {
	.invalidate = tmn_interval_invalidate,
};

static int tmn_open(struct inode *inode, struct file *file)
{
	struct tmn_file *f;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!current->mm)
		return -EINVAL;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	f->mm = current->mm;
	mmgrab(f->mm);
	file->private_data = f;
	return 0;
}

/* Returns how many times a plain notifier's ->release ran, in all. */
static int tmn_unregister(struct tmn_file *f, unsigned int id)
{
	struct tmn_notifier *n = f->slot[id];
	int releases = 0;

	f->slot[id] = NULL;
	switch (n->kind) {
	case TMN_PLAIN:
		mmu_notifier_unregister(&n->mn, f->mm);
		releases = n->count.releases;
		tmn_free(n);
		break;
	case TMN_INTERVAL:
		mmu_interval_notifier_remove(&n->mni);
		tmn_free(n);
		break;
	case TMN_GET:
		/* ->free_notifier frees it once the last user put it. */
		mmu_notifier_put(&n->mn);
		break;
	}
	return releases;
}

static int tmn_release_file(struct inode *inode, struct file *file)
{
	struct tmn_file *f = file->private_data;
	unsigned int i;

	for (i = 0; i < TMN_MAX_NOTIFIERS; i++)
		if (f->slot[i])
			tmn_unregister(f, i);
	mmdrop(f->mm);
	kfree(f);
	return 0;
}

static bool tmn_empty(struct tmn_file *f)
{
	unsigned int i;

	for (i = 0; i < TMN_MAX_NOTIFIERS; i++)
		if (f->slot[i])
			return false;
	return true;
}

static int tmn_attach(struct tmn_file *f, pid_t nr)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *pid;

	if (!tmn_empty(f))
		return -EBUSY;
	if (nr < 0)
		return -EINVAL;
	if (!nr) {
		task = current;
		get_task_struct(task);
	} else {
		pid = find_get_pid(nr);
		task = get_pid_task(pid, PIDTYPE_PID);
		put_pid(pid);
		if (!task)
			return -ESRCH;
	}
	mm = get_task_mm(task);
	put_task_struct(task);
	if (!mm)
		return -ESRCH;
	mmgrab(mm);
	mmput(mm);
	mmdrop(f->mm);
	f->mm = mm;
	return 0;
}

static int tmn_register(struct tmn_file *f, struct tmn_register *args)
{
	struct tmn_notifier *n = NULL;
	struct mmu_notifier *mn;
	unsigned int id;
	int ret;

	if (args->kind > TMN_GET || args->flags & ~TMN_FAIL_NONBLOCK ||
	    args->pad || !args->length ||
	    !PAGE_ALIGNED(args->start) || !PAGE_ALIGNED(args->length) ||
	    args->length >> PAGE_SHIFT > TMN_MAX_PAGES ||
	    args->start + args->length < args->start ||
	    args->start + args->length > TASK_SIZE)
		return -EINVAL;
	for (id = 0; id < TMN_MAX_NOTIFIERS; id++)
		if (!f->slot[id])
			break;
	if (id == TMN_MAX_NOTIFIERS)
		return -ENOSPC;
	if (!mmget_not_zero(f->mm))
		return -ESRCH;

	switch (args->kind) {
	case TMN_PLAIN:
		n = tmn_alloc(f, args);
		ret = -ENOMEM;
		if (!n)
			break;
		n->mn.ops = args->flags & TMN_FAIL_NONBLOCK ?
			    &tmn_plain_nb_ops : &tmn_plain_ops;
		ret = mmu_notifier_register(&n->mn, f->mm);
		break;
	case TMN_INTERVAL:
		n = tmn_alloc(f, args);
		ret = -ENOMEM;
		if (!n)
			break;
		ret = mmu_interval_notifier_insert(&n->mni, f->mm, args->start,
						   args->length,
						   &tmn_interval_ops);
		break;
	case TMN_GET:
		mutex_lock(&tmn_get_mutex);
		tmn_get_args = *args;
		tmn_get_owner = f;
		mn = mmu_notifier_get(args->flags & TMN_FAIL_NONBLOCK ?
				      &tmn_get_nb_ops : &tmn_get_ops, f->mm);
		mutex_unlock(&tmn_get_mutex);
		ret = PTR_ERR_OR_ZERO(mn);
		if (!ret)
			n = container_of(mn, struct tmn_notifier, mn);
		break;
	}
	mmput(f->mm);
	if (ret) {
		if (n && args->kind != TMN_GET)
			tmn_free(n);
		return ret;
	}
	n->id = id;
	f->slot[id] = n;
	args->id = id;
	return 0;
}

static struct tmn_notifier *tmn_slot(struct tmn_file *f, u32 id)
{
	if (id >= TMN_MAX_NOTIFIERS)
		return NULL;
	return f->slot[id];
}

/* The window's pages [*first, *first + npages) for a page range, or false. */
static bool tmn_window(struct tmn_notifier *n, u64 addr, u64 npages,
		       unsigned long *first)
{
	if (!PAGE_ALIGNED(addr) || !npages || addr < n->start ||
	    npages > n->npages ||
	    ((addr - n->start) >> PAGE_SHIFT) + npages > n->npages)
		return false;
	*first = (addr - n->start) >> PAGE_SHIFT;
	return true;
}

/* Has an invalidation run or started since the snapshot @seq was taken? */
static bool tmn_retry(struct tmn_notifier *n, unsigned long seq)
{
	lockdep_assert_held(&n->lock);
	if (n->kind == TMN_INTERVAL)
		return mmu_interval_read_retry(&n->mni, seq);
	return n->active || n->seq != seq;
}

static long tmn_mirror_chunk(struct tmn_file *f, struct tmn_notifier *n,
			     unsigned long addr, unsigned long first,
			     unsigned int nr, bool write)
{
	struct page *pages[TMN_CHUNK];
	unsigned long seq;
	bool installed;
	long got, i;
	int tries, locked;

	for (tries = 0; tries < TMN_RETRIES; tries++) {
		if (n->kind == TMN_INTERVAL) {
			seq = mmu_interval_read_begin(&n->mni);
		} else {
			if (wait_event_killable(n->wq, !READ_ONCE(n->active)))
				return -EINTR;
			spin_lock(&n->lock);
			seq = n->seq;
			spin_unlock(&n->lock);
		}
		/*
		 * With @locked, GUP may drop the lock to wait for a fault,
		 * such as one that userfaultfd resolves.
		 */
		locked = 1;
		if (mmap_read_lock_killable(f->mm))
			return -EINTR;
		got = get_user_pages_remote(f->mm, addr, nr,
					    write ? FOLL_WRITE : 0, pages,
					    &locked);
		if (locked)
			mmap_read_unlock(f->mm);
		if (got <= 0)
			return got ? got : -EFAULT;

		spin_lock(&n->lock);
		installed = !tmn_retry(n, seq);
		for (i = 0; installed && i < got; i++)
			n->pte[first + i] =
				(u64)page_to_pfn(pages[i]) << TMN_PFN_SHIFT |
				TMN_PTE_VALID | (write ? TMN_PTE_WRITE : 0);
		spin_unlock(&n->lock);
		for (i = 0; i < got; i++)
			put_page(pages[i]);
		if (installed)
			return got;
	}
	return -EBUSY;
}

static long tmn_mirror(struct tmn_file *f, struct tmn_range *r)
{
	struct tmn_notifier *n = tmn_slot(f, r->id);
	unsigned long first, done = 0;
	long got;

	if (!n || r->flags & ~TMN_MIRROR_WRITE || r->ptr ||
	    !tmn_window(n, r->addr, r->npages, &first))
		return -EINVAL;
	if (!mmget_not_zero(f->mm))
		return -ESRCH;
	while (done < r->npages) {
		got = tmn_mirror_chunk(f, n, r->addr + (done << PAGE_SHIFT),
				       first + done,
				       min_t(u64, r->npages - done, TMN_CHUNK),
				       r->flags & TMN_MIRROR_WRITE);
		if (got < 0) {
			mmput(f->mm);
			return got;
		}
		done += got;
	}
	mmput(f->mm);
	return 0;
}

static long tmn_snapshot(struct tmn_file *f, struct tmn_range *r)
{
	struct tmn_notifier *n = tmn_slot(f, r->id);
	unsigned long first;
	u64 *copy;
	long ret = 0;

	if (!n || r->flags || !tmn_window(n, r->addr, r->npages, &first))
		return -EINVAL;
	copy = kvmalloc_array(r->npages, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	spin_lock(&n->lock);
	memcpy(copy, n->pte + first, r->npages * sizeof(*copy));
	spin_unlock(&n->lock);
	if (copy_to_user(u64_to_user_ptr(r->ptr), copy,
			 r->npages * sizeof(*copy)))
		ret = -EFAULT;
	kvfree(copy);
	return ret;
}

static long tmn_touch(struct tmn_file *f, struct tmn_range *r)
{
	struct tmn_notifier *n = tmn_slot(f, r->id);
	unsigned long i, first;

	if (!n || r->flags || r->ptr ||
	    !tmn_window(n, r->addr, r->npages, &first))
		return -EINVAL;
	spin_lock(&n->lock);
	for (i = first; i < first + r->npages; i++)
		if (n->pte[i] & TMN_PTE_VALID)
			n->pte[i] |= TMN_PTE_YOUNG;
	spin_unlock(&n->lock);
	return 0;
}

/*
 * A device access through the mirror: every page of [addr, addr + len)
 * must have a valid entry (and a writable one for a write), or nothing is
 * moved. The pages are reached through their recorded pfns.
 */
static long tmn_io(struct tmn_file *f, struct tmn_io *io, bool write)
{
	struct tmn_notifier *n = tmn_slot(f, io->id);
	unsigned long first, i, npages, addr, off, done;
	void *buf, *va;
	long ret = 0;

	if (!n || io->pad || !io->len || io->len > TMN_MAX_IO ||
	    io->addr + io->len < io->addr)
		return -EINVAL;
	addr = io->addr & PAGE_MASK;
	npages = (PAGE_ALIGN(io->addr + io->len) - addr) >> PAGE_SHIFT;
	if (!tmn_window(n, addr, npages, &first))
		return -EINVAL;
	buf = kmalloc(io->len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (write && copy_from_user(buf, u64_to_user_ptr(io->ptr), io->len)) {
		kfree(buf);
		return -EFAULT;
	}

	spin_lock(&n->lock);
	for (i = first; i < first + npages; i++) {
		if (!(n->pte[i] & TMN_PTE_VALID))
			ret = -ENOENT;
		else if (write && !(n->pte[i] & TMN_PTE_WRITE) && !ret)
			ret = -EACCES;
	}
	for (i = first, done = 0; !ret && i < first + npages; i++) {
		unsigned long len;

		off = i == first ? offset_in_page(io->addr) : 0;
		len = min_t(unsigned long, PAGE_SIZE - off, io->len - done);
		va = kmap_local_page(pfn_to_page(n->pte[i] >> TMN_PFN_SHIFT));
		if (write)
			memcpy(va + off, buf + done, len);
		else
			memcpy(buf + done, va + off, len);
		kunmap_local(va);
		n->pte[i] |= TMN_PTE_YOUNG;
		done += len;
	}
	spin_unlock(&n->lock);

	if (!ret && !write && copy_to_user(u64_to_user_ptr(io->ptr), buf,
					   io->len))
		ret = -EFAULT;
	kfree(buf);
	return ret;
}

static long tmn_events(struct tmn_file *f, struct tmn_events *ev)
{
	struct tmn_notifier *n = tmn_slot(f, ev->id);
	struct tmn_event *copy;
	unsigned int i, count;
	long ret = 0;

	if (!n || ev->pad || !ev->count || ev->count > TMN_LOG_SIZE)
		return -EINVAL;
	copy = kvmalloc_array(ev->count, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	spin_lock(&n->lock);
	count = min(ev->count, n->log_len);
	for (i = 0; i < count; i++)
		copy[i] = n->log[(n->log_head + i) % TMN_LOG_SIZE];
	n->log_head = (n->log_head + count) % TMN_LOG_SIZE;
	n->log_len -= count;
	ev->lost = n->lost;
	n->lost = 0;
	spin_unlock(&n->lock);
	ev->count = count;
	if (count && copy_to_user(u64_to_user_ptr(ev->ptr), copy,
				  count * sizeof(*copy)))
		ret = -EFAULT;
	kvfree(copy);
	return ret;
}

static long tmn_status(struct tmn_file *f, struct tmn_status *st)
{
	struct tmn_notifier *n = tmn_slot(f, st->id);
	unsigned long i;
	u32 id = st->id;

	if (!n)
		return -EINVAL;
	spin_lock(&n->lock);
	*st = n->count;
	st->active = n->active;
	st->mirrored = 0;
	for (i = 0; i < n->npages; i++)
		if (n->pte[i] & TMN_PTE_VALID)
			st->mirrored++;
	spin_unlock(&n->lock);
	st->id = id;
	return 0;
}

static long tmn_exclusive(struct tmn_file *f, struct tmn_exclusive *ex)
{
	struct page *pages[TMN_CHUNK];
	unsigned long addr, end, nr, i;
	int ret = 0;

	if (!IS_ENABLED(CONFIG_DEVICE_PRIVATE))
		return -EOPNOTSUPP;
	if (ex->pad || !PAGE_ALIGNED(ex->addr) || !ex->npages ||
	    ex->npages > TMN_MAX_PAGES ||
	    ex->addr + (ex->npages << PAGE_SHIFT) <= ex->addr ||
	    ex->addr + (ex->npages << PAGE_SHIFT) > TASK_SIZE)
		return -EINVAL;
	if (!mmget_not_zero(f->mm))
		return -ESRCH;
	ex->done = 0;
	end = ex->addr + (ex->npages << PAGE_SHIFT);
	for (addr = ex->addr; addr < end; addr += nr << PAGE_SHIFT) {
		nr = min_t(unsigned long, (end - addr) >> PAGE_SHIFT, TMN_CHUNK);
		if (mmap_read_lock_killable(f->mm)) {
			ret = -EINTR;
			break;
		}
#ifdef CONFIG_DEVICE_PRIVATE
		ret = make_device_exclusive_range(f->mm, addr,
						  addr + (nr << PAGE_SHIFT),
						  pages, f);
#endif
		mmap_read_unlock(f->mm);
		if (ret < 0)
			break;
		for (i = 0; i < ret; i++) {
			if (!pages[i])
				continue;
			ex->done++;
			unlock_page(pages[i]);
			put_page(pages[i]);
		}
		ret = 0;
	}
	mmput(f->mm);
	return ret;
}

static long tmn_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct tmn_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	union {
		struct tmn_register reg;
		struct tmn_range range;
		struct tmn_io io;
		struct tmn_events events;
		struct tmn_status status;
		struct tmn_exclusive excl;
		s32 pid;
		u32 u32;
	} a;
	bool out = false;
	long ret;

	if (_IOC_TYPE(cmd) != TMN_IOC || _IOC_SIZE(cmd) > sizeof(a))
		return -ENOTTY;
	if (copy_from_user(&a, uarg, _IOC_SIZE(cmd)))
		return -EFAULT;

	/*
	 * Uninterruptible on purpose: the caller stays in the kernel, its
	 * mm still set, while another process acts on it.
	 */
	if (cmd == TMN_SLEEP) {
		if (a.u32 > 10000)
			return -EINVAL;
		msleep(a.u32);
		return 0;
	}

	mutex_lock(&f->lock);
	switch (cmd) {
	case TMN_ATTACH:
		ret = tmn_attach(f, a.pid);
		break;
	case TMN_REGISTER:
		ret = tmn_register(f, &a.reg);
		out = true;
		break;
	case TMN_UNREGISTER:
		ret = -EINVAL;
		if (tmn_slot(f, a.u32))
			ret = tmn_unregister(f, a.u32);
		break;
	case TMN_MIRROR:
		ret = tmn_mirror(f, &a.range);
		break;
	case TMN_SNAPSHOT:
		ret = tmn_snapshot(f, &a.range);
		break;
	case TMN_TOUCH:
		ret = tmn_touch(f, &a.range);
		break;
	case TMN_READ:
		ret = tmn_io(f, &a.io, false);
		break;
	case TMN_WRITE:
		ret = tmn_io(f, &a.io, true);
		break;
	case TMN_EVENTS:
		ret = tmn_events(f, &a.events);
		out = true;
		break;
	case TMN_STATUS:
		ret = tmn_status(f, &a.status);
		out = true;
		break;
	case TMN_EXCLUSIVE:
		ret = tmn_exclusive(f, &a.excl);
		out = true;
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	mutex_unlock(&f->lock);
	if (!ret && out && copy_to_user(uarg, &a, _IOC_SIZE(cmd)))
		ret = -EFAULT;
	return ret;
}

static const struct file_operations tmn_fops = {
	.owner = THIS_MODULE,
	.open = tmn_open,
	.release = tmn_release_file,
	.unlocked_ioctl = tmn_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice tmn_device = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "test_mmu_notifier",
	.fops = &tmn_fops,
	.mode = 0600,
};

static int __init tmn_init(void)
{
	return misc_register(&tmn_device);
}

static void __exit tmn_exit(void)
{
	misc_deregister(&tmn_device);
	/* Shared notifiers are freed by the core after their last put. */
	mmu_notifier_synchronize();
}

module_init(tmn_init);
module_exit(tmn_exit);
MODULE_DESCRIPTION("A secondary MMU for testing MMU notifiers");
MODULE_LICENSE("GPL");
