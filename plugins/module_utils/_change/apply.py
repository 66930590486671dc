# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The write layer: planned operations in, vSphere write calls out, what happened as plain data.

Operations come from _change.plan (layouts) or _change.services_plan (one service on chosen vmks). Each host's
operations go in as few calls as the API allows, in the plan's order:
  1. distributed port groups (shared by hosts: created or changed once per run), then each uplink step to a
     distributed switch in one UpdateNetworkConfig of its own (the pnic, its vSwitch's bridge, the vmks it carries),
  1b. vmks that change TCP/IP stack removed in one UpdateNetworkConfig (re-created in the next: a standard port group
     holds one vmk, and a stack is fixed at creation),
  2. every standard port group and vmk change in one UpdateNetworkConfig,
  3. services, one Select/DeselectVnicForNicType per vmk, then the vmotion TCP/IP stack's gateways (one
     UpdateNetworkConfig with a netStackSpec: the gateway is reached on-link from the stack's vmks, created in 2),
  4. removals in one more UpdateNetworkConfig.
Every call goes through _vsphere.VsphereClient. The first failure stops the run and raises
ApplyError, which knows per host what was applied, what was not and what is in doubt (the
connection was lost before the answer, so the call may have run). So does a cancelled run
(Cancellation): it stops before its next write, the one under way finishing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

try:
    from pyVmomi import vim
except ImportError:
    pass  # reported by the vSphere client

from ansible_collections.multinic.vmotion.plugins.module_utils._change.outcome import Outcome
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import ApplyError, VsphereError

DVPORTGROUP_OPS = ("add_dvportgroup", "update_dvportgroup")
NETWORK_CONFIG_OPS = ("add_portgroup", "update_portgroup", "add_vmk", "update_vmk")
SERVICE_OPS = ("enable_vmotion", "set_service")
REMOVAL_OPS = ("remove_vmk", "remove_portgroup")


# ---------------------------------------------------------------- specs (pure pyVmomi objects)


def nic_order(active, standby):
    return vim.host.NetworkPolicy.NicOrderPolicy(activeNic=list(active), standbyNic=list(standby))


def ip_config(op):
    """HostIpConfig for an add_vmk/update_vmk operation: static IPv4, or IPv6-only with the old addresses removed."""
    if op["version"] == 6:
        addresses = [vim.host.IpConfig.IpV6Address(ipAddress=op["ip"], prefixLength=op["prefix_length"], operation="add")]
        # remove_ipv6: "address/prefix length" of the manual addresses the vmk had, each removed with its own prefix length.
        for old in op.get("remove_ipv6") or []:
            address, _slash, prefix = old.partition("/")
            addresses.append(vim.host.IpConfig.IpV6Address(ipAddress=address, prefixLength=int(prefix or 64), operation="remove"))
        return vim.host.IpConfig(dhcp=False, ipV6Config=vim.host.IpConfig.IpV6AddressConfiguration(
            ipV6Address=addresses, autoConfigurationEnabled=False, dhcpV6Enabled=False))
    return vim.host.IpConfig(dhcp=False, ipAddress=op["ip"], subnetMask=op["netmask"])


def portgroup_config(op, current_spec=None):
    """HostPortGroupConfig for add/update/remove of a standard port group.

    Updates and removals start from the port group's own spec as read, so that every
    setting the layout does not name stays as it is.
    """
    if op["op"] == "add_portgroup":
        spec = vim.host.PortGroup.Specification(
            name=op["portgroup"], vswitchName=op["switch"], vlanId=op["vlan_id"],
            policy=vim.host.NetworkPolicy(nicTeaming=vim.host.NetworkPolicy.NicTeamingPolicy(nicOrder=nic_order(op["active"], op["standby"]))))
        return vim.host.PortGroup.Config(changeOperation="add", spec=spec)
    spec = copy.deepcopy(current_spec)
    if op["op"] == "remove_portgroup":
        return vim.host.PortGroup.Config(changeOperation="remove", spec=spec)
    if "vlan_id" in op:
        spec.vlanId = op["vlan_id"]
    if "teaming" in op:
        spec.policy = spec.policy or vim.host.NetworkPolicy()
        spec.policy.nicTeaming = spec.policy.nicTeaming or vim.host.NetworkPolicy.NicTeamingPolicy()
        spec.policy.nicTeaming.nicOrder = nic_order(op["teaming"]["active"], op["teaming"]["standby"])
    return vim.host.PortGroup.Config(changeOperation="edit", spec=spec)


def route_spec(gateway):
    """HostVirtualNicIpRouteSpec of a vmk's default gateway override (vSphere 6.5+), None without one."""
    if not gateway:
        return None
    config = vim.host.IpRouteConfig(ipV6DefaultGateway=gateway) if ":" in gateway else vim.host.IpRouteConfig(defaultGateway=gateway)
    return vim.host.VirtualNic.IpRouteSpec(ipRouteConfig=config)


def vnic_config(op, current_portgroup="", dvport=None):
    """HostVirtualNicConfig for add/update/remove of a vmk; dvport is the PortConnection of a distributed port group."""
    if op["op"] == "remove_vmk":
        return vim.host.VirtualNic.Config(changeOperation="remove", device=op["device"], portgroup="")
    if op["op"] == "add_vmk":
        spec = vim.host.VirtualNic.Specification(ip=ip_config(op), mtu=op["mtu"], netStackInstanceKey=op["netstack"],
                                                 ipRouteSpec=route_spec(op.get("gateway")))
        if dvport is not None:
            spec.distributedVirtualPort = dvport
        return vim.host.VirtualNic.Config(changeOperation="add", portgroup="" if dvport is not None else op["portgroup"], spec=spec)
    spec = vim.host.VirtualNic.Specification()
    if "ip" in op:
        spec.ip = ip_config(op)
    if "mtu" in op:
        spec.mtu = op["mtu"]
    if "gateway" in op:
        spec.ipRouteSpec = route_spec(op["gateway"])
    portgroup = current_portgroup or ""
    if "portgroup" in op:
        if dvport is not None:
            spec.distributedVirtualPort = dvport
            portgroup = ""
        else:
            spec.portgroup = portgroup = op["portgroup"]
    return vim.host.VirtualNic.Config(changeOperation="edit", device=op["device"], portgroup=portgroup, spec=spec)


def stack_config(op):
    """The HostNetworkConfig of an update_stack: an ``edit`` of the stack's ipRouteConfig, which ESXi takes whole (the plan
    sends the gateway it leaves as it is); gatewayDevice is for the service console only (API reference), so none."""
    route = vim.host.IpRouteConfig(defaultGateway=op["gateway"] or None, ipV6DefaultGateway=op["gateway_ipv6"] or None)
    spec = vim.host.NetworkConfig.NetStackSpec(operation="edit", netStackInstance=vim.host.NetStackInstance(key=op["stack"], ipRouteConfig=route))
    return vim.host.NetworkConfig(netStackSpec=[spec])


def dvportgroup_spec(op, config_version=None):
    """DVPortgroupConfigSpec for add_dvportgroup / update_dvportgroup: only the named settings are sent."""
    vds = vim.dvs.VmwareDistributedVirtualSwitch
    teaming = op.get("teaming") or {"active": op.get("active"), "standby": op.get("standby")}
    port_config = vds.VmwarePortConfigPolicy()
    if op["op"] == "add_dvportgroup" or "teaming" in op:
        port_config.uplinkTeamingPolicy = vds.UplinkPortTeamingPolicy(
            inherited=False, uplinkPortOrder=vds.UplinkPortOrderPolicy(
                inherited=False, activeUplinkPort=list(teaming["active"] or []), standbyUplinkPort=list(teaming["standby"] or [])))
    if "vlan_id" in op:
        port_config.vlan = vds.VlanIdSpec(inherited=False, vlanId=op["vlan_id"])
    if op["op"] == "add_dvportgroup":
        return vim.dvs.DistributedVirtualPortgroup.ConfigSpec(name=op["portgroup"], type="earlyBinding", numPorts=8, autoExpand=True,
                                                              defaultPortConfig=port_config)
    return vim.dvs.DistributedVirtualPortgroup.ConfigSpec(configVersion=config_version, defaultPortConfig=port_config)


# ---------------------------------------------------------------- the applier


class Applier(object):
    """Applies per-host operations through a VsphereClient.

    hosts: {name: HostState} as read (network_system, nic_manager, raw_network, facts);
    inventory: the _vsphere.Inventory of the same read (distributed switches and port groups).
    """

    def __init__(self, client, hosts, inventory=None, cancellation=None):
        self.client = client
        self.hosts = hosts
        self.inventory = inventory
        self.cancellation = cancellation
        self.dv_done = {}  # (switch uuid, port group name) -> key: shared port groups change once per run
        self.outcome = None

    def apply(self, plans):
        """Apply {host name: ops} in host order; returns the Outcome, or raises ApplyError."""
        self.outcome = Outcome(plans)
        for name in sorted(plans, key=natural_key):
            if plans[name]:
                self._apply_host(name, plans[name])
        return self.outcome

    def _apply_host(self, name, ops):
        state = self.hosts[name]
        for op in [o for o in ops if o["op"] in DVPORTGROUP_OPS]:
            self._dvportgroup(name, state, op)
        # the host's switches as each step leaves them: the next step of this run starts from there, not from the read
        backing, vswitches = _proxy_backings(state), dict((v.name, v.spec) for v in state.raw_network.vswitch or [])
        for op in [o for o in ops if o["op"] == "migrate_uplink"]:
            config = self._uplink_step_config(state, op, backing, vswitches)
            self._step(name, [op], lambda: self.client.update_network_config(
                state.network_system, config, "moving %s to %s of %s on %s" % (op["pnic"], op["uplink"], op["dvswitch"], name)))
            backing[op["uuid"]] = list(config.proxySwitch[0].spec.backing.pnicSpec)
            for edit in config.vswitch:
                vswitches[edit.name] = edit.spec
        restacked = [o for o in ops if o.get("restack")]
        if restacked:
            self._removals(name, state, restacked, "removing vmks to re-create them on another TCP/IP stack on %s" % name)
        network_ops = [o for o in ops if o["op"] in NETWORK_CONFIG_OPS]
        if network_ops:
            self._network_config(name, state, network_ops)
        for op in [o for o in ops if o["op"] in SERVICE_OPS]:
            self._service(name, state, op)
        for op in [o for o in ops if o["op"] == "update_stack"]:
            self._step(name, [op], lambda: self.client.update_network_config(
                state.network_system, stack_config(op), "setting the %s TCP/IP stack's gateway on %s" % (op["stack"], name)))
        removals = [o for o in ops if o["op"] in REMOVAL_OPS and not o.get("restack")]
        if removals:
            self._removals(name, state, removals, "removing vmks/port groups on %s" % name)

    def _removals(self, name, state, removals, what):
        config = vim.host.NetworkConfig()
        portgroups = _by_name(state)
        for op in removals:
            if op["op"] == "remove_vmk":
                config.vnic.append(vnic_config(op))
            else:
                config.portgroup.append(portgroup_config(op, portgroups[op["portgroup"]].spec))
        self._step(name, removals, lambda: self.client.update_network_config(state.network_system, config, what))

    def _step(self, name, batch, call):
        """Run one write; on failure record the batch as in doubt (answer lost) and raise ApplyError. A cancelled run
        stops here, before the write."""
        reason = self.cancellation.check() if self.cancellation is not None else None
        if reason:
            raise ApplyError("cancelled (%s) before the next write on %s; %s; a re-run converges"
                             % (reason, name, self.outcome.summary(name).replace("the failure", "the cancel")), self.outcome, host=name)
        try:
            value = call()
        except VsphereError as e:
            if e.outcome_unknown:
                self.outcome.in_doubt[name].extend(batch)
            raise ApplyError("%s; %s; a re-run converges" % (e, self.outcome.summary(name)), self.outcome, host=name,
                             outcome_unknown=e.outcome_unknown)
        self.outcome.applied[name].extend(batch)
        return value

    def _network_config(self, name, state, ops):
        config = vim.host.NetworkConfig()
        portgroups, vnics = _by_name(state), dict((v.device, v) for v in state.raw_network.vnic or [])
        for op in ops:
            if op["op"] in ("add_portgroup", "update_portgroup"):
                current = portgroups.get(op["portgroup"])
                config.portgroup.append(portgroup_config(op, current.spec if current is not None else None))
                continue
            dvport = self._dvport(state, op.get("dvswitch"), op["portgroup"]) if op.get("dvswitch") and "portgroup" in op else None
            current = vnics.get(op.get("device"))
            config.vnic.append(vnic_config(op, current.portgroup if current is not None else "", dvport))
        what = "UpdateNetworkConfig on %s" % name
        result = self._step(name, ops, lambda: self.client.update_network_config(state.network_system, config, what))
        added = [op for op in ops if op["op"] == "add_vmk"]
        for op, device in zip(added, getattr(result, "vnicDevice", None) or []):
            op["device"] = device  # the enable step and the result name the new vmk

    def _service(self, name, state, op):
        if op["op"] == "enable_vmotion":
            device = op["device"] or next((o.get("device") for o in self.outcome.plans[name]
                                           if o["op"] == "add_vmk" and o["portgroup"] == op["portgroup"]), None)
            op["device"] = device
            service, enabled = "vmotion", True
        else:
            device, service, enabled = op["device"], op["service"], op["enabled"]
        what = "%s %s on %s %s" % ("enabling" if enabled else "disabling", "vMotion" if service == "vmotion" else service, name, device)
        self._step(name, [op], lambda: self.client.set_service(state.nic_manager, service, device, enabled, what))

    def _uplink_step_config(self, state, op, backing, vswitches):
        """One step of an uplink migration as one HostNetworkConfig: the pnic joins its uplink port of the distributed switch
        (the host's whole backing, as ESXi takes it), leaves the vSwitch's bridge and teaming, and the vmks it becomes the
        active uplink of move to their distributed port groups, all or nothing on the host."""
        pnic = vim.dvs.HostMember.PnicSpec(pnicDevice=op["pnic"], uplinkPortKey=op["port_key"])
        config = vim.host.NetworkConfig(proxySwitch=[vim.host.HostProxySwitch.Config(
            changeOperation="edit", uuid=op["uuid"], spec=vim.host.HostProxySwitch.Specification(
                backing=vim.dvs.HostMember.PnicBacking(pnicSpec=list(backing.get(op["uuid"], [])) + [pnic])))])
        if op["from_switch"]:
            spec = copy.deepcopy(vswitches[op["from_switch"]])
            left = [n for n in (spec.bridge.nicDevice if spec.bridge else []) if n != op["pnic"]]
            spec.bridge = vim.host.VirtualSwitch.BondBridge(nicDevice=left) if left else None
            teaming = spec.policy.nicTeaming if spec.policy is not None else None
            if teaming is not None and teaming.nicOrder is not None:
                teaming.nicOrder = nic_order([n for n in teaming.nicOrder.activeNic or [] if n != op["pnic"]],
                                             [n for n in teaming.nicOrder.standbyNic or [] if n != op["pnic"]])
            config.vswitch = [vim.host.VirtualSwitch.Config(changeOperation="edit", name=op["from_switch"], spec=spec)]
        for moved in op["vmks"]:
            edit = {"op": "update_vmk", "device": moved["device"], "portgroup": moved["portgroup"], "dvswitch": moved["dvswitch"]}
            config.vnic.append(vnic_config(edit, "", self._dvport(state, moved["dvswitch"], moved["portgroup"])))
        return config

    # -- distributed switch ----------------------------------------------------

    def _switch_uuid(self, state, name):
        for switch in state.facts.get("switches") or []:
            if switch["type"] == "distributed" and switch["name"] == name:
                return switch["uuid"]
        raise VsphereError("distributed switch %r is not a switch of %s" % (name, state.name))

    def _group_key(self, uuid, portgroup):
        key = self.dv_done.get((uuid, portgroup))
        if key is None:
            key = next((k for k, g in self.inventory.distributed_portgroups().items()
                        if g["switch_uuid"] == uuid and g["name"] == portgroup), None)
        return key

    def _dvport(self, state, dvswitch, portgroup):
        uuid = self._switch_uuid(state, dvswitch)
        return vim.dvs.PortConnection(switchUuid=uuid, portgroupKey=self._group_key(uuid, portgroup))

    def _dvportgroup(self, name, state, op):
        uuid = self._switch_uuid(state, op["switch"])
        if (uuid, op["portgroup"]) in self.dv_done:  # another host of this run already made the change
            self.outcome.applied[name].append(op)
            return
        what = "%s %s" % (op["op"], op["portgroup"])
        if op["op"] == "add_dvportgroup":
            switch = self.inventory.distributed_switches()[uuid]["moref"]
            key = self._step(name, [op], lambda: self.client.create_dvportgroup(switch, dvportgroup_spec(op), what))
        else:
            group = self.inventory.distributed_portgroups()[op["key"]]["moref"]

            def reconfigure():
                version = self.client.config_version(group, what)
                self.client.reconfigure_dvportgroup(group, dvportgroup_spec(op, version), what)
            self._step(name, [op], reconfigure)
            key = op["key"]
        self.dv_done[(uuid, op["portgroup"])] = key


def _proxy_backings(state):
    """{switch uuid: [PnicSpec]} of the host's distributed switches as read, kept up to date by the uplink steps."""
    return dict((proxy.dvsUuid, list(getattr(getattr(getattr(proxy, "spec", None), "backing", None), "pnicSpec", None) or []))
                for proxy in state.raw_network.proxySwitch or [])


def _by_name(state):
    return dict((pg.spec.name, pg) for pg in state.raw_network.portgroup or [])
