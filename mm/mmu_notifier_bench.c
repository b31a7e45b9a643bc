// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks of the MMU notifier core, driven from user space through
 * /sys/kernel/debug/mmu_notifier_bench (see mmu_notifier_bench.h and
 * tools/testing/selftests/mmu_notifier/bench.c).
 *
 * The loops that time the core run here, in the kernel: the callout loop
 * issues invalidate_range_start/_end pairs on the caller's own mm, which
 * only the core mm can do (the callouts are not exported), and the other
 * commands time one call of the interface each, free of the system call
 * around it. Nothing here is specific to one core: it uses only the
 * interface of Linux 6.12, so the same program measures any core.
 */
#include <linux/bits.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rmap.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "mmu_notifier_bench.h"

#define MNB_MAX_CALLOUTS	BIT_ULL(28)
#define MNB_MAX_GET_PUT		BIT_ULL(20)

struct mnb_notifier {
	struct mmu_notifier mn;
	struct list_head node;
	/* The lock of the secondary MMU (MNB_KIND_KVM). */
	spinlock_t lock;
	unsigned long in_progress;
	unsigned long seq;
	/* invalidate_range_start calls; read only after the loop. */
	unsigned long starts;
};

struct mnb_file {
	/* Serializes the commands of the file. */
	struct mutex lock;
	/* The mm of the notifiers, held with mmgrab() while there are any. */
	struct mm_struct *mm;
	struct list_head notifiers;
	unsigned int nr;
};

static struct mnb_notifier *to_mnb(struct mmu_notifier *mn)
{
	return container_of(mn, struct mnb_notifier, mn);
}

static int mnb_count_start(struct mmu_notifier *mn,
			   const struct mmu_notifier_range *range)
{
	struct mnb_notifier *n = to_mnb(mn);

	WRITE_ONCE(n->starts, n->starts + 1);
	return 0;
}

static void mnb_count_end(struct mmu_notifier *mn,
			  const struct mmu_notifier_range *range)
{
}

static const struct mmu_notifier_ops mnb_count_ops = {
	.invalidate_range_start = mnb_count_start,
	.invalidate_range_end = mnb_count_end,
};

static int mnb_kvm_start(struct mmu_notifier *mn,
			 const struct mmu_notifier_range *range)
{
	struct mnb_notifier *n = to_mnb(mn);

	spin_lock(&n->lock);
	n->in_progress++;
	n->seq++;
	n->starts++;
	spin_unlock(&n->lock);
	return 0;
}

static void mnb_kvm_end(struct mmu_notifier *mn,
			const struct mmu_notifier_range *range)
{
	struct mnb_notifier *n = to_mnb(mn);

	spin_lock(&n->lock);
	n->in_progress--;
	spin_unlock(&n->lock);
}

static int mnb_kvm_young(struct mmu_notifier *mn, struct mm_struct *mm,
			 unsigned long start, unsigned long end)
{
	struct mnb_notifier *n = to_mnb(mn);

	spin_lock(&n->lock);
	spin_unlock(&n->lock);
	return 0;
}

static int mnb_kvm_test_young(struct mmu_notifier *mn, struct mm_struct *mm,
			      unsigned long address)
{
	return mnb_kvm_young(mn, mm, address, address + PAGE_SIZE);
}

static const struct mmu_notifier_ops mnb_kvm_ops = {
	.invalidate_range_start = mnb_kvm_start,
	.invalidate_range_end = mnb_kvm_end,
	.clear_flush_young = mnb_kvm_young,
	.clear_young = mnb_kvm_young,
	.test_young = mnb_kvm_test_young,
};

static const struct mmu_notifier_ops *const mnb_ops[MNB_NR_KINDS] = {
	[MNB_KIND_COUNT] = &mnb_count_ops,
	[MNB_KIND_KVM] = &mnb_kvm_ops,
};

/* The notifiers of mmu_notifier_get(), and how many were freed. */
static atomic64_t mnb_freed = ATOMIC64_INIT(0);

static struct mmu_notifier *mnb_alloc_notifier(struct mm_struct *mm)
{
	struct mmu_notifier *mn = kzalloc(sizeof(*mn), GFP_KERNEL);

	return mn ? mn : ERR_PTR(-ENOMEM);
}

