# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.multinic.vmotion.plugins.module_utils._core.address_rule import LayoutError, management_octet, vmotion_ip
from ansible_collections.multinic.vmotion.plugins.module_utils._core.layout import build_layout


def plan_item(index, **extra):
    item = {
        "index": index,
        "subnet": "172.16.%d.0/24" % index,
        "portgroup": "vMotion-%d" % index,
        "switch": "vSwitch1",
        "active_uplink": "vmnic%d" % (index + 1),
    }
    item.update(extra)
    return item


def problems_of(call, *args, **kwargs):
    with pytest.raises(LayoutError) as info:
        call(*args, **kwargs)
    return info.value.problems


class TestVmotionIp:
    def test_seed_example(self):
        assert vmotion_ip("192.168.100.114", "172.16.2.0/24") == "172.16.2.114"
        assert vmotion_ip("192.168.100.114", "172.16.2.0/24", prefix=True) == "172.16.2.114/24"

    def test_article_esx01(self):
        assert [vmotion_ip("10.0.0.51", "172.16.%d.0/24" % i) for i in (1, 2, 3)] == ["172.16.1.51", "172.16.2.51", "172.16.3.51"]

    def test_larger_subnet_places_octet_numerically(self):
        assert vmotion_ip("192.168.100.51", "172.16.4.0/22") == "172.16.4.51"

    def test_ipv6_subnet(self):
        assert vmotion_ip("192.168.100.114", "2001:db8:2::/64") == "2001:db8:2::72"
        assert vmotion_ip("192.168.100.114", "2001:db8:2::/64", prefix=True) == "2001:db8:2::72/64"

    def test_mgmt_with_prefix_suffix(self):
        assert vmotion_ip("192.168.100.114/24", "172.16.2.0/24") == "172.16.2.114"

    @pytest.mark.parametrize("mgmt", ["192.168.100", "not-an-ip", "", None, "192.168.100.300"])
    def test_invalid_mgmt(self, mgmt):
        (problem,) = problems_of(vmotion_ip, mgmt, "172.16.2.0/24")
        assert "is not a valid IP address" in problem and repr(mgmt) in problem

    def test_ipv6_mgmt(self):
        (problem,) = problems_of(vmotion_ip, "fd00::51", "172.16.2.0/24")
        assert "'fd00::51' is IPv6" in problem and "last octet" in problem

    def test_host_bits_set_suggests_network(self):
        (problem,) = problems_of(vmotion_ip, "10.0.0.51", "172.16.2.7/24")
        assert "'172.16.2.7/24' has host bits set; did you mean 172.16.2.0/24?" in problem

    @pytest.mark.parametrize("subnet", ["172.16.2.0/33", "172.16.2.0/-1", "2001:db8::/129", "172.16.2.0/x"])
    def test_prefix_out_of_range(self, subnet):
        (problem,) = problems_of(vmotion_ip, "10.0.0.51", subnet)
        assert "prefix length" in problem and "out of range" in problem and subnet in problem

    def test_subnet_without_prefix(self):
        (problem,) = problems_of(vmotion_ip, "10.0.0.51", "172.16.2.0")
        assert "has no prefix length" in problem

    def test_octet_on_network_address(self):
        (problem,) = problems_of(vmotion_ip, "10.0.0.0", "172.16.2.0/24")
        assert "network address 172.16.2.0" in problem

    def test_octet_on_broadcast(self):
        (problem,) = problems_of(vmotion_ip, "10.0.0.255", "172.16.2.0/24")
        assert "broadcast address 172.16.2.255" in problem

    def test_octet_outside_small_subnet(self):
        (problem,) = problems_of(vmotion_ip, "10.0.0.51", "172.16.2.0/28")
        assert "falls outside subnet 172.16.2.0/28" in problem and "51" in problem

    def test_mgmt_and_subnet_problems_reported_together(self):
        problems = problems_of(vmotion_ip, "bogus", "172.16.2.1/24")
        assert len(problems) == 2

    def test_management_octet(self):
        assert management_octet("192.168.100.107") == 107


