# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import FLEET, HOST, RULES, SEVERITIES, FindingsError, at_or_above
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.rules import FLEET_CODES, HOST_CODES, fleet_findings, host_findings
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.stream_pairing import PAIR_REASONS, PEER_CAUSED, stream_pairing

SEED_OCTETS = range(107, 119)
SEED_DISABLED = {109: ("vmk3",), 112: ("vmk2", "vmk6"), 116: ("vmk4",)}
# vmk index -> subnet; vmk5 is the NAS port the seed's PowerCLI loop skipped
SEED_SUBNETS = {"vmk1": "172.16.1", "vmk2": "172.16.2", "vmk3": "172.16.3", "vmk4": "172.16.4", "vmk6": "172.16.0"}


# ---------------------------------------------------------------- builders


def switch(name, uplinks, mtu=9000, kind="standard"):
    return {"name": name, "type": kind, "uplinks": list(uplinks), "mtu": mtu}


def portgroup(name, switch_name, active, standby=(), unused=(), inherited=False, vlan_id=0):
    return {
        "name": name,
        "switch": switch_name,
        "type": "standard",
        "vlan_id": vlan_id,
        "key": None,
        "teaming": {"active": list(active), "standby": list(standby), "unused": list(unused), "inherited": inherited},
    }


def vmk(device, pg, switch_name, ip, prefix=24, vmotion=True, services=None, mtu=9000, netstack="defaultTcpipStack", ipv6=()):
    if services is None:
        services = ["vmotion"] if vmotion else []
    netmask = {24: "255.255.255.0", 16: "255.255.0.0", 22: "255.255.252.0"}.get(prefix)
    return {
        "device": device,
        "portgroup": pg,
        "switch": switch_name,
        "dvport": None,
        "ip": ip,
        "netmask": netmask,
        "prefix_length": prefix if ip else None,
        "ipv6": list(ipv6),
        "dhcp": False,
        "mac": "00:50:56:00:00:%02x" % (int(device[3:]) if device[3:].isdigit() else 0),
        "mtu": mtu,
        "netstack": netstack,
        "services": services,
        "vmotion": vmotion or netstack == "vmotion",
    }


def host(name, switches=(), portgroups=(), vmks=()):
    return {
        "name": name,
        "mgmt_ip": name,
        "mgmt_octet": int(name.rsplit(".", 1)[1]),
        "switches": list(switches),
        "portgroups": list(portgroups),
        "vmks": list(vmks),
        "findings": [],
    }


def management(octet):
    return (
        switch("vSwitch0", ["vmnic0", "vmnic1"], mtu=1500),
        portgroup("Management Network", "vSwitch0", ["vmnic0", "vmnic1"], inherited=True),
        vmk("vmk0", "Management Network", "vSwitch0", "192.168.100.%d" % octet, vmotion=False, services=["management"], mtu=1500),
    )


def seed_host(octet, disabled=(), names=None):
    """The seed's host: vmk1/vmk2 on a dedicated vMotion vSwitch, vmk3/vmk4/vmk6 on under-used admin/NAS/backup switches, vmk5 NAS."""
    names = names or {}
    mgmt_switch, mgmt_pg, vmk0 = management(octet)

    def pg_name(device):
        return names.get(device, "vMotion-%s" % device[3:])

    def vm(device, pg_switch):
        return vmk(device, pg_name(device), pg_switch, "%s.%d" % (SEED_SUBNETS[device], octet), vmotion=device not in disabled)

    return host(
        "192.168.100.%d" % octet,
        switches=[
            mgmt_switch,
            switch("vSwitch1", ["vmnic2"]),
            switch("vSwitch2", ["vmnic4", "vmnic5"]),
            switch("vSwitch3", ["vmnic6"]),
            switch("vSwitch4", ["vmnic8", "vmnic9"]),
        ],
        portgroups=[
            mgmt_pg,
            portgroup(pg_name("vmk1"), "vSwitch4", ["vmnic8"], unused=["vmnic9"]),
            portgroup(pg_name("vmk2"), "vSwitch4", ["vmnic9"], unused=["vmnic8"]),
            portgroup(pg_name("vmk3"), "vSwitch1", ["vmnic2"]),
            portgroup(pg_name("vmk4"), "vSwitch2", ["vmnic4"], unused=["vmnic5"]),
            portgroup("NAS", "vSwitch2", ["vmnic4", "vmnic5"], inherited=True),
            portgroup(pg_name("vmk6"), "vSwitch3", ["vmnic6"]),
        ],
        vmks=[
            vmk0,
            vm("vmk1", "vSwitch4"),
            vm("vmk2", "vSwitch4"),
            vm("vmk3", "vSwitch1"),
            vm("vmk4", "vSwitch2"),
            vmk("vmk5", "NAS", "vSwitch2", "10.10.5.%d" % octet, vmotion=False, services=[]),
            vm("vmk6", "vSwitch3"),
        ],
    )


def seed_fleet(disabled=None, names=None):
    disabled = SEED_DISABLED if disabled is None else disabled
    return dict(("192.168.100.%d" % o, seed_host(o, disabled.get(o, ()), names)) for o in SEED_OCTETS)


def find(vmks, device):
    return [v for v in vmks if v["device"] == device][0]


def find_pg(pgs, name):
    return [p for p in pgs if p["name"] == name][0]


def codes(findings):
    return [f["code"] for f in findings]


def where(findings, code=None):
    return sorted((f.get("host"), f.get("device")) for f in findings if code is None or f["code"] == code)


def simple_host(name, vmks_spec, one_switch=True):
    """One switch, one port group per vmk with its own active uplink; vmks_spec: [(device, ip or None, prefix, enabled, ipv6)]."""
    uplinks = ["vmnic%d" % i for i in range(len(vmks_spec))]
    pgs, vmks = [], []
    for i, (device, ip, prefix, enabled, ipv6) in enumerate(vmks_spec):
        pgs.append(portgroup("pg-%s" % device, "vSwitch1", [uplinks[i]], unused=[u for u in uplinks if u != uplinks[i]]))
        vmks.append(vmk(device, "pg-%s" % device, "vSwitch1", ip, prefix=prefix, vmotion=enabled, ipv6=ipv6))
    return host(name, [switch("vSwitch1", uplinks)], pgs, vmks)


# ---------------------------------------------------------------- one host


