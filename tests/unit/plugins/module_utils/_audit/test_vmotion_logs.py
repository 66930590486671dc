# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a log tail page by page, one host's log through VsphereClient.browse_log, and the hosts judged.

The simulator serves a whole request in one answer; real servers cap each answer
(vCenter 500 lines, ESXi 1000), which only a fake server here can show.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
from pyVmomi import vmodl

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.vmotion_logs import read_vmotion_logs
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.log_paging import (
    LOG_KEY,
    PROBE_START,
    HostLog,
    HostLogError,
    read_log_tail,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.client import VsphereClient
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import VsphereError

SEED_PATH = os.path.join(os.path.dirname(__file__), "..", "fixtures", "seed-vmkernel.log")


def _seed():
    with open(SEED_PATH, encoding="utf-8") as handle:
        return handle.read().splitlines()


class Header(object):
    def __init__(self, start, end, text):
        self.lineStart, self.lineEnd, self.lineText = start, end, text


class FakeLog(object):
    """BrowseDiagnosticLog over a list, answering at most `cap` lines per call."""

    def __init__(self, lines, cap=500):
        self.lines, self.cap, self.calls = list(lines), cap, []

    def __call__(self, start, lines):
        self.calls.append((start, lines))
        first = min(start, len(self.lines) + 1)
        text = self.lines[first - 1:first - 1 + min(lines, self.cap)]
        return Header(first, first + len(text) - 1 if text else len(self.lines), text)


def _read(log, want):
    pages = []
    info = read_log_tail(log, want, pages.append)
    return info, [line for page in pages for line in page]


# --- the pager --------------------------------------------------------------------------------------------------------

def test_reads_only_the_tail_in_capped_pages():
    log = FakeLog(["line %d" % n for n in range(1, 3001)], cap=500)
    info, lines = _read(log, 1200)
    assert lines == ["line %d" % n for n in range(1801, 3001)]
    assert info == {"key": "vmkernel", "line_start": 1801, "line_end": 3000, "lines_read": 1200}
    assert log.calls == [(PROBE_START, 0), (1801, 1200), (2301, 700), (2801, 200)]


def test_short_and_empty_logs():
    info, lines = _read(FakeLog(["a", "b"]), 5000)
    assert lines == ["a", "b"] and info["line_start"] == 1 and info["lines_read"] == 2
    empty = FakeLog([])
    info, lines = _read(empty, 5000)
    assert lines == [] and info["line_end"] == 0 and len(empty.calls) == 1


def test_a_log_rotated_after_the_probe_keeps_what_was_read():
    answers = iter([Header(PROBE_START, 1000, []), Header(1, 300, ["x"] * 300), Header(301, 300, [])])
    info, lines = _read(lambda start, lines: next(answers), 1000)
    assert info["lines_read"] == 300 and len(lines) == 300


def test_a_server_that_does_not_report_the_end_is_an_error():
    def echo(start, lines):  # lineEnd = start - 1 for a start past the end, as a naive server would answer
        return Header(start, start - 1, [])

    with pytest.raises(HostLogError, match="did not tell where the log ends"):
        _read(echo, 100)


# --- one host's log through VsphereClient.browse_log ----------------------------------------------------------------

class FakeDiagnosticManager(object):
    """DiagnosticManager whose hosts are keys of `logs`; a host mapped to an exception raises it."""

    def __init__(self, logs):
        self.logs = logs
        self.calls = []

    def BrowseDiagnosticLog(self, host, key, start, lines):
        self.calls.append((host, key, start, lines))
        log = self.logs[host]
        if isinstance(log, Exception):
            raise log
        return log(start, lines)


class FakeContent(object):
    def __init__(self, diagnostic_manager):
        self.diagnosticManager = diagnostic_manager


def fake_client(logs, diagnostic_manager=True):
    """The real VsphereClient (call, browse_log and their errors) over a fake ServiceContent."""
    client = VsphereClient.__new__(VsphereClient)
    client.hostname, client.port = "vc.example.com", 443
    client.content = FakeContent(FakeDiagnosticManager(logs) if diagnostic_manager else None)
    return client


def test_host_log_asks_browse_log_for_the_host_and_counts_calls():
    client = fake_client({"host-1": FakeLog(["a", "b", "c"])})
    browse = HostLog(client, "esx01", "host-1")
    info, lines = _read(browse, 2)
    assert lines == ["b", "c"] and info["line_start"] == 2
    assert browse.calls == 2
    assert client.content.diagnosticManager.calls == [("host-1", LOG_KEY, PROBE_START, 0), ("host-1", LOG_KEY, 2, 2)]


def test_a_fault_of_the_host_is_a_host_log_error():
    browse = HostLog(fake_client({"host-1": vmodl.fault.HostNotConnected()}), "esx01", "host-1")
    with pytest.raises(HostLogError, match="^reading the vmkernel log of esx01 failed: HostNotConnected"):
        browse(PROBE_START, 0)


@pytest.mark.parametrize("client", [
    fake_client({"host-1": OSError("connection reset")}),
    fake_client({}, diagnostic_manager=False),
], ids=["connection-lost", "no-diagnostic-manager"])
def test_a_lost_connection_or_a_server_without_diagnostic_manager_ends_the_run(client):
    with pytest.raises(VsphereError) as raised:
        HostLog(client, "esx01", "host-1")(PROBE_START, 0)
    assert not isinstance(raised.value, HostLogError)


# --- the hosts of a scope, read and judged ------------------------------------------------------------------------------

class State(object):
    def __init__(self, moref, octet, cluster="CL01"):
        self.moref, self.cluster, self.datacenter = moref, cluster, "DC01"
        self.facts = {"vmks": [{"device": "vmk%d" % i, "ip": "172.16.%d.%d" % (i % 5, octet), "ipv6": [], "vmotion": True}
                               for i in range(1, 6)]}


def test_read_vmotion_logs_judges_each_host_and_reports_the_unreadable_one():
    client = fake_client({"host-114": FakeLog(_seed()), "host-107": vmodl.fault.HostNotConnected(), "host-108": FakeLog([])})
    hosts = read_vmotion_logs(client, {"esx107": State("host-107", 107), "esx108": State("host-108", 108),
                                       "esx114": State("host-114", 114)}, 5000)
    assert list(hosts) == ["esx107", "esx108", "esx114"]
    ok = hosts["esx114"]
    assert ok["log"] == {"key": "vmkernel", "line_start": 1, "line_end": 17, "lines_read": 17, "lines_matched": 14, "calls": 2}
    assert ok["verdict"]["status"] == "ok" and ok["migrations"][0]["streams"] == 5
    assert (ok["cluster"], ok["datacenter"]) == ("CL01", "DC01") and len(ok["vmotion_vmks"]) == 5
    down = hosts["esx107"]
    assert down["log"]["calls"] == 1 and down["migrations"] == []
    assert down["log"]["error"].startswith("reading the vmkernel log of esx107 failed: HostNotConnected")
    assert down["verdict"]["status"] == "unreadable" and down["verdict"]["problems"] == [down["log"]["error"]]
    empty = hosts["esx108"]
    assert empty["log"] == {"key": "vmkernel", "line_start": 1, "line_end": 0, "lines_read": 0, "lines_matched": 0, "calls": 1}
    assert empty["verdict"]["status"] == "no_migrations"
