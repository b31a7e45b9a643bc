#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read a guest's console log and report every test result in it.

  report.py SRC LOG MODE [RESULTS [EXTRA]]

EXTRA, if it exists, holds results found outside the guest (the compile
check of every in-tree user), one "suite<TAB>name<TAB>status<TAB>note" a
line; they are counted with the others.

KUnit's KTAP (printed by the kernel before init starts) goes through the
kernel's own parser, tools/testing/kunit/kunit.py parse. The kselftest
runner's TAP sits between MMUN-KSELFTEST-BEGIN/END markers; every case of
a kselftest_harness program counts as one test, and a program that
reported fewer cases than it planned, or failed with all of its cases
passing, counts as a failure too. The harness adds checks of its own: the
guest booted, ran to the end, and its console holds no kernel warning,
oops or lockdep report (every lockdep and sleep-in-atomic report opens
with a "WARNING:" or "BUG:" banner).

A test that must make the kernel warn (a misused interface is a WARN and
an error) announces it: a line with "expect a WARNING: WHAT" before, and
one with "end of expected WARNING" after. Exactly one WARNING must appear
in between; it is then not a report, and the expectation counts as a
passed check. None, two, or a missing end marker fail it. A test that
makes the OOM killer kill a process announces it the same way, with
"expect an OOM kill: WHAT" and "end of expected OOM kill": exactly one
OOM killer report (from "invoked oom-killer" to its "Killed process"
line) must appear in between, and the stack trace of that report is then
not a report; anything else in the window still is.

The patched kernel lists the call sites of the core mm that reached a
notifier during the mmu_notifier collection (MMUN-SITES-BEGIN/END, from
CONFIG_DEBUG_MMU_NOTIFIER's debugfs file). Against every notifier call
site in mm/ of the tree (invalidate_range_start and _nonblock, the young
callouts and their *_young_notify() macros, release), that is the suite's
reach; below REACH_MIN it fails a check of its own, and the list of
reached and unreached sites is written beside the results.

Prints a table and ends with "N passed, N failed, N skipped". Exits 1 if
anything failed or was skipped: every test the config should support must
run.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

# The first line of each kind of kernel report. A WARN's banner is
# "WARNING: CPU: n PID: n at FILE:LINE FUNC+0x..."; lockdep's and RCU's
# reports open with "WARNING: <what>" banners of their own.
BANNERS = re.compile(
    r'(WARNING:|BUG:|\bBUG [\w.-]+ \((?:Not t|T)ainted|Oops|Kernel panic|'
    r'general protection fault|'
    r'possible circular locking|possible recursive locking|'
    r'inconsistent lock state|suspicious RCU usage|'
    r'sleeping function called from invalid context|'
    r'INFO: task .* blocked for more than|soft lockup|hard LOCKUP|'
    r'rcu: INFO: |rcu_\w+ (?:self-)?detected stall|detected stalls on CPUs|'
    r'invoked oom-killer:|Out of memory|'
    r'UBSAN:|KASAN:|KFENCE:|kmemleak:|list_(?:add|del) corruption)')
# A line that opens or belongs to a report: a banner, or a stack trace.
KERNEL_REPORTS = re.compile(BANNERS.pattern[:-1] + r'|Call Trace:)')
WARN_BANNER = re.compile(r'WARNING: CPU: \d+ PID: \d+ at (\S+) ([\w.]+)\+0x')
# What kmemleak says about itself at boot is not a report.
# The summary line of a scan repeats what the entries of the scan, each a
# failed check of its own, say.
BENIGN = re.compile(r'kmemleak: (Kernel memory leak detector initialized|'
                    r'Automatic memory scanning thread|'
                    r'\d+ new suspected memory leaks)')
# A report is quoted from its first line to the first of these (included).
REPORT_END = re.compile(r'---\[ end trace|^(\[\s*\d+\.\d+\] )?={20,}$')
KMEMLEAK_ENTRY = re.compile(r'unreferenced object (0x[0-9a-f]+) \(size (\d+)\)')
TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\] ')
EXPECT_BEGIN = re.compile(r'expect a WARNING(?: in ([\w./]+))?: (.+)$')
EXPECT_END = 'end of expected WARNING'
OOM_BEGIN = re.compile(r'expect an OOM kill: (.+)$')
OOM_END = 'end of expected OOM kill'
OOM_INVOKED = 'invoked oom-killer:'
OOM_KILLED = re.compile(r'(Memory cgroup out of memory|Out of memory): '
                        r'Killed process')