class TestBuildLayout:
    def test_seed_plan(self):
        plan = [plan_item(i) for i in (2, 1, 3)]
        layout = build_layout(plan, "192.168.100.51", defaults={"mtu": 9000})
        assert [v["ip"] for v in layout] == ["172.16.1.51", "172.16.2.51", "172.16.3.51"]
        first = layout[0]
        assert first == {
            "index": 1,
            "portgroup": "vMotion-1",
            "switch": "vSwitch1",
            "active_uplink": "vmnic2",
            "failover": "unused",
            "netstack": "default",
            "ip": "172.16.1.51",
            "prefix_length": 24,
            "netmask": "255.255.255.0",
            "subnet": "172.16.1.0/24",
            "mtu": 9000,
        }

    def test_dvswitch_and_options(self):
        item = plan_item(1, switch=None, dvswitch="dvs1", failover="standby", vlan_id="12", device="vmk7", uplinks=["vmnic2", "vmnic3"])
        (vmk,) = build_layout([item], "10.1.1.9")
        assert vmk["dvswitch"] == "dvs1" and "switch" not in vmk
        assert vmk["failover"] == "standby" and vmk["vlan_id"] == 12 and vmk["device"] == "vmk7"

    def test_ipv6_netmask_is_none(self):
        (vmk,) = build_layout([plan_item(1, subnet="2001:db8:1::/64")], "10.1.1.9")
        assert vmk["ip"] == "2001:db8:1::9" and vmk["netmask"] is None and vmk["prefix_length"] == 64

    @pytest.mark.parametrize("plan", ["vmk1", {"index": 1}, 3])
    def test_non_list_plan(self, plan):
        (problem,) = problems_of(build_layout, plan, "10.0.0.1")
        assert "must be a list" in problem

    def test_empty_plan(self):
        (problem,) = problems_of(build_layout, [], "10.0.0.1")
        assert "empty" in problem

    def test_every_problem_reported_at_once(self):
        plan = [
            plan_item(1),
            plan_item(1, portgroup="vMotion-1", active_uplink="vmnic2"),  # dup index, portgroup, subnet, uplink
            {"index": 3, "subnet": "172.16.3.5/24"},  # missing keys, host bits
            "not a dict",
            plan_item(4, vlan_id=5000, mtu=100, failover="maybe", netstack="nsx", colour="red"),
            plan_item(5, switch="vSwitch1", dvswitch="dvs"),
            plan_item(6, subnet="172.16.6.0/40"),
        ]
        problems = problems_of(build_layout, plan, "192.168.100.51")
        text = "\n".join(problems)
        for needle in (
            "index 1 is duplicated",
            "portgroup 'vMotion-1' is duplicated",
            "subnet 172.16.1.0/24 is duplicated",
            "active_uplink 'vmnic2' on switch 'vSwitch1' is already the active uplink of plan item 0",
            "plan item 2 (index 3) is missing portgroup, active_uplink, switch or dvswitch",
            "did you mean 172.16.3.0/24?",
            "plan item 3 must be a dict, got str 'not a dict'",
            "vlan_id 5000 is outside 0-4094",
            "mtu 100 is outside 1280-9000",
            "failover 'maybe' must be one of unused, standby",
            "netstack 'nsx' must be one of default, vmotion",
            "unknown key(s) colour",
            "names both switch 'vSwitch1' and dvswitch 'dvs'",
            "prefix length '40' is out of range 0-32",
        ):
            assert needle in text, needle
        assert len(problems) >= 14

    def test_bad_mgmt_reported_with_plan_problems(self):
        problems = problems_of(build_layout, [plan_item(1), plan_item(1)], "fd00::1")
        assert any("is IPv6" in p for p in problems) and any("duplicated" in p for p in problems)

    def test_octet_problem_names_item(self):
        problems = problems_of(build_layout, [plan_item(1, subnet="172.16.1.0/28")], "10.0.0.51")
        assert problems[0].startswith("plan item 0 (index 1): host part 51")

    def test_index_type(self):
        problems = problems_of(build_layout, [dict(plan_item(1), index="one")], "10.0.0.1")
        assert "index 'one' must be an integer" in problems[0]

    def test_active_uplink_must_be_in_uplinks(self):
        problems = problems_of(build_layout, [plan_item(1, uplinks=["vmnic7"])], "10.0.0.1")
        assert "active_uplink 'vmnic2' is not in its uplinks ['vmnic7']" in problems[0]

    def test_duplicate_device(self):
        problems = problems_of(build_layout, [plan_item(1, device="vmk1"), plan_item(2, device="vmk1")], "10.0.0.1")
        assert "device 'vmk1' is duplicated" in problems[0]


