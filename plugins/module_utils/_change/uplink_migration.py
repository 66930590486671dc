# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Moving a host's vMotion uplinks from a standard vSwitch to a distributed switch in steps, as vSphere's "Migrate
networking" does: one pnic at a time, each step moving that pnic to its uplink of the distributed switch together with
the vmks whose active uplink it becomes, in one UpdateNetworkConfig, so that every vMotion index keeps a path between
steps (a vmk still on the vSwitch keeps an active pnic there; a moved one has its pnic on the distributed switch).

A layout asks for it with ``uplink_pnic`` on a vmk of a distributed switch: the pnic behind its ``active_uplink``.
Without ``uplink_pnic`` a vmk moves to its distributed port group as before and the uplinks stay where they are.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import management_reason, natural_key


def _standard_switch_of(host, pnic):
    return next((s for s in host.get("switches") or () if s["type"] == "standard" and pnic in (s.get("uplinks") or ())), None)


def _distributed_holding(host, pnic):
    for switch in host.get("switches") or ():
        if switch["type"] == "distributed":
            for uplink, held in (switch.get("pnics") or {}).items():
                if held == pnic:
                    return switch, uplink
    return None, None


def _pnic_users(host, switch, pnic):
    """Why ``pnic`` may not leave ``switch``: its port groups that carry management or VMs and use it (as active or
    standby: a failover that would lose it)."""
    reasons = []
    for group in host.get("portgroups") or ():
        if group["type"] != "standard" or group["switch"] != switch["name"]:
            continue
        teaming = group.get("teaming") or {}
        if pnic not in (teaming.get("active") or []) + (teaming.get("standby") or []):
            continue
        managing = [v["device"] for v in host.get("vmks") or () if v.get("portgroup") == group["name"] and not v.get("dvport")
                    and management_reason(v, host)]
        if managing:
            reasons.append("port group %r carries management (%s)" % (group["name"], ", ".join(managing)))
        elif group.get("vm_ports"):
            reasons.append("port group %r has %d virtual machine port(s)" % (group["name"], group["vm_ports"]))
    return reasons


def uplink_steps(checked, host, max_steps=None):
    """(operations, problems, {device: step number}) of the uplink moves the layout asks for (the devices of every step,
    also those beyond ``max_steps``, so that no other operation moves them before their step).

    checked: [(desired vmk, its current vmk or None)]. Each ``migrate_uplink`` operation moves one pnic to an uplink of a
    distributed switch and the vmks (on a standard port group now) that become its active users; ``max_steps`` keeps the
    first ones only (the rest in a later run). Every problem is reported: a pnic that carries management or VMs, one
    already on another switch's uplink, an order that would leave a vmk without an active uplink.
    """
    wanted = []  # (switch, uplink, pnic, where) in the layout's order, once each
    for vmk, _current in checked:
        if not vmk.get("uplink_pnic"):
            continue
        if not vmk.get("dvswitch"):
            return [], ["%s: uplink_pnic is the pnic behind the active uplink of a distributed switch: give dvswitch" % vmk["where"]], {}
        entry = (vmk["dvswitch"], vmk["active_uplink"], vmk["uplink_pnic"], vmk["where"])
        if entry[:3] not in [w[:3] for w in wanted]:
            wanted.append(entry)
    problems, steps, moved = [], [], set()
    switches = dict((s["name"], s) for s in host.get("switches") or () if s["type"] == "distributed")
    for name, uplink, pnic, where in sorted(wanted, key=lambda w: (natural_key(w[0]), natural_key(w[1]))):
        switch = switches.get(name)
        if switch is None:
            problems.append("%s: the host is not a member of %s: add it first (vSphere Client, or community.vmware.vmware_dvs_host), with "
                            "no uplinks or with free ones" % (where, name))
            continue
        held = (switch.get("pnics") or {}).get(uplink)
        if held == pnic:
            moved.add(pnic)
            continue
        if held is not None:
            problems.append("%s: %s of %s is backed by %s on this host, the layout asks for %s" % (where, uplink, name, held, pnic))
            continue
        other, other_uplink = _distributed_holding(host, pnic)
        if other is not None:
            problems.append("%s: %s is already %s of %s" % (where, pnic, other_uplink, other["name"]))
            continue
        source = _standard_switch_of(host, pnic)
        refusals = _pnic_users(host, source, pnic) if source is not None else []
        if refusals:
            problems.append("%s: %s of %s is not moved: %s; an uplink of management or VMs is never taken" % (where, pnic, source["name"],
                                                                                                              "; ".join(refusals)))
            continue
        steps.append({"op": "migrate_uplink", "dvswitch": name, "uuid": switch["uuid"], "uplink": uplink, "pnic": pnic,
                      "port_key": (switch.get("uplink_ports") or {}).get(uplink), "from_switch": source["name"] if source else None})
    if problems:
        return [], problems, {}
    moving = {}
    for number, step in enumerate(steps, 1):
        moved.add(step["pnic"])
        step["vmks"] = []
        for vmk, current in checked:
            if current is not None and not current.get("dvport") and vmk.get("uplink_pnic") in moved and current["device"] not in moving:
                moving[current["device"]] = number
                step["vmks"].append({"device": current["device"], "portgroup": vmk["portgroup"], "dvswitch": vmk["dvswitch"],
                                     "from_portgroup": current["portgroup"]})
        problems.extend(_stranded(host, step, moved, moving))
    if problems:
        return [], problems, {}
    # a vmk of a later step stays where it is until its step: moving devices of every step are returned
    return steps[:max_steps] if max_steps else steps, [], moving


def _stranded(host, step, moved, moving):
    """Vmks left on a standard port group whose every active uplink has moved by this step: they would have no path."""
    problems = []
    groups = dict((g["name"], g) for g in host.get("portgroups") or () if g["type"] == "standard")
    for vmk in host.get("vmks") or ():
        if vmk.get("dvport") or vmk["device"] in moving or vmk.get("portgroup") not in groups:
            continue
        active = (groups[vmk["portgroup"]].get("teaming") or {}).get("active") or []
        if active and all(pnic in moved for pnic in active):
            problems.append("moving %s to %s of %s would leave %s (port group %s) without an active uplink: give it uplink_pnic, or "
                            "move it first" % (step["pnic"], step["uplink"], step["dvswitch"], vmk["device"], vmk["portgroup"]))
    return problems


def predict_uplink_step(host, op):
    """The host once a migrate_uplink operation is applied (in place): the pnic on its uplink, the vmks on their port groups."""
    for switch in host.get("switches") or ():
        if switch["type"] == "standard" and switch["name"] == op["from_switch"]:
            switch["uplinks"] = [u for u in switch["uplinks"] if u != op["pnic"]]
        if switch["type"] == "distributed" and switch["name"] == op["dvswitch"]:
            switch["pnics"] = dict(switch.get("pnics") or {}, **{op["uplink"]: op["pnic"]})
    by_device = dict((v["device"], v) for v in host.get("vmks") or ())
    for moved in op["vmks"]:
        by_device[moved["device"]].update(portgroup=moved["portgroup"], switch=moved["dvswitch"],
                                          dvport={"switch_uuid": op["uuid"], "portgroup_key": None, "port_key": None})


def later_steps_left_out(ops):
    """A plan of a host after a run limited in steps, without the uplink steps still to come: what is left is a difference."""
    return [op for op in ops if op["op"] != "migrate_uplink"]
