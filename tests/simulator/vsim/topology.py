"""Topologies: YAML files (see topologies/seed.yml for the format) or generated fleets of N hosts.

Building is cheap on purpose (plain state objects, no SOAP round trips) so that the default
topology starts well under a second and 256 generated hosts start in about a second.
"""

import ipaddress
import os
import uuid

import yaml
from pyVmomi import vim

from . import hostnet
from .collector import PropertyCollector, ViewManager
from .dvs import DistributedSwitch
from .entities import ClusterComputeResource, ComputeResource, Datacenter, Folder
from .host import HostSystem
from .model import Inventory
from .services import CustomFieldsManager, DiagnosticManager, SearchIndex, ServiceInstance, SessionManager, TaskManager

TOPOLOGY_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "topologies")
SEED = os.path.join(TOPOLOGY_DIR, "seed.yml")

GENERATED_PROFILE = {
    "pnics": 6,
    "speed_mb": 10000,
    "gateway": "10.20.0.1",
    "domain": "sim.local",
    "vswitches": [
        {"name": "vSwitch0", "uplinks": ["vmnic0", "vmnic1"], "mtu": 1500},
        # Room for a 3-vmk multi-NIC vMotion layout: three uplinks, jumbo frames, no port groups yet.
        {"name": "vSwitch1", "uplinks": ["vmnic2", "vmnic3", "vmnic4"], "mtu": 9000},
    ],
    "portgroups": [{"name": "Management Network", "vswitch": "vSwitch0", "vlan": 0}],
    "vmks": [{"device": "vmk0", "portgroup": "Management Network", "ip": "{mgmt_ip}", "prefix": 16, "services": ["management"]}],
}


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def generate(count, seed_like=False):
    """hosts esx-0001.sim.local ... with management IPs 10.20.<i // 200>.<i % 200 + 10>/16."""
    profile = dict(GENERATED_PROFILE)
    dvswitches = []
    if seed_like:
        seed = load(SEED)
        profile = dict(seed["profiles"]["seed"], gateway=GENERATED_PROFILE["gateway"], domain=GENERATED_PROFILE["domain"])
        dvswitches = seed["datacenters"][0]["dvswitches"]
    hosts = [{"name": "esx-{0:04d}.{1}".format(i + 1, profile["domain"]), "mgmt_ip": "10.20.{0}.{1}".format(i // 200, i % 200 + 10),
              "profile": "generated"} for i in range(count)]
    return {"datacenters": [{"name": "DC01", "clusters": [{"name": "CL01", "hosts": hosts}], "dvswitches": dvswitches}],
            "profiles": {"generated": profile}}


def _fill(template, host):
    return str(template).format(mgmt_ip=host["mgmt_ip"], octet=host["mgmt_ip"].split(".")[-1])


def _pnics(profile, index):
    return [hostnet.Pnic("vmnic{0}".format(n), "00:1b:21:{0:02x}:{1:02x}:{2:02x}".format(index >> 8 & 255, index & 255, n),
                         speed_mb=profile.get("speed_mb", 1000), pci="0000:{0:02x}:00.0".format(n + 0x18))
            for n in range(profile.get("pnics", 4))]


def build_switches(profile):
    """vSwitches and port groups of a profile, applied with the same rules as API calls."""
    net = hostnet.HostNetState(_pnics(profile, 0), "00:50:56:00:00")
    for switch in profile.get("vswitches", []):
        spec = vim.host.VirtualSwitch.Specification(
            numPorts=128, mtu=switch.get("mtu", 1500), bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=switch["uplinks"]))
        net.add_vswitch(switch["name"], spec)
    for pg in profile.get("portgroups", []):
        policy = vim.host.NetworkPolicy()
        if "active" in pg or "standby" in pg:
            policy.nicTeaming = vim.host.NetworkPolicy.NicTeamingPolicy(
                nicOrder=vim.host.NetworkPolicy.NicOrderPolicy(activeNic=pg.get("active", []), standbyNic=pg.get("standby", [])))
        net.add_portgroup(vim.host.PortGroup.Specification(name=pg["name"], vswitchName=pg["vswitch"], vlanId=pg.get("vlan", 0), policy=policy))
        # VM ports tell a VM network apart from a port group only vmks use; VMs themselves are not simulated.
        net.vm_ports[pg["name"]] = int(pg.get("vm_ports", 0))
    return net