class TestHostFindingsClean:
    def test_healthy_seed_host_has_no_findings(self):
        assert host_findings(seed_host(108)) == []

    def test_management_and_nas_vmks_stay_silent(self):
        # vmk0 sits in an inherited two-uplink teaming and vmk5 in a non-vMotion subnet: neither is a vMotion port
        findings = host_findings(seed_host(108))
        assert not [f for f in findings if f.get("device") in ("vmk0", "vmk5") or f.get("portgroup") in ("Management Network", "NAS")]

    def test_management_vmk_in_a_vmotion_named_portgroup_is_not_asked_to_enable_vmotion(self):
        h = seed_host(108)
        find(h["vmks"], "vmk0")["portgroup"] = "Management vMotion"
        find_pg(h["portgroups"], "Management Network")["name"] = "Management vMotion"
        assert "VMOTION_DISABLED" not in codes(host_findings(h))

    def test_vmk0_holding_the_host_address_is_management_without_the_service(self):
        # a read may show vmk0 with no service at all; it still holds the address vCenter knows the host by
        h = seed_host(108)
        find(h["vmks"], "vmk0").update(portgroup="Management vMotion", services=[])
        find_pg(h["portgroups"], "Management Network")["name"] = "Management vMotion"
        assert "VMOTION_DISABLED" not in codes(host_findings(h))

    def test_management_devices_option(self):
        h = simple_host("192.168.100.10", [("vmk1", "172.16.1.10", 24, True, ()), ("vmk2", "172.16.1.11", 24, False, ())])
        options = {"one_vmk_per_subnet": False}
        assert codes(host_findings(h, options)) == ["VMOTION_DISABLED"]
        assert host_findings(h, dict(options, management_devices=["vmk2"])) == []


class TestVmotionDisabled:
    def test_fires_on_vmotion_portgroup(self):
        findings = host_findings(seed_host(109, disabled=("vmk3",)))
        assert codes(findings) == ["VMOTION_DISABLED"]
        (f,) = findings
        assert f["severity"] == "critical" and f["device"] == "vmk3" and f["portgroup"] == "vMotion-3"
        for text in ("192.168.100.109", "vmk3", "172.16.3.109/24", "vMotion-3", "Enable the vMotion service"):
            assert text in f["message"]

    def test_fires_on_vmotion_subnet_whatever_the_portgroup_name(self):
        h = simple_host("192.168.100.10", [("vmk1", "172.16.1.10", 24, True, ()), ("vmk2", "172.16.1.11", 24, False, ())])
        findings = host_findings(h, {"one_vmk_per_subnet": False})
        assert codes(findings) == ["VMOTION_DISABLED"]
        assert findings[0]["device"] == "vmk2" and "172.16.1.0/24 carries vMotion" in findings[0]["message"]

    def test_explicit_vmotion_subnets(self):
        h = simple_host("192.168.100.10", [("vmk1", "172.16.1.10", 24, True, ()), ("vmk2", "172.16.2.10", 24, False, ())])
        assert "VMOTION_DISABLED" not in codes(host_findings(h))
        findings = host_findings(h, {"vmotion_subnets": ["172.16.1.0/24", "172.16.2.0/24"]})
        assert where(findings, "VMOTION_DISABLED") == [(None, "vmk2")]

    def test_vmotion_devices_option(self):
        h = simple_host("192.168.100.10", [("vmk1", "172.16.1.10", 24, True, ()), ("vmk2", "172.16.2.10", 24, False, ())])
        assert where(host_findings(h, {"vmotion_devices": ["vmk2"]}), "VMOTION_DISABLED") == [(None, "vmk2")]

    def test_silent_on_nas_vmk_in_non_vmotion_subnet(self):
        h = seed_host(108)
        assert find(h["vmks"], "vmk5")["vmotion"] is False
        assert "VMOTION_DISABLED" not in codes(host_findings(h))

    def test_empty_pattern_disables_name_matching(self):
        h = seed_host(109, disabled=("vmk3",))
        assert "VMOTION_DISABLED" not in codes(host_findings(h, {"vmotion_portgroup_pattern": ""}))


class TestTeaming:
    def test_multiple_active_uplinks(self):
        h = seed_host(108)
        find_pg(h["portgroups"], "vMotion-1")["teaming"].update(active=["vmnic8", "vmnic9"], unused=[])
        findings = host_findings(h)
        f = [x for x in findings if x["code"] == "MULTIPLE_ACTIVE_UPLINKS"][0]
        assert f["severity"] == "warning" and f["portgroup"] == "vMotion-1" and f["device"] == "vmk1" and f["uplinks"] == ["vmnic8", "vmnic9"]
        assert "vmnic8, vmnic9" in f["message"] and "unused" in f["message"]
        # both vmks are now active on vmnic9
        assert "SHARED_ACTIVE_UPLINK" in codes(findings)

    def test_pattern_portgroup_without_vmk_is_checked(self):
        h = seed_host(108)
        h["portgroups"].append(portgroup("vMotion-spare", "vSwitch4", ["vmnic8", "vmnic9"]))
        findings = [f for f in host_findings(h) if f.get("portgroup") == "vMotion-spare"]
        assert codes(findings) == ["MULTIPLE_ACTIVE_UPLINKS"] and "device" not in findings[0]

    def test_no_active_uplink(self):
        h = seed_host(108)
        find_pg(h["portgroups"], "vMotion-2")["teaming"].update(active=[], unused=["vmnic8", "vmnic9"])
        findings = host_findings(h)
        assert codes(findings) == ["NO_ACTIVE_UPLINK"]
        assert findings[0]["severity"] == "critical" and findings[0]["device"] == "vmk2"

    def test_standby_where_unused_is_asked(self):
        h = seed_host(108)
        find_pg(h["portgroups"], "vMotion-1")["teaming"].update(standby=["vmnic9"], unused=[])
        assert codes(host_findings(h)) == ["STANDBY_NOT_UNUSED"]
        assert host_findings(h, {"failover": "any"}) == []

    def test_unused_where_standby_is_asked(self):
        h = seed_host(108)
        findings = host_findings(h, {"failover": "standby"})
        # vMotion-1, -2 and -4 leave one uplink unused with no standby; vMotion-3 and -6 have a single uplink
        assert sorted((f["portgroup"], f["severity"]) for f in findings) == [
            ("vMotion-1", "warning"), ("vMotion-2", "warning"), ("vMotion-4", "warning")]
        assert set(codes(findings)) == {"UNUSED_NOT_STANDBY"}

    def test_unused_with_a_standby_is_only_info(self):
        h = seed_host(108)
        h["switches"][-1]["uplinks"].append("vmnic10")
        find_pg(h["portgroups"], "vMotion-1")["teaming"].update(standby=["vmnic9"], unused=["vmnic10"])
        (f,) = [x for x in host_findings(h, {"failover": "standby"}) if x["portgroup"] == "vMotion-1"]
        assert (f["code"], f["severity"], f["uplinks"]) == ("UNUSED_NOT_STANDBY", "info", ["vmnic10"])

    def test_teaming_inherited_from_multi_uplink_switch(self):
        h = seed_host(108)
        find_pg(h["portgroups"], "vMotion-1")["teaming"].update(inherited=True)
        (f,) = host_findings(h)
        assert f["code"] == "TEAMING_INHERITED" and f["portgroup"] == "vMotion-1" and f["uplinks"] == ["vmnic8", "vmnic9"]

    def test_teaming_inherited_from_single_uplink_switch_is_fine(self):
        h = seed_host(108)
        find_pg(h["portgroups"], "vMotion-3")["teaming"].update(inherited=True)
        assert host_findings(h) == []

    def test_shared_active_uplink(self):
        h = seed_host(108)
        find_pg(h["portgroups"], "vMotion-2")["teaming"].update(active=["vmnic8"], unused=["vmnic9"])
        (f,) = host_findings(h)
        assert f["code"] == "SHARED_ACTIVE_UPLINK" and f["devices"] == ["vmk1", "vmk2"] and f["uplinks"] == ["vmnic8"]
        assert "vmk1 (vMotion-1)" in f["message"] and "vmk2 (vMotion-2)" in f["message"] and "vSwitch4" in f["message"]

    def test_same_uplink_name_on_two_switches_is_not_shared(self):
        h = simple_host("192.168.100.10", [("vmk1", "172.16.1.10", 24, True, ())])
        h["switches"].append(switch("vSwitch2", ["vmnic0"]))
        h["portgroups"].append(portgroup("pg-vmk2", "vSwitch2", ["vmnic0"]))
        h["vmks"].append(vmk("vmk2", "pg-vmk2", "vSwitch2", "172.16.2.10"))
        assert host_findings(h) == []


