# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure fleet audit of multi-NIC vMotion, its Markdown report and its console summary.

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

Every rule comes from ``_findings`` (``fleet_findings``, ``stream_pairing``,
``at_or_above``); this file only assembles and renders. ``render_markdown``
writes the report a person reads: findings first, then a table of hosts, a
table of indexes and a host x index table of addresses, then the host pairs
that fail or lose streams, one small renderer per section. ``summary_lines``
is the short text the vmotion_audit role prints. The words for stream
pairing's reason codes live here (``PAIR_REASON_TEXT``). Nothing here talks
to vSphere or Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from html import escape

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import RULES, SEVERITIES, FindingsError, _fleet_finding_key, at_or_above
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.options import OPTION_DEFAULTS
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.rules import fleet_findings
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.stream_pairing import PEER_CAUSED, stream_pairing
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.ping_mesh import audit_part as connectivity_audit_part
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import is_vmotion, natural_key
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.facts import is_read

AUDIT_VERSION = 1
# Options of build_audit on top of those of _findings.
AUDIT_OPTIONS = ("max_pairs",)
# Index states of one host, as the report shows them.
INDEX_STATES = ("on", "off", "other_subnet", "missing")
# stream_pairing's reason code -> (text, whether the text names the vmk's subnets).
PAIR_REASON_TEXT = {
    "VMOTION_OFF": ("vMotion disabled", False),
    "NO_SUBNET": ("no IP subnet", False),
    "PEER_HAS_NONE": ("no vMotion-enabled vmk of the peer in %s", True),
    "PEER_ALL_PAIRED": ("the peer's vMotion vmks in %s are all paired already", True),
}
CLEAN_TEXT = "Clean: no findings, every host pair gets all its streams."
# The host x host matrix of streams is kept in the audit up to this many hosts (64 hosts: 4,032 cells).
MATRIX_MAX_HOSTS = 64
# How to fix each finding code of _findings.RULES (docs/findings.md is generated from both; a unit test keeps them in step).

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


