# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a finding is, and the registry of the rules that make them (filled by _audit.rules).

Finding::

    {"code": "VMOTION_DISABLED", "severity": "critical", "message": "...",
     "device": "vmk3", "portgroup": "vMotion-3"}

``device`` and ``portgroup`` are present when the finding is about one vmk or
port group. Some rules add context keys: ``devices`` (every vmk involved),
``switch``, ``uplinks``, ``subnet``, ``subnets`` (every subnet involved),
``netstack``, ``expected_subnet``, ``suggested_ip``, ``mtu``,
``expected_mtu``, ``ip``, ``peers`` (hosts the problem cuts this host off
from), ``others`` (other "host device" users of a duplicate IP). Fleet
findings also carry ``host``.

Severity: ``critical`` when a configured vMotion port carries no stream
(migrations lose streams or fail), a frame size breaks traffic or routing is
ambiguous; ``warning`` for designs that waste bandwidth or fail over badly,
and fleet inconsistencies that lose no stream; ``info`` for cosmetic drift.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.multinic.vmotion.plugins.module_utils._core.problems import ProblemsError
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key

SEVERITIES = ("info", "warning", "critical")
HOST, FLEET = "host", "fleet"

# A rule: its default severity, scope (HOST: check(view, opts, context) over one host; FLEET: check(views, opts, context)
# over every host), check function, what it means, how to fix it (reports and docs/findings.md show it), and the
# evidence it needs beyond the facts (None, "uplinks": hosts read with their pnics, "pings": vmotion_connectivity's results).
Rule = namedtuple("Rule", "severity scope check description fix needs")

# code -> Rule; _audit.rules fills it, so that a rule's module can name its default severity here without a cycle.
RULES = {}


class FindingsError(ProblemsError):
    """Bad options or a missing library; ``problems`` lists every problem."""


# ---------------------------------------------------------------- helpers


def _rank(severity):
    return SEVERITIES.index(severity)


def _finding_key(finding):
    return (
        -_rank(finding["severity"]),
        finding["code"],
        natural_key(finding.get("device")),
        finding.get("portgroup") or "",
        finding["message"],
    )


def _fleet_finding_key(finding):
    return (-_rank(finding["severity"]), natural_key(finding.get("host"))) + _finding_key(finding)[1:]


def _finding(code, message, severity=None, **context):
    finding = {"code": code, "severity": severity or RULES[code].severity, "message": message}
    finding.update((k, v) for k, v in context.items() if v is not None)
    return finding


def _names(items):
    return ", ".join(str(i) for i in items) or "none"


def _some(hosts, limit=5):
    """Name a few hosts, then count the rest: keeps messages readable for big fleets."""
    hosts = list(hosts)
    if len(hosts) <= limit:
        return _names(hosts)
    return "%s and %d more" % (_names(hosts[:limit]), len(hosts) - limit)


def at_or_above(findings, severity):
    """The findings whose severity is ``severity`` or worse, order kept."""
    if severity not in SEVERITIES:
        raise FindingsError(["severity %r must be one of %s" % (severity, ", ".join(SEVERITIES))])
    floor = _rank(severity)
    return [f for f in findings if _rank(f.get("severity", "info")) >= floor]
