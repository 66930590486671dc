#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the vmkernel.log parser (not a test; nothing asserts on timing).

Generates a vmkernel.log of --size-mb MB in a temporary directory: mostly
noise from other vmkernel modules (storage, network, vSAN, syslog-forwarded
and ESXi 8 prefixes) with vMotion migrations of 1 to 8 streams interleaved,
some failing. Then parses it streaming, line by line from the file, and
prints the throughput in MB/s.

    PYTHONPATH=/path/to/collections python tests/bench/bench_vmkernel_log.py [--size-mb 200] [--keep]
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import atexit
import os
import random
import shutil
import sys
import tempfile
import time

try:
    from ansible_collections.multinic.vmotion.plugins.module_utils._audit.vmkernel_log import VmkernelLogParser
except ImportError:
    # Run from a checkout that is not on an ansible_collections path: the parser imports its siblings
    # by their collection name, so give the checkout that name in a temporary tree.
    _TREE = tempfile.mkdtemp(prefix="bench-collections-")
    atexit.register(shutil.rmtree, _TREE, True)
    os.makedirs(os.path.join(_TREE, "ansible_collections", "multinic"))
    os.symlink(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
               os.path.join(_TREE, "ansible_collections", "multinic", "vmotion"))
    sys.path.insert(0, _TREE)
    from ansible_collections.multinic.vmotion.plugins.module_utils._audit.vmkernel_log import VmkernelLogParser  # noqa: E402

NOISE = (
    "ScsiDeviceIO: 4176: Cmd(0x45d9a1c3b940) 0x85, CmdSN 0x3fa0 from world 2097829 to dev \"naa.600508b1001c5e2f\" failed H:0x0 D:0x2 P:0x0 "
    "Valid sense data: 0x5 0x20 0x0.",
    "NMP: nmp_ThrottleLogForDevice: 3867: Cmd 0x85 (0x45d9a1c3b940, 2097829) to dev \"mpx.vmhba32:C0:T0:L0\" on path \"vmhba32:C0:T0:L0\" "
    "Failed: H:0x0 D:0x2 P:0x0 Valid sense data: 0x5 0x20 0x0. Act:NONE",
    "Vol3: 2127: Could not open file 'vmware-12.log' on '5f3e2a1c-8e1d2b3a-4c5d-001b21abcd12': Not found",
    "VSCSI: 2611: handle 8193(vscsi0:0):Reset request on FSS handle 1234567 (0 outstanding commands) from (vmm0:web01)",
    "Net: 1652: connected web01 eth0 to VM Network, portID 0x2000004",
    "NetPort: 1580: disabled port 0x4000006",
    "vmw_ahci[00000017]: ahciAbortIO:(curr) HWQD: 0 BusyL: 0",
    "FSS: 6092: No FS driver claimed device 'mpx.vmhba32:C0:T0:L0': No filesystem on the device",
    "LVM: 13117: One or more LVM devices have been discovered.",
    "HBX: 3033: 'datastore1': HB at offset 3604480 - Waiting for timed out HB:",
    "VSAN: VsanIoctlCtrlNode:2137: 52a1c9f0-1a2b-3c4d-5e6f-123456789abc: RPC to DOM returned: Success",
    "DVFilter: 5964: Checking disconnected filters for timeouts",
    "Tcpip_Vmk: 1059: Affinitizing 10.0.0.21 to world 2099431, Success",
    "MigrateNet: vm 8910: 1998: Accepted connection from <10.20.0.22>",
    "World: 12235: VC opID 5b2e0b5f-01-aa maps to vmkernel opID 7c3d9e2a",
    "CpuSched: 692: user latency of 2099552 vmx-vthread-8 0 changed by 2099552 vmx-vthread-8 -6",
    "Activating Jumpstart plugin restore-system-uuid.",
    "Swap: 2403: Starting opportunistic swapper for the cluster",
)


def prefixes(rng):
    """Line prefixes in the shapes ESXi writes: functions of (timestamp, cpu, world) returning the prefix."""
    host = "esx%02d.lab.local" % rng.randint(1, 40)
    return (
        lambda ts, cpu, wid: "%s cpu%d:%d)" % (ts, cpu, wid),
        lambda ts, cpu, wid: "%s In(182) vmkernel: cpu%d:%d)" % (ts, cpu, wid),
        lambda ts, cpu, wid: "<166>%s %s vmkernel: cpu%d:%d)" % (ts, host, cpu, wid),
    )


