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
      - Every key is checked strictly, and every problem reported together, before anything is written; names and addresses
        must be strings (a list where a name is expected is refused, not turned into text), numbers must be integers.
      - One of O(vmks) and O(hosts) is required.
    type: list
    elements: dict
    suboptions: &vmk_options
      device:
        description:
          - Existing vmk to use for this entry. Without it, the vmk already in O(vmks[].portgroup), or else the vmk
            holding O(vmks[].ip), is used, or a new vmk is created (ESXi picks its name).
        type: raw
      portgroup:
        description: Port group of the vmk; created when missing.
        type: raw
        required: true
      switch:
        description: Standard vSwitch of the port group. Give O(vmks[].switch) or O(vmks[].dvswitch).
        type: raw
      dvswitch:
        description: Distributed switch of the port group (created once per switch, shared by its hosts).
        type: raw
      vlan_id:
        description: VLAN of the port group (0-4094). Left as it is when omitted (0 for a new port group).
        type: int
      active_uplink:
        description: The one active uplink (a vmnic of the vSwitch, or an uplink port name of the distributed switch).
        type: raw
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
        type: raw
        required: true
      prefix_length:
        description: Prefix length of O(vmks[].ip).
        type: int
      netmask:
        description: IPv4 netmask, instead of O(vmks[].prefix_length).
        type: raw
      mtu:
        description: MTU of the vmk (1280-9000). Left as it is when omitted (1500 for a new vmk).
        type: int
      netstack:
        description:
          - TCP/IP stack of the vmk. ESXi fixes it when the vmk is created, so an existing vMotion-only vmk asked on the
            other stack is removed and re-created right away with the address given in O(vmks[].ip) (two writes; ESXi
            names it anew, the lowest free vmkN). This is judged as a removal (refused for a vmk that carries anything
            but vMotion) and as a move (refused with O(allow_moves=false)).
        type: str
        choices: [default, vmotion]
        default: default
      uplink_pnic:
        description:
          - On a distributed switch, the physical NIC behind O(vmks[].active_uplink) on this host.
          - When it is an uplink of a standard vSwitch it moves to that uplink of the distributed switch in a step of its
            own (one C(UpdateNetworkConfig)), with the vmks it becomes the active uplink of, so that every vMotion index
            keeps a path between steps (as vSphere's "Migrate networking" moves one uplink at a time). A pnic used by a
            port group with management or VM ports is refused, and so is an order that would leave a vmk without an
            active uplink. O(max_migration_steps) spreads the steps over runs.
          - The host must be a member of the distributed switch (with free uplinks).
        type: raw
        version_added: 0.3.0
      gateway:
        description:
          - The vmk's own default gateway (C(HostVirtualNicSpec.ipRouteSpec), vSphere 6.5+), overriding its TCP/IP stack's,
            for vMotion routed between subnets (a subnet per rack, say). Another host address of the vmk's subnet, of its
            address family.
          - Left as it is when omitted.
        type: raw
        version_added: 0.3.0
      index:
        description: Index from the layout filter (ignored).
        type: int
      subnet:
        description: Subnet from the layout filter (ignored).
        type: raw
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
      vmotion_stack:
        description: Its vmotion TCP/IP stack's default gateways, as O(vmotion_stack).
        type: dict
        suboptions: &stack_options
          gateway:
            description: IPv4 default gateway.
            type: str
          gateway_ipv6:
            description: IPv6 default gateway.
            type: str
  max_migration_steps:
    description:
      - Apply at most this many uplink steps (O(vmks[].uplink_pnic)) per host in this run; V(0), the default, applies them all.
      - V(1) moves one uplink (and its vmks) per run, so that the path can be checked between steps (for example with
        M(multinic.vmotion.vmotion_connectivity)); a later run goes on where it stopped. The verification after the writes
        leaves the steps still to come out.
    type: int
    default: 0
    version_added: 0.3.0
  vmotion_stack:
    description:
      - The default gateways of the host's V(vmotion) TCP/IP stack, for vMotion routed between subnets (a subnet per rack).
        Every vmk on that stack without its own O(vmks[].gateway) reaches other subnets through it.
      - Set with C(UpdateNetworkConfig) (an C(edit) of the stack's C(ipRouteConfig)) after the vmks, as ESXi reaches a
        gateway on-link; the gateway must be another host address of the subnet of a vmk on the V(vmotion) stack, after
        the change. A gateway left out stays as it is.
      - The host's stacks are read (same call) only when this is given.
    type: dict
    suboptions: *stack_options
  state:
    description:
      - V(present) builds or corrects the layout.
      - V(absent) removes the layout's vmks and their standard port groups (distributed port groups are shared by other hosts and stay).
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - Also remove vMotion vmks that only carry vMotion and are not in the layout, and the standard port groups left empty - those
        of the removed vmks, those a vmk moves away from in this run (a move to a distributed switch), and empty ones whose
        name contains C(vmotion) in any case (left by an earlier move without O(purge)).
      - A port group the layout names, or that carries a vmk or a virtual machine port, is never removed.
    type: bool
    default: false
  allow_moves:
    description:
      - An existing vMotion vmk found in another port group (by O(vmks[].device) or by its address) is moved to the layout's
        port group; each move is reported as a warning.
      - V(false) refuses such moves; nothing is changed then.
    type: bool
    default: true
  unreachable_hosts:
    description:
      - What to do when vCenter cannot reach a host of the call (disconnected, or not responding, when what it shows of the
        host is stale), so that nothing on it can be read or changed.
      - V(fail) stops before any change, naming each such host and its state, as any other problem of the batch.
      - V(skip) plans and applies the other hosts and reports each such host in RV(not_read) (and as a warning); the role
        P(multinic.vmotion.multinic_vmotion#role) does this with
        O(multinic.vmotion.multinic_vmotion#role:main:multinic_vmotion_batch_mode=per_host).
    type: str
    choices: [fail, skip]
    default: fail
extends_documentation_fragment:
  - vmware.vmware.base_options
  - multinic.vmotion.connection
  - multinic.vmotion.scope.attributes_change
notes:
  - With O(esxi_hostname) and O(vmks) the result of the host is also at the top level (RV(operations), RV(changes), RV(applied), RV(vmks),
    RV(diff)).
  - Before the first write the change is judged against everything it reaches, in the same batched reads (plus one read of the
    services of other hosts when a distributed port group they use is named). Refused, with every problem of every host at once
    and nothing written - removing a vmk that carries anything but vMotion (storage, vSAN, provisioning, management); changing or
    using a distributed port group that carries management, another service or virtual machines on any host; one distributed port
    group defined differently for two hosts of the call; an address held by any other vmk of the vCenter or given twice in the call;
    a change that introduces a critical finding of M(multinic.vmotion.vmk_vmotion_facts) (for example C(SUBNET_OVERLAP),
    C(MTU_ABOVE_SWITCH), C(DUPLICATE_IP)) or a C(SHARED_ACTIVE_UPLINK); other findings it introduces are warnings.
  - The management vmk is the one carrying the management service, or the one holding the address vCenter knows the host by
    (when the host's name is an address), or C(vmk0) unless the read shows that address on another vmk; it is never changed.
  - Privileges - read-only plus C(Host.Config.Network) (Host > Configuration > Network configuration) on each host changed,
    for C(HostNetworkSystem.UpdateNetworkConfig) (standard port groups, vmks) and C(HostVirtualNicManager.SelectVnicForNicType)
    / C(DeselectVnicForNicType) (services). On a distributed switch also C(Network.Assign) on each distributed port group a
    vmk is connected to (the dynamic check of C(UpdateNetworkConfig)), C(DVPortgroup.Create) on the switch when a port group
    is created (C(CreateDVPortgroup_Task)) and C(DVPortgroup.Modify) on a port group whose VLAN or teaming is changed
    (C(ReconfigureDVPortgroup_Task)). No C(DVSwitch) privilege is needed (the switch itself is never changed) and no
    C(DVPortgroup.Delete) (distributed port groups are never removed). Check mode needs read-only only.
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
not_read:
  description: Hosts of the call vCenter cannot reach, with their state (V(disconnected), V(notResponding)); with O(unreachable_hosts=skip).
  returned: always
  type: dict
  sample: {192.168.100.110: disconnected}
hosts:
  description:
    - Per host, C(changed), C(operations), C(changes), C(applied), C(vmks), C(verified) and (diff mode) C(diff).
    - C(changes) is one line per operation, as a diff reads (V(+ port group vMotion-1 on vSwitch4 ...), V(~ vmk3 vMotion off -> on)).
    - C(verified) is V(true) when operations were applied and the host, read back, needs no more; V(null) when nothing was applied.
  returned: always
  type: dict
  sample:
    esx01.example.com:
      changed: true
      operations: [{op: enable_vmotion, device: vmk1, portgroup: vMotion-1}]
      applied: [{op: enable_vmotion, device: vmk1, portgroup: vMotion-1}]
      changes: ["~ vmk1 vMotion off -> on"]
      vmks: []
      verified: true
host:
  description: The host, when O(esxi_hostname) is used.
  returned: when O(hosts) is not used
  type: str
changes:
  description: "One line per operation, as a diff reads (V(~ vmk1: gateway the stack's -> 172.16.1.1))."
  returned: when O(hosts) is not used
  type: list
  elements: str
  version_added: 0.3.0
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
hosts_applied:
  description: Per host, the operations applied before a failure (C(changed) is true when any was).
  returned: on failure during apply
  type: dict
hosts_not_applied:
  description: Per host, the operations not applied because of a failure.
  returned: on failure during apply
  type: dict
hosts_in_doubt:
  description: Per host, the operations whose answer was lost.
  returned: on failure during apply
  type: dict
problems:
  description: Every problem found before the first write (nothing was changed).
  returned: when the layout is refused
  type: list
  elements: str
vmks:
  description: The host's vmks after the run (as in M(multinic.vmotion.vmk_vmotion_facts)).
  returned: when O(hosts) is not used
  type: list
  elements: dict
diff:
  description: The port groups and vmks that change, before and after (unchanged ones are left out); with O(hosts), keyed by the hosts that change.
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.multinic.vmotion.plugins.module_utils._change.apply import Applier
from ansible_collections.multinic.vmotion.plugins.module_utils._change.outcome import Cancellation
from ansible_collections.multinic.vmotion.plugins.module_utils._change.fleet_judgment import hosts_sharing, plan_fleet
from ansible_collections.multinic.vmotion.plugins.module_utils._module import VmotionModule
from ansible_collections.multinic.vmotion.plugins.module_utils._change.describe import describe, diff, preview
from ansible_collections.multinic.vmotion.plugins.module_utils._change.plan import PlanError, plan_host
from ansible_collections.multinic.vmotion.plugins.module_utils._change.uplink_migration import later_steps_left_out
from ansible_collections.multinic.vmotion.plugins.module_utils._core.schema import module_options
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import ApplyError, ScopeError, VsphereError
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.inventory import NETSTACK_PROPERTY


class MultinicVmotionPortgroups(VmotionModule):
    def layouts(self):
        """{host name or None: vmks} from either esxi_hostname + vmks or hosts."""
        if self.params["hosts"]:
            names = [h["esxi_hostname"] for h in self.params["hosts"]]
            twice = sorted(set(n for n in names if names.count(n) > 1))
            if twice:
                raise PlanError(["hosts: %s listed more than once" % ", ".join(twice)])
            return dict((h["esxi_hostname"], h["vmks"]) for h in self.params["hosts"])
        return {self.params["esxi_hostname"]: self.params["vmks"]}

    def stacks(self):
        """{host name or None: the vmotion TCP/IP stack's gateways asked for} of the hosts that ask for any."""
        entries = self.params["hosts"] or [dict(esxi_hostname=self.params["esxi_hostname"], vmotion_stack=self.params["vmotion_stack"])]
        return dict((h["esxi_hostname"], h["vmotion_stack"]) for h in entries if any((h.get("vmotion_stack") or {}).values()))

    def read(self, names, fleet=False):
        """{name: HostState} for the named hosts, in one batched read; None means the only host of an ESXi. The TCP/IP
        stacks are read (same call) only when a layout sets the vmotion stack's gateway."""
        try:
            states = self.read_hosts(esxi_hostname=None if names == [None] else names, fleet=fleet,
                                     host_properties=(NETSTACK_PROPERTY,) if self.stacks() else ())
        except ScopeError as e:
            if not e.unknown:
                raise
            # Each unknown name is the problem of that host, so that a role fails that host, not the batch's first.
            error = PlanError(["%s: %s" % (name, e) for name in e.unknown])
            error.hosts = len(e.unknown)
            raise error
        if names == [None] and len(states) + len(self.unread) != 1:
            raise PlanError(["give esxi_hostname: the vCenter has %d hosts (%s)" % (len(states), ", ".join(sorted(states)[:10]))])
        return states

    def judge(self, layouts, states):
        """Plan every host and judge the end state against the fleet; one more read only for hosts sharing a changed dvportgroup."""
        facts = dict((name, state.facts) for name, state in states.items())
        self.read_services(hosts_sharing(layouts, facts, self.fleet))
        stacks = self.stacks()
        return plan_fleet(layouts, facts, self.fleet, state=self.params["state"], purge=self.params["purge"],
                          allow_moves=self.params["allow_moves"], stacks=dict((name, stacks.get(name, stacks.get(None))) for name in layouts),
                          max_steps=self.params["max_migration_steps"] or None)

    def verify(self, layouts, outcome):
        """Re-read the changed hosts (one batched call): each plan must now be empty."""
        names = sorted(n for n, ops in outcome.plans.items() if ops)
        try:
            after = self.read(names)
            leftovers, stacks = {}, self.stacks()
            for name in names:
                ops, _warnings = plan_host(layouts[name], after[name].facts, state=self.params["state"], purge=self.params["purge"],
                                           stack=stacks.get(name, stacks.get(None)))
                if self.params["max_migration_steps"]:
                    # the uplink steps left for later runs, and what only they move, are not differences
                    ops = later_steps_left_out(ops)
                if ops:
                    leftovers[name] = ops
        except (VsphereError, PlanError) as e:
            raise ApplyError("every operation was applied, but the verification read after it failed: %s" % e, outcome)
        if leftovers:
            raise ApplyError("every operation was applied, but the verification after it found differences still to fix: %s" % leftovers, outcome)
        return after

    def run(self):
        layouts = self.layouts()
        states = self.read(list(layouts), fleet=True)
        if self.unread:
            # a host vCenter cannot reach is never planned: it stops the call (fail), or is left out and named (skip)
            if self.params["unreachable_hosts"] == "fail":
                # each problem names its host, so that the role fails that host and says which host stopped the others
                error = PlanError(["%s (unreachable_hosts: skip, in the role multinic_vmotion_batch_mode: per_host, goes on with the "
                                   "other hosts)" % problem for problem in self.unread_problems()])
                error.hosts = len(self.unread)
                raise error
            for warning in self.unread_problems():
                self.module.warn(warning)
        layouts = dict((name, layouts.get(name, layouts.get(None))) for name in states)
        judged = self.judge(layouts, states)
        for warning in judged["warnings"]:
            self.module.warn(warning)
        plans = judged["plans"]
        previews = dict((name, preview(states[name].facts, ops)) for name, ops in plans.items())
        before = dict((name, states[name].facts) for name in plans)
        changed_hosts = [name for name, ops in plans.items() if ops]
        applied = {}
        if changed_hosts and not self.check_mode:
            outcome = Applier(self.client, states, self.inventory, Cancellation.for_this_process()).apply(
                dict((n, plans[n]) for n in changed_hosts))
            applied = outcome.applied
            states.update(self.verify(layouts, outcome))
            for name in changed_hosts:
                previews[name] = (previews[name][0], preview(states[name].facts, [])[0])
        self.exit(**self.result(plans, states, previews, applied, before))

    def result(self, plans, states, previews, applied, before):
        hosts = {}
        changed_hosts = [name for name, ops in plans.items() if ops]
        for name, ops in plans.items():
            # verified: read back after the change and planned again with nothing left to do (None: nothing was applied).
            hosts[name] = {"changed": bool(ops), "operations": ops, "applied": applied.get(name, []), "vmks": states[name].facts["vmks"],
                           "verified": True if applied.get(name) else None, "changes": describe(before[name], ops)}
            if self.module._diff:
                hosts[name]["diff"] = diff(*previews[name])
        result = dict(changed=bool(changed_hosts), hosts=hosts,
                      not_read=self.not_read())
        if self.module._diff:
            # Ansible shows one before/after per task: per host, for the hosts that change.
            result["diff"] = {"before": dict((n, hosts[n]["diff"]["before"]) for n in changed_hosts),
                              "after": dict((n, hosts[n]["diff"]["after"]) for n in changed_hosts)}
        if not self.params["hosts"] and hosts:
            # One host: its result at the top level too, as most users read it.
            name, single = next(iter(hosts.items()))
            result.update(host=name, operations=single["operations"], changes=single["changes"], applied=single["applied"],
                          vmks=single["vmks"])
            if "diff" in single:
                result["diff"] = single["diff"]
        return result


def main():
    vmk_spec = module_options()
    stack_spec = dict(gateway=dict(type="str"), gateway_ipv6=dict(type="str"))
    MultinicVmotionPortgroups(
        dict(
            esxi_hostname=dict(type="str"),
            vmks=dict(type="list", elements="dict", options=vmk_spec),
            vmotion_stack=dict(type="dict", options=stack_spec),
            hosts=dict(type="list", elements="dict", options=dict(
                esxi_hostname=dict(type="str", required=True),
                vmks=dict(type="list", elements="dict", required=True, options=vmk_spec),
                vmotion_stack=dict(type="dict", options=stack_spec),
            )),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            purge=dict(type="bool", default=False),
            allow_moves=dict(type="bool", default=True),
            max_migration_steps=dict(type="int", default=0),
            unreachable_hosts=dict(type="str", choices=["fail", "skip"], default="fail"),
        ),
        scoped=False,
        required_one_of=[["vmks", "hosts"]],
        mutually_exclusive=[["vmks", "hosts"], ["esxi_hostname", "hosts"], ["vmotion_stack", "hosts"]],
    ).execute()


if __name__ == "__main__":
    main()
