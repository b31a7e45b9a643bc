#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One pass of the harness for $KERNEL: lay out the tree, build, boot, report.
#
#   test.sh check   the suites; ends with "N passed, N failed, N skipped"
#   test.sh demo    the demonstration: a device mirroring a process's
#                   buffer through its changes (harness/demo.py), and the
#                   KUnit suites
#   test.sh fuzz    the fuzzer for FUZZ_SECONDS (600), its seeds from
#                   FUZZ_SEED on (the time of day by default), FUZZ_BATCHES
#                   batches each (the program's default), and the KUnit
#                   suites

# "make check" of the patched kernel checks both of its builds, with
# CONFIG_MMU_NOTIFIER_SLEEPABLE=y and =n, and ends with their sum;
# SLEEPABLE=y or =n picks one.
if [ "${1:-check}" = check ] && [ "${KERNEL:-ours}" = ours ] && [ -z "${SLEEPABLE:-}" ]; then
	set -o pipefail
	total=(0 0 0)
	rc=0
	for sl in y n; do
		out=$(mktemp)
		SLEEPABLE=$sl bash "$0" check | tee "$out" || rc=1
		read -r -a n < <(tail -n1 "$out" | tr -dc '0-9 \n' | tr -s ' ')
		rm -f "$out"
		[ "${#n[@]}" = 3 ] || { echo "error: no summary from the SLEEPABLE=$sl run" >&2; rc=1; continue; }
		for i in 0 1 2; do total[i]=$(( total[i] + n[i] )); done
		echo "== SLEEPABLE=$sl: ${n[0]} passed, ${n[1]} failed, ${n[2]} skipped"
	done
	echo
	[ "${DEBUG:-0}" = 1 ] && echo "debug kernels (KASAN, kmemleak, DEBUG_VM, lockdep):"
	case "${ARCH:-}" in
	arm64|aarch64) echo "arm64 guests (qemu-system-aarch64 -M virt, TCG):" ;;
	esac
	echo "both builds of ours (CONFIG_MMU_NOTIFIER_SLEEPABLE=y and =n):"
	echo "${total[0]} passed, ${total[1]} failed, ${total[2]} skipped"
	exit $rc
fi

. "$(dirname "$0")/lib.sh"

mode=${1:-check}
t0=$(date +%s)
if [ "$mode" = fuzz ]; then
	export FUZZ_SECONDS=${FUZZ_SECONDS:-600} FUZZ_SEED=${FUZZ_SEED:-$(date +%s)}
	say "fuzz: seeds from $FUZZ_SEED on, for $FUZZ_SECONDS s (FUZZ_SEED=, FUZZ_SECONDS=)"
fi
phase() { say "$1 done in $(( $(date +%s) - t0 ))s"; }

# No results of an earlier run may outlive a run that stops short.
mkdir -p "$FLAVOR_DIR"
rm -f "$FLAVOR_DIR/results-$mode.tsv" "$FLAVOR_DIR/results-$mode.stamp"
if [ "$ARCH" = arm64 ]; then
	bash "$ROOT/harness/deps.sh" arm64
else
	bash "$ROOT/harness/deps.sh"
fi
bash "$ROOT/harness/tree.sh"
# What these results will belong to, taken before the run: an edit made
# meanwhile leaves them unstamped.
stamp=
if [ "$mode" = check ] && [ -z "${MUTANT:-}${MMUN_TESTS:-}${MMUN_CASES:-}" ]; then
	stamp=$(check_stamp)
fi
# The report parser must see every way a run can fail before it is trusted.
python3 "$ROOT/harness/report_test.py" "$SRC" > "$FLAVOR_DIR/report_test.log" 2>&1 ||
	{ cat "$FLAVOR_DIR/report_test.log" >&2; die "harness/report_test.py failed"; }
python3 "$ROOT/harness/bench_test.py" > "$FLAVOR_DIR/bench_test.log" 2>&1 ||
	{ cat "$FLAVOR_DIR/bench_test.log" >&2; die "harness/bench_test.py failed"; }
python3 "$ROOT/harness/demo_test.py" > "$FLAVOR_DIR/demo_test.log" 2>&1 ||
	{ cat "$FLAVOR_DIR/demo_test.log" >&2; die "harness/demo_test.py failed"; }
