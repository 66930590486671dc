#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vmotion_canary
short_description: Migrate a canary VM across hosts and prove from vmkernel.log that every vMotion vmk carried a stream
version_added: 0.3.0
description:
  - Migrates one running VM that the admin designates as the canary between the hosts in scope through vCenter
    (C(VirtualMachine.MigrateVM_Task) with a host only, no storage move and no resource pool change), one migration at a
    time, along a route (O(strategy)), and returns it to the host it started on.
  - For every migration it reads the lines both hosts wrote to C(vmkernel.log) meanwhile (through vCenter, as
    M(multinic.vmotion.vmotion_log_facts) does), finds the migration (the ESXi 5-7 C(Setting VMOTION info) and the ESXi 8
    C(vmotion Source vmmLeaderID) start lines), and judges it by the vMotion vmks of both hosts that carried streams (since ESXi
    7.0 U2 a migration opens several streams per vmk, so vmks are counted, not streams).
  - Verdicts - V(ok) every vMotion vmk of both hosts carried streams; V(degraded) some carried nothing (named with their
    address; vMotion off on one side sends that stream to another address, which non-routed subnets do not reach);
    V(failed) the task or the log says so (with the fault); V(no_log) the task succeeded but neither log shows the
    migration, so nothing is proven about the NICs.
  - Each migration is bounded in time (O(timeout)); an overrun is cancelled (C(Task.CancelTask)). A failed migration
    leaves the VM on its source; a hop into the host it failed to reach is not tried again; in a V(ring) the next hops
    run from where the VM is (every other host still gets its turn), in a V(star) or V(pairs) a hop from a host the VM
    never got to is not run (RV(not_run) says why). The VM is brought back to its host at the end.
  - It never touches another VM, and refuses a VM that is not powered on, or whose datastores a destination host does
    not see (that would need a storage move).
author:
  - multinic.vmotion contributors (@multinic)
options:
  vm_name:
    description:
      - Name of the canary VM. A name two VMs share is refused, naming their moids; give O(vm_moid) then.
    type: str
  vm_moid:
    description: Managed object id of the canary VM (for example V(vm-1042)).
    type: str
  strategy:
    description:
      - V(ring) each host in scope once as source and once as destination, in name order from the VM's host (n migrations).
      - V(star) to and from O(star_host), the host about to go into maintenance, for every other host (2(n-1) migrations).
      - V(pairs) the pairs of O(pairs), in order.
      - Hosts that are disconnected, not responding or in maintenance mode are left out of V(ring) and V(star) (with a
        warning); named in O(pairs) or as O(star_host) they are refused.
    type: str
    choices: [ring, star, pairs]
    default: ring
  star_host:
    description: The host of V(star). In maintenance mode it is refused (no VM can be placed on it).
    type: str
  pairs:
    description: The migrations of V(pairs); the VM is moved to a pair's source first when it is not there.
    type: list
    elements: dict
    suboptions:
      source:
        description: The host the VM migrates from.
        type: str
        required: true
      destination:
        description: The host the VM migrates to.
        type: str
        required: true
  timeout:
    description: Seconds one migration may take before its task is cancelled.
    type: int
    default: 300
  fail_on:
    description: Verdicts that make the task fail (after the VM is back on its host); the result is returned either way.
    type: list
    elements: str
    choices: [failed, degraded, no_log]
    default: [failed, degraded]
extends_documentation_fragment:
  - vmware.vmware.base_options
  - multinic.vmotion.connection
  - multinic.vmotion.scope
attributes:
  check_mode:
    support: full
    description: Finds the VM, builds the route and checks every prerequisite (the VM powered on, its datastores seen by the
      destinations, the hosts connected with vMotion vmks, no destination in maintenance); migrates nothing.
  diff_mode:
    support: none
    description: The VM ends on the host it started on; there is nothing to diff.
notes:
  - Needs vCenter (vMotion is a vCenter operation).
  - Privileges - C(Resource.HotMigrate) (Resource > Migrate powered on virtual machine) on the VM and its destination
    hosts or cluster, for C(VirtualMachine.MigrateVM_Task) of a powered-on VM (its privilege is dynamic, so pyVmomi's type
    information leaves it unset; C(Resource.AssignVMToPool) is only for the C(pool) argument, which the canary never
    sends); C(Global.Diagnostics) on the vCenter root object for C(DiagnosticManager.BrowseDiagnosticLog); read-only on
    the hosts. Not tried on a live vCenter - grant on one host first.
  - The canary should be small and idle, so that each migration takes seconds; a busy VM's migrations take longer and
    prove the same.
