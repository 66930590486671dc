# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report: the Markdown report's sections, with a colored host x host stream matrix."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.audit import AUDIT_VERSION, INDEX_STATES, MATRIX_MAX_HOSTS, index_state, losing_pairs
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import RULES, SEVERITIES
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key
from ansible_collections.multinic.vmotion.plugins.module_utils._render.document import h, html, html_table
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
    _ping_verdict,
    _report_parts,
    _streams_text,
    _verdict,
    _where,
    pair_groups,
)

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
td.on{background:#e8f5e9}td.off,td.missing,td.no_lease{background:#ffcdd2}td.other_subnet{background:#ffe0b2}
footer{margin-top:2em;color:#6b7280;font-size:.85em}
"""


def _badge(severity):
    return '<span class="badge sev-%s">%s</span>' % (h(severity), h(severity))


def _html_head(audit, title, about, comparison):
    summary = audit["summary"]
    counts = summary.get("findings") or {}
    out = ["<header><h1>%s</h1>" % h(title or "Multi-NIC vMotion audit")]
    facts = _about_facts(about)
    if facts:
        out.append('<table class="about">%s</table>' % "".join("<tr><th>%s</th><td>%s</td></tr>" % (h(k), h(v)) for k, v in facts))
    out.append('<p class="verdict %s" id="verdict">%s</p></header>' % ("clean" if summary.get("clean") else "dirty", h(_verdict(summary))))
    cards = [("Hosts read", summary.get("hosts", 0))] + ([("Hosts not read", summary["hosts_not_read"])] if summary.get("hosts_not_read") else [])
    cards += [("vMotion vmks", "%s of %s vmks" % (summary.get("vmotion_vmks", 0), summary.get("vmks", 0)))]
    cards.extend(("%s findings" % s.capitalize(), counts.get(s, 0)) for s in reversed(SEVERITIES))
    cards.extend([("Pairs losing streams", "%d of %d" % (losing_pairs(summary), summary.get("pairs", 0))), ("Pairs failing", summary.get("failing_pairs", 0))])
    if summary.get("min_streams") is not None:
        cards.append(("Streams per migration", _streams_text({"min": summary["min_streams"], "max": summary["max_streams"]})))
    out.append('<div class="counts" id="summary">%s</div>' % "".join('<div class="count"><b>%s</b>%s</div>' % (h(v), h(k)) for k, v in cards))
    if comparison:
        out.append(html(comparison_section(comparison)))
    return out


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
                   % (h(code), _badge(members[0]["severity"]), h(code), len(members)))
        if rule is not None:
            out.append("<p>%s.</p>" % h(rule.description[:1].upper() + rule.description[1:]))
        if code in RULES:
            out.append('<p class="fix"><b>Fix:</b> %s</p>' % h(RULES[code].fix))
        rows = [[(f["severity"], "sev-" + f["severity"]), _where(f, several), f.get("device"), f.get("portgroup"), f["message"]]
                for f in members]
        out.append(html_table(["Severity", "Host", "vmk", "Port group", "What is wrong and what to do"], rows, "findings"))
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
            % (len(names), "".join('<th class="col">%s</th>' % h(n) for n in names))]
    for i, source in enumerate(names):
        row = ['<tr><th class="row">%s</th>' % h(source)]
        for j, destination in enumerate(names):
            cell = cells[i][j]
            if cell is None:
                row.append('<td class="self" title="%s">-</td>' % h(source))
                continue
            streams, expected, why = cell
            title = "%s -> %s: %d of %d streams%s" % (source, destination, streams, expected, "; " + why if why else "")
            row.append('<td class="pair %s" title="%s">%d/%d</td>' % (_cell_class(streams, expected), h(title), streams, expected))
        rows.append("".join(row) + "</tr>")
    out.append("".join(rows) + "</tbody></table>")
    return out + ["</section>"]


def _html_pairs(pairing, summary, max_rows):
    pairs = pairing.get("pairs") or []
    out = ['<section id="pairs"><h2>Host pairs that fail or lose streams (%d of %d)</h2>' % (losing_pairs(summary), summary.get("pairs", 0))]
    if not pairs:
        text = "Every pair of hosts gets all its vMotion streams." if not losing_pairs(summary) else "Not listed (see the JSON report)."
        return out + ["<p>%s</p></section>" % text]
    groups = pair_groups(pairs)
    shown = _capped(groups, max_rows)
    out.append(html_table(GROUP_HEADER, _group_rows(shown), "pair-groups"))
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
        states = [index_state((index.get("hosts") or {}).get(n), index, hosts.get(n)) for n in names]
        rows.append([device, index_subnet(index), index.get("mtu")] + [states.count(s) for s in INDEX_STATES])
    out.append(html_table(["vmk", "Subnet", "MTU"] + INDEX_HEADERS, rows, "indexes"))
    grid = []
    for name in names:
        row = [name, (hosts.get(name) or {}).get("mgmt_ip")]
        for device in devices:
            entry = (indexes[device].get("hosts") or {}).get(name)
            state = index_state(entry, indexes[device], hosts.get(name))
            row.append((_grid_cell(entry or {}, indexes[device], state).replace("**", ""), state))
        grid.append(row)
    out.append("<h3>Addresses per host and index</h3>")
    header = ["Host", "Management IP"] + ["%s %s MTU %s" % (d, indexes[d].get("subnet") or "", indexes[d].get("mtu") or "") for d in devices]
    out.append(html_table(header, grid, "addresses"))
    return out + ["</section>"]


def _html_connectivity(part):
    if not part:
        return []
    summary = part["summary"]
    out = ['<section id="connectivity"><h2>Pings between vMotion vmks</h2><p class="verdict %s">%s</p>' % (
        "clean" if summary.get("clean") else "dirty", h(_ping_verdict(summary))),
        '<p class="legend">Row: from; column: to. <span style="background:#c8e6c9">ok</span> full-size DF ping answered '
        '<span style="background:#ffcc80">MTU</span> only small pings pass <span style="background:#c62828;color:#fff">none / down</span> '
        'no answer or link down; hover a cell for why.</p>']
    reasons = dict(((p["index"], p["source"], p["destination"]), p.get("reason") or "") for p in part.get("failing") or ())
    for index, matrix in sorted(part["matrices"].items(), key=lambda kv: natural_key(kv[0])):
        names = matrix["hosts"]
        cut = (summary.get("indexes") or {}).get(index, {}).get("hosts_cut_off") or []
        rows = ['<h3>%s%s</h3><table class="matrix ping-matrix" data-index="%s"><thead><tr><th>from \\ to</th>%s</tr></thead><tbody>'
                % (h(index), " - cut off: " + h(", ".join(cut)) if cut else "", h(index), "".join('<th class="col">%s</th>' % h(n) for n in names))]
        for i, source in enumerate(names):
            row = ['<tr><th class="row">%s</th>' % h(source)]
            for j, verdict in enumerate(matrix["cells"][i]):
                mark, css = PING_MARKS.get(verdict, ("-", "self")) if verdict else ("-", "self")
                title = "%s -> %s: %s" % (source, names[j], reasons.get((index, source, names[j])) or verdict or "not pinged")
                row.append('<td class="%s" title="%s">%s</td>' % (css, h(title), h(mark)))
            rows.append("".join(row) + "</tr>")
        out.append("".join(rows) + "</tbody></table>")
    return out + ["</section>"]


def _sections(*docs):
    """The HTML of the shared sections (_render.sections) that have something to show."""
    return [html(doc) for doc in docs if doc is not None]


def render_html(audit, title=None, generated=None, max_rows=200, vcenter=None, scope=None, version=None, logs=None, previous=None,
                canary=None):
    """The audit as one self-contained HTML page (inline CSS, no script, no external asset); every value is escaped.

    Same arguments as render_markdown. The page has the header (vCenter, scope, time, collection version), the counts,
    the findings grouped by code with how to fix them, the host x host matrix of streams (cell title: why),
    the pairs grouped by root cause, the per-index subnet/MTU table and address grid, the log verdicts and the canary
    migrations.
    """
    comparison, summary, hosts, indexes, devices, names = _report_parts(audit, "render_html", max_rows, previous)
    about = {"vcenter": vcenter, "scope": scope, "version": version, "generated": generated}
    body = (_html_head(audit, title, about, comparison)
            + _html_findings(audit.get("findings") or [], max_rows, len(audit.get("vcenters") or ()) > 1)
            + _sections(not_read_section(audit.get("not_read") or []))
            + _html_matrix(audit.get("matrix"))
            + _html_pairs(audit.get("pairing") or {"pairs": [], "left_off": 0}, summary, max_rows)
            + _html_indexes(indexes, hosts, names, devices)
            + _html_connectivity(audit.get("connectivity"))
            + _sections(logs_section(logs), canary_section(canary))
            + ["<footer>multinic.vmotion audit report (audit format %s)%s</footer>"
               % (h(audit.get("version", AUDIT_VERSION)), ", generated " + h(generated) if generated else "")])
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>%s</title><style>%s</style></head>\n<body>\n%s\n</body></html>\n'
            % (h(title or "Multi-NIC vMotion audit"), HTML_STYLE.strip(), "\n".join(body)))
