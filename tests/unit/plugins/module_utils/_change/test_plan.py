# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.multinic.vmotion.plugins.module_utils._change.describe import preview
from ansible_collections.multinic.vmotion.plugins.module_utils._change.plan import PlanError, plan_layout


def teaming(active, standby=(), unused=(), inherited=False):
    return {"active": list(active), "standby": list(standby), "unused": list(unused), "inherited": inherited}


def vmk(device, portgroup, ip, services=(), mtu=1500, netstack="defaultTcpipStack", switch=None):
    services = list(services)
    return {"device": device, "portgroup": portgroup, "switch": switch, "ip": ip, "prefix_length": 24, "netmask": "255.255.255.0",
            "ipv6": [], "dhcp": False, "mtu": mtu, "netstack": netstack, "services": services,
            "vmotion": "vmotion" in services or netstack == "vmotion"}


def pg(name, switch, active, standby=(), unused=(), vlan=0, vm_ports=0, kind="standard", key=None, inherited=False):
    return {"name": name, "switch": switch, "type": kind, "vlan_id": vlan, "key": key, "vm_ports": vm_ports,
            "teaming": teaming(active, standby, unused, inherited)}


def bare_host():
    return {
        "name": "esx01",
        "switches": [
            {"name": "vSwitch0", "type": "standard", "uplinks": ["vmnic0", "vmnic1"], "mtu": 1500, "uuid": None},
            {"name": "vSwitch1", "type": "standard", "uplinks": ["vmnic2", "vmnic3", "vmnic4"], "mtu": 9000, "uuid": None},
            {"name": "dvs1", "type": "distributed", "uplinks": ["Uplink 1", "Uplink 2"], "mtu": 9000, "uuid": "50 aa"},
        ],
        "portgroups": [
            pg("Management Network", "vSwitch0", ["vmnic0", "vmnic1"], inherited=True),
            pg("VM Network", "vSwitch0", ["vmnic0", "vmnic1"], inherited=True, vm_ports=3),
        ],
        "vmks": [vmk("vmk0", "Management Network", "192.168.100.51", ["management"])],
    }


def desired(n=2, **extra):
    result = []
    for i in range(1, n + 1):
        item = {"portgroup": "vMotion-%d" % i, "switch": "vSwitch1", "active_uplink": "vmnic%d" % (i + 1), "ip": "172.16.%d.51" % i,
                "prefix_length": 24, "mtu": 9000}
        item.update(extra)
        result.append(item)
    return result


def built_host(n=2, failover="unused"):
    host = bare_host()
    uplinks = ["vmnic2", "vmnic3", "vmnic4"]
    for i in range(1, n + 1):
        active = "vmnic%d" % (i + 1)
        others = [u for u in uplinks if u != active]
        host["portgroups"].append(pg("vMotion-%d" % i, "vSwitch1", [active], others if failover == "standby" else [],
                                     [] if failover == "standby" else others))
        host["vmks"].append(vmk("vmk%d" % i, "vMotion-%d" % i, "172.16.%d.51" % i, ["vmotion"], mtu=9000, switch="vSwitch1"))
    return host


def problems(layout, host, **kwargs):
    with pytest.raises(PlanError) as info:
        plan_layout(layout, host, **kwargs)
    return "\n".join(info.value.problems)


def test_build_from_bare_host():
    ops = plan_layout(desired(2), bare_host())
    assert [o["op"] for o in ops] == ["add_portgroup", "add_portgroup", "add_vmk", "add_vmk", "enable_vmotion", "enable_vmotion"]
    assert ops[0] == {"op": "add_portgroup", "portgroup": "vMotion-1", "switch": "vSwitch1", "vlan_id": 0, "active": ["vmnic2"], "standby": []}
    assert ops[2]["ip"] == "172.16.1.51" and ops[2]["netmask"] == "255.255.255.0" and ops[2]["netstack"] == "defaultTcpipStack"


def test_standby_variant_lists_other_uplinks():
    ops = plan_layout(desired(1, failover="standby"), bare_host())
    assert ops[0]["active"] == ["vmnic2"] and ops[0]["standby"] == ["vmnic3", "vmnic4"]