seealso:
  - module: multinic.vmotion.vmotion_log_facts
  - module: multinic.vmotion.vmotion_connectivity
"""

EXAMPLES = r"""
- name: Rehearse the evacuation of esx05 with a canary VM
  multinic.vmotion.vmotion_canary:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    cluster_name: Cluster-A
    vm_name: vmotion-canary
    strategy: star
    star_host: esx05.example.com

- name: Every host of the cluster once, in check mode first
  multinic.vmotion.vmotion_canary:
    cluster_name: Cluster-A
    vm_name: vmotion-canary
  check_mode: true
"""

RETURN = r"""
vm:
  description: The canary VM, where it started and where it ended.
  returned: always
  type: dict
  sample: {name: vmotion-canary, moid: vm-1042, home: esx01.example.com, ended_on: esx01.example.com}
route:
  description: The planned migrations (source, destination, purpose - V(test), V(position) or V(return)).
  returned: always
  type: list
  elements: dict
migrations:
  description: One entry per migration run, in order.
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: The host the VM left.
      type: str
    destination:
      description: The host the VM went to.
      type: str
    verdict:
      description: V(ok), V(degraded), V(failed) or V(no_log).
      type: str
    seconds:
      description: How long the task took.
      type: float
    moved:
      description: Whether the VM is now on the destination (the task succeeded).
      type: bool
    migration_id:
      description: The migration id both hosts logged.
      type: str
    source_vmks:
      description: The source's vMotion vmks that carried streams (C(used), devices), those that did not (C(unused),
        with their address) and the streams.
      type: dict
    destination_vmks:
      description: The same for the destination.
      type: dict
    bandwidth_mbytes_per_s:
      description: The pre-copy bandwidth the source logged, in megabytes per second.
      type: float
    problems:
      description: What is wrong, one sentence each (the vmks that carried nothing, the fault).
      type: list
      elements: str
summary:
  description: C(planned), C(run), C(not_run), the count of each verdict (C(verdicts)), and C(ok) (every planned migration ran
    and was ok).
  returned: always
  type: dict
  sample: {planned: 3, run: 3, not_run: 0, verdicts: {ok: 3, degraded: 0, failed: 0, no_log: 0}, ok: true}
not_run:
  description: The planned migrations that were not run, each with C(why) (a migration into its destination already failed,
    the VM never got to its source, or it already was on its destination).
  returned: when migrations ran
  type: list
  elements: dict
not_read:
  description: Hosts in scope that vCenter cannot reach, with their connection state; they are left out of the route.
  returned: always
  type: dict
