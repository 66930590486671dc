#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vmk_vmotion_enable
short_description: Turn vMotion (or another VMkernel service) on or off for chosen vmks across many ESXi hosts
version_added: 0.1.0
description:
  - Enables or disables one service, by default vMotion, on the chosen VMkernel adapters of one host, a list of hosts,
    a cluster, a datacenter or every host, in one task.
  - Only that service on those vmks changes; every other service (management, provisioning, vSAN...) stays as it was.
  - Reads the whole scope with one PropertyCollector call, then makes one write per vmk that changes.
  - Everything is checked before the first write (unknown hosts, missing devices, the management vmk, vmks on the
    vmotion TCP/IP stack when disabling) and every problem is reported at once.
author:
  - multinic.vmotion contributors (@multinic)
options:
  devices:
    description:
      - VMkernel adapters to change, for example V([vmk1, vmk2, vmk3, vmk4, vmk6]).
      - A device missing on a host fails the task before any change (see O(missing)).
      - A vmk that carries the management service is refused.
    type: list
    elements: str
  exclude_devices:
    description: VMkernel adapters never to change.
    type: list
    elements: str
    default: []
  portgroup_pattern:
    description:
      - Regular expression (search) on the port group name; only matching vmks are chosen.
      - Management vmks are never chosen by pattern.
    type: str
  subnets:
    description:
      - Subnets (CIDR, IPv4 or IPv6); only vmks with an address in one of them are chosen.
      - Management vmks are never chosen by subnet.
    type: list
    elements: str
  state:
    description: Whether the service should be on or off on the chosen vmks.
    type: str
    choices: [enabled, disabled]
    default: enabled
  service:
    description:
      - The VMkernel service (nicType of the HostVirtualNicManager).
      - Disabling V(management) is refused.
      - V(vnetworking) is a service of vSphere 9.1 (pyVmomi 9.1); an older ESXi refuses it.
    type: str
    default: vmotion
    choices: [vmotion, management, faultToleranceLogging, vSphereReplication, vSphereReplicationNFC, vSphereProvisioning,
              vsan, vsanWitness, vSphereBackupNFC, ptp, nvmeTcp, nvmeRdma, vnetworking]
  missing:
    description:
      - What to do when a device of O(devices) does not exist on a host, or a host in scope cannot be reached by vCenter
        (disconnected, or not responding; nothing on it can be read or changed).
      - V(fail) stops before any change and lists every host/device pair and every such host with its state; V(skip)
        goes on with the others and reports them (RV(hosts.missing), RV(hosts.not_read), and a warning per host).
    type: str
    choices: [fail, skip]
    default: fail
  return_hosts:
    description:
      - V(changed), the default, lists in RV(hosts) the hosts with a change, a missing device or no connection, and names
        the others in RV(unchanged_hosts), so that an ad hoc run on a fleet fits a screen; V(all) lists every host.
    type: str
    choices: [changed, all]
    default: changed
    version_added: 0.3.0
extends_documentation_fragment:
  - vmware.vmware.base_options
  - multinic.vmotion.connection
  - multinic.vmotion.scope
  - multinic.vmotion.scope.attributes_change
notes:
  - At least one of O(devices), O(portgroup_pattern) or O(subnets) is required, so that a task never selects every vmk by accident.
  - Disabling vMotion on the last vMotion vmk of a host is done, with a warning.
  - A vmk on the vmotion TCP/IP stack always carries vMotion; O(state=disabled) refuses it.
  - Privileges - read-only plus C(Host.Config.Network) (Host > Configuration > Network configuration) on each host changed,
    which C(HostVirtualNicManager.SelectVnicForNicType) and C(DeselectVnicForNicType) require. Check mode needs read-only only.
"""

EXAMPLES = r"""
- name: The seed's fix - vMotion on vmk1-vmk6 except the NAS vmk5, on 12 hosts
  multinic.vmotion.vmk_vmotion_enable:
    esxi_hostname: "{{ range(107, 119) | map('string') | map('regex_replace', '^', '192.168.100.') | list }}"
    devices: [vmk1, vmk2, vmk3, vmk4, vmk6]

- name: Every vmk in a vMotion port group of a cluster
  multinic.vmotion.vmk_vmotion_enable:
    cluster_name: Cluster-A
    portgroup_pattern: "(?i)^vmotion"

- name: Provisioning off on the vMotion subnets
  multinic.vmotion.vmk_vmotion_enable:
    cluster_name: Cluster-A
    subnets: [172.16.1.0/24, 172.16.2.0/24]
    service: vSphereProvisioning
    state: disabled
"""

RETURN = r"""
hosts:
  description: Per host with a change, a missing device or no connection (every host with O(return_hosts=all)), what
    changed and what already was as asked.
  returned: always
  type: dict
  contains:
    changed:
      description: vmks whose service was (or in check mode would be) changed.
      type: list
      elements: str
    unchanged:
      description: Chosen vmks that already were as asked.
      type: list
      elements: str
    missing:
      description: Devices of O(devices) that do not exist on the host (with O(missing=skip)).
      type: list
      elements: str
    not_read:
      description: V(disconnected) or V(notResponding), on a host vCenter cannot reach (with O(missing=skip)); nothing was changed there.
      type: str
      returned: on hosts vCenter cannot reach
    before:
      description: Services of each changed vmk before.
      type: dict
    after:
      description: Services of each changed vmk after.
      type: dict
  sample:
    192.168.100.112:
      changed: [vmk2, vmk6]
      unchanged: [vmk1, vmk3, vmk4]
      missing: []
      before: {vmk2: [], vmk6: []}
      after: {vmk2: [vmotion], vmk6: [vmotion]}
