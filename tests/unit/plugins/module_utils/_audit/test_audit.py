# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import RULES, FindingsError
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.stream_pairing import PAIR_REASONS
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.audit import CLEAN_TEXT, MATRIX_MAX_HOSTS, PAIR_REASON_TEXT, build_audit, compare_audits
from ansible_collections.multinic.vmotion.plugins.module_utils._render.console import compare_lines, summary_lines
from ansible_collections.multinic.vmotion.plugins.module_utils._render.findings_reference import findings_reference
from ansible_collections.multinic.vmotion.plugins.module_utils._render.html import render_html
from ansible_collections.multinic.vmotion.plugins.module_utils._render.markdown import render_markdown
from ansible_collections.multinic.vmotion.plugins.module_utils._render.text import compact_pairs, pair_groups

OCTETS = range(107, 119)
# device -> (port group, switch, active uplink, subnet prefix, MTU): the simulator's seed fleet (tests/simulator/topologies/seed.yml)
SEED_VMKS = {
    "vmk1": ("vMotion-1", "vSwitch4", "vmnic8", "172.16.1", 9000),
    "vmk2": ("vMotion-2", "vSwitch4", "vmnic9", "172.16.2", 9000),
    "vmk3": ("vMotion-3", "vSwitch1", "vmnic2", "172.16.3", 1500),
    "vmk4": ("vMotion-4", "vSwitch3", "vmnic6", "172.16.4", 1500),
    "vmk6": ("vMotion-0", "vSwitch2", "vmnic5", "172.16.0", 1500),
}
SEED_SWITCHES = {
    "vSwitch0": (["vmnic0", "vmnic1"], 1500),
    "vSwitch1": (["vmnic2", "vmnic3"], 1500),
    "vSwitch2": (["vmnic4", "vmnic5"], 1500),
    "vSwitch3": (["vmnic6", "vmnic7"], 1500),
    "vSwitch4": (["vmnic8", "vmnic9"], 9000),
}
SEED_DISABLED = {109: ("vmk3",), 112: ("vmk2", "vmk6"), 116: ("vmk4",)}


def _vmk(device, portgroup, switch, ip, mtu, services):
    return {
        "device": device, "portgroup": portgroup, "switch": switch, "dvport": None, "ip": ip, "netmask": "255.255.255.0",
        "prefix_length": 24, "ipv6": [], "dhcp": False, "mac": "00:50:56:00:00:01", "mtu": mtu, "netstack": "defaultTcpipStack",
        "services": list(services), "vmotion": "vmotion" in services,
    }


def _portgroup(name, switch, active=None):
    uplinks = SEED_SWITCHES[switch][0]
    if active is None:  # no override: the switch's order
        teaming = {"active": list(uplinks), "standby": [], "unused": [], "inherited": True}
    else:
        teaming = {"active": [active], "standby": [], "unused": [u for u in uplinks if u != active], "inherited": False}
    return {"name": name, "switch": switch, "type": "standard", "vlan_id": 0, "key": None, "teaming": teaming, "vm_ports": 0}


def seed_host(octet, disabled=(), subnets=None, drop=(), mtu=None):
    """One host as vmk_vmotion_facts returns it; ``subnets`` overrides the subnet prefix of a device, ``drop`` removes vmks."""
    subnets = subnets or {}
    mtu = mtu or {}
    name = "192.168.100.%d" % octet
    portgroups = [_portgroup("Management Network", "vSwitch0"), _portgroup("NAS-vmk", "vSwitch2")]
    vmks = [_vmk("vmk0", "Management Network", "vSwitch0", name, 1500, ["management"])]
    for device in sorted(SEED_VMKS):
        portgroup, switch, active, prefix, default_mtu = SEED_VMKS[device]
        portgroups.append(_portgroup(portgroup, switch, active))
        if device in drop:
            continue
        services = [] if device in disabled else ["vmotion"]
        vmks.append(_vmk(device, portgroup, switch, "%s.%d" % (subnets.get(device, prefix), octet), mtu.get(device, default_mtu), services))
    vmks.append(_vmk("vmk5", "NAS-vmk", "vSwitch2", "10.10.10.%d" % octet, 1500, []))
    vmks.sort(key=lambda v: int(v["device"][3:]))
    return {
        "name": name, "cluster": "CL01", "datacenter": "DC01", "mgmt_ip": name, "mgmt_octet": octet,
        "switches": [{"name": s, "type": "standard", "uplinks": list(u), "mtu": m, "uuid": None} for s, (u, m) in sorted(SEED_SWITCHES.items())],
        "portgroups": portgroups, "vmks": vmks, "findings": [],
    }


