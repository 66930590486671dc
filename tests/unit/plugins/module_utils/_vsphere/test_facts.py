# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_facts over real pyVmomi data objects (no API calls: these are plain data types)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from pyVmomi import vim

from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.facts import host_facts, pnic_facts, published_facts, vmk_table, vnic_services


def nic_order(active, standby=()):
    return vim.host.NetworkPolicy.NicTeamingPolicy(nicOrder=vim.host.NetworkPolicy.NicOrderPolicy(activeNic=list(active), standbyNic=list(standby)))


def portgroup(name, vswitch, vlan=0, own_order=None, computed_order=None):
    own = vim.host.NetworkPolicy(nicTeaming=own_order or vim.host.NetworkPolicy.NicTeamingPolicy())
    computed = vim.host.NetworkPolicy(nicTeaming=computed_order)
    spec = vim.host.PortGroup.Specification(name=name, vswitchName=vswitch, vlanId=vlan, policy=own)
    return vim.host.PortGroup(key="key-vim.host.PortGroup-" + name, spec=spec, computedPolicy=computed)


def vnic(device, portgroup_name, ip, mask="255.255.255.0", mtu=1500, netstack="defaultTcpipStack", dvport=None, ipv6=()):
    ip_config = vim.host.IpConfig(dhcp=False, ipAddress=ip, subnetMask=mask)
    if ipv6:
        ip_config.ipV6Config = vim.host.IpConfig.IpV6AddressConfiguration(
            ipV6Address=[vim.host.IpConfig.IpV6Address(ipAddress=a, prefixLength=64, origin="manual") for a in ipv6])
    spec = vim.host.VirtualNic.Specification(ip=ip_config, mac="00:50:56:00:00:%02x" % int(device[3:]), mtu=mtu,
                                             netStackInstanceKey=netstack, distributedVirtualPort=dvport)
    return vim.host.VirtualNic(device=device, key="key-vim.host.VirtualNic-" + device, portgroup=portgroup_name, spec=spec)


def nic_manager_info(selected):
    configs = []
    for nic_type, devices in selected.items():
        candidates = [vim.host.VirtualNic(device=d, key="%s.key-vim.host.VirtualNic-%s" % (nic_type, d)) for d in devices]
        configs.append(vim.host.VirtualNicManager.NetConfig(
            nicType=nic_type, multiSelectAllowed=True, candidateVnic=candidates, selectedVnic=[c.key for c in candidates]))
    return vim.host.VirtualNicManagerInfo(netConfig=configs)


def network():
    vswitch = vim.host.VirtualSwitch(name="vSwitch4", mtu=9000, numPorts=128, numPortsAvailable=120,
                                     spec=vim.host.VirtualSwitch.Specification(numPorts=128, bridge=vim.host.VirtualSwitch.BondBridge(
                                         nicDevice=["vmnic8", "vmnic9"])))
    vswitch0 = vim.host.VirtualSwitch(name="vSwitch0", mtu=1500, numPorts=128, numPortsAvailable=120,
                                      spec=vim.host.VirtualSwitch.Specification(numPorts=128, bridge=vim.host.VirtualSwitch.BondBridge(
                                          nicDevice=["vmnic0", "vmnic1"])))
    pgs = [
        portgroup("Management Network", "vSwitch0", computed_order=nic_order(["vmnic0", "vmnic1"])),
        portgroup("vMotion-1", "vSwitch4", own_order=nic_order(["vmnic8"]), computed_order=nic_order(["vmnic8"])),
        portgroup("vMotion-2", "vSwitch4", vlan=12, own_order=nic_order(["vmnic9"], ["vmnic8"]), computed_order=nic_order(["vmnic9"], ["vmnic8"])),
    ]
    dvport = vim.dvs.PortConnection(switchUuid="50 1a", portgroupKey="dvportgroup-30", portKey="12")
    vnics = [
        vnic("vmk2", "vMotion-2", "172.16.2.51", mtu=9000, ipv6=["2001:db8:2::33"]),
        vnic("vmk0", "Management Network", "192.168.100.51"),
        vnic("vmk1", "vMotion-1", "172.16.1.51", mtu=9000, netstack="vmotion"),
        vnic("vmk10", "", "172.16.9.51", dvport=dvport),
    ]
    proxy = vim.host.HostProxySwitch(dvsUuid="50 1a", dvsName="dvs-old-name", key="50 1a", mtu=9000, numPorts=512, numPortsAvailable=500,
                                     uplinkPort=[vim.KeyValue(key="10", value="Uplink 1"), vim.KeyValue(key="11", value="Uplink 2")])
    return vim.host.NetworkInfo(vswitch=[vswitch0, vswitch], portgroup=pgs, vnic=vnics, proxySwitch=[proxy])


