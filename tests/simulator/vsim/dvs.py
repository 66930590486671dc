"""VMware distributed switch and its port groups, as vCenter presents them.

Port group settings inherit from the switch's defaultPortConfig: a setting a spec leaves unset
(or marks `inherited`) is the switch's value with `inherited: true`, the way vCenter reports it.

Ports: one key space per switch ("0", "1", ...), handed out in blocks: the uplink ports of each member
host, and `numPorts` ports when a static-binding (earlyBinding) port group is created. A vmk or a VM NIC
connected to a port group holds one of its ports (static binding: also while the VM is powered off).
When all are taken, an elastic port group (autoExpand) grows by 8 ports, a fixed one refuses the
connection; an ephemeral port group has no ports of its own, it creates one per connection.
Which port is used by whom is derived from the hosts' vmks and the VMs, never stored twice.

Locks (vsim/locks.py): switches, port groups and ports are the inventory tree's, which their calls hold. A host that
connects a vmk to a port takes it in connect() and keeps it until its call ends, so that the port it chose is still
free when the host commits its new state (two hosts never get the same port). `portgroups` is replaced, never changed
in place, because hosts read it without the lock.
"""

import copy
import datetime

from pyVmomi import VmomiSupport, vim

from . import faults
from .model import Entity, entity_name
from .services import run_task

VDS = vim.dvs.VmwareDistributedVirtualSwitch
CREATED = datetime.datetime(2024, 6, 1, 9, 0, 0, tzinfo=datetime.timezone.utc)
PRODUCT = vim.dvs.ProductSpec(name="DVS", vendor="VMware, Inc.", version="8.0.3", build="24022515")
# Sub-policies merged field by field; any other setting is replaced as a whole.
_COMPOSITE = ("uplinkTeamingPolicy", "securityPolicy", "inShapingPolicy", "outShapingPolicy")


def _mark_inherited(value, inherited):
    value = copy.deepcopy(value)
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, vim.InheritablePolicy):
            item.inherited = inherited
        if isinstance(item, VmomiSupport.DataObject):
            stack.extend(getattr(item, p.name) for p in type(item)._GetPropertyList() if p.name not in ("dynamicType", "dynamicProperty"))
    return value


def _unset_leaf(policy):
    """An empty BoolPolicy()/LongPolicy() in a spec means "leave as is"."""
    return hasattr(policy, "value") and policy.value is None and policy.inherited is not False


def _merge(current, new, switch, composite):
    """current: the port group's setting, switch: the switch's; new comes from a ConfigSpec."""
    if new is None or _unset_leaf(new):
        return current
    if isinstance(new, vim.InheritablePolicy) and new.inherited:
        return _mark_inherited(switch, True)
    if not composite:
        return _mark_inherited(new, False) if isinstance(new, vim.InheritablePolicy) else copy.deepcopy(new)
    result = copy.deepcopy(current)
    result.inherited = False
    for prop in type(new)._GetPropertyList():
        if prop.name in ("dynamicType", "dynamicProperty", "inherited"):
            continue
        setattr(result, prop.name, _merge(getattr(current, prop.name), getattr(new, prop.name), getattr(switch, prop.name), False))
    return result


def merge_port_setting(current, new, switch):
    if new is None:
        return current
    result = copy.deepcopy(current)
    for prop in type(new)._GetPropertyList():
        if prop.name in ("dynamicType", "dynamicProperty") or getattr(new, prop.name) is None:
            continue
        setattr(result, prop.name, _merge(getattr(current, prop.name), getattr(new, prop.name), getattr(switch, prop.name), prop.name in _COMPOSITE))
    return result


def bool_policy(value):
    return vim.BoolPolicy(inherited=False, value=value)


def _shaping():
    return vim.dvs.DistributedVirtualPort.TrafficShapingPolicy(
        inherited=False, enabled=bool_policy(False), averageBandwidth=vim.LongPolicy(inherited=False, value=100000000),
        peakBandwidth=vim.LongPolicy(inherited=False, value=100000000), burstSize=vim.LongPolicy(inherited=False, value=104857600))