def seed_fleet(disabled=None, changes=None):
    """The seed fleet; ``changes`` maps an octet to keyword arguments of seed_host."""
    disabled = SEED_DISABLED if disabled is None else disabled
    changes = changes or {}
    fleet = {}
    for octet in OCTETS:
        host = seed_host(octet, disabled.get(octet, ()), **changes.get(octet, {}))
        fleet[host["name"]] = host
    return fleet


def two_hosts_apart():
    """Two seed hosts whose vMotion vmks sit in other subnets: every migration between them fails."""
    fleet = seed_fleet(disabled={})
    fleet = dict((k, fleet[k]) for k in ("192.168.100.107", "192.168.100.108"))
    for vmk in fleet["192.168.100.108"]["vmks"]:
        if vmk["device"] != "vmk0":
            vmk["ip"] = vmk["ip"].replace("172.16.", "172.17.")
    return fleet


def sections(text):
    return [line for line in text.splitlines() if line.startswith("## ")]


class TestSeedFleet:
    def test_summary_counts_the_outage(self):
        audit = build_audit(seed_fleet())
        summary = audit["summary"]
        assert summary["hosts"] == 12
        assert summary["vmks"] == 12 * 7
        assert summary["vmotion_vmks"] == 12 * 5 - 4
        assert summary["indexes"] == ["vmk1", "vmk2", "vmk3", "vmk4", "vmk6"]
        assert summary["findings"] == {"critical": 4, "warning": 0, "info": 0}
        assert summary["findings_at_or_above"] == {"critical": 4, "warning": 4, "info": 4}
        assert summary["worst_severity"] == "critical"
        assert summary["pairs"] == 132
        assert summary["healthy_pairs"] + summary["degraded_pairs"] + summary["failing_pairs"] == 132
        assert summary["failing_pairs"] == 0 and summary["degraded_pairs"] == 60
        assert (summary["min_streams"], summary["max_streams"]) == (2, 5)
        assert summary["clean"] is False

    def test_findings_name_the_ports_with_vmotion_off(self):
        findings = build_audit(seed_fleet())["findings"]
        assert sorted((f["host"], f["device"]) for f in findings) == [
            ("192.168.100.109", "vmk3"), ("192.168.100.112", "vmk2"), ("192.168.100.112", "vmk6"), ("192.168.100.116", "vmk4")]
        assert set(f["code"] for f in findings) == {"VMOTION_DISABLED"}

    def test_per_host_view(self):
        host = build_audit(seed_fleet())["hosts"]["192.168.100.112"]
        assert host["cluster"] == "CL01" and host["mgmt_ip"] == "192.168.100.112"
        assert host["indexes"] == {"vmk1": "on", "vmk2": "off", "vmk3": "on", "vmk4": "on", "vmk6": "off"}
        assert host["findings"]["critical"] == 2 and host["worst_severity"] == "critical"
        assert host["vmotion_vmks"] == ["vmk1", "vmk3", "vmk4"]
        assert host["streams"] == {"min": 2, "max": 3, "failing": 0, "degraded": 11}

    def test_only_pairs_losing_streams_are_listed_worst_first(self):
        pairing = build_audit(seed_fleet())["pairing"]
        assert len(pairing["pairs"]) == 60 and pairing["left_off"] == 0
        assert all(p["lost"] > 0 for p in pairing["pairs"])
        lost = [p["lost"] for p in pairing["pairs"]]
        assert lost == sorted(lost, reverse=True)
        worst = pairing["pairs"][0]
        assert {worst["source"], worst["destination"]} in ({"192.168.100.109", "192.168.100.112"}, {"192.168.100.112", "192.168.100.116"})
        assert (worst["streams"], worst["expected"]) == (2, 5)

    def test_max_pairs_caps_the_list_not_the_counts(self):
        audit = build_audit(seed_fleet(), {"max_pairs": 7})
        assert len(audit["pairing"]["pairs"]) == 7 and audit["pairing"]["left_off"] == 53
        assert len(audit["pairing"]["summary"]["degraded_pairs"]) == 7
        assert audit["summary"]["degraded_pairs"] == 60
        assert audit["options"]["max_pairs"] == 7

    def test_healthy_pairs_on_request(self):
        audit = build_audit(seed_fleet(), {"include_healthy": True})
        assert len(audit["pairing"]["pairs"]) == 132

    def test_fixed_fleet_is_clean(self):
        audit = build_audit(seed_fleet(disabled={}))
        assert audit["summary"]["clean"] is True
        assert audit["findings"] == [] and audit["pairing"]["pairs"] == []
        assert audit["summary"]["worst_severity"] is None
        assert (audit["summary"]["min_streams"], audit["summary"]["max_streams"]) == (5, 5)

    def test_result_is_plain_json(self):
        audit = build_audit(seed_fleet())
        assert json.loads(json.dumps(audit)) == audit

    def test_input_is_not_modified(self):
        fleet = seed_fleet()
        before = copy.deepcopy(fleet)
        build_audit(fleet)
        assert fleet == before

    def test_whole_module_result_is_accepted(self):
        fleet = seed_fleet()
        registered = {"changed": False, "hosts": fleet, "summary": {"hosts": 12}}
        assert build_audit(registered) == build_audit(fleet)

    def test_list_of_hosts_is_accepted(self):
        assert build_audit(list(seed_fleet().values()))["summary"] == build_audit(seed_fleet())["summary"]

    def test_one_host_name_in_two_vcenters_is_refused_not_dropped(self):
        hosts = list(seed_fleet().values())
        twin = dict(hosts[0], vcenter="vc-b.example.com")
        with pytest.raises(FindingsError) as raised:
            build_audit([dict(h, vcenter="vc-a.example.com") for h in hosts] + [twin])
        assert str(raised.value).count("read twice") == 1
        assert "host %s was read twice (vc-a.example.com and vc-b.example.com)" % hosts[0]["name"] in str(raised.value)

    def test_host_order_does_not_matter(self):
        fleet = seed_fleet()
        reversed_fleet = dict(reversed(list(fleet.items())))
        assert build_audit(reversed_fleet) == build_audit(fleet)


