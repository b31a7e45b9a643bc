#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot $BUILD/$KERNEL under QEMU and keep the whole console log.
#
#   run.sh MODE    MODE is "check" (the suites), "demo", "bench" or "fuzz"
#
# ARCH=x86_64 boots QEMU's pc machine, ARCH=arm64 its virt machine (GICv3,
# device tree). TCG by default (-accel tcg -cpu max); MMUN_KVM=1 asks for KVM, MMUN_ICOUNT=1
# for TCG with an instruction-counting clock (make bench). The guest
# has 2 vCPUs on 2 NUMA nodes of MMUN_NODE_MEM each, one socket a node (two
# nodes sharing a socket's last-level cache make the scheduler WARN), a zram
# swap device (set up by its init) and reserved hugetlb pages. A watchdog ends a guest
# that runs longer than MMUN_TIMEOUT seconds; the guest panics on an oops
# and QEMU exits on the panic's reboot.

. "$(dirname "$0")/lib.sh"

mode=${1:-check}
node_mem=${MMUN_NODE_MEM:-1G}
# A debug kernel (KASAN, kmemleak) runs the suites several times slower,
# and an arm64 guest under TCG about twice.
if [ "$DEBUG" = 1 ]; then
	limit=3600
else
	limit=900
fi
[ "$ARCH" = arm64 ] && limit=$(( limit * 2 ))
# make fuzz: its time, and the boot, the shrinking and the scans beside.
[ "$mode" = fuzz ] && limit=$(( FUZZ_SECONDS + limit ))
limit=${MMUN_TIMEOUT:-$limit}
log=$FLAVOR_DIR/console-$mode.log
# A guest whose console stays silent this long has stopped: the host dumps
# it through QEMU's monitor (harness/monitor.py) and ends it with an NMI.
# Longer than the runner's 300 s a program, which would end one first.
if [ "$DEBUG" = 1 ]; then
	stall=900
else
	stall=420
fi
[ "$ARCH" = arm64 ] && stall=$(( stall * 2 ))
stall=${MMUN_STALL:-$stall}
# A unix socket's path is short (108 bytes): not under $BUILD.
mon=$(mktemp -u /tmp/mmun-monitor.XXXXXX)
dump=$FLAVOR_DIR/stall-$mode.txt

# -cpu max on arm64 emulates the architected pointer authentication
# (QARMA), which costs TCG more than the rest of the guest: the
# implementation-defined algorithm is as strong a test and far cheaper.
cpu=max
[ "$ARCH" = arm64 ] && cpu=max,pauth-impdef=on
if [ "${MMUN_KVM:-0}" = 1 ]; then
	accel=(-accel kvm -cpu host)
elif [ "${MMUN_ICOUNT:-0}" = 1 ]; then
	# Guest time is the count of instructions run (one a nanosecond),
	# and idle time is skipped: a deterministic clock for benchmarks.
	accel=(-accel tcg -cpu "$cpu" -icount shift=0,sleep=off)
else
	accel=(-accel tcg -cpu "$cpu")
fi
if [ "$ARCH" = arm64 ]; then
	qemu=(qemu-system-aarch64 -M virt,gic-version=3)
	console=ttyAMA0
else
	qemu=(qemu-system-x86_64)
	console=ttyS0
fi

append="console=$console panic=-1 oops=panic softlockup_panic=1"
# The host's NMI at a stall panics an x86 guest, whose panic prints what
# the console held back, every CPU's backtrace and every task's locks.
[ "$ARCH" = x86_64 ] && append+=" unknown_nmi_panic=1 panic_print=0x48"
append+=" hugepages=16 mmun.mode=$mode ${MMUN_APPEND:-}"
# SLUB's red zones, poisoning and sanity checks on every cache (check.config
# has CONFIG_SLUB_DEBUG; KASAN does it better on a debug kernel).
[ "$DEBUG" = 1 ] || append+=" slub_debug=FZP"
[ "$mode" = fuzz ] &&
	append+=" mmun.fuzz=-t,$FUZZ_SECONDS,-s,$FUZZ_SEED${FUZZ_BATCHES:+,-b,$FUZZ_BATCHES}"
