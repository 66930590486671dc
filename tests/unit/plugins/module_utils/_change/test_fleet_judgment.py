# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet judgment: a change is judged on the planned end state of everything it reaches."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.multinic.vmotion.plugins.module_utils._change.fleet_judgment import hosts_sharing, plan_fleet, predict
from ansible_collections.multinic.vmotion.plugins.module_utils._change.plan import PlanError


def vmk(device, portgroup, ip, services=(), switch="vSwitch0", netstack="defaultTcpipStack", mtu=1500, dvport=None):
    services = list(services)
    return {"device": device, "portgroup": portgroup, "switch": switch, "ip": ip, "prefix_length": 24, "netmask": "255.255.255.0",
            "ipv6": [], "dhcp": False, "mtu": mtu, "netstack": netstack, "services": services, "dvport": dvport,
            "vmotion": "vmotion" in services or netstack == "vmotion"}


def pg(name, switch, active, standby=(), kind="standard", key=None, vlan=0, vm_ports=0, uplinks=("vmnic2", "vmnic3")):
    return {"name": name, "switch": switch, "type": kind, "vlan_id": vlan, "key": key, "vm_ports": vm_ports if kind == "standard" else None,
            "teaming": {"active": list(active), "standby": list(standby), "unused": [u for u in uplinks if u not in active and u not in standby],
                        "inherited": False}}


def host(name, mgmt="192.168.100.51", extra_vmks=(), extra_pgs=()):
    return {
        "name": name,
        "switches": [
            {"name": "vSwitch0", "type": "standard", "uplinks": ["vmnic0", "vmnic1"], "mtu": 1500, "uuid": None},
            {"name": "vSwitch1", "type": "standard", "uplinks": ["vmnic2", "vmnic3"], "mtu": 9000, "uuid": None},
            {"name": "vSwitch2", "type": "standard", "uplinks": ["vmnic4", "vmnic5"], "mtu": 1500, "uuid": None},
            {"name": "dvs-A", "type": "distributed", "uplinks": ["Uplink 1", "Uplink 2"], "mtu": 9000, "uuid": "aa"},
            {"name": "dvs-B", "type": "distributed", "uplinks": ["Uplink 1", "Uplink 2"], "mtu": 9000, "uuid": "bb"},
        ],
        "portgroups": [pg("Management Network", "vSwitch0", ["vmnic0", "vmnic1"], uplinks=("vmnic0", "vmnic1"))] + list(extra_pgs),
        "vmks": [vmk("vmk0", "Management Network", mgmt, ["management"])] + list(extra_vmks),
    }


def item(index, switch="vSwitch1", uplink=None, mgmt_octet=51, **extra):
    value = {"portgroup": "vMotion-%d" % index, "switch": switch, "active_uplink": uplink or "vmnic%d" % (index + 1),
             "ip": "172.16.%d.%d/24" % (index, mgmt_octet)}
    value.update(extra)
    return value


def problems(layouts, hosts, fleet=None, **kwargs):
    with pytest.raises(PlanError) as info:
        plan_fleet(layouts, hosts, fleet, **kwargs)
    return "\n".join(info.value.problems), info.value


# ---------------------------------------------------------------- removals