class TestSubnetMismatch:
    """One host with vmk2 in another subnet breaks vmk2 streams to every other host."""

    def fleet(self):
        return seed_fleet(disabled={}, changes={114: {"subnets": {"vmk2": "172.16.99"}}})

    def test_reported_with_the_pairs_it_breaks(self):
        audit = build_audit(self.fleet())
        mismatch = [f for f in audit["findings"] if f["code"] == "SUBNET_MISMATCH"]
        assert len(mismatch) == 1
        finding = mismatch[0]
        assert finding["host"] == "192.168.100.114" and finding["device"] == "vmk2" and finding["severity"] == "critical"
        assert finding["expected_subnet"] == "172.16.2.0/24" and finding["suggested_ip"] == "172.16.2.114"
        assert len(finding["peers"]) == 11
        pairs = audit["pairing"]["pairs"]
        assert len(pairs) == 22
        assert all("192.168.100.114" in (p["source"], p["destination"]) and p["lost"] == 1 for p in pairs)
        assert audit["hosts"]["192.168.100.114"]["indexes"]["vmk2"] == "other_subnet"
        assert audit["indexes"]["vmk2"]["subnet"] == "172.16.2.0/24"

    def test_report_marks_the_host_and_explains_the_pairs(self):
        text = render_markdown(build_audit(self.fleet()))
        assert "SUBNET_MISMATCH" in text
        assert "172.16.99.114 **other subnet 172.16.99.0/24**" in text
        assert "1 (192.168.100.114)" in text  # the "In another subnet" column
        assert "192.168.100.114 vmk2: no vMotion-enabled vmk of the peer in 172.16.99.0/24" in text
        assert "## Host pairs that fail or lose streams (22 of 132)" in text


class TestOtherRules:
    def test_missing_index_and_mtu_are_shown(self):
        fleet = seed_fleet(disabled={}, changes={110: {"drop": ("vmk4",)}, 111: {"mtu": {"vmk1": 1500}}})
        audit = build_audit(fleet)
        codes = set(f["code"] for f in audit["findings"])
        assert {"INDEX_MISSING", "MTU_MISMATCH"} <= codes
        assert audit["hosts"]["192.168.100.110"]["indexes"]["vmk4"] == "missing"
        text = render_markdown(audit)
        assert "**missing**" in text
        assert "172.16.1.111 **MTU 1500**" in text

    def test_fleet_with_no_vmotion_fails_every_pair(self):
        fleet = seed_fleet(disabled=dict((o, tuple(SEED_VMKS)) for o in OCTETS))
        audit = build_audit(fleet)
        assert audit["summary"]["findings"]["critical"] > 0
        # with vMotion off everywhere no subnet carries vMotion; every host still reports NO_VMOTION_VMK
        assert set(f["host"] for f in audit["findings"] if f["code"] == "NO_VMOTION_VMK") == set(fleet)
        assert audit["summary"]["failing_pairs"] == 132

    def test_two_hosts_failing_pair(self):
        audit = build_audit(two_hosts_apart())
        assert audit["summary"]["failing_pairs"] == 2
        text = render_markdown(audit)
        assert "| 0 of 5 (2 fail) | 192.168.100.107 <-> 192.168.100.108 |" in text

    def test_empty_fleet(self):
        audit = build_audit({})
        assert audit["summary"]["hosts"] == 0 and audit["summary"]["clean"] is True
        text = render_markdown(audit)
        assert "No findings." in text and "No vMotion index is shared by the fleet." in text

    def test_ignore_option_drops_codes(self):
        audit = build_audit(seed_fleet(), {"ignore": ["VMOTION_DISABLED"]})
        assert audit["findings"] == []
        assert audit["summary"]["degraded_pairs"] == 60  # ignoring a finding does not change the streams


