# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure fleet judgment: every host's plan, then the planned end state of everything the change reaches.

A layout is planned per host by _change.plan; what one host's plan does can still break another host:
a distributed port group is shared by every host of its switch, an address must be unique across
the vCenter, and a change can introduce a finding the audit would call critical. ``plan_fleet``
plans every host, predicts each host's end state (_change.plan.predict), and judges it before the first
write, returning every problem of every host at once.

``fleet`` is what the read found beyond the hosts being changed:
  {"hosts": {name: host facts (of every host read; vmks may lack services)},
   "dvportgroups": {key: {"name", "switch", "switch_uuid", "vms"}}}
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.facts import not_read_text
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.rules import HOST_CODES, address_findings, fleet_findings, host_findings
from ansible_collections.multinic.vmotion.plugins.module_utils._change.plan import (
    PlanError,
    desired_order,
    new_device,
    normalize_vmk,
    plan_host,
    predict,
    switch_uplinks,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import management_reason, natural_key, other_services

# Findings a change may introduce only as a warning although the audit calls them critical:
# removing the layout (state absent) is asked for, and leaves no vMotion vmk by design.
ABSENT_ACCEPTS = ("NO_VMOTION_VMK",)
# Warnings that are refused all the same when a change introduces them.
REFUSED_WARNINGS = ("SHARED_ACTIVE_UPLINK",)
# The findings rules see the layout as the admin asked it: unused and standby are both fine.
FINDINGS_OPTIONS = {"failover": "any"}


# ---------------------------------------------------------------- judgments


def _finding_key(finding):
    return (finding["code"], finding.get("host"), finding.get("device"), finding.get("portgroup"), finding.get("switch"),
            tuple(finding.get("uplinks") or ()), finding.get("subnet"), tuple(finding.get("devices") or ()))


def _introduced(before, after):
    known = set(_finding_key(f) for f in before)
    return [f for f in after if _finding_key(f) not in known]


def _judge_findings(name, introduced, state):
    """(problems, warnings) for the findings a host's change introduces; one rule set, shared with the audit."""
    problems, warnings = [], []
    for finding in introduced:
        text = "%s: the change would introduce %s (%s): %s" % (name, finding["code"], finding["severity"], finding["message"])
        accepted = state == "absent" and finding["code"] in ABSENT_ACCEPTS
        if (finding["severity"] == "critical" or finding["code"] in REFUSED_WARNINGS) and not accepted:
            problems.append(text)
        elif finding["severity"] != "info":
            warnings.append(text)
    return problems, warnings


def _host_judgment(name, before, after, state):
    return _judge_findings(name, _introduced(host_findings(before, FINDINGS_OPTIONS), host_findings(after, FINDINGS_OPTIONS)), state)


def _cross_host(hosts):
    # host rules are judged per host, addresses against the whole vCenter (_address_judgment)
    return [f for f in fleet_findings(hosts, FINDINGS_OPTIONS)["findings"] if f["code"] not in HOST_CODES + ("DUPLICATE_IP",)]


def _fleet_judgment(befores, afters, state):
    """Cross-host findings among the hosts of the call (index/subnet/MTU consistency), before vs after."""
    if len(afters) < 2:
        return [], []
    introduced = _introduced(_cross_host(befores), _cross_host(afters))
    problems, warnings = [], []
    for finding in introduced:
        p, w = _judge_findings(finding["host"], [finding], state)
        problems.extend(p)
        warnings.extend(w)
    return problems, warnings


def _address_judgment(befores, afters, fleet_hosts, plans):
    """Each address a plan gives must be held by that vmk only, across every host read (the vCenter) and the call.

    The audit's DUPLICATE_IP rule, run on the whole vCenter before and after; what the change
    introduces on a vmk it gives an address to is refused.
    """
    before, after = dict(fleet_hosts), dict(fleet_hosts)
    before.update(befores)
    after.update(afters)
    given = set()
    for name, ops in plans.items():
        for op in ops:
            if op["op"] == "add_vmk" or (op["op"] == "update_vmk" and "ip" in op):
                given.add((name, op["device"] if op["op"] == "update_vmk" else new_device(op["portgroup"])))
    introduced = [f for f in _introduced(address_findings(before), address_findings(after)) if (f["host"], f["device"]) in given]
    return ["%s: the change would introduce %s (%s) (addresses are unique across the vCenter): %s"
            % (f["host"], f["code"], f["severity"], f["message"]) for f in introduced]


def _unseen_warnings(fleet, plans):
    """The hosts whose addresses the uniqueness check could not see: vCenter returns no configuration of a disconnected
    host, so an address this change gives may be held by one of its vmks."""
    unseen = (fleet or {}).get("unseen") or {}
    given = sorted(set(op["ip"] for ops in plans.values() for op in ops
                       if op["op"] == "add_vmk" or (op["op"] == "update_vmk" and "ip" in op)), key=natural_key)
    if not unseen or not given:
        return []
    hosts = ", ".join("%s (%s)" % (name, unseen[name]) for name in sorted(unseen, key=natural_key))
    return ["the addresses this change gives (%s) were checked against every host but %s: vCenter returns no configuration "
            "of such a host, so one of its vmks may hold one of them; check them once it is connected again"
            % (", ".join(given), hosts)]


def _exists(host, switch, portgroup):
    return any(p["type"] == "distributed" and p["switch"] == switch and p["name"] == portgroup for p in host.get("portgroups") or [])


def _dvportgroup_definitions(layouts, hosts):
    """{(dvswitch, port group): {host: (vlan_id, active, standby)}} from the desired vmks of every host of the call.

    A VLAN left out leaves an existing port group's VLAN as it is (None), but creates a new one with VLAN 0: the
    port group is created once, by the first host of the call, so that is the VLAN every host gets.
    """
    definitions = {}
    for name, desired in layouts.items():
        for position, raw in enumerate(desired if isinstance(desired, list) else []):
            vmk, problems = normalize_vmk(raw, position)
            if vmk is None or problems or not vmk["dvswitch"]:
                continue
            active, standby = desired_order(vmk, switch_uplinks(hosts[name], vmk["dvswitch"]))
            vlan = vmk["vlan_id"]
            if vlan is None and not _exists(hosts[name], vmk["dvswitch"], vmk["portgroup"]):
                vlan = 0
            definitions.setdefault((vmk["dvswitch"], vmk["portgroup"]), {})[name] = (vlan, active, standby)
    return definitions


def _describe(definition):
    vlan, active, standby = definition
    return "VLAN %s, active %s, standby %s" % ("as it is" if vlan is None else vlan, ", ".join(active), ", ".join(standby) or "none")


def _conflicting(definitions):
    """A port group defined twice differently: VLANs that differ (None leaves it as it is) or another teaming."""
    vlans = set(d[0] for d in definitions.values() if d[0] is not None)
    teamings = set((tuple(d[1]), tuple(d[2])) for d in definitions.values())
    return len(vlans) > 1 or len(teamings) > 1


def _shared_definition_judgment(layouts, hosts):
    problems = []
    for (switch, portgroup), by_host in sorted(_dvportgroup_definitions(layouts, hosts).items()):
        if len(by_host) > 1 and _conflicting(by_host):
            told = "; ".join("%s asks %s" % (h, _describe(d)) for h, d in sorted(by_host.items(), key=lambda i: natural_key(i[0])))
            for name in by_host:
                problems.append("%s: distributed port group %s on %s is shared by the hosts of this call but defined differently (%s); "
                                "give every host the same definition" % (name, portgroup, switch, told))
    return problems


def _dvportgroup_users(group_key, hosts):
    """[(host, vmk)] of every vmk on a distributed port group, over the hosts read."""
    found = []
    for name, host in hosts.items():
        for vmk in host.get("vmks") or []:
            if (vmk.get("dvport") or {}).get("portgroup_key") == group_key:
                found.append((name, vmk))
    return found


def _shared_users_judgment(plans, layouts, hosts, fleet):
    """A distributed port group the call changes or adds vmks to must carry no management, no other service and no VM."""
    problems, warnings = [], []
    everyone = dict(fleet.get("hosts") or {})
    everyone.update(hosts)
    groups = fleet.get("dvportgroups") or {}
    for name in sorted(plans, key=natural_key):
        host = hosts[name]
        for group in host.get("portgroups") or []:
            if group["type"] != "distributed" or group.get("key") not in groups or not _named_by(layouts[name], group):
                continue
            info = groups[group["key"]]
            users = _dvportgroup_users(group["key"], everyone)
            carried = []
            for owner, vmk in users:
                reason = management_reason(vmk, everyone.get(owner))
                if reason:
                    carried.append("management vmk %s of %s (%s)" % (vmk["device"], owner, reason))
                elif vmk.get("owner"):
                    carried.append("%s of %s, owned by %s" % (vmk["device"], owner, vmk["owner"]))
                elif other_services(vmk):
                    carried.append("%s of %s with %s" % (vmk["device"], owner, ", ".join(other_services(vmk))))
            if info.get("vms"):
                carried.append("%d virtual machine(s)" % info["vms"])
            if carried:
                problems.append("%s: distributed port group %s on %s is refused: it is shared and carries %s; it is never changed"
                                % (name, group["name"], group["switch"], "; ".join(carried)))
                continue
            changes = [op for op in plans[name] if op["op"] == "update_dvportgroup" and op.get("key") == group["key"]]
            outside = sorted(set(owner for owner, _vmk in users if owner not in plans), key=natural_key)
            if changes and outside:
                warnings.append("%s: changing distributed port group %s on %s also changes the vMotion vmks of %d host(s) outside this call (%s)"
                                % (name, group["name"], group["switch"], len(outside), ", ".join(outside[:5]) + (" ..." if len(outside) > 5 else "")))
    return problems, warnings


def _named_by(desired, group):
    return any(isinstance(v, dict) and v.get("dvswitch") == group["switch"] and v.get("portgroup") == group["name"]
               for v in desired if isinstance(desired, list))


def hosts_sharing(layouts, hosts, fleet):
    """Hosts outside the call with vmks on an existing distributed port group the layouts name.

    The fleet read knows their vmks but not their services; the caller reads those (one
    batched call) so that a shared port group carrying vSAN or management is refused.
    """
    named = set()
    for name, desired in layouts.items():
        for group in hosts[name].get("portgroups") or []:
            if group["type"] == "distributed" and group.get("key") and _named_by(desired, group):
                named.add(group["key"])
    others = dict((n, h) for n, h in ((fleet or {}).get("hosts") or {}).items() if n not in hosts)
    return sorted(set(owner for key in named for owner, _vmk in _dvportgroup_users(key, others)), key=natural_key)


def plan_fleet(layouts, hosts, fleet=None, state="present", purge=False, allow_moves=True, stacks=None, max_steps=None):
    """Plan every host and judge the planned end state of everything the change reaches.

    layouts: {host name: desired vmks}; hosts: {host name: host facts} of the hosts to change; stacks: {host name: the
    vmotion TCP/IP stack's gateways asked for} (plan_host).
    Returns {"plans": {name: ops}, "warnings": [...], "predicted": {name: facts}}; raises PlanError
    with every problem of every host (each prefixed by its host) and ``hosts`` set to how many
    hosts have problems.
    """
    fleet = fleet or {}
    plans, problems, warnings, troubled = {}, [], [], set()
    for name in sorted(hosts, key=natural_key):
        try:
            plans[name], host_warnings = plan_host(layouts[name], hosts[name], state=state, purge=purge, allow_moves=allow_moves,
                                                   stack=(stacks or {}).get(name), max_steps=max_steps)
        except PlanError as e:
            problems.extend("%s: %s" % (name, p) for p in e.problems)
            troubled.add(name)
            continue
        warnings.extend("%s: %s" % (name, w) for w in host_warnings)
    problems.extend(_shared_definition_judgment(dict((n, layouts[n]) for n in plans), hosts))
    predicted = dict((name, predict(hosts[name], ops)) for name, ops in plans.items())
    changed = dict((name, ops) for name, ops in plans.items() if ops)
    for name in sorted(changed, key=natural_key):
        p, w = _host_judgment(name, hosts[name], predicted[name], state)
        problems.extend(p)
        warnings.extend(w)
    if changed:
        p, w = _fleet_judgment(dict((n, hosts[n]) for n in plans), predicted, state)
        problems.extend(p)
        warnings.extend(w)
        problems.extend(_address_judgment(dict((n, hosts[n]) for n in plans), predicted, fleet.get("hosts") or {}, changed))
        warnings.extend(_unseen_warnings(fleet, changed))
        p, w = _shared_users_judgment(changed, layouts, hosts, fleet)
        problems.extend(p)
        warnings.extend(w)
    if problems:
        troubled.update(p.split(": ", 1)[0] for p in problems)
        error = PlanError(problems)
        error.hosts = len(troubled)
        raise error
    return {"plans": plans, "warnings": warnings, "predicted": predicted}


# ---------------------------------------------------------------- one host's share of a batch call

BATCH_STOPPED = "not applied: the batch is all or nothing and "
# per_host lets hosts whose layout could not be computed fail alone; the module still judges its call as a whole.
PER_HOST_REFUSED = ("not applied: the module judges the hosts of its call together (per_host only leaves out the hosts whose layout "
                    "could not be computed) and ")


def _problem_host(problem):
    # problems of the module start with their host ("host: ..."); others ("hosts: ... listed twice") name none
    return str(problem).split(": ", 1)[0]


def _stopped_by(prefix, hosts):
    hosts = list(dict.fromkeys(hosts))
    return ["%s%d host(s) of it have problems (%s); nothing was written" % (prefix, len(hosts), ", ".join(hosts))]


def _host_problems(name, layout_problems, batch_problems, result, names, mode):
    if layout_problems:
        return list(layout_problems)
    if result.get("skipped"):
        return _stopped_by(BATCH_STOPPED, [_problem_host(p) for p in batch_problems])
    not_read = (result.get("not_read") or {}).get(name)
    if not_read:  # left out of the call (unreachable_hosts: skip): vCenter cannot reach it
        return ["%s: %s: vCenter cannot reach the host, so nothing was read or changed on it" % (name, not_read_text({"connection_state": not_read}))]
    problems = result.get("problems")
    if problems is not None:
        own = [p for p in problems if _problem_host(p) == name]
        general = [p for p in problems if _problem_host(p) not in names]
        if own or general:
            return own or general
        return _stopped_by(BATCH_STOPPED if mode != "per_host" else PER_HOST_REFUSED,
                           [h for h in map(_problem_host, problems) if h in names])
    reached = result.get("host") in (None, name) or name in (result.get("hosts_not_applied") or {}) or name in (result.get("hosts_in_doubt") or {})
    if "hosts" not in result and reached:  # the call ran and failed after its checks (a write, a connection)
        return [result.get("msg")]
    return []


def batch_host_result(result, name, layout_problems=(), batch_problems=(), names=(), mode="all_or_nothing"):
    """One host's share of a role batch's multinic_vmotion_portgroups call (``result``, registered without failing).

    Returns {"applied": the host's result (or, after a failure, what was applied on it), "problems": what the host
    fails with}: its own layout problems, else the module's problems that start with its name, else problems that
    name no host of the batch, else "not applied" naming the hosts that stopped the batch; after a failure past the
    checks, the module's message for the hosts it reached. ``names`` are the hosts of the batch.
    """
    result = dict(result or {})
    done = list((result.get("hosts_applied") or {}).get(name) or [])
    applied = (result.get("hosts") or {}).get(name) or {
        "changed": bool(done), "applied": done, "vmks": [], "verified": None,
        "operations": done + list((result.get("hosts_not_applied") or {}).get(name) or [])}
    return {"applied": applied, "problems": _host_problems(name, layout_problems or [], batch_problems or [], result, list(names), mode)}