def default_port_setting(uplinks):
    """The switch-level defaults vCenter gives a new distributed switch."""
    return VDS.VmwarePortConfigPolicy(
        blocked=bool_policy(False), vmDirectPathGen2Allowed=bool_policy(False), inShapingPolicy=_shaping(), outShapingPolicy=_shaping(),
        networkResourcePoolKey=vim.StringPolicy(inherited=False, value="-1"),
        vlan=VDS.VlanIdSpec(inherited=False, vlanId=0),
        uplinkTeamingPolicy=VDS.UplinkPortTeamingPolicy(
            inherited=False, policy=vim.StringPolicy(inherited=False, value="loadbalance_srcid"), reversePolicy=bool_policy(True),
            notifySwitches=bool_policy(True), rollingOrder=bool_policy(False),
            failureCriteria=VDS.FailureCriteria(
                inherited=False, checkSpeed=vim.StringPolicy(inherited=False, value="minimum"), speed=vim.IntPolicy(inherited=False, value=10),
                checkDuplex=bool_policy(False), fullDuplex=bool_policy(False), checkErrorPercent=bool_policy(False),
                percentage=vim.IntPolicy(inherited=False, value=0), checkBeacon=bool_policy(False)),
            uplinkPortOrder=VDS.UplinkPortOrderPolicy(inherited=False, activeUplinkPort=list(uplinks), standbyUplinkPort=[])),
        securityPolicy=VDS.SecurityPolicy(inherited=False, allowPromiscuous=bool_policy(False), macChanges=bool_policy(False),
                                          forgedTransmits=bool_policy(False)),
        ipfixEnabled=bool_policy(False), txUplink=bool_policy(False),
        macManagementPolicy=VDS.MacManagementPolicy(inherited=False, allowPromiscuous=False, macChanges=False, forgedTransmits=False,
                                                    macLearningPolicy=VDS.MacLearningPolicy(inherited=False, enabled=False)))


def _portgroup_policy(policy):
    """Fill the fields vCenter always reports; pyVmomi cannot send a portgroup policy without them."""
    policy = copy.deepcopy(policy) if policy is not None else VDS.VMwarePortgroupPolicy()
    for prop in VDS.VMwarePortgroupPolicy._GetPropertyList():
        if prop.type is bool and getattr(policy, prop.name) is None:
            setattr(policy, prop.name, False)
    return policy