@pytest.mark.parametrize("extra, needle", [
    (vmk("vmk5", "NAS-vmk", "10.10.10.51", switch="vSwitch2"), "vmk5 is not a vMotion vmk: it carries no service"),
    (vmk("vmk5", "NAS-vmk", "10.10.10.51", ["vsan"], switch="vSwitch2"), "vmk5 is not a vMotion vmk: it carries vsan"),
    (vmk("vmk5", "NAS-vmk", "10.10.10.51", ["vmotion", "vsan"], switch="vSwitch2"), "vmk5 carries vsan besides vMotion"),
    (vmk("vmk5", "NAS-vmk", "10.10.10.51", switch="vSwitch2", netstack="vSphereProvisioning"), "on the vSphereProvisioning TCP/IP stack"),
])
def test_absent_never_removes_what_is_not_a_vmotion_only_vmk(extra, needle):
    esx = host("esx01", extra_vmks=[extra], extra_pgs=[pg("NAS-vmk", "vSwitch2", ["vmnic4"], uplinks=("vmnic4", "vmnic5"))])
    by_portgroup = [{"portgroup": "NAS-vmk", "switch": "vSwitch2", "active_uplink": "vmnic4", "ip": "10.10.10.51/24"}]
    by_device = [dict(item(1), device="vmk5")]
    for layout in (by_portgroup, by_device):
        text, _error = problems({"esx01": layout}, {"esx01": esx}, state="absent")
        assert "refusing to remove vmk5" in text and needle in text


def test_purge_takes_only_vmotion_only_vmks():
    esx = host("esx01", extra_vmks=[vmk("vmk5", "NAS-vmk", "10.10.10.51", switch="vSwitch2"),
                                    vmk("vmk6", "Old-vMotion", "172.16.9.51", ["vmotion"], switch="vSwitch2")],
               extra_pgs=[pg("NAS-vmk", "vSwitch2", ["vmnic4"]), pg("Old-vMotion", "vSwitch2", ["vmnic5"])])
    ops = plan_fleet({"esx01": [item(1)]}, {"esx01": esx}, purge=True)["plans"]["esx01"]
    assert [op for op in ops if op["op"] == "remove_vmk"] == [{"op": "remove_vmk", "device": "vmk6"}]


def test_management_by_vcenter_address_is_never_purged():
    # the management tag sits on vmk1 but vCenter knows the host by vmk0's address
    esx = host("192.168.100.51")
    esx["vmks"][0]["services"] = ["vmotion"]
    esx["vmks"][0]["vmotion"] = True
    esx["vmks"].append(vmk("vmk1", "Mgmt-2", "192.168.200.51", ["management"]))
    ops = plan_fleet({"192.168.100.51": [item(1)]}, {"192.168.100.51": esx}, purge=True)["plans"]["192.168.100.51"]
    assert not [op for op in ops if op["op"] == "remove_vmk"]
    assert not [op for op in ops if op["op"] == "remove_portgroup"]
    text, _error = problems({"192.168.100.51": [dict(item(1), device="vmk0")]}, {"192.168.100.51": esx})
    assert "vmk0 carries management; the management vmk is never modified (it holds 192.168.100.51, the address vCenter knows the host by)" in text


def test_vmk0_is_management_when_the_read_cannot_tell():
    esx = host("esx01.example.com")
    esx["vmks"][0]["services"] = ["vmotion"]
    esx["vmks"][0]["vmotion"] = True
    ops = plan_fleet({"esx01.example.com": [item(1)]}, {"esx01.example.com": esx}, purge=True)["plans"]["esx01.example.com"]
    assert not [op for op in ops if op["op"] == "remove_vmk"]


# ---------------------------------------------------------------- distributed port groups


def dv_host(name, octet, vmks=()):
    esx = host(name, mgmt="192.168.100.%d" % octet, extra_vmks=vmks)
    esx["portgroups"] += [pg("DV-Mgmt", "dvs-A", ["Uplink 1"], kind="distributed", key="dvpg-1", vlan=10, uplinks=("Uplink 1", "Uplink 2")),
                          pg("DV-VMs", "dvs-A", ["Uplink 1"], kind="distributed", key="dvpg-2", uplinks=("Uplink 1", "Uplink 2")),
                          pg("vMotion-DV", "dvs-A", ["Uplink 1"], kind="distributed", key="dvpg-3", uplinks=("Uplink 1", "Uplink 2")),
                          pg("vMotion-DV", "dvs-B", ["Uplink 2"], kind="distributed", key="dvpg-4", uplinks=("Uplink 1", "Uplink 2"))]
    return esx


