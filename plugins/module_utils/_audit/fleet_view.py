# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the rules see hosts: each host's view (its vmks as candidates for vMotion, their teamings) and the fleet's
context (vMotion subnets, indexes and their majorities).

A vmk is a *vMotion vmk* when vMotion is enabled on it (``vmotion``, the
``vmotion`` service or the ``vmotion`` TCP/IP stack). It is a *vMotion
candidate* when it is a vMotion vmk, or when it is not a management vmk and
its port group matches the pattern, its subnet is a vMotion subnet or its
device is in ``vmotion_devices``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import FindingsError, _names

from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import (
    DEFAULT_NETSTACK,
    addresses,
    dhcp_lease,
    ipv4_of,
    is_vmotion,
    management_reason,
    natural_key,
    networks,
)


def _vmk_view(vmk, host, opts):
    device = vmk.get("device")
    ip, subnet = ipv4_of(vmk)
    nets = networks(vmk)
    return {
        "device": device,
        "portgroup": vmk.get("portgroup"),
        "switch": vmk.get("switch"),
        "ip": ip,
        "prefix_length": vmk.get("prefix_length"),
        "subnet": subnet or (nets[0] if nets else None),
        "networks": nets,
        "addresses": addresses(vmk),
        "mtu": vmk.get("mtu"),
        "netstack": vmk.get("netstack"),
        "dhcp": dhcp_lease(vmk),  # None: static; True: holds a lease; False: DHCP without a lease
        "held_ip": vmk.get("ip"),
        "enabled": is_vmotion(vmk),
        "management": management_reason(vmk, host) is not None or device in opts["management_devices"],
        "gateway": _route_gateway(vmk, host),
    }


def _route_gateway(vmk, host):
    """The gateway a vMotion vmk reaches other subnets through: its own (ipRouteSpec), else its non-default TCP/IP stack's
    (the default stack's is management's, no route for vMotion); None: on-link only, or the stacks were not read."""
    if vmk.get("gateway"):
        return vmk["gateway"]
    stack = vmk.get("netstack")
    if stack and stack != DEFAULT_NETSTACK:
        return ((host.get("stacks") or {}).get(stack) or {}).get("gateway")
    return None


def _host_view(name, host, opts):
    host = host or {}
    name = name or host.get("name") or host.get("mgmt_ip") or "?"
    # the fleet's key is the name vCenter knows the host by, which tells the management vmk
    known = dict(host, name=host.get("name") or name)
    vmks = sorted((_vmk_view(v, known, opts) for v in host.get("vmks") or () if isinstance(v, dict)), key=lambda v: natural_key(v["device"]))
    return {
        "name": str(name),
        "mgmt_ip": host.get("mgmt_ip"),
        "vmks": vmks,
        "switches": dict((s.get("name"), s) for s in host.get("switches") or () if isinstance(s, dict)),
        "portgroups": [p for p in host.get("portgroups") or () if isinstance(p, dict)],
        # uplink evidence, when the host was read with it (_audit.uplink_evidence.read_uplink_evidence)
        "pnics": host.get("pnics") if isinstance(host.get("pnics"), dict) else None,
        # ping evidence, when the host was audited with it (_audit.ping_mesh.host_evidence)
        "connectivity": host.get("connectivity") if isinstance(host.get("connectivity"), dict) else None,
    }


def _own_vmotion_subnets(view):
    # management vmks often carry vMotion as a default; that must not make the management subnet a vMotion subnet
    return set(n for v in view["vmks"] if v["enabled"] and not v["management"] for n in v["networks"])


def _vmotion_subnets(view, opts, fleet_subnets=None):
    """Explicit vmotion_subnets win; else the host's own vMotion subnets plus the fleet's."""
    if opts["vmotion_subnets"] is not None:
        return opts["vmotion_subnets"]
    return _own_vmotion_subnets(view) | set(fleet_subnets or ())


def _candidate_reasons(vmk, opts, subnets, devices):
    """Why a vmk looks meant for vMotion (empty: it does not)."""
    if vmk["management"]:
        return []
    reasons = []
    pattern = opts["pattern"]
    if pattern is not None and vmk["portgroup"] and pattern.search(vmk["portgroup"]):
        reasons.append("its port group name matches %r" % pattern.pattern)
    shared = [n for n in vmk["networks"] if n in subnets]
    if shared:
        reasons.append("its subnet %s carries vMotion" % shared[0])
    if devices and vmk["device"] in devices:
        reasons.append("%s is a vMotion device (vmotion_devices)" % vmk["device"])
    return reasons


