# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.ping_mesh import (
    SMALL_PAYLOAD,
    ConnectivityError,
    endpoints,
    failure_message,
    failures,
    host_evidence,
    pair_count,
    pair_result,
    payload,
    ping_arguments,
    plan,
    run_pairs,
    summarize,
    verdict,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.rules import fleet_findings
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import VsphereError

# device -> (port group, active uplink, subnet prefix, MTU)
VMKS = {"vmk1": ("vMotion-1", "vmnic2", "172.16.1", 9000), "vmk2": ("vMotion-2", "vmnic3", "172.16.2", 1500)}


def host(octet, drop=(), mtu=None, netstack="defaultTcpipStack", ipv6_only=()):
    name = "192.168.100.%d" % octet
    uplinks = ["vmnic0", "vmnic2", "vmnic3"]
    portgroups = [{"name": "Management Network", "switch": "vSwitch0", "teaming": {"active": ["vmnic0"], "standby": [], "unused": []}}]
    vmks = [{"device": "vmk0", "portgroup": "Management Network", "switch": "vSwitch0", "ip": name, "prefix_length": 24, "ipv6": [],
             "mtu": 1500, "netstack": "defaultTcpipStack", "services": ["management"], "vmotion": False}]
    for device, (pg, active, prefix, default_mtu) in sorted(VMKS.items()):
        portgroups.append({"name": pg, "switch": "vSwitch1", "teaming": {"active": [active], "standby": [],
                                                                         "unused": [u for u in uplinks if u != active]}})
        if device in drop:
            continue
        ipv6 = [{"address": "2001:db8:%s::%x" % (device[3:], octet), "prefix_length": 64}]
        vmks.append({"device": device, "portgroup": pg, "switch": "vSwitch1", "ip": None if device in ipv6_only else "%s.%d" % (prefix, octet),
                     "prefix_length": 24, "ipv6": ipv6, "mtu": (mtu or {}).get(device, default_mtu), "netstack": netstack,
                     "services": ["vmotion"], "vmotion": True})
    return name, {"name": name, "mgmt_ip": name, "switches": [{"name": "vSwitch1", "type": "standard", "uplinks": uplinks, "mtu": 9000}],
                  "portgroups": portgroups, "vmks": vmks}


def fleet(n=4, changes=None):
    """n hosts; ``changes`` maps a last octet to keyword arguments of host()."""
    return dict(host(100 + i, **(changes or {}).get(100 + i, {})) for i in range(n))


def answer(received=3, transmitted=3, fault=None, too_long=False):
    return {"transmitted": transmitted, "received": received, "loss_percent": (100 * (transmitted - received)) // transmitted if transmitted else 100,
            "rtt_min_ms": 0.1 if received else None, "rtt_avg_ms": 0.2 if received else None, "rtt_max_ms": 0.3 if received else None,
            "fault": fault, "too_long": too_long}


