#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The core's KUnit suites as a kernel developer runs them, with the
# kernel's own kunit.py on mm/.kunitconfig, outside the guest: rows of
# report.py's results in $FLAVOR_DIR/kunit-results.tsv, one a suite and
# one for the kernel log (no warning or lock report but those a case
# announces), each PASS only if every case of the suite passed.
#
#   KUNIT_ARCH=x86_64 (default): QEMU under TCG (-accel tcg, -smp 2),
#       with SMP and CONFIG_DEBUG_MMU_NOTIFIER added to the
#       .kunitconfig, so that every case runs; a skip fails.
#   KUNIT_ARCH=um: UML, kunit.py's default. UML has no SMP, so no
#       PER_VMA_LOCK and no CONFIG_DEBUG_MMU_NOTIFIER: the seven cases of
#       the lock check are skipped there, and only those skips pass.
#
# The kernel is built in $FLAVOR_DIR/kunit-$KUNIT_ARCH (kept: warm runs
# rebuild what changed), with ccache, from the tree of tree.sh.

. "$(dirname "$0")/lib.sh"

arch=${KUNIT_ARCH:-x86_64}
case "$arch" in
x86_64|um) ;;
*) die "KUNIT_ARCH must be x86_64 or um, not '$arch'" ;;
esac
results=$FLAVOR_DIR/kunit-results.tsv
dir=$FLAVOR_DIR/kunit-$arch
log=$FLAVOR_DIR/kunit-$arch.log
json=$FLAVOR_DIR/kunit-$arch.json
mkdir -p "$FLAVOR_DIR"
printf 'review: kunit.py\tkunit.py run --kunitconfig=mm/.kunitconfig --arch=%s\tFAIL\t%s\n' \
	"$arch" "harness/kunit.sh stopped before it finished" > "$results"
[ -f "$SRC/mm/.kunitconfig" ] || die "$SRC/mm/.kunitconfig is missing: run harness/tree.sh first"

args=(run --kunitconfig=mm/.kunitconfig --arch="$arch" --build_dir="$dir"
      --jobs="$JOBS" --make_options "CC=ccache gcc" --json="$json")
# The lock check exists in the patched tree only; it needs PER_VMA_LOCK,
# so SMP, which kunit.py's x86_64 config leaves off. Two CPUs, as the
# guest has: the race cases race for real. QEMU picks TCG when asked for
# no accelerator; asked here, as KVM does not work on every machine.
if [ "$arch" = x86_64 ]; then
	[ "$KERNEL" = ours ] && args+=(--kconfig_add CONFIG_SMP=y
				       --kconfig_add CONFIG_DEBUG_MMU_NOTIFIER=y)
	args+=(--qemu_args "-accel tcg -smp 2")
fi
say "kunit: (cd $SRC && ./tools/testing/kunit/kunit.py ${args[*]}) (log: $log)"
t0=$(date +%s)
rm -f "$json"
rc=0
(cd "$SRC" && PYTHONDONTWRITEBYTECODE=1 ./tools/testing/kunit/kunit.py "${args[@]}") \
	> "$log" 2>&1 || rc=$?
say "kunit: kunit.py exited $rc after $(( $(date +%s) - t0 ))s:" \
	"$(grep -E 'Testing complete|Elapsed time' "$log" | sed 's/^\[[0-9:]*\] //' | tr '\n' ' ')"

PYTHONDONTWRITEBYTECODE=1 python3 - "$ROOT/harness" "$arch" "$rc" "$json" "$dir/test.log" "$log" > "$results.new" <<'EOF'
import json
import os
import re
import sys

harness, arch, rc, json_path, kernel_log, log = sys.argv[1:]
sys.path.insert(0, harness)
import report  # noqa: E402

cmd = 'kunit.py run --kunitconfig=mm/.kunitconfig --arch=' + arch
# What UML cannot run, and says so: the lock check needs PER_VMA_LOCK.
UML_SKIP = 'needs CONFIG_DEBUG_MMU_NOTIFIER'