class TestHostOtherRules:
    def test_subnet_shared(self):
        h = simple_host("192.168.100.10", [("vmk1", "172.16.1.10", 24, True, ()), ("vmk2", "172.16.1.11", 24, True, ())])
        (f,) = host_findings(h)
        assert f["code"] == "SUBNET_SHARED" and f["subnet"] == "172.16.1.0/24" and f["devices"] == ["vmk1", "vmk2"]
        assert host_findings(h, {"one_vmk_per_subnet": False}) == []

    def test_mtu_above_switch(self):
        h = seed_host(108)
        h["switches"][3]["mtu"] = 1500  # vSwitch3 carries vmk6 at 9000
        (f,) = host_findings(h)
        assert (f["code"], f["severity"], f["device"], f["mtu"], f["expected_mtu"]) == ("MTU_ABOVE_SWITCH", "critical", "vmk6", 9000, 1500)
        assert "vSwitch3" in f["message"]

    def test_mtu_equal_or_unknown_is_fine(self):
        h = seed_host(108)
        find(h["vmks"], "vmk1")["mtu"] = None
        h["switches"][1]["mtu"] = None
        assert host_findings(h) == []

    def test_mixed_netstacks(self):
        h = seed_host(108)
        find(h["vmks"], "vmk1").update(netstack="vmotion", services=[])
        (f,) = host_findings(h)
        assert f["code"] == "MIXED_NETSTACKS" and f["device"] == "vmk2"
        assert "vmk1" in f["message"] and "vmk2, vmk3, vmk4, vmk6" in f["message"]

    def test_all_on_vmotion_stack_is_fine(self):
        h = seed_host(108)
        for device in SEED_SUBNETS:
            find(h["vmks"], device).update(netstack="vmotion", services=[])
        assert host_findings(h) == []

    def test_netstack_vmotion_counts_as_enabled(self):
        h = seed_host(109, disabled=("vmk3",))
        find(h["vmks"], "vmk3").update(netstack="vmotion")
        assert "VMOTION_DISABLED" not in codes(host_findings(h))

    def test_no_vmotion_vmk(self):
        h = seed_host(108, disabled=tuple(SEED_SUBNETS))
        findings = host_findings(h)
        assert findings[0]["code"] in ("NO_VMOTION_VMK", "VMOTION_DISABLED")
        assert codes(findings).count("NO_VMOTION_VMK") == 1
        assert where(findings, "VMOTION_DISABLED") == [(None, d) for d in ("vmk1", "vmk2", "vmk3", "vmk4", "vmk6")]

    def test_empty_host(self):
        assert codes(host_findings(host("10.0.0.1"))) == ["NO_VMOTION_VMK"]

    def test_ignore(self):
        h = seed_host(108, disabled=tuple(SEED_SUBNETS))
        assert codes(host_findings(h, {"ignore": ["VMOTION_DISABLED"]})) == ["NO_VMOTION_VMK"]

    def test_every_rule_has_a_known_severity_scope_and_check(self):
        assert all(rule.severity in SEVERITIES and rule.scope in (HOST, FLEET) and callable(rule.check) and rule.description
                   for rule in RULES.values())
        assert len(set(rule.check for rule in RULES.values())) == len(RULES)  # one function per code
        assert sorted(HOST_CODES + FLEET_CODES) == sorted(RULES) and "SUBNET_OVERLAP" in HOST_CODES and "DUPLICATE_IP" in FLEET_CODES


class TestSubnetOverlap:
    def overlapping(self, netstack="defaultTcpipStack", vmotion=True):
        h = simple_host("192.168.100.10", [("vmk1", "10.50.1.10", 24, True, ()), ("vmk2", "10.50.0.11", 16, vmotion, ())])
        find(h["vmks"], "vmk2").update(netstack=netstack)
        return h

    def test_overlapping_subnets_on_one_stack(self):
        (f,) = host_findings(self.overlapping())
        assert (f["code"], f["severity"], f["device"], f["devices"]) == ("SUBNET_OVERLAP", "critical", "vmk1", ["vmk1", "vmk2"])
        assert (f["subnet"], f["subnets"], f["netstack"]) == ("10.50.1.0/24", ["10.50.1.0/24", "10.50.0.0/16"], "defaultTcpipStack")
        for text in ("192.168.100.10", "vmk1 (10.50.1.0/24)", "vmk2 (10.50.0.0/16)", "everything for 10.50.1.0/24 out of vmk1",
                     "the rest of 10.50.0.0/16 out of vmk2"):
            assert text in f["message"]

    def test_other_stacks_do_not_overlap(self):
        h = self.overlapping(netstack="vSphereProvisioning", vmotion=False)
        find(h["vmks"], "vmk2")["services"] = ["vSphereProvisioning"]
        assert host_findings(h) == []

    def test_equal_subnets_are_shared_not_overlapping(self):
        h = simple_host("192.168.100.10", [("vmk1", "172.16.1.10", 24, True, ()), ("vmk2", "172.16.1.11", 24, True, ())])
        assert codes(host_findings(h)) == ["SUBNET_SHARED"]

    def test_management_and_storage_vmks_count(self):
        h = seed_host(108)
        find(h["vmks"], "vmk5").update(ip="192.168.0.5", prefix_length=16, netmask="255.255.0.0")
        (f,) = host_findings(h)
        assert (f["code"], f["devices"], f["subnets"]) == ("SUBNET_OVERLAP", ["vmk0", "vmk5"], ["192.168.100.0/24", "192.168.0.0/16"])

    def test_ipv6_prefixes(self):
        h = simple_host("192.168.100.10", [("vmk1", None, None, True, ["2001:db8:1:5::a/64"]), ("vmk2", None, None, True, ["2001:db8:1::b/48"])])
        (f,) = host_findings(h)
        assert (f["code"], f["subnets"]) == ("SUBNET_OVERLAP", ["2001:db8:1:5::/64", "2001:db8:1::/48"])

    def test_in_a_fleet_and_ignored(self):
        h = self.overlapping()
        assert where(fleet_findings({"a": h})["findings"], "SUBNET_OVERLAP") == [("a", "vmk1")]
        assert host_findings(h, {"ignore": ["SUBNET_OVERLAP"]}) == []


