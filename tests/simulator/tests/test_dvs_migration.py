"""Moving a host's pnics and vmks between standard vSwitches and a distributed switch, through pyVmomi.

Membership goes through vCenter (DistributedVirtualSwitch.ReconfigureDvs_Task, spec.host), the move itself through the
host (HostNetworkSystem.UpdateNetworkConfig with proxySwitch + vswitch + vnic + portgroup in one call), as vSphere's
"Migrate networking" and VMware's own vc_dvswitch_migrate do it. Topology: topologies/migration.yml.
"""

import os

import pytest
from pyVim.connect import Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

from conftest import connect
from helpers import by_name, hosts_by_name
from test_physical import esxcli_ping, summary
from vsim import topology
from vsim.server import start_simulator

MIGRATION = os.path.join(topology.TOPOLOGY_DIR, "migration.yml")
HOST1, HOST2, HOST3 = "esx-01.migration.local", "esx-02.migration.local", "esx-03.migration.local"


@pytest.fixture()
def msim():
    simulator = start_simulator(topology_file=MIGRATION)
    yield simulator
    simulator.stop()


@pytest.fixture()
def env(msim):
    si = connect(msim)
    content = si.RetrieveContent()
    dvs = list(by_name(content, vim.dvs.VmwareDistributedVirtualSwitch).values())[0]
    yield content, hosts_by_name(content), dvs
    Disconnect(si)


def portgroup_key(dvs, name):
    return next(pg.key for pg in dvs.portgroup if pg.name == name)


def member(dvs, host):
    return next((m for m in dvs.config.host if m.config.host == host), None)


def proxy(host, dvs):
    return next((p for p in host.config.network.proxySwitch if p.dvsUuid == dvs.uuid), None)


def reconfigure(dvs, *members, version=None):
    spec = vim.DistributedVirtualSwitch.ConfigSpec(configVersion=version or dvs.config.configVersion, host=list(members))
    return dvs.ReconfigureDvs_Task(spec)


def host_member(operation, host, pnics=None, keys=None):
    backing = None
    if pnics is not None:
        backing = vim.dvs.HostMember.PnicBacking(pnicSpec=[
            vim.dvs.HostMember.PnicSpec(pnicDevice=pnic, uplinkPortKey=(keys or {}).get(pnic)) for pnic in pnics])
    return vim.dvs.HostMember.ConfigSpec(operation=operation, host=host, backing=backing)


def fails(task, fault_type):
    with pytest.raises(fault_type) as caught:
        WaitForTask(task)
    return caught.value


def migrate_config(dvs, host, pnics, vswitch_nics, vmk=None, dvportgroup=None, remove_portgroup=None):
    """One UpdateNetworkConfig as VMware's vc_dvswitch_migrate builds it: the proxy switch's whole new backing, the vSwitch
    without the pnic (bridge and its own failover order), the vmk onto the dvportgroup, its old port group removed."""
    vswitch = next(s for s in host.configManager.networkSystem.networkConfig.vswitch if s.name == "vSwitch1")
    spec = vswitch.spec
    spec.bridge.nicDevice = list(vswitch_nics)
    spec.policy.nicTeaming.nicOrder.activeNic = [n for n in spec.policy.nicTeaming.nicOrder.activeNic if n in vswitch_nics]
    spec.policy.nicTeaming.nicOrder.standbyNic = [n for n in spec.policy.nicTeaming.nicOrder.standbyNic if n in vswitch_nics]
    config = vim.host.NetworkConfig(
        proxySwitch=[vim.host.HostProxySwitch.Config(changeOperation="edit", uuid=dvs.uuid, spec=vim.host.HostProxySwitch.Specification(
            backing=vim.dvs.HostMember.PnicBacking(pnicSpec=[
                vim.dvs.HostMember.PnicSpec(pnicDevice=p, uplinkPortgroupKey=dvs.config.uplinkPortgroup[0].key) for p in pnics])))],
        vswitch=[vim.host.VirtualSwitch.Config(changeOperation="edit", name="vSwitch1", spec=spec)])
    if vmk:
        config.vnic = [vim.host.VirtualNic.Config(changeOperation="edit", device=vmk, portgroup="", spec=vim.host.VirtualNic.Specification(
            distributedVirtualPort=vim.dvs.PortConnection(switchUuid=dvs.uuid, portgroupKey=portgroup_key(dvs, dvportgroup))))]
    if remove_portgroup:
        config.portgroup = [vim.host.PortGroup.Config(changeOperation="remove", spec=vim.host.PortGroup.Specification(
            name=remove_portgroup, vlanId=-1, vswitchName="", policy=vim.host.NetworkPolicy()))]
    return config


