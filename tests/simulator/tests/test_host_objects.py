"""A host's objects besides its networking, against real hosts' shapes: configuration managers, route tables,
hardware and the switch details govmomi's capture shows, through pyVmomi."""

import pytest
from pyVim.connect import Disconnect
from pyVmomi import VmomiSupport, vim, vmodl

from conftest import connect
from helpers import hosts_by_name
from vsim.server import start_simulator


@pytest.fixture()
def host(content):
    return hosts_by_name(content)["192.168.100.118"]


def test_config_managers_are_real_objects(host):
    manager = host.configManager
    for field in ("networkSystem", "virtualNicManager", "advancedOption", "firewallSystem", "vmotionSystem", "serviceSystem",
                  "dateTimeSystem", "storageSystem", "cpuScheduler", "datastoreSystem"):
        assert getattr(manager, field) is not None, field
    assert manager.cpuScheduler.hyperthreadInfo.active is True
    assert manager.datastoreSystem.datastore == [] and manager.datastoreSystem.capabilities.nfsMountCreationSupported is True
    assert manager.storageSystem.storageDeviceInfo.hostBusAdapter == [] and manager.storageSystem.fileSystemVolumeInfo.mountInfo == []
    assert manager.dateTimeSystem.dateTimeInfo.timeZone.key == "UTC" and manager.dateTimeSystem.QueryDateTime() is not None


def test_standalone_host_has_the_moids_of_the_capture():
    sim = start_simulator(mode="esxi")
    try:
        si = connect(sim)
        manager = list(hosts_by_name(si.RetrieveContent()).values())[0].configManager
        assert {field: getattr(manager, field)._moId for field in ("advancedOption", "firewallSystem", "vmotionSystem", "datastoreSystem")} == {
            "advancedOption": "ha-adv-options", "firewallSystem": "firewallSystem", "vmotionSystem": "ha-vmotion-system",
            "datastoreSystem": "ha-datastoresystem"}
        assert manager.serviceSystem.serviceInfo.service[0].key == "DCUI"
        Disconnect(si)
    finally:
        sim.stop()


def test_advanced_options(sim, host):
    options = host.configManager.advancedOption
    migrate = {o.key: o.value for o in options.QueryOptions("Migrate.")}
    assert migrate["Migrate.Enabled"] == 1 and migrate["Migrate.VMotionStreamHelpers"] == 0 and migrate["Migrate.BindToVmknic"] == 3
    assert migrate["Migrate.Vmknic"] == "" and all(k.startswith("Migrate.") for k in migrate)
    assert [o.value for o in options.QueryOptions("Net.TcpipHeapMax")] == [1024]
    assert {o.key: o.value for o in options.QueryOptions()}["Misc.HostName"] == "esx-192-168-100-118"
    assert {o.key: o.value for o in host.config.option}["Migrate.NetTimeout"] == 20
    definition = {d.key: d.optionType for d in options.supportedOption}["Migrate.VMotionStreamHelpers"]
    assert (definition.min, definition.max, definition.defaultValue) == (0, 112, 0)
    with pytest.raises(vim.fault.InvalidName):
        options.QueryOptions("Migrate.NoSuchOption")
    sim.reset()
    options.UpdateOptions(changedValue=[vim.option.OptionValue(key="Migrate.VMotionStreamHelpers", value=VmomiSupport.long(8))])
    assert [o.value for o in options.QueryOptions("Migrate.VMotionStreamHelpers")] == [8]
    assert sim.stats()["writes"] == 1
    # All or nothing: an out-of-bounds value, a wrong type or an unknown key changes nothing.
    for bad, fault in (("Migrate.VMotionStreamHelpers", VmomiSupport.long(500)), vmodl.fault.InvalidArgument), \
                      (("Migrate.Enabled", "yes"), vmodl.fault.InvalidArgument), (("Migrate.Nope", VmomiSupport.long(1)), vim.fault.InvalidName):
        with pytest.raises(fault):
            options.UpdateOptions(changedValue=[vim.option.OptionValue(key="Migrate.NetTimeout", value=VmomiSupport.long(30)),
                                                vim.option.OptionValue(key=bad[0], value=bad[1])])
    assert [o.value for o in options.QueryOptions("Migrate.NetTimeout")] == [20]


