#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the benchmark figures of the stock and the patched kernel.

    bench.py --out DIR [options] KERNEL=CONSOLE_LOG...

Reads the MNB-RESULT lines that tools/testing/selftests/mmu_notifier/bench
printed on each guest's console (KERNEL is "stock" or "ours"; several logs
of one kernel are pooled), and writes DIR/bench.md (the table), DIR/bench.png
(register and unregister latency against the number of VMAs) and
DIR/bench.json (every value). Prints the table.

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


def plot(path, data):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    styles = {('stock', 'register'): ('tab:blue', 'o', '--'),
              ('ours', 'register'): ('tab:blue', 'o', '-'),
              ('stock', 'unregister'): ('tab:red', 's', '--'),
              ('ours', 'unregister'): ('tab:red', 's', '-')}
    for (kernel, figure), (color, marker, line) in styles.items():
        xs, ys, lo, hi = [], [], [], []
        for (fig_, param), (unit, vals) in sorted(
                data[kernel].items(), key=lambda kv: kv[0][1]):
            if fig_ != figure:
                continue
            n = int(param.split('=')[1])
            med = statistics.median(vals)
            xs.append(n)
            ys.append(med)
            lo.append(med - min(vals))
            hi.append(max(vals) - med)
        if not xs:
            continue
        order = sorted(range(len(xs)), key=lambda i: xs[i])
        ax.errorbar([xs[i] for i in order], [ys[i] for i in order],
                    yerr=[[lo[i] for i in order], [hi[i] for i in order]],
                    color=color, marker=marker, linestyle=line, capsize=3,
                    label='%s, %s core' % (figure, kernel))
    ax.set_xscale('log')
    ax.set_yscale('log')
    ax.set_xlabel('VMAs in the mm')
    ax.set_ylabel('latency (µs), median and min-max')
    ax.set_title('MMU notifier registration against mm size')
    ax.grid(True, which='both', alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--kernel-version', default='?')
    ap.add_argument('--rounds', default='?')
    ap.add_argument('--repeats', default='?')
    ap.add_argument('--scale', default='1')
    ap.add_argument('--no-plot', action='store_true')
    ap.add_argument('logs', nargs='+')
    args = ap.parse_args()

    data = {'stock': {}, 'ours': {}}
    for spec in args.logs:
        kernel, _, path = spec.partition('=')
        if kernel not in data or not path:
            fail('a log is given as stock=PATH or ours=PATH, not %r' % spec)
        for key, (unit, vals) in parse_log(path, kernel).items():
            old = data[kernel].setdefault(key, (unit, []))
            old[1].extend(vals)
    for kernel in data:
        if not data[kernel]:
            fail('no log of the %s kernel' % kernel)
    keys = set(data['stock']) | set(data['ours'])
    for key in sorted(keys):
        for kernel in data:
            if key not in data[kernel]:
                fail('%s %s: measured on one kernel only' % key)

    known = [(r[0], r[1]) for r in ROWS]
    rows = [r for r in ROWS if (r[0], r[1]) in keys]
    rows += [(f, p, '%s %s' % (f, p), None) for f, p in sorted(keys)
             if (f, p) not in known]

    accel = 'KVM' if os.environ.get('MMUN_KVM') == '1' else 'TCG (-cpu max)'
    cpu = '?'
    try:
        for l in open('/proc/cpuinfo'):
            if l.startswith('model name'):
                cpu = l.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    head = [
        '# MMU notifier core: ours against stock %s' % args.kernel_version,
        '',
        '- Date: %s' % datetime.date.today().isoformat(),
        '- Host: %s, %d CPUs, %s' % (cpu, os.cpu_count() or 0, platform.machine()),
        '- Guest: QEMU %s, 2 vCPUs on 2 NUMA nodes, 2 GiB; benchmark kernels '
        '(harness/bench.config: no lock debugging)' % accel,
        '- Method: %s boots of each kernel, alternated; %s repetitions a boot '
        '(scale %s); median [min-max] over all of them. Ratio = ours/stock '
        'of the medians; for /s and MiB/s higher is better, for times lower.'
        % (args.rounds, args.repeats, args.scale),
        '',
        '| Figure | Unit | stock | ours | ours/stock | Target | |',
        '|---|---|---|---|---|---|---|',
    ]
    table = []
    summary = {}
    for fig, param, label, target in rows:
        unit = data['stock'][(fig, param)][0]
        cells = []
        med = {}
        for kernel in ('stock', 'ours'):
            vals = data[kernel][(fig, param)][1]
            med[kernel] = statistics.median(vals)
            cells.append('%s [%s-%s]' % (fmt(med[kernel]), fmt(min(vals)),
                                         fmt(max(vals))))
        ratio = med['ours'] / med['stock'] if med['stock'] else float('inf')
        tgt, verdict = judge(target, ratio)
        summary['%s %s' % (fig, param)] = {
            'unit': unit, 'stock': data['stock'][(fig, param)][1],
            'ours': data['ours'][(fig, param)][1], 'ratio': ratio,
            'target': tgt, 'verdict': verdict}
        table.append('| %s | %s | %s | %s | %.3f | %s | %s |' % (
            label, UNITS.get(unit, unit), cells[0], cells[1], ratio, tgt,
            verdict))

    met = sum(1 for s in summary.values() if s['verdict'] == 'met')
    missed = [k for k, s in summary.items() if s['verdict'] == 'missed']
    tail = ['', 'Targets: %d met, %d missed%s' % (
        met, len(missed), (' (' + ', '.join(missed) + ')') if missed else '')]
    md = '\n'.join(head + table + tail) + '\n'

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'bench.md'), 'w') as f:
        f.write(md)
    with open(os.path.join(args.out, 'bench.json'), 'w') as f:
        json.dump(summary, f, indent=1, ensure_ascii=False)
    if not args.no_plot and any(k[0] in ('register', 'unregister') for k in keys):
        plot(os.path.join(args.out, 'bench.png'), data)
    print(md, end='')
    print('table: %s, plot: %s' % (os.path.join(args.out, 'bench.md'),
                                   os.path.join(args.out, 'bench.png')))


if __name__ == '__main__':
    main()
