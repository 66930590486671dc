"""Host networking with ESXi semantics, distributed switch, faults and diagnostics, through pyVmomi."""

import http.client

import pytest
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

from helpers import hosts_by_name

VDS = vim.dvs.VmwareDistributedVirtualSwitch


@pytest.fixture()
def host(content):
    return hosts_by_name(content)["192.168.100.118"]


def vmk_spec(ip, mtu=1500, stack=None):
    return vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(dhcp=False, ipAddress=ip, subnetMask="255.255.255.0"), mtu=mtu,
                                             netStackInstanceKey=stack)


def portgroup_spec(name, vswitch="vSwitch4", vlan=0, active=None, standby=None):
    policy = vim.host.NetworkPolicy()
    if active is not None:
        policy.nicTeaming = vim.host.NetworkPolicy.NicTeamingPolicy(
            nicOrder=vim.host.NetworkPolicy.NicOrderPolicy(activeNic=active, standbyNic=standby or []))
    return vim.host.PortGroup.Specification(name=name, vswitchName=vswitch, vlanId=vlan, policy=policy)


def test_seed_layout(content):
    hosts = hosts_by_name(content)
    host = hosts["192.168.100.112"]
    network = host.config.network
    pgs = {pg.spec.name: pg for pg in network.portgroup}
    order = pgs["vMotion-1"].spec.policy.nicTeaming.nicOrder
    assert (order.activeNic, order.standbyNic) == (["vmnic8"], [])
    assert pgs["vMotion-1"].computedPolicy.nicTeaming.nicOrder.activeNic == ["vmnic8"]
    # A port group without an override inherits the vSwitch teaming; its spec shows empty sub-policies.
    assert pgs["VM Network"].spec.policy.nicTeaming.nicOrder is None
    assert pgs["VM Network"].spec.policy.security.allowPromiscuous is None
    assert pgs["VM Network"].computedPolicy.nicTeaming.nicOrder.activeNic == ["vmnic0", "vmnic1"]
    assert {s.name: s.mtu for s in network.vswitch}["vSwitch4"] == 9000
    vnics = {v.device: v for v in network.vnic}
    assert vnics["vmk6"].spec.ip.ipAddress == "172.16.0.112" and vnics["vmk6"].portgroup == "vMotion-0"
    selected = host.configManager.virtualNicManager.QueryNetConfig("vmotion").selectedVnic
    assert selected == ["vmotion.key-vim.host.VirtualNic-vmk1", "vmotion.key-vim.host.VirtualNic-vmk3",
                        "vmotion.key-vim.host.VirtualNic-vmk4"]
    disabled = {name: [c.key for c in h.configManager.virtualNicManager.QueryNetConfig("vmotion").candidateVnic
                       if c.key not in h.configManager.virtualNicManager.QueryNetConfig("vmotion").selectedVnic]
                for name, h in hosts.items() if name in ("192.168.100.109", "192.168.100.116", "192.168.100.107")}
    assert disabled["192.168.100.109"] == ["vmotion.key-vim.host.VirtualNic-vmk0", "vmotion.key-vim.host.VirtualNic-vmk3",
                                           "vmotion.key-vim.host.VirtualNic-vmk5"]
    assert "vmotion.key-vim.host.VirtualNic-vmk4" in disabled["192.168.100.116"]
    assert disabled["192.168.100.107"] == ["vmotion.key-vim.host.VirtualNic-vmk0", "vmotion.key-vim.host.VirtualNic-vmk5"]


def test_add_portgroup_vmk_and_select_vmotion(sim, host):
    network_system = host.configManager.networkSystem
    sim.reset()
    network_system.AddPortGroup(portgroup_spec("vMotion-5", active=["vmnic9"], standby=["vmnic8"], vlan=55))
    device = network_system.AddVirtualNic("vMotion-5", vmk_spec("172.16.5.118", mtu=9000))
    host.configManager.virtualNicManager.SelectVnicForNicType("vmotion", device)
    assert device == "vmk7"
    assert sim.stats()["writes"] == 3
    info = network_system.networkInfo
    pg = [p for p in info.portgroup if p.spec.name == "vMotion-5"][0]
    assert pg.spec.vlanId == 55 and pg.spec.policy.nicTeaming.nicOrder.standbyNic == ["vmnic8"]
    assert pg.port[0].type == "host" and pg.port[0].mac == [v.spec.mac for v in info.vnic if v.device == "vmk7"]
    vmk = [v for v in info.vnic if v.device == "vmk7"][0]
    assert (vmk.spec.mtu, vmk.portgroup, vmk.spec.netStackInstanceKey) == (9000, "vMotion-5", "defaultTcpipStack")
    netconfig = host.configManager.virtualNicManager.QueryNetConfig("vmotion")
    assert "vmotion.key-vim.host.VirtualNic-vmk7" in netconfig.selectedVnic
    assert "vmotion.key-vim.host.VirtualNic-vmk7" in [c.key for c in netconfig.candidateVnic]
    # The lowest free number is reused.
    network_system.RemoveVirtualNic("vmk5")
    network_system.AddPortGroup(portgroup_spec("vMotion-6"))
    assert network_system.AddVirtualNic("vMotion-6", vmk_spec("172.16.6.118")) == "vmk5"