def _candidates(view, opts, fleet_subnets):
    """[(vmk, why it looks meant for vMotion)] for the host's vMotion candidates, in device order."""
    subnets = _vmotion_subnets(view, opts, fleet_subnets)
    found = [(vmk, _candidate_reasons(vmk, opts, subnets, opts["vmotion_devices"])) for vmk in view["vmks"]]
    return [(vmk, reasons) for vmk, reasons in found if vmk["enabled"] or reasons]


def _address_text(vmk):
    if vmk["dhcp"] is not None:
        return "DHCP %s" % _static_text(vmk) if vmk["dhcp"] else "DHCP without a lease"
    return _static_text(vmk)


def _static_text(vmk):
    if vmk["ip"]:
        return "%s/%s" % (vmk["ip"], vmk["prefix_length"]) if vmk["prefix_length"] is not None else vmk["ip"]
    if vmk["addresses"]:
        return vmk["addresses"][0]
    return "no IP address"


def _find_portgroup(view, name, switch):
    same_name = [p for p in view["portgroups"] if p.get("name") == name]
    for portgroup in same_name:
        if portgroup.get("switch") == switch:
            return portgroup
    return same_name[0] if same_name else None


def _teamings(view, opts, candidates):
    """The effective teaming of each vMotion port group: one carrying a vMotion candidate, or named like one."""
    carried = {}
    for vmk in candidates:
        if vmk["portgroup"]:
            carried.setdefault((vmk["portgroup"], vmk["switch"]), []).append(vmk["device"])
    targets = {}
    for key in carried:
        portgroup = _find_portgroup(view, key[0], key[1])
        if portgroup is not None:
            targets[(portgroup.get("name"), portgroup.get("switch"))] = portgroup
    if opts["pattern"] is not None:
        for portgroup in view["portgroups"]:
            if portgroup.get("name") and opts["pattern"].search(portgroup["name"]):
                targets[(portgroup.get("name"), portgroup.get("switch"))] = portgroup
    teamings = []
    for key in sorted(targets, key=lambda k: (k[0] or "", k[1] or "")):
        teaming = targets[key].get("teaming")
        if not isinstance(teaming, dict):
            continue
        devices = carried.get(key, [])
        teamings.append({
            "portgroup": key[0], "switch": key[1], "device": devices[0] if devices else None,
            "where": "%s: vMotion port group %r on %s%s" % (view["name"], key[0], key[1], " (carries %s)" % _names(devices) if devices else ""),
            "active": list(teaming.get("active") or ()), "standby": list(teaming.get("standby") or ()),
            "unused": list(teaming.get("unused") or ()), "inherited": teaming.get("inherited"),
        })
    return teamings


def _host_context(view, opts, fleet):
    """What several host rules ask about one host, worked out once: candidates, vMotion vmks, vMotion port groups."""
    candidates = _candidates(view, opts, fleet.get("subnets"))
    context = dict(fleet)
    context.update(
        candidates=candidates,
        enabled=[v for v in view["vmks"] if v["enabled"]],
        teamings=_teamings(view, opts, [vmk for vmk, dummy in candidates]),
    )
    return context


def _majority(values):
    """(most common value, its count); ties go to the smallest value so the result never depends on input order."""
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    if not counts:
        return None, 0
    best = sorted(counts.items(), key=lambda item: (-item[1], natural_key(item[0])))[0]
    return best


def _views(hosts, opts):
    if isinstance(hosts, dict):
        items = hosts.items()
    elif isinstance(hosts, (list, tuple)):
        items = [(None, h) for h in hosts]
    else:
        raise FindingsError(["hosts must be a dict keyed by host name (or a list of host facts), got %s" % type(hosts).__name__])
    views = [_host_view(name, host, opts) for name, host in items]
    seen, doubles = set(), set()
    for view in views:
        (doubles if view["name"] in seen else seen).add(view["name"])
    doubles = sorted(doubles, key=natural_key)
    if doubles:
        raise FindingsError(["host name(s) %s appear more than once" % _names(doubles)])
    return sorted(views, key=lambda v: natural_key(v["name"]))


