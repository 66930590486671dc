#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: multinic_vmotion_portgroups
short_description: Build, correct or remove the multi-NIC vMotion layout of an ESXi host
version_added: 0.1.0
description:
  - Brings one ESXi host to a multi-NIC vMotion layout; each vMotion vmk gets its own port group whose teaming override
    has exactly one active uplink and the other uplinks unused (or standby), the address of its index's subnet, and vMotion on.
  - The vmks may share one vSwitch, be spread over several vSwitches, or sit on a distributed switch.
  - Reads the host once, computes the difference, validates the whole layout against the host and reports every problem
    at once before the first write, applies the changes in as few calls as the API allows
    (one C(UpdateNetworkConfig) for all standard port groups and vmks), then reads the host again to verify.
  - Settings the layout does not name (VLAN, MTU, other services, other teaming fields) are left as they are.
    The management vmk and port groups carrying management are never modified.
author:
  - multinic.vmotion contributors (@multinic)
options:
  esxi_hostname:
    description:
      - The ESXi host, as vCenter knows it. Optional against a standalone ESXi host.
      - Use O(hosts) instead to work on many hosts in one task.
    type: str
  vmks:
    description:
      - The vMotion vmks of the host, as produced by the P(multinic.vmotion.vmotion_layout#filter) filter.
      - Keys V(index) and V(subnet) from the filter are accepted and ignored.
      - One of O(vmks) and O(hosts) is required.
    type: list
    elements: dict
    suboptions: &vmk_options
      device:
        description:
          - Existing vmk to use for this entry. Without it, the vmk already in O(vmks[].portgroup), or else the vmk
            holding O(vmks[].ip), is used, or a new vmk is created (ESXi picks its name).
        type: str
      portgroup:
        description: Port group of the vmk; created when missing.
        type: str
        required: true
      switch:
        description: Standard vSwitch of the port group. Give O(vmks[].switch) or O(vmks[].dvswitch).
        type: str
      dvswitch:
        description: Distributed switch of the port group (created once per switch, shared by its hosts).
        type: str
      vlan_id:
        description: VLAN of the port group (0-4094). Left as it is when omitted (0 for a new port group).
        type: int
      active_uplink:
        description: The one active uplink (a vmnic of the vSwitch, or an uplink port name of the distributed switch).
        type: str
        required: true
      uplinks:
        description: The uplinks that become standby with O(vmks[].failover=standby); default every other uplink of the switch.
        type: list
        elements: str
      failover:
        description: What the other uplinks are, V(unused) or V(standby).
        type: str
        choices: [unused, standby]
        default: unused
      ip:
        description: IPv4 or IPv6 address, optionally with C(/prefix).
        type: str
        required: true
      prefix_length:
        description: Prefix length of O(vmks[].ip).
        type: int
      netmask:
        description: IPv4 netmask, instead of O(vmks[].prefix_length).
        type: str
      mtu:
        description: MTU of the vmk (1280-9000). Left as it is when omitted (1500 for a new vmk).
        type: int
      netstack:
        description: TCP/IP stack, fixed when the vmk is created.
        type: str
        choices: [default, vmotion]
        default: default
      index:
        description: Index from the layout filter (ignored).
        type: int
      subnet:
        description: Subnet from the layout filter (ignored).
        type: str
  hosts:
    description:
      - Many hosts in one task, each with its own layout. All hosts are read in one batched call, every problem of every
        host is reported before the first write, a distributed port group shared by the hosts is changed once, and the
        changed hosts are verified with one more batched read.
      - Roles use it with C(run_once) over the hosts of a play batch, so that C(serial) still rolls the change.
    type: list
    elements: dict
    suboptions:
      esxi_hostname:
        description: The ESXi host.
        type: str
        required: true
      vmks:
        description: Its vMotion vmks, as O(vmks).
        type: list
        elements: dict
        required: true
        suboptions: *vmk_options
  state:
    description:
      - V(present) builds or corrects the layout.
      - V(absent) removes the layout's vmks and their standard port groups (distributed port groups are shared by other hosts and stay).
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - Also remove vMotion vmks that only carry vMotion and are not in the layout, and their now-empty standard port groups.
    type: bool
    default: false
extends_documentation_fragment:
  - community.vmware.vmware.documentation
  - multinic.vmotion.scope.attributes_change
notes:
  - With O(esxi_hostname) and O(vmks) the result of the host is also at the top level (RV(operations), RV(applied), RV(vmks), RV(diff)).
requirements:
  - pyVmomi
  - netaddr
  - requests
"""

EXAMPLES = r"""
- name: Two vMotion vmks on one vSwitch with two uplinks (KB 2007467)
  multinic.vmotion.multinic_vmotion_portgroups:
    esxi_hostname: esx01.example.com
    vmks:
      - {portgroup: vMotion-1, switch: vSwitch1, active_uplink: vmnic2, ip: 172.16.1.51/24, mtu: 9000}
      - {portgroup: vMotion-2, switch: vSwitch1, active_uplink: vmnic3, ip: 172.16.2.51/24, mtu: 9000}

- name: From a per-index plan, with standby instead of unused
  multinic.vmotion.multinic_vmotion_portgroups:
    esxi_hostname: "{{ inventory_hostname }}"
    vmks: "{{ vmotion_plan | multinic.vmotion.vmotion_layout(ansible_host, defaults={'failover': 'standby'}) }}"
  delegate_to: localhost

- name: Every host of the play batch in one task (two reads for all of them)
  multinic.vmotion.multinic_vmotion_portgroups:
    hosts: "{{ ansible_play_batch | map('extract', hostvars, 'vmotion_layout_for_host') | list }}"
  run_once: true
  delegate_to: localhost

- name: Remove the layout
  multinic.vmotion.multinic_vmotion_portgroups:
    esxi_hostname: esx01.example.com
    state: absent
    vmks:
      - {portgroup: vMotion-1, switch: vSwitch1, active_uplink: vmnic2, ip: 172.16.1.51/24}
"""

RETURN = r"""
hosts:
  description: Per host, C(changed), C(operations), C(applied), C(vmks) and (diff mode) C(diff).
  returned: always
  type: dict
  sample:
    esx01.example.com:
      changed: true
      operations: [{op: enable_vmotion, device: vmk1, portgroup: vMotion-1}]
      applied: [{op: enable_vmotion, device: vmk1, portgroup: vMotion-1}]
      vmks: []
host:
  description: The host, when O(esxi_hostname) is used.
  returned: when O(hosts) is not used
  type: str
operations:
  description: The operations planned (check mode) or applied, in order.
  returned: when O(hosts) is not used
  type: list
  elements: dict
  sample:
    - {op: add_portgroup, portgroup: vMotion-1, switch: vSwitch1, vlan_id: 0, active: [vmnic2], standby: []}
    - {op: add_vmk, portgroup: vMotion-1, ip: 172.16.1.51, prefix_length: 24, mtu: 9000, netstack: defaultTcpipStack}
    - {op: enable_vmotion, device: vmk1, portgroup: vMotion-1}
applied:
  description: Operations applied by this run (also returned on failure, with the operations not applied).
  returned: when O(hosts) is not used, and on failure
  type: list
  elements: dict
not_applied:
  description: Operations not applied because of a failure.
  returned: on failure during apply
  type: list
  elements: dict
in_doubt:
  description: Operations of the step whose answer was lost with the connection; they may have been applied. A re-run settles them.
  returned: on failure during apply
  type: list
  elements: dict
vmks:
  description: The host's vmks after the run (as in M(multinic.vmotion.vmk_vmotion_facts)).
  returned: when O(hosts) is not used
  type: list
  elements: dict
diff:
  description: Port groups and vmks before and after; with O(hosts), keyed by the hosts that change.
  returned: when diff mode is on
  type: dict
"""

import copy

try:
    from pyVim.task import WaitForTask
    from pyVmomi import vim
except ImportError:
    pass  # reported by the vSphere client

from ansible_collections.multinic.vmotion.plugins.module_utils._module import VmotionModule
from ansible_collections.multinic.vmotion.plugins.module_utils._plan import PlanError, plan_layout, preview
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere import VsphereError

NETWORK_CONFIG_OPS = ("add_portgroup", "update_portgroup", "add_vmk", "update_vmk")
REMOVAL_OPS = ("remove_vmk", "remove_portgroup")


def _nic_order(active, standby):
    return vim.host.NetworkPolicy.NicOrderPolicy(activeNic=list(active), standbyNic=list(standby))


def _ip_config(op):
    if op["version"] == 6:
        addresses = [vim.host.IpConfig.IpV6Address(ipAddress=op["ip"], prefixLength=op["prefix_length"], operation="add")]
        addresses += [vim.host.IpConfig.IpV6Address(ipAddress=a, prefixLength=64, operation="remove") for a in op.get("remove_ipv6") or []]
        return vim.host.IpConfig(dhcp=False, ipV6Config=vim.host.IpConfig.IpV6AddressConfiguration(
            ipV6Address=addresses, autoConfigurationEnabled=False, dhcpV6Enabled=False))
    return vim.host.IpConfig(dhcp=False, ipAddress=op["ip"], subnetMask=op["netmask"])


class MultinicVmotionPortgroups(VmotionModule):
    def __init__(self, argument_spec, **kwargs):
        super(MultinicVmotionPortgroups, self).__init__(argument_spec, **kwargs)
        self.applied = {}  # host name -> operations applied, in order
        self.dv_done = {}  # distributed port group name -> key: shared by the hosts, changed once per run

    def layouts(self):
        """{host name or None: vmks} from either esxi_hostname + vmks or hosts."""
        if self.params["hosts"]:
            names = [h["esxi_hostname"] for h in self.params["hosts"]]
            twice = sorted(set(n for n in names if names.count(n) > 1))
            if twice:
                self.fail("hosts: %s listed more than once" % ", ".join(twice))
            return dict((h["esxi_hostname"], h["vmks"]) for h in self.params["hosts"])
        return {self.params["esxi_hostname"]: self.params["vmks"]}

    def read(self, names):
        """{name: HostState} for the named hosts, in one batched read; None means the only host of an ESXi."""
        states = self.read_hosts(esxi_hostname=None if names == [None] else names)
        if names == [None] and len(states) != 1:
            self.fail("give esxi_hostname: the vCenter has %d hosts (%s)" % (len(states), ", ".join(sorted(states)[:10])))
        return states

    def plan_all(self, layouts, states):
        """{name: ops} for every host; every problem of every host at once, before any write."""
        plans, problems, hosts_with_problems = {}, [], 0
        for name, state in states.items():
            vmks = layouts.get(name, layouts.get(None))
            try:
                plans[name] = plan_layout(vmks, state.facts, state=self.params["state"], purge=self.params["purge"])
            except PlanError as e:
                problems.extend("%s: %s" % (name, p) for p in e.problems)
                hosts_with_problems += 1
        if problems:
            self.fail("nothing changed: %d problem(s) on %d host(s): %s" % (len(problems), hosts_with_problems, "; ".join(problems)),
                      problems=problems)
        return plans

    def run(self):
        layouts = self.layouts()
        states = self.read(list(layouts))
        plans = self.plan_all(layouts, states)
        previews = dict((name, preview(states[name].facts, ops)) for name, ops in plans.items())
        changed_hosts = [name for name, ops in plans.items() if ops]
        if changed_hosts and not self.check_mode:
            for name in changed_hosts:
                self.apply(states[name], plans[name])
            # Verify with one more batched read of the changed hosts: the plan must now be empty.
            after_states = self.read(changed_hosts)
            leftovers = self.plan_all(dict((n, layouts.get(n, layouts.get(None))) for n in changed_hosts), after_states)
            unfinished = dict((n, ops) for n, ops in leftovers.items() if ops)
            if unfinished:
                self.fail("verification after apply found differences still to fix: %s" % unfinished, applied=self.applied)
            states.update(after_states)
            for name in changed_hosts:
                previews[name] = (previews[name][0], preview(states[name].facts, [])[0])
        hosts = {}
        for name, ops in plans.items():
            hosts[name] = {"changed": bool(ops), "operations": ops, "applied": self.applied.get(name, []), "vmks": states[name].facts["vmks"]}
            if self.module._diff:
                hosts[name]["diff"] = {"before": previews[name][0], "after": previews[name][1]}
        result = dict(changed=bool(changed_hosts), hosts=hosts)
        if self.module._diff:
            # Ansible shows one before/after per task: per host, for the hosts that change.
            result["diff"] = {"before": dict((n, hosts[n]["diff"]["before"]) for n in changed_hosts),
                              "after": dict((n, hosts[n]["diff"]["after"]) for n in changed_hosts)}
        if not self.params["hosts"]:
            # One host: its result at the top level too, as most users read it.
            name, single = next(iter(hosts.items()))
            result.update(host=name, operations=single["operations"], applied=single["applied"], vmks=single["vmks"])
            if "diff" in single:
                result["diff"] = single["diff"]
        self.exit(**result)

    # -- apply ------------------------------------------------------------------

    def apply(self, state, ops):
        raw = self._raw_network(state)
        self.applied[state.name] = []
        new_devices = {}
        batches = [
            [op for op in ops if op["op"] in ("add_dvportgroup", "update_dvportgroup")],
            [op for op in ops if op["op"] in NETWORK_CONFIG_OPS],
            [op for op in ops if op["op"] == "enable_vmotion"],
            [op for op in ops if op["op"] in REMOVAL_OPS],
        ]
        for op in batches[0]:
            if op["portgroup"] in self.dv_done:  # another host of this run already made the change
                self.applied[state.name].append(op)
                continue
            self._step(state.name, ops, [op], "%s %s" % (op["op"], op["portgroup"]), self._dvportgroup, op)
        if batches[1]:
            config = vim.host.NetworkConfig()
            for op in batches[1]:
                self._network_config_entry(config, op, raw)
            added = [op for op in batches[1] if op["op"] == "add_vmk"]
            result = self._step(state.name, ops, batches[1], "UpdateNetworkConfig on %s" % state.name,
                                state.network_system.UpdateNetworkConfig, config, "modify")
            for op, device in zip(added, getattr(result, "vnicDevice", None) or []):
                new_devices[op["portgroup"]] = device
                op["device"] = device
        for op in batches[2]:
            device = op["device"] or new_devices.get(op["portgroup"])
            op["device"] = device
            self._step(state.name, ops, [op], "enabling vMotion on %s %s" % (state.name, device),
                       state.nic_manager.SelectVnicForNicType, "vmotion", device)
        if batches[3]:
            config = vim.host.NetworkConfig()
            for op in batches[3]:
                if op["op"] == "remove_vmk":
                    config.vnic.append(vim.host.VirtualNic.Config(changeOperation="remove", device=op["device"], portgroup=""))
                else:
                    spec = copy.deepcopy(raw["portgroups"][op["portgroup"]].spec)
                    config.portgroup.append(vim.host.PortGroup.Config(changeOperation="remove", spec=spec))
            self._step(state.name, ops, batches[3], "removing vmks/port groups on %s" % state.name,
                       state.network_system.UpdateNetworkConfig, config, "modify")

    def _step(self, name, ops, batch, what, method, *args):
        try:
            value = self.client.call(what, method, *args)
        except VsphereError as e:
            done = list(self.applied[name])
            in_doubt = list(batch) if e.outcome_unknown else []
            not_applied = [op for op in ops if op not in done and op not in in_doubt]
            doubt = "; the answer was lost, so %d operation(s) of this step may or may not have been applied" % len(in_doubt) if in_doubt else ""
            others = ", ".join("%s: %d" % (n, len(a)) for n, a in self.applied.items() if n != name and a)
            self.fail("%s%s; applied before the failure on %s: %d operation(s), not applied: %d%s; a re-run converges"
                      % (e, doubt, name, len(done), len(not_applied), "; fully applied on other hosts (%s)" % others if others else ""),
                      host=name, applied=done, in_doubt=in_doubt, not_applied=not_applied, operations=ops, hosts_applied=self.applied)
        self.applied[name].extend(batch)
        return value

    @staticmethod
    def _raw_network(state):
        network = state.raw_network
        return {
            "portgroups": dict((pg.spec.name, pg) for pg in network.portgroup or []),
            "vnics": dict((v.device, v) for v in network.vnic or []),
        }

    def _network_config_entry(self, config, op, raw):
        kind = op["op"]
        if kind == "add_portgroup":
            spec = vim.host.PortGroup.Specification(
                name=op["portgroup"], vswitchName=op["switch"], vlanId=op["vlan_id"],
                policy=vim.host.NetworkPolicy(nicTeaming=vim.host.NetworkPolicy.NicTeamingPolicy(nicOrder=_nic_order(op["active"], op["standby"]))))
            config.portgroup.append(vim.host.PortGroup.Config(changeOperation="add", spec=spec))
        elif kind == "update_portgroup":
            # Start from the port group's own spec so that every setting not in the layout stays.
            spec = copy.deepcopy(raw["portgroups"][op["portgroup"]].spec)
            if "vlan_id" in op:
                spec.vlanId = op["vlan_id"]
            if "teaming" in op:
                spec.policy = spec.policy or vim.host.NetworkPolicy()
                spec.policy.nicTeaming = spec.policy.nicTeaming or vim.host.NetworkPolicy.NicTeamingPolicy()
                spec.policy.nicTeaming.nicOrder = _nic_order(op["teaming"]["active"], op["teaming"]["standby"])
            config.portgroup.append(vim.host.PortGroup.Config(changeOperation="edit", spec=spec))
        elif kind == "add_vmk":
            spec = vim.host.VirtualNic.Specification(ip=_ip_config(op), mtu=op["mtu"], netStackInstanceKey=op["netstack"])
            portgroup = op["portgroup"]
            if op["dvswitch"]:
                spec.distributedVirtualPort = self._dvport(op["dvswitch"], op["portgroup"])
                portgroup = ""
            config.vnic.append(vim.host.VirtualNic.Config(changeOperation="add", portgroup=portgroup, spec=spec))
        elif kind == "update_vmk":
            spec = vim.host.VirtualNic.Specification()
            if "ip" in op:
                spec.ip = _ip_config(op)
            if "mtu" in op:
                spec.mtu = op["mtu"]
            portgroup = raw["vnics"][op["device"]].portgroup or ""
            if "portgroup" in op:
                if op.get("dvswitch"):
                    spec.distributedVirtualPort = self._dvport(op["dvswitch"], op["portgroup"])
                    portgroup = ""
                else:
                    spec.portgroup = portgroup = op["portgroup"]
            config.vnic.append(vim.host.VirtualNic.Config(changeOperation="edit", device=op["device"], portgroup=portgroup, spec=spec))

    # -- distributed switch ---------------------------------------------------------

    def _dvswitch(self, name):
        for uuid, switch in self.inventory.distributed_switches().items():
            if switch["name"] == name:
                return uuid, switch
        raise VsphereError("distributed switch %r not found" % name)

    def _dvport(self, dvswitch, portgroup):
        uuid, _switch = self._dvswitch(dvswitch)
        key = self.dv_done.get(portgroup)
        if key is None:
            key = next((k for k, g in self.inventory.distributed_portgroups().items() if g["name"] == portgroup), None)
        return vim.dvs.PortConnection(switchUuid=uuid, portgroupKey=key)

    def _dvportgroup(self, op):
        _uuid, switch = self._dvswitch(op["switch"])
        teaming = vim.dvs.VmwareDistributedVirtualSwitch.UplinkPortTeamingPolicy(
            inherited=False,
            uplinkPortOrder=vim.dvs.VmwareDistributedVirtualSwitch.UplinkPortOrderPolicy(
                inherited=False, activeUplinkPort=op["teaming"]["active"] if "teaming" in op else op["active"],
                standbyUplinkPort=op["teaming"]["standby"] if "teaming" in op else op["standby"]))
        port_config = vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy()
        if op["op"] == "add_dvportgroup" or "teaming" in op:
            port_config.uplinkTeamingPolicy = teaming
        if "vlan_id" in op:
            port_config.vlan = vim.dvs.VmwareDistributedVirtualSwitch.VlanIdSpec(inherited=False, vlanId=op["vlan_id"])
        if op["op"] == "add_dvportgroup":
            spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(name=op["portgroup"], type="earlyBinding", numPorts=8,
                                                                  autoExpand=True, defaultPortConfig=port_config)
            task = switch["moref"].CreateDVPortgroup_Task(spec)
            self._wait(task, "creating distributed port group %s" % op["portgroup"])
            self.dv_done[op["portgroup"]] = task.info.result.key
        else:
            group = self.inventory.distributed_portgroups()[op["key"]]["moref"]
            spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(configVersion=group.config.configVersion, defaultPortConfig=port_config)
            self._wait(group.ReconfigureDVPortgroup_Task(spec), "reconfiguring distributed port group %s" % op["portgroup"])
            self.dv_done[op["portgroup"]] = op["key"]

    def _wait(self, task, what):
        try:
            WaitForTask(task, si=self.client.si)
        except Exception as e:  # WaitForTask re-raises the task's fault
            raise VsphereError("%s failed: %s" % (what, e))


def main():
    vmk_spec = dict(
        device=dict(type="str"),
        portgroup=dict(type="str", required=True),
        switch=dict(type="str"),
        dvswitch=dict(type="str"),
        vlan_id=dict(type="int"),
        active_uplink=dict(type="str", required=True),
        uplinks=dict(type="list", elements="str"),
        failover=dict(type="str", choices=["unused", "standby"], default="unused"),
        ip=dict(type="str", required=True),
        prefix_length=dict(type="int"),
        netmask=dict(type="str"),
        mtu=dict(type="int"),
        netstack=dict(type="str", choices=["default", "vmotion"], default="default"),
        index=dict(type="int"),
        subnet=dict(type="str"),
    )
    MultinicVmotionPortgroups(
        dict(
            esxi_hostname=dict(type="str"),
            vmks=dict(type="list", elements="dict", options=vmk_spec),
            hosts=dict(type="list", elements="dict", options=dict(
                esxi_hostname=dict(type="str", required=True),
                vmks=dict(type="list", elements="dict", required=True, options=vmk_spec),
            )),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            purge=dict(type="bool", default=False),
        ),
        scoped=False,
        required_one_of=[["vmks", "hosts"]],
        mutually_exclusive=[["vmks", "hosts"], ["esxi_hostname", "hosts"]],
    ).execute()


if __name__ == "__main__":
    main()