VDS = vim.dvs.VmwareDistributedVirtualSwitch
DVS = {"50 1a": {"name": "dvSwitch-vMotion", "mtu": 9000, "uplinks": ["Uplink 1", "Uplink 2"]}}
DV1_PORT_CONFIG = VDS.VmwarePortConfigPolicy(
    vlan=VDS.VlanIdSpec(vlanId=30),
    uplinkTeamingPolicy=VDS.UplinkPortTeamingPolicy(
        uplinkPortOrder=VDS.UplinkPortOrderPolicy(activeUplinkPort=["Uplink 2"], standbyUplinkPort=[], inherited=False)))
DVPG = {
    "dvportgroup-30": {"name": "dv-vMotion-1", "switch_uuid": "50 1a", "uplink": False, "port_config": DV1_PORT_CONFIG},
    "dvportgroup-1": {"name": "dvSwitch-vMotion-DVUplinks", "switch_uuid": "50 1a", "uplink": True, "port_config": None},
    "dvportgroup-99": {"name": "elsewhere", "switch_uuid": "other", "uplink": False, "port_config": None},
}


def facts():
    return host_facts("esx01.example.com", network(), nic_manager_info({"management": ["vmk0"], "vmotion": ["vmk2"], "vSphereProvisioning": ["vmk2"]}),
                      DVS, DVPG)


def test_vmks_sorted_numerically_with_services():
    result = facts()
    assert [v["device"] for v in result["vmks"]] == ["vmk0", "vmk1", "vmk2", "vmk10"]
    vmk2 = result["vmks"][2]
    assert vmk2["services"] == ["vSphereProvisioning", "vmotion"] and vmk2["vmotion"] is True
    assert vmk2["switch"] == "vSwitch4" and vmk2["prefix_length"] == 24 and vmk2["mtu"] == 9000
    assert vmk2["ipv6"] == [{"address": "2001:db8:2::33", "prefix_length": 64, "origin": "manual"}]


def test_vmotion_netstack_implies_vmotion():
    vmk1 = facts()["vmks"][1]
    assert vmk1["services"] == [] and vmk1["netstack"] == "vmotion" and vmk1["vmotion"] is True


def test_management_ip_from_management_vmk():
    result = facts()
    assert result["mgmt_ip"] == "192.168.100.51" and result["mgmt_octet"] == 51


def test_effective_teaming_unused_and_standby():
    pgs = dict((p["name"], p) for p in facts()["portgroups"])
    assert pgs["vMotion-1"]["teaming"] == {"active": ["vmnic8"], "standby": [], "unused": ["vmnic9"], "inherited": False}
    assert pgs["vMotion-2"]["teaming"] == {"active": ["vmnic9"], "standby": ["vmnic8"], "unused": [], "inherited": False}
    assert pgs["vMotion-2"]["vlan_id"] == 12
    assert pgs["Management Network"]["teaming"]["inherited"] is True


def test_distributed_switch_and_portgroup():
    result = facts()
    dvs = [s for s in result["switches"] if s["type"] == "distributed"]
    assert dvs == [{"name": "dvSwitch-vMotion", "type": "distributed", "uplinks": ["Uplink 1", "Uplink 2"], "mtu": 9000, "uuid": "50 1a",
                    "pnics": {}, "uplink_ports": {"Uplink 1": "10", "Uplink 2": "11"}}]
    dvpg = [p for p in result["portgroups"] if p["type"] == "distributed"]
    assert [p["name"] for p in dvpg] == ["dv-vMotion-1"]  # not the uplink group, not another switch's
    assert dvpg[0]["teaming"] == {"active": ["Uplink 2"], "standby": [], "unused": ["Uplink 1"], "inherited": False}
    assert dvpg[0]["vlan_id"] == 30
    vmk10 = result["vmks"][-1]
    assert vmk10["portgroup"] == "dv-vMotion-1" and vmk10["switch"] == "dvSwitch-vMotion"
    assert vmk10["dvport"] == {"switch_uuid": "50 1a", "portgroup_key": "dvportgroup-30", "port_key": "12"}


def test_mgmt_ip_falls_back_to_ip_host_name():
    result = host_facts("192.168.100.7", vim.host.NetworkInfo(), None)
    assert result["mgmt_ip"] == "192.168.100.7" and result["vmks"] == [] and result["mgmt_octet"] == 7