def test_firewall_has_the_vmotion_ruleset(host):
    rulesets = {r.key: r for r in host.configManager.firewallSystem.firewallInfo.ruleset}
    assert len(rulesets) == 42 and host.config.firewall.defaultPolicy.incomingBlocked is True
    vmotion = rulesets["vMotion"]
    assert vmotion.enabled and vmotion.allowedHosts.allIp
    assert [(r.port, r.direction, r.protocol, r.portType) for r in vmotion.rule] == [(8000, "inbound", "tcp", "dst"), (8000, "outbound", "tcp", "dst")]
    assert [(r.port, r.endPort) for r in rulesets["gdbserver"].rule] == [(1000, 9999), (50000, 50999)]
    services = {s.key: s for s in host.configManager.serviceSystem.serviceInfo.service}
    assert services["ntpd"].ruleset == ["ntpClient"] and services["vpxa"].running and not services["TSM-SSH"].running


def test_legacy_vmotion_system(sim, host):
    """HostVMotionSystem shows the nic manager's vMotion selection as the single vmk the legacy interface knows."""
    system = host.configManager.vmotionSystem
    config = system.netConfig
    assert config.selectedVnic == "VMotionConfig.vmotion.key-vim.host.VirtualNic-vmk1"
    assert "VMotionConfig.vmotion.key-vim.host.VirtualNic-vmk5" in [c.key for c in config.candidateVnic]
    sim.reset()
    system.DeselectVnic()
    assert host.configManager.virtualNicManager.QueryNetConfig("vmotion").selectedVnic == []
    assert system.netConfig.selectedVnic is None and host.summary.config.vmotionEnabled is False
    system.SelectVnic("vmk5")
    assert host.configManager.virtualNicManager.QueryNetConfig("vmotion").selectedVnic == ["vmotion.key-vim.host.VirtualNic-vmk5"]
    assert host.config.vmotion.netConfig.selectedVnic == "VMotionConfig.vmotion.key-vim.host.VirtualNic-vmk5"
    assert sim.stats()["writes"] == 2
    with pytest.raises(vmodl.fault.InvalidArgument):
        system.SelectVnic("vmk42")


def test_route_tables_follow_the_vmks_and_stacks(host):
    network_system = host.configManager.networkSystem
    network_system.AddPortGroup(vim.host.PortGroup.Specification(name="v-stack", vswitchName="vSwitch4", vlanId=0, policy=vim.host.NetworkPolicy()))
    address = vim.host.IpConfig.IpV6Address(ipAddress="fd00:16:9::118", prefixLength=64, operation="add")
    v6 = vim.host.IpConfig.IpV6AddressConfiguration(ipV6Address=[address])
    device = network_system.AddVirtualNic("v-stack", vim.host.VirtualNic.Specification(
        ip=vim.host.IpConfig(dhcp=False, ipAddress="172.16.9.118", subnetMask="255.255.255.0", ipV6Config=v6), netStackInstanceKey="vmotion"))
    network = host.config.network
    routes = [(r.network, r.prefixLength, r.gateway, r.deviceName) for r in network.routeTableInfo.ipRoute]
    assert routes[0] == ("0.0.0.0", 0, "192.168.100.1", "vmk0")
    assert ("192.168.100.0", 24, "0.0.0.0", "vmk0") in routes and ("172.16.1.0", 24, "0.0.0.0", "vmk1") in routes
    assert ("172.16.9.0", 24, "0.0.0.0", device) not in routes  # another stack's vmk
    stacks = {s.key: s for s in network.netStackInstance}
    assert stacks["vSphereProvisioning"].routeTableConfig is None
    assert {op.changeOperation for op in stacks["defaultTcpipStack"].routeTableConfig.ipRoute} == {"ignore"}
    vmotion = stacks["vmotion"].routeTableConfig
    assert [(op.route.network, op.route.deviceName) for op in vmotion.ipRoute] == [("172.16.9.0", device)]
    assert [(op.route.network, op.route.prefixLength, op.route.gateway) for op in vmotion.ipv6Route] == [("fd00:16:9::", 64, "::")]


