#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of report.py on made-up console logs: the harness must see every
way a guest run can go wrong. Run on the host before each guest boot.

  report_test.py SRC    SRC: a kernel tree, for tools/testing/kunit
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = None

KUNIT_OK = """\
[    1.000000] KTAP version 1
[    1.000000] 1..1
[    1.000000]     KTAP version 1
[    1.000000]     # Subtest: demo
[    1.000000]     1..2
[    1.000000]     ok 1 first
[    1.000000]     ok 2 second
[    1.000000] ok 1 demo
"""
INIT = "MMUN-INIT-START 6.12.0 stock\n"
INIT_OURS = "MMUN-INIT-START 6.12.0 ours\n"
DONE = "MMUN-DONE\n"


def kselftest(body, rc=0, name='demo'):
    return ("MMUN-KSELFTEST-BEGIN %s\nTAP version 13\n1..1\n%s"
            "MMUN-KSELFTEST-END %s rc=%d\n" % (name, body, name, rc))


GOOD_PROGRAM = """\
# selftests: demo: prog
# TAP version 13
# 1..2
# ok 1 global.a
# ok 2 global.b
ok 1 selftests: demo: prog
"""


class Report(unittest.TestCase):
    def run_report(self, log, extra=None, args=()):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'console.log')
            with open(path, 'w') as f:
                f.write(log)
            args = [sys.executable, os.path.join(HERE, 'report.py'), SRC,
                    path, 'check'] + list(args)
            if extra:
                args += [os.path.join(tmp, 'results.tsv'), extra]
            proc = subprocess.run(args, capture_output=True, text=True)
        last = proc.stdout.strip().splitlines()[-1]
        counts = [int(w) for w in last.replace(',', '').split()[::2]]
        return proc.returncode, counts, proc.stdout

    def test_clean_run_passes(self):
        rc, counts, out = self.run_report(
            KUNIT_OK + INIT + kselftest(GOOD_PROGRAM) + DONE)
        # 2 KUnit cases, 2 kselftest cases, 3 harness checks
        self.assertEqual((rc, counts), (0, [7, 0, 0]), out)

    def test_failed_case(self):
        rc, counts, _ = self.run_report(KUNIT_OK + INIT + kselftest(
            GOOD_PROGRAM.replace('# ok 2 global.b', '# not ok 2 global.b')
            .replace('ok 1 selftests', 'not ok 1 selftests')) + DONE)
        self.assertEqual((rc, counts[1]), (1, 1))

    def failed_b_note(self, diagnostics):
        """Case b fails after these lines of its own; the report's text."""
        body = GOOD_PROGRAM.replace(
            '# ok 2 global.b',
            ''.join('# # %s\n' % d for d in diagnostics) +
            '# #          FAIL  global.b\n'
            '# not ok 2 global.b').replace('ok 1 selftests',
                                           'not ok 1 selftests')
        rc, counts, out = self.run_report(KUNIT_OK + INIT + kselftest(body) +
                                          DONE)
        self.assertEqual((rc, counts[1]), (1, 1))
        return out

    def test_failed_case_names_its_assertion(self):
        out = self.failed_b_note(['prog.c:40:b:exit of one process:\t3.0 ms',
                                  'tmn.h:42:b:Expected 16 (16) == done\t(15)',
                                  'prog.c:43:b:1 of 16 exits waited'])
        self.assertIn('global.b (tmn.h:42:b:Expected 16 (16) == done (15))',
                      out)

    def test_timed_out_case_says_so(self):
        out = self.failed_b_note(['b: Test terminated by timeout'])
        self.assertIn('global.b (b: Test terminated by timeout)', out)

    def test_program_died_midway(self):
        body = GOOD_PROGRAM.replace('# ok 2 global.b\n', '').replace(
            'ok 1 selftests: demo: prog',
            'not ok 1 selftests: demo: prog # exit=139')
        rc, counts, out = self.run_report(KUNIT_OK + INIT + kselftest(body) +
                                          DONE)
        self.assertEqual(rc, 1)
        self.assertIn('1 of 2 planned cases never reported', out)

    def test_program_failed_with_passing_cases(self):
        body = GOOD_PROGRAM.replace('ok 1 selftests: demo: prog',
                                    'not ok 1 selftests: demo: prog # exit=1')
        rc, counts, _ = self.run_report(KUNIT_OK + INIT + kselftest(body) +
                                        DONE)
        self.assertEqual((rc, counts[1]), (1, 1))

    def test_skip_fails_the_run(self):
        body = GOOD_PROGRAM.replace('# ok 2 global.b',
                                    '# ok 2 global.b # SKIP no feature')
        rc, counts, _ = self.run_report(KUNIT_OK + INIT + kselftest(body) +
                                        DONE)
        self.assertEqual((rc, counts[2]), (1, 1))

    def test_failed_kunit_case(self):
        rc, counts, _ = self.run_report(
            KUNIT_OK.replace('ok 2 second', 'not ok 2 second') + INIT +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertGreaterEqual(counts[1], 1)

    def test_no_kunit_output(self):
        rc, _, out = self.run_report(INIT + kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('KTAP output', out)

    def test_hung_guest(self):
        log = (KUNIT_OK + INIT + "MMUN-KSELFTEST-BEGIN demo\n" +
               "MMUN-WATCHDOG guest still running after 10s, killed\n")
        rc, _, out = self.run_report(log)
        self.assertEqual(rc, 1)
        self.assertIn('guest ran the suites to the end', out)

    def test_no_boot(self):
        rc, _, out = self.run_report("[    0.000000] Linux version 6.12\n"
                                     "MMUN-QEMU-EXIT 1\n")
        self.assertEqual(rc, 1)
        self.assertIn('FAIL harness: guest booted to init', out)

    def test_kernel_warning(self):
        rc, _, out = self.run_report(
            KUNIT_OK + INIT + "[    2.0] WARNING: CPU: 0 PID: 1 at mm/x.c:1\n" +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('mm/x.c:1', out)

    REFUSED = "[%8.3f] f+0x0/0x10 callback failed with -11 in non-blockable context\n"

    def test_refusals_ratelimited_pass(self):
        # printk's ratelimit: 10 lines, then none until 5 s are over.
        lines = [self.REFUSED % (2 + i * 0.01) for i in range(10)]
        lines += [self.REFUSED % (7.1 + i * 0.01) for i in range(10)]
        rc, counts, out = self.run_report(
            KUNIT_OK + INIT_OURS + "MMUN-SUBSET demo\n" + ''.join(lines) +
            kselftest(GOOD_PROGRAM) + DONE)
        _, without, _ = self.run_report(
            KUNIT_OK + INIT_OURS + "MMUN-SUBSET demo\n" +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 0, out)
        # The check is one more that passed.
        self.assertEqual(counts, [without[0] + 1, 0, 0], out)

    def test_refusals_flood_fails(self):
        lines = [self.REFUSED % (2 + i * 0.01) for i in range(30)]
        rc, _, out = self.run_report(
            KUNIT_OK + INIT_OURS + "MMUN-SUBSET demo\n" + ''.join(lines) +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1, out)
        self.assertIn('30 lines, at most 30 in 5 s', out)

    def test_refusals_ratelimit_boundary(self):
        # Two intervals' worth, 19 in 5 s, passes; 21 in 4.9 s does not.
        ok = ([self.REFUSED % 2.0] + [self.REFUSED % 6.99] * 9 +
              [self.REFUSED % 7.01] * 10)
        bad = [self.REFUSED % (2 + i * 0.245) for i in range(21)]
        for lines, want in ((ok, 0), (bad, 1)):
            rc, _, out = self.run_report(
                KUNIT_OK + INIT_OURS + "MMUN-SUBSET demo\n" +
                ''.join(lines) + kselftest(GOOD_PROGRAM) + DONE)
            self.assertEqual(rc, want, out)

    def test_refusals_flood_of_stock_passes(self):
        # 6.12 logs every refusal: not a failure of the stock core.
        lines = [self.REFUSED % (2 + i * 0.01) for i in range(30)]
        rc, _, out = self.run_report(
            KUNIT_OK + INIT + ''.join(lines) + kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 0, out)

    EXPECTED = ("[    1.5] mmu_notifier_kunit: expect a WARNING in f: misuse\n"
                "%s"
                "[    1.7] mmu_notifier_kunit: end of expected WARNING\n")
    WARN = ("[    1.6] WARNING: CPU: 0 PID: 9 at mm/x.c:2 f+0x1/0x2\n"
            "[    1.6] Call Trace:\n"
            "[    1.6] ---[ end trace 0000000000000000 ]---\n")

    def test_expected_warning_passes(self):
        rc, counts, out = self.run_report(
            KUNIT_OK + self.EXPECTED % self.WARN + INIT +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual((rc, counts), (0, [8, 0, 0]), out)

    def test_expected_warning_missing(self):
        rc, _, out = self.run_report(
            KUNIT_OK + self.EXPECTED % "" + INIT + kselftest(GOOD_PROGRAM) +
            DONE)
        self.assertEqual(rc, 1)
        self.assertIn('expected WARNING: misuse (0 WARNINGs)', out)

    def test_expected_warning_twice(self):
        rc, _, out = self.run_report(
            KUNIT_OK + self.EXPECTED % (self.WARN * 2) + INIT +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('(2 WARNINGs)', out)

    def test_expected_warning_hides_no_other_report(self):
        rc, _, out = self.run_report(
            KUNIT_OK + self.EXPECTED % (self.WARN +
                                        "[    1.6] BUG: sleeping function\n")
            + INIT + kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('BUG: sleeping function', out)

    def test_expected_warning_elsewhere_fails(self):
        # The one WARN of the window fired in another function.
        rc, _, out = self.run_report(
            KUNIT_OK + self.EXPECTED % self.WARN.replace(' f+', ' g+') +
            INIT + kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('the WARNING is in g, not in f', out)
        self.assertIn('mm/x.c:2 g+0x1/0x2', out)

    def test_expected_warning_below_the_function_fails(self):
        # A WARN in something f calls is not f's: the banner must name f.
        warn = self.WARN.replace(' f+', ' helper+').replace(
            'Call Trace:\n', 'Call Trace:\n[    1.6]  f+0x10/0x20\n')
        rc, _, out = self.run_report(
            KUNIT_OK + self.EXPECTED % warn + INIT +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('the WARNING is in helper, not in f', out)

    def test_expected_warning_of_alternatives_passes(self):
        rc, counts, out = self.run_report(
            KUNIT_OK + (self.EXPECTED % self.WARN.replace(' f+', ' g.isra.0+'))
            .replace('WARNING in f:', 'WARNING in h/g:') + INIT +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual((rc, counts), (0, [8, 0, 0]), out)

    def test_expected_warning_without_location_fails(self):
        rc, _, out = self.run_report(
            KUNIT_OK + (self.EXPECTED % self.WARN).replace(
                'expect a WARNING in f:', 'expect a WARNING:') + INIT +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('the announcement names no function', out)

    LOCKDEP = ("[    1.6] ======================================================\n"
               "[    1.6] WARNING: possible circular locking dependency detected\n"
               "[    1.6] ------------------------------------------------------\n"
               "[    1.6] Call Trace:\n"
               "[    1.6]  lock_acquire+0x1/0x2\n")

    def test_lockdep_banner_is_not_the_expected_warning(self):
        # A lockdep report is no WARN: the window has none, and the report
        # stays one.
        rc, _, out = self.run_report(
            KUNIT_OK + self.EXPECTED % self.LOCKDEP + INIT +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('expected WARNING: misuse (0 WARNINGs)', out)
        self.assertIn('possible circular locking dependency', out)

    def test_expected_warning_keeps_lockdep_and_kasan(self):
        for other, text in ((self.LOCKDEP, 'possible circular locking'),
                            ("[    1.6] BUG: KASAN: slab-use-after-free in f\n",
                             'KASAN: slab-use-after-free'),
                            ("[    1.6] WARNING: suspicious RCU usage\n",
                             'suspicious RCU usage')):
            rc, counts, out = self.run_report(
                KUNIT_OK + self.EXPECTED % (self.WARN + other) + INIT +
                kselftest(GOOD_PROGRAM) + DONE)
            self.assertEqual((rc, counts[1]), (1, 1), out)
            self.assertIn('FAIL harness: console free', out)
            self.assertIn(text, out)

    def test_report_inside_the_warnings_trace_stays(self):
        # Another CPU's report printed in the middle of the expected WARN's
        # lines.
        warn = self.WARN.replace(
            'Call Trace:\n', 'Call Trace:\n[    1.6] BUG: sleeping function '
            'called from invalid context at mm/y.c:3\n')
        rc, _, out = self.run_report(
            KUNIT_OK + self.EXPECTED % warn + INIT +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('sleeping function called from invalid context', out)

    OOM = ("[    1.5] mmu_notifier lifecycle: expect an OOM kill: victim\n"
           "%s"
           "[    1.9] mmu_notifier lifecycle: end of expected OOM kill\n")
    OOM_REPORT = (
        "[    1.6] lifecycle invoked oom-killer: gfp_mask=0xcc0, order=0\n"
        "[    1.6] CPU: 1 UID: 0 PID: 90 Comm: lifecycle Not tainted\n"
        "[    1.6] Call Trace:\n"
        "[    1.6]  <TASK>\n"
        "[    1.6]  dump_stack_lvl+0x5d/0x80\n"
        "[    1.6]  </TASK>\n"
        "[    1.7] Memory cgroup out of memory: Killed process 90 "
        "(lifecycle) total-vm:1kB\n")

    def test_expected_oom_kill_passes(self):
        rc, counts, out = self.run_report(
            KUNIT_OK + INIT + self.OOM % self.OOM_REPORT +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual((rc, counts), (0, [8, 0, 0]), out)

    def test_unannounced_oom_kill_is_a_report(self):
        rc, _, out = self.run_report(
            KUNIT_OK + INIT + self.OOM_REPORT + kselftest(GOOD_PROGRAM) +
            DONE)
        self.assertEqual(rc, 1)
        self.assertIn('Call Trace:', out)

    def test_expected_oom_kill_missing(self):
        rc, _, out = self.run_report(
            KUNIT_OK + INIT + self.OOM % "" + kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('expected OOM kill: victim (0 OOM killer reports', out)

    def test_expected_oom_kill_twice(self):
        rc, _, out = self.run_report(
            KUNIT_OK + INIT + self.OOM % (self.OOM_REPORT * 2) +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('(2 OOM killer reports, 2 kills)', out)

    def test_expected_oom_kill_hides_no_other_report(self):
        rc, _, out = self.run_report(
            KUNIT_OK + INIT + self.OOM % (
                self.OOM_REPORT + "[    1.8] INFO: task x blocked for more "
                "than 120 seconds.\n[    1.8] Call Trace:\n") +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('blocked for more than', out)

    def test_lockdep_report(self):
        rc, _, _ = self.run_report(
            KUNIT_OK + INIT +
            "[    2.0] WARNING: possible circular locking dependency detected\n"
            + kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)

    def test_harness_error_line(self):
        rc, _, out = self.run_report(
            KUNIT_OK + INIT + "MMUN-ERROR modprobe test_hmm failed\n" +
            kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('modprobe test_hmm failed', out)

    def test_extra_results_counted(self):
        with tempfile.TemporaryDirectory() as tmp:
            extra = os.path.join(tmp, 'extra.tsv')
            with open(extra, 'w') as f:
                f.write('compat: x86_64\ta.o\tPASS\t\n'
                        'compat: x86_64\tb.o\tFAIL\tsee log\n')
            rc, counts, out = self.run_report(
                KUNIT_OK + INIT + kselftest(GOOD_PROGRAM) + DONE,
                extra=extra)
        self.assertEqual((rc, counts), (1, [8, 1, 0]), out)
        self.assertIn('compat: x86_64: b.o', out)

    def test_runner_reported_nothing(self):
        rc, _, out = self.run_report(
            KUNIT_OK + INIT + "MMUN-KSELFTEST-BEGIN demo\n"
            "MMUN-KSELFTEST-END demo rc=1\n" + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('no test program reported', out)

    def sites_block(self, share):
        sys.path.insert(0, HERE)
        import report
        sites = report.call_sites(SRC)
        self.assertGreater(len(sites), 20)
        hit = sites[:int(len(sites) * share)]
        return ("MMUN-SITES-BEGIN\n" +
                "".join("%s:%d %s 3\n" % s for s in hit) +
                "MMUN-SITES-END\n")

    def test_reach_missing_on_ours(self):
        rc, _, out = self.run_report(
            KUNIT_OK + INIT_OURS + kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('the guest listed no call sites', out)

    def test_reach_too_low(self):
        rc, _, out = self.run_report(
            KUNIT_OK + INIT_OURS + kselftest(GOOD_PROGRAM) +
            self.sites_block(0.5) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('FAIL harness: call-site reach', out)

    def test_reach_enough(self):
        rc, counts, out = self.run_report(
            KUNIT_OK + INIT_OURS + kselftest(GOOD_PROGRAM) +
            self.sites_block(0.9) + DONE)
        self.assertEqual((rc, counts), (0, [8, 0, 0]), out)

    def test_left_out_on_nosleep_is_reported(self):
        rc, counts, out = self.run_report(
            KUNIT_OK + INIT_OURS.replace('ours', 'ours-nosleep') +
            kselftest(GOOD_PROGRAM) + self.sites_block(0.9) +
            "MMUN-LEFT-OUT hmm-tests: no test_hmm\n" + DONE)
        self.assertEqual((rc, counts), (0, [8, 0, 0]), out)
        self.assertIn('Left out of this kernel', out)
        self.assertIn('hmm-tests: no test_hmm', out)

    def test_left_out_elsewhere_fails(self):
        rc, counts, out = self.run_report(
            KUNIT_OK + INIT + kselftest(GOOD_PROGRAM) +
            "MMUN-LEFT-OUT hmm-tests: no test_hmm\n" + DONE)
        self.assertEqual((rc, counts[1]), (1, 1), out)
        self.assertIn('no suite left out of this kernel', out)

    INIT_DEBUG = "MMUN-INIT-START 6.12.0 stock-debug\n"
    LEAK = """\
MMUN-KMEMLEAK-BEGIN
unreferenced object 0xffff888004a1b000 (size 192):
  comm "mirror", pid 301, jiffies 4294893113
  hex dump (first 32 bytes):
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
  backtrace (crc 5a3f1c2e):
    __kmalloc_cache_noprof+0x2a1/0x330
    mn_subscriptions_alloc+0x2b/0x120
    __mmu_notifier_register+0x1d3/0x2c0
MMUN-KMEMLEAK-END
"""

    def test_kmemleak_clean_scan_passes(self):
        rc, counts, out = self.run_report(
            KUNIT_OK + self.INIT_DEBUG +
            "[    0.9] kmemleak: Kernel memory leak detector initialized (mem pool available: 15000)\n"
            + kselftest(GOOD_PROGRAM) +
            "MMUN-KMEMLEAK-BEGIN\nMMUN-KMEMLEAK-END\n" + DONE)
        # one more check: no unreferenced object
        self.assertEqual((rc, counts), (0, [8, 0, 0]), out)

    def test_kmemleak_entry_fails_and_is_quoted(self):
        rc, counts, out = self.run_report(
            KUNIT_OK + self.INIT_DEBUG + kselftest(GOOD_PROGRAM) +
            "[  350.5] kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n"
            + self.LEAK + DONE)
        # the leak fails once: the scan's summary line is not a report
        self.assertEqual((rc, counts[1]), (1, 1), out)
        self.assertIn('kmemleak: object of 192 bytes', out)
        self.assertIn('allocated by mn_subscriptions_alloc+0x2b/0x120', out)
        self.assertIn('__mmu_notifier_register+0x1d3/0x2c0', out)

    def test_kmemleak_scan_missing_on_debug_kernel(self):
        rc, counts, out = self.run_report(
            KUNIT_OK + self.INIT_DEBUG + kselftest(GOOD_PROGRAM) + DONE)
        self.assertEqual((rc, counts[1]), (1, 1), out)
        self.assertIn('printed no leak scan', out)

    def test_report_during_the_leak_scan_stays(self):
        rc, _, out = self.run_report(
            KUNIT_OK + self.INIT_DEBUG + kselftest(GOOD_PROGRAM) +
            "MMUN-KMEMLEAK-BEGIN\n"
            "[  351.0] WARNING: CPU: 1 PID: 7 at mm/z.c:9 scan+0x1/0x2\n"
            "MMUN-KMEMLEAK-END\n" + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('mm/z.c:9', out)

    def test_unannounced_stalls_and_lockups_are_reports(self):
        for line in ("rcu: INFO: rcu_preempt self-detected stall on CPU",
                     "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
                     "watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [x:1]",
                     "Watchdog detected hard LOCKUP on cpu 1",
                     "INFO: task stress:90 blocked for more than 120 seconds.",
                     "stress invoked oom-killer: gfp_mask=0xcc0, order=0",
                     "Out of memory: Killed process 90 (stress)",
                     "BUG kmalloc-64 (Not tainted): Poison overwritten",
                     "BUG: KFENCE: use-after-free read in f+0x1/0x2",
                     "list_del corruption. next->prev should be ffff8880"):
            rc, _, out = self.run_report(
                KUNIT_OK + INIT + "[    5.0] " + line + "\n" +
                kselftest(GOOD_PROGRAM) + DONE)
            self.assertEqual(rc, 1, line)
            self.assertIn(line, out)

    def test_slow_run_that_finished_is_not_a_hang(self):
        # The guest's own dump fired, the run still ended: that is a
        # failure of its own, not a hang at poweroff.
        rc, _, out = self.run_report(
            KUNIT_OK + INIT + kselftest(GOOD_PROGRAM) +
            "MMUN-WATCHDOG-DUMP after 855s\n" + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('guest done before its watchdog dumped it', out)
        self.assertNotIn('powered off', out)

    def test_stall_dump_fails(self):
        # The host's stall watch dumped the guest and panicked it.
        rc, _, out = self.run_report(
            KUNIT_OK + INIT + kselftest(GOOD_PROGRAM) +
            "MMUN-STALL the console was silent for 300s: vCPU registers"
            " and stacks in /x/stall-check.txt\n")
        self.assertEqual(rc, 1)
        self.assertIn('FAIL harness: guest kept making progress', out)

    def test_hang_at_poweroff_fails(self):
        rc, _, out = self.run_report(
            KUNIT_OK + INIT + kselftest(GOOD_PROGRAM) + DONE +
            "MMUN-WATCHDOG guest still running after 900s, killed\n")
        self.assertEqual(rc, 1)
        self.assertIn('FAIL harness: guest powered off after the suites', out)

    def test_runner_plan_not_met(self):
        body = GOOD_PROGRAM
        log = kselftest(body).replace('1..1\n', '1..2\n', 1)
        rc, _, out = self.run_report(KUNIT_OK + INIT + log + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('1 of 2 planned programs never reported', out)

    def test_runner_failed_with_programs_passing(self):
        rc, _, out = self.run_report(
            KUNIT_OK + INIT + kselftest(GOOD_PROGRAM, rc=1) + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('the runner exited with rc=1', out)

    def run_manifest(self, log, manifest):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'manifest')
            with open(path, 'w') as f:
                f.write(manifest)
            return self.run_report(log, args=['--manifest=' + path])

    def test_manifest_met(self):
        rc, counts, out = self.run_manifest(
            KUNIT_OK + INIT + kselftest(GOOD_PROGRAM) + DONE,
            "kunit demo\nkselftest prog\n")
        self.assertEqual((rc, counts), (0, [8, 0, 0]), out)

    def test_manifest_missing_suite_or_program(self):
        for want in ("kunit other\n", "kselftest hmm-tests\n"):
            rc, _, out = self.run_manifest(
                KUNIT_OK + INIT + kselftest(GOOD_PROGRAM) + DONE,
                "kunit demo\nkselftest prog\n" + want)
            self.assertEqual(rc, 1, want)
            self.assertIn('manifest: %s (did not run)' % want.strip(), out)

    def test_kasan_report_is_quoted_whole(self):
        rc, _, out = self.run_report(
            KUNIT_OK + self.INIT_DEBUG + kselftest(GOOD_PROGRAM) +
            "[    3.0] ==================================================================\n"
            "[    3.0] BUG: KASAN: slab-use-after-free in mn_itree_inv_end+0x1/0x2\n"
            "[    3.0] Read of size 8 at addr ffff888004a1b010 by task mirror/301\n"
            "[    3.0] Call Trace:\n"
            "[    3.0]  mmu_interval_notifier_remove+0x3/0x4\n"
            "[    3.0] Freed by task 301:\n"
            "[    3.0]  kfree+0x5/0x6\n"
            "[    3.0] ==================================================================\n"
            "MMUN-KMEMLEAK-BEGIN\nMMUN-KMEMLEAK-END\n" + DONE)
        self.assertEqual(rc, 1)
        self.assertIn('BUG: KASAN: slab-use-after-free', out)
        self.assertIn('Read of size 8 at addr', out)
        self.assertIn('Freed by task 301', out)
        self.assertIn('kfree+0x5/0x6', out)


if __name__ == '__main__':
    SRC = sys.argv.pop(1)
    unittest.main(verbosity=1)