class TestRuleRegistry:
    def test_a_rule_is_one_function_and_one_line(self, monkeypatch):
        def every_vmk(view, opts, context):
            return [{"code": "EVERY_VMK", "severity": "info", "message": "%s %s" % (view["name"], v["device"]), "device": v["device"]}
                    for v in view["vmks"]]

        monkeypatch.setitem(RULES, "EVERY_VMK", RULES["NO_VMOTION_VMK"]._replace(severity="info", check=every_vmk, description="test"))
        assert [f.get("device") for f in host_findings(seed_host(108))] == ["vmk0", "vmk1", "vmk2", "vmk3", "vmk4", "vmk5", "vmk6"]
        assert host_findings(seed_host(108), {"ignore": ["EVERY_VMK"]}) == []


class TestOptions:
    def test_every_problem_at_once(self):
        with pytest.raises(FindingsError) as info:
            host_findings(seed_host(108), {"failover": "maybe", "vmotion_portgroup_pattern": "(", "vmotion_subnets": ["172.16.1.5/24"],
                                           "ignore": ["NOPE"], "typo": 1, "one_vmk_per_subnet": "yes"})
        text = " | ".join(info.value.problems)
        assert len(info.value.problems) == 6
        for part in ("failover 'maybe'", "vmotion_portgroup_pattern", "host bits set", "NOPE", "typo", "one_vmk_per_subnet"):
            assert part in text

    def test_none_means_default(self):
        assert host_findings(seed_host(108), {"failover": None, "vmotion_subnets": None}) == []

    def test_options_must_be_a_dict(self):
        with pytest.raises(FindingsError):
            host_findings(seed_host(108), ["failover"])


class TestSeverityAndOrder:
    def test_at_or_above(self):
        findings = [{"code": "A", "severity": s, "message": ""} for s in ("info", "critical", "warning")]
        assert [f["severity"] for f in at_or_above(findings, "warning")] == ["critical", "warning"]
        assert len(at_or_above(findings, "info")) == 3
        assert at_or_above([], "critical") == []
        with pytest.raises(FindingsError):
            at_or_above(findings, "fatal")

    def test_sorted_by_severity_code_device(self):
        h = seed_host(108, disabled=("vmk6", "vmk10", "vmk2"))
        h["vmks"].append(vmk("vmk10", "vMotion-10", "vSwitch3", "172.16.10.108", vmotion=False))
        find_pg(h["portgroups"], "vMotion-1")["teaming"].update(standby=["vmnic9"], unused=[])
        h["switches"][1]["mtu"] = 1500
        findings = host_findings(h)
        assert [(f["code"], f.get("device")) for f in findings] == [
            ("MTU_ABOVE_SWITCH", "vmk3"),
            ("VMOTION_DISABLED", "vmk2"),
            ("VMOTION_DISABLED", "vmk6"),
            ("VMOTION_DISABLED", "vmk10"),
            ("STANDBY_NOT_UNUSED", "vmk1"),
        ]

    def test_input_order_does_not_matter(self):
        h = seed_host(109, disabled=("vmk3", "vmk4"))
        shuffled = copy.deepcopy(h)
        for key in ("vmks", "portgroups", "switches"):
            shuffled[key].reverse()
        assert host_findings(h) == host_findings(shuffled)


# ---------------------------------------------------------------- fleet


