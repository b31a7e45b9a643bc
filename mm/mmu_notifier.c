// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MMU notifier core: tells secondary MMUs when the primary MMU changes
 * a process's page tables.
 *
 * The notifiers of an mm hang off its struct mmu_notifier_subscriptions,
 * allocated at the first registration and freed with the mm.
 *
 * Plain notifiers sit on a list that changes only while every lock of the
 * mm is held: mm_take_all_locks() holds the mmap_lock for write, every VMA
 * write lock, and the i_mmap_rwsem and anon_vma lock of every VMA. Every
 * callout runs with at least one of those locks held; the teardown takes
 * the sweep itself to unlink every notifier before calling ->release.
 * So a callout walks the list as it is, with no RCU, SRCU or barrier, and
 * an unregistration that returns has no callout left to wait for.
 * Documentation/mm/mmu_notifier.rst argues this class by class.
 *
 * Interval notifiers sit in an interval tree under a spinlock, with a
 * sequence count that is odd while an invalidation of a tree member is in
 * flight. The tree does not change while any invalidation is in flight:
 * inserts and removes made meanwhile are queued, and applied when the last
 * one ends.
 */
#include <linux/err.h>
#include <linux/export.h>
#include <linux/interval_tree.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "vma.h"

#ifdef CONFIG_LOCKDEP
/*
 * Lets lockdep see that an invalidation may run under any lock a caller of
 * mmu_notifier_invalidate_range_start() holds, fs_reclaim included.
 */
struct lockdep_map __mmu_notifier_invalidate_range_start_map = {
	.name = "mmu_notifier_invalidate_range_start"
};
#endif

struct mmu_notifier_subscriptions {
	/* Plain notifiers; changed only with every lock of the mm held. */
	struct hlist_head list;
	bool has_itree;
	/* The users counts, and the interval state below. */
	spinlock_t lock;
	/* Odd while an invalidation of a tree member is in flight. */
	unsigned long invalidate_seq;
	unsigned long active_invalidate_ranges;
	struct rb_root_cached itree;
	/* Readers and removers waiting for invalidate_seq to move on. */
	wait_queue_head_t wq;
	/* Inserts and removes that wait for the invalidations to end. */
	struct hlist_head deferred_list;
	/*
	 * Held by the teardown while it calls ->release, and by whoever
	 * unlinks a single notifier, so that one waits for the other.
	 */
	struct mutex release_lock;
};

/* Notifiers whose last reference is gone, freed by mn_free_work. */
static LLIST_HEAD(mn_free_list);
static void mn_free_workfn(struct work_struct *work);
static DECLARE_WORK(mn_free_work, mn_free_workfn);

static struct mmu_notifier_subscriptions *mn_subscriptions_alloc(void)
{
	struct mmu_notifier_subscriptions *subs;

	subs = kzalloc(sizeof(*subs), GFP_KERNEL);
	if (!subs)
		return NULL;
	INIT_HLIST_HEAD(&subs->list);
	spin_lock_init(&subs->lock);
	/* Even: no invalidation in flight. */
	subs->invalidate_seq = 2;
	subs->itree = RB_ROOT_CACHED;
	init_waitqueue_head(&subs->wq);
	INIT_HLIST_HEAD(&subs->deferred_list);
	mutex_init(&subs->release_lock);
	return subs;
}

/* Interval notifiers. */

static bool mn_itree_is_invalidating(struct mmu_notifier_subscriptions *subs)
{
	lockdep_assert_held(&subs->lock);
	return subs->invalidate_seq & 1;
}

/*
 * Open an invalidation of @range: freeze the tree and, if the range meets
 * a member, make the sequence odd. Returns the first member met and, in
 * *seq, the sequence the members are invalidated with.
 */