def _fleet_subnets(views, opts):
    """vMotion subnets of the fleet and those where vMotion is on for only a minority of vmks."""
    if opts["vmotion_subnets"] is not None:
        return set(opts["vmotion_subnets"]), {}
    enabled, total = {}, {}
    for view in views:
        for vmk in view["vmks"]:
            if vmk["management"]:
                continue
            for network in vmk["networks"]:
                total[network] = total.get(network, 0) + 1
                enabled[network] = enabled.get(network, 0) + (1 if vmk["enabled"] else 0)
    # at least half: one host with vMotion off among many is the seed's outage, one host with vMotion on among many is a stray
    subnets = set(n for n in total if enabled[n] and 2 * enabled[n] >= total[n])
    minority = dict((n, (enabled[n], total[n])) for n in total if enabled[n] and n not in subnets)
    return subnets, minority


def _fleet_indexes(views, opts):
    """{device: {host: vmk view}} for the devices that are vMotion indexes of the fleet."""
    by_device = {}
    for view in views:
        for vmk in view["vmks"]:
            if vmk["device"] and not vmk["management"]:
                by_device.setdefault(vmk["device"], {})[view["name"]] = vmk
    if opts["vmotion_devices"] is not None:
        wanted = opts["vmotion_devices"]
    else:
        # half of the whole fleet, not of the hosts having the device: one host's renumbered vmk7 must not make vmk7 an index
        wanted = set(d for d, users in by_device.items() if 2 * sum(1 for v in users.values() if v["enabled"]) >= len(views))
    return dict((d, by_device.get(d, {})) for d in wanted)


def _routed(vmks):
    """Whether an index is routed vMotion: every vMotion vmk of it with a subnet has a gateway, all on one TCP/IP stack, so
    hosts in other subnets (a subnet per rack) reach each other through routers rather than on-link."""
    placed = [v for v in vmks if v["enabled"] and v["subnet"]]
    return bool(placed) and all(v["gateway"] for v in placed) and len(set(v["netstack"] for v in placed)) == 1


def _index_majorities(views, indexes):
    """Per index: the fleet's subnet and MTU (the most common), how many hosts use them, and the hosts with vMotion there."""
    majorities = {}
    for device, users in indexes.items():
        subnet, subnet_count = _majority(v["subnet"] for v in users.values() if v["subnet"])
        mtu, mtu_count = _majority(v["mtu"] for v in users.values() if isinstance(v["mtu"], int))
        majorities[device] = {
            "subnet": subnet, "subnet_count": subnet_count, "mtu": mtu, "mtu_count": mtu_count, "users": len(users), "fleet": len(views),
            "routed": _routed(users.values()),
            "peers": [v["name"] for v in views if v["name"] in users and users[v["name"]]["subnet"] == subnet and users[v["name"]]["enabled"]],
        }
    return majorities


def _fleet_context(views, opts):
    subnets, minority = _fleet_subnets(views, opts)
    indexes = _fleet_indexes(views, opts)
    return {"subnets": subnets, "minority": minority, "indexes": indexes, "majorities": _index_majorities(views, indexes)}


def _index_entry(vmk):
    entry = {"ip": vmk["ip"] or (vmk["addresses"][0] if vmk["addresses"] else None), "subnet": vmk["subnet"], "vmotion": vmk["enabled"],
             "mtu": vmk["mtu"]}
    if vmk["dhcp"] is not None:
        entry["dhcp"] = vmk["dhcp"]
    if vmk["gateway"]:
        entry["gateway"] = vmk["gateway"]
    return entry


def _index_summary(views, context):
    """The ``indexes`` result of fleet_findings: per index the fleet's subnet and MTU, each host's entry, the hosts missing it."""
    names = [v["name"] for v in views]
    summary = {}
    for device, users in context["indexes"].items():
        majority = context["majorities"][device]
        summary[device] = {
            "subnet": majority["subnet"],
            "mtu": majority["mtu"],
            "routed": majority["routed"],
            # dhcp only on DHCP vmks (true with a lease, false without one), gateway only on routed ones
            "hosts": dict((h, _index_entry(v)) for h, v in users.items()),
            "missing": [h for h in names if h not in users],
        }
    return summary