def test_every_nic_type(host):
    manager = host.configManager.virtualNicManager
    types = [c.nicType for c in manager.info.netConfig]
    for nic_type in ("management", "vmotion", "faultToleranceLogging", "vSphereReplication", "vSphereReplicationNFC",
                     "vSphereProvisioning", "vsan", "vSphereBackupNFC", "nvmeTcp", "nvmeRdma"):
        assert nic_type in types
        manager.SelectVnicForNicType(nic_type, "vmk5")
        assert "{0}.key-vim.host.VirtualNic-vmk5".format(nic_type) in manager.QueryNetConfig(nic_type).selectedVnic
        manager.DeselectVnicForNicType(nic_type, "vmk5")
        assert not manager.QueryNetConfig(nic_type).selectedVnic or "vmk5" not in str(manager.QueryNetConfig(nic_type).selectedVnic)


def test_vmotion_stack_and_update(host):
    network_system = host.configManager.networkSystem
    manager = host.configManager.virtualNicManager
    network_system.AddPortGroup(portgroup_spec("vMotion-stack", active=["vmnic8"]))
    device = network_system.AddVirtualNic("vMotion-stack", vmk_spec("172.16.9.118", 9000, "vmotion"))
    assert "vmotion.key-vim.host.VirtualNic-" + device in manager.QueryNetConfig("vmotion").selectedVnic
    with pytest.raises(vim.fault.HostConfigFault):
        manager.DeselectVnicForNicType("vmotion", device)
    with pytest.raises(vmodl.fault.InvalidArgument):
        manager.SelectVnicForNicType("management", device)  # only default-stack vmks carry management
    with pytest.raises(vmodl.fault.InvalidArgument):
        network_system.UpdateVirtualNic(device, vim.host.VirtualNic.Specification(netStackInstanceKey="defaultTcpipStack"))
    network_system.AddPortGroup(portgroup_spec("vMotion-moved"))
    ipv6 = vim.host.IpConfig.IpV6AddressConfiguration(ipV6Address=[vim.host.IpConfig.IpV6Address(
        ipAddress="fd00::118", prefixLength=64, operation="add")])
    network_system.UpdateVirtualNic(device, vim.host.VirtualNic.Specification(
        portgroup="vMotion-moved", mtu=1500, ip=vim.host.IpConfig(dhcp=False, ipAddress="172.16.9.119", subnetMask="255.255.255.0",
                                                                  ipV6Config=ipv6)))
    vmk = [v for v in network_system.networkInfo.vnic if v.device == device][0]
    assert (vmk.portgroup, vmk.spec.mtu, vmk.spec.ip.ipAddress) == ("vMotion-moved", 1500, "172.16.9.119")
    assert [a.ipAddress for a in vmk.spec.ip.ipV6Config.ipV6Address if a.origin == "manual"] == ["fd00::118"]


def test_vswitch_lifecycle(host):
    network_system = host.configManager.networkSystem
    network_system.AddVirtualSwitch("vSwitchX", vim.host.VirtualSwitch.Specification(numPorts=128, mtu=9000))
    switch = [s for s in network_system.networkInfo.vswitch if s.name == "vSwitchX"][0]
    assert switch.mtu == 9000 and switch.pnic == [] and switch.spec.policy.nicTeaming.policy == "loadbalance_srcid"
    with pytest.raises(vim.fault.ResourceInUse):  # vmnic8 is an uplink of vSwitch4
        network_system.UpdateVirtualSwitch("vSwitchX", vim.host.VirtualSwitch.Specification(
            numPorts=128, bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=["vmnic8"])))
    with pytest.raises(vim.fault.ResourceInUse):  # vmnic10 backs the distributed switch
        network_system.UpdateVirtualSwitch("vSwitchX", vim.host.VirtualSwitch.Specification(
            numPorts=128, bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=["vmnic10"])))
    with pytest.raises(vim.fault.AlreadyExists):
        network_system.AddVirtualSwitch("vSwitchX")
    network_system.AddPortGroup(portgroup_spec("on-x", vswitch="vSwitchX"))
    network_system.RemoveVirtualSwitch("vSwitchX")
    assert "on-x" not in [p.spec.name for p in network_system.networkInfo.portgroup]
    with pytest.raises(vim.fault.ResourceInUse):
        network_system.RemoveVirtualSwitch("vSwitch4")


