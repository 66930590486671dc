"""Topology features through pyVmomi: vmks and VMs on distributed port groups, their ports, network folders,
TCP/IP stacks, and the fleet-safety topology (tests/integration/targets/fleet_safety/files/safety.yml)."""

import os

import pytest
import yaml
from pyVim.connect import Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

from conftest import connect
from helpers import hosts_by_name
from vsim import topology
from vsim.server import start_simulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SAFETY = os.path.join(ROOT, "tests", "integration", "targets", "fleet_safety", "files", "safety.yml")
VDS = vim.dvs.VmwareDistributedVirtualSwitch


@pytest.fixture(scope="module")
def safety():
    """The safety topology, read only: the tests of this fixture change nothing."""
    sim = start_simulator(topology_file=SAFETY)
    si = connect(sim)
    yield si.RetrieveContent()
    Disconnect(si)
    sim.stop()


def served(tmp_path, data):
    path = tmp_path / "topology.yml"
    path.write_text(yaml.safe_dump(data))
    return start_simulator(topology_file=str(path))


def objects(content, kind):
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return list(view.view)
    finally:
        view.Destroy()


def by_name(content, kind):
    return {obj.name: obj for obj in objects(content, kind)}


def portgroup(content, switch, name):
    return [pg for pg in by_name(content, vim.DistributedVirtualSwitch)[switch].portgroup if pg.name == name][0]


def vmks(host):
    return {v.device: v for v in host.config.network.vnic}


def selected(host, nic_type):
    return [key.split("-")[-1] for key in host.configManager.virtualNicManager.QueryNetConfig(nic_type).selectedVnic]


def test_vmk_on_distributed_portgroup(safety):
    host_a = hosts_by_name(safety)["192.168.100.121"]
    shared = by_name(safety, vim.DistributedVirtualSwitch)["dvSwitch-Shared"]
    mgmt = portgroup(safety, "dvSwitch-Shared", "DV-Mgmt")
    vmk0 = vmks(host_a)["vmk0"]
    port = vmk0.spec.distributedVirtualPort
    assert (vmk0.portgroup, port.switchUuid, port.portgroupKey) == ("", shared.uuid, mgmt.key)
    assert vmk0.spec.ip.ipAddress == "192.168.100.121" and selected(host_a, "management") == ["vmk0"]
    assert mgmt.config.defaultPortConfig.vlan.vlanId == 10
    # The vmk holds a port of its port group; the switch counts it, the port group lists it.
    assert port.portKey in mgmt.portKeys and len(mgmt.portKeys) == mgmt.config.numPorts == 8
    connected = {p.key: p for p in shared.FetchDVPorts(vim.dvs.PortCriteria(connected=True))}
    assert connected[port.portKey].connectee.nicKey == "vmk0" and connected[port.portKey].connectee.type == "hostVmkVnic"
    assert connected[port.portKey].connectee.connectedEntity == host_a and connected[port.portKey].portgroupKey == mgmt.key
    # Membership: both hosts, with their own pnics; hostA has no standard vSwitch0.
    assert {h.name for h in shared.summary.hostMember} == {"192.168.100.121", "192.168.100.122"}
    assert {h.name for h in mgmt.host} == {"192.168.100.121", "192.168.100.122"}
    proxy = [p for p in host_a.config.network.proxySwitch if p.dvsUuid == shared.uuid][0]
    assert [s.pnicDevice for s in proxy.spec.backing.pnicSpec] == ["vmnic0", "vmnic1"]
    assert "vSwitch0" not in [s.name for s in host_a.config.network.vswitch]
    host_b = hosts_by_name(safety)["192.168.100.122"]
    proxy_b = [p for p in host_b.config.network.proxySwitch if p.dvsUuid == shared.uuid][0]
    assert [s.pnicDevice for s in proxy_b.spec.backing.pnicSpec] == ["vmnic8", "vmnic9"]
    assert mgmt in host_a.network and mgmt.vm == []