def test_standby_restricted_to_uplinks():
    ops = plan_layout(desired(1, failover="standby", uplinks=["vmnic2", "vmnic4"]), bare_host())
    assert ops[0]["standby"] == ["vmnic4"]


def test_converged_host_has_no_operations():
    assert plan_layout(desired(2), built_host(2)) == []
    assert plan_layout(desired(2, failover="standby"), built_host(2, "standby")) == []


def test_omitted_mtu_and_vlan_are_left_alone():
    host = built_host(1)
    host["portgroups"][-1]["vlan_id"] = 42
    host["vmks"][-1]["mtu"] = 1500
    layout = [dict(desired(1)[0])]
    del layout[0]["mtu"]
    assert plan_layout(layout, host) == []


def test_drift_is_corrected_in_one_plan():
    host = built_host(2)
    host["portgroups"][2]["teaming"] = teaming(["vmnic2", "vmnic3"], ["vmnic4"])  # vMotion-1: two active + standby
    host["portgroups"][3]["teaming"] = teaming(["vmnic3"], ["vmnic2", "vmnic4"])  # vMotion-2: standby instead of unused
    host["vmks"][1]["services"], host["vmks"][1]["vmotion"] = [], False  # vmk1 vMotion off
    host["vmks"][2]["mtu"] = 1500  # vmk2 MTU drift
    ops = plan_layout(desired(2), host)
    kinds = [(o["op"], o.get("portgroup"), o.get("device")) for o in ops]
    assert ("update_portgroup", "vMotion-1", None) in kinds and ("update_portgroup", "vMotion-2", None) in kinds
    assert ops[0]["teaming"] == {"active": ["vmnic2"], "standby": []}
    assert {"op": "update_vmk", "device": "vmk2", "version": 4, "mtu": 9000} in ops
    assert ops[-1] == {"op": "enable_vmotion", "device": "vmk1", "portgroup": "vMotion-1"}


def test_vmk_in_wrong_portgroup_is_moved():
    host = built_host(2)
    host["portgroups"].append(pg("vMotion-old", "vSwitch1", ["vmnic2"], unused=["vmnic3", "vmnic4"]))
    host["portgroups"] = [p for p in host["portgroups"] if p["name"] != "vMotion-1"]
    host["vmks"][1]["portgroup"] = "vMotion-old"
    ops = plan_layout(desired(2), host)
    assert ops[0]["op"] == "add_portgroup" and ops[0]["portgroup"] == "vMotion-1"
    move = [o for o in ops if o["op"] == "update_vmk"][0]
    assert move["device"] == "vmk1" and move["portgroup"] == "vMotion-1"


def test_ip_change():
    host = built_host(1)
    host["vmks"][1]["ip"] = "172.16.1.99"
    (op,) = plan_layout(desired(1), host)
    assert op == {"op": "update_vmk", "device": "vmk1", "version": 4, "ip": "172.16.1.51", "netmask": "255.255.255.0", "prefix_length": 24}