def test_fault_types(content, host):
    network_system = host.configManager.networkSystem
    with pytest.raises(vmodl.fault.InvalidArgument):  # vmnic0 is not an uplink of vSwitch4
        network_system.AddPortGroup(portgroup_spec("bad-teaming", active=["vmnic0"]))
    with pytest.raises(vim.fault.AlreadyExists):
        network_system.AddPortGroup(portgroup_spec("vMotion-1"))
    with pytest.raises(vim.fault.ResourceInUse):
        network_system.RemovePortGroup("vMotion-1")
    with pytest.raises(vim.fault.NotFound):
        network_system.RemoveVirtualNic("vmk42")
    with pytest.raises(vim.fault.NotFound):
        network_system.RemovePortGroup("no-such-pg")
    with pytest.raises(vim.fault.AlreadyExists):  # one vmk per standard port group
        network_system.AddVirtualNic("vMotion-1", vmk_spec("172.16.1.200"))
    with pytest.raises(vim.fault.HostConfigFault):  # the IP is taken by vmk1
        network_system.AddPortGroup(portgroup_spec("dup-ip"))
        network_system.AddVirtualNic("dup-ip", vmk_spec("172.16.1.118"))
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        vim.HostSystem("host-999999", host._stub).name
    with pytest.raises(vmodl.fault.MethodNotFound):
        host.RebootHost_Task(force=False)
    with pytest.raises(vmodl.fault.InvalidArgument):
        host.configManager.virtualNicManager.QueryNetConfig("bogus")


def test_update_network_config_is_all_or_nothing(host):
    network_system = host.configManager.networkSystem
    good = vim.host.NetworkConfig(
        portgroup=[vim.host.PortGroup.Config(changeOperation="add", spec=portgroup_spec("batch-pg", active=["vmnic9"]))],
        vnic=[vim.host.VirtualNic.Config(changeOperation="add", portgroup="batch-pg", spec=vmk_spec("172.16.7.118", 9000))])
    result = network_system.UpdateNetworkConfig(good, "modify")
    assert result.vnicDevice == ["vmk7"]
    bad = vim.host.NetworkConfig(
        portgroup=[vim.host.PortGroup.Config(changeOperation="add", spec=portgroup_spec("batch-pg-2"))],
        vnic=[vim.host.VirtualNic.Config(changeOperation="add", portgroup="no-such-pg", spec=vmk_spec("172.16.8.118"))])
    with pytest.raises(vmodl.fault.InvalidArgument):
        network_system.UpdateNetworkConfig(bad, "modify")
    assert "batch-pg-2" not in [p.spec.name for p in network_system.networkInfo.portgroup]
    remove = vim.host.NetworkConfig(
        vnic=[vim.host.VirtualNic.Config(changeOperation="remove", device="vmk7")],
        portgroup=[vim.host.PortGroup.Config(changeOperation="remove", spec=portgroup_spec("batch-pg"))])
    network_system.UpdateNetworkConfig(remove, "modify")
    assert "vmk7" not in [v.device for v in network_system.networkInfo.vnic]


