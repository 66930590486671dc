# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules over evidence beyond the facts: the uplinks' (hosts read with their pnics, _audit.uplink_evidence) and
the pings' (vmotion_connectivity's results). Hosts without the evidence are left out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import _finding, _names, _some
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.fleet_view import _find_portgroup, _majority
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key, parse_address

try:
    import netaddr
except ImportError:  # pragma: no cover - _core.vmk reports it
    netaddr = None


# ---------------------------------------------------------------- uplink evidence (hosts read with their pnics)
# A host's facts may carry "pnics": {pnic: evidence}: link and speed (_vsphere.facts.pnic_facts, vmk_vmotion_facts), and with
# _audit.uplink_evidence.read_uplink_evidence also the switch and uplink name, CDP/LLDP neighbour and observed subnets. Each rule
# uses what is there; hosts without "pnics" are left out.


def _pnic_ports(view):
    """{(switch, uplink name): pnic evidence}; a pnic with link facts only is known by its device alone (switch None),
    which is how a standard switch's teaming names it."""
    ports = {}
    for device, evidence in view["pnics"].items():
        if isinstance(evidence, dict):
            if evidence.get("uplink"):
                ports[(evidence.get("switch"), evidence["uplink"])] = evidence
            ports.setdefault((None, device), evidence)
    return ports


def _active_pnics(view, vmk):
    """[(uplink name, evidence)] of a vmk's active uplinks, for a host read with its pnics."""
    portgroup = _find_portgroup(view, vmk["portgroup"], vmk["switch"]) if vmk["portgroup"] else None
    if not view["pnics"] or portgroup is None:
        return []
    switch = portgroup.get("switch") or vmk["switch"]
    ports = _pnic_ports(view)
    found = [(uplink, ports.get((switch, uplink)) or ports.get((None, uplink))) for uplink in (portgroup.get("teaming") or {}).get("active") or ()]
    return [(uplink, evidence) for uplink, evidence in found if evidence is not None]


def _evidence_users(views, context):
    """(device, [(view, vmk, uplink, evidence)]) per index: each host's vMotion vmk with its first active uplink that reports a link."""
    for device in sorted(context["indexes"], key=natural_key):
        users = []
        for view in views:
            vmk = context["indexes"][device].get(view["name"])
            if vmk is None or not vmk["enabled"]:
                continue
            live = [(u, e) for u, e in _active_pnics(view, vmk) if e.get("link") == "up"]
            if live:
                users.append((view, vmk, live[0][0], live[0][1]))
        yield device, users


def _uplink_down(view, opts, context):
    findings = []
    for vmk in context["enabled"]:
        active = _active_pnics(view, vmk)
        if vmk["management"] or not active or any(e.get("link") == "up" for _u, e in active):
            continue
        uplinks = [u for u, _e in active]
        findings.append(_finding(
            "UPLINK_DOWN",
            "%s %s (port group %r) is active on %s, which report(s) no link; the vmk carries no vMotion traffic unless it fails over to "
            "a standby uplink. Check the cable and the switch port of %s (the configuration is not the cause)."
            % (view["name"], vmk["device"], vmk["portgroup"], _names(uplinks), _names(uplinks)),
            device=vmk["device"], portgroup=vmk["portgroup"], switch=vmk["switch"], uplinks=uplinks,
        ))
    return findings


def _vlan_of(view, vmk):
    portgroup = _find_portgroup(view, vmk["portgroup"], vmk["switch"]) if vmk["portgroup"] else None
    vlan = (portgroup or {}).get("vlan_id")
    return vlan if isinstance(vlan, int) and not isinstance(vlan, bool) else None


def _subnet_not_observed(views, opts, context):
    findings = []
    for device, users in _evidence_users(views, context):
        hinted = [(v, vmk, u, e) for v, vmk, u, e in users if e.get("hinted") and vmk["ip"]]
        seen_by = [v["name"] for v, vmk, u, e in hinted if observes(e, vmk["ip"])]
        vlans = set(_vlan_of(v, vmk) for v, vmk, u, e in hinted if _vlan_of(v, vmk) in (e.get("vlans") or ()))
        for view, vmk, uplink, evidence in hinted:
            missing = []
            if not observes(evidence, vmk["ip"]) and [h for h in seen_by if h != view["name"]]:
                missing.append("subnet %s" % vmk["subnet"])
            vlan = _vlan_of(view, vmk)
            if vlan and vlan in vlans and vlan not in (evidence.get("vlans") or ()):
                missing.append("VLAN %d" % vlan)
            if not missing:
                continue
            others = [h for h in seen_by if h != view["name"]]
            findings.append(_finding(
                "SUBNET_NOT_OBSERVED",
                "%s %s (port group %r): its active uplink %s has not observed %s, which the same index's uplinks of %s observe; the switch "
                "port of %s is probably in another island or does not carry the VLAN. Check where %s is cabled and the port's VLANs."
                % (view["name"], device, vmk["portgroup"], uplink, " or ".join(missing), _some(others) or "other hosts", uplink, uplink),
                host=view["name"], device=device, portgroup=vmk["portgroup"], uplinks=[uplink], subnet=vmk["subnet"], peers=others,
            ))
    return findings