static struct mmu_interval_notifier *
mn_itree_inv_start_range(struct mmu_notifier_subscriptions *subs,
			 const struct mmu_notifier_range *range,
			 unsigned long *seq)
{
	struct interval_tree_node *node;
	struct mmu_interval_notifier *first = NULL;

	spin_lock(&subs->lock);
	subs->active_invalidate_ranges++;
	node = interval_tree_iter_first(&subs->itree, range->start,
					range->end - 1);
	if (node) {
		subs->invalidate_seq |= 1;
		first = container_of(node, struct mmu_interval_notifier,
				     interval_tree);
	}
	*seq = subs->invalidate_seq;
	spin_unlock(&subs->lock);
	return first;
}

static struct mmu_interval_notifier *
mn_itree_inv_next(struct mmu_interval_notifier *interval_sub,
		  const struct mmu_notifier_range *range)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_next(&interval_sub->interval_tree,
				       range->start, range->end - 1);
	if (!node)
		return NULL;
	return container_of(node, struct mmu_interval_notifier, interval_tree);
}

/*
 * Close an invalidation. The last one to close moves the sequence on to
 * even, applies the queued inserts and removes, and wakes the waiters.
 */
static void mn_itree_inv_end(struct mmu_notifier_subscriptions *subs)
{
	struct mmu_interval_notifier *interval_sub;
	struct hlist_node *next;

	spin_lock(&subs->lock);
	if (--subs->active_invalidate_ranges ||
	    !mn_itree_is_invalidating(subs)) {
		spin_unlock(&subs->lock);
		return;
	}

	subs->invalidate_seq++;
	hlist_for_each_entry_safe(interval_sub, next, &subs->deferred_list,
				  deferred_item) {
		if (RB_EMPTY_NODE(&interval_sub->interval_tree.rb))
			interval_tree_insert(&interval_sub->interval_tree,
					     &subs->itree);
		else
			interval_tree_remove(&interval_sub->interval_tree,
					     &subs->itree);
		hlist_del(&interval_sub->deferred_item);
	}
	spin_unlock(&subs->lock);

	wake_up_all(&subs->wq);
}

/* Has the sequence moved on from @seq? */
static bool mn_itree_seq_passed(struct mmu_notifier_subscriptions *subs,
				unsigned long seq)
{
	bool passed;

	spin_lock(&subs->lock);
	passed = subs->invalidate_seq != seq;
	spin_unlock(&subs->lock);
	return passed;
}

/**
 * mmu_interval_read_begin - begin a read of the pages of an interval
 * @interval_sub: the interval notifier
 *
 * Start of the collision-retry protocol: take the sequence, read the
 * primary page tables (hmm_range_fault(), get_user_pages(), ...), then,
 * under the driver lock that ->invalidate() also takes, ask
 * mmu_interval_read_retry() whether an invalidation came in between. If
 * none did, make the secondary mapping visible before dropping that lock.
 *
 * If an invalidation of the interval is in flight, waits for it to end, so
 * the read does not start against page tables that are being changed. Must
 * not be called with a lock held that an invalidation callback may take.
 *
 * Return: the sequence to pass to mmu_interval_read_retry().
 */
unsigned long
mmu_interval_read_begin(struct mmu_interval_notifier *interval_sub)
{
	struct mmu_notifier_subscriptions *subs =
		interval_sub->mm->notifier_subscriptions;
	unsigned long seq;
	bool invalidating;

	/*
	 * The notifier's sequence equals the current one exactly while an
	 * invalidation that reached it is in flight: ->invalidate() stored
	 * the odd cur_seq. Such a read must wait until the sequence moves
	 * on; the next invalidation then stores a newer odd value, which is
	 * what makes mmu_interval_read_retry() fail.
	 */
	spin_lock(&subs->lock);
	seq = READ_ONCE(interval_sub->invalidate_seq);
	invalidating = seq == subs->invalidate_seq;
	spin_unlock(&subs->lock);

	lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);
	lock_map_release(&__mmu_notifier_invalidate_range_start_map);
	if (invalidating)
		wait_event(subs->wq, mn_itree_seq_passed(subs, seq));
	return seq;
}
EXPORT_SYMBOL_GPL(mmu_interval_read_begin);