def test_distributed_switch(content, host):
    dvs = [n for n in content.rootFolder.childEntity[0].networkFolder.childEntity if isinstance(n, vim.DistributedVirtualSwitch)][0]
    order = VDS.UplinkPortOrderPolicy(inherited=False, activeUplinkPort=["Uplink 1"], standbyUplinkPort=["Uplink 2"])
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        name="dv-vMotion-1", type="earlyBinding", numPorts=8,
        defaultPortConfig=VDS.VmwarePortConfigPolicy(
            vlan=VDS.VlanIdSpec(inherited=False, vlanId=100),
            uplinkTeamingPolicy=VDS.UplinkPortTeamingPolicy(inherited=False, uplinkPortOrder=order)))
    task = dvs.CreateDVPortgroup_Task(spec)
    assert WaitForTask(task) == "success"
    portgroup = task.info.result
    config = portgroup.config
    teaming = config.defaultPortConfig.uplinkTeamingPolicy
    assert teaming.uplinkPortOrder.activeUplinkPort == ["Uplink 1"] and teaming.uplinkPortOrder.standbyUplinkPort == ["Uplink 2"]
    assert teaming.policy.inherited and teaming.policy.value == "loadbalance_srcid"
    assert config.defaultPortConfig.vlan.vlanId == 100
    device = host.configManager.networkSystem.AddVirtualNic("", vim.host.VirtualNic.Specification(
        ip=vim.host.IpConfig(dhcp=False, ipAddress="172.16.20.118", subnetMask="255.255.255.0"), mtu=9000,
        distributedVirtualPort=vim.dvs.PortConnection(switchUuid=dvs.uuid, portgroupKey=portgroup.key)))
    vmk = [v for v in host.config.network.vnic if v.device == device][0]
    assert vmk.portgroup == "" and vmk.spec.distributedVirtualPort.portgroupKey == portgroup.key
    assert host.configManager.virtualNicManager.SelectVnicForNicType("vmotion", device) is None
    # Reconfigure with the current configVersion works; a stale one is refused.
    reconfigure = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(configVersion=config.configVersion, defaultPortConfig=VDS.VmwarePortConfigPolicy(
        uplinkTeamingPolicy=VDS.UplinkPortTeamingPolicy(inherited=False, uplinkPortOrder=VDS.UplinkPortOrderPolicy(
            inherited=False, activeUplinkPort=["Uplink 2"], standbyUplinkPort=[]))))
    assert WaitForTask(portgroup.ReconfigureDVPortgroup_Task(reconfigure)) == "success"
    assert portgroup.config.defaultPortConfig.uplinkTeamingPolicy.uplinkPortOrder.activeUplinkPort == ["Uplink 2"]
    assert portgroup.config.defaultPortConfig.vlan.vlanId == 100
    with pytest.raises(vim.fault.ConcurrentAccess):
        WaitForTask(portgroup.ReconfigureDVPortgroup_Task(reconfigure))
    with pytest.raises(vim.fault.ResourceInUse):
        WaitForTask(portgroup.Destroy_Task())
    host.configManager.networkSystem.RemoveVirtualNic(device)
    assert WaitForTask(portgroup.Destroy_Task()) == "success"
    assert "dv-vMotion-1" not in [pg.name for pg in dvs.portgroup]


def test_fault_injection(sim, host):
    network_system = host.configManager.networkSystem
    sim.inject_fault({"method": "AddPortGroup", "nth": 2, "fault": "HostConfigFault"})
    network_system.AddPortGroup(portgroup_spec("first"))
    with pytest.raises(vim.fault.HostConfigFault):
        network_system.AddPortGroup(portgroup_spec("second"))
    network_system.AddPortGroup(portgroup_spec("third"))
    sim.inject_fault({"method": "RemovePortGroup", "nth": 1, "action": "drop"})
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        network_system.RemovePortGroup("first")
    network_system.RemovePortGroup("third")
    names = [p.spec.name for p in network_system.networkInfo.portgroup]
    assert "second" not in names and "third" not in names


def test_browse_vmkernel_log(sim, content, host):
    sim.set_log("192.168.100.118", ["line {0}".format(n) for n in range(1, 11)])
    diagnostics = content.diagnosticManager
    header = diagnostics.BrowseDiagnosticLog(host=host, key="vmkernel", start=3, lines=4)
    assert (header.lineStart, header.lineEnd, header.lineText) == (3, 6, ["line 3", "line 4", "line 5", "line 6"])
    assert diagnostics.BrowseDiagnosticLog(host=host, key="vmkernel").lineText[-1] == "line 10"
    assert "vmkernel" in [d.key for d in diagnostics.QueryDescriptions(host=host)]


def ipv6_spec(*addresses, ipv4=None, autoconf=None, mtu=1500):
    """dhcp off; IPv4 only when given; manual IPv6 addresses as 'address/prefix' with operation add."""
    v6 = vim.host.IpConfig.IpV6AddressConfiguration(autoConfigurationEnabled=autoconf, ipV6Address=[
        vim.host.IpConfig.IpV6Address(ipAddress=a.split("/")[0], prefixLength=int(a.split("/")[1]), operation="add") for a in addresses])
    ip = vim.host.IpConfig(dhcp=False, ipAddress=ipv4, subnetMask="255.255.255.0" if ipv4 else None, ipV6Config=v6)
    return vim.host.VirtualNic.Specification(ip=ip, mtu=mtu)