def network_state(host, dvs):
    network = host.config.network
    backing = proxy(host, dvs).spec.backing.pnicSpec
    return ({s.name: list(s.spec.bridge.nicDevice) for s in network.vswitch}, [(p.pnicDevice, p.uplinkPortKey) for p in backing],
            {v.device: (v.portgroup, v.spec.distributedVirtualPort.portgroupKey if v.spec.distributedVirtualPort else None)
             for v in network.vnic}, sorted(pg.spec.name for pg in network.portgroup), dvs.config.configVersion)


def pings(host, vmk, address):
    fields = summary(esxcli_ping(host, host=address, interface=vmk, size=8972, df=True, count=2))
    assert "fault" not in fields, fields
    return fields["Recieved"] == "2"


def test_add_a_host_without_pnics_then_give_it_one(env):
    """vmware_dvs_host's sequence: add without backing, FetchDVPorts of the host's uplink ports, edit with the keys."""
    _content, hosts, dvs = env
    host = hosts[HOST3]
    version = dvs.config.configVersion
    assert member(dvs, host) is None and proxy(host, dvs) is None
    WaitForTask(reconfigure(dvs, host_member("add", host)))
    assert int(dvs.config.configVersion) == int(version) + 1
    joined = member(dvs, host)
    assert joined.config.backing.pnicSpec == [] and len(joined.uplinkPortKey) == 2
    assert proxy(host, dvs).pnic == [] and [kv.value for kv in proxy(host, dvs).uplinkPort] == ["Uplink 1", "Uplink 2"]
    assert {pg.name for pg in dvs.portgroup} <= {n.name for n in host.network}
    uplink_pg = dvs.config.uplinkPortgroup[0]
    ports = dvs.FetchDVPorts(vim.dvs.PortCriteria(host=[host], portgroupKey=[uplink_pg.key], uplinkPort=True))
    keys = {port.config.name: port.key for port in sorted(ports, key=lambda p: p.config.name)}
    assert sorted(keys) == ["Uplink 1", "Uplink 2"] and set(keys.values()) == set(joined.uplinkPortKey)
    WaitForTask(reconfigure(dvs, host_member("edit", host, ["vmnic5", "vmnic4"], {"vmnic5": keys["Uplink 1"], "vmnic4": keys["Uplink 2"]})))
    backing = {p.pnicDevice: p.uplinkPortKey for p in member(dvs, host).config.backing.pnicSpec}
    assert backing == {"vmnic5": keys["Uplink 1"], "vmnic4": keys["Uplink 2"]}
    assert sorted(proxy(host, dvs).pnic) == ["key-vim.host.PhysicalNic-vmnic4", "key-vim.host.PhysicalNic-vmnic5"]


def test_add_a_host_with_pnics_and_remove_it(env):
    """govc dvs.add sends pnicDevice alone: the pnics take the host's uplink ports in order."""
    _content, hosts, dvs = env
    host = hosts[HOST3]
    WaitForTask(reconfigure(dvs, host_member("add", host, ["vmnic4"])))
    joined = member(dvs, host)
    assert [(p.pnicDevice, p.uplinkPortKey) for p in joined.config.backing.pnicSpec] == [("vmnic4", joined.uplinkPortKey[0])]
    assert joined.config.backing.pnicSpec[0].uplinkPortgroupKey == dvs.config.uplinkPortgroup[0].key
    fails(reconfigure(dvs, host_member("add", host)), vim.fault.AlreadyExists)
    WaitForTask(reconfigure(dvs, host_member("remove", host)))
    assert member(dvs, host) is None and proxy(host, dvs) is None
    fails(reconfigure(dvs, host_member("remove", host)), vim.fault.NotFound)


def test_stale_config_version_is_concurrent_access(env):
    _content, hosts, dvs = env
    stale = dvs.config.configVersion
    WaitForTask(reconfigure(dvs, host_member("add", hosts[HOST3])))
    fails(reconfigure(dvs, host_member("remove", hosts[HOST3]), version=stale), vim.fault.ConcurrentAccess)
    assert member(dvs, hosts[HOST3]) is not None


