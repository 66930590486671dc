"""Load: a 256-host simulated fleet read by concurrent facts runs, and the roles with forks=8.

Long; run with `make stress`, not part of `make test`. Each test starts its own simulator process
(run.py, as users and CI do) and drives the collection through the ansible CLI.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(ROOT, "tests", "simulator", "run.py")
PASSWORD = "VMware1!"


@pytest.fixture(scope="module")
def fleet():
    """A 256-host simulator in its own process; yields its port."""
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    process = subprocess.Popen([sys.executable, RUN, "--port", "0", "--hosts", "256"], stdout=log, stderr=subprocess.STDOUT)
    port = None
    for _attempt in range(200):
        with open(log.name, encoding="utf-8") as handle:
            found = re.search(r"https://127\.0\.0\.1:(\d+)/sdk", handle.read())
        if found:
            port = found.group(1)
            break
        if process.poll() is not None:
            break
        subprocess.run(["sleep", "0.1"], check=True)
    assert port, "simulator did not start"
    yield port
    process.terminate()
    process.wait(timeout=30)


def environment(port):
    env = dict(os.environ, VMWARE_HOST="127.0.0.1", VMWARE_PORT=port, VMWARE_USER="administrator@vsphere.local",
               VMWARE_PASSWORD=PASSWORD, VMWARE_VALIDATE_CERTS="false", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    return env


def facts(port):
    """One ad hoc facts run over the whole fleet; returns the hosts dict."""
    out = subprocess.run(["ansible", "localhost", "-m", "multinic.vmotion.vmk_vmotion_facts", "-o"], env=environment(port),
                         capture_output=True, text=True, check=False, timeout=600)
    assert "SUCCESS" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]
    return json.loads(out.stdout[out.stdout.index("{"):])["ansible_facts"]["vmk_vmotion_facts"]


def test_concurrent_facts_runs_match_a_serial_run(fleet):
    serial = facts(fleet)
    assert len(serial) == 256
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(facts, [fleet] * 8))
    for result in concurrent:
        assert result == serial


def test_roles_on_256_hosts_with_forks_8(fleet, tmp_path):
    """site.yml then audit.yml on the whole generated fleet, forks=8: the fleet judgment refuses what would duplicate
    addresses, the rest is built, a no-op re-run, an audit without DUPLICATE_IP."""
    hosts = dict(("esx-%04d.sim.local" % (i + 1), {"ansible_host": "10.20.%d.%d" % (i // 200, i % 200 + 10)}) for i in range(256))
    inventory = tmp_path / "hosts.json"
    inventory.write_text(json.dumps({"esxi": {"hosts": hosts, "vars": {
        "ansible_connection": "local",
        "multinic_vmotion_mgmt_ip_source": "ansible_host",
        "multinic_vmotion_defaults": {"switch": "vSwitch1", "mtu": 9000},
        "multinic_vmotion_plan": [
            {"index": 1, "subnet": "172.16.1.0/24", "portgroup": "vMotion-1", "active_uplink": "vmnic2"},
            {"index": 2, "subnet": "172.16.2.0/24", "portgroup": "vMotion-2", "active_uplink": "vmnic3"},
            {"index": 3, "subnet": "172.16.3.0/24", "portgroup": "vMotion-3", "active_uplink": "vmnic4"},
        ],
    }}}))
    first_200 = "esx-00*.sim.local:esx-01*.sim.local:esx-0200.sim.local"

    def playbook(name, *extra, **kwargs):
        out = subprocess.run(["ansible-playbook", "-i", str(inventory), "-f", "8", os.path.join(ROOT, "playbooks", name),
                              "-e", "vmotion_audit_report_dir=%s" % tmp_path] + list(extra),
                             env=environment(fleet), capture_output=True, text=True, check=False, timeout=1800)
        assert (out.returncode == 0) == kwargs.get("ok", True), out.stdout[-3000:] + out.stderr[-2000:]
        return out.stdout

    first = playbook("site.yml", "--limit", first_200)
    assert "failed=0" in first
    # The generated management IPs repeat their last octet every 200 hosts, so the one-subnet-per-index scheme
    # would give hosts 201-256 the vMotion addresses of hosts 1-56: refused before any write, naming them.
    refused = playbook("site.yml", ok=False)
    assert "DUPLICATE_IP" in refused and "esx-0201.sim.local" in refused and "esx-0001.sim.local vmk1" in refused
    assert set(re.findall(r"changed=(\d+)", refused)) == {"0"}
    again = playbook("site.yml", "--limit", first_200)
    assert re.findall(r"changed=(\d+)", again) and set(re.findall(r"changed=(\d+)", again)) == {"0"}
    playbook("audit.yml", "-e", "vmotion_audit_fail_on=none")
    report_text = (tmp_path / "vmotion-audit.json").read_text()
    assert PASSWORD not in report_text
    codes = set(finding["code"] for finding in json.loads(report_text)["findings"])
    assert "DUPLICATE_IP" not in codes and codes <= {"NO_VMOTION_VMK", "INDEX_MISSING"}, codes
    after = facts(fleet)
    built = [name for name, host in after.items() if sum(1 for vmk in host["vmks"] if vmk["vmotion"]) == 3]
    assert sorted(built) == sorted("esx-%04d.sim.local" % (i + 1) for i in range(200))