FLEET_GROUPS = {"dvpg-1": {"name": "DV-Mgmt", "switch": "dvs-A", "switch_uuid": "aa", "vms": 0},
                "dvpg-2": {"name": "DV-VMs", "switch": "dvs-A", "switch_uuid": "aa", "vms": 2},
                "dvpg-3": {"name": "vMotion-DV", "switch": "dvs-A", "switch_uuid": "aa", "vms": 0},
                "dvpg-4": {"name": "vMotion-DV", "switch": "dvs-B", "switch_uuid": "bb", "vms": 0}}


def dv_item(portgroup, switch="dvs-A", uplink="Uplink 2", vlan=999, octet=52):
    return {"portgroup": portgroup, "dvswitch": switch, "active_uplink": uplink, "vlan_id": vlan, "ip": "172.16.50.%d/24" % octet}


def test_shared_dvportgroup_carrying_another_hosts_management_is_refused():
    host_a = dv_host("esx-a", 51)
    host_a["vmks"][0].update(portgroup="DV-Mgmt", switch="dvs-A", dvport={"switch_uuid": "aa", "portgroup_key": "dvpg-1", "port_key": "1"})
    host_b = dv_host("esx-b", 52)
    fleet = {"hosts": {"esx-a": host_a, "esx-b": host_b}, "dvportgroups": FLEET_GROUPS}
    assert hosts_sharing({"esx-b": [dv_item("DV-Mgmt")]}, {"esx-b": host_b}, fleet) == ["esx-a"]
    text, _error = problems({"esx-b": [dv_item("DV-Mgmt")]}, {"esx-b": host_b}, fleet)
    assert "distributed port group DV-Mgmt on dvs-A is refused: it is shared and carries management vmk vmk0 of esx-a" in text


def test_dvportgroup_used_by_vms_is_refused():
    host_b = dv_host("esx-b", 52)
    text, _error = problems({"esx-b": [dv_item("DV-VMs")]}, {"esx-b": host_b}, {"hosts": {}, "dvportgroups": FLEET_GROUPS})
    assert "DV-VMs on dvs-A is refused: it is shared and carries 2 virtual machine(s)" in text


def test_dvportgroup_defined_twice_differently_is_refused():
    hosts = {"esx-a": dv_host("esx-a", 51), "esx-b": dv_host("esx-b", 52)}
    layouts = {"esx-a": [dv_item("vMotion-DV", vlan=20, octet=51)], "esx-b": [dv_item("vMotion-DV", vlan=30, octet=52)]}
    text, error = problems(layouts, hosts, {"hosts": {}, "dvportgroups": FLEET_GROUPS})
    assert "vMotion-DV on dvs-A is shared by the hosts of this call but defined differently" in text
    assert "esx-a asks VLAN 20" in text and "esx-b asks VLAN 30" in text and error.hosts == 2


def test_new_dvportgroup_without_vlan_is_vlan_0_for_the_other_hosts():
    # the first host creates the port group with VLAN 0: another host asking VLAN 24 would never get it
    hosts = {"esx-a": dv_host("esx-a", 51), "esx-b": dv_host("esx-b", 52)}
    layouts = {"esx-a": [dv_item("dv-new", vlan=None, octet=51)], "esx-b": [dv_item("dv-new", vlan=24, octet=52)]}
    text, _error = problems(layouts, hosts, {"hosts": {}, "dvportgroups": FLEET_GROUPS})
    assert "dv-new on dvs-A is shared by the hosts of this call but defined differently (esx-a asks VLAN 0" in text
    # an existing port group: a VLAN left out leaves it as it is, so it agrees with any VLAN
    layouts = {"esx-a": [dv_item("vMotion-DV", vlan=None, octet=51)], "esx-b": [dv_item("vMotion-DV", vlan=24, octet=52)]}
    assert plan_fleet(layouts, hosts, {"hosts": {}, "dvportgroups": FLEET_GROUPS})["plans"]["esx-b"][0]["vlan_id"] == 24