static int mn_itree_invalidate(struct mmu_notifier_subscriptions *subs,
			       const struct mmu_notifier_range *range)
{
	struct mmu_interval_notifier *interval_sub;
	unsigned long seq;

	for (interval_sub = mn_itree_inv_start_range(subs, range, &seq);
	     interval_sub;
	     interval_sub = mn_itree_inv_next(interval_sub, range)) {
		if (interval_sub->ops->invalidate(interval_sub, range, seq))
			continue;
		/* Only a non-blockable range may refuse. */
		if (WARN_ON(mmu_notifier_range_blockable(range)))
			continue;
		/* The caller gets no end: close the invalidation here. */
		mn_itree_inv_end(subs);
		return -EAGAIN;
	}
	return 0;
}

static void mn_itree_release(struct mmu_notifier_subscriptions *subs,
			     struct mm_struct *mm)
{
	struct mmu_notifier_range range = {
		.mm = mm,
		.start = 0,
		.end = ULONG_MAX,
		.flags = MMU_NOTIFIER_RANGE_BLOCKABLE,
		.event = MMU_NOTIFY_RELEASE,
	};
	struct mmu_interval_notifier *interval_sub;
	unsigned long seq;

	for (interval_sub = mn_itree_inv_start_range(subs, &range, &seq);
	     interval_sub;
	     interval_sub = mn_itree_inv_next(interval_sub, &range))
		WARN_ON(!interval_sub->ops->invalidate(interval_sub, &range,
						       seq));
	mn_itree_inv_end(subs);
}

/* Plain notifiers: the callouts. */

static int mn_call_start(struct mmu_notifier *sub,
			 const struct mmu_notifier_range *range)
{
	int err;

	if (mmu_notifier_range_blockable(range))
		return sub->ops->invalidate_range_start(sub, range);
	non_block_start();
	err = sub->ops->invalidate_range_start(sub, range);
	non_block_end();
	return err;
}

/*
 * A start of @failed returned @err: give the rest their starts, then end
 * every start that succeeded, as the caller gets no end. Only a
 * non-blockable start may fail, with -EAGAIN, and its notifier can have no
 * end: nothing tells it that this start failed.
 */
static noinline int
mn_hlist_start_failed(struct mmu_notifier_subscriptions *subs,
		      const struct mmu_notifier_range *range,
		      struct mmu_notifier *failed, int err)
{
	bool blockable = mmu_notifier_range_blockable(range);
	struct mmu_notifier *sub = failed;
	int ret = err;

	do {
		const struct mmu_notifier_ops *ops = sub->ops;

		if (sub != failed) {
			if (!ops->invalidate_range_start)
				continue;
			err = mn_call_start(sub, range);
			if (!err)
				continue;
			ret = err;
		}
		/*
		 * A non-blockable start refused with -EAGAIN is no bug: with
		 * CONFIG_MMU_NOTIFIER_SLEEPABLE=n every anon rmap walk is
		 * non-blockable, so a notifier that refuses makes one each
		 * time, and the caller treats the folio as busy and retries
		 * later. Its line is ratelimited; any other failure is the
		 * driver's bug, and keeps its line beside the WARN.
		 */
		if (!blockable && err == -EAGAIN)
			pr_info_ratelimited("%pS callback failed with %d in non-blockable context\n",
					    ops->invalidate_range_start, err);
		else
			pr_info("%pS callback failed with %d in %sblockable context\n",
				ops->invalidate_range_start, err,
				blockable ? "" : "non-");
		WARN_ON(blockable || err != -EAGAIN);
		WARN_ON(ops->invalidate_range_end);
	} while ((sub = hlist_entry_safe(sub->hlist.next, struct mmu_notifier,
					 hlist)));

	hlist_for_each_entry(sub, &subs->list, hlist)
		if (sub->ops->invalidate_range_end)
			sub->ops->invalidate_range_end(sub, range);
	return ret;
}

static int mn_hlist_invalidate_start(struct mmu_notifier_subscriptions *subs,
				     struct mmu_notifier_range *range)
{
	struct mmu_notifier *sub;
	int err;