class TestOptions:
    @pytest.mark.parametrize("options, text", [
        ({"max_pairs": -1}, "max_pairs must be a non-negative integer"),
        ({"max_pairs": True}, "max_pairs must be a non-negative integer"),
        ({"colour": "red"}, "unknown option(s) colour"),
        ({"failover": "sideways"}, "failover 'sideways' must be one of"),
        ("unused", "options must be a dict"),
    ])
    def test_bad_options_are_reported(self, options, text):
        with pytest.raises(FindingsError) as error:
            build_audit(seed_fleet(), options)
        assert text in str(error.value)

    def test_none_values_mean_default(self):
        assert build_audit(seed_fleet(), {"max_pairs": None, "failover": None}) == build_audit(seed_fleet())

    def test_bad_hosts(self):
        with pytest.raises(FindingsError):
            build_audit("192.168.100.107")


class TestMarkdown:
    def test_findings_first_then_hosts_indexes_pairs(self):
        text = render_markdown(build_audit(seed_fleet()), title="Seed fleet", generated="2026-01-02T03:04:05Z")
        assert text.startswith("# Seed fleet\n")
        assert sections(text) == ["## Findings (4)", "## Hosts (12)", "## vMotion indexes (5)",
                                  "## Host pairs that fail or lose streams (60 of 132)"]
        assert "generated 2026-01-02T03:04:05Z" in text
        assert "**Findings: 4 critical. Host pairs: 60 of 132 lose streams, 0 fail.**" in text

    def test_tables_show_the_outage(self):
        text = render_markdown(build_audit(seed_fleet()))
        assert "| 192.168.100.112 | 192.168.100.112 | CL01 | 3 of 5 (vmk2, vmk6 vMotion off) | 2 critical | 2-3 | 0 / 11 |" in text
        assert "| vmk3 | 172.16.3.0/24 | 1500 | 11 | 1 (192.168.100.109) | 0 | 0 |" in text
        assert "172.16.3.109 **vMotion off**" in text
        # the cause is named once per host, not echoed from the peer's side; pairs with the same reasons share one row
        assert "60 pairs in 6 groups (pairs with the same reasons together):" in text
        assert ("| 192.168.100.112 vmk2, vmk6: vMotion disabled | 18 | 3 of 5 | 192.168.100.112 <-> 192.168.100.107, 192.168.100.108, "
                "192.168.100.110, 192.168.100.111, 192.168.100.113, 192.168.100.114, 192.168.100.115, 192.168.100.117, 192.168.100.118 |") in text
        # both orders of a pair's reasons make one group
        assert ("| 192.168.100.109 vmk3: vMotion disabled; 192.168.100.112 vmk2, vmk6: vMotion disabled | 2 | 2 of 5 | "
                "192.168.100.109 <-> 192.168.100.112 |") in text

    def test_clean_fleet(self):
        text = render_markdown(build_audit(seed_fleet(disabled={})))
        assert "**Clean: no findings, every host pair gets all its streams.**" in text
        assert "No findings." in text and "Every pair of hosts gets all its vMotion streams." in text

    def test_max_rows_caps_long_tables(self):
        text = render_markdown(build_audit(seed_fleet()), max_rows=3)
        assert "... and 3 more groups of pairs (see the JSON report)." in text
        assert "... and 1 more findings (see the JSON report)." in text
        assert len(render_markdown(build_audit(seed_fleet()), max_rows=None)) > len(text)

    def test_left_off_pairs_are_counted(self):
        text = render_markdown(build_audit(seed_fleet(), {"max_pairs": 10}))
        assert "... and 50 more pairs (see the JSON report)." in text

    def test_cells_are_escaped(self):
        fleet = seed_fleet()
        for vmk in fleet["192.168.100.109"]["vmks"]:
            if vmk["device"] == "vmk3":
                vmk["portgroup"] = "vMotion|3\nnew"
        for pg in fleet["192.168.100.109"]["portgroups"]:
            if pg["name"] == "vMotion-3":
                pg["name"] = "vMotion|3\nnew"
        text = render_markdown(build_audit(fleet))
        row = [line for line in text.splitlines() if line.startswith("| critical | 192.168.100.109 ")][0]
        assert "vMotion\\|3 new" in row
        assert row.count(" | ") == 5  # six cells, none split by the pipe in the name

    @pytest.mark.parametrize("audit, text", [
        ({}, "render_markdown needs the dict build_audit returns"),
        ("audit", "render_markdown needs the dict build_audit returns"),
    ])
    def test_bad_input(self, audit, text):
        with pytest.raises(FindingsError) as error:
            render_markdown(audit)
        assert text in str(error.value)

    def test_bad_max_rows(self):
        with pytest.raises(FindingsError):
            render_markdown(build_audit(seed_fleet()), max_rows="all")


