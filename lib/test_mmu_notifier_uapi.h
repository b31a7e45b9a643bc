/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The ioctl interface of lib/test_mmu_notifier.c, a test driver that plays
 * a secondary MMU for the mm of the process that opens it (or of another
 * process, see TMN_ATTACH). Used by tools/testing/selftests/mmu_notifier/.
 */
#ifndef _LIB_TEST_MMU_NOTIFIER_UAPI_H
#define _LIB_TEST_MMU_NOTIFIER_UAPI_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* How many notifiers one open file may hold at once. */
#define TMN_MAX_NOTIFIERS	8
/* The largest window a notifier mirrors, in pages. */
#define TMN_MAX_PAGES		_BITUL(18)
/* The most bytes one TMN_READ or TMN_WRITE moves. */
#define TMN_MAX_IO		_BITUL(16)

/*
 * struct tmn_register.kind. A TMN_GET notifier is one per mm, shared and
 * refcounted; the first registration sets the window it mirrors.
 */
enum {
	TMN_PLAIN,	/* mmu_notifier_register() */
	TMN_INTERVAL,	/* mmu_interval_notifier_insert() over the window */
	TMN_GET,	/* mmu_notifier_get() */
};

/* struct tmn_register.flags */
/*
 * Refuse (-EAGAIN, or false for an interval) non-blockable invalidations.
 * A plain or shared notifier that does so has no invalidate_range_end, as
 * the contract requires, so its mirror cannot tell when a change is over.
 */
#define TMN_FAIL_NONBLOCK	_BITUL(0)

/**
 * struct tmn_register - register a notifier that mirrors a window
 * @kind: TMN_PLAIN, TMN_INTERVAL or TMN_GET
 * @flags: TMN_FAIL_NONBLOCK
 * @start: first address of the window the device mirrors (page aligned)
 * @length: its length in bytes (page aligned, at most TMN_MAX_PAGES pages)
 * @id: out: the slot of the notifier in this file, for later ioctls
 * @pad: zero
 */
struct tmn_register {
	__u32 kind;
	__u32 flags;
	__u64 start;
	__u64 length;
	__u32 id;
	__u32 pad;
};

/**
 * struct tmn_range - a page range of a notifier's window
 * @id: the notifier
 * @flags: TMN_MIRROR_WRITE for TMN_MIRROR; zero otherwise
 * @addr: first address (page aligned)
 * @npages: number of pages
 * @ptr: TMN_SNAPSHOT: user array of @npages __u64 entries
 */
struct tmn_range {
	__u32 id;
	__u32 flags;
	__u64 addr;
	__u64 npages;
	__u64 ptr;
};

#define TMN_MIRROR_WRITE	_BITUL(0)

/* A TMN_SNAPSHOT entry: pfn << TMN_PFN_SHIFT | flags. */
#define TMN_PTE_VALID		_BITULL(0)
#define TMN_PTE_WRITE		_BITULL(1)
#define TMN_PTE_YOUNG		_BITULL(2)
#define TMN_PFN_SHIFT		12

/**
 * struct tmn_io - a device access through the mirror
 * @id: the notifier whose mirror the device uses
 * @pad: zero
 * @addr: the user address accessed (any alignment)
 * @len: bytes, at most TMN_MAX_IO
 * @ptr: user buffer to read into or write from
 */
struct tmn_io {
	__u32 id;
	__u32 pad;
	__u64 addr;
	__u64 len;
	__u64 ptr;
};

/* struct tmn_event.type */
enum {
	TMN_EV_START,		/* invalidate_range_start */
	TMN_EV_END,		/* invalidate_range_end */
	TMN_EV_INVALIDATE,	/* an interval notifier's ->invalidate */
	TMN_EV_REFUSED,		/* a non-blockable invalidation refused */
	TMN_EV_RELEASE,		/* ->release */
	TMN_EV_CLEAR_FLUSH_YOUNG,
	TMN_EV_CLEAR_YOUNG,
	TMN_EV_TEST_YOUNG,
};

