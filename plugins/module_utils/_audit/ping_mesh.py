# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vMotion ping mesh: which vmk pings which, what each answer means, and the summary.

Pure but for ``run_pairs``, which takes the ping function (``_vsphere.esxcli.Esxcli.ping`` in the module)
and runs the pairs on a bounded thread pool.

Indexes are the collection's (``_audit.rules.fleet_findings``: a device with vMotion enabled on at least
half of the hosts is a vMotion index). On each index, the vmk of one host pings the same device of
its peers, with DF set and the largest payload the source vmk's MTU allows (MTU - 28 for IPv4,
MTU - 48 for IPv6: the IP and ICMP headers). When that large ping gets no answer a small one
(``SMALL_PAYLOAD`` bytes) tells a path that does not carry the MTU from no path at all.

Strategies, for an index with n hosts (pairs = large pings on a clean fleet):

``mesh``
    every ordered pair, n(n-1): each direction is its own source vmk, MTU and TCP/IP stack, as the
    audit's host x host matrix.
``star``
    every host pings one reference host, n-1: proves each host reaches the reference, so two hosts
    that both reach it share its island and VLAN; says nothing of the reference's own sending side.
``ring``
    each host pings the next one by name, the last the first: n pairs (1 for n = 2); a broken host
    fails its two pairs.

