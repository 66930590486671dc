"""Runs the govmomi networking scenario against the simulator, in vCenter and in ESXi mode (see README.md here).

usage: run_interop.py GO_CLIENT_BINARY
Starts tests/simulator/run.py on a free loopback port for each mode, runs the Go client against it with the
simulator's CA, and checks from the simulator's own counters that the client's writes arrived: the five write
calls of the scenario and nothing else. Exit status 1 on any failure.
"""

import json
import os
import ssl
import subprocess
import sys
import tempfile
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN_PY = os.path.join(ROOT, "tests", "simulator", "run.py")
USER, PASSWORD = "administrator%40vsphere.local", "VMware1%21"  # URL-encoded
SCENARIO_WRITES = {"AddPortGroup": 1, "AddVirtualNic": 1, "SelectVnicForNicType": 1, "RemoveVirtualNic": 1, "RemovePortGroup": 1}


def stats(port, ca_file):
    context = ssl.create_default_context(cafile=ca_file)
    with urllib.request.urlopen("https://127.0.0.1:{0}/_sim/stats".format(port), context=context, timeout=10) as answer:
        return json.load(answer)


def run_mode(client, mode, workdir):
    """True when the scenario passes in this mode; prints what happened either way."""
    ca_file = os.path.join(workdir, "ca-{0}.pem".format(mode))
    simulator = subprocess.Popen([sys.executable, RUN_PY, "--port", "0", "--mode", mode, "--cert-out", ca_file], stdout=subprocess.PIPE, text=True)
    try:
        line = simulator.stdout.readline()
        if "https://127.0.0.1:" not in line:
            print("simulator did not start: {0!r}".format(line))
            return False
        port = int(line.split("https://127.0.0.1:")[1].split("/")[0])
        url = "https://{0}:{1}@127.0.0.1:{2}/sdk".format(USER, PASSWORD, port)
        print("== {0} mode: {1} -url https://...@127.0.0.1:{2}/sdk -ca {3}".format(mode, client, port, ca_file), flush=True)
        result = subprocess.run([client, "-url", url, "-ca", ca_file], timeout=180, check=False)
        calls = stats(port, ca_file)["calls"]
    finally:
        simulator.terminate()
        simulator.wait(10)
        simulator.stdout.close()
    print("   simulator saw: {0}".format(", ".join("{0} x{1}".format(m, n) for m, n in sorted(calls.items()))))
    writes = {method: count for method, count in calls.items() if method.startswith(("Add", "Remove", "Update", "Select", "Deselect"))}
    if result.returncode != 0 or writes != SCENARIO_WRITES:
        print("   FAILED: exit status {0}, writes {1} (expected {2})".format(result.returncode, writes, SCENARIO_WRITES))
        return False
    return True


def main(argv):
    if len(argv) != 2 or not os.access(argv[1], os.X_OK):
        print(__doc__)
        return 2
    with tempfile.TemporaryDirectory(prefix="vsim-interop-") as workdir:
        passed = [run_mode(os.path.abspath(argv[1]), mode, workdir) for mode in ("vcenter", "esxi")]
    print("interop: {0} passed, {1} failed".format(sum(passed), len(passed) - sum(passed)))
    return 0 if all(passed) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