class TestPlan:
    def test_endpoints_per_index_leave_management_out(self):
        found = endpoints(fleet(3))
        assert sorted(found) == ["vmk1", "vmk2"]
        assert [e["host"] for e in found["vmk1"]] == ["192.168.100.100", "192.168.100.101", "192.168.100.102"]
        first = found["vmk1"][0]
        assert first["ipv4"] == "172.16.1.100" and first["mtu"] == 9000 and first["uplinks"] == [("vSwitch1", "vmnic2")]

    @pytest.mark.parametrize("strategy,per_index", [("mesh", 12), ("star", 3), ("ring", 4)])
    def test_pairs_per_strategy(self, strategy, per_index):
        pairs, _refs = plan(endpoints(fleet(4)), strategy)
        assert len(pairs) == 2 * per_index == 2 * pair_count(4, strategy)
        assert all(p["source"] != p["destination"] for p in pairs)
        assert len(set((p["index"], p["source"], p["destination"]) for p in pairs)) == len(pairs)

    def test_costs_for_12_and_256_hosts(self):
        assert [pair_count(12, s) for s in ("mesh", "star", "ring")] == [132, 11, 12]
        assert [pair_count(256, s) for s in ("mesh", "star", "ring")] == [65280, 255, 256]
        assert pair_count(2, "ring") == 1 and pair_count(1, "mesh") == 0

    def test_ring_of_two_is_one_pair(self):
        pairs, _refs = plan(endpoints(fleet(2)), "ring", None)
        assert [(p["source"][-3:], p["destination"][-3:]) for p in pairs if p["index"] == "vmk1"] == [("100", "101")]

    def test_star_reference(self):
        pairs, refs = plan(endpoints(fleet(4)), "star", "192.168.100.102")
        assert refs == {"vmk1": "192.168.100.102", "vmk2": "192.168.100.102"}
        assert set(p["destination"] for p in pairs) == {"192.168.100.102"}

    def test_star_reference_without_the_index_falls_back_to_the_first_host(self):
        pairs, refs = plan(endpoints(fleet(4, {102: {"drop": ("vmk2",)}})), "star", "192.168.100.102")
        assert refs["vmk2"] == "192.168.100.100" and len([p for p in pairs if p["index"] == "vmk2"]) == 2

    def test_unknown_reference_and_strategy(self):
        with pytest.raises(ConnectivityError, match="reference_host 'esx99' is not a host in scope"):
            plan(endpoints(fleet(2)), "star", "esx99")
        with pytest.raises(ConnectivityError, match="strategy 'full' must be one of mesh, star, ring"):
            plan(endpoints(fleet(2)), "full")

    def test_payload_is_mtu_minus_headers(self):
        assert payload(9000, "ipv4") == 8972 and payload(9000, "ipv6") == 8952 and payload(None, "ipv4") == 1472
        pairs, _refs = plan(endpoints(fleet(2)), "mesh")
        assert sorted(set((p["index"], p["size"]) for p in pairs)) == [("vmk1", 8972), ("vmk2", 1472)]

    def test_each_direction_uses_its_source_mtu(self):
        pairs, _refs = plan(endpoints(fleet(2, {101: {"mtu": {"vmk1": 1500}}})), "mesh")
        sizes = dict((p["source"][-3:], p["size"]) for p in pairs if p["index"] == "vmk1")
        assert sizes == {"100": 8972, "101": 1472}

    def test_ipv6_only_vmk_pings_ipv6(self):
        pairs, _refs = plan(endpoints(fleet(2, {100: {"ipv6_only": ("vmk2",)}, 101: {"ipv6_only": ("vmk2",)}})), "mesh")
        pair = [p for p in pairs if p["index"] == "vmk2"][0]
        assert pair["family"] == "ipv6" and pair["destination_ip"] == "2001:db8:2::65" and pair["size"] == 1452
        assert ping_arguments(pair, True)["ipv6"] is True

    def test_no_common_family(self):
        pairs, _refs = plan(endpoints(fleet(2, {100: {"ipv6_only": ("vmk2",)}})), "mesh")
        pair = [p for p in pairs if p["index"] == "vmk2"][0]
        pair["destination_ip"] = None
        assert pair_result(dict(pair, family=None), None)["verdict"] == "no_address"

    def test_ping_arguments(self):
        pairs, _refs = plan(endpoints(fleet(2, {100: {"netstack": "vmotion"}})), "mesh")
        pair = [p for p in pairs if p["index"] == "vmk1" and p["source"].endswith("100")][0]
        assert ping_arguments(pair, True, 2) == {"host": "172.16.1.101", "interface": "vmk1", "count": 2, "size": 8972, "df": True,
                                                 "ipv4": True, "netstack": "vmotion"}
        small = ping_arguments(pair, False)
        assert small["size"] == SMALL_PAYLOAD and small["df"] is None


class TestVerdict:
    def pair(self):
        pairs, _refs = plan(endpoints(fleet(2)), "mesh")
        return pairs[0]

    def test_ok(self):
        assert verdict(self.pair(), answer(), None)[0] == "ok"

    def test_partial_loss(self):
        name, reason = verdict(self.pair(), answer(received=2), None)
        assert name == "packet_loss" and "33% of the 8972-byte DF pings lost" in reason

    def test_mtu_too_small_when_only_the_small_ping_answers(self):
        name, reason = verdict(self.pair(), answer(received=0), answer())
        assert name == "mtu_too_small" and "does not carry MTU 9000" in reason

    def test_message_too_long_fault_is_an_mtu_verdict(self):
        large = answer(received=0, fault=["sendto() failed (Message too long)"], too_long=True)
        name, reason = verdict(self.pair(), large, answer())
        assert name == "mtu_too_small" and "refused locally" in reason

    def test_no_path(self):
        assert verdict(self.pair(), answer(received=0), answer(received=0))[0] == "no_path"

    def test_link_down_from_evidence(self):
        pair = self.pair()
        links = {pair["destination"]: {("vSwitch1", "vmnic2"): False}}
        name, reason = verdict(pair, answer(received=0), answer(received=0), links)
        assert name == "link_down" and "%s vmnic2" % pair["destination"] in reason
        # a link that is up (or unknown) is no excuse
        assert verdict(pair, answer(received=0), answer(received=0), {pair["destination"]: {("vSwitch1", "vmnic2"): True}})[0] == "no_path"

    def test_other_fault_is_an_error(self):
        name, reason = verdict(self.pair(), answer(received=0, fault=["Unknown interface 'vmk1'"]), answer(received=0, fault=["Unknown interface 'vmk1'"]))
        assert name == "error" and "Unknown interface" in reason


