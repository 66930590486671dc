# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet audit of multi-NIC vMotion as one plain dict, and what changed between two audits.

``build_audit(hosts, options)`` turns the ``hosts`` of ``vmk_vmotion_facts``
(one dict per host, keyed by name) into one plain dict::

    {"summary": {...counts, "clean"...},
     "findings": [...fleet findings, worst first, each with "host"...],
     "hosts": {host: {"mgmt_ip", "cluster", "datacenter", "findings": {severity: n},
                      "worst_severity", "vmotion_vmks", "indexes": {device: state},
                      "streams": {"min", "max", "failing", "degraded"}}},
     "indexes": {device: {"subnet", "mtu", "hosts", "missing"}},
     "vmotion_subnets": [cidr],
     "pairing": {"pairs": [failing and degraded pairs, each with "why"], "left_off": n, "summary": {...}},
     "options": {...}}

Every rule comes from ``_audit.rules`` and ``_audit.stream_pairing``; this file groups by vCenter, merges
ping evidence and words stream pairing's reason codes (``PAIR_REASON_TEXT``). ``compare_audits`` says what
changed from one audit to the next. The reports are ``_render``'s. Nothing here talks to vSphere or Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import SEVERITIES, FindingsError, _fleet_finding_key, at_or_above
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.options import OPTION_DEFAULTS
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.rules import fleet_findings
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.stream_pairing import PEER_CAUSED, stream_pairing
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.ping_mesh import audit_part as connectivity_audit_part
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import is_vmotion, natural_key
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.facts import is_read

AUDIT_VERSION = 1
# Options of build_audit on top of those of _audit.rules.
AUDIT_OPTIONS = ("max_pairs",)
# Index states of one host, as the report shows them.
INDEX_STATES = ("on", "off", "other_subnet", "no_lease", "missing")
# stream_pairing's reason code -> (text, whether the text names the vmk's subnets).
PAIR_REASON_TEXT = {
    "VMOTION_OFF": ("vMotion disabled", False),
    "NO_SUBNET": ("no IP subnet", False),
    "NO_LEASE": ("DHCP without a lease", False),
    "PEER_HAS_NONE": ("no vMotion-enabled vmk of the peer in %s", True),
    "PEER_ALL_PAIRED": ("the peer's vMotion vmks in %s are all paired already", True),
}
CLEAN_TEXT = "Clean: no findings, every host pair gets all its streams."
# The host x host matrix of streams is kept in the audit up to this many hosts (64 hosts: 4,032 cells).
MATRIX_MAX_HOSTS = 64


def _plain(value):
    """Plain dicts and lists, whatever mapping or sequence types a caller hands in."""
    if isinstance(value, dict):
        return dict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _fleet_hosts(data):
    """The hosts dict from either the facts module's ``ansible_facts.vmk_vmotion_facts`` or its whole registered result."""
    if isinstance(data, dict) and isinstance(data.get("summary"), dict) and "vmks" not in data:
        facts = (data.get("ansible_facts") or {}).get("vmk_vmotion_facts")
        if isinstance(facts, dict):
            return facts
        if isinstance(data.get("hosts"), dict):  # a result of 0.1.0
            return data["hosts"]
    return data


