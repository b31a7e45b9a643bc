/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_MMU_NOTIFIER_H
#define _LINUX_MMU_NOTIFIER_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/spinlock.h>
#include <linux/mm_types.h>
#include <linux/mmap_lock.h>
#include <linux/interval_tree.h>

struct mmu_notifier_subscriptions;
struct mmu_notifier;
struct mmu_notifier_range;
struct mmu_interval_notifier;

/**
 * enum mmu_notifier_event - why the primary MMU changes a range
 *
 * @MMU_NOTIFY_UNMAP: the range is being unmapped (munmap(), mremap() moving
 * it away): the virtual addresses no longer refer to the same memory.
 *
 * @MMU_NOTIFY_CLEAR: page table entries in the range are being cleared
 * (madvise(MADV_DONTNEED), reclaim, COW break, ...) while the mapping
 * itself stays.
 *
 * @MMU_NOTIFY_PROTECTION_VMA: the protection of the whole VMA changes
 * (mprotect()): secondary mappings must not grant more than the new one.
 *
 * @MMU_NOTIFY_PROTECTION_PAGE: the protection of pages in the range
 * changes, the VMA's does not (write-protection for page cleaning, KSM).
 *
 * @MMU_NOTIFY_SOFT_DIRTY: the soft-dirty bits of the range are cleared,
 * which write-protects it.
 *
 * @MMU_NOTIFY_RELEASE: the mm is being torn down; sent to interval
 * notifiers once, with the whole address space as the range.
 *
 * @MMU_NOTIFY_MIGRATE: pages in the range are migrating. A driver that
 * started the migration itself recognises it by the range's owner.
 *
 * @MMU_NOTIFY_EXCLUSIVE: the range is being made exclusive to a device
 * (make_device_exclusive_range()); the owner identifies that device.
 */
enum mmu_notifier_event {
	MMU_NOTIFY_UNMAP = 0,
	MMU_NOTIFY_CLEAR,
	MMU_NOTIFY_PROTECTION_VMA,
	MMU_NOTIFY_PROTECTION_PAGE,
	MMU_NOTIFY_SOFT_DIRTY,
	MMU_NOTIFY_RELEASE,
	MMU_NOTIFY_MIGRATE,
	MMU_NOTIFY_EXCLUSIVE,
};

#define MMU_NOTIFIER_RANGE_BLOCKABLE BIT(0)

/**
 * struct mmu_notifier_ops - what a secondary MMU is told
 *
 * Locking, for every callback but @alloc_notifier and @free_notifier: the
 * core calls it with at least one of the mm's own locks held (the
 * mmap_lock, a VMA lock, or the anon_vma/i_mmap_rwsem lock that covers
 * the range), or from the mm's teardown after its last user went away.
 * That is what keeps the list of notifiers stable: registration and
 * unregistration take all of those locks. A callback therefore must not
 * take the mmap_lock for write, must not register or unregister a
 * notifier of the same mm, and may only sleep where the range says it is
 * blockable. Documentation/mm/mmu_notifier.rst argues each case.
 *
 * @release: the mm is being torn down, or this notifier is being
 * unregistered while the mm lives; whichever comes first calls it, and it
 * is called once. Tear down every secondary mapping of the mm; no further
 * callback reaches this notifier, and mmu_notifier_put() may be called
 * from here. May sleep.
 *
 * @clear_flush_young: clear the accessed bits of the secondary mappings
 * of [start, end) and flush them; return nonzero if any was set.
 *
 * @clear_young: as @clear_flush_young, without the flush.
 *
 * @test_young: return nonzero if the page at @address was accessed
 * through a secondary mapping, without clearing anything.
 *
 * @invalidate_range_start: the primary MMU is about to change the range;
 * drop the secondary mappings of it and keep new ones from being made
 * until the matching @invalidate_range_end. Starts may nest and overlap.
 * When the range is not blockable (mmu_notifier_range_blockable() is
 * false) the callback must not sleep; it may then return -EAGAIN, after
 * which it gets no @invalidate_range_end for this range, so a notifier
 * whose start can fail must not have an end callback.
 *
 * @invalidate_range_end: the change of the range is complete.
 *
 * @arch_invalidate_secondary_tlbs: the primary MMU flushed its TLB for
 * [start, end); a secondary MMU that walks the primary page tables itself
 * (IOMMU SVA) flushes its own TLB. May be called in atomic context. A
 * notifier that has this callback has no start/end callbacks.
 *
 * @alloc_notifier: for mmu_notifier_get(): allocate the notifier of @mm.
 *
 * @free_notifier: for mmu_notifier_put(): free a notifier once it is
 * unregistered. Called from a work item.
 */
