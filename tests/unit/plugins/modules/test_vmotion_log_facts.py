# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a log tail page by page (the module), and judging migrations against vmks (_vmkernel_log).

The simulator serves a whole request in one answer; real servers cap each answer
(vCenter 500 lines, ESXi 1000), which only a fake server here can show.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.multinic.vmotion.plugins.module_utils._vmkernel_log import judge_host, parse_vmkernel_log, vmotion_vmks
from ansible_collections.multinic.vmotion.plugins.modules.vmotion_log_facts import (
    PROBE_START,
    HostLogError,
    read_log_tail,
)

SEED_PATH = os.path.join(os.path.dirname(__file__), "..", "module_utils", "fixtures", "seed-vmkernel.log")


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


def _seed():
    with open(SEED_PATH, encoding="utf-8") as handle:
        return handle.read().splitlines()


def _read(log, want):
    pages = []
    info = read_log_tail(log, want, pages.append)
    return info, [line for page in pages for line in page]


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


def _vmks(octet, devices=("vmk1", "vmk2", "vmk3", "vmk4", "vmk6")):
    subnet = {"vmk1": 1, "vmk2": 2, "vmk3": 3, "vmk4": 4, "vmk6": 0}
    return [{"device": d, "ip": "172.16.%d.%d" % (subnet[d], octet)} for d in devices]


def test_seed_migration_uses_all_five_vmks():
    migrations, verdict = judge_host("192.168.100.114", parse_vmkernel_log(_seed())["migrations"], _vmks(114))
    assert verdict["status"] == "ok" and verdict["problems"] == [] and verdict["vmks_never_used"] == []
    assert migrations[0]["ok"] is True and migrations[0]["partial"] is False
    assert [v["device"] for v in migrations[0]["used_vmks"]] == ["vmk1", "vmk2", "vmk3", "vmk4", "vmk6"]


def test_missing_vmk_is_named():
    lines = [line for line in _seed() if "172.16.3.114'" not in line and "Stream connection 5" not in line]
    migrations, verdict = judge_host("192.168.100.114", parse_vmkernel_log(lines)["migrations"], _vmks(114))
    assert verdict["status"] == "not_ok"
    assert verdict["missing_streams"][0]["unused_vmks"] == [{"device": "vmk3", "ip": "172.16.3.114"}]
    assert verdict["missing_streams"][0]["seen_streams"] == 4
    assert "carried 4 stream(s) for 5 vMotion vmk(s); no stream on vmk3 (172.16.3.114)" in verdict["problems"][0]


def test_vmk_with_vmotion_disabled_is_unexpected():
    # .112 has vMotion only on vmk1, vmk3 and vmk4: a migration binding all five is not ok.
    migrations, verdict = judge_host("192.168.100.112", parse_vmkernel_log(
        [line.replace(".114", ".112") for line in _seed()])["migrations"], _vmks(112, ("vmk1", "vmk3", "vmk4")))
    assert verdict["status"] == "not_ok" and verdict["missing_streams"] == []
    assert migrations[0]["unexpected_vmknics"] == ["172.16.0.112", "172.16.2.112"]
    assert "not a vMotion vmk of the host" in verdict["problems"][0]


def test_cut_migration_is_partial_and_not_judged():
    migrations, verdict = judge_host("192.168.100.114", parse_vmkernel_log(_seed()[10:])["migrations"], _vmks(114))
    assert migrations[0]["partial"] is True and migrations[0]["ok"] is None
    assert verdict["status"] == "no_migrations" and verdict["partial"] == 1 and verdict["problems"] == []


def test_failed_migration_is_reported():
    lines = _seed() + ["2013-06-14T05:30:40.000Z cpu1:8854653)Migrate: 1: 1371189392257031 S: Migration considered a failure by the VMX."]
    _migrations, verdict = judge_host("192.168.100.114", parse_vmkernel_log(lines)["migrations"], _vmks(114))
    assert verdict["failed"] == ["1371189392257031"] and verdict["status"] == "not_ok"
    assert "failed: Migration considered a failure" in verdict["problems"][-1]


def test_vmotion_vmks_from_facts():
    facts = {"vmks": [
        {"device": "vmk0", "ip": "192.168.100.114", "ipv6": [], "vmotion": False},
        {"device": "vmk1", "ip": "172.16.1.114", "ipv6": [], "vmotion": True},
        {"device": "vmk2", "ip": None, "vmotion": True,
         "ipv6": [{"address": "fe80::1"}, {"address": "2001:db8::0:114"}]},
        {"device": "vmk3", "ip": None, "ipv6": [], "vmotion": True},
    ]}
    assert vmotion_vmks(facts) == [{"device": "vmk1", "ip": "172.16.1.114"}, {"device": "vmk2", "ip": "2001:db8::114"}]


def test_failure_of_a_cut_migration_still_counts():
    lines = _seed()[10:] + ["2013-06-14T05:30:40.000Z cpu1:8854653)Migrate: 1: 1371189392257031 S: Migration considered a failure by the VMX."]
    migrations, verdict = judge_host("192.168.100.114", parse_vmkernel_log(lines)["migrations"], _vmks(114))
    assert migrations[0]["partial"] is True
    assert verdict["failed"] == ["1371189392257031"] and verdict["status"] == "not_ok" and verdict["migrations"] == 0
