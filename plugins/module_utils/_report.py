# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure fleet audit of multi-NIC vMotion and its Markdown report.

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
that fail or lose streams. Nothing here talks to vSphere or Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._findings import (
    OPTION_DEFAULTS,
    SEVERITIES,
    FindingsError,
    _natural_key,
    at_or_above,
    fleet_findings,
    stream_pairing,
)

AUDIT_VERSION = 1
# Options of build_audit on top of those of _findings.
AUDIT_OPTIONS = ("max_pairs",)
# Index states of one host, as the report shows them.
INDEX_STATES = ("on", "off", "other_subnet", "missing")


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


def _split_options(options):
    if options is not None and not isinstance(options, dict):
        raise FindingsError(["options must be a dict, got %s" % type(options).__name__])
    options = dict((k, v) for k, v in (options or {}).items() if v is not None)
    max_pairs = options.pop("max_pairs", None)
    problems = []
    if max_pairs is not None and (isinstance(max_pairs, bool) or not isinstance(max_pairs, int) or max_pairs < 0):
        problems.append("max_pairs must be a non-negative integer, got %r" % (max_pairs,))
    unknown = sorted(set(options) - set(OPTION_DEFAULTS))
    if unknown:
        problems.append("unknown option(s) %s; allowed: %s" % (", ".join(unknown), ", ".join(sorted(set(OPTION_DEFAULTS) | set(AUDIT_OPTIONS)))))
    if problems:
        raise FindingsError(problems)
    # an audit lists the pairs that need attention; the summary still counts every pair
    options.setdefault("include_healthy", False)
    return options, max_pairs


PEER_REASONS = ("no vMotion-enabled vmk of the peer", "the peer's vMotion vmks")


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
        local_elsewhere = set(u["device"] for u in other if not u["reason"].startswith(PEER_REASONS))
        by_reason = {}
        for unmatched in own:
            if unmatched["reason"].startswith(PEER_REASONS) and unmatched["device"] in local_elsewhere:
                continue
            by_reason.setdefault(unmatched["reason"], []).append(unmatched["device"])
        for reason in sorted(by_reason, key=lambda r: _natural_key(by_reason[r][0])):
            clauses.append("%s %s: %s" % (host, ", ".join(by_reason[reason]), reason))
    return "; ".join(clauses) or "no vMotion vmk pairs up"


def _index_state(entry, index):
    if entry is None:
        return "missing"
    if index.get("subnet") and entry.get("subnet") != index["subnet"]:
        return "other_subnet"
    return "on" if entry.get("vmotion") else "off"