def test_a_pnic_in_use_is_refused(env):
    _content, hosts, dvs = env
    version = dvs.config.configVersion
    # add: what the host refuses comes back per host in a DvsOperationBulkFault
    fault = fails(reconfigure(dvs, host_member("add", hosts[HOST3], ["vmnic2"])), vim.fault.DvsOperationBulkFault)
    assert fault.hostFault[0].host == hosts[HOST3] and isinstance(fault.hostFault[0].fault, vim.fault.ResourceInUse)
    fault = fails(reconfigure(dvs, host_member("add", hosts[HOST3], ["vmnic99"])), vim.fault.DvsOperationBulkFault)
    assert isinstance(fault.hostFault[0].fault, vim.fault.NotFound)
    # edit: refused by vCenter itself
    fails(reconfigure(dvs, host_member("edit", hosts[HOST1], ["vmnic3"])), vim.fault.ResourceInUse)
    fails(reconfigure(dvs, host_member("edit", hosts[HOST1], ["vmnic99"])), vim.fault.NotFound)
    fails(reconfigure(dvs, host_member("edit", hosts[HOST1], ["vmnic4"], {"vmnic4": "9999"})), vim.fault.NotFound)
    assert dvs.config.configVersion == version and member(dvs, hosts[HOST3]) is None
    assert member(dvs, hosts[HOST1]).config.backing.pnicSpec == []
    # the host side: a pnic onto the proxy switch while it stays in its vSwitch
    host = hosts[HOST1]
    before = network_state(host, dvs)
    config = migrate_config(dvs, host, ["vmnic2"], ["vmnic2", "vmnic3"])
    with pytest.raises(vim.fault.ResourceInUse):
        host.configManager.networkSystem.UpdateNetworkConfig(config, "modify")
    assert network_state(host, dvs) == before
    # a pnic cannot go on a vSwitch while it backs a proxy switch
    WaitForTask(reconfigure(dvs, host_member("edit", host, ["vmnic4"])))
    spec = next(s for s in host.configManager.networkSystem.networkConfig.vswitch if s.name == "vSwitch1").spec
    spec.bridge.nicDevice = ["vmnic2", "vmnic3", "vmnic4"]
    with pytest.raises(vim.fault.ResourceInUse):
        host.configManager.networkSystem.UpdateVirtualSwitch("vSwitch1", spec)


def test_migrate_one_uplink_and_one_vmk_in_one_call(env):
    _content, hosts, dvs = env
    host, peer = hosts[HOST1], hosts[HOST2]
    assert pings(host, "vmk1", "172.16.1.12")
    version = dvs.config.configVersion
    config = migrate_config(dvs, host, ["vmnic2"], ["vmnic3"], vmk="vmk1", dvportgroup="dv-vMotion-A", remove_portgroup="vMotion-A")
    result = host.configManager.networkSystem.UpdateNetworkConfig(config, "modify")
    assert list(result.vnicDevice) == []
    network = host.config.network
    vswitch1 = next(s for s in network.vswitch if s.name == "vSwitch1")
    assert list(vswitch1.spec.bridge.nicDevice) == ["vmnic3"] and vswitch1.pnic == ["key-vim.host.PhysicalNic-vmnic3"]
    assert "vMotion-A" not in [pg.spec.name for pg in network.portgroup]
    joined = member(dvs, host)
    uplink1 = next(kv.key for kv in proxy(host, dvs).uplinkPort if kv.value == "Uplink 1")
    assert [(p.pnicDevice, p.uplinkPortKey) for p in proxy(host, dvs).spec.backing.pnicSpec] == [("vmnic2", uplink1)]
    assert [(p.pnicDevice, p.uplinkPortKey) for p in joined.config.backing.pnicSpec] == [("vmnic2", uplink1)]
    assert int(dvs.config.configVersion) == int(version) + 1
    vmk1 = next(v for v in network.vnic if v.device == "vmk1")
    port = vmk1.spec.distributedVirtualPort
    assert vmk1.portgroup == "" and port.switchUuid == dvs.uuid and port.portgroupKey == portgroup_key(dvs, "dv-vMotion-A") and port.portKey
    assert vmk1.spec.ip.ipAddress == "172.16.1.11" and "vmk1" in host.configManager.virtualNicManager.QueryNetConfig("vmotion").selectedVnic[0]
    # the wire: vmk1 leaves through Uplink 1, backed by vmnic2, cabled as before; the peer is still on its vSwitch
    assert pings(host, "vmk1", "172.16.1.12") and pings(peer, "vmk1", "172.16.1.11")
    # a vmk on a port group whose active uplink has no pnic has no path
    config = vim.host.NetworkConfig(vnic=[vim.host.VirtualNic.Config(
        changeOperation="edit", device="vmk2", portgroup="", spec=vim.host.VirtualNic.Specification(
            distributedVirtualPort=vim.dvs.PortConnection(switchUuid=dvs.uuid, portgroupKey=portgroup_key(dvs, "dv-vMotion-B"))))])
    host.configManager.networkSystem.UpdateNetworkConfig(config, "modify")
    assert not pings(host, "vmk2", "172.16.2.12")
    # vCenter keeps the host while vmks are on the switch
    fails(reconfigure(dvs, host_member("remove", host)), vim.fault.ResourceInUse)
    WaitForTask(reconfigure(dvs, host_member("remove", peer)))
    assert proxy(peer, dvs) is None