Verdicts (``VERDICTS``): ``ok`` (the large ping answered without loss), ``packet_loss`` (answers,
with losses), ``mtu_too_small`` (the large ping got no answer or was refused as too long, the
small one answered: the path does not carry the vmk's MTU), ``no_path`` (neither answered),
``link_down`` (neither answered and an active uplink of either vmk reports no link),
``no_address`` (the two vmks have no address family in common; nothing is sent), ``error`` (esxcli
refused the ping for another reason, or the host could not run it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.fleet_view import _route_gateway
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.rules import fleet_findings
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import DEFAULT_NETSTACK, ipv4_of, ipv6_of, natural_key
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import VsphereError

STRATEGIES = ("mesh", "star", "ring")
VERDICTS = ("ok", "packet_loss", "mtu_too_small", "no_path", "link_down", "no_address", "error")
FAILING_VERDICTS = VERDICTS[1:]
HEADERS = {"ipv4": 28, "ipv6": 48}
DEFAULT_MTU = 1500
# The small ping's payload: ping's default, well inside any MTU.
SMALL_PAYLOAD = 56
DEFAULT_COUNT = 3
DEFAULT_CONCURRENCY = 8


class ConnectivityError(ValueError):
    """Bad options (unknown strategy, reference host not in scope...)."""


# ---------------------------------------------------------------- endpoints


def _active_uplinks(host, vmk):
    """(switch, uplink) of the vmk's port group's active uplinks, from its effective teaming."""
    for portgroup in host.get("portgroups") or ():
        if portgroup.get("name") == vmk.get("portgroup") and portgroup.get("switch") == vmk.get("switch"):
            return [(portgroup.get("switch"), uplink) for uplink in ((portgroup.get("teaming") or {}).get("active") or ())]
    return []


def _endpoint(name, host, vmk):
    ipv4, subnet = ipv4_of(vmk)
    ipv6 = ipv6_of(vmk)
    return {
        "host": name, "device": vmk.get("device"), "ipv4": ipv4, "ipv6": ipv6[0][0] if ipv6 else None, "subnet": subnet,
        "mtu": vmk.get("mtu") if isinstance(vmk.get("mtu"), int) else None, "netstack": vmk.get("netstack") or DEFAULT_NETSTACK,
        "vmotion": bool(vmk.get("vmotion")), "uplinks": _active_uplinks(host, vmk), "gateway": _route_gateway(vmk, host),
    }


def endpoints(hosts, options=None):
    """{index device: [endpoint]} in host name order; an endpoint is one host's vmk of that index.

    ``hosts`` is {name: host facts} as vmk_vmotion_facts returns them; ``options`` are the findings' options
    (``vmotion_devices`` fixes the indexes).
    """
    indexes = fleet_findings(hosts, options)["indexes"]
    found = {}
    for device in sorted(indexes, key=natural_key):
        members = []
        for name in sorted(indexes[device]["hosts"], key=natural_key):
            vmk = next((v for v in hosts[name].get("vmks") or () if v.get("device") == device), None)
            if vmk is not None:
                members.append(_endpoint(name, hosts[name], vmk))
        found[device] = members
    return found


# ---------------------------------------------------------------- the plan


def _ordered_pairs(names, strategy, reference):
    if strategy == "mesh":
        return [(a, b) for a in names for b in names if a != b]
    if strategy == "star":
        return [(a, reference) for a in names if a != reference]
    if len(names) < 3:  # a ring of two is one pair: the way back is the same path
        return [(names[0], names[1])] if len(names) == 2 else []
    return [(names[i], names[(i + 1) % len(names)]) for i in range(len(names))]


def pair_count(hosts, strategy):
    """Large pings on one index of ``hosts`` hosts: mesh n(n-1), star n-1, ring n (1 for 2 hosts)."""
    if strategy not in STRATEGIES:
        raise ConnectivityError("strategy %r must be one of %s" % (strategy, ", ".join(STRATEGIES)))
    if hosts < 2:
        return 0
    return {"mesh": hosts * (hosts - 1), "star": hosts - 1, "ring": hosts if hosts > 2 else 1}[strategy]


def _family(source, destination):
    if source["ipv4"] and destination["ipv4"]:
        return "ipv4", source["ipv4"], destination["ipv4"]
    if source["ipv6"] and destination["ipv6"]:
        return "ipv6", source["ipv6"], destination["ipv6"]
    return None, source["ipv4"] or source["ipv6"], destination["ipv4"] or destination["ipv6"]


def payload(mtu, family):
    """The largest ICMP payload a vmk MTU carries unfragmented: MTU minus the IP and ICMP headers."""
    return (mtu or DEFAULT_MTU) - HEADERS.get(family or "ipv4", 28)


def _reference(names, wanted):
    return wanted if wanted in names else names[0]


def plan(endpoints_by_index, strategy="mesh", reference_host=None):
    """The pairs to ping: [{"index", "source", "destination", "source_device", ..., "size", "family"}] and per index its reference.

    Returns (pairs, references) where references is {index: reference host} for ``star``.
    """
    if strategy not in STRATEGIES:
        raise ConnectivityError("strategy %r must be one of %s" % (strategy, ", ".join(STRATEGIES)))
    everyone = set(e["host"] for members in endpoints_by_index.values() for e in members)
    if reference_host is not None and everyone and reference_host not in everyone:
        raise ConnectivityError("reference_host %r is not a host in scope with a vMotion vmk (in scope: %s)"
                                % (reference_host, ", ".join(sorted(everyone, key=natural_key))))
    pairs, references = [], {}
    for index in sorted(endpoints_by_index, key=natural_key):
        by_host = dict((e["host"], e) for e in endpoints_by_index[index])
        names = sorted(by_host, key=natural_key)
        reference = _reference(names, reference_host) if names else None
        if strategy == "star":
            references[index] = reference
        for source_name, destination_name in _ordered_pairs(names, strategy, reference):
            source, destination = by_host[source_name], by_host[destination_name]
            family, source_ip, destination_ip = _family(source, destination)
            pairs.append({
                "index": index, "source": source_name, "destination": destination_name, "source_device": source["device"],
                "destination_device": destination["device"], "source_ip": source_ip, "destination_ip": destination_ip, "family": family,
                "mtu": source["mtu"] or DEFAULT_MTU, "size": payload(source["mtu"], family), "netstack": source["netstack"],
                "source_uplinks": source["uplinks"], "destination_uplinks": destination["uplinks"],
                # routed vMotion: a peer in another subnet is reached through the source's gateway
                "route": _route(source, destination) if family == "ipv4" else None,
            })
    return pairs, references


def _route(source, destination):
    """'S -> D via G' for two IPv4 endpoints in different subnets ('S -> D, no gateway' without one), None on-link."""
    if not source["subnet"] or not destination["subnet"] or source["subnet"] == destination["subnet"]:
        return None
    return "%s -> %s %s" % (source["subnet"], destination["subnet"], "via %s" % source["gateway"] if source["gateway"] else "(no gateway)")


def ping_arguments(pair, large, count=DEFAULT_COUNT):
    """esxcli network.diag.ping arguments for the large (DF, MTU-sized) or the small ping of one pair."""
    arguments = {"host": pair["destination_ip"], "interface": pair["source_device"], "count": count,
                 "size": pair["size"] if large else SMALL_PAYLOAD, "df": True if large else None}
    arguments["ipv6" if pair["family"] == "ipv6" else "ipv4"] = True
    if pair["netstack"] and pair["netstack"] != DEFAULT_NETSTACK:
        arguments["netstack"] = pair["netstack"]
    return arguments


# ---------------------------------------------------------------- verdicts


def _answered(ping):
    return ping is not None and not ping.get("fault") and (ping.get("received") or 0) > 0


def _complete(ping):
    return _answered(ping) and ping["received"] >= (ping.get("transmitted") or 0)


def _down(pair, links, side):
    """The active uplinks of one end that report no link (links: {host: {(switch, uplink): up}})."""
    known = (links or {}).get(pair[side]) or {}
    uplinks = pair[side + "_uplinks"]
    down = [u for u in uplinks if known.get(tuple(u)) is False]
    return down if down and len(down) == len(uplinks) else []


def _fault_text(ping):
    return "; ".join((ping or {}).get("fault") or ())


def verdict(pair, large, small, links=None):
    """(verdict, reason) of one pair from its large ping, its small ping (None when not sent) and the link evidence."""
    where = "%s %s -> %s %s" % (pair["source"], pair["source_device"], pair["destination"], pair["destination_device"])
    if _complete(large):
        return "ok", "%s: %d-byte DF ping answered" % (where, pair["size"])
    if _answered(large):
        return "packet_loss", "%s: %d%% of the %d-byte DF pings lost" % (where, large.get("loss_percent") or 0, pair["size"])
    if _answered(small):
        refused = " (refused locally: %s)" % _fault_text(large) if large and large.get("too_long") else ""
        return "mtu_too_small", ("%s: the %d-byte DF ping (MTU %d) got no answer%s but a %d-byte ping did; the path does not carry MTU %d"
                                 % (where, pair["size"], pair["mtu"], refused, SMALL_PAYLOAD, pair["mtu"]))
    down = [(pair[side], u) for side in ("source", "destination") for u in _down(pair, links, side)]
    if down:
        return "link_down", "%s: no answer, and %s report no link" % (where, ", ".join("%s %s" % (h, u[1]) for h, u in down))
    route = pair.get("route")
    for ping in (small, large):
        if ping and ping.get("fault") and not ping.get("too_long"):
            return "error", "%s: esxcli refused the ping: %s%s" % (where, _fault_text(ping), "; the route %s is missing" % route if route else "")
    if route:
        return "no_path", ("%s: neither the %d-byte DF ping nor a %d-byte ping got an answer across the route %s: a router on the way "
                           "lacks one of the subnets, or the peer has no route back" % (where, pair["size"], SMALL_PAYLOAD, route))
    return "no_path", "%s: neither the %d-byte DF ping nor a %d-byte ping got an answer" % (where, pair["size"], SMALL_PAYLOAD)


def _ping_view(ping):
    if ping is None:
        return None
    keys = ("transmitted", "received", "loss_percent", "rtt_min_ms", "rtt_avg_ms", "rtt_max_ms", "fault")
    return dict((k, ping.get(k)) for k in keys)


def pair_result(pair, large, small=None, links=None, error=None):
    """The returned entry of one pair."""
    if error is not None:
        name, reason = "error", "%s %s -> %s: %s" % (pair["source"], pair["source_device"], pair["destination"], error)
    elif pair["family"] is None:
        name, reason = "no_address", "%s %s and %s %s have no address family in common" % (
            pair["source"], pair["source_device"], pair["destination"], pair["destination_device"])
    else:
        name, reason = verdict(pair, large, small, links)
    answered = large if _answered(large) else small if _answered(small) else None
    return {
        "index": pair["index"], "source": pair["source"], "destination": pair["destination"], "source_device": pair["source_device"],
        "destination_device": pair["destination_device"], "source_ip": pair["source_ip"], "destination_ip": pair["destination_ip"],
        "family": pair["family"], "mtu": pair["mtu"], "size": pair["size"], "ok": name == "ok", "verdict": name, "reason": reason,
        "route": pair.get("route"),
        "loss_percent": (large or {}).get("loss_percent", 100 if pair["family"] else None),
        "rtt_avg_ms": (answered or {}).get("rtt_avg_ms"), "large": _ping_view(large), "small": _ping_view(small),
    }


# ---------------------------------------------------------------- running


def _run_pair(pair, ping, links, count):
    """Ping one pair (large, then small when the large one failed); VsphereError of this host becomes an error entry."""
    if pair["family"] is None:
        return pair_result(pair, None, links=links)
    try:
        large = ping(pair, ping_arguments(pair, True, count))
        small = None if _answered(large) else ping(pair, ping_arguments(pair, False, count))
    except VsphereError as e:
        if e.outcome_unknown:
            raise  # the session or the connection is gone: every other pair would fail the same way
        return pair_result(pair, None, links=links, error=str(e))
    return pair_result(pair, large, small, links)


def run_pairs(pairs, ping, concurrency=DEFAULT_CONCURRENCY, links=None, count=DEFAULT_COUNT):
    """Results of every pair, in plan order; ``ping(pair, arguments)`` answers as _vsphere.esxcli.Esxcli.ping.

    At most ``concurrency`` pings are in flight. A VsphereError with ``outcome_unknown`` (connection lost,
    timeout) stops the run and is raised.
    """
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise ConnectivityError("concurrency must be a positive integer, got %r" % (concurrency,))
    if not pairs:
        return []
    with ThreadPoolExecutor(max_workers=min(concurrency, len(pairs))) as pool:
        futures = [pool.submit(_run_pair, pair, ping, links, count) for pair in pairs]
        try:
            return [future.result() for future in futures]
        except VsphereError:
            for future in futures:
                future.cancel()
            raise


# ---------------------------------------------------------------- summary


def _cut_off(results):
    """Hosts every pair of which fails while some pair of the index without them is ok: the likely cause."""
    involved = {}
    for r in results:
        for host in (r["source"], r["destination"]):
            involved.setdefault(host, []).append(r)
    suspects = []
    for host in sorted(involved, key=natural_key):
        others_ok = any(r["ok"] for r in results if host not in (r["source"], r["destination"]))
        if others_ok and not any(r["ok"] for r in involved[host]):
            suspects.append(host)
    return suspects


def summarize(results, strategy, references=None, calls=None):
    """Counts per verdict in all and per index, the failing pairs, and the hosts that look cut off on each index."""
    indexes = {}
    for r in results:
        indexes.setdefault(r["index"], []).append(r)
    per_index = {}
    for index in sorted(indexes, key=natural_key):
        entries = indexes[index]
        per_index[index] = {
            "hosts": len(set(h for r in entries for h in (r["source"], r["destination"]))),
            "pairs": len(entries), "ok": sum(1 for r in entries if r["ok"]),
            "verdicts": dict((v, sum(1 for r in entries if r["verdict"] == v)) for v in VERDICTS),
            "failing_pairs": [[r["source"], r["destination"], r["verdict"]] for r in entries if not r["ok"]],
            "hosts_cut_off": _cut_off(entries),
        }
        if references and index in references:
            per_index[index]["reference"] = references[index]
    failing = [r for r in results if not r["ok"]]
    return {
        "strategy": strategy, "pairs": len(results), "ok": len(results) - len(failing), "failing": len(failing),
        "verdicts": dict((v, sum(1 for r in results if r["verdict"] == v)) for v in VERDICTS),
        "indexes": per_index, "calls": dict(calls or {}), "clean": not failing,
    }


def host_evidence(results):
    """{host: {"failing": [pairs], "cut_off": [indexes]}}: each failing pair blamed on one host, for the findings.

    A pair is blamed on its host that is cut off on that index (``hosts_cut_off``) when there is one, else on its
    source; so a host that reaches no peer gets the findings, not each of its peers. The findings' rules read it as
    the host facts' ``connectivity`` key (PATH_MTU_TOO_SMALL, PATH_FAILED).
    """
    evidence = {}
    indexes = {}
    for r in results:
        indexes.setdefault(r["index"], []).append(r)
        for host in (r["source"], r["destination"]):
            evidence.setdefault(host, {"failing": [], "cut_off": []})
    for index in sorted(indexes, key=natural_key):
        cut = _cut_off(indexes[index])
        for host in cut:
            evidence[host]["cut_off"].append(index)
        for r in indexes[index]:
            if not r["ok"]:
                blamed = next((h for h in (r["source"], r["destination"]) if h in cut), r["source"])
                evidence[blamed]["failing"].append(r)
    return evidence


def failures(results, fail_on):
    """The pairs whose verdict is one of ``fail_on``."""
    unknown = sorted(set(fail_on or ()) - set(FAILING_VERDICTS))
    if unknown:
        raise ConnectivityError("fail_on: unknown verdict(s) %s; known: %s" % (", ".join(unknown), ", ".join(FAILING_VERDICTS)))
    wanted = set(fail_on or ())
    return [r for r in results if r["verdict"] in wanted]


def index_matrices(results):
    """{index: {"hosts": [names], "cells": [[verdict or None]]}}: the verdict of each ordered pair pinged, per vMotion index.

    ``cells[i][j]`` is the pair from host i to host j (None: not pinged, as on the diagonal or with star and ring).
    """
    matrices = {}
    for index in sorted(set(r["index"] for r in results), key=natural_key):
        entries = [r for r in results if r["index"] == index]
        names = sorted(set(h for r in entries for h in (r["source"], r["destination"])), key=natural_key)
        verdicts = dict(((r["source"], r["destination"]), r["verdict"]) for r in entries)
        matrices[index] = {"hosts": names, "cells": [[verdicts.get((a, b)) for b in names] for a in names]}
    return matrices


def audit_part(results):
    """What an audit keeps of vmotion_connectivity's results (one per vCenter): the pairs, their summary, the per-index matrices,
    and the evidence per host that the PATH_* findings read. ``results``: registered results, each with ``pairs`` and ``summary``."""
    runs = [r for r in results or () if isinstance(r, dict) and isinstance(r.get("pairs"), list)]
    pairs = [p for r in runs for p in r["pairs"]]
    strategies = sorted(set((r.get("summary") or {}).get("strategy") for r in runs) - {None})
    return {
        "summary": summarize(pairs, ", ".join(strategies) or None),
        "matrices": index_matrices(pairs),
        "failing": [p for p in pairs if not p["ok"]],
    }, host_evidence(pairs)


def failure_message(failed, fail_on, summary, shown=5):
    """The failing pairs in one message: the hosts that look cut off per index, then the first reasons."""
    cut = ["%s: %s" % (index, ", ".join(entry["hosts_cut_off"])) for index, entry in summary["indexes"].items() if entry["hosts_cut_off"]]
    reasons = [r["reason"] for r in failed[:shown]] + (["and %d more (see pairs)" % (len(failed) - shown)] if len(failed) > shown else [])
    return "%d vMotion path(s) failed (%s)%s: %s" % (len(failed), ", ".join(fail_on), "; hosts cut off on %s" % "; ".join(cut) if cut else "",
                                                     "; ".join(reasons))