class DistributedSwitch(Entity):
    vim_type = "VmwareDistributedVirtualSwitch"

    def __init__(self, inv, moid, name, parent, uuid, uplinks, mtu=1500):
        super().__init__(inv, moid, name, parent)
        self.uuid, self.uplinks, self.mtu = uuid, list(uplinks), mtu
        self.members = {}  # HostSystem -> [(pnic device or None, uplink name, uplink port key)], one per uplink
        self.portgroups = []
        self.ports = {}  # port key -> DistributedPortgroup that owns it (the uplink port group for uplink ports)
        self.next_port = 0
        self.config_version = 1
        self.default_setting = default_port_setting(self.uplinks)
        # vCenter creates the uplink port group with a VLAN trunk over all VLANs.
        trunk = VDS.VmwarePortConfigPolicy(vlan=VDS.TrunkVlanSpec(inherited=False, vlanId=[vim.NumericRange(start=0, end=4094)]))
        self.uplink_portgroup = self._new_portgroup(vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
            name="{0}-DVUplinks-{1}".format(name, moid.split("-")[-1]), numPorts=0, type="earlyBinding", defaultPortConfig=trunk), uplink=True)

    def allocate_port(self, portgroup):
        self.next_port += 1
        key = str(self.next_port - 1)
        self.ports[key] = portgroup
        portgroup.port_keys.append(key)
        return key

    def release_port(self, key):
        portgroup = self.ports.pop(key)
        portgroup.port_keys.remove(key)

    def add_member(self, host, pnics):
        """pnics[i] backs uplink i ("Uplink 1" is the first). vCenter gives a member host one uplink port per
        uplink of the switch, whether a pnic backs it or not."""
        if len(pnics) > len(self.uplinks):
            raise ValueError("{0} has {1} uplinks, {2} has {3} pnics for it".format(self.name, len(self.uplinks), host.name, len(pnics)))
        pnics = list(pnics) + [None] * (len(self.uplinks) - len(pnics))
        self.members[host] = [(pnic, uplink, self.allocate_port(self.uplink_portgroup)) for pnic, uplink in zip(pnics, self.uplinks)]
        self.uplink_portgroup.resize_config()

    # --- host membership (ReconfigureDvs_Task spec.host, HostNetworkSystem.UpdateNetworkConfig proxySwitch) --------------

    def plan_backing(self, host, pnic_specs, where, state=None, bad_port="NotFound", others=None):
        """The member list [(pnic or None, uplink, port key)] a pnic backing gives host, validated, nothing changed.

        pnic_specs is the whole backing, as vmware_dvs_host and VMware's own migration code (vmware-vcenter's
        vc_dvswitch_migrate) send it: pnics it leaves out leave the switch. A spec's uplinkPortKey must be one of the
        host's uplink ports here (else `bad_port`: NotFound for an edit, InvalidArgument for an add); without one, the
        pnic keeps the port it backs now, else takes the host's first free uplink port (Uplink 1 first).
        state: the host's HostNetState to check pnics against (default: its committed one); others: {switch: member
        list} of the host's other proxy switches after the change (a pnic is on one switch only).
        """
        net = state or host.net
        current = self.members.get(host, [])
        ports = [port for _pnic, _uplink, port in current]
        keyed, unkeyed, seen = {}, [], set()
        for spec in pnic_specs or []:
            device = spec.pnicDevice
            if device not in net.pnics:
                raise faults.not_found("Physical NIC {0} not found".format(device))
            if device in seen:
                raise faults.invalid_argument(where + ".pnicDevice", "{0} is listed twice.".format(device))
            seen.add(device)
            if spec.uplinkPortgroupKey and spec.uplinkPortgroupKey != self.uplink_portgroup.moid:
                raise faults.invalid_argument(where + ".uplinkPortgroupKey",
                                              "{0} is not the uplink port group of {1}.".format(spec.uplinkPortgroupKey, self.name))
            if spec.uplinkPortKey:
                if spec.uplinkPortKey not in ports:
                    message = "The uplink port {0} of {1} on {2} was not found.".format(spec.uplinkPortKey, host.name, self.name)
                    raise faults.not_found(message) if bad_port == "NotFound" else faults.invalid_argument(where + ".uplinkPortKey", message)
                if spec.uplinkPortKey in keyed:
                    raise faults.invalid_argument(where + ".uplinkPortKey", "Uplink port {0} is given twice.".format(spec.uplinkPortKey))
                keyed[spec.uplinkPortKey] = device
            else:
                unkeyed.append(device)
            owner = next((name for name, vswitch in net.vswitches.items() if device in net._bridge_nics(vswitch)), None)
            owner = owner or next((other.name for other, members in (others or {}).items()
                                   if other is not self and device in [p for p, _u, _k in members if p]), None)
            if owner is not None:
                raise faults.resource_in_use(device, "The physical NIC {0} is already in use by {1}.".format(device, owner))
        had = {pnic: port for pnic, _uplink, port in current if pnic is not None}
        for device in unkeyed:
            port = had.get(device)
            if port is None or port in keyed:
                port = next((key for key in ports if key not in keyed), None)
            if port is None:
                raise faults.invalid_argument(where + ".pnicDevice", "{0} has no free uplink port on {1} for {2}.".format(
                    host.name, self.name, device))
            keyed[port] = device
        return [(keyed.get(port), uplink, port) for _pnic, uplink, port in current]

    def remove_member(self, host):
        for _pnic, _uplink, port in self.members.pop(host):
            self.release_port(port)
        self.uplink_portgroup.resize_config()

    def ReconfigureDvs_Task(self, call, spec):
        """Host membership: spec.host add / edit / remove (what vmware_dvs_host, govc dvs.add and the vSphere Client's
        "Add and manage hosts" send). The switch's other settings are not simulated: a spec that sets one is NotSupported."""
        def work():
            if spec.configVersion is not None and spec.configVersion != str(self.config_version):
                raise faults.make("ConcurrentAccess", "Cannot complete operation due to concurrent modification by another operation.")
            for prop in type(spec)._GetPropertyList():
                value = getattr(spec, prop.name)
                if prop.name not in ("dynamicType", "dynamicProperty", "configVersion", "host") and value not in (None, []):
                    raise faults.not_supported("The simulator's ReconfigureDvs changes host membership only, not spec.{0}".format(prop.name))
            plans = []  # (operation, host, member list) checked for every host before anything changes
            for member in spec.host or []:
                host = call.inv.get(member.host)
                plans.append((member.operation, host, self._plan_member(call, member, host, [p[1] for p in plans])))
            for operation, host, members in plans:
                if operation == "add":
                    self.members[host] = [(pnic, uplink, self.allocate_port(self.uplink_portgroup)) for pnic, uplink, _port in members]
                    self.uplink_portgroup.resize_config()
                elif operation == "edit" and members is not None:
                    self.members[host] = members
                elif operation == "remove":
                    self.remove_member(host)
            if plans:
                self.config_version += 1
                for _operation, host, _members in plans:
                    host.network_changed()
            call.inv.touch(self, *self.portgroups)
        return run_task(call, self, "dvs.DistributedVirtualSwitch.reconfigure", work)

    def _plan_member(self, call, member, host, earlier):
        """The member list of one DistributedVirtualSwitchHostMemberConfigSpec (None: the backing does not change).

        Faults as VMware's own vCenter QA tests expect them (tests/simulator/README.md, Distributed switch membership)."""
        where = "spec.host.backing.pnicSpec"
        if host in earlier:
            raise faults.invalid_argument("spec.host", "{0} is given twice.".format(host.name))
        if member.backing is not None and not isinstance(member.backing, vim.dvs.HostMember.PnicBacking):
            raise faults.invalid_argument("spec.host.backing")
        specs = member.backing.pnicSpec if member.backing is not None else []
        if member.operation == "add":
            if host in self.members:
                raise faults.already_exists(host.name, "The host {0} is already a member of {1}.".format(host.name, self.name))
            if host.datacenter() is not self.datacenter():
                raise faults.invalid_argument("spec.host.host", "{0} is not in the datacenter of {1}.".format(host.name, self.name))
            if any(s.uplinkPortKey for s in specs):  # the host has no uplink port yet
                raise faults.invalid_argument(where + ".uplinkPortKey")
            try:
                host.require_connection()
                self.members[host] = [(None, uplink, str(-1 - n)) for n, uplink in enumerate(self.uplinks)]  # ports to come
                try:
                    planned = self.plan_backing(host, specs, where, bad_port="InvalidArgument", others=self._other_members(host))
                finally:
                    del self.members[host]
            except faults.SoapFault as failure:
                # vCenter pushes a new member's proxy switch to the host; what the host refuses comes back per host
                raise faults.make("DvsOperationBulkFault", "An error occurred during host configuration.",
                                  hostFault=[vim.fault.DvsOperationBulkFault.FaultOnHost(host=host.ref, fault=failure.fault)]) from None
            return planned
        if member.operation in ("edit", "remove") and host not in self.members:
            raise faults.not_found("The host {0} is not a member of {1}.".format(host.name, self.name))
        if member.operation == "edit":
            if member.backing is None:
                return None
            try:
                host.require_connection()
            except faults.SoapFault as failure:
                raise faults.make("DvsOperationBulkFault", "An error occurred during host configuration.",
                                  hostFault=[vim.fault.DvsOperationBulkFault.FaultOnHost(host=host.ref, fault=failure.fault)]) from None
            return self.plan_backing(host, specs, where, others=self._other_members(host))
        if member.operation == "remove":
            users = self.host_connections(host)
            if users:
                raise faults.resource_in_use(self.name, "The resource '{0}' is in use: {1} has {2} virtual NIC(s) on it.".format(
                    self.name, host.name, users))
            return None
        raise faults.invalid_argument("spec.host.operation")

    def _other_members(self, host):
        return {dvs: dvs.members[host] for dvs in host.dvswitches() if dvs is not self}

    def datacenter(self):
        node = self.parent
        while node.vim_type != "Datacenter":
            node = node.parent
        return node

    # --- connections ---------------------------------------------------------------------

    def connections(self, host_states=None):
        """{port key: (host, connected entity, nic key, connectee type)} for every port in use.

        host_states: {HostSystem: HostNetState} to use instead of a host's committed state (a change in progress).
        """
        host_states = host_states or {}
        used = {}
        for host, ports in self.members.items():
            for pnic, _uplink, port in ports:
                if pnic is not None:
                    used[port] = (host, host, pnic, "pnic")
            net = host_states.get(host, host.net)
            for vnic in net.vnics.values():
                connection = vnic.spec.distributedVirtualPort
                if connection is not None and connection.switchUuid == self.uuid:
                    used[connection.portKey] = (host, host, vnic.device, "hostVmkVnic")
        for vm in self.datacenter().vms():
            for nic in vm.nics:
                if nic.dvs is self:
                    used[nic.port_key] = (vm.host, vm, str(nic.key), "vmVnic")
        return used

    def connect(self, portgroup, requested=None, current=None, host_states=None):
        """The port a new connection to portgroup gets: `requested` if given, the `current` one if it is
        already in this port group, else the lowest free one (growing the port group as vCenter does).

        Holds the tree lock until the calling SOAP call ends (the host commits the vmk before that)."""
        self.inv.locks.hold(self.inv.locks.tree)
        if portgroup not in self.portgroups:  # destroyed since the caller found it
            raise faults.invalid_argument("distributedVirtualPort.portgroupKey")
        used = self.connections(host_states)
        if requested is not None:
            if self.ports.get(requested) is not portgroup:
                raise faults.invalid_argument("distributedVirtualPort.portKey",
                                              "Port {0} is not a port of {1}.".format(requested, portgroup.name))
            if requested in used and requested != current:
                raise faults.resource_in_use(requested, "The port {0} of {1} is already in use.".format(requested, portgroup.name))
            return requested
        if current is not None and self.ports.get(current) is portgroup:
            return current
        free = [key for key in portgroup.port_keys if key not in used]
        if free:
            return free[0]
        if portgroup.config.type == "ephemeral":
            return self.allocate_port(portgroup)
        if not portgroup.config.autoExpand:
            raise faults.make("DvsFault", "No free port is available in the distributed port group {0}.".format(portgroup.name))
        added = [self.allocate_port(portgroup) for _n in range(8)]
        portgroup.resize_config()
        return added[0]

    def vms(self):
        return [vm for vm in self.datacenter().vms() if any(nic.dvs is self for nic in vm.nics)]

    def member_pnics(self, host):
        return [pnic for pnic, _uplink, _port in self.members.get(host, []) if pnic is not None]

    def check_name(self, name, portgroup=None):
        """vCenter keeps network names unique per folder: port groups of every switch in the folder of this
        switch count, those of a switch in another network folder (or datacenter) do not."""
        for dvs in self.parent.entities:
            for other in getattr(dvs, "portgroups", ()):
                if other.name == name and other is not portgroup:
                    raise faults.make("DuplicateName", "The name '{0}' already exists.".format(name), name=name, object=other.ref)

    def _new_portgroup(self, spec, uplink=False):
        name = entity_name(spec.name)  # kept and returned escaped, as vCenter does (tests/simulator/README.md)
        self.check_name(name)
        portgroup = self.inv.add(DistributedPortgroup(self.inv, self.inv.new_moid("dvportgroup"), name, self.parent, self, uplink))
        portgroup.configure(spec)
        self.portgroups = self.portgroups + [portgroup]
        if not uplink and portgroup.config.type != "ephemeral":
            for _n in range(portgroup.config.numPorts):
                self.allocate_port(portgroup)
        self.inv.touch(self, *self.members)
        return portgroup

    def host_connections(self, host):
        """vmks and VM NICs of one host connected to this switch."""
        vmks = [v for v in host.net.vnics.values() if v.spec.distributedVirtualPort and v.spec.distributedVirtualPort.switchUuid == self.uuid]
        return len(vmks) + sum(1 for vm in host.vms() for nic in vm.nics if nic.dvs is self)

    def render_proxy_switch(self, host):
        members = self.members[host]
        pnic_specs = [vim.dvs.HostMember.PnicSpec(pnicDevice=pnic, uplinkPortKey=port, uplinkPortgroupKey=self.uplink_portgroup.moid)
                      for pnic, _uplink, port in members if pnic is not None]
        return vim.host.HostProxySwitch(
            dvsUuid=self.uuid, dvsName=self.name, key=self.uuid, numPorts=512, configNumPorts=512,
            numPortsAvailable=512 - len(members) - self.host_connections(host), mtu=self.mtu,
            pnic=["key-vim.host.PhysicalNic-" + pnic for pnic, _uplink, _port in members if pnic is not None],
            uplinkPort=[vim.KeyValue(key=port, value=uplink) for _pnic, uplink, port in members],
            spec=vim.host.HostProxySwitch.Specification(backing=vim.dvs.HostMember.PnicBacking(pnicSpec=pnic_specs)))

    def p_uuid(self):
        return self.uuid

    def p_portgroup(self):
        return vim.dvs.DistributedVirtualPortgroup.Array([pg.ref for pg in self.portgroups])

    def p_summary(self):
        hosts = [h.ref for h in self.members]
        return vim.DistributedVirtualSwitch.Summary(
            name=self.name, uuid=self.uuid, numPorts=len(self.ports), productInfo=PRODUCT, hostMember=hosts, host=hosts,
            vm=[vm.ref for vm in self.vms()], portgroupName=[pg.name for pg in self.portgroups], numHosts=len(hosts),
            contact=vim.DistributedVirtualSwitch.ContactInfo(name="", contact=""))

    def p_runtime(self):
        """Every member is up, as config.host[].status says."""
        return vim.DistributedVirtualSwitch.RuntimeInfo(
            hostMemberRuntime=[vim.dvs.HostMember.RuntimeInfo(host=host.ref, status="up") for host in self.members])

    def p_config(self):
        members = [vim.dvs.HostMember(
            config=vim.dvs.HostMember.ConfigInfo(host=host.ref, maxProxySwitchPorts=512, backing=vim.dvs.HostMember.PnicBacking(
                pnicSpec=[vim.dvs.HostMember.PnicSpec(pnicDevice=pnic, uplinkPortKey=port, uplinkPortgroupKey=self.uplink_portgroup.moid)
                          for pnic, _uplink, port in ports if pnic is not None])),
            productInfo=PRODUCT, uplinkPortKey=[port for _pnic, _uplink, port in ports], status="up") for host, ports in self.members.items()]
        return VDS.ConfigInfo(
            uuid=self.uuid, name=self.name, numStandalonePorts=0, numPorts=len(self.ports), maxPorts=2147483647,
            uplinkPortPolicy=vim.DistributedVirtualSwitch.NameArrayUplinkPortPolicy(uplinkPortName=list(self.uplinks)),
            uplinkPortgroup=[self.uplink_portgroup.ref], defaultPortConfig=self.default_setting, host=members, productInfo=PRODUCT,
            configVersion=str(self.config_version), contact=vim.DistributedVirtualSwitch.ContactInfo(name="", contact=""),
            createTime=CREATED, networkResourceManagementEnabled=False, maxMtu=self.mtu, pvlanConfig=[],
            # Network I/O Control version 3 is what a switch of version 6.0 or later has (vSphere Networking guide).
            networkResourceControlVersion="version3", defaultProxySwitchMaxNumPorts=512,
            linkDiscoveryProtocolConfig=vim.host.LinkDiscoveryProtocolConfig(protocol="cdp", operation="listen"),
            lacpApiVersion="multipleLag", multicastFilteringMode="legacyFiltering",
            # NetFlow off (no collector; vSphere's defaults: 60 s active, 15 s idle timeout, every packet sampled) and no health checks.
            ipfixConfig=VDS.IpfixConfig(collectorPort=0, observationDomainId=0, activeFlowTimeout=60, idleFlowTimeout=15, samplingRate=0,
                                        internalFlowsOnly=False),
            healthCheckConfig=[VDS.VlanMtuHealthCheckConfig(enable=False, interval=1), VDS.TeamingHealthCheckConfig(enable=False, interval=1)])

    def uplink_ports(self):
        """{uplink port key: (member host, uplink name)}."""
        return {port: (host, uplink) for host, ports in self.members.items() for _pnic, uplink, port in ports}

    def _ports(self, criteria):
        used = self.connections()
        uplinks = self.uplink_ports()
        found = []
        for key, portgroup in self.ports.items():
            if portgroup.config.type == "ephemeral" and key not in used:
                continue  # an ephemeral port exists while something is connected to it
            if criteria is not None:
                if criteria.portKey and key not in criteria.portKey:
                    continue
                if criteria.portgroupKey and criteria.inside is not None and (portgroup.moid in criteria.portgroupKey) != criteria.inside:
                    continue
                if criteria.uplinkPort is not None and portgroup.uplink != criteria.uplinkPort:
                    continue
                if criteria.connected is not None and (key in used) != criteria.connected:
                    continue
                proxy = used[key][0] if key in used else uplinks.get(key, (None, None))[0]
                if criteria.host and (proxy is None or proxy.moid not in [h._moId for h in criteria.host]):
                    continue
            found.append((key, portgroup, used.get(key)))
        return found

    def FetchDVPortKeys(self, call, criteria=None):
        return [key for key, _pg, _used in self._ports(criteria)]

    def FetchDVPorts(self, call, criteria=None):
        result = []
        uplinks = self.uplink_ports()
        for key, portgroup, user in self._ports(criteria):
            connectee = None
            if user is not None:
                _host, entity, nic, kind = user
                connectee = vim.dvs.PortConnectee(connectedEntity=entity.ref, nicKey=nic, type=kind)
            uplink_host, uplink = uplinks.get(key, (None, None))
            proxy = user[0] if user else uplink_host
            result.append(vim.dvs.DistributedVirtualPort(
                key=key, config=vim.dvs.DistributedVirtualPort.ConfigInfo(
                    name=uplink, setting=portgroup.config.defaultPortConfig, configVersion="0"),
                dvsUuid=self.uuid, portgroupKey=portgroup.moid, proxyHost=proxy.ref if proxy else None, connectee=connectee,
                conflict=False, lastStatusChange=CREATED))
        return result

    def AddDVPortgroup_Task(self, call, spec):
        def work():
            for one in spec:
                self._new_portgroup(one)
        return run_task(call, self, "dvs.DistributedVirtualSwitch.addPortgroups", work)

    def CreateDVPortgroup_Task(self, call, spec):
        return run_task(call, self, "dvs.DistributedVirtualSwitch.addPortgroup", lambda: self._new_portgroup(spec).ref)