def test_every_problem_at_once():
    host = bare_host()
    host["vmks"].append(vmk("vmk5", "NAS", "172.16.3.51", ["vSphereBackupNFC"]))
    host["vmks"].append(vmk("vmk7", "Other", "172.16.9.9", [], netstack="vmotion"))
    host["portgroups"].append(pg("Other", "vSwitch1", ["vmnic2"]))
    layout = [
        {"portgroup": "vMotion-1", "switch": "vSwitch9", "active_uplink": "vmnic2", "ip": "172.16.1.51/24"},
        {"portgroup": "vMotion-2", "switch": "vSwitch1", "active_uplink": "vmnic7", "ip": "172.16.2.51/24", "mtu": 9000},
        {"portgroup": "VM Network", "switch": "vSwitch0", "active_uplink": "vmnic0", "ip": "172.16.4.51/24"},
        {"portgroup": "vMotion-3", "switch": "vSwitch1", "active_uplink": "vmnic3", "ip": "172.16.3.51/24"},
        {"portgroup": "vMotion-5", "switch": "vSwitch0", "active_uplink": "vmnic1", "ip": "172.16.5.51/24", "mtu": 9000},
        {"portgroup": "Management Network", "switch": "vSwitch0", "active_uplink": "vmnic0", "ip": "192.168.100.51/24"},
        {"portgroup": "vMotion-7", "switch": "vSwitch1", "active_uplink": "vmnic4", "ip": "172.16.7.51/24", "device": "vmk7"},
        {"portgroup": "vMotion-8", "switch": "vSwitch1", "active_uplink": "vmnic4", "ip": "172.16.8.51/24", "device": "vmk5"},
    ]
    text = problems(layout, host)
    for needle in (
        "switch 'vSwitch9' does not exist on the host (known: vSwitch0, vSwitch1)",
        "uplink 'vmnic7' is not an uplink of vSwitch1 (uplinks: vmnic2, vmnic3, vmnic4)",
        "port group 'VM Network' is taken: 3 virtual machine port(s) use it",
        "IP 172.16.3.51 is already used by vmk5",
        "MTU 9000 is above the MTU 1500 of vSwitch0",
        "port group 'Management Network' carries management (vmk0)",
        "IP 192.168.100.51 is already used by vmk0",
        "device vmk5 is taken: it carries vSphereBackupNFC",
        "active uplink vmnic4 of vSwitch1 is also the active uplink of vmks[6]",
    ):
        assert needle in text, needle


def test_restack_keeps_the_address():
    """A vMotion vmk asked on the vmotion stack is removed and re-created right away with its address (ESXi refuses a
    change of stack in place); the plan says so in a warning, describe and the diff, and a re-run has nothing to do."""
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.describe import describe
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.plan import plan_host, predict

    host = built_host(2)
    ops, warnings = plan_host(desired(2, netstack="vmotion"), host)
    assert [(o["op"], o.get("device") or o.get("replaces")) for o in ops] == [
        ("remove_vmk", "vmk1"), ("add_vmk", "vmk1"), ("remove_vmk", "vmk2"), ("add_vmk", "vmk2")]
    assert ops[1]["ip"] == "172.16.1.51" and ops[1]["netstack"] == "vmotion" and ops[1]["mtu"] == 9000
    assert not [o for o in ops if o["op"] == "enable_vmotion"]  # the vmotion stack carries vMotion by itself
    assert warnings[0].startswith("vmk1 moves from the defaultTcpipStack TCP/IP stack to vmotion: removed and re-created in vMotion-1")
    lines = describe(host, ops)
    assert lines[0] == "- vmk1 (vMotion-1, 172.16.1.51/24; re-created on another TCP/IP stack below)"
    assert lines[1] == "+ vmk (re-creating vmk1) in vMotion-1 (172.16.1.51/24, MTU 9000, vmotion)"
    after = predict(host, ops)
    after["vmks"] = [dict(v, device=v["device"] or "vmk%d" % i) for i, v in enumerate(after["vmks"])]
    assert plan_host(desired(2, netstack="vmotion"), after)[0] == []


def test_restack_is_judged_as_a_removal():
    host = built_host(1)
    host["vmks"][1].update(services=[], vmotion=False)
    text = problems(desired(1, netstack="vmotion"), host)
    assert "vmk1 is on the defaultTcpipStack TCP/IP stack, the layout asks for vmotion, and it cannot be re-created there: " \
        "vmk1 is not a vMotion vmk: it carries no service" in text
    text = problems(desired(1, netstack="vmotion"), built_host(1), allow_moves=False)
    assert "vmk1 moves from the defaultTcpipStack TCP/IP stack to vmotion" in text and "refused because allow_moves is false" in text


def test_management_vmk_named_is_refused():
    layout = desired(1, device="vmk0")
    assert "vmk0 carries management; the management vmk is never modified" in problems(layout, bare_host())
    assert "vmk0 carries management; the management vmk is never removed" in problems(layout, bare_host(), state="absent")


