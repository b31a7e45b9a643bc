// SPDX-License-Identifier: GPL-2.0-only
/*
 * CONFIG_DEBUG_MMU_NOTIFIER: check at every callout that the caller holds
 * a lock that keeps the mm's list of notifiers still.
 *
 * The list changes only under mm_take_all_locks() with the mmap_lock held
 * for write, so a callout may walk it if the current task holds one lock
 * of that sweep: the mmap_lock, or for a VMA of the mm, the VMA's lock,
 * the root anon_vma lock of its anon_vma, or the i_mmap_rwsem of its file.
 * Lockdep knows which locks the task holds; the check looks for one of
 * them among the VMAs that meet the range of the callout. A munmap in
 * progress leaves VMAs that only the rmap trees still reach: it tells the
 * check which range (mmu_notifier_debug_munmap()).
 *
 * Without the mmap_lock, only RCU makes the walk of the VMA tree safe (the
 * maple tree and, with CONFIG_PER_VMA_LOCK, the VMAs are freed after a
 * grace period). That is why the check lives here and not in
 * mm/mmu_notifier.c, whose callouts use no RCU at all.
 */
#include <linux/atomic.h>
#include <linux/debug_locks.h>
#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/rmap.h>
#include <linux/sched.h>

#include "internal.h"

/* Every callout found without its lock, ratelimited report or not. */
atomic_long_t mmu_notifier_debug_violations = ATOMIC_LONG_INIT(0);
/* The reports of those: four every ten seconds. */
static DEFINE_RATELIMIT_STATE(mn_debug_ratelimit, 10 * HZ, 4);

/* For the KUnit cases: report the next violations, whatever came before. */
void mmu_notifier_debug_ratelimit_reset(void)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&mn_debug_ratelimit.lock, flags);
	mn_debug_ratelimit.begin = jiffies;
	mn_debug_ratelimit.printed = 0;
	raw_spin_unlock_irqrestore(&mn_debug_ratelimit.lock, flags);
}

/* Does the current task hold a lock of the sweep that covers @vma? */
static bool mn_debug_vma_locked(struct vm_area_struct *vma)
{
	struct anon_vma *anon_vma = READ_ONCE(vma->anon_vma);
	struct file *file = READ_ONCE(vma->vm_file);

	if (lockdep_is_held(&vma->vm_lock->lock))
		return true;
	if (anon_vma && lockdep_is_held(&anon_vma->root->rwsem))
		return true;
	if (file && lockdep_is_held(&file->f_mapping->i_mmap_rwsem))
		return true;
	return false;
}

/**
 * mmu_notifier_debug_munmap - open or close the munmap window of an mm
 * @mm: the mm of the caller, whose mmap_lock it holds
 * @start: first address of the munmap; 0, with @end 0, closes the window
 * @end: end of the munmap (exclusive)
 *
 * do_vmi_align_munmap() (munmap(), brk(), mremap(), shmdt()) takes its VMAs
 * out of the maple tree before it unmaps their pages and unlinks them from
 * the rmap trees. Meanwhile an rmap walk (reclaim, migration, compaction)
 * still reaches such a VMA and calls the notifiers for its range, with its
 * anon_vma or i_mmap lock held but with no VMA in the tree left to find
 * that lock on. The walk is serialized all the same: the munmap keeps the
 * mmap_lock, so no sweep can begin, until it has unlinked the VMA, which
 * takes the lock the walk holds. The munmap opens the window before it
 * clears the tree and closes it once the VMAs are unlinked; with the
 * mmap_lock held, an mm has one window at most, and gets no first
 * notifier while it is open.
 */