def build_host_network(host, profile, index, switches):
    """HostNetState of one host: the profile's switches (see build_switches) plus the host's vmks.

    Hosts of one profile share the switch and port group spec objects: the state is copy-on-write
    (every change works on a deep clone), so shared specs are never modified.
    """
    net = hostnet.HostNetState(_pnics(profile, index), "00:50:56:{0:02x}:{1:02x}".format(index >> 8 & 255, index & 255))
    net.vswitches, net.portgroups = dict(switches.vswitches), dict(switches.portgroups)
    net.vm_ports = dict(switches.vm_ports)
    disabled = host.get("services_disabled", {})
    for vmk in profile.get("vmks", []):
        mask = str(ipaddress.IPv4Network("0.0.0.0/{0}".format(vmk.get("prefix", 24))).netmask)
        spec = vim.host.VirtualNic.Specification(
            ip=vim.host.IpConfig(dhcp=False, ipAddress=_fill(vmk["ip"], host), subnetMask=mask), mtu=vmk.get("mtu", 1500),
            netStackInstanceKey=vmk.get("stack", "defaultTcpipStack"))
        device = net.add_vnic(vmk["portgroup"], spec)
        if vmk.get("device", device) != device:
            raise ValueError("profile lists {0} but it would be created as {1}".format(vmk["device"], device))
        for service in vmk.get("services", []):
            if service not in disabled.get(device, []):
                net.select(service, device)
    return net