def count_problem(value, name):
    """A problem text when ``value`` is neither None nor a non-negative integer, else None."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        return "%s must be a non-negative integer, got %r" % (name, value)
    return None


def _split_options(options):
    if options is not None and not isinstance(options, dict):
        raise FindingsError(["options must be a dict, got %s" % type(options).__name__])
    options = dict((k, v) for k, v in (options or {}).items() if v is not None)
    max_pairs = options.pop("max_pairs", None)
    problems = [p for p in [count_problem(max_pairs, "max_pairs")] if p]
    unknown = sorted(set(options) - set(OPTION_DEFAULTS))
    if unknown:
        problems.append("unknown option(s) %s; allowed: %s" % (", ".join(unknown), ", ".join(sorted(set(OPTION_DEFAULTS) | set(AUDIT_OPTIONS)))))
    if problems:
        raise FindingsError(problems)
    # an audit lists the pairs that need attention; the summary still counts every pair
    options.setdefault("include_healthy", False)
    return options, max_pairs


# ---------------------------------------------------------------- why a pair loses streams


def _reason_key(unmatched):
    """What puts unmatched vmks in one clause: the reason code, and the subnets when its text names them."""
    names_networks = PAIR_REASON_TEXT.get(unmatched["reason"], ("", False))[1]
    return unmatched["reason"], (tuple(unmatched.get("networks") or ()) if names_networks else ())


def _reason_text(code, networks):
    text, names_networks = PAIR_REASON_TEXT.get(code, (code, False))
    return text % (", ".join(networks) or "none") if names_networks else text


def pair_reasons(pair):
    """Why a pair loses streams, one clause per host and reason.

    A vmk left alone only because the same vmk of the other host is off (or has
    no subnet) repeats that cause, so it is left out; it stays when the other
    host has no local cause for that vmk (another subnet, say).
    """
    sides = [(pair["source"], pair.get("unmatched_source") or (), pair.get("unmatched_destination") or ()),
             (pair["destination"], pair.get("unmatched_destination") or (), pair.get("unmatched_source") or ())]
    clauses = []
    for host, own, other in sides:
        local_elsewhere = set(u["device"] for u in other if u["reason"] not in PEER_CAUSED)
        by_reason = {}
        for unmatched in own:
            if unmatched["reason"] in PEER_CAUSED and unmatched["device"] in local_elsewhere:
                continue
            by_reason.setdefault(_reason_key(unmatched), []).append(unmatched["device"])
        for key in sorted(by_reason, key=lambda k: natural_key(by_reason[k][0])):
            clauses.append("%s %s: %s" % (host, ", ".join(by_reason[key]), _reason_text(*key)))
    return "; ".join(clauses) or "no vMotion vmk pairs up"


# ---------------------------------------------------------------- the audit


def index_state(entry, index, host=None):
    """on, off, other_subnet, no_lease (DHCP without a lease) or missing; n/a for a host of another vCenter than the index's."""
    if host is not None and index.get("vcenter") not in (None, host.get("vcenter")):
        return "n/a"
    if entry is None:
        return "missing"
    if entry.get("dhcp") is False:
        return "no_lease"
    if index.get("subnet") and entry.get("subnet") != index["subnet"] and not (index.get("routed") and entry.get("gateway")):
        return "other_subnet"  # a routed index has a subnet per group of hosts: another one is no fault
    return "on" if entry.get("vmotion") else "off"


def _severity_counts(findings):
    counts = dict((s, 0) for s in SEVERITIES)
    for finding in findings:
        counts[finding["severity"]] += 1
    return counts


def _host_entry(name, host, findings, stats, indexes):
    return {
        "name": name,
        "mgmt_ip": host.get("mgmt_ip"),
        "vcenter": host.get("vcenter"),
        "cluster": host.get("cluster"),
        "datacenter": host.get("datacenter"),
        "findings": _severity_counts(findings),
        "worst_severity": findings[0]["severity"] if findings else None,
        "vmotion_vmks": [v.get("device") for v in host.get("vmks") or () if isinstance(v, dict) and is_vmotion(v)],
        "indexes": dict((device, index_state(index["hosts"].get(name), index)) for device, index in indexes.items()
                        if index.get("vcenter") in (None, host.get("vcenter"))),
        "streams": {"min": stats.get("min_streams"), "max": stats.get("max_streams"),
                    "failing": stats.get("failing", 0), "degraded": stats.get("degraded", 0)},
    }


