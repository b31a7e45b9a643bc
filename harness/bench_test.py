#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of harness/bench.py on made-up console logs.

    bench_test.py

Every way a benchmark boot can go wrong must stop "make bench" with a
reason, and a good pair of logs must give the table with the right
ratios and verdicts. Prints one line a case; exits 1 if any case fails.
"""
import json
import os
import subprocess
import sys
import tempfile

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'bench.py')


def log(flavor, results, end='MMUN-BENCH-END rc=0', extra=()):
    lines = ['[    0.000000] Linux version 6.12.117',
             'MMUN-INIT-START 6.12.117 %s' % flavor,
             'MMUN-BENCH-BEGIN -r 3 -s 1']
    lines += list(extra)
    lines += ['MNB-RESULT %s' % r for r in results]
    if end:
        lines.append(end)
    lines.append('MMUN-DONE')
    return '\n'.join(lines) + '\n'


STOCK = ['callout-kernel n=1 ns 400 410 390',
         'unregister vmas=1000 us 300 320 310',
         'munmap-refault notifier=1 MiB/s 200 210 190']
OURS = ['callout-kernel n=1 ns 180 190 170',
        'unregister vmas=1000 us 900 950 910',
        'munmap-refault notifier=1 MiB/s 205 215 195']


def run(tmp, logs):
    args = [sys.executable, BENCH, '--out', tmp, '--no-plot']
    for i, (label, text) in enumerate(logs):
        path = os.path.join(tmp, 'log%d' % i)
        with open(path, 'w') as f:
            f.write(text)
        args.append('%s=%s' % (label, path))
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main():
    cases = []

    def case(name, logs, want_rc, want_text):
        cases.append((name, logs, want_rc, want_text))

    case('a good pair gives the table', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('ours', OURS))],
        0, '| Callout pair, kernel loop: 1 notifier | ns | 400 [390-410] | '
        '180 [170-190] | 0.450 | ≤ 0.5 | met |')
    case('a slow figure is reported, not failed', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('ours', OURS))],
        0, '| Unregister, 1,000 VMAs | µs | 310 [300-320] | 910 [900-950] | '
        '2.935 | ≤ 0.1 | missed |')
    case('logs of one kernel and pass are pooled', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('ours', OURS)),
        ('stock@tcg', log('stock', ['callout-kernel n=1 ns 1000',
                                    'unregister vmas=1000 us 1',
                                    'munmap-refault notifier=1 MiB/s 1'])),
        ('ours@tcg', log('ours', OURS))],
        0, '405 [390-1,000]')
    case('both passes give a table each', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('ours', OURS)),
        ('stock@icount', log('stock', STOCK)),
        ('ours@icount', log('ours', OURS))],
        0, '## Instruction clock')
    case('a program that did not finish fails', [
        ('stock@tcg', log('stock', STOCK)),
        ('ours@tcg', log('ours', OURS[:1], end=None))],
        1, 'did not finish')
    case('a program that failed fails', [
        ('stock@tcg', log('stock', STOCK)),
        ('ours@tcg', log('ours', OURS, end='MMUN-BENCH-END rc=1'))],
        1, 'rc=1')
    case('a kernel warning fails', [
        ('stock@tcg', log('stock', STOCK)),
        ('ours@tcg', log('ours', OURS, extra=[
            '[   12.5] WARNING: CPU: 0 PID: 1 at mm/mmu_notifier.c:300']))],
        1, 'WARNING: CPU: 0')
    case('a hung guest fails', [
        ('stock@tcg', log('stock', STOCK)),
        ('ours@tcg', log('ours', OURS, extra=[
            'MMUN-WATCHDOG guest still running after 900s, killed']))],
        1, 'MMUN-WATCHDOG')
    case('a figure of one kernel only fails', [
        ('stock@tcg', log('stock', STOCK)),
        ('ours@tcg', log('ours', OURS[:2]))],
        1, 'measured on one kernel only')
    case('a log of the other kernel fails', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('stock', OURS))],
        1, 'is of the stock kernel, not ours')
    case('a missing kernel fails', [('stock@tcg', log('stock', STOCK))],
         1, 'no log of the ours kernel')
    case('a log without results fails', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('ours', []))],
        1, 'no MNB-RESULT lines')
    case('a bad label fails', [('mine@tcg', log('ours', OURS))],
         1, 'a log is given as')
    case('the non-sleeping kernel gets a table of n against y', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('ours', OURS)),
        ('ours-nosleep@tcg', log('ours-nosleep', [
            'munmap-refault notifier=1 MiB/s 246 258 234']))],
        0, '| munmap + refault 256 MiB: KVM-like notifier | MiB/s | '
        '205 [195-215] | 246 [234-258] | 1.200 |')
    case('a figure of the non-sleeping kernel only fails', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('ours', OURS)),
        ('ours-nosleep@tcg', log('ours-nosleep', [
            'fork-exit notifier=0 per-s 100']))],
        1, 'measured on ours-nosleep only')
    case('a log of the sleeping kernel as ours-nosleep fails', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('ours', OURS)),
        ('ours-nosleep@tcg', log('ours', OURS))],
        1, 'is of the ours kernel, not ours-nosleep')
    lat = ['preemptoff register-vmas=100000 us 30 31 29',
           'preemptoff unregister-vmas=100000 us 30 31 29',
           'preemptoff rmap-walk-257 us 20 21 19']
    lat_n = ['preemptoff register-vmas=100000 us 900 1200 950',
             'preemptoff unregister-vmas=100000 us 900 950 920',
             'preemptoff rmap-walk-257 us 400 410 390']
    case('the latency pass gives n against y, the bound on the largest n', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('ours', OURS)),
        ('ours@latency', log('ours', lat)),
        ('ours-nosleep@latency', log('ours-nosleep', lat_n))],
        0, '| Longest preempt-off section: register, 100,000 VMAs | µs | '
        '30.0 [29.0-31.0] | 950 [900-1,200] | ≤ 1,000 µs | over |')
    case('a latency pass of one build only fails', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('ours', OURS)),
        ('ours@latency', log('ours', lat))],
        1, 'latency pass: no log of the ours-nosleep kernel')
    case('a latency figure missing on one build fails', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('ours', OURS)),
        ('ours@latency', log('ours', lat)),
        ('ours-nosleep@latency', log('ours-nosleep', lat_n[:2]))],
        1, 'rmap-walk-257 missing on ours-nosleep')
    case('a latency log of the stock kernel fails', [
        ('stock@tcg', log('stock', STOCK)), ('ours@tcg', log('ours', OURS)),
        ('stock@latency', log('stock', lat))],
        1, 'the latency pass is of ours and ours-nosleep only')
    sweep = ['register vmas=10000 us 100 100', 'register vmas=100000 us 1000 1000',
             'sweep vmas=10000-walk ns 155 155']
    case('the instruction clock gives the costs per VMA', [
        ('stock@icount', log('stock', sweep)),
        ('ours@icount', log('ours', [
            'register vmas=10000 us 50 50', 'register vmas=100000 us 500 500',
            'sweep vmas=10000-walk ns 150 150']))],
        0, '| register, per VMA (10,000 to 100,000 VMAs) | 10 | 5 |')

    failed = 0
    for name, logs, want_rc, want_text in cases:
        with tempfile.TemporaryDirectory() as tmp:
            rc, out = run(tmp, logs)
            ok = rc == want_rc and want_text in out
            if ok and rc == 0:
                with open(os.path.join(tmp, 'bench.json')) as f:
                    ok = bool({'tcg', 'icount'} & set(json.load(f)))
        print('%s %s' % ('ok' if ok else 'FAILED', name))
        if not ok:
            failed += 1
            print('    rc %d, wanted %d and %r; output:' % (rc, want_rc, want_text))
            print('\n'.join('    ' + l for l in out.splitlines()))
    print('%d of %d cases passed' % (len(cases) - failed, len(cases)))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
