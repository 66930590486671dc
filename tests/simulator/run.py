#!/usr/bin/env python
"""Run the vSphere simulator in the foreground.

    python tests/simulator/run.py --port 0 [--topology FILE | --hosts N [--seed-like]] [--mode vcenter|esxi]
        [--user U] [--password P] [--latency-ms MS] [--cert-out FILE]

Prints "vsim listening on https://127.0.0.1:PORT/sdk" once it accepts connections; stops on SIGTERM/SIGINT.
"""

import argparse
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from vsim.server import start_simulator  # noqa: E402 - needs the path above


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks a free one")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--topology", help="topology YAML (default: topologies/seed.yml, the seed fleet)")
    source.add_argument("--hosts", type=int, help="generate a fleet of N hosts")
    parser.add_argument("--seed-like", action="store_true", help="generated hosts get the seed fleet's layout")
    parser.add_argument("--mode", choices=("vcenter", "esxi"), default="vcenter")
    parser.add_argument("--user", default="administrator@vsphere.local")
    parser.add_argument("--password", default="VMware1!")
    parser.add_argument("--latency-ms", type=float, default=0, help="added to every SOAP call")
    parser.add_argument("--cert-out", help="write the CA certificate (PEM) that signs the server certificate here")
    args = parser.parse_args(argv)

    started = time.monotonic()
    sim = start_simulator(topology_file=args.topology, hosts=args.hosts, seed_like=args.seed_like, mode=args.mode, user=args.user,
                          password=args.password, latency_ms=args.latency_ms, port=args.port, cert_out=args.cert_out)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print("vsim listening on {0} ({1} mode, started in {2:.2f} s)".format(sim.url, args.mode, time.monotonic() - started), flush=True)
    stop.wait()
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
