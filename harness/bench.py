#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the benchmark figures of the stock and the patched kernel.

    bench.py --out DIR [options] KERNEL@PASS=CONSOLE_LOG...

Reads the MNB-RESULT lines that tools/testing/selftests/mmu_notifier/bench
printed on each guest's console. KERNEL is "stock", "ours" or
"ours-nosleep" (ours with CONFIG_MMU_NOTIFIER_SLEEPABLE=n, optional: it
adds a table of n against y for the figures it ran); PASS is
"tcg" (timed with the guest clock under plain TCG) or "icount" (QEMU's
instruction-counting clock); the logs of one kernel and pass are pooled.
Writes DIR/bench.md (a table for each pass), DIR/bench.png (register and
unregister latency against the number of VMAs) and DIR/bench.json (every
value). Prints the tables.

Exits 1 if a log shows that a benchmark did not run to its end: no
MMUN-BENCH-END rc=0, a kernel splat, a watchdog, a missing figure.
Slow figures are reported, never failed: targets are shown as met or not.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import sys

# (figure, parameter, label, target). A target is (op, value) on the ratio
# ours/stock of the medians: '<=' and '>=' bound it, 'within' bounds its
# distance from 1.
ROWS = [
    ('callout-kernel', 'n=0', 'Callout pair, kernel loop: no notifier ever', None),
    ('callout-kernel', 'n=1', 'Callout pair, kernel loop: 1 notifier', ('<=', 0.5)),
    ('callout-kernel', 'n=4', 'Callout pair, kernel loop: 4 notifiers', None),
    ('callout-kernel', 'n=16', 'Callout pair, kernel loop: 16 notifiers', None),
    ('callout-kernel', 'n=0-after', 'Callout pair, kernel loop: 0, all unregistered', None),
    ('callout-kernel', 'n=1-kvm', 'Callout pair, kernel loop: 1 KVM-like notifier', None),
    ('callout-mprotect', 'n=0', 'mprotect() of 1 page: no notifier ever', None),
    ('callout-mprotect', 'n=1', 'mprotect() of 1 page: 1 notifier', None),
    ('callout-mprotect', 'n=4', 'mprotect() of 1 page: 4 notifiers', None),
    ('callout-mprotect', 'n=16', 'mprotect() of 1 page: 16 notifiers', None),
    ('callout-mprotect', 'n=0-after', 'mprotect() of 1 page: 0, all unregistered', None),
    ('callout-mprotect', 'n=1-kvm', 'mprotect() of 1 page: 1 KVM-like notifier', None),
] + [
    ('register', 'vmas=%d' % v, 'Register, %s VMAs' % format(v, ','), ('<=', 1.0))
    for v in (10, 100, 1000, 10000, 100000)
] + [
    ('unregister', 'vmas=%d' % v, 'Unregister, %s VMAs' % format(v, ','),
     ('<=', 0.1) if v == 1000 else None)
    for v in (10, 100, 1000, 10000, 100000)
] + [
    ('put-sync', 'vmas=%d' % v,
     'Last put + synchronize, %s VMAs' % format(v, ','), None)
    for v in (10, 100, 1000, 10000, 100000)
] + [
    (fig, 'vmas=%d' % v, '%s, %s VMAs, another mm busy' % (what, format(v, ',')),
     None)
    for fig, what in (('register-busy', 'Register'),
                      ('unregister-busy', 'Unregister'),
                      ('put-sync-busy', 'Last put + synchronize'))
    for v in (100, 1000, 10000, 100000)
] + [
    ('sweep', 'vmas=10000-take-drop',
     'Lock sweep (take + drop all locks), per VMA, 10,000 VMAs', None),
    ('sweep', 'vmas=10000-wait-out',
     'Waiting out each lock in turn, per VMA, 10,000 VMAs', None),
    ('sweep', 'vmas=10000-walk', 'A bare walk of the VMAs, per VMA', None),
] + [
    ('exit', 'vmas=%d%s' % (v, k),
     'Exit, %s VMAs: %s' % (format(v, ','), what),
     ('<=', 2.0) if v == 10000 else None)
    for v in (100, 10000, 100000)
    for k, what in (('', 'no notifier'), ('+kvm', 'KVM-like notifier'))
] + [
    ('exit-16', 'vmas=10000', '16 exits at once, 10,000 VMAs each: no notifier',
     None),
    ('exit-16', 'vmas=10000+kvm',
     '16 exits at once, 10,000 VMAs each: KVM-like notifier', None),
    ('oom-reap', 'notifier=0', 'OOM reap of 1 GiB (process_mrelease): no notifier',
     None),
    ('oom-reap', 'notifier=1',
     'OOM reap of 1 GiB (process_mrelease): KVM-like notifier', None),
] + [
    ('get-put', 'cycle', 'get + put + synchronize cycles', None),
    ('get-put', 'get', 'mmu_notifier_get()', None),
    ('get-put', 'put', 'mmu_notifier_put()', None),
    ('get-put', 'synchronize', 'mmu_notifier_synchronize()', None),
    ('munmap-refault', 'notifier=0', 'munmap + refault 256 MiB: no notifier', ('within', 0.02)),
    ('munmap-refault', 'notifier=1', 'munmap + refault 256 MiB: KVM-like notifier', ('>=', 1.0)),
    ('mprotect-toggle', 'notifier=0', 'mprotect 256 MiB: no notifier', ('within', 0.02)),
    ('mprotect-toggle', 'notifier=1', 'mprotect 256 MiB: KVM-like notifier', ('>=', 1.0)),
    ('fork-exit', 'notifier=0', 'fork + exit, 64 MiB: no notifier', None),
    ('fork-exit', 'notifier=1', 'fork + exit, 64 MiB: KVM-like notifier', None),
    ('reclaim-shared', 'notifier=0',
     'reclaim of 32 MiB shared with 16 children: no notifier', None),
    ('reclaim-shared', 'notifier=1',
     'reclaim of 32 MiB shared with 16 children: KVM-like notifier', None),
]
KERNELS = ('stock', 'ours', 'ours-nosleep')