def row(name, status, note=''):
    print('\t'.join(('review: kunit.py', name, status, note)))


def tail(path):
    try:
        with open(path, errors='replace') as f:
            lines = [l.strip() for l in f if l.strip()]
    except OSError:
        return 'no log'
    return ' '.join(lines[-3:])


if not os.path.exists(json_path):
    row(cmd, 'FAIL', 'no results (rc=%s): %s' % (rc, tail(log)))
    sys.exit(0)
with open(json_path) as f:
    tree = json.load(f)
suites = []


def walk(group):
    if group.get('test_cases'):
        suites.append(group)
    for sub in group.get('sub_groups', []):
        walk(sub)


walk(tree)
try:
    with open(kernel_log, errors='replace') as f:
        lines = f.read().splitlines()
except OSError:
    lines = None
# The reason of each skip, from the KTAP (the JSON has none).
reasons = {}
for l in lines or []:
    m = re.search(r'\bok \d+ (\S+) # SKIP(.*)$', l)
    if m:
        reasons[m.group(1)] = m.group(2).strip()
failed = 0
for name in ('mmu_notifier', 'mmu_notifier_mm_locks'):
    if not any(s['name'] == name for s in suites):
        row('%s: %s' % (cmd, name), 'FAIL', 'the suite did not run')
        failed += 1
for s in suites:
    cases = s['test_cases']
    bad = [c['name'] for c in cases if c['status'] not in ('PASS', 'SKIP')]
    skipped = [c['name'] for c in cases if c['status'] == 'SKIP']
    other = [c for c in skipped
             if arch != 'um' or UML_SKIP not in reasons.get(c, '')]
    note = '%d of %d cases passed' % (len(cases) - len(bad) - len(skipped),
                                      len(cases))
    if skipped and not other:
        note += ', %d skipped (%s: UML has no PER_VMA_LOCK)' % (
            len(skipped), UML_SKIP)
    elif skipped:
        note += ', %d skipped' % len(skipped)
    if bad:
        note += '; failed: ' + ', '.join(bad[:5])
    if other:
        note += '; skipped: ' + ', '.join(
            '%s (%s)' % (c, reasons.get(c, '?')) for c in other[:3])
    failed += bool(bad or other)
    row('%s: %s' % (cmd, s['name']), 'FAIL' if bad or other else 'PASS',
        note)
# A failure of no case above (a crash, a timeout, another suite).
if rc != '0' and not failed:
    row(cmd, 'FAIL', 'kunit.py exited %s: %s' % (rc, tail(log)))

# The kernel log: every announced WARNING exactly once, and no other
# warning, oops or lock report (kunit.py itself only reads the KTAP).
if lines is None:
    row(cmd + ': kernel log', 'FAIL', 'no ' + kernel_log)
else:
    if arch == 'um':
        # kunit.py's UML config asks for UML_PCI_OVER_VIRTIO with no
        # device ID, and 6.12's virt-pci.c warns about it at every boot:
        # on UML only the log of the tests counts.
        first = next((i for i, l in enumerate(lines) if 'KTAP version' in l),
                     0)
        lines = lines[first:]
    res = report.Results()
    left = report.expected_warnings(lines, res)
    reports = [l for l in left if report.is_report(l)]
    notes = ['%s (%s)' % (r[1], r[3])
             for r in res.rows if r[2] != 'PASS']
    if reports:
        notes.insert(0, '%d report lines, first: %s' % (len(reports),
                                                        reports[0].strip()))
    if notes:
        row(cmd + ': kernel log', 'FAIL', '; '.join(notes[:3]))
    else:
        row(cmd + ': kernel log', 'PASS',
            '%d expected WARNINGs, no other report' % len(res.rows))
EOF
mv "$results.new" "$results"
say "kunit: $(grep -c $'\tPASS\t' "$results") passed, $(grep -c $'\tFAIL\t' "$results") failed" \
	"($results)"
! grep -q $'\tFAIL\t' "$results"