def test_vms_on_distributed_and_standard_portgroups(safety):
    hosts = hosts_by_name(safety)
    shared = by_name(safety, vim.DistributedVirtualSwitch)["dvSwitch-Shared"]
    vms_pg = portgroup(safety, "dvSwitch-Shared", "DV-VMs")
    vms = by_name(safety, vim.VirtualMachine)
    assert sorted(vm.name for vm in vms_pg.vm) == ["app01", "app02"]
    assert {vm.name for vm in shared.summary.vm} == {"app01", "app02"}
    ports = []
    for name, host in (("app01", "192.168.100.121"), ("app02", "192.168.100.122")):
        vm = vms[name]
        assert vm.runtime.host == hosts[host] and vm.summary.runtime.host.name == host and vm in hosts[host].vm
        assert vm.network == [vms_pg] and vm.resourcePool == hosts[host].parent.resourcePool
        nic = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard)][0]
        assert (nic.backing.port.switchUuid, nic.backing.port.portgroupKey) == (shared.uuid, vms_pg.key)
        ports.append(nic.backing.port.portKey)
    assert len(set(ports)) == 2 and set(ports) <= set(vms_pg.portKeys)
    assert vms["app02"].runtime.powerState == "poweredOff" and vms["app02"].guest.ipAddress is None
    assert vms["app01"].guest.ipAddress == "192.168.30.11" and vms["app01"].summary.guest.ipAddress == "192.168.30.11"
    users = {p.key: p.connectee for p in shared.FetchDVPorts(vim.dvs.PortCriteria(portgroupKey=[vms_pg.key], inside=True, connected=True))}
    assert {(c.connectedEntity.name, c.nicKey, c.type) for c in users.values()} == {("app01", "4000", "vmVnic"), ("app02", "4000", "vmVnic")}
    # The standard side: a powered-on VM holds a vSwitch port of its port group, with its MAC; vCenter's Network lists it.
    web = vms["web01"]
    network = web.network[0]
    assert (network.name, [vm.name for vm in network.vm]) == ("VM Network", ["web01"])
    nic = [d for d in web.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard)][0]
    assert nic.backing.deviceName == "VM Network" and nic.backing.network == network
    pg = [p for p in hosts["192.168.100.122"].config.network.portgroup if p.spec.name == "VM Network"][0]
    assert [(p.type, p.mac) for p in pg.port] == [("virtualMachine", [nic.macAddress])]
    assert not [p for p in hosts["192.168.100.113"].config.network.portgroup if p.spec.name == "VM Network"][0].port
    # What community.vmware's vmware_vm_info and gather_vm_facts read without a guard.
    summary = web.summary
    assert (summary.config.name, summary.config.uuid, summary.config.template, summary.runtime.powerState) == (
        "web01", web.config.uuid, False, "poweredOn")
    assert web.resourcePool.owner.resourcePool == web.resourcePool and web.parent.parent.name == "DC01"
    assert web.config.extraConfig == [] and web.config.datastoreUrl == [] and web.datastore == [] and web.customValue == []
    assert [n.macAddress for n in web.guest.net] == [nic.macAddress] and web.layout.configFile == []
    assert safety.searchIndex.FindByIp(ip="192.168.100.201", vmSearch=True) == web
    assert safety.searchIndex.FindByUuid(uuid=web.config.instanceUuid, vmSearch=True, instanceUuid=True) == web


