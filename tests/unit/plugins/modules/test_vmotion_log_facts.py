# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module only wires: options -> read the hosts -> _logs.read_vmotion_logs -> result or failure.

The paging and the judging are tested in module_utils (test_logs.py, test_vmkernel_log.py); here the
results and messages the module gives for them, with the real VsphereClient over a fake server.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
from pyVmomi import vmodl

from ansible_collections.multinic.vmotion.plugins.modules import vmotion_log_facts
from ansible_collections.multinic.vmotion.tests.unit.plugins.module_utils._audit.test_vmotion_logs import FakeLog, State, fake_client

SEED_PATH = os.path.join(os.path.dirname(__file__), "..", "module_utils", "fixtures", "seed-vmkernel.log")


def _seed():
    with open(SEED_PATH, encoding="utf-8") as handle:
        return handle.read().splitlines()


class Ended(Exception):
    def __init__(self, failed, result):
        super(Ended, self).__init__(result.get("msg"))
        self.failed, self.result = failed, result


class FakeAnsibleModule(object):
    def fail_json(self, **result):
        raise Ended(True, result)

    def exit_json(self, **result):
        raise Ended(False, result)


def _run(client, states, lines=5000, fail_on_missing_streams=False, unread=None):
    module = vmotion_log_facts.VmotionLogFacts.__new__(vmotion_log_facts.VmotionLogFacts)
    module.unread = unread or {}  # hosts vCenter cannot reach, as read_hosts leaves them
    module.module = FakeAnsibleModule()
    module.params = {"hostname": client.hostname, "lines": lines, "fail_on_missing_streams": fail_on_missing_streams}
    module.client, module.inventory, module.check_mode = client, None, False
    module.read_hosts = lambda esxi_hostname=None: states
    with pytest.raises(Ended) as ended:
        module.execute()
    return ended.value


def _four_of_five():
    return [line.replace(".114", ".110") for line in _seed() if "'172.16.3.114'" not in line and "Stream connection 5 added" not in line]


def test_the_module_calls_no_vsphere_method():
    with open(vmotion_log_facts.__file__, encoding="utf-8") as handle:
        source = handle.read()
    code = source[source.index('"""\n\nfrom ') + 4:]  # past DOCUMENTATION, EXAMPLES and RETURN
    assert not re.search(r"\.BrowseDiagnosticLog|\.call\(|\.content\b|browse_log", code)


def test_result_of_a_good_and_a_bad_host():
    client = fake_client({"host-114": FakeLog(_seed()), "host-110": FakeLog(_four_of_five())})
    ended = _run(client, {"192.168.100.110": State("host-110", 110), "192.168.100.114": State("host-114", 114)})
    assert not ended.failed and ended.result["changed"] is False
    hosts, summary = ended.result["hosts"], ended.result["summary"]
    assert hosts["192.168.100.114"]["verdict"]["status"] == "ok"
    assert hosts["192.168.100.110"]["verdict"]["status"] == "not_ok"
    assert summary["hosts_not_ok"] == ["192.168.100.110"] and summary["missing_streams"] == 1 and summary["calls"] == 4


def test_fail_on_missing_streams_names_host_migration_and_vmk():
    client = fake_client({"host-110": FakeLog(_four_of_five())})
    ended = _run(client, {"192.168.100.110": State("host-110", 110)}, fail_on_missing_streams=True)
    assert ended.failed and ended.result["msg"] == (
        "1 migration(s) did not use every vMotion vmk: 192.168.100.110: migration 1371189392257031 (source, "
        "2013-06-14T05:30:23.991Z) carried 4 stream(s) for 5 vMotion vmk(s); no stream on vmk3 (172.16.3.110)")
    assert ended.result["summary"]["hosts_not_ok"] == ["192.168.100.110"]


def test_lines_below_one_fail():
    ended = _run(fake_client({}), {}, lines=0)
    assert ended.failed and ended.result["msg"] == "lines must be at least 1 (got 0)"


def test_one_unreadable_host_is_reported_all_unreadable_fails():
    client = fake_client({"host-107": vmodl.fault.HostNotConnected(), "host-114": FakeLog(_seed())})
    ended = _run(client, {"192.168.100.107": State("host-107", 107), "192.168.100.114": State("host-114", 114)})
    assert not ended.failed and ended.result["summary"]["unreadable"] == ["192.168.100.107"]

    ended = _run(client, {"192.168.100.107": State("host-107", 107)})
    assert ended.failed and ended.result["msg"] == (
        "could not read the vmkernel log of any host in scope: reading the vmkernel log of 192.168.100.107 failed: HostNotConnected")
    assert ended.result["hosts"]["192.168.100.107"]["verdict"]["status"] == "unreadable"


def test_a_lost_connection_fails_the_run_naming_the_host():
    client = fake_client({"host-107": OSError("connection reset"), "host-114": FakeLog(_seed())})
    ended = _run(client, {"192.168.100.107": State("host-107", 107), "192.168.100.114": State("host-114", 114)})
    assert ended.failed and ended.result["msg"].startswith("reading the vmkernel log of 192.168.100.107 failed: connection to vc.example.com:443 lost")
    assert "hosts" not in ended.result
    assert [call[0] for call in client.content.diagnosticManager.calls] == ["host-107"]


def test_a_server_without_diagnostic_manager_fails_before_reading_any_log():
    ended = _run(fake_client({}, diagnostic_manager=False), {"192.168.100.114": State("host-114", 114)})
    assert ended.failed and ended.result == {
        "msg": "the server at vc.example.com has no DiagnosticManager, so host logs cannot be read through it"}
    # No host in scope: nothing to read, nothing to refuse.
    ended = _run(fake_client({}, diagnostic_manager=False), {})
    assert not ended.failed and ended.result["hosts"] == {} and ended.result["summary"]["hosts"] == 0


def test_a_host_vcenter_cannot_reach_is_named_and_its_log_never_asked_for():
    client = fake_client({"host-114": FakeLog(_seed())})
    unread = {"192.168.100.110": {"name": "192.168.100.110", "connection_state": "disconnected", "maintenance": False, "cluster": "CL01"}}
    ended = _run(client, {"192.168.100.114": State("host-114", 114)}, unread=unread)
    assert not ended.failed and ended.result["summary"]["not_read"] == ["192.168.100.110"]
    verdict = ended.result["hosts"]["192.168.100.110"]["verdict"]
    assert verdict["status"] == "not_read" and verdict["problems"] == ["not read: disconnected: vCenter cannot reach the host"]
    assert set(call[0] for call in client.content.diagnosticManager.calls) == {"host-114"}
