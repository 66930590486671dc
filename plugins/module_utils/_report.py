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

from ansible_collections.multinic.vmotion.plugins.module_utils._findings import (
    OPTION_DEFAULTS,
    PEER_CAUSED,
    SEVERITIES,
    FindingsError,
    at_or_above,
    fleet_findings,
    stream_pairing,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._vmk import is_vmotion, natural_key

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


def _plain(value):
    """Plain dicts and lists, whatever mapping or sequence types a caller hands in."""
    if isinstance(value, dict):
        return dict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _fleet_hosts(data):
    """The hosts dict from either the module's ``hosts`` or its whole registered result."""
    if isinstance(data, dict) and isinstance(data.get("hosts"), dict) and isinstance(data.get("summary"), dict) and "vmks" not in data:
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


def _index_state(entry, index):
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
        "cluster": host.get("cluster"),
        "datacenter": host.get("datacenter"),
        "findings": _severity_counts(findings),
        "worst_severity": findings[0]["severity"] if findings else None,
        "vmotion_vmks": [v.get("device") for v in host.get("vmks") or () if isinstance(v, dict) and is_vmotion(v)],
        "indexes": dict((device, _index_state(index["hosts"].get(name), index)) for device, index in indexes.items()),
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


def _audit_summary(fleet, pair_summary, per_host, facts):
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
        "clean": not fleet["findings"] and not pair_summary["degraded"] and not pair_summary["failing"],
    }