class Builder:
    """Creates the managed objects of a topology; moids follow vCenter's (or hostd's) style."""

    def __init__(self, data, mode):
        self.data = data
        self.inv = Inventory(mode)
        self.esxi = mode == "esxi"
        self.host_index = 0
        self.switches = {}  # profile name -> HostNetState holding the profile's vSwitches and port groups

    def moid(self, prefix, esxi_moid):
        return esxi_moid if self.esxi else self.inv.new_moid(prefix)

    def build(self):
        inv = self.inv
        root = inv.add(Folder(inv, self.moid("group-d", "ha-folder-root"), "Datacenters", None, "root"))
        for dc_data in self.data["datacenters"][:1] if self.esxi else self.data["datacenters"]:
            self._datacenter(root, dc_data)
        content = {
            "rootFolder": root,
            "propertyCollector": inv.add(PropertyCollector(inv, "ha-property-collector" if self.esxi else "propertyCollector")),
            "viewManager": inv.add(ViewManager(inv, "ViewManager")),
            "sessionManager": inv.add(SessionManager(inv, "ha-sessionmgr" if self.esxi else "SessionManager")),
            "searchIndex": inv.add(SearchIndex(inv, "ha-searchindex" if self.esxi else "SearchIndex")),
            "taskManager": inv.add(TaskManager(inv, "ha-taskmgr" if self.esxi else "TaskManager")),
            "diagnosticManager": inv.add(DiagnosticManager(inv, "ha-diagnosticmgr" if self.esxi else "DiagMgr")),
        }
        if not self.esxi:
            content["customFieldsManager"] = inv.add(CustomFieldsManager(inv, "CustomFieldsManager"))
        inv.service = inv.add(ServiceInstance(inv, "ServiceInstance", content, str(uuid.UUID(int=0x5eed))))
        return inv

    def _datacenter(self, root, data):
        inv = self.inv
        name = "ha-datacenter" if self.esxi else data["name"]
        folder_moids = ["ha-folder-vm", "ha-folder-host", "ha-folder-datastore", "ha-folder-network"] if self.esxi else \
            [inv.new_moid(p) for p in ("group-v", "group-h", "group-s", "group-n")]
        datacenter = inv.add(Datacenter(inv, self.moid("datacenter", "ha-datacenter"), name, root, folder_moids))
        root.entities.append(datacenter)
        profiles = self.data.get("profiles", {})
        for cluster_data in data.get("clusters", []):
            hosts = cluster_data["hosts"][:1] if self.esxi else cluster_data["hosts"]
            if self.esxi:
                compute = ComputeResource(inv, "ha-compute-res", hosts[0]["name"], datacenter.host_folder, "ha-root-pool")
            else:
                compute = ClusterComputeResource(inv, inv.new_moid("domain-c"), cluster_data["name"], datacenter.host_folder,
                                                 inv.new_moid("resgroup"))
            datacenter.host_folder.entities.append(inv.add(compute))
            for host_data in hosts:
                compute.hosts.append(self._host(compute, host_data, profiles, host_data["profile"]))
            if self.esxi:
                break
        if not self.esxi:
            for dvs_data in data.get("dvswitches", []):
                self._dvswitch(datacenter, dvs_data)
        datacenter.sync_networks()

    def _host(self, compute, data, profiles, profile_name):
        profile = profiles[profile_name]
        if profile_name not in self.switches:
            self.switches[profile_name] = build_switches(profile)
        self.host_index += 1
        index = self.host_index
        data = dict(data)
        data.setdefault("mgmt_ip", data["name"])
        short = data["name"].split(".")[0] if not data["name"][0].isdigit() else "esx-" + data["mgmt_ip"].split(".")[-1]
        identity = {"uuid": "4c4c4544-{0:04x}-4d10-8054-{0:012x}".format(index), "gateway": profile.get("gateway", "192.168.0.1"),
                    "hostname": short, "domain": profile.get("domain", "sim.local")}
        net = build_host_network(data, profile, index, self.switches[profile_name])
        moid = self.moid("host", "ha-host")
        return self.inv.add(HostSystem(self.inv, moid, data["name"], compute, net, index, identity))

    def _dvswitch(self, datacenter, data):
        inv = self.inv
        index = len(datacenter.dvswitches()) + 1
        dvs_uuid = "50 1e {0:02x} 7a 3c 44 91 0d-8e 2f 61 5a 9b {1:02x} c4 {0:02x}".format(index, len(datacenter.hosts()) & 255)
        dvs = DistributedSwitch(inv, inv.new_moid("dvs"), data["name"], datacenter.network_folder, dvs_uuid, data["uplinks"],
                                data.get("mtu", 1500))
        datacenter.network_folder.entities.append(inv.add(dvs))
        members = datacenter.hosts() if data.get("members", "all") == "all" else [h for h in datacenter.hosts() if h.name in data["members"]]
        for host in members:
            dvs.add_member(host, data.get("pnics", []))
        for pg in data.get("portgroups", []):
            dvs._new_portgroup(_dvportgroup_spec(pg))


def _dvportgroup_spec(data):
    """A port group listed in the topology: VLAN and, optionally, active/standby uplinks."""
    vds = vim.dvs.VmwareDistributedVirtualSwitch
    setting = vds.VmwarePortConfigPolicy(vlan=vds.VlanIdSpec(inherited=False, vlanId=data.get("vlan", 0)))
    if "active" in data or "standby" in data:
        setting.uplinkTeamingPolicy = vds.UplinkPortTeamingPolicy(inherited=False, uplinkPortOrder=vds.UplinkPortOrderPolicy(
            inherited=False, activeUplinkPort=data.get("active", []), standbyUplinkPort=data.get("standby", [])))
    return vim.dvs.DistributedVirtualPortgroup.ConfigSpec(name=data["name"], type="earlyBinding", numPorts=8, defaultPortConfig=setting)


def build(data, mode="vcenter"):
    builder = Builder(data, mode)
    with builder.inv.lock:  # building records changes, which notifies waiters under the lock
        return builder.build()