bash "$ROOT/harness/build.sh"
phase "build ($FLAVOR)"
# Every in-tree user of the interface must still compile. COMPAT=0 leaves
# the check out of a quick run, and says so.
rm -f "$FLAVOR_DIR/compat-results.tsv"
if [ "$mode" = check ] && [ "$ARCH" != x86_64 ]; then
	say "ARCH=$ARCH: the in-tree users are compiled for every architecture by make matrix"
elif [ "$mode" = check ] && [ "$SLEEPABLE" = n ]; then
	say "SLEEPABLE=n: the in-tree users were compiled with the SLEEPABLE=y run (same tree)"
elif [ "$mode" = check ] && [ "${DEBUG:-0}" = 1 ]; then
	say "DEBUG=1: the in-tree users are compiled by make check (same tree)"
elif [ "$mode" = check ] && [ "${COMPAT:-1}" != 0 ]; then
	bash "$ROOT/harness/compat.sh" >&2 || true
	phase "compat ($FLAVOR)"
elif [ "$mode" = check ]; then
	say "COMPAT=0: the in-tree users of the interface were not compiled"
fi
# The reviewer's checks of the series: checkpatch of every mail, its
# kernel-doc, the documentation build. Once, with the SLEEPABLE=y run.
rm -f "$FLAVOR_DIR/review-results.tsv"
if [ "$mode" = check ] && [ "$KERNEL" = ours ] && [ "$SLEEPABLE" = y ] &&
   [ "${DEBUG:-0}" = 0 ] && [ "$ARCH" = x86_64 ]; then
	if [ "${REVIEW:-1}" != 0 ]; then
		bash "$ROOT/harness/review.sh" >&2 || true
		phase "review ($FLAVOR)"
	else
		say "REVIEW=0: checkpatch, kernel-doc and the documentation build were not run"
	fi
fi
bash "$ROOT/harness/run.sh" "$mode"
phase "boot and tests ($FLAVOR)"
# The demonstration's table; its verdict is one more result of the run.
rm -f "$FLAVOR_DIR/demo-results.tsv"
if [ "$mode" = demo ]; then
	echo
	if python3 "$ROOT/harness/demo.py" "$FLAVOR_DIR/console-demo.log" \
		"$FLAVOR_DIR/demo.tsv" "$BUILD/stock/demo.tsv"; then
		verdict=PASS
	else
		verdict=FAIL
	fi
	printf 'demo\tthe device read what the process reads after every step\t%s\t\n' \
		"$verdict" > "$FLAVOR_DIR/demo-results.tsv"
	echo
fi
say "linux $(cat "$OBJ/include/config/kernel.release") ($FLAVOR), console log:" \
	"$FLAVOR_DIR/console-$mode.log, total $(( $(date +%s) - t0 ))s"
# What must have run: every KUnit suite of the tree (all built in), and
# every program the guest's kselftest runner has (hmm-tests unless this
# kernel leaves it out), or the ones MMUN_TESTS names.
manifest=$FLAVOR_DIR/manifest-$mode
{
	awk '/struct kunit_suite [a-z_0-9]+ = \{/ { s = 1 }
	     s && match($0, /\.name = "[^"]+"/) {
		print "kunit", substr($0, RSTART + 9, RLENGTH - 10); s = 0 }' \
		"$SRC"/mm/mmu_notifier_kunit.c
	if [ "$mode" = fuzz ]; then
		echo "kselftest fuzz"
	elif [ "$mode" = check ]; then
		while IFS=: read -r coll prog; do
			case ",${MMUN_TESTS:-$coll:$prog}," in
			*",$coll:$prog,"*) echo "kselftest $prog" ;;
			esac
		done < "$FLAVOR_DIR/initramfs/kselftest/kselftest-list.txt"
	fi
} > "$manifest"
# What these results belong to, for make mutants' baseline.
if [ -n "$stamp" ] && [ "$(check_stamp)" = "$stamp" ]; then
	echo "$stamp" > "$FLAVOR_DIR/results-check.stamp"
fi
# The report ends with the summary line: nothing may be printed after it.
exec python3 "$ROOT/harness/report.py" "$SRC" "$FLAVOR_DIR/console-$mode.log" \
	"$mode" "$FLAVOR_DIR/results-$mode.tsv" "$FLAVOR_DIR/compat-results.tsv" \
	"$FLAVOR_DIR/review-results.tsv" "$FLAVOR_DIR/demo-results.tsv" \
	--manifest="$manifest"