struct mmu_notifier_ops {
	void (*release)(struct mmu_notifier *subscription,
			struct mm_struct *mm);
	int (*clear_flush_young)(struct mmu_notifier *subscription,
				 struct mm_struct *mm,
				 unsigned long start,
				 unsigned long end);
	int (*clear_young)(struct mmu_notifier *subscription,
			   struct mm_struct *mm,
			   unsigned long start,
			   unsigned long end);
	int (*test_young)(struct mmu_notifier *subscription,
			  struct mm_struct *mm,
			  unsigned long address);
	int (*invalidate_range_start)(struct mmu_notifier *subscription,
				      const struct mmu_notifier_range *range);
	void (*invalidate_range_end)(struct mmu_notifier *subscription,
				     const struct mmu_notifier_range *range);
	void (*arch_invalidate_secondary_tlbs)(struct mmu_notifier *subscription,
					       struct mm_struct *mm,
					       unsigned long start,
					       unsigned long end);
	struct mmu_notifier *(*alloc_notifier)(struct mm_struct *mm);
	void (*free_notifier)(struct mmu_notifier *subscription);
};

/**
 * struct mmu_notifier - a secondary MMU's subscription to an mm
 * @hlist: link in the mm's list; changed only with all the mm's locks held
 * @ops: the callbacks
 * @mm: the mm, set by registration
 * @rcu: kept for the layout of 6.12; this core frees without RCU
 * @users: references taken by mmu_notifier_get(); 1 for a plain notifier
 * @free_node: queues the notifier for its deferred free after the last put
 *
 * Embed it in the driver's own structure, usually allocated with kzalloc().
 */
struct mmu_notifier {
	struct hlist_node hlist;
	const struct mmu_notifier_ops *ops;
	struct mm_struct *mm;
	struct rcu_head rcu;
	unsigned int users;
	struct llist_node free_node;
};

/**
 * struct mmu_interval_notifier_ops - callbacks of an interval notifier
 * @invalidate: the primary MMU changes pages that overlap the interval.
 *	Call mmu_interval_set_seq() with @cur_seq under the driver lock that
 *	also guards mmu_interval_read_retry(), then drop the secondary
 *	mappings. Return false only for a non-blockable range that would need
 *	to sleep; the invalidation then fails with -EAGAIN.
 */
struct mmu_interval_notifier_ops {
	bool (*invalidate)(struct mmu_interval_notifier *interval_sub,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq);
};

struct mmu_interval_notifier {
	struct interval_tree_node interval_tree;
	const struct mmu_interval_notifier_ops *ops;
	struct mm_struct *mm;
	struct hlist_node deferred_item;
	unsigned long invalidate_seq;
};

#ifdef CONFIG_MMU_NOTIFIER

#ifdef CONFIG_LOCKDEP
extern struct lockdep_map __mmu_notifier_invalidate_range_start_map;
#endif

struct mmu_notifier_range {
	struct mm_struct *mm;
	unsigned long start;
	unsigned long end;
	unsigned int flags;
	enum mmu_notifier_event event;
	void *owner;
};

static inline int mm_has_notifiers(struct mm_struct *mm)
{
	return unlikely(mm->notifier_subscriptions);
}

struct mmu_notifier *mmu_notifier_get_locked(const struct mmu_notifier_ops *ops,
					     struct mm_struct *mm);

/**
 * mmu_notifier_get - find or create the notifier of @ops for @mm
 * @ops: the callbacks, with alloc_notifier and free_notifier set
 * @mm: the mm, with a user reference held by the caller
 *
 * Takes the mmap_lock for write; see mmu_notifier_get_locked().
 *
 * Return: the notifier with a new reference, or an ERR_PTR().
 */
