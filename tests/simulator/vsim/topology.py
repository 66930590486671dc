"""Topologies: YAML files (topologies/seed.yml is an example) or generated fleets of N hosts.

Building is cheap on purpose (plain state objects, no SOAP round trips) so that the default
topology starts well under a second and 256 generated hosts start in about a second.
Everything is applied with the same rules as the API calls; a topology real vCenter/ESXi would
refuse is a ValueError that names the host, switch or VM.

    datacenters:                      # names unique
      - name: DC01
        clusters:
          - name: CL01
            hosts:
              - name: 192.168.100.107     # as added to vCenter: an IP or a DNS name; unique
                profile: seed             # required: the host's vSwitches, port groups and vmks
                mgmt_ip: 192.168.100.107  # default: name; fills {mgmt_ip} and {octet} in vmk addresses
                hostname: esx07           # DNS host name (default: first label of a DNS name, esx-a-b-c-d for an IP)
                gateway: 192.168.100.1    # default gateway (default: the profile's)
                stacks:                   # TCP/IP stack settings, per stack over the profile's (keys: defaultTcpipStack,
                  vmotion:                # vmotion, vSphereProvisioning); as UpdateNetworkConfig netStackSpec sets them
                    gateway: 172.16.1.1   # the stack's default gateway (ipRouteConfig.defaultGateway); "{octet}" is filled
                    ipv6_gateway: "fd00:16:1::1"  # ipRouteConfig.ipV6DefaultGateway
                    congestion: newreno   # congestionControlAlgorithm: newreno (default) or cubic
                    max_connections: 11000  # requestedMaxNumberOfConnections (default 11000)
                portgroups: [...]         # the host's own standard port groups, after the profile's
                vmks: [...]               # the host's own vmks, created after the profile's
                services_disabled: {vmk3: [vmotion]}   # services of the profile's vmks left off on this host
                connection: disconnected  # as vCenter found it: connected (default), disconnected, notResponding
                maintenance: true         # in maintenance mode (default false)
        dvswitches:
          - name: dvSwitch-vMotion        # unique in the datacenter, whatever the folder
            folder: Racks/Rack-A          # network folder below the datacenter's (created); holds the switch and its
                                          # port groups. Port group names are unique per network folder (DuplicateName)
            uplinks: [Uplink 1, Uplink 2]
            mtu: 9000
            members: all                  # or [host name, {host: name, pnics: [vmnic8, vmnic9]}, ...]
            pnics: [vmnic10, vmnic11]     # pnics[i] backs uplinks[i]; must not be on a vSwitch or another switch
                                          # Without `pnics` (or a member's `pnics: []`) a host is a member whose uplink
                                          # ports no pnic backs yet, where a migration starts (topologies/migration.yml);
                                          # pnics then move through the API (tests/simulator/README.md, Migrating)
            portgroups:
              - {name: dv-vMotion, vlan: 20, active: [Uplink 1], standby: [Uplink 2],
                 type: earlyBinding,      # static binding (default) or ephemeral
                 ports: 8, elastic: true} # numPorts (default 8, ephemeral 0) and autoExpand (default true)
        datastores:                       # VMFS datastores (vsim/datastore.py); none: VMs name [datastore1] and
                                          # no Datastore exists (every `datastore` property is empty)
          - {name: shared01, hosts: all}  # names unique in the datacenter; `hosts`: all (default) or a list of host names
          - {name: local-107, hosts: [192.168.100.107],
             capacity_gb: 1024, free_gb: 700}  # summary.capacity / freeSpace (default 2048 and 1536)
        vms:                              # VirtualMachine objects; they never change
          - {name: app01, host: 192.168.100.107, power: poweredOn, ip: 10.0.0.5, guest_id: otherLinux64Guest,
             cpus: 2, memory_mb: 4096,
             datastore: shared01,         # where its files are: a datastore its host mounts (default: the first
                                          # datastore of the datacenter its host mounts, none without one)
             nics: [{portgroup: VM Network}, {dvswitch: dvSwitch-vMotion, dvportgroup: dv-VMs}]}
             # one NIC: `portgroup: NAME` or `dvswitch: NAME, dvportgroup: NAME` on the VM itself
    vmotion:                              # MigrateVM_Task / RelocateVM_Task (vsim/vmotion.py); also POST /_sim/vmotion
      seconds: 0.5                        # how long a migration runs (default 0.5; 0-600)
      log_format: esxi8                   # vmkernel.log lines: esxi8 (default, the releases simulated) or esxi7 (ESXi 5-7)
    profiles:
      seed:
        pnics: 12                         # vmnic0 ... vmnic11
        speed_mb: 1000
        gateway: 192.168.100.1
        domain: seed.local
        stacks: {vmotion: {gateway: 172.16.1.1}}   # as a host's `stacks` (a host's entry wins per stack and key)
        vswitches: [{name: vSwitch0, uplinks: [vmnic0, vmnic1], mtu: 1500}]   # without mtu: unset in the spec, 1500
        portgroups:
          - {name: VM Network, vswitch: vSwitch0, vlan: 0, active: [vmnic0], standby: [vmnic1],
             vm_ports: 2}                 # 2 powered-on VMs per host on it, named <host>-vm-network-<n>
        vmks:                             # created in this order; `device` is checked, not chosen
          - {device: vmk0, portgroup: Management Network, ip: "{mgmt_ip}", prefix: 24, mtu: 1500,
             stack: defaultTcpipStack,    # or vmotion, vSphereProvisioning (fixed at creation)
             services: [management]}      # nicTypes selected on it (HostVirtualNicManager)
          - {device: vmk9, portgroup: nsx-vtep, ip: "10.20.0.{octet}",
             owner: NSX}                  # HostVirtualNic.owner (--release 9.0 only): NSX or VSAN
          - {device: vmk7, portgroup: dhcp-net, dhcp: true,
             ip: "172.16.7.{octet}"}      # DHCP; `ip` (+ prefix) is the lease a server gave, none: 169.254.x.y/16
          - {device: vmk1, dvswitch: dvSwitch-vMotion, dvportgroup: dv-vMotion, ip: "172.16.1.{octet}",
             port_key: "12"}              # on a distributed port group: the host must be a member; it takes the
                                          # lowest free port of the port group unless port_key names one
          - {device: vmk2, portgroup: vMotion-2, ip: "172.16.2.{octet}", stack: vmotion,
             gateway: 172.16.2.1}         # the vmk's own default gateway (spec.ipRouteSpec.ipRouteConfig.defaultGateway,
                                          # vSphere 6.5+); ipv6_gateway: its ipV6DefaultGateway
    physical:                             # the wire under the hosts (vsim/physical.py); without this key every pnic is
                                          # cabled into one switch "default" that carries every VLAN at MTU 9216
      switches:                           # names unique across the inventory
        - name: backend-01
          island: backend                 # switches of one island are interconnected, islands are not (default: own name)
          mtu: 9216                       # IP MTU the switch forwards (default 9216)
          vlans: all                      # or [0, 20, "100-110"]: VLANs carried; 0 is untagged traffic (default all)
          native_vlan: 0                  # what CDP reports as the port's VLAN (default 0)
          speed_mb: 1000                  # port speed; a link runs at the lower of NIC and port (default: the NIC's)
          discovery: cdp                  # cdp, lldp, both or none: what the switch announces (default cdp)
          platform: cisco WS-C3750X-48T-S # CDP hardwarePlatform; software, mgmt_ip, location and
          port_format: "GigabitEthernet1/0/{port}"  # the port id (from the port number) are set the same way
      cabling:                            # rules, later ones win; pnics a rule does not reach are not cabled (link down)
        - {pnics: [vmnic0, vmnic2], switch: frontend-01}             # every host (hosts: all is the default)
        - {hosts: [192.168.100.110], pnics: [vmnic8], switch: frontend-01, port: 40}
                                          # ports: the lowest free one, in host then pnic order, unless `port` is given
      hint_all_nics_empty: [192.168.100.111]  # hosts that answer QueryNetworkHint without devices with nothing
      routers:                            # L3 routers (vsim/physical.py; the ping rule is in tests/simulator/README.md)
        - name: r1                        # unique
          island: backend                 # the island it is cabled into (an island some switch is in)
          mtu: 9216                       # IP MTU of its interfaces (default 9216; an interface may set its own)
          interfaces:                     # one per subnet and VLAN it routes: its address there, with the prefix
            - {vlan: 101, address: 172.16.1.1/24}
            - {vlan: 201, address: 172.16.11.1/24, mtu: 9000}
"""