class TestPairReasons:
    def test_every_reason_code_has_words(self):
        assert sorted(PAIR_REASON_TEXT) == sorted(PAIR_REASONS)

    def test_pairs_carry_codes_and_why_carries_words(self):
        pair = [p for p in build_audit(seed_fleet())["pairing"]["pairs"]
                if (p["source"], p["destination"]) == ("192.168.100.107", "192.168.100.112")][0]
        assert sorted((u["device"], u["reason"]) for u in pair["unmatched_source"]) == [("vmk2", "PEER_HAS_NONE"), ("vmk6", "PEER_HAS_NONE")]
        assert sorted((u["device"], u["reason"]) for u in pair["unmatched_destination"]) == [("vmk2", "VMOTION_OFF"), ("vmk6", "VMOTION_OFF")]
        # one clause for both vmks with vMotion off; the peer's echo of that cause is left out
        assert pair["why"] == "192.168.100.112 vmk2, vmk6: vMotion disabled"

    def test_peer_reasons_name_the_subnets(self):
        fleet = seed_fleet(disabled={}, changes={114: {"subnets": {"vmk2": "172.16.99"}}})
        pair = [p for p in build_audit(fleet)["pairing"]["pairs"] if (p["source"], p["destination"]) == ("192.168.100.114", "192.168.100.107")][0]
        assert pair["why"] == ("192.168.100.114 vmk2: no vMotion-enabled vmk of the peer in 172.16.99.0/24; "
                               "192.168.100.107 vmk2: no vMotion-enabled vmk of the peer in 172.16.2.0/24")


class TestSummaryLines:
    def test_seed_fleet(self):
        lines = summary_lines(build_audit(seed_fleet()), show=2, report_markdown="r/a.md", report_json="r/a.json")
        assert lines[:2] == ["12 host(s) read; vMotion indexes: vmk1, vmk2, vmk3, vmk4, vmk6", "Findings: 4 critical, 0 warning, 0 info"]
        assert lines[2].startswith("  CRITICAL VMOTION_DISABLED: 192.168.100.109 vmk3 ")
        assert lines[4:6] == ["  ... and 2 more in the report", "Host pairs losing streams: 60 of 132 (0 fail); streams per migration: 2-5"]
        assert "  from 192.168.100.112: to 11 of 11 hosts, 2-3 streams (vmk2, vmk6 vMotion off)" in lines
        worst = lines.index("Worst pairs:")
        assert lines[worst + 1].endswith(": 2 of 5 streams; 192.168.100.109 vmk3: vMotion disabled; 192.168.100.112 vmk2, vmk6: vMotion disabled")
        assert lines[worst + 3:] == ["Not clean: see the report.", "Report: r/a.md (data: r/a.json)"]

    def test_clean_fleet(self):
        lines = summary_lines(build_audit(seed_fleet(disabled={})))
        assert lines[2:] == ["Host pairs losing streams: 0 of 132 (0 fail); streams per migration: 5", CLEAN_TEXT]

    def test_show_caps_findings_and_pairs(self):
        audit = build_audit(seed_fleet())
        everything = summary_lines(audit, show=None)
        assert len([line for line in everything if " -> " in line]) == 60 and len([line for line in everything if "CRITICAL" in line]) == 4
        nothing = summary_lines(audit, show=0)
        assert "  ... and 4 more in the report" in nothing and not [line for line in nothing if " -> " in line]

    def test_failing_pair(self):
        lines = summary_lines(build_audit(two_hosts_apart()))
        assert any(line.startswith("  192.168.100.107 -> 192.168.100.108: 0 of 5 streams (FAILS); ") for line in lines)

    @pytest.mark.parametrize("audit, show, text", [
        ({}, 20, "summary_lines needs the dict build_audit returns"),
        (None, -1, "show must be a non-negative integer"),
        (None, "all", "show must be a non-negative integer"),
    ])
    def test_bad_input(self, audit, show, text):
        with pytest.raises(FindingsError) as error:
            summary_lines(build_audit(seed_fleet()) if audit is None else audit, show=show)
        assert text in str(error.value)


LOGS = {
    "summary": {"hosts": 2, "migrations": 3, "partial": 0, "failed": 0, "missing_streams": 1, "not_ok": 1,
                "hosts_not_ok": ["192.168.100.110"], "hosts_without_migrations": [], "unreadable": ["192.168.100.111"], "ok": False},
    "hosts": {
        "192.168.100.110": {"verdict": {"status": "not_ok", "migrations": 2, "partial": 0, "failed": [], "vmks_never_used": [{"device": "vmk3"}],
                                        "missing_streams": [{"id": "1"}], "problems": ["migration 1 (source): 4 of 5 streams, vmk3 <unused>"]}},
        "192.168.100.111": {"verdict": {"status": "unreadable", "migrations": 0, "failed": [], "missing_streams": [], "problems": []}},
    },
}