def test_vnic_services_without_candidates_uses_key_suffix():
    info = vim.host.VirtualNicManagerInfo(netConfig=[vim.host.VirtualNicManager.NetConfig(
        nicType="vmotion", multiSelectAllowed=True, selectedVnic=["vmotion.key-vim.host.VirtualNic-vmk3"])])
    assert vnic_services(info) == {"vmk3": ["vmotion"]}


def pnics():
    speed = vim.host.PhysicalNic.LinkSpeedDuplex
    return vim.host.NetworkInfo(pnic=[
        vim.host.PhysicalNic(device="vmnic9", key="key-vim.host.PhysicalNic-vmnic9", driver="ixgben", mac="00:50:56:00:00:09"),
        vim.host.PhysicalNic(device="vmnic10", key="key-vim.host.PhysicalNic-vmnic10", driver="ixgben", mac="00:50:56:00:00:0a",
                             linkSpeed=speed(speedMb=10000, duplex=True)),
        vim.host.PhysicalNic(device="vmnic8", key="key-vim.host.PhysicalNic-vmnic8", driver="ixgben", mac="00:50:56:00:00:08",
                             linkSpeed=speed(speedMb=1000, duplex=False)),
    ])


def test_pnic_link_state_and_speed_in_device_order():
    found = pnic_facts(pnics())
    assert list(found) == ["vmnic8", "vmnic9", "vmnic10"]
    assert found["vmnic8"] == {"link": "up", "speed_mbps": 1000}
    assert found["vmnic9"] == {"link": "down", "speed_mbps": None}
    assert found["vmnic10"] == {"link": "up", "speed_mbps": 10000}
    assert pnic_facts(vim.host.NetworkInfo()) == {}


def test_the_vmk_table_has_one_line_per_vmk_with_its_active_uplink_and_link():
    rows = vmk_table(facts(), pnic_facts(pnics()))
    assert rows[0] == "vmk0 192.168.100.51/24 pg Management Network (vSwitch0) active vmnic0,vmnic1 mtu 1500 management"
    assert rows[1] == "vmk1 172.16.1.51/24 pg vMotion-1 (vSwitch4) active vmnic8 (1000 Mb/s) mtu 9000 vmotion stack vmotion"
    assert rows[2] == "vmk2 172.16.2.51/24 pg vMotion-2 (vSwitch4) active vmnic9 (down) mtu 9000 vSphereProvisioning,vmotion"
    assert rows[3].startswith("vmk10 172.16.9.51/24 pg dv-vMotion-1 (dvSwitch-vMotion) active Uplink 2 mtu 1500")


def with_vm_networks_and_link_local():
    """The model of network() plus a VM network on each switch, a vMotion-named port group without a vmk, and
    link-local addresses on vmk2: the automatic one (origin other) and one set by hand."""
    info = network()
    info.portgroup += [portgroup("VM Network", "vSwitch0", computed_order=nic_order(["vmnic0", "vmnic1"])),
                       portgroup("vMotion-spare", "vSwitch4", computed_order=nic_order(["vmnic8", "vmnic9"]))]
    vmk2 = [v for v in info.vnic if v.device == "vmk2"][0]
    vmk2.spec.ip.ipV6Config.ipV6Address += [
        vim.host.IpConfig.IpV6Address(ipAddress="fe80::250:56ff:fe00:2", prefixLength=64, origin="other"),
        vim.host.IpConfig.IpV6Address(ipAddress="fe80::2", prefixLength=64, origin="manual")]
    dvpg = dict(DVPG, **{"dvportgroup-40": {"name": "dv-VM-Web", "switch_uuid": "50 1a", "uplink": False, "port_config": DV1_PORT_CONFIG}})
    return host_facts("esx01.example.com", info, nic_manager_info({"management": ["vmk0"], "vmotion": ["vmk2"]}), DVS, dvpg)


def test_published_port_groups_are_those_of_the_vmks_and_the_vmotion_named_ones():
    model = with_vm_networks_and_link_local()
    assert sorted(p["name"] for p in model["portgroups"]) == [
        "Management Network", "VM Network", "dv-VM-Web", "dv-vMotion-1", "vMotion-1", "vMotion-2", "vMotion-spare"]
    published = published_facts(model, re.compile("(?i)vmotion"))
    assert [p["name"] for p in published["portgroups"]] == ["Management Network", "vMotion-1", "vMotion-2", "vMotion-spare", "dv-vMotion-1"]
    # without a pattern, only the port groups the vmks are on
    assert "vMotion-spare" not in [p["name"] for p in published_facts(model)["portgroups"]]
    # the model the write side works on is left whole
    assert len(model["portgroups"]) == 7 and "key" in model["portgroups"][0]


