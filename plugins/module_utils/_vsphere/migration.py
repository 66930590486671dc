# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The canary's vSphere calls: find the VM, migrate it to a host (VirtualMachine.MigrateVM_Task, host only: no storage
move, no pool) within a time limit, cancelling the task when it overruns. Every call through VsphereClient."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

try:
    from pyVmomi import vim, vmodl
except ImportError:
    pass  # reported by the module (HAS_PYVMOMI in _vsphere.client)

from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import VsphereError, describe_fault
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.inventory import _nearest

VM_PROPERTIES = ("name", "runtime.host", "runtime.powerState", "datastore")
POLL = (0.2, 0.5, 1.0)
# How long a cancelled task may take to end before it is reported as still running.
CANCEL_WAIT = 30


def find_vm(client, name=None, moid=None):
    """{"moref", "name", "moid", "host" (HostSystem moref), "power", "datastores" ({moid: name})} of one VM.

    By moid: one read of that VM. By name: a ContainerView of every VM (names are not unique in vCenter: two VMs
    of that name are refused, naming their moids). Raises VsphereError when none matches.
    """
    prop = vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=list(VM_PROPERTIES))
    if moid:
        found = client.retrieve([vmodl.query.PropertyCollector.ObjectSpec(obj=vim.VirtualMachine(moid, client.si._stub), skip=False)],
                                [prop], what="reading VM %s" % moid)
    else:
        manager = client.content.viewManager
        view = client.call("listing the VMs", manager.CreateContainerView, client.content.rootFolder, [vim.VirtualMachine], True)
        try:
            walk = vmodl.query.PropertyCollector.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)
            found = client.retrieve([vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[walk])], [prop],
                                    what="reading the VMs")
        finally:
            client.call("listing the VMs", view.DestroyView)
    matches = [(obj, values) for obj, values in found.items() if moid or values.get("name") == name]
    if not matches:
        near = [] if moid else _nearest(name, [v.get("name") for v in found.values() if v.get("name")])
        raise VsphereError("no VM %s in the vCenter%s" % ("with moid %s" % moid if moid else "named %r" % name,
                                                          " (did you mean %s?)" % ", ".join(near) if near else ""))
    if len(matches) > 1:
        raise VsphereError("%d VMs are named %r (%s): give vm_moid" % (len(matches), name, ", ".join(sorted(o._moId for o, _v in matches))))
    obj, values = matches[0]
    stores = list(values.get("datastore") or [])
    names = {}
    if stores:  # their names, for messages (one more read)
        specs = [vmodl.query.PropertyCollector.ObjectSpec(obj=d, skip=False) for d in stores]
        found = client.retrieve(specs, [vmodl.query.PropertyCollector.PropertySpec(type=vim.Datastore, pathSet=["name"])],
                                what="reading the datastores of VM %s" % values.get("name"))
        names = dict((d._moId, v.get("name")) for d, v in found.items())
    return {"moref": obj, "moid": obj._moId, "name": values.get("name"), "host": values.get("runtime.host"),
            "power": str(values.get("runtime.powerState") or ""), "datastores": dict((d._moId, names.get(d._moId, d._moId)) for d in stores)}


def migrate_vm(client, vm, host, host_name, limit, sleep=time.sleep, clock=time.time):
    """Migrate ``vm`` to ``host`` and wait at most ``limit`` seconds; overrun: CancelTask.

    Returns {"state": success|error|cancelled|timeout, "fault": text or None, "seconds", "limit"}. A fault of the call
    itself (refused before a task exists) is an error too; a lost connection raises VsphereError (outcome unknown).
    """
    what = "migrating VM %s to %s" % (vm["name"], host_name)
    started = clock()
    try:
        task = client.call(what, vm["moref"].MigrateVM_Task, pool=None, host=host, priority="defaultPriority")
    except VsphereError as e:
        if e.outcome_unknown:
            raise
        return {"state": "error", "fault": str(e), "seconds": round(clock() - started, 1), "limit": limit}
    polls, cancelled_at = 0, None
    while True:
        info = client.call(what, lambda: task.info)
        if info.state in ("success", "error"):
            fault = describe_fault(info.error) if info.error is not None else None
            state = info.state if cancelled_at is None or info.state == "success" else "timeout"
            if state == "error" and isinstance(info.error, vmodl.fault.RequestCanceled) and cancelled_at is None:
                state = "cancelled"
            return {"state": state, "fault": fault, "seconds": round(clock() - started, 1), "limit": limit}
        now = clock()
        if cancelled_at is None and now - started >= limit:
            client.call("cancelling the migration of VM %s (over %s s)" % (vm["name"], limit), task.CancelTask)
            cancelled_at = now
        elif cancelled_at is not None and now - cancelled_at >= CANCEL_WAIT:
            raise VsphereError("%s: cancelled after %s s, but the task was still %s %s s later; where the VM runs is not known"
                               % (what, limit, info.state, CANCEL_WAIT), outcome_unknown=True)
        sleep(POLL[min(polls, len(POLL) - 1)])
        polls += 1
