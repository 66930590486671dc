"""One ESXi host's networking: standard vSwitches, port groups, VMkernel NICs, nicType selection.

The state keeps the specs a client sent (as pyVmomi objects) and derives everything else
(keys, port lists, computedPolicy, candidate vnics) when rendering, the way hostd does.
Every operation runs on a clone that replaces the live state only if it succeeds, so a failed
call changes nothing and objects already handed to a serializer are never mutated.
"""

import copy
import ipaddress

from pyVmomi import vim

from . import faults

NETSTACKS = ("defaultTcpipStack", "vmotion", "vSphereProvisioning")
TEAMING_POLICIES = ("loadbalance_ip", "loadbalance_srcmac", "loadbalance_srcid", "failover_explicit")

# Which TCP/IP stacks a nicType can be enabled on; the rest only accept the default stack.
_NIC_TYPE_STACKS = {
    "vmotion": ("defaultTcpipStack", "vmotion"),
    "vSphereProvisioning": ("defaultTcpipStack", "vSphereProvisioning"),
}
NIC_TYPES = ("faultToleranceLogging", "management", "nvmeRdma", "nvmeTcp", "vSphereBackupNFC", "vSphereProvisioning",
             "vSphereReplication", "vSphereReplicationNFC", "vmotion", "vsan", "vsanWitness")

MTU_MIN, MTU_MAX = 1280, 9000
# HostNetStackInstanceCongestionControlAlgorithmType; a stack's defaults as govmomi's capture shows them (host_config_info.go)
CONGESTION_ALGORITHMS = ("newreno", "cubic")
STACK_MAX_CONNECTIONS = 11000
# What a vSwitch reports as numPorts whatever its spec.numPorts (govmomi's capture host_config_info.go: spec 128, 1536).
VSWITCH_PORTS = 1536
FIRST_PORT_KEY = 33554436  # hostd numbers vmk ports from here (0x2000004)


def vswitch_key(name):
    return "key-vim.host.VirtualSwitch-" + name


def portgroup_key(name):
    return "key-vim.host.PortGroup-" + name


def pnic_key(device):
    return "key-vim.host.PhysicalNic-" + device


def vnic_key(device):
    return "key-vim.host.VirtualNic-" + device


_FCOE = {}  # MAC -> FcoeConfig: rendered values are never mutated, so one object per NIC serves every read


def _fcoe_config(mac):
    """FCoE fields as a real host fills them (govmomi's capture simulator/esx/host_config_info.go)."""
    if mac not in _FCOE:
        _FCOE[mac] = vim.host.FcoeConfig(
            priorityClass=3, sourceMac=mac, vlanRange=[vim.host.FcoeConfig.VlanRange(vlanLow=0, vlanHigh=0)], fcoeActive=False,
            capabilities=vim.host.FcoeConfig.FcoeCapabilities(priorityClass=False, sourceMacAddress=False, vlanRange=True))
    return _FCOE[mac]


class Pnic:
    """A physical NIC; fixed for the life of the host."""

    def __init__(self, device, mac, speed_mb=1000, pci="0000:00:00.0", driver="ixgben"):
        self.device, self.mac, self.speed_mb, self.pci, self.driver = device, mac, speed_mb, pci, driver

    def render(self, link_mb=True):
        """link_mb: the link's speed from the physical network (vsim/physical.py), None when the link is down
        (linkSpeed is then unset: "If this object is not set, then the link is down", API reference), True for
        the NIC's own speed."""
        link = vim.host.PhysicalNic.LinkSpeedDuplex(speedMb=self.speed_mb, duplex=True)
        current = None if link_mb is None else link if link_mb is True else vim.host.PhysicalNic.LinkSpeedDuplex(speedMb=link_mb, duplex=True)
        fcoe = _fcoe_config(self.mac)
        return vim.host.PhysicalNic(
            key=pnic_key(self.device), device=self.device, pci=self.pci, driver=self.driver, mac=self.mac,
            linkSpeed=current, validLinkSpecification=[link], wakeOnLanSupported=False, autoNegotiateSupported=True,
            spec=vim.host.PhysicalNic.Specification(ip=vim.host.IpConfig(dhcp=False), linkSpeed=link), fcoeConfiguration=fcoe,
            resourcePoolSchedulerAllowed=True, vmDirectPathGen2Supported=False)


class Vnic:
    def __init__(self, device, spec, port_key, owner=None):
        self.device, self.spec, self.port_key = device, spec, port_key
        # HostVirtualNic.owner (API 9.0): the solution that owns a system vmknic (HostConfigChangeOwner: NSX, VSAN)
        self.owner = owner


