/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the MMU notifier core: what each notifier of an mm was
 * told, and how long its callback took. Every event names the notifier
 * by its ops (%ps: a data symbol, printed by name with CONFIG_KALLSYMS_ALL).
 * A disabled event costs its static branch (a patched-out jump with
 * CONFIG_JUMP_LABEL): the clock is read only while the event is enabled.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mmu_notifier

#if !defined(_TRACE_MMU_NOTIFIER_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_MMU_NOTIFIER_H

#include <linux/mmu_notifier.h>
#include <linux/tracepoint.h>

TRACE_DEFINE_ENUM(MMU_NOTIFY_UNMAP);
TRACE_DEFINE_ENUM(MMU_NOTIFY_CLEAR);
TRACE_DEFINE_ENUM(MMU_NOTIFY_PROTECTION_VMA);
TRACE_DEFINE_ENUM(MMU_NOTIFY_PROTECTION_PAGE);
TRACE_DEFINE_ENUM(MMU_NOTIFY_SOFT_DIRTY);
TRACE_DEFINE_ENUM(MMU_NOTIFY_RELEASE);
TRACE_DEFINE_ENUM(MMU_NOTIFY_MIGRATE);
TRACE_DEFINE_ENUM(MMU_NOTIFY_EXCLUSIVE);

#define show_mmu_notifier_event(e)					\
	__print_symbolic(e,						\
		{ MMU_NOTIFY_UNMAP,		"unmap" },		\
		{ MMU_NOTIFY_CLEAR,		"clear" },		\
		{ MMU_NOTIFY_PROTECTION_VMA,	"protection_vma" },	\
		{ MMU_NOTIFY_PROTECTION_PAGE,	"protection_page" },	\
		{ MMU_NOTIFY_SOFT_DIRTY,	"soft_dirty" },		\
		{ MMU_NOTIFY_RELEASE,		"release" },		\
		{ MMU_NOTIFY_MIGRATE,		"migrate" },		\
		{ MMU_NOTIFY_EXCLUSIVE,		"exclusive" })

/* The kinds of mmu_notifier_young. */
#define MMU_NOTIFIER_TRACE_CLEAR_FLUSH_YOUNG	0
#define MMU_NOTIFIER_TRACE_CLEAR_YOUNG		1
#define MMU_NOTIFIER_TRACE_TEST_YOUNG		2

#define show_mmu_notifier_young(k)					\
	__print_symbolic(k,						\
		{ MMU_NOTIFIER_TRACE_CLEAR_FLUSH_YOUNG,	"clear_flush_young" }, \
		{ MMU_NOTIFIER_TRACE_CLEAR_YOUNG,	"clear_young" },	\
		{ MMU_NOTIFIER_TRACE_TEST_YOUNG,	"test_young" })

/* A registration, its result included: ops is NULL for the interval tree. */
TRACE_EVENT(mmu_notifier_register,
	    TP_PROTO(struct mm_struct *mm, const void *ops, int ret),
	    TP_ARGS(mm, ops, ret),
	    TP_STRUCT__entry(__field(struct mm_struct *, mm)
			     __field(const void *, ops)
			     __field(int, ret)),
	    TP_fast_assign(__entry->mm = mm;
			   __entry->ops = ops;
			   __entry->ret = ret;),
	    TP_printk("mm=%p ops=%ps ret=%d", __entry->mm, __entry->ops,
		      __entry->ret));

/* unlinked: 1 if this call unlinked it, 0 if the mm's teardown had. */
TRACE_EVENT(mmu_notifier_unregister,
	    TP_PROTO(struct mm_struct *mm, const void *ops, bool unlinked),
	    TP_ARGS(mm, ops, unlinked),
	    TP_STRUCT__entry(__field(struct mm_struct *, mm)
			     __field(const void *, ops)
			     __field(bool, unlinked)),
	    TP_fast_assign(__entry->mm = mm;
			   __entry->ops = ops;
			   __entry->unlinked = unlinked;),
	    TP_printk("mm=%p ops=%ps unlinked=%d", __entry->mm, __entry->ops,
		      __entry->unlinked));

/* A ->release call; teardown: 1 from the mm's teardown, 0 unregister. */
TRACE_EVENT(mmu_notifier_release,
	    TP_PROTO(struct mm_struct *mm, const void *ops, bool teardown,
		     u64 ns),
	    TP_ARGS(mm, ops, teardown, ns),
	    TP_STRUCT__entry(__field(struct mm_struct *, mm)
			     __field(const void *, ops)
			     __field(bool, teardown)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->mm = mm;
			   __entry->ops = ops;
			   __entry->teardown = teardown;
			   __entry->ns = ns;),
	    TP_printk("mm=%p ops=%ps teardown=%d ns=%llu", __entry->mm,
		      __entry->ops, __entry->teardown, __entry->ns));