static inline struct mmu_notifier *
mmu_notifier_get(const struct mmu_notifier_ops *ops, struct mm_struct *mm)
{
	struct mmu_notifier *ret;

	mmap_write_lock(mm);
	ret = mmu_notifier_get_locked(ops, mm);
	mmap_write_unlock(mm);
	return ret;
}

void mmu_notifier_put(struct mmu_notifier *subscription);
void mmu_notifier_synchronize(void);

int mmu_notifier_register(struct mmu_notifier *subscription,
			  struct mm_struct *mm);
int __mmu_notifier_register(struct mmu_notifier *subscription,
			    struct mm_struct *mm);
void mmu_notifier_unregister(struct mmu_notifier *subscription,
			     struct mm_struct *mm);

unsigned long
mmu_interval_read_begin(struct mmu_interval_notifier *interval_sub);
int mmu_interval_notifier_insert(struct mmu_interval_notifier *interval_sub,
				 struct mm_struct *mm, unsigned long start,
				 unsigned long length,
				 const struct mmu_interval_notifier_ops *ops);
int mmu_interval_notifier_insert_locked(struct mmu_interval_notifier *interval_sub,
					struct mm_struct *mm, unsigned long start,
					unsigned long length,
					const struct mmu_interval_notifier_ops *ops);
void mmu_interval_notifier_remove(struct mmu_interval_notifier *interval_sub);

/**
 * mmu_interval_set_seq - record the sequence of an invalidation
 * @interval_sub: the interval notifier passed to ->invalidate()
 * @cur_seq: the cur_seq passed to ->invalidate(); always odd
 *
 * Call it from ->invalidate(), every time, under the driver lock that also
 * guards mmu_interval_read_retry(): a reader that began before now will
 * then retry.
 */
static inline void
mmu_interval_set_seq(struct mmu_interval_notifier *interval_sub,
		     unsigned long cur_seq)
{
	WRITE_ONCE(interval_sub->invalidate_seq, cur_seq);
}

/**
 * mmu_interval_read_retry - must a secondary mapping be redone?
 * @interval_sub: the interval notifier
 * @seq: what mmu_interval_read_begin() returned
 *
 * Call it under the driver lock that ->invalidate() takes, just before
 * making the secondary mapping visible. If it returns false the mapping
 * is current and stays so until the next ->invalidate() takes the lock.
 *
 * Return: true if an invalidation overlapped the read.
 */
static inline bool
mmu_interval_read_retry(struct mmu_interval_notifier *interval_sub,
			unsigned long seq)
{
	return interval_sub->invalidate_seq != seq;
}

/**
 * mmu_interval_check_retry - early, unlocked test for a retry
 * @interval_sub: the interval notifier
 * @seq: what mmu_interval_read_begin() returned
 *
 * A hint that lets a long read stop early; it may miss an invalidation
 * that is just starting, so it never replaces mmu_interval_read_retry().
 *
 * Return: true if the read will have to be retried.
 */
static inline bool
mmu_interval_check_retry(struct mmu_interval_notifier *interval_sub,
			 unsigned long seq)
{
	return READ_ONCE(interval_sub->invalidate_seq) != seq;
}

void __mmu_notifier_subscriptions_destroy(struct mm_struct *mm);
void __mmu_notifier_release(struct mm_struct *mm);
int __mmu_notifier_clear_flush_young(struct mm_struct *mm,
				     unsigned long start, unsigned long end);
int __mmu_notifier_clear_young(struct mm_struct *mm,
			       unsigned long start, unsigned long end);
int __mmu_notifier_test_young(struct mm_struct *mm, unsigned long address);
int __mmu_notifier_invalidate_range_start(struct mmu_notifier_range *r);
void __mmu_notifier_invalidate_range_end(struct mmu_notifier_range *r);
void __mmu_notifier_arch_invalidate_secondary_tlbs(struct mm_struct *mm,
						   unsigned long start,
						   unsigned long end);