def test_netstacks_and_services(safety):
    hosts = hosts_by_name(safety)
    provisioning = hosts["192.168.100.125"]
    assert [s.key for s in provisioning.config.network.netStackInstance] == ["vSphereProvisioning", "vmotion", "defaultTcpipStack"]
    assert vmks(provisioning)["vmk1"].spec.netStackInstanceKey == "vSphereProvisioning"
    running = {s.netStackInstanceKey: s.vmknicKeys for s in provisioning.runtime.networkRuntimeInfo.netStackInstanceRuntimeInfo}
    assert running == {"defaultTcpipStack": ["vmk0"], "vSphereProvisioning": ["vmk1"]}
    nic_manager = provisioning.configManager.virtualNicManager
    assert "vSphereProvisioning.key-vim.host.VirtualNic-vmk1" in [c.key for c in nic_manager.QueryNetConfig("vSphereProvisioning").candidateVnic]
    assert "vmotion.key-vim.host.VirtualNic-vmk1" not in [c.key for c in nic_manager.QueryNetConfig("vmotion").candidateVnic]
    assert {t: selected(provisioning, t) for t in ("vSphereProvisioning", "vmotion", "management")} == {
        "vSphereProvisioning": [], "vmotion": [], "management": ["vmk0"]}
    assert {t: selected(hosts["192.168.100.124"], t) for t in ("vsan", "vmotion")} == {"vsan": ["vmk1"], "vmotion": []}
    assert {t: selected(hosts["192.168.100.126"], t) for t in ("vsan", "vmotion")} == {"vsan": ["vmk1"], "vmotion": ["vmk1"]}
    nas = hosts["192.168.100.123"]
    assert vmks(nas)["vmk1"].portgroup == "NAS-vmk" and not any("vmk1" in selected(nas, t) for t in ("vmotion", "vsan", "management"))
    # The host is known to vCenter by vmk0's address, while management is tagged on vmk1.
    moved = hosts["192.168.100.127"]
    assert vmks(moved)["vmk0"].spec.ip.ipAddress == moved.name and selected(moved, "management") == ["vmk1"]
    assert moved.summary.config.name == "192.168.100.127" and moved.config.network.dnsConfig.hostName == "esx-192-168-100-127"


def test_rack_switches_share_a_portgroup_name_in_two_network_folders(safety):
    datacenter = safety.rootFolder.childEntity[0]
    twins = [n for n in datacenter.network if n.name == "vMotion-DV"]
    assert len(twins) == 2 and twins[0].key != twins[1].key
    assert sorted((pg.config.distributedVirtualSwitch.name, pg.parent.name, pg.parent.parent.name) for pg in twins) == [
        ("dvSwitch-RackA", "Rack-A", "network"), ("dvSwitch-RackB", "Rack-B", "network")]
    assert sorted(pg.config.defaultPortConfig.vlan.vlanId for pg in twins) == [20, 21]
    # The switches sit in the subfolders; the root network folder holds the shared switch and the standard networks.
    root_children = {c.name: c for c in datacenter.networkFolder.childEntity}
    assert isinstance(root_children["Rack-A"], vim.Folder) and "vMotion-DV" not in root_children
    assert {c.name for c in root_children["Rack-A"].childEntity} == {"dvSwitch-RackA", "vMotion-DV", "dvSwitch-RackA-DVUplinks-" +
                                                                     by_name(safety, vim.DistributedVirtualSwitch)["dvSwitch-RackA"]._moId.split("-")[-1]}
    rack_b = hosts_by_name(safety)["192.168.101.113"]
    assert [pg.name for pg in rack_b.network if isinstance(pg, vim.dvs.DistributedVirtualPortgroup) and not pg.config.uplink] == ["vMotion-DV"]
    # Same last octet across racks; on every host two free uplinks on an MTU 1500 and on an MTU 9000 vSwitch.
    hosts = hosts_by_name(safety)
    assert hosts["192.168.100.113"].config.network.dnsConfig.hostName != hosts["192.168.101.113"].config.network.dnsConfig.hostName
    assert hosts["192.168.101.113"].config.network.ipRouteConfig.defaultGateway == "192.168.101.1"
    for host in hosts.values():
        switches = {s.name: s for s in host.config.network.vswitch}
        assert [(switches[n].mtu, switches[n].spec.bridge.nicDevice, switches[n].portgroup) for n in ("vSwitch1", "vSwitch2")] == [
            (1500, ["vmnic2", "vmnic3"], []), (9000, ["vmnic4", "vmnic5"], [])], host.name


