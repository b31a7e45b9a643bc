/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The notifiers of an mm, as mm/mmu_notifier.c keeps them, for it and for
 * mm/mmu_notifier_debug.c, which checks the callouts against them and
 * shows them in debugfs. No other file has any business with them.
 */
#ifndef __MM_MMU_NOTIFIER_INTERNAL_H
#define __MM_MMU_NOTIFIER_INTERNAL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#ifdef CONFIG_DEBUG_MMU_NOTIFIER
/* The range of a munmap whose VMAs are out of the tree, not yet unlinked. */
struct mn_debug_window {
	unsigned long start;
	unsigned long end;
};
#endif

struct mmu_notifier_subscriptions {
	/* Plain notifiers; changed only with every lock of the mm held. */
	struct hlist_head list;
	/*
	 * The only plain notifier, where there is one and no interval
	 * notifier: the callouts' short path. Changed with the list.
	 */
	struct mmu_notifier *alone;
	bool has_itree;
#ifdef CONFIG_DEBUG_MMU_NOTIFIER
	/* A munmap whose VMAs are out of the tree: mmu_notifier_debug.c. */
	struct mn_debug_window debug_window;
#endif
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
	 * Held by the teardown while it calls ->release, and by an
	 * unregistration or a deferred free from its ->release to its
	 * unlink, so that ->release runs once and the teardown does not go
	 * on to free the pages while another ->release is running.
	 */
	struct mutex release_lock;
	/* Set by the teardown once it called ->release of every notifier. */
	bool released;
	/* Set by the teardown once it unlinked every notifier. */
	bool torn_down;
	struct mm_struct *mm;
	/* Frees this mm's notifiers after their last put; see mn_free_lock. */
	struct work_struct free_work;
	struct list_head free_queue;
	struct list_head free_mms;
#ifdef CONFIG_DEBUG_MMU_NOTIFIER
	/* On the list of debugfs mmu_notifier/mms: mmu_notifier_debug.c. */
	struct list_head debug_node;
#endif
};

/* Whether an invalidation of a member of the interval tree is in flight. */
static inline bool
mn_itree_is_invalidating(struct mmu_notifier_subscriptions *subs)
{
	lockdep_assert_held(&subs->lock);
	return subs->invalidate_seq & 1;
}

#ifdef CONFIG_DEBUG_MMU_NOTIFIER
/* The list of debugfs mmu_notifier/mms: from the first registration on. */
void mmu_notifier_debug_add(struct mmu_notifier_subscriptions *subs);
/* Off that list, in __mmdrop(). */
void mmu_notifier_debug_del(struct mmu_notifier_subscriptions *subs);

/* The callouts a notifier got, counted from its registration on. */
static inline void mn_counts_reset(struct mmu_notifier *sub)
{
	memset(&sub->counts, 0, sizeof(sub->counts));
}

static inline void
mn_interval_counts_reset(struct mmu_interval_notifier *interval_sub)
{
	memset(&interval_sub->counts, 0, sizeof(interval_sub->counts));
}

static inline void mn_count(struct mmu_notifier *sub,
			    enum mmu_notifier_count what)
{
	atomic_long_inc(&sub->counts[what]);
}

static inline void mn_icount(struct mmu_interval_notifier *interval_sub,
			     enum mmu_interval_notifier_count what)
{
	atomic_long_inc(&interval_sub->counts[what]);
}
#else
static inline void
mmu_notifier_debug_add(struct mmu_notifier_subscriptions *subs)
{
}

static inline void
mmu_notifier_debug_del(struct mmu_notifier_subscriptions *subs)
{
}

static inline void mn_counts_reset(struct mmu_notifier *sub)
{
}

static inline void
mn_interval_counts_reset(struct mmu_interval_notifier *interval_sub)
{
}

static inline void mn_count(struct mmu_notifier *sub,
			    enum mmu_notifier_count what)
{
}

static inline void mn_icount(struct mmu_interval_notifier *interval_sub,
			     enum mmu_interval_notifier_count what)
{
}
#endif /* CONFIG_DEBUG_MMU_NOTIFIER */

#endif /* __MM_MMU_NOTIFIER_INTERNAL_H */