static inline bool
mmu_notifier_range_blockable(const struct mmu_notifier_range *range)
{
	return (range->flags & MMU_NOTIFIER_RANGE_BLOCKABLE);
}

static inline void mmu_notifier_release(struct mm_struct *mm)
{
	if (mm_has_notifiers(mm))
		__mmu_notifier_release(mm);
}

static inline int mmu_notifier_clear_flush_young(struct mm_struct *mm,
						 unsigned long start,
						 unsigned long end)
{
	if (mm_has_notifiers(mm))
		return __mmu_notifier_clear_flush_young(mm, start, end);
	return 0;
}

static inline int mmu_notifier_clear_young(struct mm_struct *mm,
					   unsigned long start,
					   unsigned long end)
{
	if (mm_has_notifiers(mm))
		return __mmu_notifier_clear_young(mm, start, end);
	return 0;
}

static inline int mmu_notifier_test_young(struct mm_struct *mm,
					  unsigned long address)
{
	if (mm_has_notifiers(mm))
		return __mmu_notifier_test_young(mm, address);
	return 0;
}

static inline void
mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)
{
	might_sleep();

	lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);
	if (mm_has_notifiers(range->mm)) {
		range->flags |= MMU_NOTIFIER_RANGE_BLOCKABLE;
		__mmu_notifier_invalidate_range_start(range);
	}
	lock_map_release(&__mmu_notifier_invalidate_range_start_map);
}

/*
 * The non-blocking start, for callers that must not sleep (the OOM
 * reaper). On an error the caller must not call the matching end.
 */
static inline int __must_check
mmu_notifier_invalidate_range_start_nonblock(struct mmu_notifier_range *range)
{
	int ret = 0;

	lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);
	if (mm_has_notifiers(range->mm)) {
		range->flags &= ~MMU_NOTIFIER_RANGE_BLOCKABLE;
		ret = __mmu_notifier_invalidate_range_start(range);
	}
	lock_map_release(&__mmu_notifier_invalidate_range_start_map);
	return ret;
}

static inline void
mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range)
{
	if (mmu_notifier_range_blockable(range))
		might_sleep();

	if (mm_has_notifiers(range->mm))
		__mmu_notifier_invalidate_range_end(range);
}

static inline void
mmu_notifier_arch_invalidate_secondary_tlbs(struct mm_struct *mm,
					    unsigned long start,
					    unsigned long end)
{
	if (mm_has_notifiers(mm))
		__mmu_notifier_arch_invalidate_secondary_tlbs(mm, start, end);
}

static inline void mmu_notifier_subscriptions_init(struct mm_struct *mm)
{
	mm->notifier_subscriptions = NULL;
}

static inline void mmu_notifier_subscriptions_destroy(struct mm_struct *mm)
{
	if (mm_has_notifiers(mm))
		__mmu_notifier_subscriptions_destroy(mm);
}

static inline void mmu_notifier_range_init(struct mmu_notifier_range *range,
					   enum mmu_notifier_event event,
					   unsigned int flags,
					   struct mm_struct *mm,
					   unsigned long start,
					   unsigned long end)
{
	range->event = event;
	range->mm = mm;
	range->start = start;
	range->end = end;
	range->flags = flags;
}

static inline void
mmu_notifier_range_init_owner(struct mmu_notifier_range *range,
			      enum mmu_notifier_event event, unsigned int flags,
			      struct mm_struct *mm, unsigned long start,
			      unsigned long end, void *owner)
{
	mmu_notifier_range_init(range, event, flags, mm, start, end);
	range->owner = owner;
}

#define ptep_clear_flush_young_notify(__vma, __address, __ptep)		\
({									\
	struct vm_area_struct *___vma = __vma;				\
	unsigned long ___address = __address;				\
	int __young;							\
									\
	__young = ptep_clear_flush_young(___vma, ___address, __ptep);	\
	__young |= mmu_notifier_clear_flush_young(___vma->vm_mm,	\
						  ___address,		\
						  ___address + PAGE_SIZE); \
	__young;							\
})