/* One notifier's invalidate_range_start or _end, with its result. */
DECLARE_EVENT_CLASS(mmu_notifier_invalidate,
		    TP_PROTO(const struct mmu_notifier_range *range,
			     const void *ops, int ret, u64 ns),
		    TP_ARGS(range, ops, ret, ns),
		    TP_STRUCT__entry(__field(struct mm_struct *, mm)
				     __field(unsigned long, start)
				     __field(unsigned long, end)
				     __field(unsigned int, event)
				     __field(bool, blockable)
				     __field(const void *, ops)
				     __field(int, ret)
				     __field(u64, ns)),
		    TP_fast_assign(__entry->mm = range->mm;
				   __entry->start = range->start;
				   __entry->end = range->end;
				   __entry->event = range->event;
				   __entry->blockable = mmu_notifier_range_blockable(range);
				   __entry->ops = ops;
				   __entry->ret = ret;
				   __entry->ns = ns;),
		    TP_printk("mm=%p range=[%#lx, %#lx) event=%s blockable=%d ops=%ps ret=%d ns=%llu",
			      __entry->mm, __entry->start, __entry->end,
			      show_mmu_notifier_event(__entry->event),
			      __entry->blockable, __entry->ops, __entry->ret,
			      __entry->ns));

DEFINE_EVENT(mmu_notifier_invalidate, mmu_notifier_invalidate_start,
	     TP_PROTO(const struct mmu_notifier_range *range, const void *ops,
		      int ret, u64 ns),
	     TP_ARGS(range, ops, ret, ns));

DEFINE_EVENT(mmu_notifier_invalidate, mmu_notifier_invalidate_end,
	     TP_PROTO(const struct mmu_notifier_range *range, const void *ops,
		      int ret, u64 ns),
	     TP_ARGS(range, ops, ret, ns));

/* A young callout of one notifier: its kind and its answer. */
TRACE_EVENT(mmu_notifier_young,
	    TP_PROTO(struct mm_struct *mm, const void *ops, int kind,
		     unsigned long start, unsigned long end, int young, u64 ns),
	    TP_ARGS(mm, ops, kind, start, end, young, ns),
	    TP_STRUCT__entry(__field(struct mm_struct *, mm)
			     __field(const void *, ops)
			     __field(int, kind)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(int, young)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->mm = mm;
			   __entry->ops = ops;
			   __entry->kind = kind;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->young = young;
			   __entry->ns = ns;),
	    TP_printk("mm=%p ops=%ps %s range=[%#lx, %#lx) young=%d ns=%llu",
		      __entry->mm, __entry->ops,
		      show_mmu_notifier_young(__entry->kind), __entry->start,
		      __entry->end, __entry->young, __entry->ns));

/* One notifier's arch_invalidate_secondary_tlbs. */
TRACE_EVENT(mmu_notifier_secondary_tlbs,
	    TP_PROTO(struct mm_struct *mm, const void *ops, unsigned long start,
		     unsigned long end, u64 ns),
	    TP_ARGS(mm, ops, start, end, ns),
	    TP_STRUCT__entry(__field(struct mm_struct *, mm)
			     __field(const void *, ops)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->mm = mm;
			   __entry->ops = ops;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->ns = ns;),
	    TP_printk("mm=%p ops=%ps range=[%#lx, %#lx) ns=%llu", __entry->mm,
		      __entry->ops, __entry->start, __entry->end, __entry->ns));

