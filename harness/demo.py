#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The demonstration of "make": a table from the MMUN-DEMO lines that
tools/testing/selftests/mmu_notifier/demo.c prints in the guest.

    demo.py CONSOLE_LOG OUT_TSV [STOCK_TSV]

Writes the steps to OUT_TSV, prints one table a step and, where STOCK_TSV
(the same demonstration on the stock kernel, "make demo KERNEL=stock")
exists, the stock core's figures beside ours. Exits 1 if the device kept
a stale entry, dropped one only after its page was freed, a start had no
end, or the program reported an error.
"""
import os
import sys

from report import TIMESTAMP


def parse(lines):
    """Steps in order: dicts with name, what, events, device, unpaired."""
    steps, errors, done = {}, [], False
    for line in lines:
        line = TIMESTAMP.sub('', line)
        words = line.split()
        if not words or not words[0].startswith('MMUN-DEMO'):
            continue
        tag = words[0]
        if tag == 'MMUN-DEMO-BEGIN':
            continue
        if tag == 'MMUN-DEMO-END':
            if line.split()[-1] != 'rc=0':
                errors.append('the program ended with ' + line.split()[-1])
            continue
        if tag == 'MMUN-DEMO-ERROR':
            errors.append(line[len(tag) + 1:])
        elif tag == 'MMUN-DEMO-DONE':
            done = True
        elif tag == 'MMUN-DEMO-STEP' and len(words) >= 3:
            steps[words[1]] = {'name': words[2], 'what': ' '.join(words[3:]),
                               'events': [], 'device': None,
                               'unpaired': None, 'outside': 0}
        elif words[1:2] and words[1] in steps:
            s = steps[words[1]]
            if tag == 'MMUN-DEMO-EV' and len(words) == 8:
                s['events'].append(tuple(words[2:8]))
            elif tag == 'MMUN-DEMO-DEV' and len(words) == 6:
                s['device'] = tuple(int(w) for w in words[2:6])
            elif tag == 'MMUN-DEMO-OUTSIDE' and len(words) == 3:
                s['outside'] = int(words[2])
            elif tag == 'MMUN-DEMO-UNPAIRED':
                s['unpaired'] = ' '.join(words[2:])
            else:
                errors.append('a line the harness cannot read: ' + line)
        else:
            errors.append('a line the harness cannot read: ' + line)
    if not steps:
        errors.append('the demonstration printed no step')
    elif not done:
        errors.append('the demonstration did not finish')
    return [steps[k] for k in sorted(steps, key=int)], errors


def write_tsv(steps, path):
    with open(path, 'w') as f:
        for s in steps:
            f.write('\t'.join(['step', s['name'], s['what']]) + '\n')
            for e in s['events']:
                f.write('\t'.join(['ev', s['name']] + list(e)) + '\n')
            if s['device']:
                f.write('\t'.join(['dev', s['name']] +
                                  [str(n) for n in s['device']]) + '\n')
            if s['unpaired']:
                f.write('\t'.join(['unpaired', s['name'], s['unpaired']])
                        + '\n')


def read_tsv(path):
    """{step name: {'events': [...], 'device': (...)}} of a saved run."""
    steps = {}
    with open(path) as f:
        for row in f.read().splitlines():
            r = row.split('\t')
            if r[0] == 'step':
                steps[r[1]] = {'events': [], 'device': None}
            elif r[0] == 'ev' and r[1] in steps:
                steps[r[1]]['events'].append(tuple(r[2:8]))
            elif r[0] == 'dev' and r[1] in steps:
                steps[r[1]]['device'] = tuple(int(n) for n in r[2:6])
    return steps


def pages(first, end):
    first, end = int(first), int(end)
    return '%d' % first if end - first == 1 else '%d-%d' % (first, end - 1)


def device_text(dev):
    if dev is None:
        return 'no notifier left'
    left, match, stale = dev[:3]
    late = dev[3] if len(dev) > 3 else 0
    text = ('%d mapped, %d read as the process does' % (left, match)
            if left else 'nothing mapped')
    text += ', %d STALE' % stale if stale else ''
    return text + (', %d dropped after their page was freed' % late
                   if late else '')


def show(steps, stock):
    """The table; returns the problems it found."""
    bad = []
    out = []
    for n, s in enumerate(steps):
        out.append('%d %s: %s' % (n, s['name'], s['what']))
        ref = stock.get(s['name']) if stock is not None else None
        col = 'stock 6.12' if stock is not None else ''
        out.append('    %-8s %-16s %-7s %-9s %5s   %s' %
                   ('callout', 'event', 'pages', 'blockable', 'calls', col))
        rows = s['events'] or [('-', 'none', '', '', '', '')]
        for e in rows:
            cmp = ''
            if ref is not None and s['events']:
                cmp = 'same' if e in ref['events'] else 'differs'
            elif ref is not None:
                cmp = 'same' if not ref['events'] else 'differs'
            out.append('    %-8s %-16s %-7s %-9s %5s   %s' %
                       (e[0], e[1], pages(e[2], e[3]) if e[2] else '',
                        e[4], e[5], cmp))
        if ref is not None:
            for e in ref['events']:
                if e not in s['events']:
                    out.append('    %-8s %-16s %-7s %-9s %5s   %s' %
                               (e[0], e[1], pages(e[2], e[3]), e[4], e[5],
                                'stock only'))
        if s['outside']:
            out.append('    and %d callouts for other mappings of the process'
                       % s['outside'])
        dev = 'device: ' + device_text(s['device'])
        if ref is not None:
            # A run of an older program has no count of late entries.
            a, b = ref['device'], s['device']
            if a and b:
                n = min(len(a), len(b))
                a, b = a[:n], b[:n]
            dev = '%-60s stock: %s' % (
                dev, 'same' if a == b else device_text(ref['device']))
        out.append('    ' + dev)
        if s['device'] and s['device'][2]:
            bad.append('%s: the device kept %d stale entries' %
                       (s['name'], s['device'][2]))
        if s['device'] and s['device'][3]:
            bad.append('%s: %d entries were dropped only after their page'
                       ' was freed' % (s['name'], s['device'][3]))
        if s['unpaired'] not in (None, 'none'):
            bad.append('%s: %s' % (s['name'], s['unpaired']))
        out.append('')
    print('\n'.join(l.rstrip() for l in out).rstrip())
    return bad


def main():
    log, out_tsv = sys.argv[1:3]
    stock_tsv = sys.argv[3] if len(sys.argv) > 3 else None
    with open(log, errors='replace') as f:
        lines = f.read().splitlines()
    steps, errors = parse(lines)
    write_tsv(steps, out_tsv)
    stock = None
    # The stock kernel's own run has no column beside it.
    if stock_tsv and os.path.abspath(stock_tsv) == os.path.abspath(out_tsv):
        stock_tsv = None
    if stock_tsv and os.path.exists(stock_tsv):
        stock = read_tsv(stock_tsv)
    print('A device (lib/test_mmu_notifier.c) mirrors a 16-page buffer of a'
          ' process by\nits pfns, and re-mirrors it after every step.'
          ' Pages are counted from the\nbuffer\'s start; runs of alike'
          ' callouts are merged.\n')
    bad = show(steps, stock) + errors
    if stock is None and stock_tsv:
        print('\n(stock 6.12 column: run "make demo KERNEL=stock" once)')
    for b in bad:
        print('demonstration: ' + b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