REACH_MIN = 0.8
CALL_SITE = re.compile(
    r'\b(mmu_notifier_invalidate_range_start(?:_nonblock)?|'
    r'mmu_notifier_(?:clear_flush_young|clear_young|test_young|release)|'
    r'(?:ptep|pmdp)_clear(?:_flush)?_young_notify)\(')
FUNC_START = re.compile(r'^(?=[a-z])[^(=;]*?\b(\w+)\(')


def is_report(line):
    """A line that opens or belongs to a kernel report (not kmemleak's own
    status lines)."""
    return bool(KERNEL_REPORTS.search(line)) and not BENIGN.search(line)


class Results:
    def __init__(self):
        self.rows = []      # (suite, name, status, note)

    def add(self, suite, name, status, note=''):
        self.rows.append((suite, name, status, note))

    def count(self, status, suite=None):
        return sum(1 for r in self.rows
                   if r[2] == status and (suite is None or r[0] == suite))


def kunit(src, kernel_lines, res):
    """Parse KUnit's KTAP with kunit.py and add its test cases."""
    kunit_py = os.path.join(src, 'tools/testing/kunit/kunit.py')
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, 'kernel.log')
        out = os.path.join(tmp, 'kunit.json')
        with open(log, 'w') as f:
            f.write('\n'.join(kernel_lines) + '\n')
        # No __pycache__ in the tree: git am must find it as tree.sh left it.
        proc = subprocess.run([sys.executable, kunit_py, 'parse',
                               '--json=' + out, log],
                              capture_output=True, text=True,
                              env=dict(os.environ, PYTHONDONTWRITEBYTECODE='1'))
        if not os.path.exists(out):
            tail = (proc.stdout + proc.stderr).strip().splitlines()
            res.add('kunit', 'KTAP output', 'FAIL',
                    'kunit.py parse found no results: ' +
                    (tail[-1] if tail else 'no output'))
            return proc.stdout
        with open(out) as f:
            tree = json.load(f)

    def walk(group, path):
        for case in group.get('test_cases', []):
            status = {'PASS': 'PASS', 'SKIP': 'SKIP'}.get(case['status'],
                                                          'FAIL')
            # kunit.py names no case it expected and never saw.
            res.add('kunit: ' + (path or group['name']),
                    case['name'] or '(a case that never reported: crashed?)',
                    status)
        for sub in group.get('sub_groups', []):
            walk(sub, sub['name'] if not path else path + '.' + sub['name'])

    walk(tree, '')
    if not any(r[0].startswith('kunit') for r in res.rows):
        res.add('kunit', 'KTAP output', 'FAIL', 'no KUnit test ran')
    return proc.stdout


TAP_LINE = re.compile(r'^(not ok|ok) (\d+) (.*?)(?: # (.*))?$')
# kselftest_harness.h's line of a failed check, "prog.c:123:case:Expected
# ..." (a TH_LOG line has the same prefix, without "Expected"), and its
# line of a case that ended otherwise ("case: Test terminated by timeout").
ASSERTION = re.compile(r'^[\w.-]+\.[ch]:\d+:[^:]*:Expected ')
ENDED = re.compile(r': Test (terminated|failed|exited|ended)')
PLAN = re.compile(r'^1\.\.(\d+)')