def test_dvportgroup_is_known_by_switch_and_name():
    esx = dv_host("esx-b", 52)
    plan = plan_fleet({"esx-b": [dv_item("vMotion-DV", switch="dvs-B", uplink="Uplink 2", vlan=0)]}, {"esx-b": esx},
                      {"hosts": {}, "dvportgroups": FLEET_GROUPS})["plans"]["esx-b"]
    assert [op["op"] for op in plan] == ["add_vmk", "enable_vmotion"]
    assert plan[0]["dvswitch"] == "dvs-B"


# ---------------------------------------------------------------- addresses and findings


def test_same_new_address_for_two_hosts_is_refused():
    hosts = {"esx-113": host("esx-113", "192.168.100.113"), "esx-213": host("esx-213", "192.168.101.113")}
    layouts = {"esx-113": [item(1, mgmt_octet=113)], "esx-213": [item(1, mgmt_octet=113)]}
    text, _error = problems(layouts, hosts)
    assert "esx-113: the change would introduce DUPLICATE_IP (critical) (addresses are unique across the vCenter): esx-113 new vmk (vMotion-1) " \
        "(port group 'vMotion-1') has IP 172.16.1.113, also used by esx-213 new vmk (vMotion-1)" in text


def test_address_held_by_a_host_outside_the_call_is_refused():
    other = host("esx-9", "192.168.100.9", extra_vmks=[vmk("vmk3", "vMotion-1", "172.16.1.51", ["vmotion"], switch="vSwitch1")])
    text, _error = problems({"esx01": [item(1)]}, {"esx01": host("esx01")}, {"hosts": {"esx-9": other}})
    assert "has IP 172.16.1.51, also used by esx-9 vmk3" in text and "addresses are unique across the vCenter" in text


def test_a_disconnected_host_of_the_vcenter_is_named_as_unseen_when_a_change_gives_addresses():
    fleet = {"hosts": {}, "unseen": {"esx-9": "disconnected"}}
    result = plan_fleet({"esx01": [item(1)]}, {"esx01": host("esx01")}, fleet)
    assert result["warnings"] == [
        "the addresses this change gives (172.16.1.51) were checked against every host but esx-9 (disconnected): vCenter returns no "
        "configuration of such a host, so one of its vmks may hold one of them; check them once it is connected again"]
    # a change that gives no address says nothing
    built = host("esx01", extra_vmks=[vmk("vmk1", "vMotion-1", "172.16.1.51", [], switch="vSwitch1", mtu=9000)],
                 extra_pgs=[pg("vMotion-1", "vSwitch1", ["vmnic2"])])
    assert plan_fleet({"esx01": [item(1)]}, {"esx01": built}, fleet)["warnings"] == []


def test_new_vmk_on_the_active_uplink_of_an_existing_vmotion_vmk_is_refused():
    esx = host("esx01", extra_vmks=[vmk("vmk1", "Old-vMotion", "172.16.9.51", ["vmotion"], switch="vSwitch1")],
               extra_pgs=[pg("Old-vMotion", "vSwitch1", ["vmnic2"])])
    text, _error = problems({"esx01": [item(1, uplink="vmnic2")]}, {"esx01": esx})
    assert "SHARED_ACTIVE_UPLINK" in text and "vmnic2" in text


def test_moved_vmk_above_the_switch_mtu_is_refused():
    esx = host("esx01", extra_vmks=[vmk("vmk1", "vMotion-1", "172.16.1.51", ["vmotion"], switch="vSwitch1", mtu=9000)],
               extra_pgs=[pg("vMotion-1", "vSwitch1", ["vmnic2"])])
    layout = [{"portgroup": "vMotion-x", "switch": "vSwitch2", "active_uplink": "vmnic4", "ip": "172.16.1.51/24"}]
    text, _error = problems({"esx01": layout}, {"esx01": esx})
    assert "MTU_ABOVE_SWITCH" in text