import ipaddress
import os
import uuid

import yaml
from pyVmomi import vim

from . import faults, hostnet, vmotion
from .about import DEFAULT_RELEASE, RELEASES
from .collector import PropertyCollector, ViewManager
from .datastore import Datastore, datastore_size
from .dvs import DistributedSwitch
from .entities import ClusterComputeResource, ComputeResource, Datacenter, Folder
from .host import HostSystem
from .model import Inventory
from .physical import PhysicalNetwork
from .services import CustomFieldsManager, DiagnosticManager, SearchIndex, ServiceInstance, SessionManager, TaskManager
from .vm import NIC_KEY, VirtualMachine, VmNic

# HostConfigChangeOwner (vim.host.ConfigChange.Owner, API 9.0): the solutions that may own a vmknic
VNIC_OWNERS = ("NSX", "VSAN")

TOPOLOGY_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "topologies")
SEED = os.path.join(TOPOLOGY_DIR, "seed.yml")

GENERATED_PROFILE = {
    "pnics": 6,
    "speed_mb": 10000,
    "gateway": "10.20.0.1",
    "domain": "sim.local",
    "vswitches": [
        {"name": "vSwitch0", "uplinks": ["vmnic0", "vmnic1"]},  # the installer's: its spec leaves the MTU unset
        # Room for a 3-vmk multi-NIC vMotion layout: three uplinks, jumbo frames, no port groups yet.
        {"name": "vSwitch1", "uplinks": ["vmnic2", "vmnic3", "vmnic4"], "mtu": 9000},
    ],
    "portgroups": [{"name": "Management Network", "vswitch": "vSwitch0", "vlan": 0, "active": ["vmnic0"]}],  # as the installer writes it
    "vmks": [{"device": "vmk0", "portgroup": "Management Network", "ip": "{mgmt_ip}", "prefix": 16, "services": ["management"]}],
}