def kselftest(name, lines, rc, res):
    """Add the cases of one run_kselftest.sh section."""
    suite = 'kselftest: ' + name
    programs = 0
    runner_plan = None
    first_row = len(res.rows)
    cases = []       # nested results of the program being run
    why = {}         # a failed case's first assertion line, by its TAP line
    diag = []        # the program's diagnostics since its last result
    plan = None
    for line in lines:
        line = TIMESTAMP.sub('', line)
        if line.startswith('# '):
            inner = line[2:]
            m = PLAN.match(inner)
            if m and plan is None:
                plan = int(m.group(1))
            m = TAP_LINE.match(inner)
            if m:
                cases.append(m)
                if m.group(1) != 'ok':
                    why[id(m)] = next(
                        (d for r in (ASSERTION, ENDED) for d in diag
                         if r.search(d)), '').replace('\t', ' ')
                diag = []
            elif inner.startswith('# '):
                diag.append(inner[2:].strip())
            continue
        m = PLAN.match(line)
        if m and runner_plan is None:
            runner_plan = int(m.group(1))
        m = TAP_LINE.match(line)
        if not m:
            continue
        programs += 1
        prog = m.group(3).split(': ')[-1]
        directive = m.group(4) or ''
        ok = m.group(1) == 'ok'
        for c in cases:
            d = c.group(4) or ''
            if d.upper().startswith('SKIP'):
                res.add(suite, prog + ': ' + c.group(3), 'SKIP', d[4:].strip())
            elif c.group(1) == 'ok':
                res.add(suite, prog + ': ' + c.group(3), 'PASS')
            else:
                res.add(suite, prog + ': ' + c.group(3), 'FAIL',
                        '; '.join(x for x in (d, why.get(id(c), '')[:160])
                                  if x))
        failed_cases = sum(1 for c in cases if c.group(1) != 'ok')
        if plan is not None and len(cases) < plan:
            res.add(suite, prog, 'FAIL',
                    '%d of %d planned cases never reported' %
                    (plan - len(cases), plan))
        elif not cases:
            status = ('SKIP' if directive.upper().startswith('SKIP')
                      else 'PASS' if ok else 'FAIL')
            res.add(suite, prog, status, directive)
        elif not ok and not failed_cases:
            res.add(suite, prog, 'FAIL', 'program failed: ' + directive)
        cases, plan, why, diag = [], None, {}, []
    if programs == 0:
        res.add(suite, 'runner', 'FAIL',
                'no test program reported (runner rc=%s)' % rc)
    elif runner_plan is not None and programs < runner_plan:
        res.add(suite, 'runner', 'FAIL',
                '%d of %d planned programs never reported' %
                (runner_plan - programs, runner_plan))
    elif rc != '0' and not any(r[2] == 'FAIL' for r in res.rows[first_row:]):
        res.add(suite, 'runner', 'FAIL',
                'the runner exited with rc=%s, every program passing' % rc)


def call_sites(src):
    """Every notifier call site in mm/ of the tree: (file, line, function)."""
    sites = []
    top = os.path.join(src, 'mm')
    for d, _, files in sorted(os.walk(top)):
        for name in sorted(files):
            if not name.endswith('.c') or name.startswith('mmu_notifier'):
                continue
            path = os.path.join(d, name)
            rel = os.path.relpath(path, src)
            func = '?'
            with open(path, errors='replace') as f:
                for n, line in enumerate(f, 1):
                    m = FUNC_START.match(line)
                    if m:
                        func = m.group(1)
                    if CALL_SITE.search(line) and not line.lstrip().startswith(
                            ('*', '/*', '//')):
                        sites.append((rel, n, func))
    return sites


def reached_sites(src, sites, lines, marker):
    """The sites of @sites listed between MARKER-BEGIN and MARKER-END.

    LINES are the console lines with their timestamps stripped.
    """
    try:
        b = lines.index(marker + '-BEGIN')
        e = lines.index(marker + '-END', b)
    except ValueError:
        return None
    hits = {}
    for l in lines[b + 1:e]:
        m = re.match(r'^(\S+):(\d+) (\S+) (\d+)$', l)
        if not m:
            continue
        # __FILE__ carries the source tree's prefix of an O= build
        # ("../src/mm/x.c"): keep the path relative to the tree.
        parts = m.group(1).split('/')
        rel = next(('/'.join(parts[i:]) for i in range(len(parts))
                    if parts[i] != '..' and
                    os.path.isfile(os.path.join(src, *parts[i:]))),
                   m.group(1))
        hits[(rel, int(m.group(2)))] = int(m.group(4))
    reached = set()
    for (f, n), count in hits.items():
        # A call spanning lines may report any of them: take the closest
        # site at or above it.
        cands = [s for s in sites if s[0] == f and 0 <= n - s[1] <= 4]
        if cands and count:
            reached.add(max(cands, key=lambda s: s[1]))
    return reached