def _switch_groups(users):
    """Groups of neighbour switches whose observed subnets overlap (union-find), largest (by hosts) first."""
    seen = {}
    for view, vmk, uplink, evidence in users:
        switch = (evidence.get("neighbour") or {}).get("switch")
        if switch and evidence.get("observed"):
            seen.setdefault(switch, {"subnets": set(), "users": []})
            seen[switch]["subnets"].update(o.get("subnet") for o in evidence["observed"] if o.get("subnet"))
            seen[switch]["users"].append((view, vmk, uplink, evidence))
    groups = []
    for switch in sorted(seen):
        joined = [g for g in groups if any(seen[s]["subnets"] & seen[switch]["subnets"] for s in g)]
        merged = set([switch]).union(*joined) if joined else set([switch])
        groups = [g for g in groups if g not in joined] + [merged]
    ranked = [(sorted(g), [u for s in sorted(g) for u in seen[s]["users"]]) for g in groups]
    return sorted(ranked, key=lambda g: (-len(g[1]), g[0]))


def _reach(hosts):
    return "only %s" % _some(hosts) if hosts else "no other host"


def _split_island(views, opts, context):
    findings = []
    for device, users in _evidence_users(views, context):
        groups = _switch_groups(users)
        if len(groups) < 2:
            continue
        main_switches, main_users = groups[0]
        for switches, members in groups[1:]:
            cut = [v["name"] for v, _vmk, _u, _e in members]
            for view, vmk, uplink, evidence in members:
                port = (evidence.get("neighbour") or {}).get("port")
                findings.append(_finding(
                    "SPLIT_ISLAND",
                    "%s %s: its active uplink %s is cabled into %s%s, which observes none of the subnets that %s (the switches of %d other "
                    "host(s) on %s) observe: they are separate islands, so %s reaches %s on this index. A cable must move (not the "
                    "configuration): plug %s into %s, or give the island the missing VLAN." % (
                        view["name"], device, uplink, _names(switches), " port %s" % port if port else "", _names(main_switches), len(main_users),
                        device, device, _reach([h for h in cut if h != view["name"]]), uplink, main_switches[0]),
                    host=view["name"], device=device, portgroup=vmk["portgroup"], uplinks=[uplink], switch=switches[0],
                    peers=[v["name"] for v, _vmk, _u, _e in main_users],
                ))
    return findings


def _uplink_speed_mismatch(views, opts, context):
    findings = []
    for device, users in _evidence_users(views, context):
        speed, count = _majority(e.get("speed_mbps") for v, vmk, u, e in users if isinstance(e.get("speed_mbps"), int))
        for view, vmk, uplink, evidence in users:
            if speed is not None and isinstance(evidence.get("speed_mbps"), int) and evidence["speed_mbps"] != speed:
                findings.append(_finding(
                    "UPLINK_SPEED_MISMATCH",
                    "%s %s: its active uplink %s links at %s Mb/s but the same index links at %s Mb/s on %d of %d hosts; a migration between "
                    "them runs at the slower NIC's speed. Check the NIC, the cable and the switch port's speed." % (
                        view["name"], device, uplink, evidence["speed_mbps"], speed, count, len(users)),
                    host=view["name"], device=device, portgroup=vmk["portgroup"], uplinks=[uplink],
                ))
    return findings


def _port_mtu(evidence):
    """The MTU the switch port reports over CDP (LLDP does not tell it), or None."""
    return (evidence.get("neighbour") or {}).get("mtu")