def test_published_vmks_leave_out_the_automatic_link_local_address_only():
    published = published_facts(with_vm_networks_and_link_local())
    vmk2 = [v for v in published["vmks"] if v["device"] == "vmk2"][0]
    assert vmk2["ipv6"] == [{"address": "2001:db8:2::33", "prefix_length": 64, "origin": "manual"},
                            {"address": "fe80::2", "prefix_length": 64, "origin": "manual"}]


def test_distributed_only_keys_are_published_on_distributed_objects_only():
    published = published_facts(facts())
    assert [("uuid" in s, s["type"]) for s in published["switches"]] == [(False, "standard"), (False, "standard"), (True, "distributed")]
    assert [("key" in p, p["type"]) for p in published["portgroups"]] == [(False, "standard")] * 3 + [(True, "distributed")]
    assert [("dvport" in v, v["device"]) for v in published["vmks"]] == [(False, "vmk0"), (False, "vmk1"), (False, "vmk2"), (True, "vmk10")]
    assert published["vmks"][-1]["dvport"]["portgroup_key"] == "dvportgroup-30"


def test_a_host_vcenter_cannot_reach_is_not_read():
    from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.facts import host_state, is_read, not_read_text, unread_host
    assert host_state({"runtime.connectionState": "notResponding", "runtime.inMaintenanceMode": True}) == ("notResponding", True)
    assert host_state({}) == ("connected", False)  # an ESXi answering directly is connected
    host = unread_host("esx01", "disconnected", False)
    assert not is_read(host) and is_read({"name": "esx02", "vmks": []}) and "vmks" not in host
    assert not_read_text(host) == "not read: disconnected"
    assert not_read_text(unread_host("esx03", "notResponding", True)) == "not read: notResponding, in maintenance mode"


def test_a_vmk_gateway_override_is_read():
    from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.facts import host_facts
    info = network()
    info.vnic[0].spec.ipRouteSpec = vim.host.VirtualNic.IpRouteSpec(ipRouteConfig=vim.host.IpRouteConfig(defaultGateway="172.16.2.1"))
    vmks = dict((v["device"], v) for v in host_facts("192.168.100.51", info, nic_manager_info({}))["vmks"])
    assert vmks["vmk2"]["gateway"] == "172.16.2.1" and "gateway" not in vmks["vmk0"]


def test_the_stacks_gateways_are_read_when_the_stacks_are():
    from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.facts import host_facts, vmk_table
    info = network()
    assert "stacks" not in host_facts("192.168.100.51", info, nic_manager_info({}))  # not read: not said to be empty
    info.netStackInstance = [
        vim.host.NetStackInstance(key="defaultTcpipStack", ipRouteConfig=vim.host.IpRouteConfig(defaultGateway="192.168.100.1")),
        vim.host.NetStackInstance(key="vmotion", ipRouteConfig=vim.host.IpRouteConfig(defaultGateway="172.16.1.1", ipV6DefaultGateway="fd00::1"),
                                  routeTableConfig=vim.host.IpRouteTableConfig(ipRoute=[
                                      vim.host.IpRouteOp(changeOperation="ignore", route=vim.host.IpRouteEntry(
                                          network="0.0.0.0", prefixLength=0, gateway="172.16.1.1", deviceName="vmk1")),
                                      vim.host.IpRouteOp(changeOperation="ignore", route=vim.host.IpRouteEntry(
                                          network="172.16.1.0", prefixLength=24, gateway="0.0.0.0", deviceName="vmk1"))])),
        vim.host.NetStackInstance(key="vSphereProvisioning", ipRouteConfig=vim.host.IpRouteConfig()),
    ]
    info.vnic[1].spec.netStackInstanceKey = "vmotion"
    facts = host_facts("192.168.100.51", info, nic_manager_info({}))
    vmotion_routes = ["0.0.0.0/0 via 172.16.1.1 (vmk1)", "172.16.1.0/24 (vmk1)"]
    assert facts["stacks"] == {"defaultTcpipStack": {"gateway": "192.168.100.1", "gateway_ipv6": None, "routes": []},
                               "vmotion": {"gateway": "172.16.1.1", "gateway_ipv6": "fd00::1", "routes": vmotion_routes},
                               "vSphereProvisioning": {"gateway": None, "gateway_ipv6": None, "routes": []}}
    device = info.vnic[1].device
    line = [row for row in vmk_table(dict(facts, portgroups=[])) if row.startswith(device + " ")][0]
    assert "via 172.16.1.1 (the stack's)" in line and line.endswith("stack vmotion")
