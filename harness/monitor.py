#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Dump a guest that stopped making progress, through QEMU's monitor.

    monitor.py SOCKET SYSTEM_MAP OUT [--nmi]

Asks the human monitor at SOCKET for every vCPU's registers and the top of
its stack, names each kernel text address with SYSTEM_MAP, and writes it
all to OUT. With --nmi it then injects an NMI: the guest's kernel, booted
with unknown_nmi_panic, panics on it, and its panic flushes what the
console still had to print (whatever a stuck console owner held back),
with the backtrace of every CPU and the locks every task holds.
"""
import bisect
import re
import socket
import sys
import time


def symbols(path):
    addrs, names = [], []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[1] in 'tTwW':
                    addrs.append(int(parts[0], 16))
                    names.append(parts[2])
    except OSError:
        pass
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]


def name(addr, syms):
    addrs, names = syms
    i = bisect.bisect_right(addrs, addr) - 1
    # Kernel text only, and not past a function's plausible end.
    if i < 0 or addr < 0xffff000000000000 or addr - addrs[i] > 0x10000:
        return None
    return '%s+%#x' % (names[i], addr - addrs[i])


class Monitor:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(20)
        self.s.connect(path)
        self.read()

    def read(self):
        data = b''
        while not data.endswith(b'(qemu) '):
            chunk = self.s.recv(65536)
            if not chunk:
                break
            data += chunk
        text = data.decode(errors='replace')
        # The monitor echoes with terminal escapes; keep the text.
        text = re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', text)
        return text.replace('\r', '')

    def cmd(self, line):
        self.s.sendall(line.encode() + b'\n')
        out = self.read().rsplit('(qemu) ', 1)[0]
        # The first line is the monitor's echo of the command.
        return out.split('\n', 1)[1] if '\n' in out else ''


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    sock, sysmap, out = args[:3]
    syms = symbols(sysmap)
    mon = Monitor(sock)
    lines = ['MMUN-STALL-DUMP %s' % time.strftime('%H:%M:%S')]
    try:
        dump(mon, syms, lines)
    except (OSError, AttributeError) as e:
        lines.append('dump cut short: %s' % e)
    finally:
        # The NMI, whatever became of the dump: it ends the guest.
        if '--nmi' in sys.argv:
            try:
                lines.append('nmi: ' + mon.cmd('nmi').strip())
            except OSError as e:
                lines.append('nmi failed: %s' % e)
        with open(out, 'w') as f:
            f.write('\n'.join(lines) + '\n')


def dump(mon, syms, lines):
    cpus = mon.cmd('info cpus')
    lines.append(cpus)
    for idx in re.findall(r'CPU #(\d+)', cpus):
        mon.cmd('cpu %s' % idx)
        regs = mon.cmd('info registers')
        lines.append('== vCPU %s' % idx)
        lines.append(regs)
        ip = re.search(r'\b(?:RIP|PC)=([0-9a-f]+)', regs)
        if ip:
            lines.append('ip: %s' % (name(int(ip.group(1), 16), syms) or
                                     'not kernel text'))
        # The monitor's x takes an address, not a register name.
        sp = re.search(r'\b(?:RSP|SP|SP_EL1)=([0-9a-f]+)', regs)
        stack = mon.cmd('x/512gx 0x%s' % sp.group(1)) if sp else ''
        called = []
        for word in re.findall(r'0x([0-9a-f]{16})', stack):
            n = name(int(word, 16), syms)
            if n:
                called.append(n)
        lines.append('text addresses on the stack, innermost first:')
        lines.extend('  ' + n for n in called[:80])


if __name__ == '__main__':
    sys.exit(main())