def test_a_half_valid_config_changes_nothing(env):
    _content, hosts, dvs = env
    host = hosts[HOST1]
    before = network_state(host, dvs)
    # the pnic moves, but the vmk's port group does not exist on the switch
    config = migrate_config(dvs, host, ["vmnic2"], ["vmnic3"], vmk="vmk1", dvportgroup="dv-vMotion-A", remove_portgroup="vMotion-A")
    config.vnic[0].spec.distributedVirtualPort.portgroupKey = "dvportgroup-999"
    with pytest.raises(vmodl.fault.InvalidArgument):
        host.configManager.networkSystem.UpdateNetworkConfig(config, "modify")
    assert network_state(host, dvs) == before
    # the vSwitch keeps vmnic2 in its own failover order (the bridge alone is not enough)
    config = migrate_config(dvs, host, ["vmnic2"], ["vmnic3"])
    config.vswitch[0].spec.policy.nicTeaming.nicOrder.activeNic = ["vmnic2", "vmnic3"]
    with pytest.raises(vmodl.fault.InvalidArgument):
        host.configManager.networkSystem.UpdateNetworkConfig(config, "modify")
    assert network_state(host, dvs) == before
    # a proxy switch the host is not on, and one given twice
    config = migrate_config(dvs, host, ["vmnic2"], ["vmnic3"])
    config.proxySwitch[0].uuid = "50 00 00 00 00 00 00 00-00 00 00 00 00 00 00 00"
    with pytest.raises(vim.fault.NotFound):
        host.configManager.networkSystem.UpdateNetworkConfig(config, "modify")
    config = migrate_config(dvs, host, ["vmnic2"], ["vmnic3"])
    config.proxySwitch.append(config.proxySwitch[0])
    with pytest.raises(vmodl.fault.InvalidArgument):
        host.configManager.networkSystem.UpdateNetworkConfig(config, "modify")
    assert network_state(host, dvs) == before


def test_the_reverse_move(env):
    _content, hosts, dvs = env
    host = hosts[HOST1]
    before = network_state(host, dvs)
    host.configManager.networkSystem.UpdateNetworkConfig(
        migrate_config(dvs, host, ["vmnic2"], ["vmnic3"], vmk="vmk1", dvportgroup="dv-vMotion-A", remove_portgroup="vMotion-A"), "modify")
    # back: the pnic off the proxy switch into the bridge, the port group again, the vmk onto it, in one call
    spec = next(s for s in host.configManager.networkSystem.networkConfig.vswitch if s.name == "vSwitch1").spec
    spec.bridge.nicDevice = ["vmnic2", "vmnic3"]
    spec.policy.nicTeaming.nicOrder.activeNic = ["vmnic2", "vmnic3"]
    config = vim.host.NetworkConfig(
        proxySwitch=[vim.host.HostProxySwitch.Config(changeOperation="edit", uuid=dvs.uuid, spec=vim.host.HostProxySwitch.Specification(
            backing=vim.dvs.HostMember.PnicBacking(pnicSpec=[])))],
        vswitch=[vim.host.VirtualSwitch.Config(changeOperation="edit", name="vSwitch1", spec=spec)],
        portgroup=[vim.host.PortGroup.Config(changeOperation="add", spec=vim.host.PortGroup.Specification(
            name="vMotion-A", vlanId=0, vswitchName="vSwitch1", policy=vim.host.NetworkPolicy(nicTeaming=vim.host.NetworkPolicy.NicTeamingPolicy(
                nicOrder=vim.host.NetworkPolicy.NicOrderPolicy(activeNic=["vmnic2"], standbyNic=[])))))],
        vnic=[vim.host.VirtualNic.Config(changeOperation="edit", device="vmk1", spec=vim.host.VirtualNic.Specification(portgroup="vMotion-A"))])
    host.configManager.networkSystem.UpdateNetworkConfig(config, "modify")
    after = network_state(host, dvs)
    assert after[:4] == before[:4] and int(after[4]) == int(before[4]) + 2
    assert member(dvs, host).config.backing.pnicSpec == []
    assert pings(host, "vmk1", "172.16.1.12")
    WaitForTask(reconfigure(dvs, host_member("remove", host)))
    assert proxy(host, dvs) is None