def _uplink_mtu_mismatch(views, opts, context):
    findings = []
    for device, users in _evidence_users(views, context):
        mtu, count = _majority(_port_mtu(e) for v, vmk, u, e in users if isinstance(_port_mtu(e), int))
        for view, vmk, uplink, evidence in users:
            seen = _port_mtu(evidence)
            if not isinstance(seen, int):
                continue
            below = isinstance(vmk["mtu"], int) and seen < vmk["mtu"]
            if below or (mtu is not None and seen != mtu):
                why = ("below the vmk's MTU %d, so full-size vMotion frames are dropped" % vmk["mtu"]) if below else (
                    "while the same index's switch ports carry MTU %s on %d of %d hosts" % (mtu, count, len(users)))
                findings.append(_finding(
                    "UPLINK_MTU_MISMATCH",
                    "%s %s: the switch port behind its active uplink %s (%s) reports MTU %d, %s. Set the physical port's MTU to the "
                    "vmk's (the vSphere configuration is not the cause)." % (
                        view["name"], device, uplink, (evidence.get("neighbour") or {}).get("switch"), seen, why),
                    severity="critical" if below else None, host=view["name"], device=device, portgroup=vmk["portgroup"], uplinks=[uplink],
                    mtu=seen, expected_mtu=vmk["mtu"] if below else mtu,
                ))
    return findings


# ---------------------------------------------------------------- ping evidence (vmotion_connectivity's results)
# A host's facts may carry "connectivity": {"failing": [pair results blamed on it], "cut_off": [indexes]}
# (_audit.ping_mesh.host_evidence). Hosts without it are left out.

PATH_FAILURES = ("no_path", "link_down", "packet_loss", "error", "no_address")


def _blamed(view, verdicts):
    """{index: [failing pairs]} blamed on this host with one of ``verdicts``."""
    found = {}
    for pair in (view["connectivity"] or {}).get("failing") or ():
        if isinstance(pair, dict) and pair.get("verdict") in verdicts:
            found.setdefault(pair.get("index"), []).append(pair)
    return found


def _peer(view, pair):
    return pair.get("destination") if pair.get("source") == view["name"] else pair.get("source")


def _path_mtu_too_small(view, opts, context):
    findings = []
    for index, pairs in sorted(_blamed(view, ("mtu_too_small",)).items(), key=lambda item: natural_key(item[0])):
        peers = [_peer(view, p) for p in pairs]
        findings.append(_finding(
            "PATH_MTU_TOO_SMALL",
            "%s %s: %d-byte pings with DF (MTU %s) get no answer from %s while small pings do; some switch, island or peer on the path "
            "carries a smaller MTU, so full-size vMotion frames are dropped. Raise the MTU end to end (physical switches included) or "
            "lower the vmk MTU." % (view["name"], index, pairs[0].get("size") or 0, pairs[0].get("mtu"), _some(peers)),
            device=index, peers=peers, mtu=pairs[0].get("mtu"),
        ))
    return findings


def _path_failed(view, opts, context):
    findings = []
    cut_off = set((view["connectivity"] or {}).get("cut_off") or ())
    for index, pairs in sorted(_blamed(view, PATH_FAILURES).items(), key=lambda item: natural_key(item[0])):
        peers = [_peer(view, p) for p in pairs]
        verdicts = sorted(set(p.get("verdict") for p in pairs))
        where = ("it reaches none of its peers on this index while they reach each other, so the cause is on its side (its cable, "
                 "switch port or link: see UPLINK_DOWN and SPLIT_ISLAND)" if index in cut_off else "no answer from %s" % _some(peers))
        # routed pairs name the route that carries nothing: a router lacks a subnet, or a host a gateway
        routes = sorted(set(p["route"] for p in pairs if p.get("route")))
        findings.append(_finding(
            "PATH_FAILED",
            "%s %s: pings fail (%s): %s%s. Migrations between these hosts lose this stream." % (
                view["name"], index, _names(verdicts), where,
                "; nothing crosses the route%s %s (check that a router carries both subnets and each side has a gateway to it)"
                % ("s" if len(routes) > 1 else "", _names(routes)) if routes else ""),
            device=index, peers=peers, **({"routes": routes} if routes else {})
        ))
    return findings


def observes(evidence, address):
    """Whether a pnic has observed the subnet of ``address`` (a CIDR, a first-last range or a bare address in its hints)."""
    ip = parse_address(address)
    if ip is None or netaddr is None:
        return False
    for item in (evidence or {}).get("observed") or ():
        if _contains(item.get("subnet"), ip):
            return True
    return False


def _contains(subnet, ip):
    if not subnet:
        return False
    text = str(subnet).strip()
    try:
        if "-" in text:
            first, last = [part.strip() for part in text.split("-", 1)]
            return ip in netaddr.IPRange(first, last)
        return ip in netaddr.IPNetwork(text)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return False
