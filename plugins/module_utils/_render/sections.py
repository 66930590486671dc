# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report sections whose content is the same in Markdown and HTML, built once as document sections
(_render.document): the hosts not read, the comparison with the previous report, the past migrations in vmkernel.log
and the canary migrations. None when a section has nothing to show."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._render.console import canary_verdict, compare_lines
from ansible_collections.multinic.vmotion.plugins.module_utils._render.document import section
from ansible_collections.multinic.vmotion.plugins.module_utils._render.text import (
    LOG_HEADER,
    NOT_READ_HEADER,
    NOT_READ_TEXT,
    _log_parts,
    _log_rows,
    _log_verdict,
    _not_read_rows,
)


def not_read_section(not_read):
    if not not_read:
        return None
    return section("not-read", "Hosts not read (%d)" % len(not_read), ("text", NOT_READ_TEXT), ("table", NOT_READ_HEADER, _not_read_rows(not_read), None))


def comparison_section(comparison):
    if not comparison:
        return None
    return section("comparison", "Since the previous report", ("bullets", compare_lines(comparison)))


def logs_section(logs):
    parts = _log_parts(logs)
    if parts is None:
        return None
    summary, hosts = parts
    return section("logs", "Past migrations in vmkernel.log", ("verdict", _log_verdict(summary), summary.get("ok")),
                   ("table", LOG_HEADER, _log_rows(hosts), "logs") if hosts else None)


CANARY_HEADER = ["From", "To", "Why", "Verdict", "Seconds", "vMotion vmks with streams (from / to)", "Pre-copy MB/s", "Problems"]


def _carried(side):
    used, unused = len(side.get("used") or ()), len(side.get("unused") or ())
    return "%d of %d" % (used, used + unused)


def canary_section(canary):
    """The canary migrations (vmotion_canary's result, or several joined in ``runs``): one row per migration."""
    runs = canary.get("runs") if isinstance(canary, dict) and "runs" in canary else [canary] if isinstance(canary, dict) else []
    runs = [r for r in runs if isinstance(r, dict) and isinstance(r.get("migrations"), list)]
    if not runs:
        return None
    blocks = []
    for run in runs:
        clean = bool(run["migrations"]) and all(m.get("verdict") == "ok" for m in run["migrations"]) and not (run.get("summary") or {}).get("not_run")
        blocks.append(("verdict", canary_verdict(run), clean))
        rows = [[m.get("source"), m.get("destination"), m.get("purpose"), (m.get("verdict"), "verdict-%s" % m.get("verdict")), m.get("seconds"),
                 "%s / %s" % (_carried(m.get("source_vmks") or {}), _carried(m.get("destination_vmks") or {})),
                 m.get("bandwidth_mbytes_per_s"), " ".join(m.get("problems") or ()) or "none"] for m in run["migrations"]]
        blocks.append(("table", CANARY_HEADER, rows, "canary"))
    return section("canary", "Canary migrations (vmotion_canary)", *blocks)