@pytest.mark.parametrize("item, needle", [
    ({"vlan_id": 5000}, "vlan_id 5000 is outside 0-4094"),
    ({"mtu": 100}, "mtu 100 is outside 1280-9000"),
    ({"ip": "172.16.1.300"}, "ip '172.16.1.300' is not a valid IP address"),
    ({"ip": "2001:db8::5", "prefix_length": None, "netmask": "255.255.255.0"}, "is IPv6; give prefix_length, not netmask"),
    ({"prefix_length": 40}, "prefix length 40 is out of range 1-32"),
    ({"ip": "172.16.1.0"}, "is the network or broadcast address"),
    ({"dvswitch": "dvs1"}, "names both switch 'vSwitch1' and dvswitch 'dvs1'; give one"),
    ({"colour": "red"}, "unknown key(s) colour"),
    ({"failover": "maybe"}, "failover 'maybe' must be one of unused, standby"),
    ({"netstack": "nsx"}, "netstack 'nsx' must be one of default, vmotion"),
])
def test_bad_items(item, needle):
    layout = desired(1)
    layout[0].update(item)
    assert needle in problems(layout, bare_host())


def test_duplicates_in_layout():
    layout = desired(2)
    layout[1]["portgroup"] = "vMotion-1"
    layout[1]["ip"] = "172.16.1.51"
    text = problems(layout, bare_host())
    assert "portgroup vMotion-1 is also used by vmks[0]" in text and "ip 172.16.1.51 is also used by vmks[0]" in text


def test_empty_and_non_list():
    assert "vmks is empty" in problems([], bare_host())
    assert "vmks must be a list" in problems("vmk1", bare_host())


def test_distributed_layout():
    layout = [{"portgroup": "dv-vMotion-1", "dvswitch": "dvs1", "active_uplink": "Uplink 1", "ip": "172.16.1.51/24", "vlan_id": 20},
              {"portgroup": "dv-vMotion-2", "dvswitch": "dvs1", "active_uplink": "Uplink 2", "ip": "172.16.2.51/24", "vlan_id": 20}]
    ops = plan_layout(layout, bare_host())
    assert ops[0] == {"op": "add_dvportgroup", "portgroup": "dv-vMotion-1", "switch": "dvs1", "vlan_id": 20, "active": ["Uplink 1"], "standby": []}
    assert ops[2]["op"] == "add_vmk" and ops[2]["dvswitch"] == "dvs1"


def test_ipv6_vmk():
    ops = plan_layout([{"portgroup": "vMotion-6", "switch": "vSwitch1", "active_uplink": "vmnic2", "ip": "2001:db8:1::33/64"}], bare_host())
    add = [o for o in ops if o["op"] == "add_vmk"][0]
    assert add["ip"] == "2001:db8:1::33" and add["prefix_length"] == 64 and add["netmask"] is None


def ipv6_host(address="2001:db8:1::51", prefix=64):
    """A host with an IPv6-only vMotion vmk as ESXi reports it: its link-local address (origin other) and the manual one."""
    host = built_host(1)
    host["vmks"][-1].update(ip=None, netmask=None, prefix_length=None, ipv6=[
        {"address": "fe80::250:56ff:fe00:c01", "prefix_length": 64, "origin": "other"},
        {"address": address, "prefix_length": prefix, "origin": "manual"}])
    return host


def test_ipv6_vmk_with_link_local_address_converges():
    layout = [dict(desired(1)[0], ip="2001:db8:1:0::51", prefix_length=64)]
    assert plan_layout(layout, ipv6_host()) == []


def test_ipv6_address_change_never_removes_the_link_local_address():
    layout = [dict(desired(1)[0], ip="2001:db8:1::52", prefix_length=64)]
    update = [o for o in plan_layout(layout, ipv6_host()) if o["op"] == "update_vmk"][0]
    assert update["ip"] == "2001:db8:1::52" and update["remove_ipv6"] == ["2001:db8:1::51/64"]


def test_preview_shows_no_link_local_address():
    before, _after = preview(ipv6_host(), [])
    assert before["vmks"]["vmk1"]["ipv6"] == ["2001:db8:1::51"]


def test_absent_removes_vmks_then_portgroups():
    ops = plan_layout(desired(2), built_host(2), state="absent")
    assert [(o["op"], o.get("device") or o.get("portgroup")) for o in ops] == [
        ("remove_vmk", "vmk1"), ("remove_vmk", "vmk2"), ("remove_portgroup", "vMotion-1"), ("remove_portgroup", "vMotion-2")]