static void mnb_free_notifier(struct mmu_notifier *mn)
{
	kfree(mn);
	atomic64_inc(&mnb_freed);
}

static const struct mmu_notifier_ops mnb_get_ops = {
	.alloc_notifier = mnb_alloc_notifier,
	.free_notifier = mnb_free_notifier,
};

/* The commands act on the caller's mm, the one of the file's notifiers. */
static int mnb_check_mm(struct mnb_file *f)
{
	if (!current->mm)
		return -EINVAL;
	if (f->mm && f->mm != current->mm)
		return -EXDEV;
	return 0;
}

static int mnb_register(struct mnb_file *f, struct mnb_register *arg)
{
	struct mm_struct *mm = current->mm;
	struct mnb_notifier *n;
	u64 t0, t1;
	int ret;

	if (arg->kind >= MNB_NR_KINDS)
		return -EINVAL;
	if (f->nr >= MNB_MAX_NOTIFIERS)
		return -ENOSPC;
	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	spin_lock_init(&n->lock);
	n->mn.ops = mnb_ops[arg->kind];

	t0 = ktime_get_ns();
	ret = mmu_notifier_register(&n->mn, mm);
	t1 = ktime_get_ns();
	if (ret) {
		kfree(n);
		return ret;
	}
	if (!f->mm) {
		mmgrab(mm);
		f->mm = mm;
	}
	list_add(&n->node, &f->notifiers);
	arg->registered = ++f->nr;
	arg->ns = t1 - t0;
	return 0;
}

static int mnb_unregister(struct mnb_file *f, struct mnb_register *arg)
{
	struct mnb_notifier *n;
	u64 t0, t1;

	n = list_first_entry_or_null(&f->notifiers, struct mnb_notifier, node);
	if (!n)
		return -ENOENT;
	list_del(&n->node);
	t0 = ktime_get_ns();
	mmu_notifier_unregister(&n->mn, f->mm);
	t1 = ktime_get_ns();
	kfree(n);
	arg->registered = --f->nr;
	arg->ns = t1 - t0;
	return 0;
}

static unsigned long mnb_starts(struct mnb_file *f)
{
	struct mnb_notifier *n;
	unsigned long sum = 0;

	list_for_each_entry(n, &f->notifiers, node)
		sum += READ_ONCE(n->starts);
	return sum;
}

static int mnb_callouts(struct mnb_file *f, struct mnb_loop *arg)
{
	struct mm_struct *mm = current->mm;
	struct mmu_notifier_range range;
	unsigned long before;
	u64 i, t0, t1;

	if (!arg->iterations || arg->iterations > MNB_MAX_CALLOUTS ||
	    arg->start >= arg->end || arg->end > TASK_SIZE ||
	    !PAGE_ALIGNED(arg->start) || !PAGE_ALIGNED(arg->end))
		return -EINVAL;

	before = mnb_starts(f);
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	t0 = ktime_get_ns();
	for (i = 0; i < arg->iterations; i++) {
		mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm,
					arg->start, arg->end);
		mmu_notifier_invalidate_range_start(&range);
		mmu_notifier_invalidate_range_end(&range);
		if (!(i & 4095) && fatal_signal_pending(current))
			break;
	}
	t1 = ktime_get_ns();
	mmap_read_unlock(mm);
	if (i < arg->iterations)
		return -EINTR;
	arg->ns[0] = t1 - t0;
	arg->calls = mnb_starts(f) - before;
	return 0;
}

static int mnb_get_put(struct mnb_loop *arg)
{
	struct mm_struct *mm = current->mm;
	u64 i, t0, t1, t2, t3;
	s64 before;

	if (!arg->iterations || arg->iterations > MNB_MAX_GET_PUT)
		return -EINVAL;
	memset(arg->ns, 0, sizeof(arg->ns));
	before = atomic64_read(&mnb_freed);
	for (i = 0; i < arg->iterations; i++) {
		struct mmu_notifier *mn;

		if (fatal_signal_pending(current))
			return -EINTR;
		t0 = ktime_get_ns();
		mn = mmu_notifier_get(&mnb_get_ops, mm);
		t1 = ktime_get_ns();
		if (IS_ERR(mn))
			return PTR_ERR(mn);
		mmu_notifier_put(mn);
		t2 = ktime_get_ns();
		mmu_notifier_synchronize();
		t3 = ktime_get_ns();
		arg->ns[0] += t1 - t0;
		arg->ns[1] += t2 - t1;
		arg->ns[2] += t3 - t2;
		cond_resched();
	}
	arg->calls = atomic64_read(&mnb_freed) - before;
	return 0;
}