def load(path):
    """A topology file; `extends: other.yml` (relative to it) takes that topology, adds this file's top-level `datastores`
    and `vms` to its first datacenter (datastores first, so its VMs may use them), replaces that datacenter's
    `dvswitches` with this file's when given, and takes its `vmotion` settings (a fleet with a canary VM:
    topologies/seed-canary.yml; free dvSwitch uplinks: seed-free-uplinks.yml)."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    base = data.get("extends") if isinstance(data, dict) else None
    if not base:
        return data
    unknown = sorted(set(data) - {"extends", "datastores", "dvswitches", "vms", "vmotion"})
    if unknown:
        raise ValueError("{0}: with extends, only datastores, dvswitches, vms and vmotion may be given (not {1})".format(
            path, ", ".join(unknown)))
    merged = load(os.path.join(os.path.dirname(os.path.abspath(path)), base))
    if data.get("datastores"):
        merged["datacenters"][0]["datastores"] = list(merged["datacenters"][0].get("datastores") or []) + list(data["datastores"])
    merged["datacenters"][0]["vms"] = list(merged["datacenters"][0].get("vms") or []) + list(data.get("vms") or [])
    if "vmotion" in data:
        merged["vmotion"] = data["vmotion"]
    if "dvswitches" in data:
        merged["datacenters"][0]["dvswitches"] = data["dvswitches"]
    return merged


def _generated_mgmt_ips(count):
    """Management IPs of a generated fleet: 10.20.0.10, 10.20.0.11, ... in a row across octets, leaving out the addresses
    that end in .0 or .255, so that the first 1,008 fit one /22 and differ in their low 10 bits (the address rule's
    host_bits 10), as a site beyond 254 hosts numbers them."""
    found, value = [], (10 << 24) | (20 << 16) | 10
    while len(found) < count:
        if value & 0xFF not in (0, 255):
            found.append("{0}.{1}.{2}.{3}".format(value >> 24, (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF))
        value += 1
    return found


def generate(count, seed_like=False):
    """hosts esx-0001.sim.local ... with management IPs 10.20.0.10, 10.20.0.11, ... /16 (_generated_mgmt_ips)."""
    profile = dict(GENERATED_PROFILE)
    dvswitches = []
    if seed_like:
        seed = load(SEED)
        profile = dict(seed["profiles"]["seed"], gateway=GENERATED_PROFILE["gateway"], domain=GENERATED_PROFILE["domain"])
        dvswitches = seed["datacenters"][0]["dvswitches"]
    hosts = [{"name": "esx-{0:04d}.{1}".format(i + 1, profile["domain"]), "mgmt_ip": mgmt_ip, "profile": "generated"}
             for i, mgmt_ip in enumerate(_generated_mgmt_ips(count))]
    data = {"datacenters": [{"name": "DC01", "clusters": [{"name": "CL01", "hosts": hosts}], "dvswitches": dvswitches}],
            "profiles": {"generated": profile}}
    if seed_like:
        data["physical"] = seed["physical"]  # the seed's islands: its cabling rules name pnics, not hosts
    return data


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
            numPorts=128, mtu=switch.get("mtu"), bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=switch["uplinks"]))
        net.add_vswitch(switch["name"], spec)
    for pg in profile.get("portgroups", []):
        _add_portgroup(net, pg)
    return net


def _add_portgroup(net, pg):
    policy = vim.host.NetworkPolicy()
    if "active" in pg or "standby" in pg:
        policy.nicTeaming = vim.host.NetworkPolicy.NicTeamingPolicy(
            nicOrder=vim.host.NetworkPolicy.NicOrderPolicy(activeNic=pg.get("active", []), standbyNic=pg.get("standby", [])))
    net.add_portgroup(vim.host.PortGroup.Specification(name=pg["name"], vswitchName=pg["vswitch"], vlanId=pg.get("vlan", 0), policy=policy))


def _short_name(data):
    """The host's DNS name: `hostname`, else the first label of a DNS name, else esx-a-b-c-d for an IP."""
    if data.get("hostname"):
        return data["hostname"]
    name = data["name"]
    try:
        return "esx-" + str(ipaddress.IPv4Address(name)).replace(".", "-")
    except ValueError:
        return name.split(".")[0]


