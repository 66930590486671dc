"""VMware distributed switch and its port groups, as vCenter presents them.

Port group settings inherit from the switch's defaultPortConfig: a setting a spec leaves unset
(or marks `inherited`) is the switch's value with `inherited: true`, the way vCenter reports it.
"""

import copy
import datetime

from pyVmomi import VmomiSupport, vim

from . import faults
from .model import Entity
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
        self.members = {}  # HostSystem -> [(pnic device, uplink name, uplink port key)]
        self.portgroups = []
        self.next_port = 0
        self.config_version = 1
        self.default_setting = default_port_setting(self.uplinks)
        # vCenter creates the uplink port group with a VLAN trunk over all VLANs.
        trunk = VDS.VmwarePortConfigPolicy(vlan=VDS.TrunkVlanSpec(inherited=False, vlanId=[vim.NumericRange(start=0, end=4094)]))
        self.uplink_portgroup = self._new_portgroup(vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
            name="{0}-DVUplinks-{1}".format(name, moid.split("-")[-1]), numPorts=0, type="earlyBinding", defaultPortConfig=trunk), uplink=True)

    def allocate_port(self):
        self.next_port += 1
        return str(self.next_port - 1)

    def add_member(self, host, pnics):
        """pnics[i] backs uplink i ("Uplink 1" is the first)."""
        self.members[host] = [(pnic, self.uplinks[i], self.allocate_port()) for i, pnic in enumerate(pnics)]

    def member_pnics(self, host):
        return [pnic for pnic, _uplink, _port in self.members.get(host, [])]

    def _new_portgroup(self, spec, uplink=False):
        if any(pg.name == spec.name for pg in self.portgroups):
            raise faults.make("DuplicateName", "The name '{0}' already exists.".format(spec.name), name=spec.name, object=self.ref)
        portgroup = self.inv.add(DistributedPortgroup(self.inv, self.inv.new_moid("dvportgroup"), spec.name, self.parent, self, uplink))
        portgroup.configure(spec)
        self.portgroups.append(portgroup)
        self.inv.touch(self, *self.members)
        return portgroup

    def render_proxy_switch(self, host):
        members = self.members[host]
        pnic_specs = [vim.dvs.HostMember.PnicSpec(pnicDevice=pnic, uplinkPortKey=port, uplinkPortgroupKey=self.uplink_portgroup.moid)
                      for pnic, _uplink, port in members]
        return vim.host.HostProxySwitch(
            dvsUuid=self.uuid, dvsName=self.name, key=self.uuid, numPorts=512, configNumPorts=512,
            numPortsAvailable=512 - len(members), mtu=self.mtu, pnic=["key-vim.host.PhysicalNic-" + pnic for pnic, _uplink, _port in members],
            uplinkPort=[vim.KeyValue(key=port, value=uplink) for _pnic, uplink, port in members],
            spec=vim.host.HostProxySwitch.Specification(backing=vim.dvs.HostMember.PnicBacking(pnicSpec=pnic_specs)))

    def p_uuid(self):
        return self.uuid

    def p_portgroup(self):
        return vim.dvs.DistributedVirtualPortgroup.Array([pg.ref for pg in self.portgroups])

    def p_summary(self):
        hosts = [h.ref for h in self.members]
        return vim.DistributedVirtualSwitch.Summary(
            name=self.name, uuid=self.uuid, numPorts=self.next_port, productInfo=PRODUCT, hostMember=hosts, host=hosts,
            portgroupName=[pg.name for pg in self.portgroups], numHosts=len(hosts))

    def p_config(self):
        members = [vim.dvs.HostMember(
            config=vim.dvs.HostMember.ConfigInfo(host=host.ref, maxProxySwitchPorts=512, backing=vim.dvs.HostMember.PnicBacking(
                pnicSpec=[vim.dvs.HostMember.PnicSpec(pnicDevice=pnic, uplinkPortKey=port, uplinkPortgroupKey=self.uplink_portgroup.moid)
                          for pnic, _uplink, port in ports])),
            productInfo=PRODUCT, uplinkPortKey=[port for _pnic, _uplink, port in ports], status="up") for host, ports in self.members.items()]
        return VDS.ConfigInfo(
            uuid=self.uuid, name=self.name, numStandalonePorts=0, numPorts=self.next_port, maxPorts=2147483647,
            uplinkPortPolicy=vim.DistributedVirtualSwitch.NameArrayUplinkPortPolicy(uplinkPortName=list(self.uplinks)),
            uplinkPortgroup=[self.uplink_portgroup.ref], defaultPortConfig=self.default_setting, host=members, productInfo=PRODUCT,
            configVersion=str(self.config_version), contact=vim.DistributedVirtualSwitch.ContactInfo(name="", contact=""),
            createTime=CREATED, networkResourceManagementEnabled=False, maxMtu=self.mtu, pvlanConfig=[],
            linkDiscoveryProtocolConfig=vim.host.LinkDiscoveryProtocolConfig(protocol="cdp", operation="listen"),
            lacpApiVersion="multipleLag", multicastFilteringMode="legacyFiltering")

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
        self.name = spec.name or self.name
        self.config = vim.dvs.DistributedVirtualPortgroup.ConfigInfo(
            key=self.moid, name=self.name, distributedVirtualSwitch=self.dvs.ref, defaultPortConfig=setting,
            numPorts=spec.numPorts if spec.numPorts is not None else (current.numPorts if current else 8),
            description=spec.description if spec.description is not None else (current.description if current else None),
            type=spec.type or (current.type if current else "earlyBinding"),
            policy=_portgroup_policy(spec.policy if spec.policy is not None else (current.policy if current else None)),
            autoExpand=spec.autoExpand if spec.autoExpand is not None else (current.autoExpand if current else True),
            configVersion=str(self.config_version), uplink=self.uplink, backingType="standard")

    def connected_vnics(self):
        return [(host, vnic.device) for host in self.dvs.members for vnic in host.net.vnics.values()
                if vnic.spec.distributedVirtualPort is not None and vnic.spec.distributedVirtualPort.portgroupKey == self.moid]

    def p_key(self):
        return self.moid

    def p_config(self):
        return self.config

    def p_host(self):
        return vim.HostSystem.Array([h.ref for h in self.dvs.members])

    def p_vm(self):
        return []

    def p_portKeys(self):
        return []

    def p_summary(self):
        return vim.Network.Summary(network=self.ref, name=self.name, accessible=True)

    def ReconfigureDVPortgroup_Task(self, call, spec):
        def work():
            if spec.configVersion is not None and spec.configVersion != self.config.configVersion:
                raise faults.make("ConcurrentAccess", "Cannot complete operation due to concurrent modification by another operation.")
            if spec.name and spec.name != self.name and any(pg.name == spec.name for pg in self.dvs.portgroups):
                raise faults.make("DuplicateName", "The name '{0}' already exists.".format(spec.name), name=spec.name, object=self.ref)
            self.configure(spec)
            call.inv.touch(self, self.dvs, *self.dvs.members)
        return run_task(call, self, "dvs.DistributedVirtualPortgroup.reconfigure", work)

    def Destroy_Task(self, call):
        def work():
            if self.uplink or self.connected_vnics():
                users = ", ".join("{0}/{1}".format(h.name, d) for h, d in self.connected_vnics()) or "the switch uplinks"
                raise faults.resource_in_use(self.name, "The resource '{0}' is in use by {1}.".format(self.name, users))
            self.dvs.portgroups.remove(self)
            call.inv.remove(self)
            call.inv.touch(self.dvs, *self.dvs.members)
        return run_task(call, self, "dvs.DistributedVirtualPortgroup.destroy", work)