	/* The failure path is out of line, so this loop stays short. */
	hlist_for_each_entry(sub, &subs->list, hlist) {
		if (!sub->ops->invalidate_range_start)
			continue;
		err = mn_call_start(sub, range);
		if (unlikely(err))
			return mn_hlist_start_failed(subs, range, sub, err);
	}
	return 0;
}

int __mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)
{
	struct mmu_notifier_subscriptions *subs =
		range->mm->notifier_subscriptions;
	int ret;

	if (subs->has_itree) {
		ret = mn_itree_invalidate(subs, range);
		if (ret)
			return ret;
	}
	if (!hlist_empty(&subs->list))
		return mn_hlist_invalidate_start(subs, range);
	return 0;
}

void __mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range)
{
	struct mmu_notifier_subscriptions *subs =
		range->mm->notifier_subscriptions;
	struct mmu_notifier *sub;

	lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);
	if (subs->has_itree)
		mn_itree_inv_end(subs);
	hlist_for_each_entry(sub, &subs->list, hlist) {
		if (!sub->ops->invalidate_range_end)
			continue;
		if (!mmu_notifier_range_blockable(range))
			non_block_start();
		sub->ops->invalidate_range_end(sub, range);
		if (!mmu_notifier_range_blockable(range))
			non_block_end();
	}
	lock_map_release(&__mmu_notifier_invalidate_range_start_map);
}

int __mmu_notifier_clear_flush_young(struct mm_struct *mm,
				     unsigned long start, unsigned long end)
{
	struct mmu_notifier *sub;
	int young = 0;

	hlist_for_each_entry(sub, &mm->notifier_subscriptions->list, hlist)
		if (sub->ops->clear_flush_young)
			young |= sub->ops->clear_flush_young(sub, mm, start,
							     end);
	return young;
}

int __mmu_notifier_clear_young(struct mm_struct *mm,
			       unsigned long start, unsigned long end)
{
	struct mmu_notifier *sub;
	int young = 0;

	hlist_for_each_entry(sub, &mm->notifier_subscriptions->list, hlist)
		if (sub->ops->clear_young)
			young |= sub->ops->clear_young(sub, mm, start, end);
	return young;
}

int __mmu_notifier_test_young(struct mm_struct *mm, unsigned long address)
{
	struct mmu_notifier *sub;

	hlist_for_each_entry(sub, &mm->notifier_subscriptions->list, hlist)
		if (sub->ops->test_young &&
		    sub->ops->test_young(sub, mm, address))
			return 1;
	return 0;
}

void __mmu_notifier_arch_invalidate_secondary_tlbs(struct mm_struct *mm,
						   unsigned long start,
						   unsigned long end)
{
	struct mmu_notifier *sub;

	hlist_for_each_entry(sub, &mm->notifier_subscriptions->list, hlist)
		if (sub->ops->arch_invalidate_secondary_tlbs)
			sub->ops->arch_invalidate_secondary_tlbs(sub, mm,
								 start, end);
}

/* Registration, teardown, unregistration. */

/*
 * The sweep that unlinks notifiers: every lock of @mm, and no giving up on
 * a signal, as neither the teardown nor unregistration can fail.
 */
static void mn_lock_all(struct mm_struct *mm)
{
	mmap_write_lock(mm);
	mm_take_all_locks_uninterruptible(mm);
}

static void mn_unlock_all(struct mm_struct *mm)
{
	mm_drop_all_locks(mm);
	mmap_write_unlock(mm);
}

/*
 * The teardown: exit_mmap() calls it once the mm's last user is gone.
 * Unlink every notifier under the lock sweep, so that no rmap walker or
 * OOM reaper still reaching the mm can call one, then call ->release for
 * each outside the locks. The release_lock held meanwhile makes an
 * unregister or a deferred free of one of them wait until its ->release
 * returned.
 */