TWO_SWITCHES = {
    "datacenters": [{"name": "DC01", "clusters": [{"name": "CL01", "hosts": [
        {"name": "10.0.0.11", "profile": "p"}, {"name": "10.0.0.12", "profile": "p"}]}],
        "dvswitches": [
            {"name": "dvs-A", "uplinks": ["Uplink 1"], "pnics": ["vmnic2"], "portgroups": [
                {"name": "pg-static", "ports": 2, "elastic": False}, {"name": "pg-elastic", "ports": 1},
                {"name": "pg-ephemeral", "type": "ephemeral"}]},
            {"name": "dvs-B", "uplinks": ["Uplink 1"], "pnics": ["vmnic3"], "portgroups": [{"name": "pg-B"}]}],
        "vms": [{"name": "vm1", "host": "10.0.0.11", "dvswitch": "dvs-B", "dvportgroup": "pg-B"}]}],
    "profiles": {"p": {"pnics": 4, "vswitches": [{"name": "vSwitch0", "uplinks": ["vmnic0"]}],
                       "portgroups": [{"name": "Management Network", "vswitch": "vSwitch0"}],
                       "vmks": [{"device": "vmk0", "portgroup": "Management Network", "ip": "{mgmt_ip}", "services": ["management"]}]}},
}


def dv_vmk_spec(ip, dvs, pg, port_key=None):
    return vim.host.VirtualNic.Specification(
        ip=vim.host.IpConfig(dhcp=False, ipAddress=ip, subnetMask="255.255.255.0"),
        distributedVirtualPort=vim.dvs.PortConnection(switchUuid=dvs.uuid, portgroupKey=pg.key, portKey=port_key))