def test_moves_are_warnings_or_refused():
    esx = host("esx01", extra_vmks=[vmk("vmk4", "vMotion-4", "172.16.1.51", ["vmotion"], switch="vSwitch1")],
               extra_pgs=[pg("vMotion-4", "vSwitch1", ["vmnic3"])])
    judged = plan_fleet({"esx01": [item(1)]}, {"esx01": esx})
    assert "esx01: vmk4 moves from port group vMotion-4 to vMotion-1 (found by its address 172.16.1.51)" in judged["warnings"]
    move = [op for op in judged["plans"]["esx01"] if op["op"] == "update_vmk"][0]
    assert move["from_portgroup"] == "vMotion-4" and move["portgroup"] == "vMotion-1"
    text, _error = problems({"esx01": [item(1)]}, {"esx01": esx}, allow_moves=False)
    assert "refused because allow_moves is false" in text


def test_every_problem_of_every_host_at_once():
    hosts = {"esx01": host("esx01"), "esx02": host("esx02", "192.168.100.52")}
    layouts = {"esx01": [item(1, switch="vSwitch9")], "esx02": [item(1, uplink="vmnic7", mgmt_octet=52)]}
    text, error = problems(layouts, hosts)
    assert "esx01: vmks[0] (vMotion-1): switch 'vSwitch9' does not exist" in text
    assert "esx02: vmks[0] (vMotion-1): uplink 'vmnic7' is not an uplink of vSwitch1" in text
    assert error.hosts == 2


def test_converged_fleet_plans_nothing_and_inputs_stay():
    esx = host("esx01", extra_vmks=[vmk("vmk1", "vMotion-1", "172.16.1.51", ["vmotion"], switch="vSwitch1")],
               extra_pgs=[pg("vMotion-1", "vSwitch1", ["vmnic2"])])
    before = copy.deepcopy(esx)
    judged = plan_fleet({"esx01": [item(1)]}, {"esx01": esx})
    assert judged["plans"] == {"esx01": []} and judged["warnings"] == []
    assert esx == before


def test_predict_is_the_end_state():
    esx = host("esx01")
    ops = plan_fleet({"esx01": [item(1)]}, {"esx01": esx})["plans"]["esx01"]
    after = predict(esx, ops)
    new = [v for v in after["vmks"] if v["portgroup"] == "vMotion-1"][0]
    assert new["ip"] == "172.16.1.51" and new["vmotion"] and new["services"] == ["vmotion"]
    assert [p["name"] for p in after["portgroups"]] == ["Management Network", "vMotion-1"]


def test_overlapping_subnets_in_one_layout_are_refused():
    layout = [{"portgroup": "vMotion-1", "switch": "vSwitch1", "active_uplink": "vmnic2", "ip": "10.50.1.51/24"},
              {"portgroup": "vMotion-2", "switch": "vSwitch1", "active_uplink": "vmnic3", "ip": "10.50.0.51/16"}]
    text, _error = problems({"esx01": layout}, {"esx01": host("esx01")})
    assert "SUBNET_OVERLAP (critical)" in text and "10.50.0.0/16" in text and "10.50.1.0/24" in text


def test_absent_by_an_address_held_by_a_storage_vmk_is_refused_not_ignored():
    esx = host("esx01", extra_vmks=[vmk("vmk5", "NAS-vmk", "10.10.10.51", ["vmotion", "vsan"], switch="vSwitch2")],
               extra_pgs=[pg("NAS-vmk", "vSwitch2", ["vmnic4"], uplinks=("vmnic4", "vmnic5"))])
    layout = [{"portgroup": "vMotion-x", "switch": "vSwitch1", "active_uplink": "vmnic2", "ip": "10.10.10.51/24"}]
    text, _error = problems({"esx01": layout}, {"esx01": esx}, state="absent")
    assert "refusing to remove vmk5: vmk5 carries vsan besides vMotion" in text


