# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/findings.md, generated from the rules' registry (_audit.rules)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.audit import PAIR_REASON_TEXT
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import RULES, SEVERITIES
from ansible_collections.multinic.vmotion.plugins.module_utils._render.document import md_cell


def findings_reference():
    """docs/findings.md: every code of _audit.rules.RULES with its severity, scope, meaning and fix (a unit test keeps the file current)."""
    lines = ["# Findings reference", "",
             "<!-- Generated from plugins/module_utils/_audit/rules.py (RULES); do not edit by hand.",
             "     Regenerate: UPDATE_DOCS=1 pytest tests/unit/plugins/module_utils/_audit/test_audit.py -k findings_reference -->", "",
             "Every finding of `vmk_vmotion_facts`, of the `vmotion_audit` filter and role, and of the planners' fleet judgment has a code.",
             "Severity: **critical** when a configured vMotion port carries no stream (migrations lose streams or fail), a frame size",
             "breaks traffic or routing is ambiguous; **warning** for designs that waste bandwidth or fail over badly, and fleet",
             "inconsistencies that lose no stream; **info** for cosmetic drift. Scope **host**: judged on one host alone;",
             "**fleet**: judged across the hosts audited together. The `ignore` option of the audit drops codes.", "",
             "| Code | Severity | Scope | Meaning | How to fix |", "| --- | --- | --- | --- | --- |"]
    order = sorted(RULES, key=lambda c: (-SEVERITIES.index(RULES[c].severity), RULES[c].scope != "host", c))
    for code in order:
        rule = RULES[code]
        meaning = md_cell(rule.description[:1].upper() + rule.description[1:])
        lines.append("| `%s` | %s | %s | %s | %s |" % (code, rule.severity, rule.scope, meaning, md_cell(rule.fix)))
    lines.extend(["", "Why a host pair loses a stream, in the reports' pair tables:", ""])
    lines.extend("- %s" % (text % "<subnets>" if names else text) for text, names in (PAIR_REASON_TEXT[k] for k in sorted(PAIR_REASON_TEXT)))
    return "\n".join(lines) + "\n"
