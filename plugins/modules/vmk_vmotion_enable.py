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
    type: str
    default: vmotion
    choices: [vmotion, management, faultToleranceLogging, vSphereReplication, vSphereReplicationNFC, vSphereProvisioning,
              vsan, vsanWitness, vSphereBackupNFC, ptp, nvmeTcp, nvmeRdma]
  missing:
    description:
      - What to do when a device of O(devices) does not exist on a host.
      - V(fail) stops before any change and lists every host/device pair; V(skip) ignores them and reports them.
    type: str
    choices: [fail, skip]
    default: fail
extends_documentation_fragment:
  - community.vmware.vmware.documentation
  - multinic.vmotion.scope
  - multinic.vmotion.scope.attributes_change
notes:
  - At least one of O(devices), O(portgroup_pattern) or O(subnets) is required, so that a task never selects every vmk by accident.
  - Disabling vMotion on the last vMotion vmk of a host is done, with a warning.
  - A vmk on the vmotion TCP/IP stack always carries vMotion; O(state=disabled) refuses it.
requirements:
  - pyVmomi
  - netaddr
  - requests
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
  description: Per host, what changed and what already was as asked.
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
applied:
  description: host/device pairs changed by this run, in order (also on failure, to tell what was done).
  returned: always
  type: list
  elements: str
  sample: [192.168.100.112/vmk2, 192.168.100.112/vmk6]
diff:
  description: Per host, the services of each changed vmk before and after (diff mode).
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.multinic.vmotion.plugins.module_utils._module import VmotionModule
from ansible_collections.multinic.vmotion.plugins.module_utils._services import NIC_TYPES, ServicePlanError, plan_services
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere import VsphereError


class VmkVmotionEnable(VmotionModule):
    def run(self):
        states = self.read_hosts()
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
            self.fail("nothing changed: %d problem(s): %s" % (len(e.problems), "; ".join(e.problems)), problems=e.problems)
        for warning in plan["warnings"]:
            self.module.warn(warning)

        per_host = plan["hosts"]
        changed = any(h["changed"] for h in per_host.values())
        applied = []
        if changed and not self.check_mode:
            service, select = self.params["service"], self.params["state"] == "enabled"
            for name, host_plan in per_host.items():
                manager = states[name].nic_manager
                for device in host_plan["changed"]:
                    method = manager.SelectVnicForNicType if select else manager.DeselectVnicForNicType
                    what = "%s %s on %s %s" % ("enabling" if select else "disabling", service, name, device)
                    try:
                        self.client.call(what, method, service, device)
                    except VsphereError as e:
                        self.fail("%s; applied before the failure: %s; a re-run applies the rest" % (e, ", ".join(applied) or "nothing"),
                                  applied=applied, hosts=per_host)
                    applied.append("%s/%s" % (name, device))

        result = dict(changed=changed, hosts=per_host, applied=applied)
        if self.module._diff:
            result["diff"] = {
                "before": dict((n, h["before"]) for n, h in per_host.items() if h["changed"]),
                "after": dict((n, h["after"]) for n, h in per_host.items() if h["changed"]),
            }
        self.exit(**result)


def main():
    VmkVmotionEnable(dict(
        devices=dict(type="list", elements="str"),
        exclude_devices=dict(type="list", elements="str", default=[]),
        portgroup_pattern=dict(type="str"),
        subnets=dict(type="list", elements="str"),
        state=dict(type="str", choices=["enabled", "disabled"], default="enabled"),
        service=dict(type="str", choices=list(NIC_TYPES), default="vmotion"),
        missing=dict(type="str", choices=["fail", "skip"], default="fail"),
    ), required_one_of=[["devices", "portgroup_pattern", "subnets"]]).execute()


if __name__ == "__main__":
    main()