class TestHeaderLogsAndComparison:
    def test_header_names_vcenter_scope_and_version(self):
        text = render_markdown(build_audit(seed_fleet()), vcenter=["vc01", "vc02"], scope="cluster CL01", version="0.1.0", generated="T")
        assert text.splitlines()[2:5] == ["vCenter: **vc01, vc02**  ", "Scope: **cluster CL01**  ", "Collection: **multinic.vmotion 0.1.0**  "]

    def test_log_verdicts_get_a_section(self):
        text = render_markdown(build_audit(seed_fleet()), logs=LOGS)
        assert sections(text)[-1] == "## Past migrations in vmkernel.log"
        assert "**3 migrations judged, 1 with a missing stream, 0 failed; hosts not ok: 192.168.100.110; unreadable: 192.168.100.111.**" in text
        assert "| 192.168.100.110 | not ok | 2 | 1 | 0 | vmk3 | migration 1 (source): 4 of 5 streams, vmk3 <unused> |" in text
        assert "Past migrations" not in render_markdown(build_audit(seed_fleet()), logs=None)

    def test_compare_the_seed_fix(self):
        before, after = build_audit(seed_fleet()), build_audit(seed_fleet(disabled={}))
        comparison = compare_audits(before, after)
        assert comparison["findings"]["before"]["critical"] == 4 and comparison["findings"]["after"]["critical"] == 0
        assert comparison["pairs"]["before"]["losing"] == 60 and comparison["pairs"]["after"]["losing"] == 0
        assert comparison["fixed"][0] == "VMOTION_DISABLED 192.168.100.109 vmk3" and comparison["new"] == [] and comparison["remaining"] == 0
        lines = compare_lines(comparison, show=2)
        assert lines[:2] == ["Critical findings: 4 -> 0", "Host pairs losing streams: 60/132 -> 0/132 (failing: 0 -> 0)"]
        assert lines[2].startswith("Fixed (4): VMOTION_DISABLED 192.168.100.109 vmk3, VMOTION_DISABLED 192.168.100.112 vmk2 ...")
        assert lines[-1] == "Clean: no -> yes"
        # a JSON round trip (the role reads the previous report from disk) compares the same
        assert compare_audits(json.loads(json.dumps(before)), after) == comparison
        text = render_markdown(after, previous=before)
        assert "## Since the previous report" in text and "- Critical findings: 4 -> 0" in text

    def test_compare_needs_audits(self):
        with pytest.raises(FindingsError, match="compare_audits"):
            compare_audits({}, build_audit(seed_fleet()))


class TestPairGroups:
    def test_seed_fleet_groups(self):
        groups = pair_groups(build_audit(seed_fleet())["pairing"]["pairs"])
        assert [len(g["pairs"]) for g in groups] == [18, 18, 18, 2, 2, 2]
        assert sum(len(g["pairs"]) for g in groups) == 60

    def test_compact_pairs(self):
        pairs = [{"source": a, "destination": b} for a, b in [("h1", "h2"), ("h2", "h1"), ("h1", "h3"), ("h3", "h1"), ("h4", "h2")]]
        assert compact_pairs(pairs) == ["h1 <-> h2, h3", "h4 -> h2"]