def test_type_names_are_plain():
    from ansible_collections.multinic.vmotion.plugins.module_utils._core.schema import validate_item

    class LazyList(list):
        pass

    _item, found = validate_item({"portgroup": LazyList(["a", "b"])}, "vmks[0]", "vmk")
    assert "portgroup must be a string, got list ['a', 'b']" in "; ".join(found)


def test_batch_host_result_gives_each_host_its_own_problems():
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.fleet_judgment import batch_host_result
    names = ["esx-1", "esx-2"]
    skipped = {"skipped": True}
    assert batch_host_result(skipped, "esx-1", ["esx-1: bad ip"], ["esx-1: bad ip"], names)["problems"] == ["esx-1: bad ip"]
    assert batch_host_result(skipped, "esx-2", [], ["esx-1: bad ip"], names)["problems"] == [
        "not applied: the batch is all or nothing and 1 host(s) of it have problems (esx-1); nothing was written"]
    refused = {"msg": "nothing changed", "problems": ["esx-2: unknown ESXi host(s): esx-2"]}
    assert batch_host_result(refused, "esx-2", names=names)["problems"] == ["esx-2: unknown ESXi host(s): esx-2"]
    assert "(esx-2); nothing was written" in batch_host_result(refused, "esx-1", names=names)["problems"][0]
    assert "judges the hosts of its call together" in batch_host_result(refused, "esx-1", names=names, mode="per_host")["problems"][0]
    general = {"msg": "x", "problems": ["hosts: esx-1 listed more than once"]}
    assert batch_host_result(general, "esx-2", names=names)["problems"] == ["hosts: esx-1 listed more than once"]


def test_batch_host_result_after_a_failed_write():
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.fleet_judgment import batch_host_result
    op = {"op": "enable_vmotion", "device": "vmk1", "portgroup": "vMotion-1"}
    failed = {"msg": "enabling vMotion failed", "host": "esx-2", "hosts_applied": {"esx-1": [op], "esx-2": []},
              "hosts_not_applied": {"esx-2": [op]}}
    done = batch_host_result(failed, "esx-1", names=["esx-1", "esx-2"])
    assert done["problems"] == [] and done["applied"]["changed"] and done["applied"]["operations"] == [op]
    stopped = batch_host_result(failed, "esx-2", names=["esx-1", "esx-2"])
    assert stopped["problems"] == ["enabling vMotion failed"] and stopped["applied"]["operations"] == [op]
    ok = {"hosts": {"esx-1": {"changed": False, "operations": []}}}
    assert batch_host_result(ok, "esx-1", names=["esx-1"]) == {"applied": {"changed": False, "operations": []}, "problems": []}


def test_batch_host_result_of_a_host_left_out_because_vcenter_cannot_reach_it():
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.fleet_judgment import batch_host_result
    # per_host: the module skipped esx-2 (unreachable_hosts: skip) and applied esx-1
    result = {"hosts": {"esx-1": {"changed": True, "operations": [{"op": "x"}], "verified": True}}, "not_read": {"esx-2": "disconnected"}}
    assert batch_host_result(result, "esx-1", names=["esx-1", "esx-2"], mode="per_host")["problems"] == []
    assert batch_host_result(result, "esx-2", names=["esx-1", "esx-2"], mode="per_host")["problems"] == [
        "esx-2: not read: disconnected: vCenter cannot reach the host, so nothing was read or changed on it"]
    # all_or_nothing: the module refused the call naming it; the others say which host stopped the batch
    refused = {"msg": "nothing changed", "problems": ["esx-2: not read: notResponding: vCenter cannot reach the host, so nothing is read "
                                                      "or changed on it (what vCenter shows of it is stale)"]}
    assert batch_host_result(refused, "esx-2", names=["esx-1", "esx-2"])["problems"] == refused["problems"]
    assert "(esx-2); nothing was written" in batch_host_result(refused, "esx-1", names=["esx-1", "esx-2"])["problems"][0]
