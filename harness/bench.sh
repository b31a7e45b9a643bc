#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: build the stock and the patched kernel with the benchmark
# config, boot each in the same QEMU guest, run the same benchmark
# program (tools/testing/selftests/mmu_notifier/bench.c) in both, and
# compare. Figures, not tests: the run fails only if a benchmark could not
# run, never because a figure is slow.
#
# Two passes. The first times with the guest's clock under plain TCG, as
# QEMU's host threads run it: BENCH_ROUNDS boots of each kernel, alternated
# stock, ours, stock, ours... (default 2), BENCH_REPEATS repetitions of each
# figure a boot (default 5). The second boots each kernel once with QEMU's
# -icount, where guest time counts instructions and is free of host noise,
# with BENCH_ICOUNT_REPEATS repetitions (default 3; 0 leaves the pass out).
# BENCH_SCALE multiplies the iterations of each repetition (default 1);
# BENCH_FIGURES, a comma-separated list, picks figures (default all). The
# results, the table and the plot go to $BUILD/bench.
#
# A last pass (BENCH_LATENCY=0 leaves it out) builds ours both ways
# again, preemptible and with the preemptoff tracer (latency.config), in
# $BUILD/bench/latency, and boots each once with -icount for the
# preemptoff figure alone: the longest preemption-off section during a
# registration at 100,000 VMAs and a migration of a page 257 processes map.
#
# A third kernel, ours built with CONFIG_MMU_NOTIFIER_SLEEPABLE=n (the
# spinning anon_vma lock), boots after ours in each pass and runs the same
# figures (BENCH_NOSLEEP_FIGURES picks others; "none" leaves it out), for
# a table of n against y. The same figures in the same order matter: the
# state an earlier figure leaves (free memory, slabs) moves a later one.

. "$(dirname "$0")/lib.sh"

rounds=${BENCH_ROUNDS:-2}
repeats=${BENCH_REPEATS:-5}
icount_repeats=${BENCH_ICOUNT_REPEATS:-3}
scale=${BENCH_SCALE:-1}
figures=${BENCH_FIGURES:-}
nosleep_figures=${BENCH_NOSLEEP_FIGURES:-$figures}
latency=${BENCH_LATENCY:-1}
out=$BUILD/bench
t0=$(date +%s)

bash "$ROOT/harness/deps.sh" bench
mkdir -p "$out"
# The comparison must see every way a boot can fail before it is trusted.
/usr/bin/python3 "$ROOT/harness/bench_test.py" > "$out/bench_test.log" 2>&1 ||
	{ cat "$out/bench_test.log" >&2; die "harness/bench_test.py failed"; }
bench_args() {
	local args="-r,$1,-s,$scale" f
	for f in ${2//,/ }; do
		args+=",-f,$f"
	done
	echo "$args"
}

flavors=(stock ours)
[ "$nosleep_figures" != none ] && flavors+=(ours-nosleep)
# flavor_env FLAVOR: the harness variables that select it.
flavor_env() {
	case "$1" in
	ours-nosleep) echo KERNEL=ours SLEEPABLE=n ;;
	*) echo KERNEL="$1" SLEEPABLE=y ;;
	esac
}
for k in "${flavors[@]}"; do
	# shellcheck disable=SC2046
	env $(flavor_env "$k") BUILD="$out" bash "$ROOT/harness/tree.sh"
	# shellcheck disable=SC2046
	env $(flavor_env "$k") BUILD="$out" BENCH=1 bash "$ROOT/harness/build.sh"
done
if [ "$latency" = 1 ]; then
	for k in ours ours-nosleep; do
		# shellcheck disable=SC2046
		env $(flavor_env "$k") BUILD="$out/latency" bash "$ROOT/harness/tree.sh"
		# shellcheck disable=SC2046
		env $(flavor_env "$k") BUILD="$out/latency" BENCH=1 \
			EXTRA_CONFIG="$ROOT/harness/latency.config" \
			bash "$ROOT/harness/build.sh"
	done
fi
say "benchmark kernels built in $(( $(date +%s) - t0 ))s"

# boot FLAVOR PASS N REPEATS [VAR=VALUE...]: one benchmark boot.
logs=()
boot() {
	local k=$1 pass=$2 n=$3 reps=$4 figs=$figures dir=$out
	shift 4
	[ "$k" = ours-nosleep ] && figs=$nosleep_figures
	[ "$pass" = latency ] && figs=preemptoff dir=$out/latency
	# shellcheck disable=SC2046
	env "$@" $(flavor_env "$k") BUILD="$dir" \
		MMUN_APPEND="mmun.bench=$(bench_args "$reps" "$figs")" \
		bash "$ROOT/harness/run.sh" bench
	mv "$dir/$k/console-bench.log" "$dir/$k/console-bench-$pass-$n.log"
	logs+=("$k@$pass=$dir/$k/console-bench-$pass-$n.log")
}

rm -f "$out"/*/console-bench-*.log "$out"/latency/*/console-bench-*.log
for ((i = 1; i <= rounds; i++)); do
	for k in "${flavors[@]}"; do
		boot "$k" tcg "$i" "$repeats"
	done
done
if [ "$icount_repeats" -gt 0 ]; then
	for k in "${flavors[@]}"; do
		boot "$k" icount 1 "$icount_repeats" MMUN_ICOUNT=1
	done
fi
if [ "$latency" = 1 ]; then
	for k in ours ours-nosleep; do
		boot "$k" latency 1 "$icount_repeats" MMUN_ICOUNT=1
	done
fi
say "benchmarks ran in $(( $(date +%s) - t0 ))s"

# The system python: matplotlib comes from Debian (deps.sh bench).
exec /usr/bin/python3 "$ROOT/harness/bench.py" --out "$out" \
	--kernel-version "$(cat "$out/ours/obj/include/config/kernel.release")" \
	--rounds "$rounds" --repeats "$repeats" --icount-repeats "$icount_repeats" \
	--scale "$scale" "${logs[@]}"