def build_audit(hosts, options=None):
    """Fleet audit of the vMotion facts ``hosts`` ({name: facts}); raises FindingsError on bad input or options."""
    hosts = _plain(_fleet_hosts(hosts))
    options, max_pairs = _split_options(options)
    fleet = fleet_findings(hosts, options)
    pairing = stream_pairing(hosts, options)
    facts = hosts if isinstance(hosts, dict) else dict((h.get("name"), h) for h in hosts)
    pair_summary = pairing["summary"]

    per_host = {}
    for name, findings in fleet["by_host"].items():
        host = facts.get(name) or {}
        counts = dict((s, 0) for s in SEVERITIES)
        for finding in findings:
            counts[finding["severity"]] += 1
        stats = pair_summary["by_host"].get(name) or {}
        per_host[name] = {
            "name": name,
            "mgmt_ip": host.get("mgmt_ip"),
            "cluster": host.get("cluster"),
            "datacenter": host.get("datacenter"),
            "findings": counts,
            "worst_severity": findings[0]["severity"] if findings else None,
            "vmotion_vmks": [v.get("device") for v in host.get("vmks") or () if isinstance(v, dict) and v.get("vmotion")],
            "indexes": dict((device, _index_state(index["hosts"].get(name), index)) for device, index in fleet["indexes"].items()),
            "streams": {"min": stats.get("min_streams"), "max": stats.get("max_streams"),
                        "failing": stats.get("failing", 0), "degraded": stats.get("degraded", 0)},
        }

    counts = dict((s, 0) for s in SEVERITIES)
    for finding in fleet["findings"]:
        counts[finding["severity"]] += 1
    listed = pairing["pairs"]
    # failing pairs first, then the most streams lost
    listed.sort(key=lambda p: (not p["fails"], -p["lost"], _natural_key(p["source"]), _natural_key(p["destination"])))
    left_off = 0
    if max_pairs is not None and len(listed) > max_pairs:
        left_off = len(listed) - max_pairs
        listed = listed[:max_pairs]
    for pair in listed:
        pair["why"] = _pair_reasons(pair) if pair["lost"] or pair["fails"] else ""
    short_summary = dict((k, v) for k, v in pair_summary.items() if k != "by_host")
    for key in ("failing_pairs", "degraded_pairs"):
        if max_pairs is not None:
            short_summary[key] = short_summary[key][:max_pairs]
    streams = [s["streams"][k] for s in per_host.values() for k in ("min", "max") if s["streams"][k] is not None]
    vmks = [v for h in facts.values() if isinstance(h, dict) for v in h.get("vmks") or () if isinstance(v, dict)]
    summary = {
        "hosts": len(per_host),
        "vmks": len(vmks),
        "vmotion_vmks": sum(1 for v in vmks if v.get("vmotion")),
        "indexes": sorted(fleet["indexes"], key=_natural_key),
        "vmotion_subnets": fleet["vmotion_subnets"],
        "findings": counts,
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
    return {
        "version": AUDIT_VERSION,
        "summary": summary,
        "findings": fleet["findings"],
        "hosts": per_host,
        "indexes": fleet["indexes"],
        "vmotion_subnets": fleet["vmotion_subnets"],
        "pairing": {"pairs": listed, "left_off": left_off, "summary": short_summary},
        "options": dict(options, max_pairs=max_pairs),
    }


# ---------------------------------------------------------------- Markdown


def _cell(value):
    """Text safe inside a Markdown table cell."""
    text = "" if value is None else str(value)
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|") or " "


def _table(header, rows):
    lines = ["| %s |" % " | ".join(_cell(h) for h in header), "|%s|" % "|".join([" --- "] * len(header))]
    lines.extend("| %s |" % " | ".join(_cell(c) for c in row) for row in rows)
    return lines


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


def render_markdown(audit, title=None, generated=None, max_rows=200):
    """The audit as a Markdown document; ``max_rows`` caps the findings and pairs tables (None: no cap)."""
    if not isinstance(audit, dict) or "summary" not in audit or "hosts" not in audit:
        raise FindingsError(["render_markdown needs the dict build_audit returns (with summary and hosts)"])
    if max_rows is not None and (isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 0):
        raise FindingsError(["max_rows must be a non-negative integer, got %r" % (max_rows,)])
    summary = audit["summary"]
    findings = audit.get("findings") or []
    hosts = audit["hosts"]
    indexes = audit.get("indexes") or {}
    pairing = audit.get("pairing") or {"pairs": [], "left_off": 0}
    devices = sorted(indexes, key=_natural_key)
    names = sorted(hosts, key=_natural_key)
    lines = ["# %s" % (title or "Multi-NIC vMotion audit"), ""]

    verdict = "Clean: no findings, every host pair gets all its streams." if summary.get("clean") else \
        "Findings: %s. Host pairs: %d of %d lose streams, %d fail." % (
            _severity_text(summary.get("findings") or {}), summary.get("degraded_pairs", 0) + summary.get("failing_pairs", 0),
            summary.get("pairs", 0), summary.get("failing_pairs", 0))
    lines.append("**%s**" % verdict)
    lines.append("")
    facts = ["%s" % _plural(summary.get("hosts", 0), "host"),
             "%s with vMotion on of %d vmks" % (_plural(summary.get("vmotion_vmks", 0), "vmk"), summary.get("vmks", 0)),
             "vMotion indexes: %s" % (", ".join(devices) or "none")]
    if summary.get("min_streams") is not None:
        facts.append("streams per migration: %s" % _streams_text({"min": summary["min_streams"], "max": summary["max_streams"]}))
    if generated:
        facts.append("generated %s" % generated)
    lines.extend(["- %s" % f for f in facts] + [""])

    lines.extend(["## Findings (%d)" % len(findings), ""])
    if findings:
        shown = findings if max_rows is None else findings[:max_rows]
        lines.extend(_table(["Severity", "Host", "vmk", "Port group", "Code", "What is wrong and what to do"],
                            [[f["severity"], f.get("host"), f.get("device"), f.get("portgroup"), f["code"], f["message"]] for f in shown]))
        if len(shown) < len(findings):
            lines.append("")
            lines.append("... and %d more findings (see the JSON report)." % (len(findings) - len(shown)))
    else:
        lines.append("No findings.")
    lines.append("")

    lines.extend(["## Hosts (%d)" % len(names), ""])
    rows = []
    for name in names:
        host = hosts[name]
        states = host.get("indexes") or {}
        not_on = ["%s %s" % (d, states[d].replace("_", " ")) for d in devices if states.get(d) != "on"]
        on = sum(1 for d in devices if states.get(d) == "on")
        index_text = "%d of %d%s" % (on, len(devices), " (%s)" % ", ".join(not_on) if not_on else "")
        streams = host.get("streams") or {}
        rows.append([name, host.get("mgmt_ip"), host.get("cluster"), index_text, _severity_text(host.get("findings") or {}),
                     _streams_text(streams), "%d / %d" % (streams.get("failing", 0), streams.get("degraded", 0))])
    lines.extend(_table(["Host", "Management IP", "Cluster", "vMotion indexes on", "Findings", "Streams to the other hosts",
                         "Pairs failing / losing streams (as source)"], rows))
    lines.append("")

    lines.extend(["## vMotion indexes (%d)" % len(devices), ""])
    if devices:
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
        lines.extend(["", "### Addresses per host and index", ""])
        header = ["Host"] + ["%s %s" % (d, indexes[d].get("subnet") or "") for d in devices]
        rows = []
        for name in names:
            row = [name]
            for device in devices:
                index = indexes[device]
                entry = (index.get("hosts") or {}).get(name)
                row.append(_grid_cell(entry, index, _index_state(entry, index)))
            rows.append(row)
        lines.extend(_table(header, rows))
    else:
        lines.append("No vMotion index is shared by the fleet.")
    lines.append("")

    pairs = pairing.get("pairs") or []
    losing = summary.get("degraded_pairs", 0) + summary.get("failing_pairs", 0)
    lines.extend(["## Host pairs that fail or lose streams (%d of %d)" % (losing, summary.get("pairs", 0)), ""])
    if pairs:
        shown = pairs if max_rows is None else pairs[:max_rows]
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
    lines.append("")
    return "\n".join(lines)