class TestFleet:
    def test_seed_fleet_flags_exactly_the_disabled_ports(self):
        result = fleet_findings(seed_fleet())
        expected = sorted(("192.168.100.%d" % o, d) for o, ds in SEED_DISABLED.items() for d in ds)
        assert where(result["findings"]) == expected
        assert set(codes(result["findings"])) == {"VMOTION_DISABLED"}
        assert sorted(result["by_host"]) == sorted(seed_fleet())
        assert where(result["by_host"]["192.168.100.112"]) == [("192.168.100.112", "vmk2"), ("192.168.100.112", "vmk6")]
        assert result["by_host"]["192.168.100.108"] == []

    def test_seed_fleet_without_telling_portgroup_names(self):
        # the seed spread vmks over admin/NAS/backup switches: the fleet's subnets alone must find the disabled ports
        names = dict((d, "Net-%s" % d[3:]) for d in SEED_SUBNETS)
        result = fleet_findings(seed_fleet(names=names))
        assert where(result["findings"]) == sorted(("192.168.100.%d" % o, d) for o, ds in SEED_DISABLED.items() for d in ds)
        assert "172.16.3.0/24 carries vMotion" in [f for f in result["findings"] if f["host"] == "192.168.100.109"][0]["message"]
        assert result["vmotion_subnets"] == ["172.16.0.0/24", "172.16.1.0/24", "172.16.2.0/24", "172.16.3.0/24", "172.16.4.0/24"]

    def test_indexes(self):
        indexes = fleet_findings(seed_fleet())["indexes"]
        assert sorted(indexes) == ["vmk1", "vmk2", "vmk3", "vmk4", "vmk6"]
        assert indexes["vmk6"]["subnet"] == "172.16.0.0/24" and indexes["vmk6"]["mtu"] == 9000 and indexes["vmk6"]["missing"] == []
        assert indexes["vmk3"]["hosts"]["192.168.100.109"] == {"ip": "172.16.3.109", "subnet": "172.16.3.0/24", "vmotion": False, "mtu": 9000}
        assert len(indexes["vmk1"]["hosts"]) == 12

    def test_host_in_other_subnet_is_reported_with_the_pairs_it_breaks(self):
        fleet = seed_fleet(disabled={})
        find(fleet["192.168.100.110"]["vmks"], "vmk2").update(ip="172.16.22.110")
        result = fleet_findings(fleet)
        (f,) = result["findings"]
        assert (f["code"], f["severity"], f["host"], f["device"]) == ("SUBNET_MISMATCH", "critical", "192.168.100.110", "vmk2")
        assert (f["subnet"], f["expected_subnet"], f["suggested_ip"]) == ("172.16.22.0/24", "172.16.2.0/24", "172.16.2.110")
        assert f["peers"] == ["192.168.100.%d" % o for o in SEED_OCTETS if o != 110]
        assert "11 of 12 hosts" in f["message"] and "172.16.22.0/24" in f["message"]

        pairing = stream_pairing(fleet)
        broken = sorted(tuple(p) for p in pairing["summary"]["degraded_pairs"])
        assert broken == sorted([("192.168.100.110", p) for p in f["peers"]] + [(p, "192.168.100.110") for p in f["peers"]])
        pair = [p for p in pairing["pairs"] if (p["source"], p["destination"]) == ("192.168.100.110", "192.168.100.111")][0]
        assert (pair["streams"], pair["expected"], pair["lost"], pair["fails"]) == (4, 5, 1, False)
        assert pair["unmatched_source"] == [{"device": "vmk2", "reason": "PEER_HAS_NONE", "networks": ["172.16.22.0/24"]}]
        assert pair["unmatched_destination"] == [{"device": "vmk2", "reason": "PEER_HAS_NONE", "networks": ["172.16.2.0/24"]}]
        assert pairing["summary"]["by_host"]["192.168.100.110"] == {"failing": 0, "degraded": 11, "min_streams": 4, "max_streams": 4}

    def test_mismatch_that_is_also_disabled(self):
        fleet = seed_fleet(disabled={110: ("vmk2",)})
        find(fleet["192.168.100.110"]["vmks"], "vmk2").update(ip="10.99.0.110", portgroup="vMotion-2")
        findings = fleet_findings(fleet)["findings"]
        # the port group name still says vMotion, so both rules speak; the mismatch message says vMotion is off too
        assert sorted(codes(findings)) == ["SUBNET_MISMATCH", "VMOTION_DISABLED"]
        assert "vMotion disabled" in [f for f in findings if f["code"] == "SUBNET_MISMATCH"][0]["message"]

    def test_renumbered_host_loses_no_stream_and_gets_only_info(self):
        # .113 got its backup vMotion port as vmk7 instead of vmk6: same subnet, other device name
        fleet = seed_fleet(disabled={})
        find(fleet["192.168.100.113"]["vmks"], "vmk6")["device"] = "vmk7"
        result = fleet_findings(fleet)
        assert [(f["code"], f["severity"], f["host"], f["device"], f["devices"]) for f in result["findings"]] == [
            ("INDEX_MISSING", "info", "192.168.100.113", "vmk6", ["vmk7"])]
        assert "no stream is lost" in result["findings"][0]["message"]
        assert "vmk7" not in result["indexes"]  # one host's device is no fleet index
        assert stream_pairing(fleet)["summary"]["healthy"] == 132

    def test_swapped_devices_are_a_mild_mismatch(self):
        # .113 has vMotion on vmk5 in 172.16.0.0/24 and its NAS port as vmk6
        fleet = seed_fleet(disabled={})
        vmks = fleet["192.168.100.113"]["vmks"]
        nas, backup = find(vmks, "vmk5"), find(vmks, "vmk6")
        nas["device"], backup["device"] = "vmk6", "vmk5"
        findings = fleet_findings(fleet)["findings"]
        assert [(f["code"], f["severity"], f["device"], f["devices"]) for f in findings] == [("SUBNET_MISMATCH", "info", "vmk6", ["vmk5"])]

    def test_duplicate_host_names(self):
        with pytest.raises(FindingsError) as info:
            fleet_findings([seed_host(108), seed_host(108)])
        assert "192.168.100.108" in str(info.value)

    def test_index_missing(self):
        fleet = seed_fleet(disabled={})
        fleet["192.168.100.113"]["vmks"] = [v for v in fleet["192.168.100.113"]["vmks"] if v["device"] != "vmk6"]
        result = fleet_findings(fleet)
        (f,) = result["findings"]
        assert (f["code"], f["host"], f["device"], f["expected_subnet"], f["suggested_ip"]) == (
            "INDEX_MISSING", "192.168.100.113", "vmk6", "172.16.0.0/24", "172.16.0.113")
        assert result["indexes"]["vmk6"]["missing"] == ["192.168.100.113"]

    def test_mtu_mismatch(self):
        fleet = seed_fleet(disabled={})
        find(fleet["192.168.100.114"]["vmks"], "vmk4")["mtu"] = 1500
        (f,) = fleet_findings(fleet)["findings"]
        assert (f["code"], f["host"], f["device"], f["mtu"], f["expected_mtu"]) == ("MTU_MISMATCH", "192.168.100.114", "vmk4", 1500, 9000)

    def test_duplicate_ip(self):
        fleet = seed_fleet(disabled={})
        find(fleet["192.168.100.115"]["vmks"], "vmk1")["ip"] = "172.16.1.114"
        findings = [f for f in fleet_findings(fleet)["findings"] if f["code"] == "DUPLICATE_IP"]
        assert where(findings) == [("192.168.100.114", "vmk1"), ("192.168.100.115", "vmk1")]
        assert findings[0]["ip"] == "172.16.1.114" and findings[0]["severity"] == "critical"
        assert findings[0]["others"] == ["192.168.100.115 vmk1"]

    def test_duplicate_ipv6_within_one_host(self):
        h = simple_host("192.168.100.10", [("vmk1", "172.16.1.10", 24, True, ["2001:db8:1::a/64"]),
                                           ("vmk2", "172.16.2.10", 24, True, ["2001:db8:1::a/64", "fe80::1/64"])])
        findings = fleet_findings({"a": h}, {"one_vmk_per_subnet": False})["findings"]
        assert where(findings, "DUPLICATE_IP") == [("a", "vmk1"), ("a", "vmk2")]

    def test_stray_vmotion_on_nas_is_a_minority_not_an_outage(self):
        fleet = seed_fleet(disabled={})
        find(fleet["192.168.100.117"]["vmks"], "vmk5").update(vmotion=True, services=["vmotion"])
        findings = fleet_findings(fleet)["findings"]
        # the other hosts' vmk5 are not asked to enable vMotion on the storage network
        assert set(f["host"] for f in findings) == {"192.168.100.117"}
        (minority,) = [f for f in findings if f["code"] == "VMOTION_MINORITY"]
        assert minority["device"] == "vmk5" and "10.10.5.0/24" in minority["message"] and "1 of the fleet's 12" in minority["message"]
        # on that host the NAS port group now carries vMotion, so its two-active inherited teaming is reported too
        assert sorted(codes(findings)) == ["MULTIPLE_ACTIVE_UPLINKS", "SHARED_ACTIVE_UPLINK", "TEAMING_INHERITED", "VMOTION_MINORITY"]

    def test_explicit_vmotion_subnets_in_fleet(self):
        fleet = seed_fleet(disabled={})
        result = fleet_findings(fleet, {"vmotion_subnets": ["10.10.5.0/24"]})
        assert len(where(result["findings"], "VMOTION_DISABLED")) == 12  # every vmk5 now counts

    def test_list_input_and_order_do_not_matter(self):
        fleet = seed_fleet()
        as_list = list(reversed(list(fleet.values())))
        assert fleet_findings(fleet) == fleet_findings(as_list)
        reordered = dict(reversed(list(fleet.items())))
        assert fleet_findings(fleet) == fleet_findings(reordered)

    def test_fleet_findings_are_worst_first(self):
        fleet = seed_fleet()
        find(fleet["192.168.100.114"]["vmks"], "vmk4")["mtu"] = 1500
        severities = [SEVERITIES.index(f["severity"]) for f in fleet_findings(fleet)["findings"]]
        assert severities == sorted(severities, reverse=True)

    def test_empty_fleet(self):
        assert fleet_findings({}) == {"findings": [], "by_host": {}, "indexes": {}, "vmotion_subnets": []}
        assert stream_pairing({})["pairs"] == []