def vnic(host, device):
    return [v for v in host.configManager.networkSystem.networkInfo.vnic if v.device == device][0]


def test_ipv6_only_and_dual_stack_vmks(host):
    """IPv6-only (dhcp off, no IPv4 address) is what Terraform's vsphere_vnic sends and ESXi accepts; every vmk has its
    link-local address from its MAC (origin other), manual ones read back as sent."""
    network_system = host.configManager.networkSystem
    network_system.AddPortGroup(portgroup_spec("v6-only", active=["vmnic8"]))
    network_system.AddPortGroup(portgroup_spec("dual"))
    v6_only = network_system.AddVirtualNic("v6-only", ipv6_spec("fd00:16:1::118/64", autoconf=False, mtu=9000))
    dual = network_system.AddVirtualNic("dual", ipv6_spec("fd00:16:2::118/64", ipv4="172.16.22.118"))
    vmk = vnic(host, v6_only)
    assert (vmk.spec.ip.dhcp, vmk.spec.ip.ipAddress, vmk.spec.mtu) == (False, None, 9000)
    config = vmk.spec.ip.ipV6Config
    assert (config.autoConfigurationEnabled, config.dhcpV6Enabled) == (False, False)
    mac = [int(x, 16) for x in vmk.spec.mac.split(":")]
    link_local = "fe80::{0:x}:{1:x}ff:fe{2:02x}:{3:x}".format((mac[0] ^ 2) << 8 | mac[1], mac[2], mac[3], mac[4] << 8 | mac[5])
    assert [(a.ipAddress, a.prefixLength, a.origin, a.dadState) for a in config.ipV6Address] == [
        (link_local, 64, "other", "preferred"), ("fd00:16:1::118", 64, "manual", "preferred")]
    assert vnic(host, dual).spec.ip.ipAddress == "172.16.22.118"
    assert [a.ipAddress for a in vnic(host, dual).spec.ip.ipV6Config.ipV6Address if a.origin == "manual"] == ["fd00:16:2::118"]
    # An IPv4-only vmk has its link-local address too; the candidate entries of the nic manager show the same.
    assert [a.origin for a in vnic(host, "vmk1").spec.ip.ipV6Config.ipV6Address] == ["other"]
    candidate = [c for c in host.configManager.virtualNicManager.QueryNetConfig("vmotion").candidateVnic if c.device == v6_only][0]
    assert [a.ipAddress for a in candidate.spec.ip.ipV6Config.ipV6Address] == [link_local, "fd00:16:1::118"]
    # Replacing the manual address keeps the link-local one; removing the link-local one changes nothing.
    remove = vim.host.IpConfig.IpV6Address(ipAddress="fd00:16:1::118", prefixLength=64, operation="remove")
    keep = vim.host.IpConfig.IpV6Address(ipAddress=link_local, prefixLength=64, operation="remove")
    add = vim.host.IpConfig.IpV6Address(ipAddress="fd00:16:1::119", prefixLength=64, operation="add")
    network_system.UpdateVirtualNic(v6_only, vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(
        dhcp=False, ipV6Config=vim.host.IpConfig.IpV6AddressConfiguration(ipV6Address=[remove, keep, add]))))
    assert [a.ipAddress for a in vnic(host, v6_only).spec.ip.ipV6Config.ipV6Address] == [link_local, "fd00:16:1::119"]


def test_vmk_without_any_address_and_duplicate_ipv6_are_refused(host):
    network_system = host.configManager.networkSystem
    network_system.AddPortGroup(portgroup_spec("v6-a"))
    network_system.AddPortGroup(portgroup_spec("v6-b"))
    with pytest.raises(vmodl.fault.InvalidArgument):
        network_system.AddVirtualNic("v6-a", ipv6_spec())  # dhcp off, no IPv4, no IPv6 address
    with pytest.raises(vmodl.fault.InvalidArgument):
        network_system.AddVirtualNic("v6-a", ipv6_spec("fd00:16:1::118/129"))
    device = network_system.AddVirtualNic("v6-a", ipv6_spec("fd00:16:1::118/64"))
    with pytest.raises(vim.fault.HostConfigFault):
        network_system.AddVirtualNic("v6-b", ipv6_spec("fd00:16:1::118/64"))
    # Taking the last address away leaves a vmk without one.
    remove = vim.host.IpConfig.IpV6Address(ipAddress="fd00:16:1::118", prefixLength=64, operation="remove")
    with pytest.raises(vmodl.fault.InvalidArgument):
        network_system.UpdateVirtualNic(device, vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(
            dhcp=False, ipV6Config=vim.host.IpConfig.IpV6AddressConfiguration(ipV6Address=[remove]))))
    # With autoconfiguration on, the vmk gets its addresses from router advertisements: accepted without a manual one.
    autoconf = network_system.AddVirtualNic("v6-b", ipv6_spec(autoconf=True))
    assert vnic(host, autoconf).spec.ip.ipV6Config.autoConfigurationEnabled is True