def _vnic_spec(vmk, host):
    """`ip` is the static address, or with `dhcp: true` the lease a DHCP server gave (none: no server answered)."""
    if vmk.get("dhcp"):
        ip = vim.host.IpConfig(dhcp=True)
    else:
        mask = str(ipaddress.IPv4Network("0.0.0.0/{0}".format(vmk.get("prefix", 24))).netmask)
        ip = vim.host.IpConfig(dhcp=False, ipAddress=_fill(vmk["ip"], host), subnetMask=mask)
    route = None
    if vmk.get("gateway") or vmk.get("ipv6_gateway"):
        route = vim.host.VirtualNic.IpRouteSpec(ipRouteConfig=vim.host.IpRouteConfig(
            defaultGateway=_fill(vmk["gateway"], host) if vmk.get("gateway") else None,
            ipV6DefaultGateway=str(vmk["ipv6_gateway"]) if vmk.get("ipv6_gateway") else None))
    return vim.host.VirtualNic.Specification(
        ip=ip, mtu=vmk.get("mtu", 1500), ipRouteSpec=route,
        netStackInstanceKey=vmk.get("stack", "defaultTcpipStack"))


STACK_KEYS = ("gateway", "ipv6_gateway", "congestion", "max_connections")


def _stack_settings(profile, data):
    """{stack key: {setting: value}}: the profile's `stacks`, each stack's settings overridden by the host's."""
    merged = {}
    for source in (profile.get("stacks") or {}, data.get("stacks") or {}):
        for key, settings in source.items():
            if key not in hostnet.NETSTACKS:
                raise ValueError("host {0}: no TCP/IP stack {1!r} (stacks: {2})".format(data["name"], key, ", ".join(hostnet.NETSTACKS)))
            unknown = sorted(set(settings or {}) - set(STACK_KEYS))
            if unknown:
                raise ValueError("host {0}, stack {1}: unknown setting {2!r} (settings: {3})".format(
                    data["name"], key, unknown[0], ", ".join(STACK_KEYS)))
            merged.setdefault(key, {}).update(settings or {})
    return merged


def _apply_stacks(net, profile, data):
    """The default stack's gateway (`gateway`, through vmk0 as the installer sets it), then the `stacks` settings, applied
    as UpdateNetworkConfig applies a netStackSpec edit."""
    net.stacks["defaultTcpipStack"].route = vim.host.IpRouteConfig(defaultGateway=data.get("gateway", profile.get("gateway", "192.168.0.1")),
                                                                   gatewayDevice="vmk0")
    for key, settings in _stack_settings(profile, data).items():
        current = net.stacks[key].route
        route = vim.host.IpRouteConfig(
            defaultGateway=_fill(settings["gateway"], data) if settings.get("gateway") else current.defaultGateway,
            gatewayDevice=current.gatewayDevice,
            ipV6DefaultGateway=str(settings["ipv6_gateway"]) if settings.get("ipv6_gateway") else current.ipV6DefaultGateway)
        instance = vim.host.NetStackInstance(key=key, ipRouteConfig=route, congestionControlAlgorithm=settings.get("congestion"),
                                             requestedMaxNumberOfConnections=int(settings.get("max_connections", 0)) or None)
        try:
            net.edit_stack(instance, "stacks")
        except faults.SoapFault as failure:
            raise ValueError("host {0}, stack {1}: {2}".format(data["name"], key, failure.fault.msg)) from None


def _vm_nics(data):
    """A VM's NICs: `nics: [...]`, or one NIC from `portgroup` or `dvswitch` + `dvportgroup` on the VM itself."""
    if "nics" in data:
        return data["nics"]
    if "portgroup" in data or "dvportgroup" in data:
        return [{k: data[k] for k in ("portgroup", "dvswitch", "dvportgroup", "port_key") if k in data}]
    return []


def _is_distributed(entry):
    return "dvportgroup" in entry or "dvswitch" in entry