class TestHtml:
    def test_sections_matrix_and_findings(self):
        audit = build_audit(seed_fleet())
        page = render_html(audit, title="Seed", generated="2026-01-02T03:04:05Z", vcenter="vc01.example.com", scope="cluster CL01", version="0.1.0")
        assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
        for text in ("vc01.example.com", "cluster CL01", "multinic.vmotion 0.1.0", "2026-01-02T03:04:05Z",
                     "Findings: 4 critical. Host pairs: 60 of 132 lose streams, 0 fail."):
            assert text in page
        assert page.count('class="finding-group"') == 1 and page.count("<td class=\"sev-critical\">critical</td>") == 4
        assert RULES["VMOTION_DISABLED"].fix in page
        assert 'id="pair-matrix" data-hosts="12"' in page
        assert page.count('<td class="pair ') == 132 and page.count('<td class="self"') == 12
        assert ('title="192.168.100.107 -&gt; 192.168.100.112: 3 of 5 streams; 192.168.100.112 vmk2, vmk6: vMotion disabled">3/5</td>') in page
        assert page.count('<td class="pair full"') == 72 and page.count('<td class="pair lost') == 60
        assert "172.16.3.109 vMotion off" in page

    def test_self_contained(self):
        page = render_html(build_audit(seed_fleet()), logs=LOGS, previous=build_audit(seed_fleet(disabled={})))
        lowered = page.lower()
        for needle in ("<script", "<link", "<img", "src=", "href=", "url(", "@import"):
            assert needle not in lowered
        assert 'id="logs"' in page and 'id="comparison"' in page

    def test_every_value_is_escaped(self):
        fleet = seed_fleet()
        evil = '<b onmouseover="x">&amp;'
        for pg in fleet["192.168.100.109"]["portgroups"]:
            if pg["name"] == "vMotion-3":
                pg["name"] = evil
        for vmk in fleet["192.168.100.109"]["vmks"]:
            if vmk["device"] == "vmk3":
                vmk["portgroup"] = evil
        page = render_html(build_audit(fleet), title="<title>", vcenter='"vc"', scope="<s>", version="<v>", logs=LOGS)
        assert evil not in page and "<title></title>" not in page and "<s>" not in page
        assert "&lt;b onmouseover=&quot;x&quot;&gt;&amp;amp;" in page

    def test_clean_fleet_and_big_fleet(self):
        page = render_html(build_audit(seed_fleet(disabled={})))
        assert "Every pair of hosts gets all its vMotion streams." in page and page.count('<td class="pair full"') == 132
        audit = build_audit(seed_fleet())
        audit["matrix"] = None  # as for more than MATRIX_MAX_HOSTS hosts, or a JSON report of an older version
        assert "More than %d hosts: the matrix is left out" % MATRIX_MAX_HOSTS in render_html(audit)

    def test_matrix_only_up_to_the_limit(self, monkeypatch):
        from ansible_collections.multinic.vmotion.plugins.module_utils._audit import audit as _report
        monkeypatch.setattr(_report, "MATRIX_MAX_HOSTS", 11)
        audit = build_audit(seed_fleet())
        assert audit["matrix"] is None and audit["summary"]["degraded_pairs"] == 60 and len(audit["pairing"]["pairs"]) == 60

    def test_include_healthy_still_lists_every_pair(self):
        audit = build_audit(seed_fleet(), {"include_healthy": True})
        assert len(audit["pairing"]["pairs"]) == 132 and len(audit["matrix"]["cells"]) == 12

    def test_bad_input(self):
        with pytest.raises(FindingsError, match="render_html needs the dict build_audit returns"):
            render_html({})


def test_every_rule_says_how_to_fix_it():
    assert [code for code, rule in RULES.items() if not rule.fix or not rule.description] == []