def reach(src, lines, flavor, res, out):
    """The call sites the collection reached, against all of them."""
    sites = call_sites(src)
    reached = reached_sites(src, sites, lines, 'MMUN-SITES')
    if reached is None:
        if flavor.startswith('ours'):
            res.add('harness', 'call-site reach', 'FAIL',
                    'the guest listed no call sites')
        return
    total = len(sites)
    share = len(reached) / total if total else 0
    res.add('harness', 'call-site reach of the mmu_notifier collection',
            'PASS' if share >= REACH_MIN else 'FAIL',
            '%d of %d call sites in mm/ (%.0f%%), at least %.0f%% wanted' %
            (len(reached), total, 100 * share, 100 * REACH_MIN))
    if out:
        with open(out, 'w') as f:
            f.write('%d of %d notifier call sites in mm/ reached (%.0f%%)\n' %
                    (len(reached), total, 100 * share))
            for s in sites:
                f.write('%s %s:%d %s\n' % ('reached  ' if s in reached
                                           else 'unreached', s[0], s[1], s[2]))
            every = reached_sites(src, sites, lines, 'MMUN-SITES-ALL')
            if every is not None:
                f.write('with hmm-tests after the collection: %d of %d; '
                        'also reached: %s\n' %
                        (len(every), total,
                         ', '.join('%s:%d' % s[:2]
                                   for s in sites if s in every - reached)
                         or 'none'))


def report_span(block, k, end):
    """The lines of the report whose banner is block[k]: up to the first
    line that matches END (included), or the end of the block."""
    j = k + 1
    while j < len(block) and not end.search(block[j]):
        j += 1
    return k, min(j + 1, len(block))


def drop_span(block, first, last, own):
    """@block without the lines [first, last) of one report, except the
    banners of other reports printed in between (another CPU's)."""
    return block[:first] + [
        l for k, l in enumerate(block[first:last], first)
        if k != own and BANNERS.search(l)] + block[last:]


REFUSED = re.compile(r'^\[\s*(\d+\.\d+)\] .* callback failed with -?\d+ '
                     r'in non-blockable context')


def refusals_ratelimited(lines, res):
    """A refused non-blockable start is normal (with SLEEPABLE=n every
    anon rmap walk is non-blockable, and a refusing notifier makes one
    each time) and is logged through printk's ratelimit: 10 lines an
    interval of 5 s, so at most 20 in any 5 s. Said only where one was
    logged."""
    t = sorted(float(m.group(1)) for m in map(REFUSED.match, lines) if m)
    worst, j = 0, 0
    for i in range(len(t)):
        while t[i] - t[j] >= 5.0:
            j += 1
        worst = max(worst, i - j + 1)
    if t:
        res.add('harness', 'refused non-blockable starts logged ratelimited',
                'FAIL' if worst > 20 else 'PASS',
                '%d lines, at most %d in 5 s' % (len(t), worst))


def expected_warnings(lines, res):
    """Check the announced WARNINGs; return the lines without them.

    A window holds exactly one WARN (its "WARNING: CPU: .. at" banner), and
    it fired in the function announced ("expect a WARNING in FUNC: WHAT";
    "f/g" when inlining may put the WARN in f or in g): the banner names
    it. Only that WARN's own report, from its banner to its end-of-trace
    line, is taken out; every other report in the window (lockdep's
    "WARNING:" banners, KASAN, BUG) stays a report.
    """
    left, i = [], 0
    while i < len(lines):
        m = EXPECT_BEGIN.search(lines[i])
        if not m:
            left.append(lines[i])
            i += 1
            continue
        where, what = m.group(1), m.group(2).strip()
        j = i + 1
        while j < len(lines) and EXPECT_END not in lines[j]:
            j += 1
        block = lines[i + 1:j]
        warns = [k for k, l in enumerate(block) if WARN_BANNER.search(l)]
        span = None
        if j == len(lines):
            status, note = 'FAIL', 'no end marker'
        elif not where:
            status, note = 'FAIL', 'the announcement names no function'
        elif len(warns) != 1:
            status, note = 'FAIL', '%d WARNINGs' % len(warns)
        else:
            span = report_span(block, warns[0], re.compile(r'---\[ end trace'))
            fired = WARN_BANNER.search(block[warns[0]]).group(2)
            if fired in where.split('/') or \
                    fired.split('.')[0] in where.split('/'):
                status, note = 'PASS', ''
            else:
                status = 'FAIL'
                note = 'the WARNING is in %s, not in %s' % (fired, where)
        res.add('harness', 'expected WARNING: ' + what, status, note)
        if status == 'PASS':
            block = drop_span(block, span[0], span[1], warns[0])
        left.extend(block)
        i = j + 1
    return left