def test_absent_on_bare_host_is_noop():
    assert plan_layout(desired(2), bare_host(), state="absent") == []


def test_purge_removes_stray_vmotion_vmks_only():
    host = built_host(3)
    host["vmks"].append(vmk("vmk5", "NAS", "10.0.0.51", []))
    ops = plan_layout(desired(2), host, purge=True)
    assert [(o["op"], o.get("device") or o.get("portgroup")) for o in ops] == [("remove_vmk", "vmk3"), ("remove_portgroup", "vMotion-3")]


def test_preview_shows_before_and_after():
    host = bare_host()
    ops = plan_layout(desired(1), host)
    before, after = preview(host, ops)
    assert "vMotion-1" not in before["portgroups"] and after["portgroups"]["vMotion-1"]["active"] == ["vmnic2"]
    assert after["vmks"]["(new 1) vMotion-1"]["ip"] == "172.16.1.51"
    assert before["vmks"]["vmk0"] == after["vmks"]["vmk0"]


def test_the_diff_holds_what_changes_only():
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.describe import diff
    host = built_host(1)
    host["vmks"][1]["services"], host["vmks"][1]["vmotion"] = [], False
    result = diff(*preview(host, plan_layout(desired(2), host)))
    assert sorted(result["before"]["vmks"]) == ["vmk1"] and sorted(result["after"]["vmks"]) == ["(new 1) vMotion-2", "vmk1"]
    assert (result["before"]["vmks"]["vmk1"]["vmotion"], result["after"]["vmks"]["vmk1"]["vmotion"]) == (False, True)
    assert list(result["before"]["portgroups"]) == [] and list(result["after"]["portgroups"]) == ["vMotion-2"]
    assert diff(*preview(built_host(1), [])) == {"before": {"portgroups": {}, "vmks": {}}, "after": {"portgroups": {}, "vmks": {}}}


def test_plan_does_not_mutate_inputs():
    host, layout = built_host(1), desired(2)
    host_copy, layout_copy = copy.deepcopy(host), copy.deepcopy(layout)
    plan_layout(layout, host)
    assert host == host_copy and layout == layout_copy


def test_ip_of_a_non_vmotion_vmk_is_a_conflict_not_a_move():
    host = bare_host()
    host["vmks"].append(vmk("vmk5", "NAS-vmk", "172.16.1.51"))
    assert "IP 172.16.1.51 is already used by vmk5" in problems(desired(1), host)


def test_named_device_outside_the_layout_is_taken():
    host = bare_host()
    host["vmks"].append(vmk("vmk5", "NAS-vmk", "10.10.10.51"))
    text = problems(desired(1, device="vmk5"), host)
    assert "device vmk5 is taken: it is in port group NAS-vmk with 10.10.10.51 and no vMotion" in text


def test_named_device_in_the_layout_is_adopted():
    host = built_host(1)
    host["vmks"][1]["services"], host["vmks"][1]["vmotion"] = [], False
    ops = plan_layout(desired(1, device="vmk1"), host)
    assert ops == [{"op": "enable_vmotion", "device": "vmk1", "portgroup": "vMotion-1"}]


def test_describe_reads_as_a_diff():
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.describe import describe
    host = built_host(2)
    host["vmks"][1]["services"] = []
    host["vmks"][1]["vmotion"] = False
    layout = desired(3)
    lines = describe(host, plan_layout(layout, host))
    assert "+ port group vMotion-3 on vSwitch1 (active vmnic4, standby none, VLAN 0)" in lines
    assert "+ vmk in vMotion-3 (172.16.3.51/24, MTU 9000, defaultTcpipStack)" in lines
    assert "~ %s vMotion off -> on" % host["vmks"][1]["device"] in lines
    assert "~ new vmk in vMotion-3 vMotion off -> on" in lines