class TestRun:
    def test_large_then_small_only_when_needed(self):
        pairs, _refs = plan(endpoints(fleet(3)), "mesh")
        sent = []

        def ping(pair, arguments):
            sent.append((pair["source"], pair["destination"], pair["index"], arguments["size"]))
            cut = "192.168.100.102" in (pair["source"], pair["destination"]) and pair["index"] == "vmk1"
            return answer(received=0) if cut and arguments.get("df") else answer()

        results = run_pairs(pairs, ping, concurrency=3)
        assert [r["index"] for r in results] == [p["index"] for p in pairs]  # plan order
        bad = [r for r in results if not r["ok"]]
        assert len(bad) == 4 and set(r["verdict"] for r in bad) == {"mtu_too_small"}
        assert len(sent) == len(pairs) + 4
        summary = summarize(results, "mesh", calls={"ExecuteSoap": len(sent)})
        assert summary["indexes"]["vmk1"]["hosts_cut_off"] == ["192.168.100.102"]
        assert summary["indexes"]["vmk2"]["hosts_cut_off"] == [] and summary["indexes"]["vmk2"]["ok"] == 6
        assert summary["failing"] == 4 and not summary["clean"] and summary["verdicts"]["mtu_too_small"] == 4
        assert len(failures(results, ["mtu_too_small"])) == 4 and failures(results, ["no_path"]) == []

    def test_concurrency_is_bounded(self):
        pairs, _refs = plan(endpoints(fleet(5)), "mesh")
        state = {"now": 0, "max": 0}
        lock = threading.Lock()

        def ping(pair, arguments):
            with lock:
                state["now"] += 1
                state["max"] = max(state["max"], state["now"])
            time.sleep(0.002)
            with lock:
                state["now"] -= 1
            return answer()

        assert all(r["ok"] for r in run_pairs(pairs, ping, concurrency=3))
        assert 1 <= state["max"] <= 3

    def test_a_host_fault_is_that_pair_s_error(self):
        pairs, _refs = plan(endpoints(fleet(2)), "mesh")

        def ping(pair, arguments):
            if pair["source"].endswith("101"):
                raise VsphereError("network.diag.ping from 192.168.100.101 failed: HostNotConnected")
            return answer()

        results = run_pairs(pairs, ping)
        assert sorted(r["verdict"] for r in results) == ["error", "error", "ok", "ok"]
        assert "HostNotConnected" in [r for r in results if r["verdict"] == "error"][0]["reason"]

    def test_a_lost_connection_stops_the_run(self):
        pairs, _refs = plan(endpoints(fleet(3)), "mesh")

        def ping(pair, arguments):
            raise VsphereError("timed out", outcome_unknown=True)

        with pytest.raises(VsphereError, match="timed out"):
            run_pairs(pairs, ping, concurrency=2)

    def test_bad_options(self):
        with pytest.raises(ConnectivityError, match="concurrency must be a positive integer"):
            run_pairs([], None, concurrency=0)
        with pytest.raises(ConnectivityError, match="fail_on: unknown verdict"):
            failures([], ["broken"])
        assert run_pairs([], None) == []


class TestFindings:
    def results(self, cut="192.168.100.102", verdict_of_cut="no_path"):
        pairs, _refs = plan(endpoints(fleet(4)), "mesh")
        out = []
        for pair in pairs:
            broken = cut in (pair["source"], pair["destination"]) and pair["index"] == "vmk1"
            large = answer(received=0) if broken else answer()
            small = (answer() if verdict_of_cut == "mtu_too_small" else answer(received=0)) if broken else None
            out.append(pair_result(pair, large, small))
        return out

    def findings(self, results):
        hosts = fleet(4)
        for name, evidence in host_evidence(results).items():
            hosts[name]["connectivity"] = evidence
        return [f for f in fleet_findings(hosts)["findings"] if f["code"].startswith("PATH_")]

    def test_the_cut_off_host_gets_the_blame(self):
        evidence = host_evidence(self.results())
        assert evidence["192.168.100.102"]["cut_off"] == ["vmk1"] and len(evidence["192.168.100.102"]["failing"]) == 6
        assert all(evidence[h]["failing"] == [] for h in evidence if h != "192.168.100.102")
        found = self.findings(self.results())
        assert [(f["code"], f["host"], f["device"], f["severity"]) for f in found] == [("PATH_FAILED", "192.168.100.102", "vmk1", "critical")]
        assert "the cause is on its side" in found[0]["message"]

    def test_mtu_verdicts(self):
        found = self.findings(self.results(verdict_of_cut="mtu_too_small"))
        assert [(f["code"], f["host"], f["mtu"]) for f in found] == [("PATH_MTU_TOO_SMALL", "192.168.100.102", 9000)]
        assert "8972-byte pings with DF (MTU 9000)" in found[0]["message"]

    def test_without_ping_evidence_nothing_is_said(self):
        assert [f for f in fleet_findings(fleet(3))["findings"] if f["code"].startswith("PATH_")] == []


def test_the_failure_message_names_the_hosts_cut_off_then_the_first_reasons():
    pairs, _refs = plan(endpoints(fleet(4)), "mesh")
    cut = "192.168.100.101"
    results = [pair_result(p, answer(0) if p["index"] == "vmk1" and cut in (p["source"], p["destination"]) else answer(),
                           answer(0) if p["index"] == "vmk1" and cut in (p["source"], p["destination"]) else None) for p in pairs]
    failed = failures(results, ["no_path"])
    text = failure_message(failed, ["no_path"], summarize(results, "mesh"), shown=2)
    assert text.startswith("6 vMotion path(s) failed (no_path); hosts cut off on vmk1: 192.168.100.101: ")
    assert text.endswith("; and 4 more (see pairs)") and text.count("neither the") == 2