def test_dvport_allocation(tmp_path):
    sim = served(tmp_path, TWO_SWITCHES)
    si = connect(sim)
    try:
        content = si.RetrieveContent()
        host = hosts_by_name(content)["10.0.0.11"]
        network_system = host.configManager.networkSystem
        dvs = by_name(content, vim.DistributedVirtualSwitch)["dvs-A"]
        static, elastic, ephemeral = (portgroup(content, "dvs-A", n) for n in ("pg-static", "pg-elastic", "pg-ephemeral"))
        # One key space per switch: uplink ports first, then each port group's block.
        assert dvs.config.uplinkPortgroup[0].portKeys == ["0", "1"]
        assert (static.portKeys, elastic.portKeys, ephemeral.portKeys) == (["2", "3"], ["4"], [])
        assert dvs.config.numPorts == dvs.summary.numPorts == 5
        uplinks = dvs.FetchDVPorts(vim.dvs.PortCriteria(host=[host], uplinkPort=True))
        assert [(p.key, p.config.name, p.proxyHost, p.connectee.nicKey) for p in uplinks] == [("0", "Uplink 1", host, "vmnic2")]
        assert dvs.FetchDVPortKeys(vim.dvs.PortCriteria(portgroupKey=[static.key], inside=True)) == ["2", "3"]
        first = network_system.AddVirtualNic("", dv_vmk_spec("172.16.1.11", dvs, static))
        second = network_system.AddVirtualNic("", dv_vmk_spec("172.16.2.11", dvs, static))
        keys = {v.device: v.spec.distributedVirtualPort.portKey for v in host.config.network.vnic if v.spec.distributedVirtualPort}
        assert keys == {first: "2", second: "3"}
        with pytest.raises(vim.fault.DvsFault):  # fixed allocation, both ports taken
            network_system.AddVirtualNic("", dv_vmk_spec("172.16.3.11", dvs, static))
        # An update that keeps the port group keeps the port; a removed vmk frees its port.
        network_system.UpdateVirtualNic(first, vim.host.VirtualNic.Specification(mtu=9000, distributedVirtualPort=vim.dvs.PortConnection(
            switchUuid=dvs.uuid, portgroupKey=static.key)))
        assert vmks(host)[first].spec.distributedVirtualPort.portKey == "2"
        network_system.RemoveVirtualNic(first)
        other = hosts_by_name(content)["10.0.0.12"].configManager.networkSystem
        with pytest.raises(vim.fault.ResourceInUse):  # a named port must be free
            other.AddVirtualNic("", dv_vmk_spec("172.16.2.12", dvs, static, port_key="3"))
        device = other.AddVirtualNic("", dv_vmk_spec("172.16.1.12", dvs, static))
        assert vmks(hosts_by_name(content)["10.0.0.12"])[device].spec.distributedVirtualPort.portKey == "2"
        # Elastic: a full port group grows by 8 ports; ephemeral: a port exists while something uses it.
        network_system.AddVirtualNic("", dv_vmk_spec("172.16.4.11", dvs, elastic))
        grown = network_system.AddVirtualNic("", dv_vmk_spec("172.16.5.11", dvs, elastic))
        assert elastic.config.numPorts == 9 and len(elastic.portKeys) == 9 and dvs.summary.numPorts == 13
        assert vmks(host)[grown].spec.distributedVirtualPort.portKey == "5"
        ephemeral_vmk = network_system.AddVirtualNic("", dv_vmk_spec("172.16.6.11", dvs, ephemeral))
        assert ephemeral.portKeys == [vmks(host)[ephemeral_vmk].spec.distributedVirtualPort.portKey]
        network_system.RemoveVirtualNic(ephemeral_vmk)
        assert ephemeral.portKeys == []
        # numPorts cannot go below the ports in use; a port group in use by a VM cannot be destroyed.
        with pytest.raises(vmodl.fault.InvalidArgument):
            WaitForTask(static.ReconfigureDVPortgroup_Task(vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
                configVersion=static.config.configVersion, numPorts=1)))
        pg_b = portgroup(content, "dvs-B", "pg-B")
        with pytest.raises(vim.fault.ResourceInUse):
            WaitForTask(pg_b.Destroy_Task())
        assert [vm.name for vm in pg_b.vm] == ["vm1"]
    finally:
        Disconnect(si)
        sim.stop()


def test_portgroup_names_unique_per_network_folder(tmp_path):
    sim = served(tmp_path, TWO_SWITCHES)
    si = connect(sim)
    try:
        content = si.RetrieveContent()
        switches = by_name(content, vim.DistributedVirtualSwitch)
        # dvs-A and dvs-B share the datacenter's network folder: a name of one is taken for the other.
        with pytest.raises(vim.fault.DuplicateName):
            WaitForTask(switches["dvs-B"].CreateDVPortgroup_Task(vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
                name="pg-static", type="earlyBinding", numPorts=8)))
        pg_b = portgroup(content, "dvs-B", "pg-B")
        with pytest.raises(vim.fault.DuplicateName):
            WaitForTask(pg_b.ReconfigureDVPortgroup_Task(vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
                configVersion=pg_b.config.configVersion, name="pg-elastic")))
        assert WaitForTask(switches["dvs-B"].CreateDVPortgroup_Task(vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
            name="pg-B2", type="earlyBinding", numPorts=8))) == "success"
    finally:
        Disconnect(si)
        sim.stop()
    data = yaml.safe_load(yaml.safe_dump(TWO_SWITCHES))
    data["datacenters"][0]["dvswitches"][1]["portgroups"] = [{"name": "pg-static"}]
    with pytest.raises(ValueError, match="already exists"):
        topology.build(data)
    data["datacenters"][0]["dvswitches"][1]["folder"] = "Other"
    data["datacenters"][0]["vms"] = []
    inv = topology.build(data)
    assert sorted(o.parent.name for o in inv.objects.values() if getattr(o, "name", None) == "pg-static") == ["Other", "network"]