def test_a_dhcp_vmk_is_made_static_and_the_diff_says_what_it_held():
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.describe import describe
    for held, prefix, text in (("172.16.1.51", 24, "DHCP 172.16.1.51/24"), ("169.254.3.7", 16, "DHCP, no lease (169.254.3.7/16)")):
        host = built_host(1)
        host["vmks"][1].update(dhcp=True, ip=held, prefix_length=prefix, netmask="255.255.0.0" if prefix == 16 else "255.255.255.0")
        ops = plan_layout(desired(1), host)
        assert [op["op"] for op in ops] == ["update_vmk"] and ops[0]["ip"] == "172.16.1.51"
        assert describe(host, ops) == ["~ vmk1: address %s -> static 172.16.1.51/24" % text]


def nsx_host():
    """A vSphere 9 host whose vmk1, on port group vMotion-1, is owned by NSX (HostVirtualNic.owner)."""
    host = built_host(1)
    host["vmks"][1]["owner"] = "NSX"
    return host


def test_a_solution_owned_vmk_is_never_modified_removed_or_adopted():
    named = desired(1, device="vmk1", mtu=1500)
    assert "vmks[0] (vMotion-1): vmk1 is owned by NSX (HostVirtualNic.owner); a solution's vmk is changed only" in problems(named, nsx_host())
    assert "vmk1 is owned by NSX" in problems(desired(1), nsx_host(), state="absent")
    # unnamed, it is not adopted: its port group is not taken over and its address stays its own
    text = problems(desired(1, mtu=1500), nsx_host())
    assert "port group 'vMotion-1' carries solution-owned vmk(s) vmk1 (NSX); it is never changed" in text
    assert "IP 172.16.1.51 is already used by vmk1" in text
    # purge leaves it alone
    other = [dict(desired(2)[1])]
    ops = plan_layout(other, nsx_host(), purge=True)
    assert not [op for op in ops if op.get("device") == "vmk1"]


def moved_to_dvs(names=("vMotion-1", "vMotion-2")):
    """The built host's two vMotion vmks, laid out on dvs1's port groups of these names (a vSS -> vDS move)."""
    return [{"portgroup": name, "dvswitch": "dvs1", "active_uplink": "Uplink %d" % i, "ip": "172.16.%d.51/24" % i, "mtu": 9000}
            for i, name in enumerate(names, 1)]


def test_purge_removes_the_standard_port_groups_a_move_to_a_distributed_switch_empties():
    host = built_host(2)
    host["portgroups"].append(pg("vMotion-old", "vSwitch1", ["vmnic4"], vm_ports=1))  # named as vMotion's, but a VM uses it
    ops = plan_layout(moved_to_dvs(("dv-vMotion-1", "dv-vMotion-2")), host, purge=True)
    assert [(o["op"], o.get("device") or o["portgroup"]) for o in ops if o["op"] in ("update_vmk", "remove_portgroup")] == [
        ("update_vmk", "vmk1"), ("update_vmk", "vmk2"), ("remove_portgroup", "vMotion-1"), ("remove_portgroup", "vMotion-2")]
    # without purge they stay
    assert not [o for o in plan_layout(moved_to_dvs(("dv-vMotion-1", "dv-vMotion-2")), host) if o["op"] == "remove_portgroup"]


def test_purge_after_an_earlier_move_removes_empty_vmotion_port_groups_only():
    host = built_host(2)
    host["portgroups"] += [pg("vMotion-1", "dvs1", ["Uplink 1"], kind="distributed", key="dvportgroup-2"),
                           pg("vMotion-2", "dvs1", ["Uplink 2"], kind="distributed", key="dvportgroup-3"),
                           pg("Spare", "vSwitch1", ["vmnic4"])]
    for i, device in enumerate(("vmk1", "vmk2"), 1):  # moved by an earlier run without purge: same names, on dvs1
        host["vmks"][i].update(switch="dvs1", dvport={"switch_uuid": "50 aa", "portgroup_key": "dvportgroup-%d" % (i + 1), "port_key": "1"})
    layout = moved_to_dvs()
    assert plan_layout(layout, host) == []
    ops = plan_layout(layout, host, purge=True)
    # the empty standard vMotion-1/2 go (the distributed ones of the same names carry the vmks); 'Spare' is no vMotion's
    assert ops == [{"op": "remove_portgroup", "portgroup": "vMotion-1", "switch": "vSwitch1"},
                   {"op": "remove_portgroup", "portgroup": "vMotion-2", "switch": "vSwitch1"}]