def default_vswitch_policy(nics):
    """What hostd gives a new vSwitch when the spec leaves the policy (or parts of it) unset."""
    return vim.host.NetworkPolicy(
        security=vim.host.NetworkPolicy.SecurityPolicy(allowPromiscuous=False, macChanges=True, forgedTransmits=True),
        nicTeaming=vim.host.NetworkPolicy.NicTeamingPolicy(
            policy="loadbalance_srcid", reversePolicy=True, notifySwitches=True, rollingOrder=False,
            failureCriteria=vim.host.NetworkPolicy.NicFailureCriteria(
                checkSpeed="minimum", speed=10, checkDuplex=False, fullDuplex=False, checkErrorPercent=False,
                percentage=0, checkBeacon=False),
            nicOrder=vim.host.NetworkPolicy.NicOrderPolicy(activeNic=list(nics), standbyNic=[])),
        offloadPolicy=vim.host.NetOffloadCapabilities(csumOffload=True, tcpSegmentation=True, zeroCopyXmit=True),
        shapingPolicy=vim.host.NetworkPolicy.TrafficShapingPolicy(enabled=False))


# Leaf fields of HostNetworkPolicy, per sub-policy; nicOrder is taken as a whole.
_POLICY_FIELDS = {
    "security": ("allowPromiscuous", "macChanges", "forgedTransmits"),
    "offloadPolicy": ("csumOffload", "tcpSegmentation", "zeroCopyXmit"),
    "shapingPolicy": ("enabled", "averageBandwidth", "peakBandwidth", "burstSize"),
}
_TEAMING_FIELDS = ("policy", "reversePolicy", "notifySwitches", "rollingOrder")
_FAILURE_FIELDS = ("checkSpeed", "speed", "checkDuplex", "fullDuplex", "checkErrorPercent", "percentage", "checkBeacon")


def merge_policy(base, override):
    """Fields set in `override` win, unset ones come from `base` (port group over vSwitch)."""
    merged = copy.deepcopy(base)
    if override is None:
        return merged
    for part, fields in _POLICY_FIELDS.items():
        src = getattr(override, part)
        if src is not None:
            dst = getattr(merged, part)
            for field in fields:
                if getattr(src, field) is not None:
                    setattr(dst, field, getattr(src, field))
    teaming = override.nicTeaming
    if teaming is not None:
        dst = merged.nicTeaming
        for field in _TEAMING_FIELDS:
            if getattr(teaming, field) is not None:
                setattr(dst, field, getattr(teaming, field))
        if teaming.failureCriteria is not None:
            for field in _FAILURE_FIELDS:
                if getattr(teaming.failureCriteria, field) is not None:
                    setattr(dst.failureCriteria, field, getattr(teaming.failureCriteria, field))
        if teaming.nicOrder is not None:
            dst.nicOrder = copy.deepcopy(teaming.nicOrder)
    return merged


def stored_portgroup_policy(policy):
    """hostd hands back a port group's override with empty sub-policies rather than unset ones."""
    policy = copy.deepcopy(policy) if policy is not None else vim.host.NetworkPolicy()
    if policy.security is None:
        policy.security = vim.host.NetworkPolicy.SecurityPolicy()
    if policy.nicTeaming is None:
        policy.nicTeaming = vim.host.NetworkPolicy.NicTeamingPolicy()
    if policy.nicTeaming.failureCriteria is None:
        policy.nicTeaming.failureCriteria = vim.host.NetworkPolicy.NicFailureCriteria()
    if policy.offloadPolicy is None:
        policy.offloadPolicy = vim.host.NetOffloadCapabilities()
    if policy.shapingPolicy is None:
        policy.shapingPolicy = vim.host.NetworkPolicy.TrafficShapingPolicy()
    return policy


def _check_teaming(teaming, uplinks, where):
    if teaming is None:
        return
    if teaming.policy is not None and teaming.policy not in TEAMING_POLICIES:
        raise faults.invalid_argument(where + ".nicTeaming.policy")
    order = teaming.nicOrder
    if order is None:
        return
    seen = set()
    for field in ("activeNic", "standbyNic"):
        for nic in getattr(order, field) or []:
            if nic not in uplinks or nic in seen:
                raise faults.invalid_argument("{0}.nicTeaming.nicOrder.{1}".format(where, field))
            seen.add(nic)


def _check_mtu(mtu, where):
    if mtu is not None and not MTU_MIN <= mtu <= MTU_MAX:
        raise faults.invalid_argument(where)