@pytest.mark.parametrize("change, message", [
    (lambda d: d["profiles"]["p"]["vmks"].append({"device": "vmk1", "dvswitch": "dvs-A", "dvportgroup": "nope", "ip": "1.1.1.{octet}"}),
     "has no port group 'nope'"),
    (lambda d: d["datacenters"][0]["dvswitches"][1].update(members=["10.0.0.12"]) or
     d["datacenters"][0]["vms"][0].update(host="10.0.0.11"), "10.0.0.11 is not a member of dvs-B"),
    (lambda d: d["datacenters"][0]["dvswitches"][1].update(pnics=["vmnic2"]), "vmnic2 of 10.0.0.11 is used by dvs-A"),
    (lambda d: d["datacenters"][0]["dvswitches"][1].update(pnics=["vmnic0"]), "vmnic0 of 10.0.0.11 is used by vSwitch0"),
    (lambda d: d["datacenters"][0]["dvswitches"][1].update(name="dvs-A", folder="Elsewhere"), "two distributed switches named dvs-A"),
    (lambda d: d["datacenters"][0]["vms"].append({"name": "vm1", "host": "10.0.0.12", "portgroup": "Management Network"}),
     "already exists in the VM folder"),
    (lambda d: d["datacenters"][0]["vms"].append({"name": "vm2", "host": "10.0.0.12", "portgroup": "VM Network"}),
     "no standard port group 'VM Network'"),
    (lambda d: d["datacenters"][0]["vms"].extend([{"name": "vm{0}".format(n), "host": "10.0.0.12", "dvswitch": "dvs-A",
                                                   "dvportgroup": "pg-static"} for n in (2, 3, 4)]), "No free port"),
])
def test_topology_errors(change, message):
    data = yaml.safe_load(yaml.safe_dump(TWO_SWITCHES))
    change(data)
    with pytest.raises(ValueError, match=message):
        topology.build(data)


def test_vm_ports_are_real_vms():
    """`vm_ports: N` on a profile's port group: N powered-on VMs per host, each holding a port with its own MAC."""
    data = yaml.safe_load(yaml.safe_dump(TWO_SWITCHES))
    data["profiles"]["p"]["portgroups"].append({"name": "VM Network", "vswitch": "vSwitch0", "vm_ports": 2})
    inv = topology.build(data)
    host = next(o for o in inv.objects.values() if o.vim_type == "HostSystem" and o.name == "10.0.0.12")
    ports = host.net.render_portgroup("VM Network").port
    assert [p.type for p in ports] == ["virtualMachine", "virtualMachine"]
    assert sorted(vm.name for vm in host.vms()) == ["10.0.0.12-vm-network-1", "10.0.0.12-vm-network-2"]
    assert sorted(p.mac[0] for p in ports) == sorted(nic.mac for vm in host.vms() for nic in vm.nics)
    macs = [nic.mac for o in inv.objects.values() if o.vim_type == "VirtualMachine" for nic in o.nics]
    assert len(macs) == len(set(macs)) == 5


def test_esxi_mode_serves_the_first_host_without_distributed_switches():
    inv = topology.build(topology.load(SAFETY), "esxi")
    assert [(o.moid, o.name) for o in inv.objects.values() if o.vim_type == "HostSystem"] == [("ha-host", "192.168.100.113")]
    assert not [o for o in inv.objects.values() if o.vim_type in ("VirtualMachine", "VmwareDistributedVirtualSwitch")]
    data = topology.load(SAFETY)
    hosts = data["datacenters"][0]["clusters"][0]["hosts"]
    hosts.insert(0, hosts.pop(1))  # hostA first: its vmk0 is on a distributed port group
    with pytest.raises(ValueError, match="ESXi mode has no distributed switches"):
        topology.build(data, "esxi")