/* struct tmn_event.flags */
#define TMN_EVF_BLOCKABLE	_BITUL(0)
#define TMN_EVF_OWNER		_BITUL(1)	/* range->owner is this file */
#define TMN_EVF_OTHER_OWNER	_BITUL(2)	/* range->owner is set, not us */
#define TMN_EVF_YOUNG		_BITUL(3)	/* a young callout answered young */
#define TMN_EVF_UNPAIRED	_BITUL(4)	/* an end with no start */

/**
 * struct tmn_event - one entry of a notifier's event log
 * @type: TMN_EV_*
 * @event: enum mmu_notifier_event of the range (0 where there is none)
 * @flags: TMN_EVF_*
 * @pair: a start and its end carry the same non-zero number
 * @start: first address of the range
 * @end: end of the range
 * @dropped: mirror entries the callout dropped
 * @id: the slot of the notifier
 */
struct tmn_event {
	__u32 type;
	__u32 event;
	__u32 flags;
	__u32 pair;
	__u64 start;
	__u64 end;
	__u32 dropped;
	__u32 id;
};

/**
 * struct tmn_events - fetch and clear a notifier's event log
 * @id: the notifier
 * @count: in: room in @ptr, in entries; out: entries copied
 * @ptr: user array of struct tmn_event
 * @lost: out: events dropped because the log was full
 * @pad: zero
 */
struct tmn_events {
	__u32 id;
	__u32 count;
	__u64 ptr;
	__u32 lost;
	__u32 pad;
};

/**
 * struct tmn_status - a notifier's counters since it was registered
 * @id: the notifier
 * @active: invalidations started and not yet ended
 * @starts: invalidate_range_start calls (or ->invalidate calls)
 * @ends: invalidate_range_end calls
 * @refused: non-blockable invalidations refused
 * @releases: ->release calls
 * @young: young callouts
 * @mirrored: valid mirror entries now
 */
struct tmn_status {
	__u32 id;
	__u32 active;
	__u64 starts;
	__u64 ends;
	__u64 refused;
	__u64 releases;
	__u64 young;
	__u64 mirrored;
};

/**
 * struct tmn_exclusive - make pages exclusive to the device
 * @addr: first address (page aligned)
 * @npages: number of pages
 * @done: out: pages made exclusive
 * @pad: zero
 */
struct tmn_exclusive {
	__u64 addr;
	__u64 npages;
	__u32 done;
	__u32 pad;
};

#define TMN_IOC			'N'
/*
 * Bind the file to the mm of a process (pid, 0: the caller) before any
 * notifier is registered.
 */
#define TMN_ATTACH		_IOW(TMN_IOC, 0x00, __s32)
#define TMN_REGISTER		_IOWR(TMN_IOC, 0x01, struct tmn_register)
/* Returns, for a plain notifier, how many times its ->release ran. */
#define TMN_UNREGISTER		_IOW(TMN_IOC, 0x02, __u32)
/* Fault pages in and record them in the device page table. */
#define TMN_MIRROR		_IOW(TMN_IOC, 0x03, struct tmn_range)
/* The device page table: one __u64 per page. */
#define TMN_SNAPSHOT		_IOW(TMN_IOC, 0x04, struct tmn_range)
/*
 * Read and write through the recorded pfns; -ENOENT where an entry is
 * missing, -EACCES where a write finds a read-only entry.
 */
#define TMN_READ		_IOW(TMN_IOC, 0x05, struct tmn_io)
#define TMN_WRITE		_IOW(TMN_IOC, 0x06, struct tmn_io)
#define TMN_EVENTS		_IOWR(TMN_IOC, 0x07, struct tmn_events)
#define TMN_STATUS		_IOWR(TMN_IOC, 0x08, struct tmn_status)
/* Set the device's young bit on mirrored pages, as a device access would. */
#define TMN_TOUCH		_IOW(TMN_IOC, 0x09, struct tmn_range)
#define TMN_EXCLUSIVE		_IOWR(TMN_IOC, 0x0a, struct tmn_exclusive)
/*
 * Sleep uninterruptibly for up to this many milliseconds (at most 10 s):
 * holds the caller in the kernel while another process acts on its mm.
 */
#define TMN_SLEEP		_IOW(TMN_IOC, 0x0b, __u32)

#endif /* _LIB_TEST_MMU_NOTIFIER_UAPI_H */