# The latency pass: ours built both ways with the preemptoff tracer, n
# against y (the stock core has no SLEEPABLE choice).
LATENCY_ROWS = [
    ('preemptoff', 'register-vmas=100000',
     'Longest preempt-off section: register, 100,000 VMAs', ('<=', 1000.0)),
    ('preemptoff', 'unregister-vmas=100000',
     'Longest preempt-off section: unregister, 100,000 VMAs', ('<=', 1000.0)),
    ('preemptoff', 'rmap-walk-257',
     'Longest preempt-off section: migrating a page 257 processes map',
     ('<=', 1000.0)),
]

UNITS = {'ns': 'ns', 'us': 'µs', 'MiB/s': 'MiB/s', 'per-s': '/s'}
HIGHER_IS_BETTER = {'MiB/s', 'per-s'}
SPLAT = re.compile(r'(Kernel panic|BUG: |WARNING: |Oops|general protection|'
                   r'possible circular locking|MMUN-WATCHDOG|MMUN-QEMU-EXIT)')
RESULT = re.compile(r'^MNB-RESULT (\S+) (\S+) (\S+)((?: \S+)+)$')


def fail(msg):
    print('bench: %s' % msg, file=sys.stderr)
    sys.exit(1)


def parse_log(path, kernel):
    """Returns {(figure, param): (unit, [values])} of one console log."""
    try:
        text = open(path, errors='replace').read()
    except OSError as e:
        fail('%s: %s' % (path, e))
    lines = text.splitlines()
    start = [l for l in lines if l.startswith('MMUN-INIT-START ')]
    if not start:
        fail('%s: the guest never started its init' % path)
    flavor = start[0].split()[-1]
    if flavor != kernel:
        fail('%s: the log is of the %s kernel, not %s' % (path, flavor, kernel))
    for l in lines:
        m = SPLAT.search(l)
        if m:
            fail('%s: %s' % (path, l.strip()))
    end = [l for l in lines if l.startswith('MMUN-BENCH-END ')]
    if end != ['MMUN-BENCH-END rc=0']:
        tail = '\n'.join('    ' + l for l in lines[-15:])
        fail('%s: the benchmark program did not finish (%s); the log ends:\n%s'
             % (path, end[0] if end else 'no MMUN-BENCH-END', tail))
    out = {}
    for l in lines:
        m = RESULT.match(l)
        if not m:
            continue
        fig, param, unit, vals = m.groups()
        out[(fig, param)] = (unit, [float(v) for v in vals.split()])
    if not out:
        fail('%s: no MNB-RESULT lines' % path)
    return out