def expected_oom_kills(lines, res):
    """Check the announced OOM kills; return the lines without the report
    of each announced kill (from "invoked oom-killer" to its "Killed
    process" line). Any other report in the window stays one."""
    left, i = [], 0
    while i < len(lines):
        m = OOM_BEGIN.search(lines[i])
        if not m:
            left.append(lines[i])
            i += 1
            continue
        what = m.group(1).strip()
        j = i + 1
        while j < len(lines) and OOM_END not in lines[j]:
            j += 1
        block = lines[i + 1:j]
        invoked = [k for k, l in enumerate(block) if OOM_INVOKED in l]
        killed = [k for k, l in enumerate(block) if OOM_KILLED.search(l)]
        if j == len(lines):
            status, note = 'FAIL', 'no end marker'
        elif len(invoked) != 1 or len(killed) != 1 or killed[0] < invoked[0]:
            status, note = 'FAIL', '%d OOM killer reports, %d kills' % (
                len(invoked), len(killed))
        else:
            status, note = 'PASS', ''
        res.add('harness', 'expected OOM kill: ' + what, status, note)
        if status == 'PASS':
            # "Out of memory: Killed process" is the report's last line.
            block = [l for k, l in enumerate(block)
                     if not (invoked[0] <= k <= killed[0] and
                             (k in (invoked[0], killed[0]) or
                              not BANNERS.search(l)))]
        left.extend(block)
        i = j + 1
    return left


def kmemleak(lines, flavor, mode, res):
    """Check the leak scan of a debug kernel; return the lines without it,
    and each leak's entry as a list of lines."""
    try:
        begin = next(i for i, l in enumerate(lines)
                     if l.startswith('MMUN-KMEMLEAK-BEGIN'))
    except StopIteration:
        if flavor.endswith('-debug') and mode in ('check', 'fuzz'):
            res.add('harness', 'kmemleak: no unreferenced object', 'FAIL',
                    'the debug kernel printed no leak scan')
        return lines, []
    end = next((i for i in range(begin + 1, len(lines))
                if lines[i].startswith('MMUN-KMEMLEAK-END')), len(lines))
    entries = []
    for l in lines[begin + 1:end]:
        if KMEMLEAK_ENTRY.search(l):
            entries.append([])
        if entries:
            entries[-1].append(l)
    if end == len(lines):
        res.add('harness', 'kmemleak: no unreferenced object', 'FAIL',
                'the scan did not end')
    elif entries:
        for e in entries:
            m = KMEMLEAK_ENTRY.search(e[0])
            frames = [f.strip() for f in e if re.match(r'^\s+\S+\+0x', f)]
            # The first frame past the allocator names the leaking caller.
            caller = next((f for f in frames if not re.match(
                r'(kmemleak_|__?kmalloc|kmem_cache_|kmalloc|__kvmalloc|'
                r'kvmalloc|slab_|__slab|kzalloc|__do_kmalloc)', f)),
                frames[0] if frames else '?')
            res.add('harness', 'kmemleak: object of %s bytes' % m.group(2),
                    'FAIL', 'allocated by ' + caller)
    else:
        res.add('harness', 'kmemleak: no unreferenced object', 'PASS')
    # Only the scan's own entries leave the log: a report printed while
    # it ran (a WARNING, a lockdep splat) is still one.
    kept = [l for l in lines[begin + 1:end]
            if not (KMEMLEAK_ENTRY.search(l) or l[:1].isspace())]
    return lines[:begin] + kept + lines[end + 1:], entries


