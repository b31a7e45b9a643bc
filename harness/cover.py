#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fill in the cover letter that git format-patch --cover-letter wrote.

    cover.py MAIL COVER RESULTS [BASE BASE_COMMIT]

COVER is the series' cover-letter text: a "Subject: " line, a blank line
and the body, where @BENCH@ stands for the latest instruction-clock table
of the benchmark results in RESULTS.md, set here as plain text for a mail,
and @BASE@ for BASE, the tree the series applies to (its paragraph is
filled again to 72 columns). BASE_COMMIT, the git commit of that tree,
goes into a "base-commit:" line where git format-patch --base puts it.
"""
import re
import sys
import textwrap


def bench_table(readme):
    """The rows of the first instruction-clock table, as text."""
    lines = open(readme, encoding='utf-8').read().splitlines()
    start = next((i for i, l in enumerate(lines)
                  if re.match(r'#+ Instruction clock', l)), None)
    if start is None:
        sys.exit('%s: no "Instruction clock" table of the benchmarks'
                 % readme)
    rows = []
    for l in lines[start + 1:]:
        if l.startswith('|'):
            rows.append([c.strip() for c in l.strip('|').split('|')])
        elif rows:
            break
    # Figure, unit, stock, ours, ratio (the header, then the rows after
    # the |---| line); the targets stay in the README.
    table = [r[:5] for r in rows[:1] + rows[2:]]
    width = [max(len(r[i]) for r in table) for i in range(5)]
    out = []
    for n, r in enumerate(table):
        cells = [r[0].ljust(width[0]), r[1].ljust(width[1])]
        cells += [r[i].rjust(width[i]) for i in (2, 3, 4)]
        out.append('  ' + '  '.join(cells).rstrip())
        if n == 0:
            out.append('  ' + '  '.join('-' * w for w in width))
    return '\n'.join(out)


def main():
    mail, cover, readme = sys.argv[1:4]
    text = open(cover, encoding='utf-8').read()
    m = re.match(r'Subject: (.*)\n\n', text)
    if not m:
        sys.exit('%s: the first line must be "Subject: ..." and a blank line'
                 % cover)
    subject, body = m.group(1), text[m.end():].rstrip('\n')
    if '@BENCH@' in body:
        body = body.replace('@BENCH@', bench_table(readme))
    base, base_commit = (sys.argv[4:6] + [None, None])[:2]
    if '@BASE@' in body:
        if not base:
            sys.exit('%s: @BASE@ needs the BASE argument' % cover)
        paras = body.split('\n\n')
        paras = [textwrap.fill(p.replace('@BASE@', base), 72,
                               break_long_words=False, break_on_hyphens=False)
                 if '@BASE@' in p else p for p in paras]
        body = '\n\n'.join(paras)
    out = open(mail, encoding='utf-8').read()
    if '*** SUBJECT HERE ***' not in out or '*** BLURB HERE ***' not in out:
        sys.exit('%s: not a cover letter of git format-patch' % mail)
    out = out.replace('*** SUBJECT HERE ***', subject)
    out = out.replace('*** BLURB HERE ***', body)
    if base_commit:
        # As format-patch --base writes it: after the diffstat's blank
        # line, a blank line and the id, then the signature.
        sig = out.rfind('\n-- \n')
        at = sig + 1 if sig >= 0 else len(out)
        out = out[:at] + '\nbase-commit: %s\n' % base_commit + out[at:]
    open(mail, 'w', encoding='utf-8').write(out)


if __name__ == '__main__':
    main()