unchanged_hosts:
  description: The hosts where every chosen vmk already was as asked (not in RV(hosts) by default).
  returned: always
  type: list
  elements: str
  sample: [192.168.100.107, 192.168.100.108]
applied:
  description: host/device pairs changed by this run, in order (also on failure, to tell what was done).
  returned: always
  type: list
  elements: str
  sample: [192.168.100.112/vmk2, 192.168.100.112/vmk6]
not_applied:
  description: host/device pairs not changed because of a failure.
  returned: on failure during apply
  type: list
  elements: str
in_doubt:
  description: host/device pairs whose answer was lost with the connection; they may have been changed. A re-run settles them.
  returned: on failure during apply
  type: list
  elements: str
problems:
  description: Every problem found before the first write (nothing was changed).
  returned: when the change is refused
  type: list
  elements: str
diff:
  description: Per host, the services of each changed vmk before and after (diff mode).
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.multinic.vmotion.plugins.module_utils._change.apply import Applier
from ansible_collections.multinic.vmotion.plugins.module_utils._change.difference import DifferenceTracker
from ansible_collections.multinic.vmotion.plugins.module_utils._change.outcome import Cancellation
from ansible_collections.multinic.vmotion.plugins.module_utils._module import VmotionModule
from ansible_collections.multinic.vmotion.plugins.module_utils._change.services_plan import ServicePlanError, plan_services, service_operations
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import NIC_TYPES


def _labels(ops):
    return ["%s/%s" % (op["host"], op["device"]) for op in ops]


class VmkVmotionEnable(VmotionModule):
    def run(self):
        states = self.read_hosts()
        # a host vCenter cannot reach is named with its state: a problem (missing: fail), or skipped and said so
        unreachable = ["%s (missing: skip changes the hosts vCenter can reach and reports the others)" % problem
                       for problem in self.unread_problems()] if self.params["missing"] == "fail" else []
        try:
            plan = plan_services(
                dict((name, state.facts) for name, state in states.items()),
                service=self.params["service"],
                state=self.params["state"],
                devices=self.params["devices"],
                exclude_devices=self.params["exclude_devices"],
                portgroup_pattern=self.params["portgroup_pattern"],
                subnets=self.params["subnets"],
                missing=self.params["missing"],
            )
        except ServicePlanError as e:
            raise ServicePlanError(unreachable + e.problems)
        if unreachable:
            raise ServicePlanError(unreachable)
        for warning in plan["warnings"] + self.unread_problems():
            self.module.warn(warning)
        operations = service_operations(plan, self.params["service"], self.params["state"] == "enabled")
        self.per_host = dict(plan["hosts"])
        for name, host in self.unread.items():
            self.per_host[name] = {"changed": [], "unchanged": [], "missing": [], "before": {}, "after": {},
                                   "not_read": host["connection_state"]}
        changed = any(operations.values())
        applied = []
        if changed and not self.check_mode:
            outcome = Applier(self.client, states, cancellation=Cancellation.for_this_process()).apply(operations)
            applied = _labels(op for name in sorted(outcome.applied) for op in outcome.applied[name])
        # the hosts with something to say; the others by name (return_hosts: all lists every host)
        said = dict((n, h) for n, h in self.per_host.items() if self.params["return_hosts"] == "all" or h["changed"] or h["missing"] or "not_read" in h)
        result = dict(changed=changed, hosts=said, unchanged_hosts=sorted(n for n in self.per_host if n not in said), applied=applied)
        if self.module._diff:
            tracker = DifferenceTracker()
            for name, host in self.per_host.items():
                tracker.add_all(name, host["before"], host["after"])
            before, after = tracker.before_after()
            result["diff"] = {"before": before, "after": after}
        self.exit(**result)

    def failure_result(self, error):
        """host/device labels instead of operations, as this module's RETURN documents."""
        outcome = error.outcome
        every = sorted(outcome.plans)
        return dict(changed=outcome.changed, hosts=self.per_host,
                    applied=_labels(op for n in every for op in outcome.applied[n]),
                    not_applied=_labels(op for n in every for op in outcome.not_applied(n)),
                    in_doubt=_labels(op for n in every for op in outcome.in_doubt[n]))


def main():
    VmkVmotionEnable(dict(
        devices=dict(type="list", elements="str"),
        exclude_devices=dict(type="list", elements="str", default=[]),
        portgroup_pattern=dict(type="str"),
        subnets=dict(type="list", elements="str"),
        state=dict(type="str", choices=["enabled", "disabled"], default="enabled"),
        service=dict(type="str", choices=list(NIC_TYPES), default="vmotion"),
        missing=dict(type="str", choices=["fail", "skip"], default="fail"),
        return_hosts=dict(type="str", choices=["changed", "all"], default="changed"),
    ), required_one_of=[["devices", "portgroup_pattern", "subnets"]]).execute()


if __name__ == "__main__":
    main()