def _listed_pairs(pairing, max_pairs):
    """The pairs to list, failing first then the most streams lost, each with ``why``; and how many were left off."""
    listed = sorted(pairing["pairs"], key=lambda p: (not p["fails"], -p["lost"], natural_key(p["source"]), natural_key(p["destination"])))
    left_off = 0
    if max_pairs is not None and len(listed) > max_pairs:
        left_off = len(listed) - max_pairs
        listed = listed[:max_pairs]
    for pair in listed:
        pair["why"] = pair_reasons(pair) if pair["lost"] or pair["fails"] else ""
    summary = dict((k, v) for k, v in pairing["summary"].items() if k != "by_host")
    for key in ("failing_pairs", "degraded_pairs"):
        if max_pairs is not None:
            summary[key] = summary[key][:max_pairs]
    return {"pairs": listed, "left_off": left_off, "summary": summary}


def _audit_summary(fleet, pair_summary, per_host, facts, not_read=()):
    streams = [s["streams"][k] for s in per_host.values() for k in ("min", "max") if s["streams"][k] is not None]
    vmks = [v for h in facts.values() if isinstance(h, dict) for v in h.get("vmks") or () if isinstance(v, dict)]
    return {
        "hosts": len(per_host),
        "vmks": len(vmks),
        "vmotion_vmks": sum(1 for v in vmks if is_vmotion(v)),
        "indexes": sorted(fleet["indexes"], key=natural_key),
        "vmotion_subnets": fleet["vmotion_subnets"],
        "findings": _severity_counts(fleet["findings"]),
        "findings_at_or_above": dict((s, len(at_or_above(fleet["findings"], s))) for s in SEVERITIES),
        "worst_severity": fleet["findings"][0]["severity"] if fleet["findings"] else None,
        "pairs": pair_summary["pairs"],
        "healthy_pairs": pair_summary["healthy"],
        "degraded_pairs": pair_summary["degraded"],
        "failing_pairs": pair_summary["failing"],
        "min_streams": min(streams) if streams else None,
        "max_streams": max(streams) if streams else None,
        "hosts_not_read": len(not_read),
        # a fleet with a host nobody could read is not known to be clean
        "clean": not fleet["findings"] and not pair_summary["degraded"] and not pair_summary["failing"] and not not_read,
    }


def _matrix(pairing, names):
    """The host x host streams, in host order: ``cells[i][j]`` is [streams, expected, why] from host i to host j (None on the diagonal)."""
    by_pair = dict(((p["source"], p["destination"]), p) for p in pairing["pairs"])
    cells = []
    for source in names:
        row = []
        for destination in names:
            pair = by_pair.get((source, destination))
            if pair is None:
                row.append(None)
            else:
                row.append([pair["streams"], pair["expected"], pair_reasons(pair) if pair["lost"] or pair["fails"] else ""])
        cells.append(row)
    return {"hosts": names, "cells": cells}


def _by_vcenter(facts):
    """[(vCenter or None, {name: facts})] in first-seen order: each vCenter is a fleet of its own."""
    groups = {}
    for name, host in facts.items():
        vcenter = host.get("vcenter") if isinstance(host, dict) else None
        groups.setdefault(vcenter, {})[name] = host
    return list(groups.items())


def merge_counts(summaries):
    """Pairing summaries of several vCenters as one: counts add up, lists and per-host stats join."""
    merged = {}
    for summary in summaries:
        for key, value in summary.items():
            if isinstance(value, bool) or not isinstance(value, (int, list, dict)):
                merged.setdefault(key, value)
            elif isinstance(value, int):
                merged[key] = merged.get(key, 0) + value
            elif isinstance(value, list):
                merged[key] = merged.get(key, []) + value
            else:
                merged[key] = dict(merged.get(key, {}), **value)
    return merged


def merge_results(results):
    """Results of one module run per vCenter ({summary, hosts}) as one: counts add up, lists join, hosts join."""
    results = [r for r in results or () if isinstance(r, dict)]
    hosts = {}
    for result in results:
        hosts.update(result.get("hosts") or {})
    return {"summary": merge_counts([r.get("summary") or {} for r in results]), "hosts": hosts}