def quote_reports(lines, limit=400):
    """Each kernel report in @lines, from its banner to its end."""
    out, i = [], 0
    while i < len(lines) and len(out) < limit:
        if not is_report(lines[i]):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and j - i < 80 and lines[j].strip():
            j += 1
            if REPORT_END.search(lines[j - 1]) and j - 1 > i:
                break
        out.extend(lines[i:j])
        out.append('')
        i = j
    return out


def manifest(path, res):
    """Everything the manifest says must run: "kunit SUITE" (a KUnit suite
    of the kernel) and "kselftest PROGRAM" lines. A suite or program with
    no result fails."""
    with open(path) as f:
        want = [l.split() for l in f.read().splitlines()
                if l.strip() and not l.startswith('#')]
    missing = []
    for kind, name in want:
        if kind == 'kunit':
            ran = any(r[0] == 'kunit: ' + name or
                      r[0].startswith('kunit: ' + name + '.') for r in res.rows)
        else:
            ran = any(r[0].startswith('kselftest: ') and
                      (r[1] == name or r[1].startswith(name + ': '))
                      for r in res.rows)
        if not ran:
            missing.append('%s %s' % (kind, name))
    for m in missing:
        res.add('harness', 'manifest: ' + m, 'FAIL', 'did not run')
    if not missing:
        res.add('harness', 'every suite and program of the manifest ran',
                'PASS', '%d of them' % len(want))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--manifest=')]
    manifests = [a[len('--manifest='):] for a in sys.argv[1:]
                 if a.startswith('--manifest=')]
    src, log, mode = args[0:3]
    results_file = args[3] if len(args) > 3 else None
    extra_files = args[4:]
    with open(log, errors='replace') as f:
        lines = f.read().splitlines()

    res = Results()
    init = next((i for i, l in enumerate(lines) if 'MMUN-INIT-START' in l),
                None)
    done = any(l.startswith('MMUN-DONE') for l in lines)
    res.add('harness', 'guest booted to init',
            'PASS' if init is not None else 'FAIL')
    why = next((l for l in lines if l.startswith(('MMUN-WATCHDOG ',
                                                   'MMUN-QEMU-EXIT '))), '')
    res.add('harness', 'guest ran the suites to the end',
            'PASS' if done else 'FAIL', why)
    for l in lines:
        if l.startswith('MMUN-STALL '):
            res.add('harness', 'guest kept making progress', 'FAIL',
                    l[len('MMUN-STALL '):])
    if any(l.startswith('MMUN-WATCHDOG-DUMP') for l in lines):
        res.add('harness', 'guest done before its watchdog dumped it', 'FAIL',
                'every CPU and task: sysrq l, t, w in the console log')
    # The guest powers off once done: a watchdog or a failed QEMU after
    # the end is a hang or a crash of its own.
    if done and why:
        res.add('harness', 'guest powered off after the suites', 'FAIL', why)
    for l in lines:
        if l.startswith('MMUN-ERROR'):
            res.add('harness', l[len('MMUN-ERROR '):], 'FAIL')

    kunit_text = kunit(src, lines[:init] if init is not None else lines, res)

    i = 0
    while i < len(lines):
        m = re.match(r'^MMUN-KSELFTEST-BEGIN (\S+)', lines[i])
        if not m:
            i += 1
            continue
        name, body, rc = m.group(1), [], 'missing'
        i += 1
        while i < len(lines):
            e = re.match(r'^MMUN-KSELFTEST-END (\S+) rc=(\d+)', lines[i])
            if e:
                rc = e.group(2)
                break
            body.append(lines[i])
            i += 1
        kselftest(name, body, rc, res)
        i += 1

    start = lines[init].split() if init is not None else []
    flavor = start[-1] if len(start) >= 3 else ''
    # Only the kernel with non-sleeping notifiers lacks a suite.
    left_out = [l[len('MMUN-LEFT-OUT '):] for l in lines
                if l.startswith('MMUN-LEFT-OUT ')]
    if left_out and '-nosleep' not in flavor:
        res.add('harness', 'no suite left out of this kernel', 'FAIL',
                'flavour %r' % flavor)
    # make mutants runs a subset of the programs: their reach is not the
    # collection's.
    subset = any(l.startswith('MMUN-SUBSET') for l in lines)
    if mode == 'check' and not subset:
        reach(src, [TIMESTAMP.sub('', l) for l in lines], flavor, res,
              os.path.join(os.path.dirname(results_file),
                           'reach-' + mode + '.txt') if results_file else None)

    for extra_file in extra_files:
        if not os.path.exists(extra_file):
            continue
        with open(extra_file) as f:
            for row in f.read().splitlines():
                suite, name, status, note = (row.split('\t') + [''] * 4)[:4]
                res.add(suite, name, status, note)

    for path in manifests:
        manifest(path, res)

    lines, leaks = kmemleak(lines, flavor, mode, res)
    # The stock core logs every refusal.
    if not flavor.startswith('stock'):
        refusals_ratelimited(lines, res)
    left = expected_warnings(expected_oom_kills(lines, res), res)
    reports = [l for l in left if is_report(l)]
    res.add('harness', 'console free of kernel warnings and lock reports',
            'FAIL' if reports else 'PASS',
            '%d report lines, first: %s' % (len(reports), reports[0].strip())
            if reports else '')

    if mode == 'demo':
        for l in lines:
            if 'Linux version' in l or l.startswith('MMUN-ENV'):
                print(TIMESTAMP.sub('', l).replace('MMUN-ENV', 'guest:'))
        # Every KUnit case goes to a file; the table below has a line a
        # suite.
        if results_file:
            kunit_file = os.path.join(os.path.dirname(results_file),
                                      'kunit-' + mode + '.txt')
            with open(kunit_file, 'w') as f:
                f.write('\n'.join(l for l in kunit_text.splitlines()
                                  if 'Test results stored in' not in l)
                        + '\n')
            print('KUnit, every case: ' + kunit_file)
    suites = []
    for r in res.rows:
        if r[0] not in suites:
            suites.append(r[0])
    width = max(len(s) for s in suites)
    print('\n%-*s  %6s  %6s  %7s' % (width, 'suite', 'passed', 'failed',
                                     'skipped'))
    for s in suites:
        print('%-*s  %6d  %6d  %7d' % (width, s, res.count('PASS', s),
                                         res.count('FAIL', s),
                                         res.count('SKIP', s)))
    bad = [r for r in res.rows if r[2] != 'PASS']
    if bad:
        print('\nNot passed:')
        for suite, name, status, note in bad:
            print('  %-4s %s: %s%s' % (status, suite, name,
                                       ' (' + note + ')' if note else ''))
    if left_out:
        print('\nLeft out of this kernel (not run, not counted):')
        for l in left_out:
            print('  ' + l)
    if reports:
        print('\nKernel reports in the console log (%s):' % log)
        for l in quote_reports(left):
            print('  ' + l)
    for e in leaks[:20]:
        print('\nkmemleak (%s):' % log)
        for l in e[:40]:
            print('  ' + l)
    if results_file:
        with open(results_file, 'w') as f:
            for r in res.rows:
                f.write('\t'.join(r) + '\n')
    passed, failed, skipped = (res.count('PASS'), res.count('FAIL'),
                               res.count('SKIP'))
    # The series' tests apart from the checks of its code.
    print()
    for what, pick in (('tests (KUnit, kselftests, harness)',
                        lambda r: not r[0].startswith(('review', 'compat'))),
                       ('review checks', lambda r: r[0].startswith('review')),
                       ('compile check of the users',
                        lambda r: r[0].startswith('compat'))):
        rows = [r for r in res.rows if pick(r)]
        if rows:
            print('%-36s %d passed, %d failed, %d skipped' % (
                what + ':', sum(r[2] == 'PASS' for r in rows),
                sum(r[2] == 'FAIL' for r in rows),
                sum(r[2] == 'SKIP' for r in rows)))
    print('\n%d passed, %d failed, %d skipped' % (passed, failed, skipped))
    return 1 if failed or skipped else 0


if __name__ == '__main__':
    sys.exit(main())
