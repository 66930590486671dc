#!/usr/bin/env python
"""Run the vSphere simulator in the foreground.

    python tests/simulator/run.py --port 0 [--topology FILE | --hosts N [--seed-like]] [--mode vcenter|esxi]
        [--release 8.0.3|9.0] [--user U] [--password P] [--latency-ms MS] [--cert-out FILE]

Prints "vsim listening on https://127.0.0.1:PORT/sdk" once it accepts connections; stops on SIGTERM/SIGINT.
"""

import argparse
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from vsim.about import DEFAULT_RELEASE, RELEASES  # noqa: E402 - needs the path above
from vsim.server import start_simulator  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks a free one")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--topology", help="topology YAML (default: topologies/seed.yml, the seed fleet)")
    source.add_argument("--hosts", type=int, help="generate a fleet of N hosts")
    parser.add_argument("--seed-like", action="store_true", help="generated hosts get the seed fleet's layout")
    parser.add_argument("--mode", choices=("vcenter", "esxi"), default="vcenter")
    parser.add_argument("--release", choices=sorted(RELEASES), default=DEFAULT_RELEASE,
                        help="the vCenter/ESXi release it answers as (about, API version); 9.0 needs pyVmomi 9")
    parser.add_argument("--user", default="administrator@vsphere.local", help="the user it accepts (default: %(default)s)")
    parser.add_argument("--password", default="VMware1!", help="that user's password (default: %(default)s)")
    parser.add_argument("--latency-ms", type=float, default=0, help="added to every SOAP call")
    parser.add_argument("--cert-out", help="write the CA certificate (PEM) that signs the server certificate here")
    args = parser.parse_args(argv)

    started = time.monotonic()
    try:
        sim = start_simulator(topology_file=args.topology, hosts=args.hosts, seed_like=args.seed_like, mode=args.mode, user=args.user,
                              password=args.password, latency_ms=args.latency_ms, port=args.port, cert_out=args.cert_out,
                              release=args.release)
    except ValueError as e:
        parser.error(str(e))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print("vsim listening on {0} ({1} mode, release {2}, started in {3:.2f} s)".format(
        sim.url, args.mode, args.release, time.monotonic() - started), flush=True)
    stop.wait()
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
