# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Markdown report a person reads: findings first, then a table of hosts, a table of indexes and a host x index
table of addresses, then the host pairs that fail or lose streams, one small renderer per section."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.audit import INDEX_STATES, MATRIX_MAX_HOSTS, index_state, losing_pairs
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key
from ansible_collections.multinic.vmotion.plugins.module_utils._render.document import markdown, md_cell, md_table
from ansible_collections.multinic.vmotion.plugins.module_utils._render.sections import canary_section, comparison_section, logs_section, not_read_section
from ansible_collections.multinic.vmotion.plugins.module_utils._render.text import (
    GROUP_HEADER,
    INDEX_HEADERS,
    PING_MARKS,
    _about_facts,
    _capped,
    _grid_cell,
    index_subnet,
    _group_rows,
    _not_on,
    _not_on_text,
    _ping_verdict,
    _plural,
    _report_parts,
    _several_vcenters,
    _severity_text,
    _streams_text,
    _verdict,
    _where,
    pair_groups,
)


def _md_head(summary, title, generated, devices, about=None):
    """Title, what was audited, the verdict and the fleet in a few facts."""
    about = dict(about or {}, generated=generated)
    lines = ["# %s" % (title or "Multi-NIC vMotion audit"), ""]
    audited = [(label, text) for label, text in _about_facts(about) if label != "Generated"]
    if audited:
        lines.extend(["%s: **%s**  " % (label, md_cell(text).strip()) for label, text in audited] + [""])
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


def _md_findings(findings, max_rows, several=False):
    lines = ["## Findings (%d)" % len(findings), ""]
    if not findings:
        return lines + ["No findings.", ""]
    shown = _capped(findings, max_rows)
    rows = [[f["severity"], _where(f, several), f.get("device"), f.get("portgroup"), f["code"], f["message"]] for f in shown]
    lines.extend(md_table(["Severity", "Host", "vmk", "Port group", "Code", "What is wrong and what to do"], rows))
    if len(shown) < len(findings):
        lines.extend(["", "... and %d more findings (see the JSON report)." % (len(findings) - len(shown))])
    return lines + [""]


def _md_hosts(hosts, names, devices):
    rows = []
    several = _several_vcenters(hosts.values())
    for name in names:
        host = hosts[name]
        own = [d for d in devices if d in (host.get("indexes") or {})]  # with several vCenters, the indexes of its own
        not_on = _not_on_text(host, own)
        index_text = "%d of %d%s" % (len(own) - len(_not_on(host, own)), len(own), " (%s)" % not_on if not_on else "")
        streams = host.get("streams") or {}
        rows.append([_where(dict(host, name=name), several), host.get("mgmt_ip"), host.get("cluster"), index_text, _severity_text(host.get("findings") or {}),
                     _streams_text(streams), "%d / %d" % (streams.get("failing", 0), streams.get("degraded", 0))])
    return ["## Hosts (%d)" % len(names), ""] + md_table(
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
            by_state[index_state((index.get("hosts") or {}).get(name), index, (hosts or {}).get(name))].append(name)
        described = dict((s, "%d%s" % (len(by_state[s]), " (%s)" % ", ".join(by_state[s][:5]) + (" ..." if len(by_state[s]) > 5 else "")
                                       if by_state[s] and s != "on" else "")) for s in INDEX_STATES)
        rows.append([device, index_subnet(index), index.get("mtu")] + [described[s] for s in INDEX_STATES])
    lines.extend(md_table(["vmk", "Subnet", "MTU"] + INDEX_HEADERS, rows))
    return lines + [""] + _md_addresses(indexes, names, devices, hosts)


def _md_addresses(indexes, names, devices, hosts=None):
    """The host x index grid of addresses, with what is wrong marked in each cell."""
    rows = []
    for name in names:
        row = [name]
        for device in devices:
            entry = (indexes[device].get("hosts") or {}).get(name)
            row.append(_grid_cell(entry, indexes[device], index_state(entry, indexes[device], (hosts or {}).get(name))))
        rows.append(row)
    return ["### Addresses per host and index", ""] + md_table(["Host"] + ["%s %s" % (d, indexes[d].get("subnet") or "") for d in devices], rows) + [""]


def _md_pairs(pairing, summary, max_rows):
    pairs = pairing.get("pairs") or []
    losing = losing_pairs(summary)
    lines = ["## Host pairs that fail or lose streams (%d of %d)" % (losing, summary.get("pairs", 0)), ""]
    if pairs:
        groups = pair_groups(pairs)
        shown = _capped(groups, max_rows)
        lines.extend(["%s in %s (pairs with the same reasons together):" % (_plural(len(pairs), "pair"), _plural(len(groups), "group")), ""])
        lines.extend(md_table(GROUP_HEADER, _group_rows(shown)))
        if len(shown) < len(groups):
            lines.extend(["", "... and %d more groups of pairs (see the JSON report)." % (len(groups) - len(shown))])
        if pairing.get("left_off"):
            lines.extend(["", "... and %d more pairs (see the JSON report)." % pairing["left_off"]])
    elif losing:
        lines.append("%d pairs lose streams; they are not listed (see the JSON report)." % losing)
    else:
        lines.append("Every pair of hosts gets all its vMotion streams.")
    return lines + [""]


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
            lines.extend(md_table(["from \\ to"] + matrix["hosts"], _ping_rows(index, matrix)) + [""])
    return lines


def _sections(*docs):
    """The Markdown lines of the shared sections (_render.sections) that have something to show."""
    return [line for doc in docs if doc is not None for line in markdown(doc)]


def render_markdown(audit, title=None, generated=None, max_rows=200, vcenter=None, scope=None, version=None, logs=None, previous=None,
                    canary=None):
    """The audit as a Markdown document; ``max_rows`` caps the findings table and the groups of pairs (None: no cap).

    ``vcenter`` (a name or a list), ``scope`` and ``version`` (of the collection) go in the header; ``logs`` is the
    result of vmotion_log_facts (its verdicts get a section); ``canary`` the result of vmotion_canary (or ``{"runs": [...]}``);
    ``previous`` is an earlier audit to compare with.
    """
    comparison, summary, hosts, indexes, devices, names = _report_parts(audit, "render_markdown", max_rows, previous)
    lines = (_md_head(summary, title, generated, devices, {"vcenter": vcenter, "scope": scope, "version": version})
             + _sections(comparison_section(comparison))
             + _md_findings(audit.get("findings") or [], max_rows, len(audit.get("vcenters") or ()) > 1)
             + _sections(not_read_section(audit.get("not_read") or []))
             + _md_hosts(hosts, names, devices)
             + _md_indexes(indexes, names, devices, hosts)
             + _md_pairs(audit.get("pairing") or {"pairs": [], "left_off": 0}, summary, max_rows)
             + _md_connectivity(audit.get("connectivity"))
             + _sections(logs_section(logs), canary_section(canary)))
    return "\n".join(lines)