def _audit_vcenters(facts, options, include_healthy):
    """Findings and stream pairing per vCenter (addresses, subnets and pairs mean something within one vCenter only).

    Findings carry their vCenter; with several vCenters an index is named with its vCenter ("vmk1 (vc-a)").
    """
    groups = _by_vcenter(facts) or [(None, facts)]
    several = len(groups) > 1
    fleet = {"findings": [], "by_host": {}, "indexes": {}, "vmotion_subnets": []}
    pairs, summaries = [], []
    for vcenter, hosts in groups:
        found = fleet_findings(hosts, options)
        for finding in found["findings"]:
            if vcenter:
                finding["vcenter"] = vcenter
        fleet["findings"].extend(found["findings"])
        fleet["by_host"].update(found["by_host"])
        for device, index in found["indexes"].items():
            # with several vCenters an index is one vCenter's: named and marked so
            fleet["indexes"]["%s (%s)" % (device, vcenter) if several else device] = dict(index, vcenter=vcenter) if several else index
        fleet["vmotion_subnets"] = sorted(set(fleet["vmotion_subnets"]) | set(found["vmotion_subnets"]), key=natural_key)
        pairing = stream_pairing(hosts, dict(options, include_healthy=include_healthy))
        pairs.extend(pairing["pairs"])
        summaries.append(pairing["summary"])
    fleet["findings"].sort(key=_fleet_finding_key)
    return fleet, {"pairs": pairs, "summary": merge_counts(summaries)}, [vc for vc, _hosts in groups if vc]


def _by_name(hosts):
    """{name: facts} of a list of host facts; a name twice (one host name in two vCenters) is refused, not dropped."""
    facts, problems = {}, []
    for host in hosts:
        name = host.get("name")
        if name in facts:
            where = [h.get("vcenter") or "?" for h in (facts[name], host)]
            problems.append("host %s was read twice (%s): the audit knows a host by its name, so audit these vCenters in "
                            "separate runs (limit the play to one vCenter's hosts)" % (name, " and ".join(where)))
        facts[name] = host
    if problems:
        raise FindingsError(problems)
    return facts


def build_audit(hosts, options=None, connectivity=None):
    """Fleet audit of the vMotion facts ``hosts`` ({name: facts}); raises FindingsError on bad input or options.

    Hosts of several vCenters (their facts' ``vcenter``) are audited per vCenter and reported together.
    ``connectivity``: vmotion_connectivity's results (one per vCenter); their failing pairs become PATH_* findings
    of the host they are blamed on, and the audit keeps their summary and per-index matrices.
    """
    hosts = _plain(_fleet_hosts(hosts))
    options, max_pairs = _split_options(options)
    if not isinstance(hosts, dict) and not (isinstance(hosts, list) and all(isinstance(h, dict) for h in hosts)):
        fleet_findings(hosts, options)  # says what is wrong with the input
        raise FindingsError(["hosts must be a dict of host facts or a list of them, got %s" % type(hosts).__name__])
    facts = hosts if isinstance(hosts, dict) else _by_name(hosts)
    # hosts vCenter could not reach are named with their state and counted apart; no rule, pair or advice reaches them
    not_read = [dict((k, host.get(k)) for k in ("name", "connection_state", "maintenance", "cluster", "vcenter"))
                for _name, host in sorted(facts.items(), key=lambda item: natural_key(item[0])) if not is_read(host)]
    facts = dict((name, host) for name, host in facts.items() if is_read(host))
    pings = None
    if connectivity:
        pings, evidence = connectivity_audit_part(_plain(connectivity))
        facts = dict((name, dict(host, connectivity=evidence.get(name, {"failing": [], "cut_off": []}))) for name, host in facts.items())
    with_matrix = len(facts) <= MATRIX_MAX_HOSTS
    # every pair once, healthy ones too, for the matrix; the list keeps what the options ask for
    fleet, pairing, vcenters = _audit_vcenters(facts, options, include_healthy=with_matrix or options["include_healthy"])
    matrix = None
    if with_matrix:
        order = sorted(fleet["by_host"], key=lambda n: (natural_key(facts[n].get("vcenter") or ""), natural_key(n)))
        matrix = _matrix(pairing, order)
        if not options["include_healthy"]:
            pairing["pairs"] = [p for p in pairing["pairs"] if p["lost"] or p["fails"]]
    by_host = pairing["summary"]["by_host"]
    per_host = dict((name, _host_entry(name, facts.get(name) or {}, findings, by_host.get(name) or {}, fleet["indexes"]))
                    for name, findings in fleet["by_host"].items())
    return {
        "version": AUDIT_VERSION,
        "vcenters": vcenters,
        "summary": _audit_summary(fleet, pairing["summary"], per_host, facts, not_read),
        "findings": fleet["findings"],
        "hosts": per_host,
        "not_read": not_read,
        "indexes": fleet["indexes"],
        "vmotion_subnets": fleet["vmotion_subnets"],
        "pairing": _listed_pairs(pairing, max_pairs),
        "matrix": matrix,
        "connectivity": pings,
        "options": dict(options, max_pairs=max_pairs),
    }