def test_dhcp_vmks_with_and_without_a_lease(tmp_path):
    """`dhcp: true` with `ip`: the lease a DHCP server gave (on-link, in the stack's routes); without `ip`: autoconfigured."""
    profile = {"pnics": 3, "vswitches": [{"name": "vSwitch0", "uplinks": ["vmnic0"]}, {"name": "vSwitch1", "uplinks": ["vmnic1", "vmnic2"]}],
               "portgroups": [{"name": "Management Network", "vswitch": "vSwitch0"},
                              {"name": "vMotion-1", "vswitch": "vSwitch1"}, {"name": "vMotion-2", "vswitch": "vSwitch1"}],
               "vmks": [{"device": "vmk0", "portgroup": "Management Network", "ip": "{mgmt_ip}", "services": ["management"]},
                        {"device": "vmk1", "portgroup": "vMotion-1", "dhcp": True, "ip": "172.16.1.{octet}", "services": ["vmotion"]},
                        {"device": "vmk2", "portgroup": "vMotion-2", "dhcp": True, "services": ["vmotion"]}]}
    sim = served(tmp_path, {"datacenters": [{"name": "DC01", "clusters": [{"name": "CL01", "hosts": [
        {"name": "10.0.0.51", "profile": "p"}]}]}], "profiles": {"p": profile}})
    si = connect(sim)
    try:
        host = objects(si.RetrieveContent(), vim.HostSystem)[0]
        found = vmks(host)
        assert (found["vmk1"].spec.ip.dhcp, found["vmk1"].spec.ip.ipAddress, found["vmk1"].spec.ip.subnetMask) == (
            True, "172.16.1.51", "255.255.255.0")
        assert found["vmk2"].spec.ip.dhcp is True and found["vmk2"].spec.ip.ipAddress.startswith("169.254.")
        routes = host.config.network.routeTableInfo.ipRoute
        assert ("172.16.1.0", 24, "vmk1") in [(r.network, r.prefixLength, r.deviceName) for r in routes]
    finally:
        Disconnect(si)
        sim.stop()


def test_names_from_a_topology_are_escaped_like_those_made_through_the_api():
    data = yaml.safe_load(yaml.safe_dump(TWO_SWITCHES))
    data["datacenters"][0]["clusters"][0]["name"] = "Rack/1 100%"
    inv = topology.build(data)
    assert [o.name for o in inv.objects.values() if o.vim_type == "ClusterComputeResource"] == ["Rack%2f1 100%25"]


def test_a_generated_fleet_numbers_its_hosts_in_a_row_within_a_22():
    hosts = topology.generate(1000)["datacenters"][0]["clusters"][0]["hosts"]
    ips = [h["mgmt_ip"] for h in hosts]
    assert ips[:2] == ["10.20.0.10", "10.20.0.11"] and ips[244:246] == ["10.20.0.254", "10.20.1.1"]
    assert not [ip for ip in ips if ip.endswith((".0", ".255"))]
    low_bits = set((int(ip.split(".")[2]) << 8 | int(ip.split(".")[3])) & 0x3FF for ip in ips)
    assert len(low_bits) == 1000 and ips[-1].startswith("10.20.3.")


def test_a_topology_extends_another_with_vms(tmp_path):
    """seed-canary.yml: the seed fleet plus datastores and running VMs; anything but datastores, vms and vmotion next to
    extends is refused."""
    data = topology.load(os.path.join(topology.TOPOLOGY_DIR, "seed-canary.yml"))
    assert [vm["name"] for vm in data["datacenters"][0]["vms"]] == ["canary01", "local01"] and data["vmotion"] == {"seconds": 0.5}
    assert [ds["name"] for ds in data["datacenters"][0]["datastores"]] == ["shared01", "local-108"]
    assert len(data["datacenters"][0]["clusters"][0]["hosts"]) == 12
    wrong = tmp_path / "wrong.yml"
    wrong.write_text("extends: {0}\nprofiles: {{}}\n".format(topology.SEED))
    with pytest.raises(ValueError, match="with extends, only datastores, dvswitches, vms and vmotion may be given"):
        topology.load(str(wrong))