/* One interval notifier's ->invalidate; ret 0: it refused. */
TRACE_EVENT(mmu_interval_notifier_invalidate,
	    TP_PROTO(const struct mmu_interval_notifier *interval_sub,
		     const struct mmu_notifier_range *range, unsigned long seq,
		     bool ret, u64 ns),
	    TP_ARGS(interval_sub, range, seq, ret, ns),
	    TP_STRUCT__entry(__field(struct mm_struct *, mm)
			     __field(unsigned long, istart)
			     __field(unsigned long, ilast)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned int, event)
			     __field(bool, blockable)
			     __field(const void *, ops)
			     __field(unsigned long, seq)
			     __field(bool, ret)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->mm = range->mm;
			   __entry->istart = interval_sub->interval_tree.start;
			   __entry->ilast = interval_sub->interval_tree.last;
			   __entry->start = range->start;
			   __entry->end = range->end;
			   __entry->event = range->event;
			   __entry->blockable = mmu_notifier_range_blockable(range);
			   __entry->ops = interval_sub->ops;
			   __entry->seq = seq;
			   __entry->ret = ret;
			   __entry->ns = ns;),
	    TP_printk("mm=%p interval=[%#lx, %#lx] range=[%#lx, %#lx) event=%s blockable=%d ops=%ps seq=%lu ret=%d ns=%llu",
		      __entry->mm, __entry->istart, __entry->ilast,
		      __entry->start, __entry->end,
		      show_mmu_notifier_event(__entry->event),
		      __entry->blockable, __entry->ops, __entry->seq,
		      __entry->ret, __entry->ns));

/*
 * A read of an interval that must be retried: mmu_interval_read_retry()
 * (locked=1) or mmu_interval_check_retry() (locked=0) found that an
 * invalidation moved the notifier's sequence from @seq to @cur.
 */
TRACE_EVENT(mmu_interval_notifier_retry,
	    TP_PROTO(const struct mmu_interval_notifier *interval_sub,
		     unsigned long seq, unsigned long cur, bool locked),
	    TP_ARGS(interval_sub, seq, cur, locked),
	    TP_STRUCT__entry(__field(struct mm_struct *, mm)
			     __field(unsigned long, istart)
			     __field(unsigned long, ilast)
			     __field(const void *, ops)
			     __field(unsigned long, seq)
			     __field(unsigned long, cur)
			     __field(bool, locked)),
	    TP_fast_assign(__entry->mm = interval_sub->mm;
			   __entry->istart = interval_sub->interval_tree.start;
			   __entry->ilast = interval_sub->interval_tree.last;
			   __entry->ops = interval_sub->ops;
			   __entry->seq = seq;
			   __entry->cur = cur;
			   __entry->locked = locked;),
	    TP_printk("mm=%p interval=[%#lx, %#lx] ops=%ps seq=%lu cur=%lu locked=%d",
		      __entry->mm, __entry->istart, __entry->ilast,
		      __entry->ops, __entry->seq, __entry->cur, __entry->locked));

/*
 * An insert (ret: its result) or a removal (ret 0) of an interval
 * notifier; deferred: it waits for the invalidations in flight to end.
 */
DECLARE_EVENT_CLASS(mmu_interval_notifier_change,
		    TP_PROTO(const struct mmu_interval_notifier *interval_sub,
			     struct mm_struct *mm, unsigned long start,
			     unsigned long length, const void *ops,
			     bool deferred, int ret),
		    TP_ARGS(interval_sub, mm, start, length, ops, deferred, ret),
		    TP_STRUCT__entry(__field(const void *, interval_sub)
				     __field(struct mm_struct *, mm)
				     __field(unsigned long, start)
				     __field(unsigned long, length)
				     __field(const void *, ops)
				     __field(bool, deferred)
				     __field(int, ret)),
		    TP_fast_assign(__entry->interval_sub = interval_sub;
				   __entry->mm = mm;
				   __entry->start = start;
				   __entry->length = length;
				   __entry->ops = ops;
				   __entry->deferred = deferred;
				   __entry->ret = ret;),
		    TP_printk("mm=%p interval_sub=%p start=%#lx length=%#lx ops=%ps deferred=%d ret=%d",
			      __entry->mm, __entry->interval_sub,
			      __entry->start, __entry->length, __entry->ops,
			      __entry->deferred, __entry->ret));

DEFINE_EVENT(mmu_interval_notifier_change, mmu_interval_notifier_insert,
	     TP_PROTO(const struct mmu_interval_notifier *interval_sub,
		      struct mm_struct *mm, unsigned long start,
		      unsigned long length, const void *ops, bool deferred,
		      int ret),
	     TP_ARGS(interval_sub, mm, start, length, ops, deferred, ret));

DEFINE_EVENT(mmu_interval_notifier_change, mmu_interval_notifier_remove,
	     TP_PROTO(const struct mmu_interval_notifier *interval_sub,
		      struct mm_struct *mm, unsigned long start,
		      unsigned long length, const void *ops, bool deferred,
		      int ret),
	     TP_ARGS(interval_sub, mm, start, length, ops, deferred, ret));

#endif /* _TRACE_MMU_NOTIFIER_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