def test_hardware_and_product(host):
    hardware = host.hardware
    assert hardware.biosInfo.releaseDate.year == 2024 and hardware.biosInfo.biosVersion
    tags = {i.identifierType.key: i.identifierValue for i in hardware.systemInfo.otherIdentifyingInfo}
    assert tags["ServiceTag"] == hardware.systemInfo.serialNumber
    pci = {d.id: d for d in hardware.pciDevice}
    assert all(p.pci in pci and pci[p.pci].classId == 0x0200 for p in host.config.network.pnic)
    assert host.summary.hardware.otherIdentifyingInfo[1].identifierType.key == "ServiceTag"
    assert host.config.product.version == "8.0.3" and host.summary.config.product.build


def test_vswitch_ports_mtu_and_management_teaming(host):
    """govmomi's capture: vSwitch0 of the installer has spec.numPorts 128 but numPorts 1536, its spec leaves mtu unset
    (the switch reports 1500), and the installer's Management Network overrides teaming with vmnic0 alone."""
    network_system = host.configManager.networkSystem
    switches = {s.name: s for s in host.config.network.vswitch}
    assert (switches["vSwitch0"].spec.numPorts, switches["vSwitch0"].numPorts) == (128, 1536)
    assert (switches["vSwitch0"].spec.mtu, switches["vSwitch0"].mtu) == (None, 1500)
    assert (switches["vSwitch4"].spec.mtu, switches["vSwitch4"].mtu) == (9000, 9000)
    network_system.AddVirtualSwitch("vSwitchX", vim.host.VirtualSwitch.Specification(numPorts=64))
    added = [s for s in network_system.networkInfo.vswitch if s.name == "vSwitchX"][0]
    assert (added.spec.mtu, added.mtu, added.spec.numPorts, added.numPortsAvailable) == (None, 1500, 64, 1536)
    pgs = {p.spec.name: p for p in host.config.network.portgroup}
    order = pgs["Management Network"].spec.policy.nicTeaming.nicOrder
    assert (order.activeNic, order.standbyNic) == (["vmnic0"], [])
    assert pgs["Management Network"].computedPolicy.nicTeaming.nicOrder.activeNic == ["vmnic0"]


def test_network_config_lists_the_proxy_switch(host):
    """HostNetworkSystem.networkConfig carries the host's distributed switch membership (vmware_host_vmnic_info counts
    its uplinks as used from there)."""
    proxy = host.configManager.networkSystem.networkConfig.proxySwitch
    assert [p.uuid for p in proxy] == [p.dvsUuid for p in host.config.network.proxySwitch]
    assert [s.pnicDevice for s in proxy[0].spec.backing.pnicSpec] == ["vmnic10", "vmnic11"]


def test_distributed_switch_runtime_and_config(content, host):
    dvs = [pg.config.distributedVirtualSwitch for pg in host.network if isinstance(pg, vim.dvs.DistributedVirtualPortgroup)][0]
    assert {m.host: m.status for m in dvs.runtime.hostMemberRuntime}[host] == "up" and len(dvs.runtime.hostMemberRuntime) == 12
    assert (dvs.config.networkResourceControlVersion, dvs.config.defaultProxySwitchMaxNumPorts) == ("version3", 512)
    assert dvs.summary.contact.name == dvs.config.contact.name == ""