void __mmu_notifier_release(struct mm_struct *mm)
{
	struct mmu_notifier_subscriptions *subs = mm->notifier_subscriptions;
	struct mmu_notifier *sub;
	struct hlist_node *next;
	HLIST_HEAD(released);

	if (subs->has_itree)
		mn_itree_release(subs, mm);

	mutex_lock(&subs->release_lock);
	if (!hlist_empty(&subs->list)) {
		mn_lock_all(mm);
		hlist_move_list(&subs->list, &released);
		mn_unlock_all(mm);
	}

	hlist_for_each_entry(sub, &released, hlist) {
		unsigned int users;

		/* A notifier whose last reference is gone is not told. */
		spin_lock(&subs->lock);
		users = sub->users;
		spin_unlock(&subs->lock);
		if (users && sub->ops->release)
			sub->ops->release(sub, mm);
	}
	hlist_for_each_entry_safe(sub, next, &released, hlist)
		hlist_del_init(&sub->hlist);
	mutex_unlock(&subs->release_lock);
}

/**
 * __mmu_notifier_register - register a notifier, with the mmap_lock held
 * @subscription: the notifier, with ->ops set; NULL only allocates the
 *	subscriptions of @mm for interval notifiers
 * @mm: the mm; the caller holds its mmap_lock for write and a user
 *	reference (mm_users)
 *
 * Takes every lock of @mm (mm_take_all_locks()) to link the notifier, so
 * it must not be called with any of them held but the mmap_lock. On
 * return the notifier sees every change of @mm from then on. It holds a
 * reference on @mm's structure (mmgrab()) until it is unregistered or
 * freed.
 *
 * Return: 0; -EINTR if a signal arrived during the lock sweep; -ENOMEM;
 * -EINVAL, with a warning, for an mm without users or ops that have both
 * the secondary-TLB and the start/end callbacks. Nothing changes on an
 * error.
 */
int __mmu_notifier_register(struct mmu_notifier *subscription,
			    struct mm_struct *mm)
{
	struct mmu_notifier_subscriptions *subs = NULL;
	int ret;

	mmap_assert_write_locked(mm);
	if (WARN_ON(atomic_read(&mm->mm_users) <= 0))
		return -EINVAL;
	if (subscription) {
		const struct mmu_notifier_ops *ops = subscription->ops;

		if (WARN_ON_ONCE(ops->arch_invalidate_secondary_tlbs &&
				 (ops->invalidate_range_start ||
				  ops->invalidate_range_end)))
			return -EINVAL;
	}

	/* Teach lockdep that invalidations may come from reclaim. */
	if (IS_ENABLED(CONFIG_LOCKDEP)) {
		fs_reclaim_acquire(GFP_KERNEL);
		lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);
		lock_map_release(&__mmu_notifier_invalidate_range_start_map);
		fs_reclaim_release(GFP_KERNEL);
	}

	if (!mm->notifier_subscriptions) {
		subs = mn_subscriptions_alloc();
		if (!subs)
			return -ENOMEM;
	}

	ret = mm_take_all_locks(mm);
	if (ret) {
		kfree(subs);
		return ret;
	}

	/*
	 * Every callout holds one of the locks held here, so it sees either
	 * no subscriptions or these, complete. The release orders them for
	 * the one lockless reader, mmu_interval_notifier_insert().
	 */
	if (subs)
		/* Pairs with smp_load_acquire() in the insert below. */
		smp_store_release(&mm->notifier_subscriptions, subs);
	else
		subs = mm->notifier_subscriptions;

	if (subscription) {
		mmgrab(mm);
		subscription->mm = mm;
		subscription->users = 1;
		hlist_add_head(&subscription->hlist, &subs->list);
	} else {
		subs->has_itree = true;
	}

	mm_drop_all_locks(mm);
	return 0;
}
EXPORT_SYMBOL_GPL(__mmu_notifier_register);

/**
 * mmu_notifier_register - register a notifier
 * @subscription: the notifier, with ->ops set
 * @mm: the mm, with a user reference held by the caller
 *
 * Takes the mmap_lock for write; see __mmu_notifier_register(). The
 * notifier stays registered until mmu_notifier_unregister(), which is due
 * even after the mm's teardown called ->release.
 *
 * Return: as __mmu_notifier_register().
 */