def test_a_gateway_override_is_planned_shown_and_checked():
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.describe import describe
    host = bare_host()
    layout = desired(1, gateway="172.16.1.1")
    ops = plan_layout(layout, host)
    add = [o for o in ops if o["op"] == "add_vmk"][0]
    assert add["gateway"] == "172.16.1.1"
    assert "+ vmk in vMotion-1 (172.16.1.51/24 via 172.16.1.1, MTU 9000, defaultTcpipStack)" in describe(host, ops)
    # a built vmk without the override gets it as a change of its own; with it, nothing to do
    built = built_host(1)
    ops = plan_layout(layout, built)
    assert ops == [{"op": "update_vmk", "device": "vmk1", "version": 4, "gateway": "172.16.1.1"}]
    assert describe(built, ops) == ["~ vmk1: gateway the stack's -> 172.16.1.1"]
    built["vmks"][1]["gateway"] = "172.16.1.1"
    assert plan_layout(layout, built) == [] and plan_layout(desired(1), built) == []  # omitted: left as it is
    for gateway, text in (("172.16.2.1", "gateway 172.16.2.1 must be another host address of the vmk's subnet 172.16.1.0/24"),
                          ("172.16.1.51", "gateway 172.16.1.51 must be another host address"), ("2001:db8::1", "is not an IPv4 address"),
                          ("router", "gateway 'router' is not an IPv4 address")):
        assert text in problems(desired(1, gateway=gateway), bare_host())


def stacked_host(gateway=None):
    host = built_host(2)
    for item in host["vmks"][1:]:
        item["netstack"] = "vmotion"
    host["stacks"] = {"defaultTcpipStack": {"gateway": "192.168.100.1", "gateway_ipv6": None},
                      "vmotion": {"gateway": gateway, "gateway_ipv6": "fd00::1"}}
    return host


def test_the_vmotion_stack_gateway_is_set_after_the_vmks_keeping_what_is_not_asked():
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.describe import describe, diff
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.plan import plan_host, predict

    host = stacked_host()
    layout = desired(2, netstack="vmotion")
    ops, _warnings = plan_host(layout, host, stack={"gateway": "172.16.1.1"})
    assert ops == [{"op": "update_stack", "stack": "vmotion", "gateway": "172.16.1.1", "gateway_ipv6": "fd00::1",
                    "before": {"gateway": None, "gateway_ipv6": "fd00::1"}}]
    assert describe(host, ops) == ["~ vmotion TCP/IP stack: gateway none -> 172.16.1.1"]
    assert diff(*preview(host, ops)) == {"before": {"portgroups": {}, "vmks": {}, "stacks": {"vmotion": {"gateway": None, "gateway_ipv6": "fd00::1"}}},
                                         "after": {"portgroups": {}, "vmks": {}, "stacks": {"vmotion": {"gateway": "172.16.1.1", "gateway_ipv6": "fd00::1"}}}}
    assert plan_host(layout, predict(host, ops), stack={"gateway": "172.16.1.1"})[0] == []
    # a new vmk on the stack first, then the gateway it reaches on-link
    ops = plan_host(desired(1, netstack="vmotion"), dict(bare_host(), stacks={}), stack={"gateway": "172.16.1.1"})[0]
    assert [o["op"] for o in ops] == ["add_portgroup", "add_vmk", "update_stack"]


def test_a_vmotion_stack_gateway_off_the_stacks_subnets_is_refused():
    text = problems(desired(2, netstack="vmotion"), stacked_host(), stack={"gateway": "172.16.9.1", "gateway_ipv6": "172.16.1.1"})
    assert "vmotion_stack: gateway 172.16.9.1 is no other host address of a subnet of the host's vmks on the vmotion TCP/IP stack " \
        "(172.16.1.0/24, 172.16.2.0/24)" in text
    assert "vmotion_stack: gateway_ipv6 '172.16.1.1' is not an IPv6 address" in text
    assert "on the vmotion TCP/IP stack (none)" in problems(desired(1), dict(built_host(1), stacks={}), stack={"gateway": "172.16.1.1"})
    assert "the host was read without its TCP/IP stacks" in problems(desired(1), built_host(1), stack={"gateway": "172.16.1.1"})