def _check_ipv4(ip, where):
    """A static IPv4 address comes with its mask; without IPv4 (dhcp off, no address) IPv6 must give the vmk an address."""
    if ip is None:
        raise faults.invalid_argument(where + ".ip")
    if ip.dhcp or not (ip.ipAddress or ip.subnetMask):
        return
    try:
        ipaddress.IPv4Address(ip.ipAddress or "")
        ipaddress.IPv4Network("0.0.0.0/" + (ip.subnetMask or ""))
    except ValueError:
        raise faults.invalid_argument(where + ".ip") from None


def _check_addressed(ip, where):
    """What ESXi accepts as a vmk's addressing (the vSphere Client's "No IPv4 settings" with IPv6, Terraform's vsphere_vnic
    with only `ipv6`): DHCP, a static IPv4 address, or IPv6 that yields an address (manual, autoconfiguration, DHCPv6)."""
    v6 = ip.ipV6Config
    if ip.dhcp or ip.ipAddress or (v6 is not None and (v6.autoConfigurationEnabled or v6.dhcpV6Enabled or v6.ipV6Address)):
        return
    raise faults.invalid_argument(where + ".ip")


def check_gateway(config, where):
    """A gateway must be an address of its family: defaultGateway IPv4, ipV6DefaultGateway IPv6 (InvalidArgument otherwise).
    Nothing else is checked (whether it is on a vmk's subnet is not: tests/simulator/README.md)."""
    if config is None:
        return
    for field, version in (("defaultGateway", 4), ("ipV6DefaultGateway", 6)):
        value = getattr(config, field)
        if not value:
            continue
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            raise faults.invalid_argument("{0}.{1}".format(where, field)) from None
        if address.version != version:
            raise faults.invalid_argument("{0}.{1}".format(where, field))


class NetStack:
    """A TCP/IP stack's configuration (HostNetStackInstance): its route config as a client set it, TCP settings, and for
    the default stack a DNS configuration set through the API (None: the host's own, from the topology)."""

    def __init__(self, key, route=None):
        self.key = key
        self.route = route or vim.host.IpRouteConfig()
        self.congestion = "newreno"
        self.max_connections = STACK_MAX_CONNECTIONS
        self.dns = None

    @property
    def gateway(self):
        return self.route.defaultGateway or None

    @property
    def ipv6_gateway(self):
        return self.route.ipV6DefaultGateway or None


def link_local_address(mac):
    """The fe80::/64 address a vmk configures itself from its MAC (modified EUI-64, RFC 4291 appendix A)."""
    octets = [int(part, 16) for part in mac.split(":")]
    octets[0] ^= 0x02
    interface_id = int.from_bytes(bytes(octets[:3] + [0xff, 0xfe] + octets[3:]), "big")
    return str(ipaddress.IPv6Address((0xfe80 << 112) | interface_id))


def _apply_ipv6(current, requested, where):
    """Apply HostIpConfigIpV6AddressConfiguration add/remove operations to the stored (manual) addresses.

    Unset flags keep their current value; removing an address the vmk does not have manually (its link-local one
    included) changes nothing.
    """
    if requested is None:
        return copy.deepcopy(current)
    result = vim.host.IpConfig.IpV6AddressConfiguration(
        autoConfigurationEnabled=bool(current and current.autoConfigurationEnabled), dhcpV6Enabled=bool(current and current.dhcpV6Enabled),
        ipV6Address=[])
    for flag in ("autoConfigurationEnabled", "dhcpV6Enabled"):
        if getattr(requested, flag) is not None:
            setattr(result, flag, bool(getattr(requested, flag)))
    addresses = {a.ipAddress: a for a in (current.ipV6Address if current else [])}
    for addr in requested.ipV6Address or []:
        try:
            address = ipaddress.IPv6Address(addr.ipAddress)
        except ValueError:
            raise faults.invalid_argument(where + ".ip.ipV6Config.ipV6Address") from None
        if addr.operation == "remove":
            addresses.pop(str(address), None)
            continue
        if not 1 <= (addr.prefixLength or 0) <= 128 or address.is_multicast or address.is_unspecified:
            raise faults.invalid_argument(where + ".ip.ipV6Config.ipV6Address")
        addresses[str(address)] = vim.host.IpConfig.IpV6Address(
            ipAddress=str(address), prefixLength=addr.prefixLength, origin="manual", dadState="preferred")
    result.ipV6Address = list(addresses.values())
    return result


def autoconfigured_ipv4(mac):
    """The 169.254.0.0/16 address a DHCP vmk takes while no server answers (ESXi's IPv4 autoconfiguration, RFC 3927;
    the address comes from the MAC so the same vmk keeps it)."""
    octets = [int(part, 16) for part in mac.split(":")]
    return "169.254.{0}.{1}".format(1 + octets[4] % 254, octets[5])