int mmu_notifier_register(struct mmu_notifier *subscription,
			  struct mm_struct *mm)
{
	int ret;

	mmap_write_lock(mm);
	ret = __mmu_notifier_register(subscription, mm);
	mmap_write_unlock(mm);
	return ret;
}
EXPORT_SYMBOL_GPL(mmu_notifier_register);

/*
 * Unlink @sub unless the teardown did. Waits for a teardown in progress.
 * Returns whether it unlinked it. Called without any lock of @mm held.
 */
static bool mn_unlink(struct mmu_notifier_subscriptions *subs,
		      struct mmu_notifier *sub, struct mm_struct *mm)
{
	bool linked;

	mutex_lock(&subs->release_lock);
	mn_lock_all(mm);
	linked = !hlist_unhashed(&sub->hlist);
	if (linked)
		hlist_del_init(&sub->hlist);
	mn_unlock_all(mm);
	mutex_unlock(&subs->release_lock);
	return linked;
}

/**
 * mmu_notifier_unregister - unregister a notifier
 * @subscription: the notifier
 * @mm: the mm it was registered with
 *
 * If the notifier is still linked, takes every lock of @mm to unlink it,
 * then calls its ->release. If the mm's teardown unlinked it, waits for
 * the teardown to return from its ->release. Either way, on return no
 * callback of the notifier runs or will run, and it can be freed. There
 * is no grace period to wait for.
 *
 * Must not be called from a callback, nor with a lock of @mm held.
 */
void mmu_notifier_unregister(struct mmu_notifier *subscription,
			     struct mm_struct *mm)
{
	struct mmu_notifier_subscriptions *subs = mm->notifier_subscriptions;

	if (WARN_ON(!subs || subscription->mm != mm))
		return;
	if (mn_unlink(subs, subscription, mm) && subscription->ops->release)
		subscription->ops->release(subscription, mm);
	mmdrop(mm);
}
EXPORT_SYMBOL_GPL(mmu_notifier_unregister);

/* get/put */

static struct mmu_notifier *
mn_find_get(struct mm_struct *mm, const struct mmu_notifier_ops *ops)
{
	struct mmu_notifier_subscriptions *subs = mm->notifier_subscriptions;
	struct mmu_notifier *sub;

	/* The mmap_lock held for write keeps the list still. */
	hlist_for_each_entry(sub, &subs->list, hlist) {
		if (sub->ops != ops)
			continue;
		spin_lock(&subs->lock);
		/* users is 0 once the last put queued it for freeing. */
		if (sub->users && !WARN_ON(sub->users == UINT_MAX)) {
			sub->users++;
			spin_unlock(&subs->lock);
			return sub;
		}
		spin_unlock(&subs->lock);
	}
	return NULL;
}

/**
 * mmu_notifier_get_locked - find or create the notifier of @ops for @mm
 * @ops: the callbacks, with alloc_notifier and free_notifier set
 * @mm: the mm; the caller holds its mmap_lock for write and a user
 *	reference
 *
 * Returns the notifier of @mm that has @ops, with a new reference, or
 * allocates one with ->alloc_notifier() and registers it. Each reference
 * is dropped with mmu_notifier_put(); the last one frees the notifier.
 *
 * Return: the notifier, or an ERR_PTR() (that of ->alloc_notifier(), or
 * of the registration).
 */
struct mmu_notifier *mmu_notifier_get_locked(const struct mmu_notifier_ops *ops,
					     struct mm_struct *mm)
{
	struct mmu_notifier *sub;
	int ret;

	mmap_assert_write_locked(mm);

	if (mm->notifier_subscriptions) {
		sub = mn_find_get(mm, ops);
		if (sub)
			return sub;
	}

	sub = ops->alloc_notifier(mm);
	if (IS_ERR(sub))
		return sub;
	sub->ops = ops;
	ret = __mmu_notifier_register(sub, mm);
	if (ret) {
		ops->free_notifier(sub);
		return ERR_PTR(ret);
	}
	return sub;
}
EXPORT_SYMBOL_GPL(mmu_notifier_get_locked);