def dvs_host(backed=None):
    """built_host(2) (vmk1, vmk2 on vSwitch1 with vmnic2, vmnic3), member of dvs1 with nothing (or ``backed``) on its uplinks."""
    host = built_host(2)
    dvs = next(s for s in host["switches"] if s["name"] == "dvs1")
    dvs.update(pnics=dict(backed or {}), uplink_ports={"Uplink 1": "10", "Uplink 2": "11"})
    return host


def to_dvs(**extra):
    return [dict({"portgroup": "dv-vMotion-%d" % i, "dvswitch": "dvs1", "active_uplink": "Uplink %d" % i, "uplink_pnic": "vmnic%d" % (i + 1),
                  "ip": "172.16.%d.51" % i, "prefix_length": 24, "mtu": 9000}, **extra) for i in (1, 2)]


def test_uplinks_move_one_step_each_with_the_vmks_they_carry():
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.describe import describe
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.plan import plan_host, predict

    host = dvs_host()
    ops, _warnings = plan_host(to_dvs(), host)
    assert [o["op"] for o in ops] == ["add_dvportgroup", "add_dvportgroup", "migrate_uplink", "migrate_uplink"]
    first, second = ops[2], ops[3]
    assert (first["pnic"], first["uplink"], first["port_key"], first["from_switch"]) == ("vmnic2", "Uplink 1", "10", "vSwitch1")
    assert [v["device"] for v in first["vmks"]] == ["vmk1"] and [v["device"] for v in second["vmks"]] == ["vmk2"]
    assert not [o for o in ops if o["op"] == "update_vmk"]  # no vmk moves apart from its uplink
    assert describe(host, ops)[2] == "~ uplink step: vmnic2 from vSwitch1 -> Uplink 1 of dvs1, with vmk1 (vMotion-1 -> dv-vMotion-1)"
    after = predict(host, ops)
    assert after["switches"][1]["uplinks"] == ["vmnic4"] and after["switches"][2]["pnics"] == {"Uplink 1": "vmnic2", "Uplink 2": "vmnic3"}
    # one step per run: the second vmk stays on its standard port group with its uplink until its step
    ops, warnings = plan_host(to_dvs(), host, max_steps=1)
    assert [o["op"] for o in ops] == ["add_dvportgroup", "add_dvportgroup", "migrate_uplink"]
    assert warnings[-1] == "vmk2: not moved in this run, with the uplink step(s) left for a later one (max_migration_steps 1)"
    assert not [w for w in warnings if w.startswith("vmk2 moves")]
    halfway = predict(host, ops)
    assert [v["portgroup"] for v in halfway["vmks"]] == ["Management Network", "dv-vMotion-1", "vMotion-2"]


def test_an_uplink_of_management_or_vms_or_a_stranded_vmk_is_refused():
    host = dvs_host()
    host["portgroups"].append(pg("VMs-1", "vSwitch1", ["vmnic2"], vm_ports=2))
    text = problems(to_dvs(), host)
    assert "vmnic2 of vSwitch1 is not moved: port group 'VMs-1' has 2 virtual machine port(s); an uplink of management or VMs is never taken" in text
    host = dvs_host()
    host["portgroups"].append(pg("Storage", "vSwitch1", ["vmnic2"]))
    host["vmks"].append(vmk("vmk7", "Storage", "10.0.0.51", [], switch="vSwitch1"))
    text = problems(to_dvs(), host)
    assert "moving vmnic2 to Uplink 1 of dvs1 would leave vmk7 (port group Storage) without an active uplink" in text
    assert "the host is not a member of dvs9" in problems([dict(v, dvswitch="dvs9") for v in to_dvs()], dvs_host())
    assert "Uplink 1 of dvs1 is backed by vmnic4 on this host, the layout asks for vmnic2" in problems(to_dvs(), dvs_host({"Uplink 1": "vmnic4"}))