#define pmdp_clear_flush_young_notify(__vma, __address, __pmdp)		\
({									\
	struct vm_area_struct *___vma = __vma;				\
	unsigned long ___address = __address;				\
	int __young;							\
									\
	__young = pmdp_clear_flush_young(___vma, ___address, __pmdp);	\
	__young |= mmu_notifier_clear_flush_young(___vma->vm_mm,	\
						  ___address,		\
						  ___address + PMD_SIZE); \
	__young;							\
})

#define ptep_clear_young_notify(__vma, __address, __ptep)		\
({									\
	struct vm_area_struct *___vma = __vma;				\
	unsigned long ___address = __address;				\
	int __young;							\
									\
	__young = ptep_test_and_clear_young(___vma, ___address, __ptep);\
	__young |= mmu_notifier_clear_young(___vma->vm_mm, ___address,	\
					    ___address + PAGE_SIZE);	\
	__young;							\
})

#define pmdp_clear_young_notify(__vma, __address, __pmdp)		\
({									\
	struct vm_area_struct *___vma = __vma;				\
	unsigned long ___address = __address;				\
	int __young;							\
									\
	__young = pmdp_test_and_clear_young(___vma, ___address, __pmdp);\
	__young |= mmu_notifier_clear_young(___vma->vm_mm, ___address,	\
					    ___address + PMD_SIZE);	\
	__young;							\
})

#else /* CONFIG_MMU_NOTIFIER */

struct mmu_notifier_range {
	unsigned long start;
	unsigned long end;
};

static inline void _mmu_notifier_range_init(struct mmu_notifier_range *range,
					    unsigned long start,
					    unsigned long end)
{
	range->start = start;
	range->end = end;
}

/* Without notifiers only the range is kept; the rest is evaluated, unused. */
#define mmu_notifier_range_init(range, event, flags, mm, start, end)	\
	((void)(event), (void)(flags), (void)(mm),			\
	 _mmu_notifier_range_init(range, start, end))
#define mmu_notifier_range_init_owner(range, event, flags, mm, start,	\
				      end, owner)			\
	((void)(owner),							\
	 mmu_notifier_range_init(range, event, flags, mm, start, end))

static inline bool
mmu_notifier_range_blockable(const struct mmu_notifier_range *range)
{
	return true;
}

static inline int mm_has_notifiers(struct mm_struct *mm)
{
	return 0;
}

static inline void mmu_notifier_release(struct mm_struct *mm)
{
}

static inline int mmu_notifier_clear_flush_young(struct mm_struct *mm,
						 unsigned long start,
						 unsigned long end)
{
	return 0;
}

static inline int mmu_notifier_clear_young(struct mm_struct *mm,
					   unsigned long start,
					   unsigned long end)
{
	return 0;
}

static inline int mmu_notifier_test_young(struct mm_struct *mm,
					  unsigned long address)
{
	return 0;
}

static inline void
mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)
{
}

static inline int
mmu_notifier_invalidate_range_start_nonblock(struct mmu_notifier_range *range)
{
	return 0;
}

static inline
void mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range)
{
}

static inline void
mmu_notifier_arch_invalidate_secondary_tlbs(struct mm_struct *mm,
					    unsigned long start,
					    unsigned long end)
{
}

static inline void mmu_notifier_subscriptions_init(struct mm_struct *mm)
{
}

static inline void mmu_notifier_subscriptions_destroy(struct mm_struct *mm)
{
}

#define mmu_notifier_range_update_to_read_only(r) ((void)(r), false)

#define ptep_clear_flush_young_notify ptep_clear_flush_young
#define pmdp_clear_flush_young_notify pmdp_clear_flush_young
#define ptep_clear_young_notify ptep_test_and_clear_young
#define pmdp_clear_young_notify pmdp_test_and_clear_young
#define	ptep_clear_flush_notify ptep_clear_flush
#define pmdp_huge_clear_flush_notify pmdp_huge_clear_flush
#define pudp_huge_clear_flush_notify pudp_huge_clear_flush

static inline void mmu_notifier_synchronize(void)
{
}

#endif /* CONFIG_MMU_NOTIFIER */

#endif /* _LINUX_MMU_NOTIFIER_H */