static void mn_free_workfn(struct work_struct *work)
{
	struct llist_node *batch = llist_del_all(&mn_free_list);
	struct mmu_notifier *sub, *next;

	llist_for_each_entry_safe(sub, next, batch, free_node) {
		struct mm_struct *mm = sub->mm;

		mn_unlink(mm->notifier_subscriptions, sub, mm);
		sub->ops->free_notifier(sub);
		mmdrop(mm);
	}
}

/**
 * mmu_notifier_put - drop a reference taken by mmu_notifier_get()
 * @subscription: the notifier
 *
 * May be called from any context, ->release included. After the last
 * reference, a work item unregisters the notifier, without calling its
 * ->release, and then calls ->free_notifier(); until then it may still
 * get callbacks. mmu_notifier_synchronize() waits for that work.
 */
void mmu_notifier_put(struct mmu_notifier *subscription)
{
	struct mmu_notifier_subscriptions *subs =
		subscription->mm->notifier_subscriptions;

	spin_lock(&subs->lock);
	if (WARN_ON(!subscription->users) || --subscription->users) {
		spin_unlock(&subs->lock);
		return;
	}
	spin_unlock(&subs->lock);

	llist_add(&subscription->free_node, &mn_free_list);
	queue_work(system_unbound_wq, &mn_free_work);
}
EXPORT_SYMBOL_GPL(mmu_notifier_put);

/**
 * mmu_notifier_synchronize - wait for the frees queued by mmu_notifier_put()
 *
 * On return, every notifier whose last reference was dropped before the
 * call has been freed: a module can then unload the code of its ops.
 */
void mmu_notifier_synchronize(void)
{
	flush_work(&mn_free_work);
}
EXPORT_SYMBOL_GPL(mmu_notifier_synchronize);

/* Interval notifiers: insert and remove. */

static int mn_itree_insert(struct mmu_interval_notifier *interval_sub,
			   struct mm_struct *mm,
			   struct mmu_notifier_subscriptions *subs,
			   unsigned long start, unsigned long length,
			   const struct mmu_interval_notifier_ops *ops)
{
	unsigned long last;

	if (length == 0 || check_add_overflow(start, length - 1, &last))
		return -EOVERFLOW;

	interval_sub->mm = mm;
	interval_sub->ops = ops;
	RB_CLEAR_NODE(&interval_sub->interval_tree.rb);
	interval_sub->interval_tree.start = start;
	interval_sub->interval_tree.last = last;
	/* The notifier holds the mm's structure until it is removed. */
	mmgrab(mm);

	spin_lock(&subs->lock);
	if (subs->active_invalidate_ranges) {
		/*
		 * The tree is frozen: queue the insert for the end of the
		 * invalidations, and make the sequence odd so that the end
		 * applies it. The notifier starts with that odd sequence, so
		 * a read_begin() on it waits for the invalidations to end.
		 */
		subs->invalidate_seq |= 1;
		hlist_add_head(&interval_sub->deferred_item,
			       &subs->deferred_list);
		interval_sub->invalidate_seq = subs->invalidate_seq;
	} else {
		WARN_ON(mn_itree_is_invalidating(subs));
		/* Odd and unlike any sequence to come for a long time. */
		interval_sub->invalidate_seq = subs->invalidate_seq - 1;
		interval_tree_insert(&interval_sub->interval_tree,
				     &subs->itree);
	}
	spin_unlock(&subs->lock);
	return 0;
}

/**
 * mmu_interval_notifier_insert - watch an interval of an mm
 * @interval_sub: the interval notifier
 * @mm: the mm, with a user reference held by the caller
 * @start: first address of the interval
 * @length: length of the interval
 * @ops: the callbacks
 *
 * May take the mmap_lock for write, for the first interval notifier of
 * @mm. If invalidations are in flight, the notifier joins when they end;
 * use mmu_interval_read_begin() before setting up any secondary mapping.
 *
 * Return: 0, or an error of the registration, or -EOVERFLOW.
 */