/*
 * The lock sweep of (un)registration against what it cannot do without:
 * a walk of the VMAs, and one walk that takes and drops each lock of
 * every VMA in turn, which waits out its current holders and holds
 * nothing. Each in a write hold of the mmap_lock of its own, as the VMA
 * locks stay taken until mmap_write_unlock().
 */
static int mnb_sweep(struct mnb_loop *arg)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct anon_vma_chain *avc;
	unsigned long walked = 0;
	u64 t0, t1;
	int ret;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	t0 = ktime_get_ns();
	ret = mm_take_all_locks(mm);
	if (!ret)
		mm_drop_all_locks(mm);
	t1 = ktime_get_ns();
	mmap_write_unlock(mm);
	if (ret)
		return ret;
	arg->ns[0] = t1 - t0;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	t0 = ktime_get_ns();
	{
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma)
			walked++;
	}
	t1 = ktime_get_ns();
	mmap_write_unlock(mm);
	arg->ns[1] = t1 - t0;
	arg->calls = walked;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	t0 = ktime_get_ns();
	{
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			struct address_space *mapping =
				vma->vm_file ? vma->vm_file->f_mapping : NULL;

			vma_start_write(vma);
			if (mapping) {
				i_mmap_lock_write(mapping);
				i_mmap_unlock_write(mapping);
			}
			list_for_each_entry(avc, &vma->anon_vma_chain,
					    same_vma) {
				anon_vma_lock_write(avc->anon_vma);
				anon_vma_unlock_write(avc->anon_vma);
			}
		}
	}
	t1 = ktime_get_ns();
	mmap_write_unlock(mm);
	arg->ns[2] = t1 - t0;
	return 0;
}

static long mnb_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	struct mnb_file *f = file->private_data;
	void __user *uptr = (void __user *)uarg;
	union {
		struct mnb_register reg;
		struct mnb_loop loop;
	} arg;
	int ret;

	if (_IOC_SIZE(cmd) > sizeof(arg))
		return -ENOTTY;
	if (copy_from_user(&arg, uptr, _IOC_SIZE(cmd)))
		return -EFAULT;

	mutex_lock(&f->lock);
	ret = mnb_check_mm(f);
	if (ret)
		goto out;
	switch (cmd) {
	case MNB_REGISTER:
		ret = mnb_register(f, &arg.reg);
		break;
	case MNB_UNREGISTER:
		ret = mnb_unregister(f, &arg.reg);
		break;
	case MNB_CALLOUTS:
		ret = mnb_callouts(f, &arg.loop);
		break;
	case MNB_GET_PUT:
		ret = mnb_get_put(&arg.loop);
		break;
	case MNB_SWEEP:
		ret = mnb_sweep(&arg.loop);
		break;
	default:
		ret = -ENOTTY;
	}
out:
	mutex_unlock(&f->lock);
	if (!ret && copy_to_user(uptr, &arg, _IOC_SIZE(cmd)))
		ret = -EFAULT;
	return ret;
}

static int mnb_open(struct inode *inode, struct file *file)
{
	struct mnb_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	INIT_LIST_HEAD(&f->notifiers);
	file->private_data = f;
	return 0;
}

static int mnb_release(struct inode *inode, struct file *file)
{
	struct mnb_file *f = file->private_data;
	struct mnb_register arg;

	while (!mnb_unregister(f, &arg))
		;
	if (f->mm)
		mmdrop(f->mm);
	kfree(f);
	return 0;
}

static const struct file_operations mnb_fops = {
	.owner = THIS_MODULE,
	.open = mnb_open,
	.release = mnb_release,
	.unlocked_ioctl = mnb_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static int __init mnb_init(void)
{
	debugfs_create_file_unsafe("mmu_notifier_bench", 0600, NULL, NULL,
				   &mnb_fops);
	return 0;
}
late_initcall(mnb_init);
