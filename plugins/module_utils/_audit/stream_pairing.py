# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stream pairing: how many vMotion streams each ordered pair of hosts can open, and why a vmk is left without a partner.

A matching of the two hosts' vMotion candidates by subnet, not a finding.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.fleet_view import _candidates, _fleet_context, _views
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.options import _normalize_options
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key

# Why a vmk of one host is left without a partner on the other host, in stream_pairing's unmatched entries.
PAIR_REASONS = (
    "VMOTION_OFF",  # the vmk has vMotion disabled
    "NO_SUBNET",  # the vmk has no address with a subnet
    "NO_LEASE",  # the vmk takes its address from DHCP and holds no lease
    "PEER_HAS_NONE",  # the peer has no vMotion vmk in the vmk's subnets
    "PEER_ALL_PAIRED",  # the peer's vMotion vmks in those subnets are paired with other vmks already
)
# The reasons that come from the peer's side rather than from the vmk itself.
PEER_CAUSED = frozenset(("PEER_HAS_NONE", "PEER_ALL_PAIRED"))


def _signature(view, opts, context):
    """What decides a host\'s streams: its vMotion candidates as (device, enabled, networks, DHCP without a lease, the TCP/IP
    stack it routes on or None), host names and IPs left out."""
    return tuple((vmk["device"], vmk["enabled"], tuple(vmk["networks"]), vmk["dhcp"] is False, vmk["netstack"] if vmk["gateway"] else None)
                 for vmk, dummy in _candidates(view, opts, context["subnets"]))


def _reaches(a, b):
    """Whether vmk a opens a stream to vmk b: a subnet in common (on-link), or both routed on the same TCP/IP stack."""
    return bool(set(a[2]) & set(b[2])) or (a[4] is not None and a[4] == b[4])


def _match(sig_a, sig_b):
    """Maximum one-to-one matching of usable vmks that reach each other (_reaches); same device names are paired first for a
    stable, readable result."""
    usable_a = [e for e in sig_a if e[1] and e[2]]
    usable_b = [e for e in sig_b if e[1] and e[2]]
    edges = [[j for j, b in enumerate(usable_b) if _reaches(a, b)] for a in usable_a]
    owner = {}  # index in usable_b -> index in usable_a
    for i, a in enumerate(usable_a):
        for j in edges[i]:
            if usable_b[j][0] == a[0] and j not in owner:
                owner[j] = i
                break

    def augment(i, seen):
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    matched_a = set(owner.values())
    for i in range(len(usable_a)):
        if i not in matched_a and augment(i, set()):
            matched_a = set(owner.values())
    pairs = []
    for j, i in owner.items():
        common = sorted(set(usable_a[i][2]) & set(usable_b[j][2]), key=lambda n: (":" in n, n))
        # a routed pair has no subnet in common: it crosses a router
        pairs.append({"source": usable_a[i][0], "destination": usable_b[j][0], "subnet": common[0] if common else None, "routed": not common})
    pairs.sort(key=lambda p: natural_key(p["source"]))
    return pairs


def _unmatched(sig, other, used):
    """The vmks of ``sig`` left without a partner, each with its PAIR_REASONS code and its subnets."""
    usable_other = [e for e in other if e[1] and e[2]]
    result = []
    for entry in sig:
        device, enabled, nets = entry[:3]
        if device in used:
            continue
        if not enabled:
            reason = "VMOTION_OFF"
        elif not nets:
            reason = "NO_LEASE" if entry[3] else "NO_SUBNET"
        elif not any(_reaches(entry, e) for e in usable_other):
            reason = "PEER_HAS_NONE"
        else:
            reason = "PEER_ALL_PAIRED"
        result.append({"device": device, "reason": reason, "networks": list(nets)})
    return result


def _pair_result(sig_a, sig_b):
    matched = _match(sig_a, sig_b)
    streams = len(matched)
    expected = min(len(sig_a), len(sig_b))
    return {
        "streams": streams,
        "expected": expected,
        "lost": expected - streams,
        "fails": streams == 0,
        "matched": matched,
        "unmatched_source": _unmatched(sig_a, sig_b, set(p["source"] for p in matched)),
        "unmatched_destination": _unmatched(sig_b, sig_a, set(p["destination"] for p in matched)),
    }


def _mirror(result):
    mirrored = dict(result)
    mirrored["matched"] = sorted((dict(p, source=p["destination"], destination=p["source"]) for p in result["matched"]),
                                 key=lambda p: natural_key(p["source"]))
    mirrored["unmatched_source"], mirrored["unmatched_destination"] = result["unmatched_destination"], result["unmatched_source"]
    return mirrored


def _pair_state(result):
    if result["fails"]:
        return "failing"
    return "degraded" if result["lost"] > 0 else "healthy"


def _pairing_summary(names, outcomes, signatures):
    """The summary of stream_pairing from [(source, destination, state, streams)] of every ordered pair."""
    counts = {"healthy": 0, "degraded": 0, "failing": 0}
    listed = {"failing": [], "degraded": []}
    per_host = dict((n, {"failing": 0, "degraded": 0, "min_streams": None, "max_streams": None}) for n in names)
    for source, destination, state, streams in outcomes:
        stats = per_host[source]
        counts[state] += 1
        if state != "healthy":
            stats[state] += 1
            listed[state].append([source, destination])
        stats["min_streams"] = streams if stats["min_streams"] is None else min(stats["min_streams"], streams)
        stats["max_streams"] = streams if stats["max_streams"] is None else max(stats["max_streams"], streams)
    return {
        "hosts": len(names),
        "pairs": len(names) * (len(names) - 1),
        "healthy": counts["healthy"],
        "degraded": counts["degraded"],
        "failing": counts["failing"],
        "failing_pairs": listed["failing"],
        "degraded_pairs": listed["degraded"],
        "by_host": per_host,
        "signatures": signatures,
    }


def stream_pairing(hosts, options=None):
    """How many vMotion streams a migration gets between every ordered pair of hosts.

    A vmk of A pairs with a vmk of B when both have vMotion enabled and share a
    subnet (IPv4, or a global IPv6 prefix); each vmk pairs once (a maximum
    matching). ``expected`` is the smaller count of vMotion candidates of the
    two hosts, so a disabled or misplaced vMotion port counts as a lost stream.
    Hosts with the same signature are computed once, which keeps a 256-host
    fleet (65,280 pairs) cheap.

    Returns ``{"pairs": [...], "summary": {...}}``.
    """
    opts = _normalize_options(options)
    views = _views(hosts, opts)
    context = _fleet_context(views, opts)
    signatures = {}
    host_signature = {}
    for view in views:
        host_signature[view["name"]] = signatures.setdefault(_signature(view, opts, context), len(signatures))
    by_id = dict((i, s) for s, i in signatures.items())
    cache = {}

    def result_for(ia, ib):
        if (ia, ib) not in cache:
            cache[(ia, ib)] = _mirror(cache[(ib, ia)]) if (ib, ia) in cache else _pair_result(by_id[ia], by_id[ib])
        return cache[(ia, ib)]

    names = [v["name"] for v in views]
    pairs, outcomes = [], []
    for source in names:
        for destination in names:
            if source == destination:
                continue
            result = result_for(host_signature[source], host_signature[destination])
            state = _pair_state(result)
            outcomes.append((source, destination, state, result["streams"]))
            if state != "healthy" or opts["include_healthy"]:
                pair = {"source": source, "destination": destination}
                pair.update(result)
                pairs.append(pair)
    return {"pairs": pairs, "summary": _pairing_summary(names, outcomes, len(signatures))}