int mmu_interval_notifier_insert(struct mmu_interval_notifier *interval_sub,
				 struct mm_struct *mm, unsigned long start,
				 unsigned long length,
				 const struct mmu_interval_notifier_ops *ops)
{
	struct mmu_notifier_subscriptions *subs;
	int ret;

	might_lock(&mm->mmap_lock);

	/* Pairs with smp_store_release() in __mmu_notifier_register(). */
	subs = smp_load_acquire(&mm->notifier_subscriptions);
	if (subs && subs->has_itree)
		return mn_itree_insert(interval_sub, mm, subs, start, length,
				       ops);

	/* The first interval notifier of @mm sets up the tree. */
	mmap_write_lock(mm);
	ret = mmu_interval_notifier_insert_locked(interval_sub, mm, start,
						  length, ops);
	mmap_write_unlock(mm);
	return ret;
}
EXPORT_SYMBOL_GPL(mmu_interval_notifier_insert);

/**
 * mmu_interval_notifier_insert_locked - insert with the mmap_lock held
 * @interval_sub: the interval notifier
 * @mm: the mm; the caller holds its mmap_lock for write
 * @start: first address of the interval
 * @length: length of the interval
 * @ops: the callbacks
 *
 * As mmu_interval_notifier_insert().
 *
 * Return: as mmu_interval_notifier_insert().
 */
int mmu_interval_notifier_insert_locked(struct mmu_interval_notifier *interval_sub,
					struct mm_struct *mm, unsigned long start,
					unsigned long length,
					const struct mmu_interval_notifier_ops *ops)
{
	struct mmu_notifier_subscriptions *subs;
	int ret;

	mmap_assert_write_locked(mm);

	subs = mm->notifier_subscriptions;
	if (!subs || !subs->has_itree) {
		ret = __mmu_notifier_register(NULL, mm);
		if (ret)
			return ret;
		subs = mm->notifier_subscriptions;
	}
	return mn_itree_insert(interval_sub, mm, subs, start, length, ops);
}
EXPORT_SYMBOL_GPL(mmu_interval_notifier_insert_locked);

/**
 * mmu_interval_notifier_remove - stop watching an interval
 * @interval_sub: the interval notifier
 *
 * If an invalidation that reaches the notifier is in flight, waits for it
 * to end. On return no ->invalidate() of it runs or will run. Must not be
 * called with a lock held that an invalidation callback may take.
 */
void mmu_interval_notifier_remove(struct mmu_interval_notifier *interval_sub)
{
	struct mm_struct *mm = interval_sub->mm;
	struct mmu_notifier_subscriptions *subs = mm->notifier_subscriptions;
	unsigned long seq = 0;

	might_sleep();

	spin_lock(&subs->lock);
	if (mn_itree_is_invalidating(subs)) {
		if (RB_EMPTY_NODE(&interval_sub->interval_tree.rb)) {
			/* Its insert is still queued: cancel it. */
			hlist_del(&interval_sub->deferred_item);
		} else {
			hlist_add_head(&interval_sub->deferred_item,
				       &subs->deferred_list);
			seq = subs->invalidate_seq;
		}
	} else {
		WARN_ON(RB_EMPTY_NODE(&interval_sub->interval_tree.rb));
		interval_tree_remove(&interval_sub->interval_tree,
				     &subs->itree);
	}
	spin_unlock(&subs->lock);

	lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);
	lock_map_release(&__mmu_notifier_invalidate_range_start_map);
	if (seq)
		wait_event(subs->wq, mn_itree_seq_passed(subs, seq));

	mmdrop(mm);
}
EXPORT_SYMBOL_GPL(mmu_interval_notifier_remove);

/* Called from __mmdrop(): nobody can reach the mm any more. */
void __mmu_notifier_subscriptions_destroy(struct mm_struct *mm)
{
	WARN_ON(!hlist_empty(&mm->notifier_subscriptions->list));
	kfree(mm->notifier_subscriptions);
	mm->notifier_subscriptions = NULL;
}