# ---------------------------------------------------------------- stream pairing


def pair_of(result, a, b):
    return [p for p in result["pairs"] if p["source"] == a and p["destination"] == b][0]


class TestStreamPairing:
    def test_seed_counts(self):
        result = stream_pairing(seed_fleet())
        h = "192.168.100.%d"
        healthy = pair_of(result, h % 107, h % 108)
        assert (healthy["streams"], healthy["expected"], healthy["lost"], healthy["fails"]) == (5, 5, 0, False)
        assert [(m["source"], m["destination"], m["subnet"]) for m in healthy["matched"]] == [
            ("vmk1", "vmk1", "172.16.1.0/24"), ("vmk2", "vmk2", "172.16.2.0/24"), ("vmk3", "vmk3", "172.16.3.0/24"),
            ("vmk4", "vmk4", "172.16.4.0/24"), ("vmk6", "vmk6", "172.16.0.0/24")]
        to_109 = pair_of(result, h % 108, h % 109)
        assert (to_109["streams"], to_109["expected"], to_109["lost"]) == (4, 5, 1)
        assert to_109["unmatched_destination"] == [{"device": "vmk3", "reason": "VMOTION_OFF", "networks": ["172.16.3.0/24"]}]
        assert to_109["unmatched_source"] == [{"device": "vmk3", "reason": "PEER_HAS_NONE", "networks": ["172.16.3.0/24"]}]
        assert pair_of(result, h % 109, h % 108)["streams"] == 4
        assert pair_of(result, h % 107, h % 112)["streams"] == 3
        assert pair_of(result, h % 109, h % 112)["streams"] == 2  # .109 lacks vmk3, .112 lacks vmk2 and vmk6
        assert pair_of(result, h % 109, h % 116)["streams"] == 3
        assert pair_of(result, h % 112, h % 116)["streams"] == 2
        summary = result["summary"]
        assert (summary["hosts"], summary["pairs"], summary["healthy"], summary["degraded"], summary["failing"]) == (12, 132, 72, 60, 0)
        assert summary["signatures"] == 4
        assert summary["by_host"][h % 112] == {"failing": 0, "degraded": 11, "min_streams": 2, "max_streams": 3}
        assert summary["by_host"][h % 107] == {"failing": 0, "degraded": 3, "min_streams": 3, "max_streams": 5}

    def test_pairs_sorted_and_complete(self):
        result = stream_pairing(seed_fleet())
        keys = [(p["source"], p["destination"]) for p in result["pairs"]]
        names = ["192.168.100.%d" % o for o in SEED_OCTETS]
        assert keys == [(a, b) for a in names for b in names if a != b]

    def test_include_healthy_false(self):
        result = stream_pairing(seed_fleet(), {"include_healthy": False})
        assert len(result["pairs"]) == 60 and all(p["lost"] or p["fails"] for p in result["pairs"])
        assert result["summary"]["healthy"] == 72

    def test_host_without_vmotion_fails(self):
        fleet = seed_fleet(disabled={})
        fleet["192.168.100.118"] = seed_host(118, disabled=tuple(SEED_SUBNETS))
        result = stream_pairing(fleet)
        pair = pair_of(result, "192.168.100.107", "192.168.100.118")
        assert (pair["streams"], pair["expected"], pair["lost"], pair["fails"]) == (0, 5, 5, True)
        assert len(result["summary"]["failing_pairs"]) == 22
        assert ["192.168.100.118", "192.168.100.107"] in result["summary"]["failing_pairs"]

    def test_single_subnet_design_pairs_each_vmk_once(self):
        a = simple_host("10.0.0.1", [("vmk1", "172.16.0.1", 24, True, ()), ("vmk2", "172.16.0.2", 24, True, ())])
        b = simple_host("10.0.0.2", [("vmk1", "172.16.0.11", 24, True, ()), ("vmk2", "172.16.0.12", 24, True, ()),
                                     ("vmk3", "172.16.0.13", 24, True, ())])
        result = stream_pairing({"a": a, "b": b})
        pair = pair_of(result, "a", "b")
        assert (pair["streams"], pair["expected"], pair["lost"]) == (2, 2, 0)
        assert pair_of(result, "b", "a")["unmatched_source"] == [
            {"device": "vmk3", "reason": "PEER_ALL_PAIRED", "networks": ["172.16.0.0/24"]}]

    def test_matching_is_maximum_not_greedy(self):
        # c.vmk1 reaches d over IPv4 and IPv6; pairing it with d.vmk1 by name alone would strand c.vmk2
        c = simple_host("10.0.0.3", [("vmk1", "172.16.1.3", 24, True, ["2001:db8:2::3/64"]), ("vmk2", "172.16.1.4", 24, True, ())])
        d = simple_host("10.0.0.4", [("vmk1", "172.16.1.5", 24, True, ()), ("vmk2", None, None, True, ["2001:db8:2::5/64"])])
        pair = pair_of(stream_pairing({"c": c, "d": d}), "c", "d")
        # c.vmk1 must take the IPv6 path to d.vmk2 so that c.vmk2 can pair with d.vmk1
        assert pair["streams"] == 2
        assert sorted((m["source"], m["destination"], m["subnet"]) for m in pair["matched"]) == [
            ("vmk1", "vmk2", "2001:db8:2::/64"), ("vmk2", "vmk1", "172.16.1.0/24")]

    def test_different_masks_are_different_subnets(self):
        a = simple_host("10.0.0.1", [("vmk1", "172.16.1.1", 24, True, ())])
        b = simple_host("10.0.0.2", [("vmk1", "172.16.1.2", 22, True, ())])
        assert pair_of(stream_pairing({"a": a, "b": b}), "a", "b")["fails"] is True

    def test_vmk_without_address_is_a_lost_stream(self):
        a = simple_host("10.0.0.1", [("vmk1", "172.16.1.1", 24, True, ()), ("vmk2", "172.16.2.1", 24, True, ())])
        b = simple_host("10.0.0.2", [("vmk1", "172.16.1.2", 24, True, ()), ("vmk2", None, None, True, ())])
        pair = pair_of(stream_pairing({"a": a, "b": b}), "b", "a")
        assert (pair["streams"], pair["lost"]) == (1, 1)
        assert pair["unmatched_source"] == [{"device": "vmk2", "reason": "NO_SUBNET", "networks": []}]

    def test_256_hosts_is_fast(self):
        fleet = {}
        for n in range(1, 257):
            mgmt = "10.0.%d.%d" % (n // 200, n % 200 + 1)
            specs = [("vmk%d" % i, "172.%d.%d.%d" % (15 + i, n // 256, n % 256), 16, True, ()) for i in range(1, 6)]
            fleet[mgmt] = simple_host(mgmt, specs)
        broken = sorted(fleet)[7]
        find(fleet[broken]["vmks"], "vmk3")["vmotion"] = False
        find(fleet[broken]["vmks"], "vmk3")["services"] = []
        started = time.time()
        result = stream_pairing(fleet, {"include_healthy": False})
        findings = fleet_findings(fleet)
        elapsed = time.time() - started
        assert result["summary"]["pairs"] == 256 * 255 and result["summary"]["signatures"] == 2
        assert result["summary"]["degraded"] == 2 * 255 and len(result["pairs"]) == 2 * 255
        assert where(findings["findings"]) == [(broken, "vmk3")]
        assert elapsed < 5, elapsed


# ---------------------------------------------------------------- properties


SUBNETS = ["172.16.%d" % i for i in range(4)]


@st.composite
def random_fleet(draw):
    """Small fleets of hosts whose vmks each sit in one of a few subnets, some with vMotion off or no address."""
    fleet = {}
    for h in range(draw(st.integers(min_value=2, max_value=5))):
        specs = []
        for i in range(draw(st.integers(min_value=0, max_value=5))):
            subnet = draw(st.sampled_from(SUBNETS + [None]))
            ip = "%s.%d" % (subnet, 10 * h + i + 1) if subnet else None
            specs.append(("vmk%d" % (i + 1), ip, 24 if ip else None, draw(st.booleans()), ()))
        fleet["10.0.0.%d" % (h + 1)] = simple_host("10.0.0.%d" % (h + 1), specs)
    return fleet


def enabled_subnet_counts(h):
    counts = {}
    for v in h["vmks"]:
        if v["vmotion"] and v["ip"]:
            subnet = v["ip"].rsplit(".", 1)[0]
            counts[subnet] = counts.get(subnet, 0) + 1
    return counts


@settings(max_examples=150, deadline=None)
@given(random_fleet())
def test_pairing_properties(fleet):
    result = stream_pairing(fleet, {"one_vmk_per_subnet": False})
    by_key = dict(((p["source"], p["destination"]), p) for p in result["pairs"])
    for (a, b), pair in by_key.items():
        assert pair["streams"] == by_key[(b, a)]["streams"]
        assert pair["expected"] == by_key[(b, a)]["expected"]
        assert 0 <= pair["streams"] <= pair["expected"]
        assert pair["lost"] == pair["expected"] - pair["streams"]
        assert pair["fails"] == (pair["streams"] == 0)
        # one subnet per vmk: the maximum matching is the per-subnet minimum, summed
        ca, cb = enabled_subnet_counts(fleet[a]), enabled_subnet_counts(fleet[b])
        assert pair["streams"] == sum(min(ca[s], cb.get(s, 0)) for s in ca)
        # every vmk is used at most once and every candidate is either matched or explained
        sources = [m["source"] for m in pair["matched"]]
        assert len(sources) == len(set(sources))
        # the unpaired vmks carry codes; the peer's side explains only what the vmk itself does not
        for unmatched in pair["unmatched_source"]:
            assert unmatched["reason"] in PAIR_REASONS
            assert (unmatched["reason"] == "NO_SUBNET") == (unmatched["networks"] == [])
            if unmatched["reason"] in PEER_CAUSED:
                assert [e for e in fleet[a]["vmks"] if e["device"] == unmatched["device"]][0]["vmotion"]
        assert len(pair["matched"]) + len(pair["unmatched_source"]) >= pair["expected"]
    summary = result["summary"]
    assert summary["healthy"] + summary["degraded"] + summary["failing"] == summary["pairs"] == len(by_key)


@settings(max_examples=50, deadline=None)
@given(random_fleet())
def test_fleet_output_is_deterministic(fleet):
    reordered = dict(reversed(list(fleet.items())))
    assert fleet_findings(fleet) == fleet_findings(reordered)
    assert stream_pairing(fleet) == stream_pairing(reordered)


class TestManagementElsewhere:
    """Management on vmk1 (hosts named by DNS), and vMotion on the management vmk beside dedicated vMotion vmks."""

    def host(self, vmotion_on_management=False):
        mgmt = ["management", "vmotion"] if vmotion_on_management else ["management"]
        return {"name": "esx01.example.com", "vmks": [
            {"device": "vmk0", "ip": "172.16.1.51", "prefix_length": 24, "services": ["vmotion"], "portgroup": "vMotion-1",
             "netstack": "defaultTcpipStack", "vmotion": True, "ipv6": []},
            {"device": "vmk1", "ip": "10.0.0.51", "prefix_length": 24, "services": mgmt, "portgroup": "Management Network",
             "netstack": "defaultTcpipStack", "vmotion": vmotion_on_management, "ipv6": []},
            {"device": "vmk2", "ip": "172.16.2.51", "prefix_length": 24, "services": ["vmotion"], "portgroup": "vMotion-2",
             "netstack": "defaultTcpipStack", "vmotion": True, "ipv6": []}]}

    def test_vmk0_is_not_management_when_another_vmk_carries_the_service(self):
        from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import management_reason
        host = self.host()
        assert management_reason(host["vmks"][0], host) is None
        assert management_reason(host["vmks"][1], host) == "it carries the management service"
        # without that evidence vmk0 stays the installer's management vmk
        alone = dict(host, vmks=[host["vmks"][0]])
        assert "installer's management vmk" in management_reason(host["vmks"][0], alone)

    def test_vmotion_on_the_management_vmk_beside_dedicated_ones_is_a_warning(self):
        found = [f for f in host_findings(self.host(vmotion_on_management=True)) if f["code"] == "VMOTION_ON_MANAGEMENT"]
        assert len(found) == 1 and found[0]["severity"] == "warning" and found[0]["device"] == "vmk1"
        assert "dedicated vMotion vmks vmk0 and vmk2" in found[0]["message"] or "vmk0, vmk2" in found[0]["message"]
        assert not [f for f in host_findings(self.host()) if f["code"] == "VMOTION_ON_MANAGEMENT"]


class TestVmotionDhcp:
    def test_a_leased_vmotion_vmk_is_a_warning_and_judged_by_its_lease(self):
        fleet = seed_fleet(disabled={})
        find(fleet["192.168.100.110"]["vmks"], "vmk2")["dhcp"] = True  # lease 172.16.2.110: right subnet
        result = fleet_findings(fleet)
        assert [(f["code"], f["severity"], f["host"], f["device"]) for f in result["findings"]] == [
            ("VMOTION_DHCP", "warning", "192.168.100.110", "vmk2")]
        assert "takes its address 172.16.2.110/24 from DHCP" in result["findings"][0]["message"]
        assert stream_pairing(fleet)["summary"]["healthy"] == 132

    def test_a_vmotion_vmk_without_a_lease_is_critical_once_not_a_subnet_mismatch(self):
        fleet = seed_fleet(disabled={})
        hosts = ["192.168.100.110", "192.168.100.111"]
        for name, address in zip(hosts, ("169.254.3.7", "169.254.3.8")):
            find(fleet[name]["vmks"], "vmk2").update(dhcp=True, ip=address, netmask="255.255.0.0", prefix_length=16)
        findings = fleet_findings(fleet)["findings"]
        # one finding per vmk: no SUBNET_MISMATCH "without an IP subnet", no DUPLICATE_IP or shared subnet on 169.254.0.0/16
        assert [(f["code"], f["severity"], f["host"], f["device"]) for f in findings] == [
            ("VMOTION_DHCP", "critical", h, "vmk2") for h in hosts]
        assert "holds no lease (ESXi autoconfigured 169.254.3.7)" in findings[0]["message"]
        pair = [p for p in stream_pairing(fleet)["pairs"] if (p["source"], p["destination"]) == (hosts[0], hosts[1])][0]
        assert (pair["streams"], pair["expected"]) == (4, 5)

    def test_host_findings_see_it_too(self):
        h = seed_host(108)
        find(h["vmks"], "vmk1").update(dhcp=True, ip="169.254.9.9", netmask="255.255.0.0", prefix_length=16)
        assert codes(host_findings(h)) == ["VMOTION_DHCP"]


def test_suggested_addresses_follow_the_host_bits_option():
    fleet = seed_fleet(disabled={})
    del fleet["192.168.100.110"]["vmks"][2]  # vmk2
    (finding,) = fleet_findings(fleet)["findings"]
    assert (finding["code"], finding["suggested_ip"]) == ("INDEX_MISSING", "172.16.2.110")
    with pytest.raises(FindingsError, match="host_bits 40 must be an integer 1-32"):
        fleet_findings(fleet, {"host_bits": 40})
    assert fleet_findings(fleet, {"host_bits": 6})["findings"][0]["suggested_ip"] == "172.16.2.46"  # 110 & 0b111111


# ---------------------------------------------------------------- routed vMotion (a subnet per rack)


def routed_fleet(stack_gateway=True, own_gateway_on=(), drop_gateway_on=()):
    """Four hosts, two racks: rack A (.107, .108) in 172.16.1.0/24 and 172.16.2.0/24, rack B (.111, .112) in
    172.16.11.0/24 and 172.16.12.0/24; vmk1/vmk2 on the vmotion stack, routed through the stack's gateway (x.x.x.1 of
    the rack's vmk1 subnet) or, on ``own_gateway_on`` hosts, through each vmk's own gateway."""
    fleet = {}
    for octet, rack in ((107, 0), (108, 0), (111, 10), (112, 10)):
        name = "192.168.100.%d" % octet
        mgmt_switch, mgmt_pg, vmk0 = management(octet)
        vmks = [vmk0]
        for index in (1, 2):
            item = vmk("vmk%d" % index, "vMotion-%d" % index, "vSwitch4", "172.16.%d.%d" % (rack + index, octet), netstack="vmotion", services=[])
            if octet in own_gateway_on:
                item["gateway"] = "172.16.%d.1" % (rack + index)
            vmks.append(item)
        fleet[name] = host(name, switches=[mgmt_switch, switch("vSwitch4", ["vmnic8", "vmnic9"])],
                           portgroups=[mgmt_pg, portgroup("vMotion-1", "vSwitch4", ["vmnic8"], unused=["vmnic9"]),
                                       portgroup("vMotion-2", "vSwitch4", ["vmnic9"], unused=["vmnic8"])], vmks=vmks)
        gateway = "172.16.%d.254" % (rack + 1) if stack_gateway and octet not in drop_gateway_on else None
        fleet[name]["stacks"] = {"defaultTcpipStack": {"gateway": "192.168.100.1", "gateway_ipv6": None},
                                 "vmotion": {"gateway": gateway, "gateway_ipv6": None}}
    return fleet


class TestRoutedVmotion:
    def test_a_subnet_per_rack_with_gateways_is_no_mismatch_and_every_pair_gets_its_streams(self):
        for fleet in (routed_fleet(), routed_fleet(stack_gateway=False, own_gateway_on=(107, 108, 111, 112))):
            result = fleet_findings(fleet)
            assert [f["code"] for f in result["findings"] if f["code"] in ("SUBNET_MISMATCH", "INDEX_MISSING")] == []
            pairing = stream_pairing(fleet)
            assert pairing["summary"]["healthy"] == 12, pairing["summary"]
            cross = [p for p in pairing["pairs"] if p["source"] == "192.168.100.107" and p["destination"] == "192.168.100.111"]
            assert cross[0]["matched"][0]["routed"] is True and cross[0]["matched"][0]["subnet"] is None
            same = [p for p in pairing["pairs"] if p["source"] == "192.168.100.107" and p["destination"] == "192.168.100.108"]
            assert same[0]["matched"][0] == {"source": "vmk1", "destination": "vmk1", "subnet": "172.16.1.0/24", "routed": False}

    def test_without_gateways_the_racks_are_a_subnet_mismatch(self):
        result = fleet_findings(routed_fleet(stack_gateway=False))
        assert sorted(set(f["code"] for f in result["findings"] if f["severity"] == "critical")) == ["SUBNET_MISMATCH"]
        assert stream_pairing(routed_fleet(stack_gateway=False))["summary"]["healthy"] == 4  # within a rack only

    def test_a_host_without_its_gateway_is_named_and_no_address_is_suggested_to_the_routed_ones(self):
        fleet = routed_fleet(drop_gateway_on=(112,))
        found = [f for f in fleet_findings(fleet)["findings"] if f["code"] == "SUBNET_MISMATCH"]
        routed = [f for f in found if f["host"] == "192.168.100.111"]
        assert routed and all(f.get("suggested_ip") is None and f["peers"] == ["192.168.100.112"] for f in routed)
        assert "routed through 172.16.11.254" in routed[0]["message"] and "has no gateway" in routed[0]["message"]
        assert "Move" not in routed[0]["message"] and "a gateway on the vmotion TCP/IP stack" in routed[0]["message"]
        unrouted = [f for f in found if f["host"] == "192.168.100.112"]
        assert unrouted and all(f.get("suggested_ip") is None for f in unrouted)
        assert "with no gateway, while 3 of 4 hosts route vmk1 through a gateway" in unrouted[0]["message"]
        assert "Give it a gateway on the vmotion TCP/IP stack" in unrouted[0]["message"]


def test_a_routed_index_reads_on_in_the_audit_not_in_another_subnet():
    from ansible_collections.multinic.vmotion.plugins.module_utils._audit.audit import build_audit
    audit = build_audit(routed_fleet())
    assert set(state for host in audit["hosts"].values() for state in host["indexes"].values()) == {"on"}
    assert audit["indexes"]["vmk1"]["routed"] and audit["indexes"]["vmk1"]["hosts"]["192.168.100.111"]["gateway"] == "172.16.11.254"
    from ansible_collections.multinic.vmotion.plugins.module_utils._render.markdown import render_markdown
    assert "| vmk1 | routed (a subnet per group; most: 172.16.1.0/24) | 9000 | 4 |" in render_markdown(audit)
    unrouted = build_audit(routed_fleet(stack_gateway=False))
    assert "other_subnet" in set(state for host in unrouted["hosts"].values() for state in host["indexes"].values())