octets = st.integers(min_value=1, max_value=254)


@settings(max_examples=200, deadline=None)
@given(octet=octets, third=st.integers(0, 255), prefix=st.integers(16, 24), net_seed=st.integers(0, 2**16 - 1))
def test_result_always_inside_subnet(octet, third, prefix, net_seed):
    network = ipaddress.ip_network((0xAC100000 + (net_seed << 8), prefix), strict=False)
    ip = vmotion_ip("192.168.%d.%d" % (third, octet), str(network))
    assert ipaddress.ip_address(ip) in network


@settings(max_examples=200, deadline=None)
@given(octet=octets, a=st.integers(1, 223), b=st.integers(0, 255), c=st.integers(0, 255))
def test_slash24_keeps_last_octet(octet, a, b, c):
    ip = vmotion_ip("10.1.2.%d" % octet, "%d.%d.%d.0/24" % (a, b, c))
    assert ip == "%d.%d.%d.%d" % (a, b, c, octet)


@settings(max_examples=100, deadline=None)
@given(octet=octets, words=st.lists(st.integers(0, 0xFFFF), min_size=4, max_size=4))
def test_ipv6_inside_subnet(octet, words):
    network = ipaddress.ip_network("%x:%x:%x:%x::/64" % tuple(words))
    ip = vmotion_ip("10.1.2.%d" % octet, str(network))
    assert ipaddress.ip_address(ip) in network and int(ipaddress.ip_address(ip)) - int(network.network_address) == octet


def test_a_layout_line_reads_as_a_person_would_say_it():
    from ansible_collections.multinic.vmotion.plugins.module_utils._core.layout import build_layout, layout_line
    plan = [{"index": 1, "subnet": "172.16.1.0/24", "portgroup": "vMotion-1", "switch": "vSwitch4", "active_uplink": "vmnic8", "mtu": 9000},
            {"index": 2, "subnet": "172.16.2.0/24", "portgroup": "vMotion-2", "switch": "vSwitch4", "active_uplink": "vmnic9",
             "vlan_id": 12, "device": "vmk2", "netstack": "vmotion"}]
    lines = [layout_line(v) for v in build_layout(plan, "192.168.100.51")]
    assert lines == ["index 1: 172.16.1.51/24 pg vMotion-1 (vSwitch4) active vmnic8 mtu 9000",
                     "index 2: vmk2 172.16.2.51/24 pg vMotion-2 (vSwitch4) active vmnic9 VLAN 12 stack vmotion"]


def test_host_layout_picks_the_management_ip_and_names_the_host_in_every_problem():
    from ansible_collections.multinic.vmotion.plugins.module_utils._core.layout import batch_layouts, host_layout
    plan = [plan_item(1)]
    ips = {"inventory_hostname": "esx01", "ansible_host": "192.168.100.51", "variable": "", "facts": None}
    good = host_layout(plan, "esx01", "ansible_host", ips)
    assert (good["mgmt_ip"], good["problems"], [v["ip"] for v in good["vmks"]]) == ("192.168.100.51", [], ["172.16.1.51"])
    assert host_layout(plan, "esx01", "variable", ips)["problems"] == [
        "esx01: no management IP from variable (multinic_vmotion_mgmt_ip is empty); the last octet of the management IP is the host "
        "part of every vMotion address"]
    bad = host_layout([plan_item(1, vlan_id=True)], "esx02", "ansible_host", ips)
    assert bad["vmks"] == [] and bad["problems"] and all(p.startswith("esx02: ") for p in bad["problems"])
    assert batch_layouts([good, bad, None]) == [{"esxi_hostname": "esx01", "vmks": good["vmks"]}]