def test_findings_reference_is_current():
    """docs/findings.md is generated from RULES; UPDATE_DOCS=1 rewrites it."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "docs", "findings.md")
    text = findings_reference()
    for code, rule in RULES.items():
        assert "| `%s` | %s | %s |" % (code, rule.severity, rule.scope) in text
    if os.environ.get("UPDATE_DOCS"):
        with open(path, "w") as out:
            out.write(text)
    with open(path) as current:
        assert current.read() == text, "docs/findings.md is out of date: UPDATE_DOCS=1 pytest %s -k findings_reference" % __file__


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(list(OCTETS)), st.sets(st.sampled_from(sorted(SEED_VMKS)), max_size=3), max_size=5))
def test_counts_are_consistent(disabled):
    """Whatever vmks are off: counts add up, the report renders and its verdict matches the summary."""
    audit = build_audit(seed_fleet(disabled=dict((o, tuple(d)) for o, d in disabled.items())))
    summary = audit["summary"]
    assert summary["healthy_pairs"] + summary["degraded_pairs"] + summary["failing_pairs"] == summary["pairs"]
    at = summary["findings_at_or_above"]
    assert at["critical"] <= at["warning"] <= at["info"] == len(audit["findings"])
    # the matrix holds every pair: its losing cells are the counted pairs, and the groups of pairs cover them all
    cells = [c for row in audit["matrix"]["cells"] for c in row if c is not None]
    assert len(cells) == summary["pairs"] and sum(1 for c in cells if c[0] < c[1] or c[0] == 0) == summary["degraded_pairs"] + summary["failing_pairs"]
    assert sum(len(g["pairs"]) for g in pair_groups(audit["pairing"]["pairs"])) == len(audit["pairing"]["pairs"])
    assert render_html(audit).count('<td class="pair ') == summary["pairs"]
    assert len(audit["pairing"]["pairs"]) == summary["degraded_pairs"] + summary["failing_pairs"]
    assert summary["clean"] == (not any(disabled.values()))
    text = render_markdown(audit)
    assert ("**Clean:" in text) == summary["clean"]
    assert (summary_lines(audit)[-1] == CLEAN_TEXT) == summary["clean"]


class TestHostsNotRead:
    """Hosts vCenter cannot reach: named with their state, counted apart, never judged, and the fleet is not clean."""

    def fleet(self):
        fleet = seed_fleet(disabled={})
        fleet["192.168.100.110"] = {"name": "192.168.100.110", "connection_state": "disconnected", "maintenance": False,
                                    "cluster": "CL01", "vcenter": "vc01"}
        fleet["192.168.100.111"] = {"name": "192.168.100.111", "connection_state": "notResponding", "maintenance": True,
                                    "cluster": "CL01", "vcenter": "vc01"}
        return fleet

    def test_counted_apart_and_never_judged(self):
        audit = build_audit(self.fleet())
        summary = audit["summary"]
        assert summary["hosts"] == 10 and summary["hosts_not_read"] == 2 and summary["pairs"] == 90
        assert audit["findings"] == [] and not summary["clean"]
        assert [(h["name"], h["connection_state"], h["maintenance"]) for h in audit["not_read"]] == [
            ("192.168.100.110", "disconnected", False), ("192.168.100.111", "notResponding", True)]
        assert "192.168.100.110" not in audit["hosts"] and "192.168.100.110" not in str(audit["pairing"])

    def test_named_in_every_report(self):
        audit = build_audit(self.fleet())
        text = render_markdown(audit)
        assert "- 10 hosts read, 2 not read (see below)" in text
        assert "## Hosts not read (2)" in text and "| 192.168.100.111 | CL01 | not read: notResponding | yes |" in text
        page = render_html(audit)
        assert '<section id="not-read"><h2>Hosts not read (2)</h2>' in page and "<b>2</b>Hosts not read" in page
        lines = summary_lines(audit)
        assert lines[0].startswith("10 host(s) read, 2 not read (192.168.100.110: disconnected, 192.168.100.111: not responding); "
                                   "vMotion indexes: ")
        assert lines[-1] == "Not clean: 2 not read (192.168.100.110: disconnected, 192.168.100.111: not responding): see the report."
        assert "2 host(s) not read." in render_markdown(audit)


def test_report_about_says_what_was_asked_and_read():
    from ansible_collections.multinic.vmotion.plugins.module_utils._render.text import report_about
    audit = build_audit(seed_fleet())
    about = report_about(audit, cluster_name="CL01", unread=[{"vcenter": "vc-b"}], version="0.3.0")
    assert about == {"vcenter": "unknown", "scope": "cluster CL01; 12 host(s) read, cluster(s): CL01; NOT READ: vc-b", "version": "0.3.0"}
    assert report_about(audit)["scope"].startswith("the hosts of the play; 12 host(s) read")
    with pytest.raises(FindingsError):
        report_about({})


def test_facts_hosts_keeps_a_name_read_twice():
    from ansible_collections.multinic.vmotion.plugins.module_utils._audit.audit import facts_hosts
    read = {"ansible_facts": {"vmk_vmotion_facts": {"esx01": {"name": "esx01"}}}}
    assert facts_hosts([read, {"skipped": True}, read]) == [{"name": "esx01"}, {"name": "esx01"}]


def test_the_readme_counts_the_rules():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "README.md")
    with open(path) as f:
        assert "lists every finding code (%d)" % len(RULES) in f.read()


def test_the_canary_section_is_one_model_rendered_in_both_reports():
    canary = {"vm": {"name": "canary", "ended_on": "192.168.100.107"}, "summary": {"planned": 2, "run": 2, "not_run": 0},
              "migrations": [
                  {"source": "192.168.100.107", "destination": "192.168.100.108", "purpose": "test", "verdict": "ok", "seconds": 4.1,
                   "source_vmks": {"used": [1, 2], "unused": []}, "destination_vmks": {"used": [1, 2], "unused": []},
                   "bandwidth_mbytes_per_s": 571.1, "problems": []},
                  {"source": "192.168.100.108", "destination": "192.168.100.112", "purpose": "test", "verdict": "degraded", "seconds": 5.0,
                   "source_vmks": {"used": [1], "unused": [2]}, "destination_vmks": {"used": [1], "unused": [2]},
                   "bandwidth_mbytes_per_s": None, "problems": ["192.168.100.112 vmk2 (172.16.2.112) carried no stream"]}]}
    text = render_markdown(build_audit(seed_fleet()), canary=canary)
    assert "## Canary migrations (vmotion_canary)" in text
    assert "**1 of 2 planned migrations ok (VM canary, back on 192.168.100.107); 1 degraded.**" in text
    assert "| 192.168.100.108 | 192.168.100.112 | test | degraded | 5.0 | 1 of 2 / 1 of 2 |   | 192.168.100.112 vmk2 (172.16.2.112) carried no stream |" in text
    page = render_html(build_audit(seed_fleet()), canary=canary)
    assert '<section id="canary"><h2>Canary migrations (vmotion_canary)</h2><p class="verdict dirty">' in page
    assert '<td class="verdict-degraded">degraded</td>' in page and "carried no stream" in page
    assert "Canary" not in render_markdown(build_audit(seed_fleet())) and 'id="canary"' not in render_html(build_audit(seed_fleet()))
