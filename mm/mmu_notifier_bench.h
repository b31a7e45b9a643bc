/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface of /sys/kernel/debug/mmu_notifier_bench
 * (CONFIG_MMU_NOTIFIER_BENCH), shared with the benchmark program in
 * tools/testing/selftests/mmu_notifier/bench.c.
 *
 * Every command acts on the mm of the task that makes it; the open file
 * keeps the notifiers it registered until it is closed. Times are in
 * nanoseconds, taken in the kernel with ktime_get_ns().
 */
#ifndef __MMU_NOTIFIER_BENCH_H
#define __MMU_NOTIFIER_BENCH_H

#include <linux/types.h>

/* The notifiers MNB_REGISTER can add. */
enum {
	/* Counts its callouts, nothing more: the cost of the core alone. */
	MNB_KIND_COUNT,
	/*
	 * A secondary MMU like KVM's: a spinlock, an in-progress count and a
	 * sequence taken by every invalidation, and young callouts that
	 * look under the lock. It never sleeps.
	 */
	MNB_KIND_KVM,
	MNB_NR_KINDS
};

/* At most this many notifiers on one open file. */
#define MNB_MAX_NOTIFIERS	64

struct mnb_register {
	__u32 kind;		/* in: MNB_KIND_* (MNB_REGISTER) */
	__u32 registered;	/* out: notifiers of the file afterwards */
	__u64 ns;		/* out: time in (un)register */
};

struct mnb_loop {
	__u64 iterations;	/* in */
	__u64 start;		/* in: range of the callouts (MNB_CALLOUTS) */
	__u64 end;
	/*
	 * out: MNB_CALLOUTS: ns[0] the whole loop. MNB_GET_PUT: ns[0] in
	 * mmu_notifier_get(), ns[1] in mmu_notifier_put(), ns[2] in
	 * mmu_notifier_synchronize(). MNB_SWEEP: ns[0] in mm_take_all_locks()
	 * and mm_drop_all_locks(), ns[1] in a walk of the VMAs alone, ns[2]
	 * in one walk that waits out the holders of each lock of every VMA
	 * in turn: its VMA lock, i_mmap_rwsem and anon_vma locks.
	 */
	__u64 ns[3];
	/*
	 * out: invalidate_range_start calls the file's notifiers received
	 * during MNB_CALLOUTS, ->free_notifier calls during MNB_GET_PUT, or
	 * the VMAs each walk of MNB_SWEEP visited.
	 */
	__u64 calls;
};

/* Register a notifier of the given kind on the caller's mm. */
#define MNB_REGISTER	_IOWR('N', 1, struct mnb_register)
/* Unregister the file's most recent notifier. */
#define MNB_UNREGISTER	_IOWR('N', 2, struct mnb_register)
/*
 * Issue @iterations invalidate_range_start/_end pairs (MMU_NOTIFY_CLEAR,
 * blockable) over [@start, @end) of the caller's mm, with its mmap_lock
 * held for read, as a caller in the core mm does.
 */
#define MNB_CALLOUTS	_IOWR('N', 3, struct mnb_loop)
/*
 * @iterations times: mmu_notifier_get() on the caller's mm (the first
 * and only reference, so a notifier is allocated and registered), then
 * mmu_notifier_put() and mmu_notifier_synchronize().
 */
#define MNB_GET_PUT	_IOWR('N', 4, struct mnb_loop)
#define MNB_SWEEP	_IOWR('N', 5, struct mnb_loop)

#endif /* __MMU_NOTIFIER_BENCH_H */