class DistributedPortgroup(Entity):
    vim_type = "DistributedVirtualPortgroup"

    def __init__(self, inv, moid, name, parent, dvs, uplink):
        super().__init__(inv, moid, name, parent)
        self.dvs, self.uplink = dvs, uplink
        self.config = None
        self.config_version = 0
        self.port_keys = []  # the keys of the switch's ports this port group owns, in order

    def configure(self, spec):
        """Apply a ConfigSpec over the current config (the switch defaults for a new port group)."""
        current = self.config
        setting = merge_port_setting(
            current.defaultPortConfig if current else _mark_inherited(self.dvs.default_setting, True), spec.defaultPortConfig,
            self.dvs.default_setting)
        order = setting.uplinkTeamingPolicy.uplinkPortOrder
        listed = list(order.activeUplinkPort) + list(order.standbyUplinkPort)
        if any(name not in self.dvs.uplinks for name in listed) or len(set(listed)) != len(listed):
            raise faults.invalid_argument("spec.defaultPortConfig.uplinkTeamingPolicy.uplinkPortOrder")
        if isinstance(setting.vlan, VDS.VlanIdSpec) and not 0 <= setting.vlan.vlanId <= 4094:
            raise faults.invalid_argument("spec.defaultPortConfig.vlan.vlanId")
        if spec.type is not None and spec.type not in ("earlyBinding", "lateBinding", "ephemeral"):
            raise faults.invalid_argument("spec.type")
        self.config_version += 1
        self.name = entity_name(spec.name) or self.name
        self.config = vim.dvs.DistributedVirtualPortgroup.ConfigInfo(
            key=self.moid, name=self.name, distributedVirtualSwitch=self.dvs.ref, defaultPortConfig=setting,
            numPorts=spec.numPorts if spec.numPorts is not None else (current.numPorts if current else 8),
            description=spec.description if spec.description is not None else (current.description if current else None),
            type=spec.type or (current.type if current else "earlyBinding"),
            policy=_portgroup_policy(spec.policy if spec.policy is not None else (current.policy if current else None)),
            autoExpand=spec.autoExpand if spec.autoExpand is not None else (current.autoExpand if current else True),
            configVersion=str(self.config_version), uplink=self.uplink, backingType="standard")

    def resize_config(self):
        """config.numPorts follows the ports the port group owns (an elastic one grows); a new object, never a changed one."""
        if self.config is not None and self.config.type != "ephemeral":
            config = copy.copy(self.config)
            config.numPorts = len(self.port_keys)
            self.config = config

    def resize(self, count):
        """ReconfigureDVPortgroup with numPorts: add ports, or remove free ones from the end."""
        if self.config.type == "ephemeral" or self.uplink:
            return
        used = self.dvs.connections()
        while len(self.port_keys) < count:
            self.dvs.allocate_port(self)
        removable = [key for key in reversed(self.port_keys) if key not in used][:len(self.port_keys) - count]
        if len(self.port_keys) - len(removable) > count:
            raise faults.invalid_argument("spec.numPorts", "{0} ports of {1} are in use.".format(len(self.port_keys) - len(removable), self.name))
        for key in removable:
            self.dvs.release_port(key)

    def connected_vnics(self):
        return [(host, vnic.device) for host in self.dvs.members for vnic in host.net.vnics.values()
                if vnic.spec.distributedVirtualPort is not None and vnic.spec.distributedVirtualPort.portgroupKey == self.moid]

    def vms(self):
        return [vm for vm in self.dvs.datacenter().vms() if any(nic.portgroup is self for nic in vm.nics)]

    def p_key(self):
        return self.moid

    def p_config(self):
        return self.config

    def p_host(self):
        return vim.HostSystem.Array([h.ref for h in self.dvs.members])

    def p_vm(self):
        return vim.VirtualMachine.Array([vm.ref for vm in self.vms()])

    def p_portKeys(self):
        if self.config.type == "ephemeral":
            used = self.dvs.connections()
            return [key for key in self.port_keys if key in used]
        return list(self.port_keys)

    def p_summary(self):
        return vim.Network.Summary(network=self.ref, name=self.name, accessible=True)

    def ReconfigureDVPortgroup_Task(self, call, spec):
        def work():
            if spec.configVersion is not None and spec.configVersion != self.config.configVersion:
                raise faults.make("ConcurrentAccess", "Cannot complete operation due to concurrent modification by another operation.")
            if spec.name and entity_name(spec.name) != self.name:
                self.dvs.check_name(entity_name(spec.name), self)
            if spec.type is not None and spec.type != self.config.type and (self.connected_vnics() or self.vms()):
                raise faults.resource_in_use(self.name, "The port binding of {0} cannot change while ports are in use.".format(self.name))
            previous = self.config, self.config_version, self.name
            self.configure(spec)
            try:
                if spec.numPorts is not None or self.config.type != previous[0].type:
                    self.resize(self.config.numPorts if self.config.type != "ephemeral" else 0)
                    self.resize_config()
            except faults.SoapFault:
                self.config, self.config_version, self.name = previous
                call.inv.touch()  # hosts read config without the lock: what they cached meanwhile must go (no object changed)
                raise
            call.inv.touch(self, self.dvs, *self.dvs.members)
        return run_task(call, self, "dvs.DistributedVirtualPortgroup.reconfigure", work)

    def Destroy_Task(self, call):
        def work():
            if self.uplink or self.connected_vnics() or self.vms():
                users = ", ".join(["{0}/{1}".format(h.name, d) for h, d in self.connected_vnics()] + [vm.name for vm in self.vms()])
                raise faults.resource_in_use(self.name, "The resource '{0}' is in use by {1}.".format(self.name, users or "the switch uplinks"))
            for key in list(self.port_keys):
                self.dvs.release_port(key)
            self.dvs.portgroups = [pg for pg in self.dvs.portgroups if pg is not self]
            call.inv.remove(self)
            call.inv.touch(self.dvs, *self.dvs.members)
        return run_task(call, self, "dvs.DistributedVirtualPortgroup.destroy", work)
