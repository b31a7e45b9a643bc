#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: build the stock and the patched kernel with the benchmark
# config, boot each in the same QEMU guest, run the same benchmark
# program (tools/testing/selftests/mmu_notifier/bench.c) in both, and
# compare. Figures, not tests: the run fails only if a benchmark could not
# run, never because a figure is slow.
#
# Variables: BENCH_ROUNDS boots of each kernel, alternated stock, ours,
# stock, ours... (default 2); BENCH_REPEATS repetitions of each figure in
# a boot (default 5); BENCH_SCALE multiplies the iterations of each
# repetition (default 1); BENCH_FIGURES, a comma-separated list, picks
# figures (default all). The results, the table and the plot go to
# $BUILD/bench.

. "$(dirname "$0")/lib.sh"

rounds=${BENCH_ROUNDS:-2}
repeats=${BENCH_REPEATS:-5}
scale=${BENCH_SCALE:-1}
figures=${BENCH_FIGURES:-}
out=$BUILD/bench
t0=$(date +%s)

bash "$ROOT/harness/deps.sh" bench
args="-r,$repeats,-s,$scale"
for f in ${figures//,/ }; do
	args+=",-f,$f"
done

for k in stock ours; do
	KERNEL=$k BUILD=$out bash "$ROOT/harness/tree.sh"
	KERNEL=$k BUILD=$out BENCH=1 bash "$ROOT/harness/build.sh"
done
say "benchmark kernels built in $(( $(date +%s) - t0 ))s"

logs=()
rm -f "$out"/*/console-bench-*.log
for ((i = 1; i <= rounds; i++)); do
	for k in stock ours; do
		KERNEL=$k BUILD=$out MMUN_APPEND="mmun.bench=$args" \
			bash "$ROOT/harness/run.sh" bench
		mv "$out/$k/console-bench.log" "$out/$k/console-bench-$i.log"
		logs+=("$k=$out/$k/console-bench-$i.log")
	done
done
say "benchmarks ran in $(( $(date +%s) - t0 ))s"

exec python3 "$ROOT/harness/bench.py" --out "$out" \
	--kernel-version "$(cat "$out/ours/obj/include/config/kernel.release")" \
	--rounds "$rounds" --repeats "$repeats" --scale "$scale" "${logs[@]}"