def test_deselect_of_a_vmk_that_is_not_selected(host):
    """API reference of DeselectVnicForNicType: InvalidArgument if the VirtualNic is nonexistent or not selected."""
    manager = host.configManager.virtualNicManager
    with pytest.raises(vmodl.fault.InvalidArgument):
        manager.DeselectVnicForNicType("vmotion", "vmk5")  # NAS vmk, vMotion off
    with pytest.raises(vmodl.fault.InvalidArgument):
        manager.DeselectVnicForNicType("vmotion", "vmk42")
    manager.DeselectVnicForNicType("vmotion", "vmk1")
    with pytest.raises(vmodl.fault.InvalidArgument):
        manager.DeselectVnicForNicType("vmotion", "vmk1")


def test_a_distributed_port_group_name_is_kept_and_returned_escaped_as_vcenter_does(content):
    """ManagedEntity.name: / \\ and a % that starts no escape sequence come back as %2f %5c %25; the escaped name is unique."""
    dvs = [n for n in content.rootFolder.childEntity[0].networkFolder.childEntity if isinstance(n, vim.DistributedVirtualSwitch)][0]
    task = dvs.CreateDVPortgroup_Task(vim.dvs.DistributedVirtualPortgroup.ConfigSpec(name="vMotion/3%", type="earlyBinding", numPorts=8))
    assert WaitForTask(task) == "success"
    assert task.info.result.name == "vMotion%2f3%25"
    with pytest.raises(vim.fault.DuplicateName):
        WaitForTask(dvs.CreateDVPortgroup_Task(vim.dvs.DistributedVirtualPortgroup.ConfigSpec(name="vMotion%2f3%25", type="earlyBinding")))


def test_every_entity_name_is_escaped_a_host_port_group_name_is_not(host):
    """A standard port group named vMotion/9: the host's HostPortGroup keeps the name as given (no entity), vCenter's
    Network for it is an entity, escaped, and still knows its hosts."""
    host.configManager.networkSystem.AddPortGroup(portgroup_spec("vMotion/9"))
    assert "vMotion/9" in [pg.spec.name for pg in host.config.network.portgroup]
    network = [n for n in host.network if n.name == "vMotion%2f9"][0]
    assert list(network.host) == [host]


def test_dhcp_vmk_holds_its_lease_or_an_autoconfigured_address(host, tmp_path):
    """HostIpConfig.ipAddress of a DHCP vmk "reflects the current IP configuration" (API reference); with no DHCP server
    answering ESXi autoconfigures 169.254.0.0/16 (vSphere networking guide). The simulated networks have no DHCP server,
    so a vmk switched to DHCP through the API takes the autoconfigured address; a topology can give a lease."""
    network_system = host.configManager.networkSystem
    network_system.UpdateVirtualNic("vmk1", vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(dhcp=True)))
    ip = vnic(host, "vmk1").spec.ip
    mac = [int(x, 16) for x in vnic(host, "vmk1").spec.mac.split(":")]
    assert (ip.dhcp, ip.ipAddress, ip.subnetMask) == (True, "169.254.{0}.{1}".format(1 + mac[4] % 254, mac[5]), "255.255.0.0")
    # A DHCP vmk keeps its address when an update leaves DHCP on (here: only the MTU changes).
    network_system.UpdateVirtualNic("vmk1", vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(dhcp=True), mtu=9000))
    assert vnic(host, "vmk1").spec.ip.ipAddress == ip.ipAddress
    # Back to static: the address is the one sent.
    network_system.UpdateVirtualNic("vmk1", vmk_spec("172.16.1.118"))
    assert (vnic(host, "vmk1").spec.ip.dhcp, vnic(host, "vmk1").spec.ip.ipAddress) == (False, "172.16.1.118")