def _stored_ip(ip, current, where):
    """The IpConfig a vmk keeps from a request: IPv4 (or DHCP) as sent, IPv6 operations applied to the current addresses."""
    stored = vim.host.IpConfig(dhcp=bool(ip.dhcp), ipAddress=None if ip.dhcp else ip.ipAddress or None,
                               subnetMask=None if ip.dhcp or not ip.ipAddress else ip.subnetMask,
                               ipV6Config=_apply_ipv6(current.ipV6Config if current else None, ip.ipV6Config, where))
    _check_addressed(stored, where)
    return stored


class HostNetState:
    """Networking of one host. Mutating methods raise faults.SoapFault and must run on a clone."""

    def __init__(self, pnics, mac_prefix):
        self.pnics = {p.device: p for p in pnics}
        self.mac_prefix = mac_prefix  # "00:50:56:xx:yy": vmk MACs are unique per host and stable
        self.vswitches = {}
        self.portgroups = {}
        self.vnics = {}
        self.selected = {}  # nicType -> [device]
        self.next_port = FIRST_PORT_KEY
        self.proxy_pnics = set()  # uplinks claimed by distributed switches, refreshed by the host
        self.vm_ports = {}  # standard port group -> [(port key, MAC)] of the connected NICs of powered-on VMs
        self.default_mtu = set()  # vSwitches whose spec never set an MTU: hostd leaves spec.mtu unset (the switch has 1500)
        self.stacks = {key: NetStack(key) for key in NETSTACKS}  # TCP/IP stack key -> NetStack

    def clone(self):
        return copy.deepcopy(self)

    # --- vSwitches -------------------------------------------------------------------------

    def _bridge_nics(self, spec):
        return list(spec.bridge.nicDevice) if spec.bridge is not None and spec.bridge.nicDevice else []

    def _claim_uplinks(self, name, nics):
        for nic in nics:
            if nic not in self.pnics:
                raise faults.not_found("Physical NIC {0} not found".format(nic))
            owner = next((s for s, spec in self.vswitches.items() if s != name and nic in self._bridge_nics(spec)), None)
            if owner is not None or nic in self.proxy_pnics:
                raise faults.resource_in_use(nic, "The physical NIC {0} is already in use by {1}.".format(nic, owner or "a distributed switch"))

    def add_vswitch(self, name, spec):
        if name in self.vswitches:
            raise faults.already_exists(name)
        if not name or len(name) > 32:
            raise faults.invalid_argument("vswitchName")
        spec = copy.deepcopy(spec) if spec is not None else vim.host.VirtualSwitch.Specification()
        if not 0 < (spec.numPorts or 128) <= 4088:
            raise faults.invalid_argument("spec.numPorts")
        _check_mtu(spec.mtu, "spec.mtu")
        nics = self._bridge_nics(spec)
        self._claim_uplinks(name, nics)
        spec.numPorts = spec.numPorts or 128
        if not spec.mtu:
            self.default_mtu.add(name)
        spec.mtu = spec.mtu or 1500
        if spec.bridge is not None:
            spec.bridge = self._full_bridge(nics)
        spec.policy = merge_policy(default_vswitch_policy(nics), spec.policy)
        _check_teaming(spec.policy.nicTeaming, nics, "spec.policy")
        self.vswitches[name] = spec

    @staticmethod
    def _full_bridge(nics):
        return vim.host.VirtualSwitch.BondBridge(
            nicDevice=nics, beacon=vim.host.VirtualSwitch.BeaconConfig(interval=1),
            linkDiscoveryProtocolConfig=vim.host.LinkDiscoveryProtocolConfig(protocol="cdp", operation="listen"))

    def update_vswitch(self, name, spec):
        current = self._vswitch(name)
        spec = copy.deepcopy(spec)
        _check_mtu(spec.mtu, "spec.mtu")
        nics = self._bridge_nics(spec)
        self._claim_uplinks(name, nics)
        spec.numPorts = spec.numPorts or current.numPorts
        if spec.mtu:
            self.default_mtu.discard(name)
        spec.mtu = spec.mtu or current.mtu
        spec.bridge = self._full_bridge(nics) if spec.bridge is not None else None
        spec.policy = merge_policy(current.policy, spec.policy)
        _check_teaming(spec.policy.nicTeaming, nics, "spec.policy")
        # Uplinks taken off the switch also leave the failover order of its port groups.
        for pg in self.portgroups.values():
            order = pg.vswitchName == name and pg.policy.nicTeaming.nicOrder
            if order:
                order.activeNic = [n for n in order.activeNic if n in nics]
                order.standbyNic = [n for n in order.standbyNic if n in nics]
        self.vswitches[name] = spec

    def remove_vswitch(self, name):
        self._vswitch(name)
        pgs = [pg for pg in self.portgroups.values() if pg.vswitchName == name]
        for pg in pgs:
            if self._vnics_on(pg.name):
                raise faults.resource_in_use(name, "The resource '{0}' is in use.".format(name))
        for pg in pgs:
            del self.portgroups[pg.name]
        del self.vswitches[name]
        self.default_mtu.discard(name)

    def _vswitch(self, name):
        try:
            return self.vswitches[name]
        except KeyError:
            raise faults.not_found("The vSwitch {0} was not found".format(name)) from None

    # --- port groups -----------------------------------------------------------------------

    def _check_portgroup(self, spec):
        if not spec.name:
            raise faults.invalid_argument("portgrp.name")
        if spec.vlanId is None or not 0 <= spec.vlanId <= 4095:
            raise faults.invalid_argument("portgrp.vlanId")
        vswitch = self._vswitch(spec.vswitchName)
        if spec.policy is not None:
            _check_teaming(spec.policy.nicTeaming, self._bridge_nics(vswitch), "portgrp.policy")

    def add_portgroup(self, spec):
        if spec.name in self.portgroups:
            raise faults.already_exists(spec.name)
        self._check_portgroup(spec)
        stored = copy.deepcopy(spec)
        stored.policy = stored_portgroup_policy(spec.policy)
        self.portgroups[spec.name] = stored

    def update_portgroup(self, name, spec):
        current = self._portgroup(name)
        if spec.vswitchName != current.vswitchName:
            raise faults.invalid_argument("portgrp.vswitchName")
        if spec.name != name and spec.name in self.portgroups:
            raise faults.already_exists(spec.name)
        self._check_portgroup(spec)
        stored = copy.deepcopy(spec)
        stored.policy = stored_portgroup_policy(spec.policy)
        del self.portgroups[name]
        self.portgroups[spec.name] = stored
        for vnic in self._vnics_on(name):
            vnic.spec.portgroup = spec.name
        if spec.name != name and name in self.vm_ports:
            self.vm_ports[spec.name] = self.vm_ports.pop(name)

    def remove_portgroup(self, name):
        self._portgroup(name)
        if self._vnics_on(name) or self.vm_ports.get(name):
            raise faults.resource_in_use(name, "The resource '{0}' is in use.".format(name))
        del self.portgroups[name]

    def _portgroup(self, name):
        try:
            return self.portgroups[name]
        except KeyError:
            raise faults.not_found("The port group {0} was not found".format(name)) from None

    def connect_vm_port(self, pg_name, mac):
        """A powered-on VM's NIC on a standard port group holds a port of it (topology only: VMs do not change)."""
        key = "key-vim.host.PortGroup.Port-{0}".format(self.next_port)
        self.next_port += 1
        self.vm_ports.setdefault(pg_name, []).append((key, mac))
        return key

    def _vnics_on(self, pg_name):
        return [v for v in self.vnics.values() if v.spec.portgroup == pg_name and v.spec.distributedVirtualPort is None]

    # --- VMkernel NICs ---------------------------------------------------------------------

    def add_vnic(self, portgroup, spec, dvport=None):
        """dvport: a resolved DistributedVirtualSwitchPortConnection when the vmk goes on a vDS."""
        if dvport is None:
            if not portgroup or portgroup not in self.portgroups:
                raise faults.invalid_argument("portgroup", "The port group '{0}' does not exist.".format(portgroup))
            if self._vnics_on(portgroup):
                raise faults.already_exists(portgroup, "Port group {0} already has a virtual NIC.".format(portgroup))
        stack = spec.netStackInstanceKey or "defaultTcpipStack"
        if stack not in NETSTACKS:
            raise faults.invalid_argument("nic.netStackInstanceKey")
        _check_mtu(spec.mtu, "nic.mtu")
        _check_ipv4(spec.ip, "nic")
        ip = _stored_ip(spec.ip, None, "nic")
        self._check_ip_free(ip, None)
        device = self._free_device()
        stored = vim.host.VirtualNic.Specification(
            ip=ip,
            mac=spec.mac or "{0}:{1:02x}".format(self.mac_prefix, int(device[3:])),
            portgroup=None if dvport is not None else portgroup,
            distributedVirtualPort=dvport,
            mtu=spec.mtu or 1500, tsoEnabled=True if spec.tsoEnabled is None else spec.tsoEnabled,
            netStackInstanceKey=stack, ipRouteSpec=self._route_spec(spec.ipRouteSpec))
        self._lease(stored, None)
        self.vnics[device] = Vnic(device, stored, "key-vim.host.PortGroup.Port-{0}".format(self.next_port))
        self.next_port += 1
        self.vnics = dict(sorted(self.vnics.items(), key=lambda item: int(item[0][3:])))
        return device

    def update_vnic(self, device, spec, dvport=None):
        vnic = self._vnic(device)
        current = vnic.spec
        if spec.netStackInstanceKey and spec.netStackInstanceKey != current.netStackInstanceKey:
            raise faults.invalid_argument("nic.netStackInstanceKey", "The TCP/IP stack of a VMkernel NIC cannot be changed.")
        _check_mtu(spec.mtu, "nic.mtu")
        new = copy.deepcopy(current)
        if spec.ip is not None:
            _check_ipv4(spec.ip, "nic")
            new.ip = _stored_ip(spec.ip, current.ip, "nic")
            self._check_ip_free(new.ip, device)
            self._lease(new, current.ip if current.ip.dhcp else None)
        if spec.mtu:
            new.mtu = spec.mtu
        if spec.tsoEnabled is not None:
            new.tsoEnabled = spec.tsoEnabled
        if spec.ipRouteSpec is not None:
            new.ipRouteSpec = self._route_spec(spec.ipRouteSpec)
        if dvport is not None:
            new.portgroup, new.distributedVirtualPort = None, dvport
        elif spec.portgroup and (spec.portgroup != current.portgroup or current.distributedVirtualPort is not None):
            if spec.portgroup not in self.portgroups:
                raise faults.invalid_argument("nic.portgroup", "The port group '{0}' does not exist.".format(spec.portgroup))
            if self._vnics_on(spec.portgroup):
                raise faults.already_exists(spec.portgroup, "Port group {0} already has a virtual NIC.".format(spec.portgroup))
            new.portgroup, new.distributedVirtualPort = spec.portgroup, None
        vnic.spec = new

    @staticmethod
    def _lease(spec, kept):
        """A DHCP vmk reports the address it holds: the lease it keeps (`kept`, an IpConfig), else the autoconfigured
        169.254.0.0/16 one, as no DHCP server answers on the simulated networks (a topology can give a lease)."""
        if not spec.ip.dhcp:
            return
        if kept is not None and kept.ipAddress:
            spec.ip.ipAddress, spec.ip.subnetMask = kept.ipAddress, kept.subnetMask
        else:
            spec.ip.ipAddress, spec.ip.subnetMask = autoconfigured_ipv4(spec.mac), "255.255.0.0"

    def give_lease(self, device, interface):
        """A DHCP server's answer (topology only): the vmk now holds `interface` (an ipaddress.IPv4Interface)."""
        ip = self._vnic(device).spec.ip
        if not ip.dhcp:
            raise ValueError("{0} does not use DHCP".format(device))
        ip.ipAddress, ip.subnetMask = str(interface.ip), str(interface.netmask)

    def remove_vnic(self, device):
        self._vnic(device)
        del self.vnics[device]
        for devices in self.selected.values():
            if device in devices:
                devices.remove(device)

    def _vnic(self, device):
        try:
            return self.vnics[device]
        except KeyError:
            raise faults.not_found("The virtual NIC {0} was not found".format(device)) from None

    def _free_device(self):
        n = 0
        while "vmk{0}".format(n) in self.vnics:
            n += 1
        return "vmk{0}".format(n)

    def _check_ip_free(self, ip, device):
        """A static IPv4 or manual IPv6 address is on one vmk of the host only."""
        wanted = self._static_addresses(ip)
        for other in self.vnics.values():
            taken = wanted & self._static_addresses(other.spec.ip) if other.device != device else set()
            if taken:
                raise faults.host_config("IP address {0} is already used by {1}".format(sorted(taken)[0], other.device))

    @staticmethod
    def _static_addresses(ip):
        found = {ip.ipAddress} if ip.ipAddress and not ip.dhcp else set()
        return found | {a.ipAddress for a in (ip.ipV6Config.ipV6Address if ip.ipV6Config else [])}

    @staticmethod
    def _route_spec(route_spec):
        """An override without a gateway is the same as no override; a gateway that is not an address of its family is
        InvalidArgument, as a stack's (check_gateway)."""
        if route_spec is None or route_spec.ipRouteConfig is None:
            return None
        config = route_spec.ipRouteConfig
        check_gateway(config, "nic.ipRouteSpec.ipRouteConfig")
        if not (config.defaultGateway or config.ipV6DefaultGateway):
            return None
        return copy.deepcopy(route_spec)

    # --- TCP/IP stacks (HostNetworkConfig.netStackSpec) -----------------------------------------

    def edit_stack(self, instance, where="config.netStackSpec"):
        """Apply a HostNetStackInstance of an `edit` NetStackSpec: what it sets replaces the stack's value, what it leaves
        unset is kept. ipRouteConfig is taken whole (an unset defaultGateway in it removes the gateway), as
        vmware_host_tcpip_stacks sends it."""
        if instance is None or instance.key not in self.stacks:
            raise faults.invalid_argument(where + ".netStackInstance.key")
        stack = self.stacks[instance.key]
        if instance.ipRouteConfig is not None:
            self._set_route(stack, instance.ipRouteConfig, where + ".netStackInstance.ipRouteConfig")
        if instance.congestionControlAlgorithm:
            if instance.congestionControlAlgorithm not in CONGESTION_ALGORITHMS:
                raise faults.invalid_argument(where + ".netStackInstance.congestionControlAlgorithm")
            stack.congestion = instance.congestionControlAlgorithm
        if instance.requestedMaxNumberOfConnections:
            if instance.requestedMaxNumberOfConnections < 0:
                raise faults.invalid_argument(where + ".netStackInstance.requestedMaxNumberOfConnections")
            stack.max_connections = instance.requestedMaxNumberOfConnections
        if instance.dnsConfig is not None and instance.key == "defaultTcpipStack":
            dns = copy.deepcopy(instance.dnsConfig)
            dns.dhcp = bool(dns.dhcp)
            stack.dns = dns

    def set_default_route(self, config, where="config"):
        """HostNetworkSystem.UpdateIpRouteConfig and HostNetworkConfig.ipRouteConfig: the default stack's route config."""
        self._set_route(self.stacks["defaultTcpipStack"], config, where)

    @staticmethod
    def _set_route(stack, config, where):
        check_gateway(config, where)
        stack.route = vim.host.IpRouteConfig(
            defaultGateway=config.defaultGateway or None, gatewayDevice=config.gatewayDevice or None,
            ipV6DefaultGateway=config.ipV6DefaultGateway or None, ipV6GatewayDevice=config.ipV6GatewayDevice or None)

    # --- nicType selection (HostVirtualNicManager) -------------------------------------------

    def _check_nic_type(self, nic_type):
        if nic_type not in NIC_TYPES:
            raise faults.invalid_argument("nicType")

    def _candidates(self, nic_type):
        stacks = _NIC_TYPE_STACKS.get(nic_type, ("defaultTcpipStack",))
        return [v for v in self.vnics.values() if v.spec.netStackInstanceKey in stacks]

    def selected_devices(self, nic_type):
        """A vmk on the vmotion TCP/IP stack carries vMotion by definition, selected or not."""
        devices = list(self.selected.get(nic_type, []))
        if nic_type == "vmotion":
            devices += [v.device for v in self.vnics.values() if v.spec.netStackInstanceKey == "vmotion" and v.device not in devices]
        return devices

    def select(self, nic_type, device):
        self._check_nic_type(nic_type)
        if device not in [v.device for v in self._candidates(nic_type)]:
            raise faults.invalid_argument("device", "{0} is not a candidate for {1}".format(device, nic_type))
        devices = self.selected.setdefault(nic_type, [])
        if device not in devices and device not in self.selected_devices(nic_type):
            devices.append(device)

    def deselect(self, nic_type, device):
        """InvalidArgument for an unknown nicType, a nonexistent vmk or one that is not selected (API reference of
        HostVirtualNicManager.DeselectVnicForNicType)."""
        self._check_nic_type(nic_type)
        if device not in self.vnics:
            raise faults.invalid_argument("device", "The virtual NIC {0} was not found".format(device))
        if nic_type == "vmotion" and self.vnics[device].spec.netStackInstanceKey == "vmotion":
            raise faults.host_config("vMotion cannot be disabled on {0}: it uses the vmotion TCP/IP stack".format(device))
        devices = self.selected.get(nic_type, [])
        if device not in devices:
            raise faults.invalid_argument("device", "{0} is not selected for {1}".format(device, nic_type))
        devices.remove(device)

    def deselect_all(self, nic_type):
        """HostVMotionSystem.DeselectVnic: no vmk selected any more (vmotion-stack vmks keep vMotion by their stack)."""
        self.selected[nic_type] = []

    def legacy_vmotion_config(self):
        """HostVMotionSystem.netConfig: the vMotion candidates (keys prefixed VMotionConfig.vmotion., as in govmomi's
        capture host_config_info.go) and the first selected vmk, the one selection the legacy interface knows."""
        prefix = "VMotionConfig.vmotion."
        candidates = []
        for vnic in self._candidates("vmotion"):
            candidate = self._render_vnic(vnic, key_prefix=prefix)
            candidate.port = ""
            candidates.append(candidate)
        selected = self.selected_devices("vmotion")
        return vim.host.VMotionSystem.NetConfig(candidateVnic=candidates, selectedVnic=prefix + vnic_key(selected[0]) if selected else None)

    def net_config(self, nic_type):
        self._check_nic_type(nic_type)
        selected = self.selected_devices(nic_type)
        candidates = []
        for vnic in self._candidates(nic_type):
            candidate = self._render_vnic(vnic, key_prefix=nic_type + ".")
            candidate.port = None  # hostd leaves the port out of candidate entries
            candidates.append(candidate)
        return vim.host.VirtualNicManager.NetConfig(
            nicType=nic_type, multiSelectAllowed=True, candidateVnic=candidates,
            selectedVnic=["{0}.{1}".format(nic_type, vnic_key(d)) for d in selected])

    # --- rendering ---------------------------------------------------------------------------

    def _render_vnic(self, vnic, key_prefix=""):
        spec = copy.deepcopy(vnic.spec)
        spec.ip.ipV6Config = self._render_ipv6(spec)
        on_dvs = spec.distributedVirtualPort is not None
        rendered = vim.host.VirtualNic(device=vnic.device, key=key_prefix + vnic_key(vnic.device),
                                       portgroup="" if on_dvs else spec.portgroup, spec=spec,
                                       port=None if on_dvs else vnic.port_key)
        if vnic.owner:  # a 9.0 property: set only when there is one, so pyVmomi 8 renders the rest as before
            rendered.owner = vnic.owner
        return rendered

    @staticmethod
    def _render_ipv6(spec):
        """IPv6 is on (the host's ipV6Enabled), so every vmk has its link-local address besides the manual ones.

        Its origin is "other", the type the API reference names for "automatic address configuration for the link
        local address" (HostIpConfigIpV6AddressConfigType); Terraform's vsphere_vnic keeps only "manual" ones for that.
        """
        config = spec.ip.ipV6Config or vim.host.IpConfig.IpV6AddressConfiguration(autoConfigurationEnabled=False, dhcpV6Enabled=False)
        link_local = vim.host.IpConfig.IpV6Address(ipAddress=link_local_address(spec.mac), prefixLength=64, origin="other", dadState="preferred")
        return vim.host.IpConfig.IpV6AddressConfiguration(
            autoConfigurationEnabled=bool(config.autoConfigurationEnabled), dhcpV6Enabled=bool(config.dhcpV6Enabled),
            ipV6Address=[link_local] + [a for a in config.ipV6Address or [] if a.ipAddress != link_local.ipAddress])

    def render_vswitch(self, name):
        spec = self.vswitches[name]
        nics = self._bridge_nics(spec)
        pgs = [pg.name for pg in self.portgroups.values() if pg.vswitchName == name]
        used = len(nics) + sum(len(self._vnics_on(pg)) + len(self.vm_ports.get(pg, [])) for pg in pgs)
        rendered = copy.deepcopy(spec)
        if name in self.default_mtu:
            rendered.mtu = None
        return vim.host.VirtualSwitch(
            name=name, key=vswitch_key(name), numPorts=VSWITCH_PORTS, numPortsAvailable=VSWITCH_PORTS - used,
            mtu=spec.mtu, portgroup=[portgroup_key(pg) for pg in pgs], pnic=[pnic_key(n) for n in nics],
            spec=rendered)

    def render_portgroup(self, name):
        spec = self.portgroups[name]
        vswitch = self.vswitches[spec.vswitchName]
        ports = [vim.host.PortGroup.Port(key=v.port_key, mac=[v.spec.mac], type="host") for v in self._vnics_on(name)]
        ports += [vim.host.PortGroup.Port(key=key, mac=[mac], type="virtualMachine") for key, mac in self.vm_ports.get(name, [])]
        return vim.host.PortGroup(key=portgroup_key(name), port=ports, vswitch=vswitch_key(spec.vswitchName),
                                  computedPolicy=merge_policy(vswitch.policy, spec.policy), spec=copy.deepcopy(spec))

    def render_vnics(self):
        return [self._render_vnic(v) for v in self.vnics.values()]

    def render_pnics(self, link_speeds=None):
        """link_speeds: {device: speed in Mb or None (down)} from the physical network; missing devices are up."""
        return [p.render((link_speeds or {}).get(p.device, True)) for p in self.pnics.values()]

    def render_vswitches(self):
        return [self.render_vswitch(name) for name in self.vswitches]

    def render_portgroups(self):
        return [self.render_portgroup(name) for name in self.portgroups]

    def render_nic_manager_info(self):
        return vim.host.VirtualNicManagerInfo(netConfig=[self.net_config(t) for t in NIC_TYPES])
