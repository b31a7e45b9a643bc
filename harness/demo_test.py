#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""harness/demo.py on made-up console logs: a clean run passes; a stale
entry, a start without its end, an error, a run cut short or no run at
all fail."""
import os
import subprocess
import sys
import tempfile
import unittest

DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'demo.py')

CLEAN = """MMUN-DEMO-BEGIN
[    1.000000] MMUN-DEMO-STEP 0 mirror the device mirrors 16 pages
MMUN-DEMO-UNPAIRED 0 none
MMUN-DEMO-DEV 0 16 16 0 0
MMUN-DEMO-STEP 1 write the process writes all 16 pages
MMUN-DEMO-EV 1 start CLEAR 0 16 yes 16
MMUN-DEMO-UNPAIRED 1 none
MMUN-DEMO-DEV 1 0 0 0 0
MMUN-DEMO-DONE
MMUN-DEMO-END rc=0
"""


def run(log, stock=None):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'console.log')
        with open(path, 'w') as f:
            f.write(log)
        args = [sys.executable, DEMO, path, os.path.join(tmp, 'demo.tsv')]
        if stock is not None:
            spath = os.path.join(tmp, 'stock.tsv')
            with open(spath, 'w') as f:
                f.write(stock)
            args.append(spath)
        p = subprocess.run(args, capture_output=True, text=True)
        return p.returncode, p.stdout


class DemoTest(unittest.TestCase):
    def test_clean(self):
        rc, out = run(CLEAN)
        self.assertEqual(rc, 0, out)
        self.assertIn('start    CLEAR            0-15    yes          16', out)

    def test_stale(self):
        rc, out = run(CLEAN.replace('DEV 1 0 0 0 0', 'DEV 1 1 0 1 0'))
        self.assertEqual(rc, 1)
        self.assertIn('1 stale', out)

    def test_late(self):
        rc, out = run(CLEAN.replace('DEV 1 0 0 0 0', 'DEV 1 0 0 0 3'))
        self.assertEqual(rc, 1)
        self.assertIn('3 entries were dropped only after', out)

    def test_unpaired(self):
        rc, out = run(CLEAN.replace('UNPAIRED 1 none',
                                    'UNPAIRED 1 a start with no end'))
        self.assertEqual(rc, 1)
        self.assertIn('a start with no end', out)

    def test_error(self):
        rc, out = run(CLEAN + 'MMUN-DEMO-ERROR move_pages: ENOSYS\n')
        self.assertEqual(rc, 1)

    def test_cut_short(self):
        rc, out = run(CLEAN.replace('MMUN-DEMO-DONE\n', ''))
        self.assertEqual(rc, 1)
        self.assertIn('did not finish', out)

    def test_program_failed(self):
        rc, out = run(CLEAN.replace('END rc=0', 'END rc=1'))
        self.assertEqual(rc, 1)
        self.assertIn('ended with rc=1', out)

    def test_nothing(self):
        rc, out = run('Linux version 6.12\n')
        self.assertEqual(rc, 1)

    def test_stock_column(self):
        stock = ('step\twrite\tw\nev\twrite\tstart\tCLEAR\t0\t16\tno\t16\n'
                 'dev\twrite\t0\t0\t0\t0\n')
        rc, out = run(CLEAN, stock)
        self.assertEqual(rc, 0, out)
        self.assertIn('differs', out)
        self.assertIn('stock only', out)


if __name__ == '__main__':
    unittest.main()