def fmt(v):
    if v >= 100:
        return format(round(v), ',')
    if v >= 10:
        return '%.1f' % v
    return '%.2f' % v


def judge(target, ratio):
    if not target:
        return '', ''
    op, val = target
    if op == '<=':
        return '≤ %g' % val, 'met' if ratio <= val else 'missed'
    if op == '>=':
        return '≥ %g' % val, 'met' if ratio >= val else 'missed'
    return '1 ± %g' % val, 'met' if abs(ratio - 1) <= val else 'missed'


PASSES = {
    'tcg': 'Guest clock under TCG',
    'icount': 'Instruction clock (QEMU -icount, 1 instruction = 1 ns)',
}
LATENCY = 'latency'


def plot(path, data):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    passes = [p for p in PASSES if p in data]
    fig, axes = plt.subplots(1, len(passes), figsize=(6.5 * len(passes), 4.8),
                             dpi=110, squeeze=False)
    styles = {('stock', 'register'): ('tab:blue', 'o', '--'),
              ('ours', 'register'): ('tab:blue', 'o', '-'),
              ('stock', 'unregister'): ('tab:red', 's', '--'),
              ('ours', 'unregister'): ('tab:red', 's', '-')}
    for ax, pass_ in zip(axes[0], passes):
        for (kernel, figure), (color, marker, line) in styles.items():
            points = []
            for (fig_, param), (unit, vals) in data[pass_][kernel].items():
                if fig_ != figure:
                    continue
                med = statistics.median(vals)
                points.append((int(param.split('=')[1]), med,
                               med - min(vals), max(vals) - med))
            if not points:
                continue
            points.sort()
            ax.errorbar([p[0] for p in points], [p[1] for p in points],
                        yerr=[[p[2] for p in points], [p[3] for p in points]],
                        color=color, marker=marker, linestyle=line, capsize=3,
                        label='%s, %s core' % (figure, kernel))
        ax.set_xscale('log')
        ax.set_yscale('log')
        ax.set_xlabel('VMAs in the mm')
        ax.set_ylabel('latency (µs): median, min-max')
        ax.set_title(PASSES[pass_], fontsize=10)
        ax.grid(True, which='both', alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle('MMU notifier (un)registration against mm size')
    fig.tight_layout()
    fig.savefig(path)


def cell(vals):
    """median [min-max] of one figure's values."""
    return '%s [%s-%s]' % (fmt(statistics.median(vals)), fmt(min(vals)),
                           fmt(max(vals)))


def table(data, rows, base='stock', new='ours'):
    """The markdown rows of one pass, and a summary of each row: kernel
    @new against kernel @base."""
    out, summary = [], {}
    for fig, param, label, target in rows:
        unit = data[base][(fig, param)][0]
        cells, med = [], {}
        for kernel in (base, new):
            vals = data[kernel][(fig, param)][1]
            med[kernel] = statistics.median(vals)
            cells.append(cell(vals))
        ratio = med[new] / med[base] if med[base] else float('inf')
        tgt, verdict = judge(target, ratio)
        summary['%s %s' % (fig, param)] = {
            'unit': unit, base: data[base][(fig, param)][1],
            new: data[new][(fig, param)][1], 'ratio': ratio,
            'target': tgt, 'verdict': verdict}
        out.append('| %s | %s | %s | %s | %.3f | %s | %s |' % (
            label, UNITS.get(unit, unit), cells[0], cells[1], ratio, tgt,
            verdict))
    return out, summary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--kernel-version', default='?')
    ap.add_argument('--rounds', default='?')
    ap.add_argument('--repeats', default='?')
    ap.add_argument('--icount-repeats', default='?')
    ap.add_argument('--scale', default='1')
    ap.add_argument('--no-plot', action='store_true')
    ap.add_argument('logs', nargs='+')
    args = ap.parse_args()

    data = {}
    for spec in args.logs:
        label, _, path = spec.partition('=')
        kernel, _, pass_ = label.partition('@')
        pass_ = pass_ or 'tcg'
        if kernel not in KERNELS or not path or (
                pass_ not in PASSES and pass_ != LATENCY):
            fail('a log is given as KERNEL@PASS=PATH, KERNEL stock, ours or '
                 'ours-nosleep, PASS tcg, icount or latency, not %r' % spec)
        if pass_ == LATENCY and kernel == 'stock':
            fail('the latency pass is of ours and ours-nosleep only')
        kdata = data.setdefault(pass_, {} if pass_ == LATENCY else
                                {'stock': {}, 'ours': {}})
        kdata = kdata.setdefault(kernel, {})
        for key, (unit, vals) in parse_log(path, kernel).items():
            kdata.setdefault(key, (unit, []))[1].extend(vals)

    known = [(r[0], r[1]) for r in ROWS]
    accel = 'KVM' if os.environ.get('MMUN_KVM') == '1' else 'TCG (-cpu max)'
    cpu = '?'
    try:
        for l in open('/proc/cpuinfo'):
            if l.startswith('model name'):
                cpu = l.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    md = [
        '# MMU notifier core: ours against stock %s' % args.kernel_version,
        '',
        '- Date: %s' % datetime.date.today().isoformat(),
        '- Host: %s, %d CPUs, %s' % (cpu, os.cpu_count() or 0, platform.machine()),
        '- Guest: QEMU %s, 2 vCPUs on 2 NUMA nodes, 2 GiB; the benchmark '
        'program pinned to CPU 0; benchmark kernels (harness/bench.config: '
        'no lock debugging, -O2)' % accel,
        '- Method: median [min-max] of every repetition; ratio = ours/stock '
        'of the medians; for /s and MiB/s higher is better, for times lower. '
        'The guest is emulated, so ratios matter and absolute times do not.',
    ]
    summary = {}
    for pass_ in PASSES:
        if pass_ not in data:
            continue
        d = data[pass_]
        for kernel in d:
            if not d[kernel]:
                fail('%s pass: no log of the %s kernel' % (pass_, kernel))
        keys = set(d['stock']) | set(d['ours'])
        for key in sorted(keys):
            for kernel in ('stock', 'ours'):
                if key not in d[kernel]:
                    fail('%s pass: %s %s measured on one kernel only'
                         % ((pass_,) + key))
        rows = [r for r in ROWS if (r[0], r[1]) in keys]
        rows += [(f, p, '%s %s' % (f, p), None) for f, p in sorted(keys)
                 if (f, p) not in known]
        if pass_ == 'tcg':
            how = ('%s boot%s of each kernel, alternated, %s repetitions a '
                   'boot (scale %s)' % (args.rounds,
                                        '' if args.rounds == '1' else 's',
                                        args.repeats, args.scale))
        else:
            how = ('one boot of each kernel, %s repetitions (scale %s); '
                   'deterministic, so min and max meet'
                   % (args.icount_repeats, args.scale))
        lines, summ = table(d, rows)
        met = sum(1 for v in summ.values() if v['verdict'] == 'met')
        missed = [k for k, v in summ.items() if v['verdict'] == 'missed']
        md += ['', '## %s' % PASSES[pass_], '', how, '',
               '| Figure | Unit | stock | ours | ours/stock | Target | |',
               '|---|---|---|---|---|---|---|'] + lines + [
               '', 'Targets: %d met, %d missed%s' % (
                   met, len(missed),
                   (' (' + ', '.join(missed) + ')') if missed else '')]
        summary[pass_] = summ
        if 'ours-nosleep' in d:
            nkeys = set(d['ours-nosleep'])
            for key in sorted(nkeys - set(d['ours'])):
                fail('%s pass: %s %s measured on ours-nosleep only'
                     % ((pass_,) + key))
            nrows = [r for r in rows if (r[0], r[1]) in nkeys]
            nlines, nsumm = table(d, [r[:3] + (None,) for r in nrows],
                                  'ours', 'ours-nosleep')
            md += ['', '### %s: CONFIG_MMU_NOTIFIER_SLEEPABLE n against y'
                   % PASSES[pass_], '',
                   'The patched kernel built both ways, same boots and '
                   'method; ratio = n/y of the medians.', '',
                   '| Figure | Unit | y (sleeping anon_vma lock) | '
                   'n (spinning) | n/y | | |',
                   '|---|---|---|---|---|---|---|'] + nlines
            summary[pass_ + '-sleepable'] = nsumm
    # Per-VMA costs on the instruction clock, computed from the rows
    # above: what a reviewer of a lock sweep asks first.
    ic = data.get('icount')
    if ic and all(k in ic for k in ('stock', 'ours')):
        def med(kernel, fig, param):
            v = ic[kernel].get((fig, param))
            return statistics.median(v[1]) if v else None
        out = []
        for fig in ('register', 'unregister', 'put-sync'):
            cells = []
            for kernel in ('stock', 'ours'):
                a = med(kernel, fig, 'vmas=10000')
                b = med(kernel, fig, 'vmas=100000')
                cells.append('%.0f' % ((b - a) * 1e3 / 90000)
                             if a is not None and b is not None else '-')
            out.append('| %s, per VMA (10,000 to 100,000 VMAs) | %s | %s |'
                       % (fig, cells[0], cells[1]))
        for param, what in (('vmas=10000-take-drop',
                             'mm_take_all_locks() + mm_drop_all_locks()'),
                            ('vmas=10000-wait-out',
                             'one walk taking and dropping each lock'),
                            ('vmas=10000-walk', 'a bare walk of the maple tree')):
            cells = ['%.0f' % m if m is not None else '-'
                     for m in (med('stock', 'sweep', param),
                               med('ours', 'sweep', param))]
            out.append('| %s, per VMA at 10,000 VMAs | %s | %s |'
                       % (what, cells[0], cells[1]))
        md += ['', '### Instructions per VMA', '',
               'From the instruction-clock rows above (1 ns = 1 '
               'instruction): the slope of each figure between 10,000 and '
               '100,000 VMAs, and the sweep against what it cannot do '
               'without (the sweep figure).', '',
               '| What | stock | ours |', '|---|---|---|'] + out
    if LATENCY in data:
        d = data[LATENCY]
        for kernel in ('ours', 'ours-nosleep'):
            if not d.get(kernel):
                fail('latency pass: no log of the %s kernel' % kernel)
        for row in LATENCY_ROWS:
            for kernel in ('ours', 'ours-nosleep'):
                if (row[0], row[1]) not in d[kernel]:
                    fail('latency pass: %s %s missing on %s'
                         % (row[0], row[1], kernel))
        # The bound is absolute (µs), not a ratio: judged on n alone.
        lines = []
        summ = {}
        for fig, param, label, target in LATENCY_ROWS:
            cells = [cell(d[kernel][(fig, param)][1])
                     for kernel in ('ours', 'ours-nosleep')]
            verdict = 'met' if max(d['ours-nosleep'][(fig, param)][1]) <= \
                target[1] else 'over'
            summ['%s %s' % (fig, param)] = {
                'unit': 'us', 'ours': d['ours'][(fig, param)][1],
                'ours-nosleep': d['ours-nosleep'][(fig, param)][1],
                'bound': target[1], 'verdict': verdict}
            lines.append('| %s | µs | %s | %s | ≤ %s µs | %s |' % (
                label, cells[0], cells[1], fmt(target[1]), verdict))
        md += ['', '## Preemption-off sections: CONFIG_MMU_NOTIFIER_SLEEPABLE '
               'n against y', '',
               'ours built both ways with CONFIG_PREEMPT=y and the kernel\'s '
               'preemptoff tracer (harness/latency.config), one boot each '
               'under the instruction clock (1 instruction = 1 ns); the '
               'longest section of the whole guest during each step, from '
               'tracing_max_latency; the bound (1 ms) is judged on the '
               'largest n value.', '',
               '| Figure | Unit | y (sleeping anon_vma lock) | n (spinning) '
               '| Bound | |',
               '|---|---|---|---|---|---|'] + lines
        summary[LATENCY] = summ
    md = '\n'.join(md) + '\n'

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'bench.md'), 'w') as f:
        f.write(md)
    with open(os.path.join(args.out, 'bench.json'), 'w') as f:
        json.dump(summary, f, indent=1, ensure_ascii=False)
    png = os.path.join(args.out, 'bench.png')
    where = 'table: %s' % os.path.join(args.out, 'bench.md')
    if not args.no_plot and any(k[0] in ('register', 'unregister')
                                for d in data.values() for k in d['stock']):
        plot(png, data)
        where += ', plot: %s' % png
    print(md, end='')
    print(where)


if __name__ == '__main__':
    main()