def migration_lines(rng, mig_id):
    """Messages of one migration, as a list of (offset_ms, text)."""
    side = rng.choice("SSSD")
    n = rng.randint(1, 8)
    base = "10.20.%d." % rng.randint(0, 9)
    octet = rng.randint(10, 250)
    src, dst = "%s%d" % (base, octet), "%s%d" % (base, octet + 1)
    wid = rng.randint(2097152, 2199999)
    lines = [(0, "Migrate: vm %d: %d: Setting VMOTION info: %s ts = %s, src ip = <%s> dest ip = <%s> Dest wid = %d using SHARED swap"
              % (wid, rng.randint(100, 9999), "Source" if side == "S" else "Dest", mig_id, src, dst, wid + 7 if side == "S" else 0))]
    for i in range(n):
        ip = "10.%d.%d.%d" % (20 + i, rng.randint(0, 9), octet)
        lines.append((2 + i, "MigrateNet: %d: %s %s: Successfully bound connection to vmknic '%s'" % (rng.randint(100, 9999), mig_id, side, ip)))
        lines.append((3 + i, "VMotion: %d: %s %s: Set ip address '%s' worldlet affinity to %s World ID %d"
                      % (rng.randint(100, 9999), mig_id, side, ip, "send" if side == "S" else "recv", wid + i)))
        lines.append((4 + i, "VMotionUtil: %d: %s %s: Stream connection %d added." % (rng.randint(100, 9999), mig_id, side, i + 1)))
    if rng.random() < 0.1:
        lines.append((9000, "WARNING: Migrate: %d: %s %s: Migration considered a failure by the VMX.  It is most likely a timeout, but check the VMX log "
                      "for the true error." % (rng.randint(100, 9999), mig_id, side)))
        lines.append((9001, "WARNING: Migrate: %d: %s %s: Failed: Connection closed by remote host, possibly due to timeout (0xbad003f) @0x41801e2b"
                      % (rng.randint(100, 9999), mig_id, side)))
    else:
        lines.append((8000, "VMotion: %d: %s %s: Stopping pre-copy: only %d pages left to send, which can be sent within the switchover time goal of "
                      "0.500 seconds (network bandwidth ~%.3f MB/s, %d%% t2d)" % (rng.randint(100, 9999), mig_id, side, rng.randint(100, 90000),
                                                                                  rng.uniform(100, 3000), rng.randint(100, 20000))))
        lines.append((9000, "Migrate: %d: %s %s: Migration considered a success." % (rng.randint(100, 9999), mig_id, side)))
    for i in range(n):
        lines.append((9100 + i, "VMotionUtil: %d: %s %s: Stream connection %d removed." % (rng.randint(100, 9999), mig_id, side, i + 1)))
    return lines


def generate(path, size_mb, seed=4242):
    """Write about size_mb MB of log to path; return (bytes written, migrations written)."""
    rng = random.Random(seed)
    shapes = prefixes(rng)
    target = size_mb * 1000 * 1000
    written = migrations = 0
    clock_ms = 1700000000000
    pending = []  # (due_ms, prefix, text) of migrations in flight, so they interleave with noise and each other
    with open(path, "w", encoding="utf-8") as out:
        while written < target:
            buf = []
            for dummy in range(2000):
                clock_ms += rng.randint(0, 3)
                if rng.random() < 0.004:
                    migrations += 1
                    mig_id = str(rng.randint(10 ** 15, 10 ** 19))
                    shape = rng.choice(shapes)
                    pending.extend((clock_ms + ms, shape, text) for ms, text in migration_lines(rng, mig_id))
                    pending.sort(key=lambda item: item[0])
                if pending and pending[0][0] <= clock_ms:
                    shape, text = pending.pop(0)[1:]
                else:
                    shape, text = rng.choice(shapes), rng.choice(NOISE)
                seconds, ms = divmod(clock_ms, 1000)
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".%03dZ" % ms
                buf.append(shape(stamp, rng.randint(0, 63), rng.randint(2097152, 2199999)) + text + "\n")
            chunk = "".join(buf)
            out.write(chunk)
            written += len(chunk)
    return written, migrations


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the generated log and print its path")
    parser.add_argument("--log", help="parse this existing log instead of generating one")
    args = parser.parse_args()

    tmp = None
    try:
        if args.log:
            path = args.log
        else:
            tmp = tempfile.mkdtemp(prefix="bench-vmkernel-")
            path = os.path.join(tmp, "vmkernel.log")
            started = time.perf_counter()
            generated = generate(path, args.size_mb)[1]
            print("generated %s (%d migrations) in %.1f s" % (path, generated, time.perf_counter() - started))
        size = os.path.getsize(path)

        started = time.perf_counter()
        log_parser = VmkernelLogParser()
        with open(path, "r", encoding="utf-8", errors="replace") as handle:
            log_parser.feed_lines(handle)
        result = log_parser.result()
        elapsed = time.perf_counter() - started

        failed = sum(1 for m in result["migrations"] if m["failed"])
        print("parsed %.1f MB, %d lines (%d skipped), %d migrations (%d failed) in %.2f s: %.1f MB/s"
              % (size / 1e6, result["lines"], result["skipped"], len(result["migrations"]), failed, elapsed, size / 1e6 / elapsed))
    finally:
        if tmp and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp:
            print("kept %s" % tmp)


if __name__ == "__main__":
    main()
