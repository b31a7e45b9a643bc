#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One pass of the harness for $KERNEL: lay out the tree, build, boot, report.
#
#   test.sh check   the suites; ends with "N passed, N failed, N skipped"
#   test.sh demo    the boot and the KUnit suites, as a demonstration

. "$(dirname "$0")/lib.sh"

mode=${1:-check}
t0=$(date +%s)
phase() { say "$1 done in $(( $(date +%s) - t0 ))s"; }

bash "$ROOT/harness/deps.sh"
bash "$ROOT/harness/tree.sh"
# The report parser must see every way a run can fail before it is trusted.
python3 "$ROOT/harness/report_test.py" "$SRC" > "$FLAVOR_DIR/report_test.log" 2>&1 ||
	{ cat "$FLAVOR_DIR/report_test.log" >&2; die "harness/report_test.py failed"; }
python3 "$ROOT/harness/bench_test.py" > "$FLAVOR_DIR/bench_test.log" 2>&1 ||
	{ cat "$FLAVOR_DIR/bench_test.log" >&2; die "harness/bench_test.py failed"; }
bash "$ROOT/harness/build.sh"
phase "build ($KERNEL)"
# Every in-tree user of the interface must still compile. COMPAT=0 leaves
# the check out of a quick run, and says so.
rm -f "$FLAVOR_DIR/compat-results.tsv"
if [ "$mode" = check ] && [ "${COMPAT:-1}" != 0 ]; then
	bash "$ROOT/harness/compat.sh" >&2 || true
	phase "compat ($KERNEL)"
elif [ "$mode" = check ]; then
	say "COMPAT=0: the in-tree users of the interface were not compiled"
fi
bash "$ROOT/harness/run.sh" "$mode"
phase "boot and tests ($KERNEL)"
say "linux $(cat "$OBJ/include/config/kernel.release") ($KERNEL), console log:" \
	"$FLAVOR_DIR/console-$mode.log, total $(( $(date +%s) - t0 ))s"
# The report ends with the summary line: nothing may be printed after it.
exec python3 "$ROOT/harness/report.py" "$SRC" "$FLAVOR_DIR/console-$mode.log" \
	"$mode" "$FLAVOR_DIR/results-$mode.tsv" "$FLAVOR_DIR/compat-results.tsv"