def _count_problem(value, name):
    """A problem text when ``value`` is neither None nor a non-negative integer, else None."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        return "%s must be a non-negative integer, got %r" % (name, value)
    return None


def _split_options(options):
    if options is not None and not isinstance(options, dict):
        raise FindingsError(["options must be a dict, got %s" % type(options).__name__])
    options = dict((k, v) for k, v in (options or {}).items() if v is not None)
    max_pairs = options.pop("max_pairs", None)
    problems = [p for p in [_count_problem(max_pairs, "max_pairs")] if p]
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


def _pair_reasons(pair):
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


def _index_state(entry, index, host=None):
    """on, off, other_subnet or missing; n/a for a host of another vCenter than the index's."""
    if host is not None and index.get("vcenter") not in (None, host.get("vcenter")):
        return "n/a"
    if entry is None:
        return "missing"
    if index.get("subnet") and entry.get("subnet") != index["subnet"]:
        return "other_subnet"
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
        "indexes": dict((device, _index_state(index["hosts"].get(name), index)) for device, index in indexes.items()
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
        pair["why"] = _pair_reasons(pair) if pair["lost"] or pair["fails"] else ""
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
                row.append([pair["streams"], pair["expected"], _pair_reasons(pair) if pair["lost"] or pair["fails"] else ""])
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


# ---------------------------------------------------------------- text helpers


def _check_audit(audit, who):
    if not isinstance(audit, dict) or "summary" not in audit or "hosts" not in audit:
        raise FindingsError(["%s needs the dict build_audit returns (with summary and hosts)" % who])


def _check_count(value, name):
    problem = _count_problem(value, name)
    if problem:
        raise FindingsError([problem])


def _capped(items, limit):
    return list(items) if limit is None else list(items)[:limit]


def _plural(count, word, words=None):
    return "%d %s" % (count, word if count == 1 else (words or word + "s"))


def _severity_text(counts):
    parts = ["%d %s" % (counts.get(s, 0), s) for s in reversed(SEVERITIES) if counts.get(s)]
    return ", ".join(parts) or "none"


def _streams_text(streams):
    low, high = streams.get("min"), streams.get("max")
    if low is None:
        return "no other host"
    return str(low) if low == high else "%d-%d" % (low, high)


def _losing(summary):
    return summary.get("degraded_pairs", 0) + summary.get("failing_pairs", 0)


def _not_on(host, devices):
    """The indexes of a host whose state is not ``on``, as (device, state), in device order."""
    states = host.get("indexes") or {}
    return [(d, states.get(d)) for d in devices if states.get(d) != "on"]


# ---------------------------------------------------------------- Markdown


def _cell(value):
    """Text safe inside a Markdown table cell."""
    text = "" if value is None else str(value)
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|") or " "


def _table(header, rows):
    lines = ["| %s |" % " | ".join(_cell(h) for h in header), "|%s|" % "|".join([" --- "] * len(header))]
    lines.extend("| %s |" % " | ".join(_cell(c) for c in row) for row in rows)
    return lines


def _grid_cell(entry, index, state):
    if state == "n/a":
        return "-"
    if state == "missing":
        return "**missing**"
    text = entry.get("ip") or "no IP"
    notes = []
    if state == "other_subnet":
        notes.append("other subnet %s" % (entry.get("subnet") or "none"))
    if not entry.get("vmotion"):
        notes.append("vMotion off")
    if index.get("mtu") is not None and entry.get("mtu") is not None and entry["mtu"] != index["mtu"]:
        notes.append("MTU %s" % entry["mtu"])
    return "%s **%s**" % (text, ", ".join(notes)) if notes else text


def _verdict(summary):
    if summary.get("clean"):
        return CLEAN_TEXT
    text = "Findings: %s. Host pairs: %d of %d lose streams, %d fail." % (
        _severity_text(summary.get("findings") or {}), _losing(summary), summary.get("pairs", 0), summary.get("failing_pairs", 0))
    if summary.get("hosts_not_read"):
        text += " %d host(s) not read." % summary["hosts_not_read"]
    return text


def _not_read_text(audit):
    """'1 not read (192.168.100.110: not responding)', or '' when every host was read."""
    hosts = audit.get("not_read") or []
    if not hosts:
        return ""
    named = ["%s: %s" % (h["name"], STATE_WORDS.get(h.get("connection_state"), h.get("connection_state"))) for h in hosts]
    return "%d not read (%s)" % (len(hosts), ", ".join(named))


# HostSystemConnectionState as people say it
STATE_WORDS = {"notResponding": "not responding", "disconnected": "disconnected"}


def _about_facts(about):
    """What was audited, where and with what: (label, text) for the values given."""
    vcenter = about.get("vcenter")
    if isinstance(vcenter, (list, tuple)):
        vcenter = ", ".join(str(v) for v in vcenter if v)
    facts = [("vCenter", vcenter), ("Scope", about.get("scope")), ("Generated", about.get("generated")),
             ("Collection", "multinic.vmotion %s" % about["version"] if about.get("version") else None)]
    return [(label, str(text)) for label, text in facts if text]


def _md_head(summary, title, generated, devices, about=None):
    """Title, what was audited, the verdict and the fleet in a few facts."""
    about = dict(about or {}, generated=generated)
    lines = ["# %s" % (title or "Multi-NIC vMotion audit"), ""]
    audited = [(label, text) for label, text in _about_facts(about) if label != "Generated"]
    if audited:
        lines.extend(["%s: **%s**  " % (label, _cell(text).strip()) for label, text in audited] + [""])
    verdict = _verdict(summary)
    facts = ["%s read%s" % (_plural(summary.get("hosts", 0), "host"),
                            ", %d not read (see below)" % summary["hosts_not_read"] if summary.get("hosts_not_read") else ""),
             "%s with vMotion on of %d vmks" % (_plural(summary.get("vmotion_vmks", 0), "vmk"), summary.get("vmks", 0)),
             "vMotion indexes: %s" % (", ".join(devices) or "none")]
    if summary.get("min_streams") is not None:
        facts.append("streams per migration: %s" % _streams_text({"min": summary["min_streams"], "max": summary["max_streams"]}))
    if generated:
        facts.append("generated %s" % generated)
    return lines + ["**%s**" % verdict, ""] + ["- %s" % f for f in facts] + [""]


def _where(item, several):
    """A host as the reports name it: with its vCenter when the audit has several."""
    return "%s (%s)" % (item.get("host") or item.get("name"), item["vcenter"]) if several and item.get("vcenter") else item.get("host") or item.get("name")


def _several_vcenters(items):
    return len(set(i.get("vcenter") for i in items if i.get("vcenter"))) > 1


def _md_findings(findings, max_rows, several=False):
    lines = ["## Findings (%d)" % len(findings), ""]
    if not findings:
        return lines + ["No findings.", ""]
    shown = _capped(findings, max_rows)
    lines.extend(_table(["Severity", "Host", "vmk", "Port group", "Code", "What is wrong and what to do"],
                        [[f["severity"], _where(f, several), f.get("device"), f.get("portgroup"), f["code"], f["message"]] for f in shown]))
    if len(shown) < len(findings):
        lines.extend(["", "... and %d more findings (see the JSON report)." % (len(findings) - len(shown))])
    return lines + [""]


def _not_read_rows(not_read):
    several = _several_vcenters(not_read)
    return [[_where(h, several), h.get("cluster"), "not read: %s" % h.get("connection_state"), "yes" if h.get("maintenance") else "no"]
            for h in not_read]


NOT_READ_HEADER = ["Host", "Cluster", "State", "Maintenance mode"]
NOT_READ_TEXT = ("vCenter cannot reach these hosts (disconnected, or not responding: what it shows of them is stale), so the "
                 "audit judged nothing on them and paired no stream with them. Reconnect them and audit again.")


def _md_not_read(not_read):
    if not not_read:
        return []
    return ["## Hosts not read (%d)" % len(not_read), "", NOT_READ_TEXT, ""] + _table(NOT_READ_HEADER, _not_read_rows(not_read)) + [""]


def _md_hosts(hosts, names, devices):
    rows = []
    several = _several_vcenters(hosts.values())
    for name in names:
        host = hosts[name]
        own = [d for d in devices if d in (host.get("indexes") or {})]  # with several vCenters, the indexes of its own
        not_on = ["%s %s" % (d, (s or "").replace("_", " ")) for d, s in _not_on(host, own)]
        index_text = "%d of %d%s" % (len(own) - len(not_on), len(own), " (%s)" % ", ".join(not_on) if not_on else "")
        streams = host.get("streams") or {}
        rows.append([_where(dict(host, name=name), several), host.get("mgmt_ip"), host.get("cluster"), index_text, _severity_text(host.get("findings") or {}),
                     _streams_text(streams), "%d / %d" % (streams.get("failing", 0), streams.get("degraded", 0))])
    return ["## Hosts (%d)" % len(names), ""] + _table(
        ["Host", "Management IP", "Cluster", "vMotion indexes on", "Findings", "Streams to the other hosts",
         "Pairs failing / losing streams (as source)"], rows) + [""]


def _md_indexes(indexes, names, devices, hosts=None):
    lines = ["## vMotion indexes (%d)" % len(devices), ""]
    if not devices:
        return lines + ["No vMotion index is shared by the fleet.", ""]
    rows = []
    for device in devices:
        index = indexes[device]
        by_state = dict((s, []) for s in INDEX_STATES + ("n/a",))
        for name in names:
            by_state[_index_state((index.get("hosts") or {}).get(name), index, (hosts or {}).get(name))].append(name)
        described = dict((s, "%d%s" % (len(by_state[s]), " (%s)" % ", ".join(by_state[s][:5]) + (" ..." if len(by_state[s]) > 5 else "")
                                       if by_state[s] and s != "on" else "")) for s in INDEX_STATES)
        rows.append([device, index.get("subnet"), index.get("mtu"), described["on"], described["off"], described["other_subnet"],
                     described["missing"]])
    lines.extend(_table(["vmk", "Subnet", "MTU", "vMotion on", "vMotion off", "In another subnet", "Missing"], rows))
    return lines + [""] + _md_addresses(indexes, names, devices, hosts)


def _md_addresses(indexes, names, devices, hosts=None):
    """The host x index grid of addresses, with what is wrong marked in each cell."""
    rows = []
    for name in names:
        row = [name]
        for device in devices:
            entry = (indexes[device].get("hosts") or {}).get(name)
            row.append(_grid_cell(entry, indexes[device], _index_state(entry, indexes[device], (hosts or {}).get(name))))
        rows.append(row)
    return ["### Addresses per host and index", ""] + _table(["Host"] + ["%s %s" % (d, indexes[d].get("subnet") or "") for d in devices], rows) + [""]


def pair_groups(pairs):
    """The pairs that fail or lose streams grouped by root cause: the set of reasons (clauses of ``why``) they share.

    Returns ``[{"causes": [clause], "pairs": [pair], "fails", "streams": (min, max), "expected": (min, max)}]``,
    failing groups first, then the most pairs. In the seed fleet, the 60 pairs of the vmks off on 3 hosts make 6 groups.
    """
    groups = {}
    for pair in pairs:
        why = pair.get("why") or _pair_reasons(pair)
        key = tuple(sorted(set(why.split("; ")), key=natural_key))
        groups.setdefault(key, []).append(pair)
    result = []
    for causes, members in groups.items():
        result.append({"causes": list(causes), "pairs": members, "fails": sum(1 for p in members if p["fails"]),
                       "streams": (min(p["streams"] for p in members), max(p["streams"] for p in members)),
                       "expected": (min(p["expected"] for p in members), max(p["expected"] for p in members))})
    result.sort(key=lambda g: (-g["fails"], -len(g["pairs"]), natural_key(g["causes"][0])))
    return result


def compact_pairs(pairs):
    """Host pairs in few words: ``A <-> B, C`` where both directions are listed, ``A -> B`` where one is; one text per hub host."""
    ordered = set((p["source"], p["destination"]) for p in pairs)
    both = set(frozenset(e) for e in ordered if (e[1], e[0]) in ordered)
    one = set(e for e in ordered if frozenset(e) not in both)
    texts = []
    for arrow, edges in (("<->", [tuple(sorted(e, key=natural_key)) for e in both]), ("->", list(one))):
        edges = set(edges)
        while edges:
            counts = {}
            for edge in edges:
                for position, host in enumerate(edge):
                    if arrow == "<->" or position == 0:
                        counts[host] = counts.get(host, 0) + 1
            hub = sorted(counts, key=lambda h: (-counts[h], natural_key(h)))[0]
            mine = [e for e in edges if e[0] == hub or (arrow == "<->" and e[1] == hub)]
            peers = sorted((e[1] if e[0] == hub else e[0] for e in mine), key=natural_key)
            texts.append("%s %s %s" % (hub, arrow, ", ".join(peers)))
            edges -= set(mine)
    return texts


def _streams_range(group):
    low, high = group["streams"]
    expected_low, expected_high = group["expected"]
    streams = str(low) if low == high else "%d-%d" % (low, high)
    expected = str(expected_low) if expected_low == expected_high else "%d-%d" % (expected_low, expected_high)
    return "%s of %s" % (streams, expected)


GROUP_HEADER = ["Why", "Pairs", "Streams", "Host pairs (A <-> B: both ways)"]


def _group_rows(groups):
    return [["; ".join(g["causes"]), len(g["pairs"]), _streams_range(g) + (" (%d fail)" % g["fails"] if g["fails"] else ""),
             "; ".join(compact_pairs(g["pairs"]))] for g in groups]


def _md_pairs(pairing, summary, max_rows):
    pairs = pairing.get("pairs") or []
    losing = _losing(summary)
    lines = ["## Host pairs that fail or lose streams (%d of %d)" % (losing, summary.get("pairs", 0)), ""]
    if pairs:
        groups = pair_groups(pairs)
        shown = _capped(groups, max_rows)
        lines.extend(["%s in %s (pairs with the same reasons together):" % (_plural(len(pairs), "pair"), _plural(len(groups), "group")), ""])
        lines.extend(_table(GROUP_HEADER, _group_rows(shown)))
        if len(shown) < len(groups):
            lines.extend(["", "... and %d more groups of pairs (see the JSON report)." % (len(groups) - len(shown))])
        if pairing.get("left_off"):
            lines.extend(["", "... and %d more pairs (see the JSON report)." % pairing["left_off"]])
    elif losing:
        lines.append("%d pairs lose streams; they are not listed (see the JSON report)." % losing)
    else:
        lines.append("Every pair of hosts gets all its vMotion streams.")
    return lines + [""]


def _log_parts(logs):
    """(summary, hosts) of vmotion_log_facts' result (or of the role's {summary, hosts}); None when there is none."""
    if not isinstance(logs, dict) or not isinstance(logs.get("summary"), dict):
        return None
    return logs["summary"], logs.get("hosts") if isinstance(logs.get("hosts"), dict) else {}


def _log_rows(hosts):
    rows = []
    for name in sorted(hosts, key=natural_key):
        verdict = (hosts[name] or {}).get("verdict") or {}
        rows.append([name, (verdict.get("status") or "").replace("_", " "), verdict.get("migrations", 0), len(verdict.get("missing_streams") or ()),
                     len(verdict.get("failed") or ()), ", ".join(v.get("device", "") for v in verdict.get("vmks_never_used") or ()) or "none",
                     " ".join((verdict.get("problems") or [])[:3]) + (" ..." if len(verdict.get("problems") or ()) > 3 else "")])
    return rows


def _log_verdict(summary):
    return "%s judged, %d with a missing stream, %d failed; hosts not ok: %s; unreadable: %s" % (
        _plural(summary.get("migrations", 0), "migration"), summary.get("missing_streams", 0), summary.get("failed", 0),
        ", ".join(summary.get("hosts_not_ok") or ()) or "none", ", ".join(summary.get("unreadable") or ()) or "none")


LOG_HEADER = ["Host", "Verdict", "Migrations judged", "Missing a stream", "Failed", "vMotion vmks never used", "Problems"]


def _md_logs(logs):
    parts = _log_parts(logs)
    if parts is None:
        return []
    summary, hosts = parts
    lines = ["## Past migrations in vmkernel.log", "", "**%s.**" % _log_verdict(summary), ""]
    if hosts:
        lines.extend(_table(LOG_HEADER, _log_rows(hosts)) + [""])
    return lines


# How a ping verdict reads in a matrix cell; the class colours it in the HTML report.
PING_MARKS = {"ok": ("ok", "full"), "packet_loss": ("loss", "lost1"), "mtu_too_small": ("MTU", "lost2"), "no_path": ("none", "fails"),
              "link_down": ("down", "fails"), "no_address": ("addr", "lost3"), "error": ("err", "lost3")}


def _ping_verdict(summary):
    verdicts = ", ".join("%d %s" % (n, v.replace("_", " ")) for v, n in sorted((summary.get("verdicts") or {}).items()) if n and v != "ok")
    return "%d of %d pairs answer at full size (%s)%s" % (
        summary.get("ok", 0), summary.get("pairs", 0), summary.get("strategy") or "?", "; " + verdicts if verdicts else "")


def _ping_rows(index, matrix):
    rows = []
    for i, source in enumerate(matrix["hosts"]):
        rows.append([source] + [PING_MARKS.get(cell, ("-", "self"))[0] if cell else "-" for cell in matrix["cells"][i]])
    return rows


def _md_connectivity(part):
    if not part:
        return []
    summary = part["summary"]
    lines = ["## Pings between vMotion vmks (vmotion_connectivity)", "", "**%s.**" % _ping_verdict(summary), "",
             "Cells: `ok` full-size DF ping answered, `MTU` only small pings pass, `none` no answer at all, `down` link down, "
             "`loss` some lost, `-` not pinged. Row: from; column: to.", ""]
    for index, matrix in sorted(part["matrices"].items(), key=lambda kv: natural_key(kv[0])):
        cut = (summary.get("indexes") or {}).get(index, {}).get("hosts_cut_off") or []
        lines.extend(["### %s%s" % (index, " - cut off: " + ", ".join(cut) if cut else ""), ""])
        if len(matrix["hosts"]) <= MATRIX_MAX_HOSTS:
            lines.extend(_table(["from \\ to"] + matrix["hosts"], _ping_rows(index, matrix)) + [""])
    return lines


def _md_compare(comparison):
    if not comparison:
        return []
    return ["## Since the previous report", ""] + ["- %s" % line for line in compare_lines(comparison)] + [""]


def _report_parts(audit, who, max_rows, previous):
    """What both renderers start from, after checking their input: comparison, summary, hosts, indexes, devices, host names."""
    _check_audit(audit, who)
    _check_count(max_rows, "max_rows")
    indexes = audit.get("indexes") or {}
    return (compare_audits(previous, audit) if previous else None, audit["summary"], audit["hosts"], indexes,
            sorted(indexes, key=natural_key), sorted(audit["hosts"], key=natural_key))


def render_markdown(audit, title=None, generated=None, max_rows=200, vcenter=None, scope=None, version=None, logs=None, previous=None):
    """The audit as a Markdown document; ``max_rows`` caps the findings table and the groups of pairs (None: no cap).

    ``vcenter`` (a name or a list), ``scope`` and ``version`` (of the collection) go in the header; ``logs`` is the
    result of vmotion_log_facts (its verdicts get a section); ``previous`` is an earlier audit to compare with.
    """
    comparison, summary, hosts, indexes, devices, names = _report_parts(audit, "render_markdown", max_rows, previous)
    lines = (_md_head(summary, title, generated, devices, {"vcenter": vcenter, "scope": scope, "version": version})
             + _md_compare(comparison)
             + _md_findings(audit.get("findings") or [], max_rows, len(audit.get("vcenters") or ()) > 1)
             + _md_not_read(audit.get("not_read") or [])
             + _md_hosts(hosts, names, devices)
             + _md_indexes(indexes, names, devices, hosts)
             + _md_pairs(audit.get("pairing") or {"pairs": [], "left_off": 0}, summary, max_rows)
             + _md_connectivity(audit.get("connectivity"))
             + _md_logs(logs))
    return "\n".join(lines)


# ---------------------------------------------------------------- before / after


def _finding_id(finding):
    return (finding.get("code"), finding.get("host") or "", finding.get("device") or "", finding.get("portgroup") or "")


def _finding_label(finding):
    return " ".join(str(x) for x in (finding.get("code"), finding.get("host"), finding.get("device")) if x)


def _pair_counts(summary):
    return {"pairs": summary.get("pairs", 0), "losing": _losing(summary), "degraded": summary.get("degraded_pairs", 0),
            "failing": summary.get("failing_pairs", 0)}


def compare_audits(before, after):
    """What changed from audit ``before`` to audit ``after`` (both from build_audit, or their JSON reports).

    Returns ``{"hosts", "findings", "pairs", "clean": {"before", "after"}, "fixed": [label], "new": [label], "remaining": n}``:
    ``hosts``, ``findings`` (per severity) and ``pairs`` (pairs, losing, degraded, failing) each as {"before", "after"};
    a finding is the same when its code, host, vmk and port group are.
    """
    _check_audit(before, "compare_audits (before)")
    _check_audit(after, "compare_audits (after)")
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


def compare_lines(comparison, show=10):
    """The comparison of compare_audits as a few lines of text (``show`` fixed and new findings named at most)."""
    findings, pairs = comparison["findings"], comparison["pairs"]
    lines = ["%s findings: %d -> %d" % (s.capitalize(), findings["before"][s], findings["after"][s]) for s in reversed(SEVERITIES)
             if findings["before"][s] or findings["after"][s]] or ["Findings: 0 -> 0"]
    lines.append("Host pairs losing streams: %d/%d -> %d/%d (failing: %d -> %d)" % (
        pairs["before"]["losing"], pairs["before"]["pairs"], pairs["after"]["losing"], pairs["after"]["pairs"],
        pairs["before"]["failing"], pairs["after"]["failing"]))
    if comparison["hosts"]["before"] != comparison["hosts"]["after"]:
        lines.append("Hosts: %d -> %d" % (comparison["hosts"]["before"], comparison["hosts"]["after"]))
    for word, key in (("Fixed", "fixed"), ("New", "new")):
        items = comparison[key]
        if items:
            lines.append("%s (%d): %s%s" % (word, len(items), ", ".join(items[:show]), " ..." if len(items) > show else ""))
    lines.append("Clean: %s -> %s" % ("yes" if comparison["clean"]["before"] else "no", "yes" if comparison["clean"]["after"] else "no"))
    return lines


# ---------------------------------------------------------------- console summary


def _summary_hosts(summary, hosts):
    """One line per host whose migrations (as source) lose streams, with its indexes that are not on."""
    lines = []
    for name in sorted(hosts, key=natural_key):
        host = hosts[name]
        streams = host.get("streams") or {}
        losing = streams.get("failing", 0) + streams.get("degraded", 0)
        if losing:
            not_on = [d for d, dummy in _not_on(host, sorted(host.get("indexes") or {}, key=natural_key))]
            lines.append("  from %s: to %d of %d hosts, %s streams%s" % (
                name, losing, summary.get("hosts", 0) - 1, _streams_text(streams), " (%s not on)" % ", ".join(not_on) if not_on else ""))
    return lines


def _summary_pair(pair):
    fails = " (FAILS)" if pair["fails"] else ""
    why = pair.get("why") or _pair_reasons(pair)
    return "  %s -> %s: %d of %d streams%s; %s" % (pair["source"], pair["destination"], pair["streams"], pair["expected"], fails, why)


def summary_lines(audit, show=20, report_markdown=None, report_json=None, report_html=None):
    """The audit as the few lines a console shows: counts, the first ``show`` findings, the hosts and pairs losing streams, the verdict.

    ``show`` None lists every finding and pair; ``report_markdown``, ``report_json`` and ``report_html`` name the reports in the last lines.
    """
    _check_audit(audit, "summary_lines")
    _check_count(show, "show")
    summary, findings = audit["summary"], audit.get("findings") or []
    counts = summary.get("findings") or {}
    pairs = (audit.get("pairing") or {}).get("pairs") or []
    not_read = _not_read_text(audit)
    read = "%d host(s) read%s" % (summary.get("hosts", 0), ", " + not_read if not_read else "")
    lines = ["%s; vMotion indexes: %s" % (read, ", ".join(summary.get("indexes") or ()) or "none"),
             "Findings: %s" % ", ".join("%d %s" % (counts.get(s, 0), s) for s in reversed(SEVERITIES))]
    lines.extend("  %s %s: %s" % (f["severity"].upper(), f["code"], f["message"]) for f in _capped(findings, show))
    if show is not None and len(findings) > show:
        lines.append("  ... and %d more in the report" % (len(findings) - show))
    lines.append("Host pairs losing streams: %d of %d (%d fail)%s" % (
        _losing(summary), summary.get("pairs", 0), summary.get("failing_pairs", 0),
        "; streams per migration: %s" % _streams_text({"min": summary["min_streams"], "max": summary["max_streams"]})
        if summary.get("min_streams") is not None else ""))
    lines.extend(_summary_hosts(summary, audit["hosts"]))
    if pairs:
        lines.append("Worst pairs:")
    lines.extend(_summary_pair(p) for p in _capped(pairs, show))
    lines.append(CLEAN_TEXT if summary.get("clean") else "Not clean%s: see the report." % (": " + not_read if not_read else ""))
    if report_markdown:
        lines.append("Report: %s%s" % (report_markdown, " (data: %s)" % report_json if report_json else ""))
    if report_html:
        lines.append("HTML report: %s" % report_html)
    return lines


# ---------------------------------------------------------------- HTML

HTML_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em;color:#1d2330;background:#fff}
h1{margin:0 0 .3em}h2{margin-top:1.6em;border-bottom:1px solid #d5d9e0;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #d5d9e0;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f1f3f6}.about th{background:none;border:none;padding-right:1em}.about td{border:none}
.verdict{font-size:1.15em;font-weight:600;padding:.5em .8em;border-radius:4px;display:inline-block}
.verdict.clean{background:#dff3e4}.verdict.dirty{background:#fde2e1}
.counts{display:flex;flex-wrap:wrap;gap:.6em;margin:.8em 0}.count{border:1px solid #d5d9e0;border-radius:4px;padding:.4em .8em}
.count b{display:block;font-size:1.4em}
.sev-critical{color:#fff;background:#c62828}.sev-warning{background:#f9a825}.sev-info{background:#90caf9}
.badge{padding:.05em .45em;border-radius:3px;font-size:.85em;font-weight:600}
.fix{background:#f6f8fa;border-left:4px solid #5c7cfa;padding:.4em .7em;margin:.4em 0}
table.matrix td,table.matrix th{padding:.15em .3em;text-align:center;font-size:.8em;min-width:2.4em}
table.matrix th.col{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap}
td.full{background:#c8e6c9}td.lost1{background:#fff59d}td.lost2{background:#ffcc80}td.lost3{background:#ff8a65}
td.fails{background:#c62828;color:#fff;font-weight:700}td.self{background:#eceff1;color:#90a4ae}
.legend span{display:inline-block;padding:.1em .6em;margin-right:.4em;border:1px solid #d5d9e0}
td.on{background:#e8f5e9}td.off,td.missing{background:#ffcdd2}td.other_subnet{background:#ffe0b2}
footer{margin-top:2em;color:#6b7280;font-size:.85em}
"""


def _h(value):
    """Any value as escaped HTML text (None as empty)."""
    return escape("" if value is None else str(value), quote=True)


def _html_table(header, rows, attrs=""):
    """A table of escaped text; a cell may be (text, class) to colour it."""
    out = ["<table%s><thead><tr>%s</tr></thead><tbody>" % (attrs, "".join("<th>%s</th>" % _h(c) for c in header))]
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, tuple):
                cells.append('<td class="%s">%s</td>' % (_h(cell[1]), _h(cell[0])))
            else:
                cells.append("<td>%s</td>" % _h(cell))
        out.append("<tr>%s</tr>" % "".join(cells))
    return "".join(out) + "</tbody></table>"


def _badge(severity):
    return '<span class="badge sev-%s">%s</span>' % (_h(severity), _h(severity))


def _html_head(audit, title, about, comparison):
    summary = audit["summary"]
    counts = summary.get("findings") or {}
    out = ["<header><h1>%s</h1>" % _h(title or "Multi-NIC vMotion audit")]
    facts = _about_facts(about)
    if facts:
        out.append('<table class="about">%s</table>' % "".join("<tr><th>%s</th><td>%s</td></tr>" % (_h(k), _h(v)) for k, v in facts))
    out.append('<p class="verdict %s" id="verdict">%s</p></header>' % ("clean" if summary.get("clean") else "dirty", _h(_verdict(summary))))
    cards = [("Hosts read", summary.get("hosts", 0))] + ([("Hosts not read", summary["hosts_not_read"])] if summary.get("hosts_not_read") else [])
    cards += [("vMotion vmks", "%s of %s vmks" % (summary.get("vmotion_vmks", 0), summary.get("vmks", 0)))]
    cards.extend(("%s findings" % s.capitalize(), counts.get(s, 0)) for s in reversed(SEVERITIES))
    cards.extend([("Pairs losing streams", "%d of %d" % (_losing(summary), summary.get("pairs", 0))), ("Pairs failing", summary.get("failing_pairs", 0))])
    if summary.get("min_streams") is not None:
        cards.append(("Streams per migration", _streams_text({"min": summary["min_streams"], "max": summary["max_streams"]})))
    out.append('<div class="counts" id="summary">%s</div>' % "".join('<div class="count"><b>%s</b>%s</div>' % (_h(v), _h(k)) for k, v in cards))
    if comparison:
        out.append('<section id="comparison"><h2>Since the previous report</h2><ul>%s</ul></section>'
                   % "".join("<li>%s</li>" % _h(line) for line in compare_lines(comparison)))
    return out


def _html_not_read(not_read):
    if not not_read:
        return []
    return ['<section id="not-read"><h2>Hosts not read (%d)</h2><p>%s</p>%s</section>'
            % (len(not_read), _h(NOT_READ_TEXT), _html_table(NOT_READ_HEADER, _not_read_rows(not_read)))]


def _html_findings(findings, max_rows, several=False):
    out = ['<section id="findings"><h2>Findings (%d)</h2>' % len(findings)]
    if not findings:
        return out + ["<p>No findings.</p></section>"]
    by_code = {}
    for finding in _capped(findings, max_rows):
        by_code.setdefault(finding["code"], []).append(finding)
    for code in sorted(by_code, key=lambda c: (-SEVERITIES.index(by_code[c][0]["severity"]), c)):
        members = by_code[code]
        rule = RULES.get(code)
        out.append('<article class="finding-group" id="code-%s"><h3>%s %s <small>(%d)</small></h3>'
                   % (_h(code), _badge(members[0]["severity"]), _h(code), len(members)))
        if rule is not None:
            out.append("<p>%s.</p>" % _h(rule.description[:1].upper() + rule.description[1:]))
        if code in RULES:
            out.append('<p class="fix"><b>Fix:</b> %s</p>' % _h(RULES[code].fix))
        out.append(_html_table(["Severity", "Host", "vmk", "Port group", "What is wrong and what to do"],
                               [[(f["severity"], "sev-" + f["severity"]), _where(f, several), f.get("device"), f.get("portgroup"), f["message"]]
                                for f in members],
                               ' class="findings"'))
        out.append("</article>")
    if len(findings) > len(_capped(findings, max_rows)):
        out.append("<p>... and %d more findings (see the JSON report).</p>" % (len(findings) - max_rows))
    return out + ["</section>"]


def _cell_class(streams, expected):
    if streams == 0:
        return "fails"
    lost = expected - streams
    if lost <= 0:
        return "full"
    return "lost%d" % min(3, lost)


def _html_matrix(matrix):
    out = ['<section id="matrix-section"><h2>Streams per host pair</h2>']
    if not matrix:
        return out + ["<p>More than %d hosts: the matrix is left out (the pairs below and the JSON report list them).</p></section>" % MATRIX_MAX_HOSTS]
    names, cells = matrix["hosts"], matrix["cells"]
    out.append('<p>Row: the host migrating from; column: the host migrating to. Each cell shows streams of expected streams; '
               'hover it for why streams are lost.</p><p class="legend"><span class="full" style="background:#c8e6c9">all streams</span>'
               '<span style="background:#fff59d">1 lost</span><span style="background:#ffcc80">2 lost</span>'
               '<span style="background:#ff8a65">3 or more lost</span><span style="background:#c62828;color:#fff">fails</span></p>')
    rows = ['<table class="matrix" id="pair-matrix" data-hosts="%d"><thead><tr><th>from \\ to</th>%s</tr></thead><tbody>'
            % (len(names), "".join('<th class="col">%s</th>' % _h(n) for n in names))]
    for i, source in enumerate(names):
        row = ['<tr><th class="row">%s</th>' % _h(source)]
        for j, destination in enumerate(names):
            cell = cells[i][j]
            if cell is None:
                row.append('<td class="self" title="%s">-</td>' % _h(source))
                continue
            streams, expected, why = cell
            title = "%s -> %s: %d of %d streams%s" % (source, destination, streams, expected, "; " + why if why else "")
            row.append('<td class="pair %s" title="%s">%d/%d</td>' % (_cell_class(streams, expected), _h(title), streams, expected))
        rows.append("".join(row) + "</tr>")
    out.append("".join(rows) + "</tbody></table>")
    return out + ["</section>"]


def _html_pairs(pairing, summary, max_rows):
    pairs = pairing.get("pairs") or []
    out = ['<section id="pairs"><h2>Host pairs that fail or lose streams (%d of %d)</h2>' % (_losing(summary), summary.get("pairs", 0))]
    if not pairs:
        text = "Every pair of hosts gets all its vMotion streams." if not _losing(summary) else "Not listed (see the JSON report)."
        return out + ["<p>%s</p></section>" % text]
    groups = pair_groups(pairs)
    shown = _capped(groups, max_rows)
    out.append(_html_table(GROUP_HEADER, _group_rows(shown), ' class="pair-groups"'))
    if len(shown) < len(groups):
        out.append("<p>... and %d more groups of pairs (see the JSON report).</p>" % (len(groups) - len(shown)))
    if pairing.get("left_off"):
        out.append("<p>... and %d more pairs (see the JSON report).</p>" % pairing["left_off"])
    return out + ["</section>"]


def _html_indexes(indexes, hosts, names, devices):
    out = ['<section id="indexes"><h2>vMotion indexes (%d)</h2>' % len(devices)]
    if not devices:
        return out + ["<p>No vMotion index is shared by the fleet.</p></section>"]
    rows = []
    for device in devices:
        index = indexes[device]
        states = [_index_state((index.get("hosts") or {}).get(n), index, hosts.get(n)) for n in names]
        rows.append([device, index.get("subnet"), index.get("mtu")] + [states.count(s) for s in INDEX_STATES])
    out.append(_html_table(["vmk", "Subnet", "MTU", "vMotion on", "vMotion off", "In another subnet", "Missing"], rows, ' class="indexes"'))
    grid = []
    for name in names:
        row = [name, (hosts.get(name) or {}).get("mgmt_ip")]
        for device in devices:
            entry = (indexes[device].get("hosts") or {}).get(name)
            state = _index_state(entry, indexes[device], hosts.get(name))
            row.append((_grid_cell(entry or {}, indexes[device], state).replace("**", ""), state))
        grid.append(row)
    out.append("<h3>Addresses per host and index</h3>")
    out.append(_html_table(["Host", "Management IP"] + ["%s %s MTU %s" % (d, indexes[d].get("subnet") or "", indexes[d].get("mtu") or "") for d in devices],
                           grid, ' class="addresses"'))
    return out + ["</section>"]


def _html_connectivity(part):
    if not part:
        return []
    summary = part["summary"]
    out = ['<section id="connectivity"><h2>Pings between vMotion vmks</h2><p class="verdict %s">%s</p>' % (
        "clean" if summary.get("clean") else "dirty", _h(_ping_verdict(summary))),
        '<p class="legend">Row: from; column: to. <span style="background:#c8e6c9">ok</span> full-size DF ping answered '
        '<span style="background:#ffcc80">MTU</span> only small pings pass <span style="background:#c62828;color:#fff">none / down</span> '
        'no answer or link down; hover a cell for why.</p>']
    reasons = dict(((p["index"], p["source"], p["destination"]), p.get("reason") or "") for p in part.get("failing") or ())
    for index, matrix in sorted(part["matrices"].items(), key=lambda kv: natural_key(kv[0])):
        names = matrix["hosts"]
        cut = (summary.get("indexes") or {}).get(index, {}).get("hosts_cut_off") or []
        rows = ['<h3>%s%s</h3><table class="matrix ping-matrix" data-index="%s"><thead><tr><th>from \\ to</th>%s</tr></thead><tbody>'
                % (_h(index), " - cut off: " + _h(", ".join(cut)) if cut else "", _h(index), "".join('<th class="col">%s</th>' % _h(n) for n in names))]
        for i, source in enumerate(names):
            row = ['<tr><th class="row">%s</th>' % _h(source)]
            for j, verdict in enumerate(matrix["cells"][i]):
                mark, css = PING_MARKS.get(verdict, ("-", "self")) if verdict else ("-", "self")
                title = "%s -> %s: %s" % (source, names[j], reasons.get((index, source, names[j])) or verdict or "not pinged")
                row.append('<td class="%s" title="%s">%s</td>' % (css, _h(title), _h(mark)))
            rows.append("".join(row) + "</tr>")
        out.append("".join(rows) + "</tbody></table>")
    return out + ["</section>"]


def _html_logs(logs):
    parts = _log_parts(logs)
    if parts is None:
        return []
    summary, hosts = parts
    out = ['<section id="logs"><h2>Past migrations in vmkernel.log</h2><p class="verdict %s">%s</p>' % (
        "clean" if summary.get("ok") else "dirty", _h(_log_verdict(summary)))]
    if hosts:
        out.append(_html_table(LOG_HEADER, _log_rows(hosts), ' class="logs"'))
    return out + ["</section>"]


def render_html(audit, title=None, generated=None, max_rows=200, vcenter=None, scope=None, version=None, logs=None, previous=None):
    """The audit as one self-contained HTML page (inline CSS, no script, no external asset); every value is escaped.

    Same arguments as render_markdown. The page has the header (vCenter, scope, time, collection version), the counts,
    the findings grouped by code with how to fix them, the host x host matrix of streams (cell title: why),
    the pairs grouped by root cause, the per-index subnet/MTU table and address grid, and the log verdicts.
    """
    comparison, summary, hosts, indexes, devices, names = _report_parts(audit, "render_html", max_rows, previous)
    about = {"vcenter": vcenter, "scope": scope, "version": version, "generated": generated}
    body = (_html_head(audit, title, about, comparison)
            + _html_findings(audit.get("findings") or [], max_rows, len(audit.get("vcenters") or ()) > 1)
            + _html_not_read(audit.get("not_read") or [])
            + _html_matrix(audit.get("matrix"))
            + _html_pairs(audit.get("pairing") or {"pairs": [], "left_off": 0}, summary, max_rows)
            + _html_indexes(indexes, hosts, names, devices)
            + _html_connectivity(audit.get("connectivity"))
            + _html_logs(logs)
            + ["<footer>multinic.vmotion audit report (audit format %s)%s</footer>"
               % (_h(audit.get("version", AUDIT_VERSION)), ", generated " + _h(generated) if generated else "")])
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>%s</title><style>%s</style></head>\n<body>\n%s\n</body></html>\n'
            % (_h(title or "Multi-NIC vMotion audit"), HTML_STYLE.strip(), "\n".join(body)))


# ---------------------------------------------------------------- the findings reference (docs/findings.md)


def findings_reference():
    """docs/findings.md: every code of _findings.RULES with its severity, scope, meaning and fix (a unit test keeps the file current)."""
    lines = ["# Findings reference", "",
             "<!-- Generated from plugins/module_utils/_audit/rules.py (RULES); do not edit by hand.",
             "     Regenerate: UPDATE_DOCS=1 pytest tests/unit/plugins/module_utils/test_report.py -k findings_reference -->", "",
             "Every finding of `vmk_vmotion_facts`, of the `vmotion_audit` filter and role, and of the planners' fleet judgment has a code.",
             "Severity: **critical** when a configured vMotion port carries no stream (migrations lose streams or fail), a frame size",
             "breaks traffic or routing is ambiguous; **warning** for designs that waste bandwidth or fail over badly, and fleet",
             "inconsistencies that lose no stream; **info** for cosmetic drift. Scope **host**: judged on one host alone;",
             "**fleet**: judged across the hosts audited together. The `ignore` option of the audit drops codes.", "",
             "| Code | Severity | Scope | Meaning | How to fix |", "| --- | --- | --- | --- | --- |"]
    order = sorted(RULES, key=lambda c: (-SEVERITIES.index(RULES[c].severity), RULES[c].scope != "host", c))
    for code in order:
        rule = RULES[code]
        meaning = _cell(rule.description[:1].upper() + rule.description[1:])
        lines.append("| `%s` | %s | %s | %s | %s |" % (code, rule.severity, rule.scope, meaning, _cell(rule.fix)))
    lines.extend(["", "Why a host pair loses a stream, in the reports' pair tables:", ""])
    lines.extend("- %s" % (text % "<subnets>" if names else text) for text, names in (PAIR_REASON_TEXT[k] for k in sorted(PAIR_REASON_TEXT)))
    return "\n".join(lines) + "\n"