# MMUN_TESTS=prog,prog: only these kselftest programs (collection:name,
# or "none" for the KUnit suites alone), as make mutants asks.
[ -n "${MMUN_TESTS:-}" ] && append+=" mmun.tests=$MMUN_TESTS"
# MMUN_CASES=prog:case+case/prog:case: only these cases of those programs.
[ -n "${MMUN_CASES:-}" ] && append+=" mmun.cases=$MMUN_CASES"
# The guest dumps its CPUs and tasks (sysrq l, t, w) 45 s before the
# watchdog ends it.
[ "$limit" -gt 90 ] && append+=" mmun.watchdog=$(( limit - 45 ))"

say "booting $FLAVOR under ${qemu[0]} (${accel[1]}), mode $mode; console: $log"
start=$(date +%s)
rm -f "$mon" "$dump" "$dump.stalled"
# The stall watch: the size of the console log, every 10 s.
(
	last=-1 quiet=0
	while sleep 10; do
		[ -S "$mon" ] || continue
		size=$(stat -c %s "$log" 2>/dev/null || echo 0)
		if [ "$size" = "$last" ]; then
			quiet=$(( quiet + 10 ))
		else
			quiet=0 last=$size
		fi
		if [ "$quiet" -ge "$stall" ]; then
			: > "$dump.stalled"
			python3 "$ROOT/harness/monitor.py" "$mon" "$OBJ/System.map" \
				"$dump" --nmi >/dev/null 2>&1
			exit 0
		fi
	done
) &
watch=$!
set +e
timeout --foreground "$limit" "${qemu[@]}" "${accel[@]}" \
	-smp 2,sockets=2,cores=1,threads=1 -m "$(( ${node_mem%G} * 2 ))G" \
	-object memory-backend-ram,id=mem0,size="$node_mem" \
	-object memory-backend-ram,id=mem1,size="$node_mem" \
	-numa node,nodeid=0,cpus=0,memdev=mem0 \
	-numa node,nodeid=1,cpus=1,memdev=mem1 \
	-kernel "$FLAVOR_DIR/$KIMAGE" -initrd "$FLAVOR_DIR/initramfs.cpio" \
	-append "$append" \
	-display none -serial stdio -monitor "unix:$mon,server=on,wait=off" -no-reboot \
	< /dev/null 2>&1 | sed -u 's/\r//g' | tee "$log" |
	grep --line-buffered -E '^(MMUN-|ok |not ok )|^# (ok|not ok) ' |
	sed -u 's/^/   guest: /' >&2
rc=${PIPESTATUS[0]}
kill "$watch" 2>/dev/null
wait "$watch" 2>/dev/null
rm -f "$mon"
set -e
secs=$(( $(date +%s) - start ))
echo "$secs" > "$FLAVOR_DIR/guest-seconds-$mode"
if [ -e "$dump.stalled" ]; then
	echo "MMUN-STALL the console was silent for ${stall}s: vCPU registers and stacks in $dump" >> "$log"
	say "stall: the console was silent for ${stall}s; the vCPUs' registers and stacks: $dump"
	sed -n '/^ip: /p' "$dump" >&2 2>/dev/null
	rm -f "$dump.stalled"
fi
if [ "$rc" = 124 ]; then
	echo "MMUN-WATCHDOG guest still running after ${limit}s, killed" >> "$log"
	say "watchdog: the guest ran past ${limit}s and was killed"
elif [ "$rc" != 0 ]; then
	echo "MMUN-QEMU-EXIT $rc" >> "$log"
	say "QEMU exited with status $rc"
fi
say "guest ran for ${secs}s"