"""

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.canary import (
    CanaryError,
    canary_problems,
    canary_route,
    canary_summary,
    failure_lines,
    index_gaps,
    judge_migration,
    next_hop,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.vmkernel_log import VmkernelLogParser, vmotion_vmks
from ansible_collections.multinic.vmotion.plugins.module_utils._module import VmotionModule
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import VsphereError
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.log_paging import HostLog, HostLogError, log_end, read_log_since
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.migration import find_vm, migrate_vm


class VmotionCanary(VmotionModule):
    def run(self):
        if self.params["timeout"] < 1:
            self.fail("timeout must be at least 1 second (got %d)" % self.params["timeout"])
        states = self.read_hosts(host_properties=("datastore",))
        if not self.client.is_vcenter:
            self.fail("vmotion_canary needs vCenter: a standalone ESXi host migrates no VM")
        try:
            vm = find_vm(self.client, self.params["vm_name"], self.params["vm_moid"])
        except VsphereError as e:
            self.fail(str(e))
        home = self.inventory.name_of(vm["host"]) if vm["host"] is not None else None
        hosts = self.host_table(states)
        route = self.route(hosts, home)
        problems = canary_problems(vm, route, hosts)
        result = {"vm": {"name": vm["name"], "moid": vm["moid"], "home": home, "ended_on": home}, "route": route, "not_read": self.not_read()}
        if problems:
            self.fail("the canary cannot run: %s; nothing was migrated" % "; ".join(problems), problems=problems, migrations=[], **result)
        if self.check_mode:
            self.exit(changed=bool(route), migrations=[], summary=canary_summary([], route), **result)
        results, at = self.migrate(vm, route, states)
        result["vm"]["ended_on"] = at
        summary = canary_summary(results, route)
        failing = [r for r in results if r["verdict"] in self.params["fail_on"]]
        if at != home:
            self.fail("VM %s is on %s, not back on %s: %s" % (vm["name"], at, home, "; ".join(failure_lines(results))),
                      changed=bool(results), migrations=results, summary=summary, not_run=self.not_run, **result)
        result["not_run"] = self.not_run
        if failing:
            self.fail("%d of %d migration(s) %s: %s" % (len(failing), len(results), "/".join(sorted(set(r["verdict"] for r in failing))),
                                                        "; ".join(failure_lines(failing))),
                      changed=True, migrations=results, summary=summary, **result)
        self.exit(changed=bool(results), migrations=results, summary=summary, **result)

    def host_table(self, states):
        """{name: what the canary's checks need} for the hosts read and those vCenter cannot reach."""
        hosts = dict((name, {"state": "connected", "maintenance": bool(state.facts.get("maintenance")), "vmks": vmotion_vmks(state.facts),
                             "datastores": [d._moId for d in state.properties.get("datastore") or []]})
                     for name, state in states.items())
        hosts.update((name, {"state": host["connection_state"], "maintenance": host["maintenance"], "vmks": [], "datastores": None})
                     for name, host in self.unread.items())
        return hosts

    def route(self, hosts, home):
        strategy = self.params["strategy"]
        usable = [n for n, h in hosts.items() if h["state"] == "connected" and (not h["maintenance"] or n == home)]
        left_out = sorted(set(hosts) - set(usable))
        names = list(hosts) if strategy == "pairs" or self.params["star_host"] in left_out else usable
        try:
            route = canary_route(names, home, strategy, center=self.params["star_host"], pairs=self.params["pairs"])
        except CanaryError as e:
            self.fail("the canary cannot run: %s; nothing was migrated" % "; ".join(e.problems), problems=e.problems)
        if left_out and strategy != "pairs":
            self.module.warn("left out of the %s: %s (disconnected, not responding or in maintenance mode)" % (strategy, ", ".join(left_out)))
        return route

    def migrate(self, vm, route, states):
        """Run the route, one migration at a time, from wherever the VM is (a failed migration leaves it on its source:
        the route goes on from there), and bring it home. Returns (results, the host the VM is on)."""
        home = at = route[0]["source"]
        results, failed_into, self.not_run = [], set(), []
        for planned in route:
            hop, why = next_hop(planned, at, failed_into, resource=self.params["strategy"] == "ring")
            if hop is None:
                self.not_run.append(dict(planned, why=why))
                continue
            results.append(self.migrate_once(vm, hop, states))
            if results[-1]["moved"]:
                at = hop["destination"]
            elif results[-1]["verdict"] == "failed":
                failed_into.add(hop["destination"])
        if at != home:
            results.append(self.migrate_once(vm, {"source": at, "destination": home, "purpose": "return"}, states))
            if results[-1]["moved"]:
                at = home
        return results, at

    def migrate_once(self, vm, hop, states):
        """One migration, judged from its task and the lines both hosts logged meanwhile."""
        logs = dict((side, HostLog(self.client, hop[side], states[hop[side]].moref)) for side in ("source", "destination"))
        marks = dict((side, self.log_mark(browse)) for side, browse in logs.items())
        task = migrate_vm(self.client, vm, states[hop["destination"]].moref, hop["destination"], self.params["timeout"])
        found = dict((side, self.logged(browse, marks[side])) for side, browse in logs.items())
        source, destination = states[hop["source"]].facts, states[hop["destination"]].facts
        result = judge_migration(hop, task, vmotion_vmks(source), vmotion_vmks(destination), found["source"], found["destination"],
                                 gaps=index_gaps(hop, source, destination))
        result["moved"] = task["state"] == "success"
        return result

    @staticmethod
    def log_mark(browse):
        try:
            return log_end(browse)
        except HostLogError:
            return None

    @staticmethod
    def logged(browse, mark):
        """The migrations in the lines a host logged since ``mark`` ([] when its log cannot be read)."""
        if mark is None:
            return []
        parser = VmkernelLogParser()
        try:
            read_log_since(browse, mark, parser.feed_lines)
        except HostLogError:
            return []
        return parser.migrations()


def main():
    VmotionCanary(dict(
        vm_name=dict(type="str"),
        vm_moid=dict(type="str"),
        strategy=dict(type="str", choices=["ring", "star", "pairs"], default="ring"),
        star_host=dict(type="str"),
        pairs=dict(type="list", elements="dict", options=dict(source=dict(type="str", required=True), destination=dict(type="str", required=True))),
        timeout=dict(type="int", default=300),
        fail_on=dict(type="list", elements="str", choices=["failed", "degraded", "no_log"], default=["failed", "degraded"]),
    ), required_one_of=[["vm_name", "vm_moid"]], mutually_exclusive=[["vm_name", "vm_moid"]]).execute()


if __name__ == "__main__":
    main()