void mmu_notifier_debug_munmap(struct mm_struct *mm, unsigned long start,
			       unsigned long end)
{
	struct mn_debug_window *w;

	if (!mm_has_notifiers(mm))
		return;
	w = mn_debug_window(mm);
	/* Every mmap() closes it too: no store where nothing changes. */
	if (READ_ONCE(w->start) == start && READ_ONCE(w->end) == end)
		return;
	WRITE_ONCE(w->start, start);
	WRITE_ONCE(w->end, end);
	/* The window before the hole: pairs with mn_debug_in_munmap(). */
	smp_wmb();
}

/*
 * Does the current task hold a lock? Lockdep annotations that stand for
 * no lock (fs_reclaim, a work item, this callout's own map: maps of no
 * wait type; the maps that override a wait type) and RCU readers do not
 * count. With lockdep off, its list of held locks means nothing.
 */
static bool mn_debug_holds_a_lock(void)
{
	struct task_struct *curr = current;
	int i;

	if (!debug_locks)
		return true;
	for (i = 0; i < curr->lockdep_depth; i++) {
		const struct lockdep_map *map = curr->held_locks[i].instance;

		if (map->wait_type_inner == LD_WAIT_INV ||
		    map->lock_type == LD_LOCK_WAIT_OVERRIDE ||
		    map == &rcu_lock_map || map == &rcu_bh_lock_map ||
		    map == &rcu_sched_lock_map)
			continue;
		return true;
	}
	return false;
}

/*
 * Does [@start, @end) meet the window of a munmap in progress, with the
 * task holding a lock, as a walk that reached one of the munmap's VMAs
 * holds its rmap lock? Which lock it is lockdep cannot say without the
 * VMA: any lock passes. A walk in the window reads it whole (the munmap
 * closes it only once the walk let go of its lock); another task may read
 * it half written, which can only let a callout pass.
 */
static bool mn_debug_in_munmap(struct mm_struct *mm, unsigned long start,
			       unsigned long end)
{
	struct mn_debug_window *w;
	unsigned long wstart, wend;

	if (!mm_has_notifiers(mm))
		return false;
	w = mn_debug_window(mm);
	/* The hole the walk of the tree found, before the window. */
	smp_rmb();
	wstart = READ_ONCE(w->start);
	wend = READ_ONCE(w->end);
	if (wstart >= wend || end <= wstart || start >= wend)
		return false;
	return mn_debug_holds_a_lock();
}

/**
 * mmu_notifier_assert_serialized - check the lock a callout relies on
 * @mm: the mm whose notifiers are called
 * @start: first address of the callout's range
 * @end: end of the range (exclusive); a range that is empty is taken as
 *	the page at @start
 *
 * Warns, with the locks the task holds, unless the current task holds the
 * mmap_lock of @mm, or the VMA lock, the anon_vma lock or the i_mmap_rwsem
 * of a VMA of @mm that meets [@start, @end). A full-range callout (such as
 * a secondary TLB flush of the whole mm) accepts a lock of any VMA. A
 * callout whose range meets a munmap in progress passes if the task holds
 * any lock, lockdep annotations and RCU aside (mmu_notifier_debug_munmap()).
 */
void mmu_notifier_assert_serialized(struct mm_struct *mm, unsigned long start,
				    unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long index = start;
	bool locked = false;

	if (lockdep_is_held(&mm->mmap_lock))
		return;

	if (end <= start)
		end = start + 1;
	rcu_read_lock();
	mt_for_each(&mm->mm_mt, vma, index, end - 1) {
		if (mn_debug_vma_locked(vma)) {
			locked = true;
			break;
		}
	}
	rcu_read_unlock();
	if (!locked && mn_debug_in_munmap(mm, start, end))
		locked = true;
	if (locked)
		return;
	atomic_long_inc(&mmu_notifier_debug_violations);
	if (!__ratelimit(&mn_debug_ratelimit))
		return;

	WARN(1, "mmu_notifier: callout for [%#lx, %#lx) of mm %p without its mmap_lock or a VMA, anon_vma or i_mmap lock of the range\n",
	     start, end, mm);
	debug_show_held_locks(current);
}