def build_audit(hosts, options=None):
    """Fleet audit of the vMotion facts ``hosts`` ({name: facts}); raises FindingsError on bad input or options."""
    hosts = _plain(_fleet_hosts(hosts))
    options, max_pairs = _split_options(options)
    fleet = fleet_findings(hosts, options)
    pairing = stream_pairing(hosts, options)
    facts = hosts if isinstance(hosts, dict) else dict((h.get("name"), h) for h in hosts)
    by_host = pairing["summary"]["by_host"]
    per_host = dict((name, _host_entry(name, facts.get(name) or {}, findings, by_host.get(name) or {}, fleet["indexes"]))
                    for name, findings in fleet["by_host"].items())
    return {
        "version": AUDIT_VERSION,
        "summary": _audit_summary(fleet, pairing["summary"], per_host, facts),
        "findings": fleet["findings"],
        "hosts": per_host,
        "indexes": fleet["indexes"],
        "vmotion_subnets": fleet["vmotion_subnets"],
        "pairing": _listed_pairs(pairing, max_pairs),
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


def _md_head(summary, title, generated, devices):
    """Title, verdict and the fleet in a few facts."""
    verdict = CLEAN_TEXT if summary.get("clean") else "Findings: %s. Host pairs: %d of %d lose streams, %d fail." % (
        _severity_text(summary.get("findings") or {}), _losing(summary), summary.get("pairs", 0), summary.get("failing_pairs", 0))
    facts = ["%s" % _plural(summary.get("hosts", 0), "host"),
             "%s with vMotion on of %d vmks" % (_plural(summary.get("vmotion_vmks", 0), "vmk"), summary.get("vmks", 0)),
             "vMotion indexes: %s" % (", ".join(devices) or "none")]
    if summary.get("min_streams") is not None:
        facts.append("streams per migration: %s" % _streams_text({"min": summary["min_streams"], "max": summary["max_streams"]}))
    if generated:
        facts.append("generated %s" % generated)
    return ["# %s" % (title or "Multi-NIC vMotion audit"), "", "**%s**" % verdict, ""] + ["- %s" % f for f in facts] + [""]


def _md_findings(findings, max_rows):
    lines = ["## Findings (%d)" % len(findings), ""]
    if not findings:
        return lines + ["No findings.", ""]
    shown = _capped(findings, max_rows)
    lines.extend(_table(["Severity", "Host", "vmk", "Port group", "Code", "What is wrong and what to do"],
                        [[f["severity"], f.get("host"), f.get("device"), f.get("portgroup"), f["code"], f["message"]] for f in shown]))
    if len(shown) < len(findings):
        lines.extend(["", "... and %d more findings (see the JSON report)." % (len(findings) - len(shown))])
    return lines + [""]


def _md_hosts(hosts, names, devices):
    rows = []
    for name in names:
        host = hosts[name]
        not_on = ["%s %s" % (d, (s or "").replace("_", " ")) for d, s in _not_on(host, devices)]
        index_text = "%d of %d%s" % (len(devices) - len(not_on), len(devices), " (%s)" % ", ".join(not_on) if not_on else "")
        streams = host.get("streams") or {}
        rows.append([name, host.get("mgmt_ip"), host.get("cluster"), index_text, _severity_text(host.get("findings") or {}),
                     _streams_text(streams), "%d / %d" % (streams.get("failing", 0), streams.get("degraded", 0))])
    return ["## Hosts (%d)" % len(names), ""] + _table(
        ["Host", "Management IP", "Cluster", "vMotion indexes on", "Findings", "Streams to the other hosts",
         "Pairs failing / losing streams (as source)"], rows) + [""]


def _md_indexes(indexes, names, devices):
    lines = ["## vMotion indexes (%d)" % len(devices), ""]
    if not devices:
        return lines + ["No vMotion index is shared by the fleet.", ""]
    rows = []
    for device in devices:
        index = indexes[device]
        by_state = dict((s, []) for s in INDEX_STATES)
        for name in names:
            by_state[_index_state((index.get("hosts") or {}).get(name), index)].append(name)
        described = dict((s, "%d%s" % (len(by_state[s]), " (%s)" % ", ".join(by_state[s][:5]) + (" ..." if len(by_state[s]) > 5 else "")
                                       if by_state[s] and s != "on" else "")) for s in INDEX_STATES)
        rows.append([device, index.get("subnet"), index.get("mtu"), described["on"], described["off"], described["other_subnet"],
                     described["missing"]])
    lines.extend(_table(["vmk", "Subnet", "MTU", "vMotion on", "vMotion off", "In another subnet", "Missing"], rows))
    return lines + [""] + _md_addresses(indexes, names, devices)


def _md_addresses(indexes, names, devices):
    """The host x index grid of addresses, with what is wrong marked in each cell."""
    rows = []
    for name in names:
        row = [name]
        for device in devices:
            entry = (indexes[device].get("hosts") or {}).get(name)
            row.append(_grid_cell(entry, indexes[device], _index_state(entry, indexes[device])))
        rows.append(row)
    return ["### Addresses per host and index", ""] + _table(["Host"] + ["%s %s" % (d, indexes[d].get("subnet") or "") for d in devices], rows) + [""]


def _md_pairs(pairing, summary, max_rows):
    pairs = pairing.get("pairs") or []
    losing = _losing(summary)
    lines = ["## Host pairs that fail or lose streams (%d of %d)" % (losing, summary.get("pairs", 0)), ""]
    if pairs:
        shown = _capped(pairs, max_rows)
        rows = [[p["source"], p["destination"], "%d of %d" % (p["streams"], p["expected"]), "fails" if p["fails"] else "loses %d" % p["lost"],
                 p.get("why") or _pair_reasons(p)] for p in shown]
        lines.extend(_table(["From", "To", "Streams", "Result", "Why"], rows))
        more = len(pairs) - len(shown) + (pairing.get("left_off") or 0)
        if more:
            lines.extend(["", "... and %d more pairs (see the JSON report)." % more])
    elif losing:
        lines.append("%d pairs lose streams; they are not listed (see the JSON report)." % losing)
    else:
        lines.append("Every pair of hosts gets all its vMotion streams.")
    return lines + [""]


def render_markdown(audit, title=None, generated=None, max_rows=200):
    """The audit as a Markdown document; ``max_rows`` caps the findings and pairs tables (None: no cap)."""
    _check_audit(audit, "render_markdown")
    _check_count(max_rows, "max_rows")
    summary, hosts, indexes = audit["summary"], audit["hosts"], audit.get("indexes") or {}
    devices = sorted(indexes, key=natural_key)
    names = sorted(hosts, key=natural_key)
    lines = (_md_head(summary, title, generated, devices)
             + _md_findings(audit.get("findings") or [], max_rows)
             + _md_hosts(hosts, names, devices)
             + _md_indexes(indexes, names, devices)
             + _md_pairs(audit.get("pairing") or {"pairs": [], "left_off": 0}, summary, max_rows))
    return "\n".join(lines)


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


def summary_lines(audit, show=20, report_markdown=None, report_json=None):
    """The audit as the few lines a console shows: counts, the first ``show`` findings, the hosts and pairs losing streams, the verdict.

    ``show`` None lists every finding and pair; ``report_markdown`` and ``report_json`` name the reports in the last line.
    """
    _check_audit(audit, "summary_lines")
    _check_count(show, "show")
    summary, findings = audit["summary"], audit.get("findings") or []
    counts = summary.get("findings") or {}
    pairs = (audit.get("pairing") or {}).get("pairs") or []
    lines = ["%d host(s), vMotion indexes: %s" % (summary.get("hosts", 0), ", ".join(summary.get("indexes") or ()) or "none"),
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
    lines.append(CLEAN_TEXT if summary.get("clean") else "Not clean: see the report.")
    if report_markdown:
        lines.append("Report: %s%s" % (report_markdown, " (data: %s)" % report_json if report_json else ""))
    return lines