def test_host_layout_carries_the_vmotion_stack_gateways_given():
    from ansible_collections.multinic.vmotion.plugins.module_utils._core.layout import batch_layouts, host_layout
    ips = {"ansible_host": "192.168.100.51"}
    racked = host_layout([plan_item(1)], "esx01", "ansible_host", ips, vmotion_stack={"gateway": " 172.16.1.1 ", "gateway_ipv6": ""})
    assert racked["vmotion_stack"] == {"gateway": "172.16.1.1"}
    assert batch_layouts([racked])[0]["vmotion_stack"] == {"gateway": "172.16.1.1"}
    assert "vmotion_stack" not in host_layout([plan_item(1)], "esx01", "ansible_host", ips, vmotion_stack={"gateway": ""})
    assert host_layout([plan_item(1)], "esx01", "ansible_host", ips, vmotion_stack={"gw": "172.16.1.1"})["problems"] == [
        "esx01: vmotion_stack: unknown key(s) gw (known: gateway, gateway_ipv6)"]


class TestHostBits:
    def test_ten_bits_in_a_22(self):
        assert vmotion_ip("10.20.2.7", "172.16.0.0/22", host_bits=10) == "172.16.2.7"
        assert vmotion_ip("10.20.6.7", "172.16.4.0/22", host_bits=10, prefix=True) == "172.16.6.7/22"  # 10.20.6.7: low 10 bits 519
        assert vmotion_ip("192.168.100.51", "172.16.1.0/24") == vmotion_ip("192.168.100.51", "172.16.1.0/24", host_bits=8) == "172.16.1.51"

    def test_a_host_part_outside_the_subnet_names_the_prefix_that_fits(self):
        with pytest.raises(LayoutError) as info:
            vmotion_ip("10.20.2.7", "172.16.1.0/24", host_bits=10)
        assert info.value.problems == ["host part 519 of management IP '10.20.2.7' falls outside subnet 172.16.1.0/24 (256 addresses); "
                                       "with host_bits 10 every host fits a /22 or larger"]

    @pytest.mark.parametrize("bad", [0, 33, True, "ten", None])
    def test_bad_host_bits_are_named(self, bad):
        with pytest.raises(LayoutError, match="host_bits %r must be an integer 1-32" % (bad,)):
            vmotion_ip("10.20.2.7", "172.16.0.0/22", host_bits=bad)

    def test_a_fleet_beyond_254_hosts_gets_one_address_per_host(self):
        octets = [(i >> 8, i & 0xFF) for i in range(10, 1100) if i & 0xFF not in (0, 255)][:1000]
        mgmt = ["10.20.%d.%d" % pair for pair in octets]
        assert len(set(vmotion_ip(ip, "172.16.0.0/22", host_bits=10) for ip in mgmt)) == 1000
        assert len(set(vmotion_ip(ip, "172.16.0.0/22") for ip in mgmt)) == 254  # the last octet repeats

    def test_the_layout_takes_host_bits(self):
        layout = build_layout([plan_item(1, subnet="172.16.4.0/22")], "10.20.3.200", host_bits=10)
        assert layout[0]["ip"] == "172.16.7.200" and layout[0]["prefix_length"] == 22


def test_a_plan_item_carries_its_gateway_to_the_vmk():
    layout = build_layout([plan_item(1, gateway="172.16.1.254")], "192.168.100.51")
    assert layout[0]["gateway"] == "172.16.1.254"
    with pytest.raises(LayoutError, match="gateway 10.0.0.1 must be another host address of the vmk's subnet 172.16.1.0/24"):
        build_layout([plan_item(1, gateway="10.0.0.1")], "192.168.100.51")
    with pytest.raises(LayoutError, match="defaults has unknown key"):
        build_layout([plan_item(1)], "192.168.100.51", defaults={"gateway": "172.16.1.254"})
