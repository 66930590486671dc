# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The short text the vmotion_audit role prints: the audit's summary, what changed since the last audit, the canary's verdicts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.audit import CLEAN_TEXT, check_audit, losing_pairs, pair_reasons
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.canary import failure_lines
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import SEVERITIES
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key
from ansible_collections.multinic.vmotion.plugins.module_utils._render.text import _capped, _check_count, _not_on_text, _not_read_text, _plural, _streams_text


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


def _summary_hosts(summary, hosts):
    """One line per host whose migrations (as source) lose streams, with its indexes that are not on."""
    lines = []
    for name in sorted(hosts, key=natural_key):
        host = hosts[name]
        streams = host.get("streams") or {}
        losing = streams.get("failing", 0) + streams.get("degraded", 0)
        if losing:
            not_on = _not_on_text(host, sorted(host.get("indexes") or {}, key=natural_key))
            lines.append("  from %s: to %d of %d hosts, %s streams%s" % (
                name, losing, summary.get("hosts", 0) - 1, _streams_text(streams), " (%s)" % not_on if not_on else ""))
    return lines


def _summary_pair(pair):
    fails = " (FAILS)" if pair["fails"] else ""
    why = pair.get("why") or pair_reasons(pair)
    return "  %s -> %s: %d of %d streams%s; %s" % (pair["source"], pair["destination"], pair["streams"], pair["expected"], fails, why)


def summary_lines(audit, show=20, report_markdown=None, report_json=None, report_html=None):
    """The audit as the few lines a console shows: counts, the first ``show`` findings, the hosts and pairs losing streams, the verdict.

    ``show`` None lists every finding and pair; ``report_markdown``, ``report_json`` and ``report_html`` name the reports in the last lines.
    """
    check_audit(audit, "summary_lines")
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
        losing_pairs(summary), summary.get("pairs", 0), summary.get("failing_pairs", 0),
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


def canary_verdict(canary):
    """One sentence: how many planned migrations were ok, what the others were, and where the VM ended."""
    migrations, summary, vm = canary.get("migrations") or [], canary.get("summary") or {}, canary.get("vm") or {}
    counts = dict((v, sum(1 for m in migrations if m.get("verdict") == v)) for v in ("ok", "degraded", "failed", "no_log"))
    others = ", ".join("%d %s" % (counts[v], v.replace("_", " ")) for v in ("degraded", "failed", "no_log") if counts[v])
    return "%d of %s ok (VM %s, back on %s)%s%s" % (
        counts["ok"], _plural(summary.get("planned", len(migrations)), "planned migration"), vm.get("name"), vm.get("ended_on"),
        "; " + others if others else "", "; %d not run" % summary["not_run"] if summary.get("not_run") else "")


def canary_lines(canary):
    """A vmotion_canary result as a few lines: the verdict, then one line per migration that was not ok."""
    lines = ["Canary: %s" % canary_verdict(canary)] + ["  " + line for line in failure_lines(canary.get("migrations") or [])]
    reasons = sorted(set(hop["why"] for hop in canary.get("not_run") or () if hop.get("why")))
    if reasons:
        lines.append("  not run: %d (%s)" % (len(canary["not_run"]), "; ".join(reasons)))
    return lines