class Builder:
    """Creates the managed objects of a topology; moids follow vCenter's (or hostd's) style.

    Per datacenter: hosts with their vSwitches and standard port groups, then the distributed switches
    (members, port groups), then every host's vmks in the order listed (a vmk may sit on a distributed
    port group of a switch the host is a member of), then the datastores, then the VMs.
    """

    def __init__(self, data, mode, release=DEFAULT_RELEASE):
        self.data = data
        self.inv = Inventory(mode, release)
        self.esxi = mode == "esxi"
        self.host_index = 0
        self.vm_index = 0
        self.ds_count = 0
        self.switches = {}  # profile name -> HostNetState holding the profile's vSwitches and port groups
        self.dvs_count = 0
        self.hosts = []  # every HostSystem, in building order (the physical network cables them)

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
        inv.physical = PhysicalNetwork(inv, self.data.get("physical"), self.hosts, known_hosts_only=self.esxi)
        vmotion.configure(inv, self.data.get("vmotion") or {})
        inv.service = inv.add(ServiceInstance(inv, "ServiceInstance", content, str(uuid.UUID(int=0x5eed))))
        return inv

    def _datacenter(self, root, data):
        inv = self.inv
        name = "ha-datacenter" if self.esxi else data["name"]
        if any(dc.name == name for dc in root.entities):
            raise ValueError("two datacenters named {0}".format(name))
        folder_moids = ["ha-folder-vm", "ha-folder-host", "ha-folder-datastore", "ha-folder-network"] if self.esxi else \
            [inv.new_moid(p) for p in ("group-v", "group-h", "group-s", "group-n")]
        datacenter = inv.add(Datacenter(inv, self.moid("datacenter", "ha-datacenter"), name, root, folder_moids))
        root.entities.append(datacenter)
        profiles = self.data.get("profiles", {})
        hosts = []  # (HostSystem, host data, profile)
        for cluster_data in data.get("clusters", []):
            cluster_hosts = cluster_data["hosts"][:1] if self.esxi else cluster_data["hosts"]
            if self.esxi:
                compute = ComputeResource(inv, "ha-compute-res", cluster_hosts[0]["name"], datacenter.host_folder, "ha-root-pool")
            else:
                compute = ClusterComputeResource(inv, inv.new_moid("domain-c"), cluster_data["name"], datacenter.host_folder,
                                                 inv.new_moid("resgroup"))
            datacenter.host_folder.entities.append(inv.add(compute))
            for host_data in cluster_hosts:
                host, host_data = self._host(compute, host_data, profiles)
                compute.hosts.append(host)
                self.hosts.append(host)
                hosts.append((host, host_data, profiles[host_data["profile"]]))
            if self.esxi:
                break
        by_name = {host.name: host for host, _data, _profile in hosts}
        if len(by_name) != len(hosts):
            raise ValueError("datacenter {0}: host names must be unique".format(name))
        if not self.esxi:
            for dvs_data in data.get("dvswitches", []):
                self._dvswitch(datacenter, dvs_data, by_name)
        for host, host_data, profile in hosts:
            self._vmks(host, host_data, list(profile.get("vmks", [])) + list(host_data.get("vmks", [])))
            self._state(host, host_data)
        datacenter.sync_networks()
        for number, ds_data in enumerate(data.get("datastores") or []):
            self._datastore(datacenter, ds_data, number, by_name)
        for host, host_data, profile in hosts:
            for pg in list(profile.get("portgroups", [])) + list(host_data.get("portgroups", [])):
                slug = "-".join(pg["name"].lower().split())
                for n in range(int(pg.get("vm_ports", 0))):
                    self._vm(datacenter, {"name": "{0}-{1}-{2}".format(host.name, slug, n + 1), "host": host.name, "portgroup": pg["name"]},
                             by_name)
        for vm_data in data.get("vms", []):
            if self.esxi and (vm_data.get("host") not in by_name or any(_is_distributed(nic) for nic in _vm_nics(vm_data))):
                continue  # ESXi mode: one host, no distributed switches
            self._vm(datacenter, vm_data, by_name)
        datacenter.sync_networks()

    def _host(self, compute, data, profiles):
        profile_name = data["profile"]
        profile = profiles[profile_name]
        if profile_name not in self.switches:
            self.switches[profile_name] = build_switches(profile)
        switches = self.switches[profile_name]
        self.host_index += 1
        index = self.host_index
        data = dict(data)
        data.setdefault("mgmt_ip", data["name"])
        identity = {"uuid": "4c4c4544-{0:04x}-4d10-8054-{0:012x}".format(index),
                    "gateway": data.get("gateway", profile.get("gateway", "192.168.0.1")),
                    "hostname": _short_name(data), "domain": profile.get("domain", "sim.local")}
        # Hosts of one profile share the switch and port group spec objects: the state is copy-on-write
        # (every change works on a deep clone), so shared specs are never modified.
        net = hostnet.HostNetState(_pnics(profile, index), "00:50:56:{0:02x}:{1:02x}".format(index >> 8 & 255, index & 255))
        net.vswitches, net.portgroups = dict(switches.vswitches), dict(switches.portgroups)
        net.default_mtu = set(switches.default_mtu)
        _apply_stacks(net, profile, data)
        for pg in data.get("portgroups", []):  # the host's own port groups, on the profile's vSwitches
            try:
                _add_portgroup(net, pg)
            except faults.SoapFault as failure:
                raise ValueError("host {0}, port group {1}: {2}".format(data["name"], pg["name"], failure.fault.msg)) from None
        moid = self.moid("host", "ha-host")
        return self.inv.add(HostSystem(self.inv, moid, data["name"], compute, net, index, identity)), data

    def _vmks(self, host, data, vmks):
        """The host's vmks in the order listed (so device names come out as listed), with their services."""
        net = host.net
        net.proxy_pnics = {pnic for dvs in host.dvswitches() for pnic in dvs.member_pnics(host)}
        disabled = data.get("services_disabled", {})
        for vmk in vmks:
            where = "host {0}, vmk {1}".format(host.name, vmk.get("device", "?"))
            spec = _vnic_spec(vmk, data)
            dvport = None
            try:
                if _is_distributed(vmk):
                    if self.esxi:
                        raise ValueError("{0}: ESXi mode has no distributed switches".format(where))
                    dvs, portgroup = self._dvportgroup(host, vmk, where)
                    spec.distributedVirtualPort = vim.dvs.PortConnection(switchUuid=dvs.uuid, portgroupKey=portgroup.moid,
                                                                         portKey=str(vmk["port_key"]) if "port_key" in vmk else None)
                    dvport = host.resolve_dvport(spec.distributedVirtualPort, "topology", net)
                device = net.add_vnic(vmk.get("portgroup"), spec, dvport)
                if vmk.get("device", device) != device:
                    raise ValueError("{0}: it would be created as {1}".format(where, device))
                if vmk.get("dhcp") and vmk.get("ip"):
                    net.give_lease(device, ipaddress.IPv4Interface("{0}/{1}".format(_fill(vmk["ip"], data), vmk.get("prefix", 24))))
                if vmk.get("owner"):
                    net.vnics[device].owner = self._owner(vmk["owner"], where)
                for service in vmk.get("services", []):
                    if service not in disabled.get(device, []):
                        net.select(service, device)
            except faults.SoapFault as failure:
                raise ValueError("{0}: {1}".format(where, failure.fault.msg)) from None

    def _state(self, host, data):
        """The host as vCenter found it at start: `connection` (connected, disconnected, notResponding), `maintenance`."""
        state = data.get("connection", "connected")
        if state not in ("connected", "disconnected", "notResponding"):
            raise ValueError("host {0}: connection {1!r} is not connected, disconnected or notResponding".format(host.name, state))
        if self.esxi and state != "connected":
            raise ValueError("host {0}: a standalone ESXi host is always connected".format(host.name))
        host.connection_state = state
        host.in_maintenance = bool(data.get("maintenance", False))

    def _owner(self, owner, where):
        """HostVirtualNic.owner: API 9.0, one of HostConfigChangeOwner's values."""
        if RELEASES[self.inv.release]["api"] < "9":
            raise ValueError("{0}: owner is a property of API 9.0 (HostVirtualNic.owner); run the simulator with --release 9.0"
                             .format(where))
        if owner not in VNIC_OWNERS:
            raise ValueError("{0}: owner {1!r} is not one of {2}".format(where, owner, ", ".join(VNIC_OWNERS)))
        return owner

    def _dvportgroup(self, host, entry, where):
        """(switch, port group) of an entry naming `dvswitch` and `dvportgroup`, on a switch the host is a member of."""
        dvs = next((d for d in host.datacenter().dvswitches() if d.name == entry.get("dvswitch")), None)
        if dvs is None:
            raise ValueError("{0}: no distributed switch {1!r} in the datacenter".format(where, entry.get("dvswitch")))
        if host not in dvs.members:
            raise ValueError("{0}: {1} is not a member of {2}".format(where, host.name, dvs.name))
        portgroup = next((pg for pg in dvs.portgroups if pg.name == entry.get("dvportgroup") and not pg.uplink), None)
        if portgroup is None:
            raise ValueError("{0}: {1} has no port group {2!r}".format(where, dvs.name, entry.get("dvportgroup")))
        return dvs, portgroup

    def _network_folder(self, datacenter, path):
        """The network folder at path ("Racks/Rack-A") below the datacenter's network folder, created as needed."""
        folder = datacenter.network_folder
        for part in [p for p in str(path or "").split("/") if p]:
            child = next((f for f in folder.subfolders() if f.name == part), None)
            if child is None:
                child = self.inv.add(Folder(self.inv, self.inv.new_moid("group-n"), part, folder, "network"))
                folder.entities.append(child)
            folder = child
        return folder

    def _dvswitch(self, datacenter, data, by_name):
        inv = self.inv
        # A distributed switch name is unique in its datacenter, whatever network folder the switch is in.
        if any(d.name == data["name"] for d in datacenter.dvswitches()):
            raise ValueError("datacenter {0}: two distributed switches named {1}".format(datacenter.name, data["name"]))
        self.dvs_count += 1
        dvs_uuid = "50 1e {0:02x} 7a 3c 44 91 0d-8e 2f 61 5a 9b {1:02x} c4 {0:02x}".format(self.dvs_count, len(datacenter.hosts()) & 255)
        folder = self._network_folder(datacenter, data.get("folder"))
        dvs = DistributedSwitch(inv, inv.new_moid("dvs"), data["name"], folder, dvs_uuid, data["uplinks"], data.get("mtu", 1500))
        folder.entities.append(inv.add(dvs))
        members = data.get("members", "all")
        if members == "all":
            members = [host.name for host in datacenter.hosts()]
        for member in members:
            member = member if isinstance(member, dict) else {"host": member}
            host = by_name.get(member["host"])
            if host is None:
                raise ValueError("{0}: member {1!r} is not a host of datacenter {2}".format(data["name"], member["host"], datacenter.name))
            pnics = member.get("pnics", data.get("pnics", []))
            for pnic in pnics:
                owner = next((name for name, spec in host.net.vswitches.items() if pnic in host.net._bridge_nics(spec)), None)
                owner = owner or next((d.name for d in datacenter.dvswitches() if pnic in d.member_pnics(host)), None)
                if pnic not in host.net.pnics or owner:
                    raise ValueError("{0}: {1} of {2} is {3}".format(data["name"], pnic, host.name,
                                                                     "used by " + owner if owner else "not a NIC of the host"))
            dvs.add_member(host, pnics)
        for pg in data.get("portgroups", []):
            try:
                dvs._new_portgroup(_dvportgroup_spec(pg))
            except faults.SoapFault as failure:
                raise ValueError("{0}: port group {1}: {2}".format(data["name"], pg["name"], failure.fault.msg)) from None

    def _datastore(self, datacenter, data, number, by_name):
        """A VMFS datastore of the datacenter mounted by `hosts` (all or names); in ESXi mode only if the host mounts it."""
        name = data.get("name")
        if not name or any(ds.name == name for ds in datacenter.datastores()):
            raise ValueError("datacenter {0}: a datastore needs a name unique in the datacenter ({1!r})".format(datacenter.name, name))
        unknown = sorted(set(data) - {"name", "hosts", "capacity_gb", "free_gb"})
        if unknown:
            raise ValueError("datastore {0}: unknown key(s) {1}".format(name, ", ".join(unknown)))
        names = data.get("hosts", "all")
        if names == "all":
            names = list(by_name)
        if not isinstance(names, list):
            raise ValueError("datastore {0}: hosts must be all or a list of host names".format(name))
        hosts = []
        for host_name in names:
            if host_name not in by_name:
                if self.esxi:
                    continue  # ESXi mode: the one host
                raise ValueError("datastore {0}: no host {1!r} in datacenter {2}".format(name, host_name, datacenter.name))
            hosts.append(by_name[host_name])
        if not hosts and self.esxi:
            return None
        capacity, free = datastore_size(data, "capacity_gb", 2048), datastore_size(data, "free_gb", 1536)
        if free > capacity:
            raise ValueError("datastore {0}: free_gb is more than capacity_gb".format(name))
        self.ds_count += 1
        # a VMFS uuid: time, random, then the MAC of the host that formatted it (its first one's vmnic0 here)
        uuid_ = "6650f3a1-{0:08x}-{1:04x}-001b21{2:06x}".format(0x8c2e4100 + self.ds_count, 0x0f00 + number, hosts[0].index if hosts else 0)
        disk = "naa.6000c29{0:025x}".format(self.ds_count)
        ds = Datastore(self.inv, self.moid("datastore", uuid_), name, datacenter.datastore_folder, datacenter, uuid_, disk, capacity, free)
        datacenter.datastore_folder.entities.append(self.inv.add(ds))
        ds.hosts = hosts
        for host in hosts:
            host.datastores.append(ds)
        return ds

    def _vm_datastore(self, datacenter, data, host):
        """The datastore a VM's files are on: `datastore` (mounted by its host), else the first its host mounts."""
        if "datastore" not in data:
            return next((ds for ds in datacenter.datastores() if host in ds.hosts), None)
        ds = next((d for d in datacenter.datastores() if d.name == data["datastore"]), None)
        if ds is None:
            raise ValueError("VM {0}: no datastore {1!r} in datacenter {2}".format(data["name"], data["datastore"], datacenter.name))
        if host not in ds.hosts:
            raise ValueError("VM {0}: {1} does not mount datastore {2}".format(data["name"], host.name, ds.name))
        return ds

    def _vm(self, datacenter, data, by_name):
        inv = self.inv
        host = by_name.get(data.get("host"))
        if host is None:
            raise ValueError("VM {0}: no host {1!r} in datacenter {2}".format(data["name"], data.get("host"), datacenter.name))
        datastore = self._vm_datastore(datacenter, data, host)
        if any(vm.name == data["name"] for vm in datacenter.vms()):
            raise ValueError("VM {0}: the name already exists in the VM folder of {1}".format(data["name"], datacenter.name))
        power = data.get("power", "poweredOn")
        if power not in ("poweredOn", "poweredOff", "suspended"):
            raise ValueError("VM {0}: power must be poweredOn, poweredOff or suspended".format(data["name"]))
        self.vm_index += 1
        vm = VirtualMachine(inv, self.moid("vm", str(self.vm_index)), data["name"], datacenter.vm_folder, host, self.vm_index,
                            power=power, guest_id=data.get("guest_id", "otherLinux64Guest"),
                            guest_name=data.get("guest_name", "Other Linux (64-bit)"), ip=data.get("ip"), cpus=data.get("cpus", 2),
                            memory_mb=data.get("memory_mb", 4096), datastore=datastore)
        for n, nic in enumerate(_vm_nics(data)):
            where = "VM {0}, NIC {1}".format(data["name"], n + 1)
            if _is_distributed(nic):
                dvs, portgroup = self._dvportgroup(host, nic, where)
                if portgroup.config.type == "ephemeral" and not vm.running:
                    raise ValueError("{0}: a VM that is not running holds no port of the ephemeral port group {1}".format(where, portgroup.name))
                try:
                    port = dvs.connect(portgroup, requested=str(nic["port_key"]) if "port_key" in nic else None)
                except faults.SoapFault as failure:
                    raise ValueError("{0}: {1}".format(where, failure.fault.msg)) from None
                vm.nics.append(VmNic(NIC_KEY + n, vm.mac(n), portgroup, dvs, port))
            else:
                if nic.get("portgroup") not in host.net.portgroups:
                    raise ValueError("{0}: {1} has no standard port group {2!r}".format(where, host.name, nic.get("portgroup")))
                vm.nics.append(VmNic(NIC_KEY + n, vm.mac(n), nic["portgroup"]))
                if vm.running:
                    vm.nics[-1].host_port_key = host.net.connect_vm_port(nic["portgroup"], vm.mac(n))
            if n == 0:
                datacenter.vm_folder.entities.append(inv.add(vm))  # from now on its port counts as taken
        if vm not in datacenter.vm_folder.entities:
            datacenter.vm_folder.entities.append(inv.add(vm))
        return vm


def _dvportgroup_spec(data):
    """A port group listed in the topology: VLAN, optionally active/standby uplinks, port binding and ports."""
    vds = vim.dvs.VmwareDistributedVirtualSwitch
    setting = vds.VmwarePortConfigPolicy(vlan=vds.VlanIdSpec(inherited=False, vlanId=data.get("vlan", 0)))
    if "active" in data or "standby" in data:
        setting.uplinkTeamingPolicy = vds.UplinkPortTeamingPolicy(inherited=False, uplinkPortOrder=vds.UplinkPortOrderPolicy(
            inherited=False, activeUplinkPort=data.get("active", []), standbyUplinkPort=data.get("standby", [])))
    binding = data.get("type", "earlyBinding")
    return vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        name=data["name"], type=binding, numPorts=int(data.get("ports", 0 if binding == "ephemeral" else 8)),
        autoExpand=bool(data.get("elastic", True)), defaultPortConfig=setting)


def build(data, mode="vcenter", release=DEFAULT_RELEASE):
    builder = Builder(data, mode, release)
    with builder.inv.locks.tree:  # nothing runs concurrently yet; the lock order (vsim/locks.py) allows what building takes
        return builder.build()