# ---------------------------------------------------------------- before / after


def _finding_id(finding):
    return (finding.get("code"), finding.get("host") or "", finding.get("device") or "", finding.get("portgroup") or "")


def _finding_label(finding):
    return " ".join(str(x) for x in (finding.get("code"), finding.get("host"), finding.get("device")) if x)


def _pair_counts(summary):
    return {"pairs": summary.get("pairs", 0), "losing": losing_pairs(summary), "degraded": summary.get("degraded_pairs", 0),
            "failing": summary.get("failing_pairs", 0)}


def compare_audits(before, after):
    """What changed from audit ``before`` to audit ``after`` (both from build_audit, or their JSON reports).

    Returns ``{"hosts", "findings", "pairs", "clean": {"before", "after"}, "fixed": [label], "new": [label], "remaining": n}``:
    ``hosts``, ``findings`` (per severity) and ``pairs`` (pairs, losing, degraded, failing) each as {"before", "after"};
    a finding is the same when its code, host, vmk and port group are.
    """
    check_audit(before, "compare_audits (before)")
    check_audit(after, "compare_audits (after)")
    old, new = before["summary"], after["summary"]
    old_ids = dict((_finding_id(f), f) for f in before.get("findings") or ())
    new_ids = dict((_finding_id(f), f) for f in after.get("findings") or ())
    return {
        "hosts": {"before": old.get("hosts", 0), "after": new.get("hosts", 0)},
        "findings": {"before": _severity_counts(before.get("findings") or ()), "after": _severity_counts(after.get("findings") or ())},
        "pairs": {"before": _pair_counts(old), "after": _pair_counts(new)},
        "clean": {"before": bool(old.get("clean")), "after": bool(new.get("clean"))},
        "fixed": [_finding_label(old_ids[k]) for k in old_ids if k not in new_ids],
        "new": [_finding_label(new_ids[k]) for k in new_ids if k not in old_ids],
        "remaining": sum(1 for k in new_ids if k in old_ids),
    }


def check_audit(audit, who):
    if not isinstance(audit, dict) or "summary" not in audit or "hosts" not in audit:
        raise FindingsError(["%s needs the dict build_audit returns (with summary and hosts)" % who])


def losing_pairs(summary):
    return summary.get("degraded_pairs", 0) + summary.get("failing_pairs", 0)


def facts_hosts(results):
    """Every host of the registered vmk_vmotion_facts results of several vCenters, as one list (not a dict: a host name
    read from two vCenters must reach build_audit twice, which refuses it, rather than be dropped by a join)."""
    return [host for result in results or () if isinstance(result, dict)
            for host in ((result.get("ansible_facts") or {}).get("vmk_vmotion_facts") or {}).values()]
