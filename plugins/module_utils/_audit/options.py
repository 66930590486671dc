# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the rules: one dict, every key optional, shared by all public functions of _audit.rules.

``failover``
    ``unused`` (default, the seed's design): standby uplinks on a vMotion port
    group are reported; ``standby`` (the Epping/Denneman design): unused
    uplinks are reported; ``any``: neither.
``vmotion_portgroup_pattern``
    Regular expression (``re.search``) marking vMotion port groups by name,
    default ``(?i)vmotion``; empty disables name matching.
``vmotion_subnets``
    CIDRs that are vMotion subnets. Default: the subnets in which the host has
    a vMotion-enabled (non-management) vmk; across a fleet, also every subnet
    where at least half of the fleet's vmks in it have vMotion enabled.
``vmotion_devices``
    Devices (``vmk1``...) that are vMotion vmks wherever they appear. Across a
    fleet it also fixes the vMotion indexes (default: devices with vMotion
    enabled on at least half of the fleet's hosts).
``one_vmk_per_subnet``
    ``true`` (default, one subnet per vmk index): several vMotion vmks in one
    subnet are reported. ``false`` for the single-subnet design (KB 2007467).
``management_devices``
    Devices treated as management vmks besides those ``_core.vmk`` calls
    management (the management service, the vmk holding the address vCenter
    knows the host by, or vmk0). A management vmk is never asked to enable
    vMotion.
``ignore``
    Finding codes to drop.
``include_healthy``
    ``stream_pairing`` only: ``false`` lists only pairs that fail or lose
    streams (the summary still counts all). Default ``true``.
``host_bits``
    The address rule's (_core.address_rule) for the addresses findings suggest: the low bits of the management
    address that make the host part. Default 8, the last octet.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import RULES, FindingsError
from ansible_collections.multinic.vmotion.plugins.module_utils._core.address_rule import DEFAULT_HOST_BITS, LayoutError, check_host_bits, parse_subnet
from ansible_collections.multinic.vmotion.plugins.module_utils._core.problems import ProblemsError
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import DEFAULT_PORTGROUP_PATTERN, require_netaddr

FAILOVER_CHECKS = ("unused", "standby", "any")
OPTION_DEFAULTS = {
    "failover": "unused",
    "vmotion_portgroup_pattern": DEFAULT_PORTGROUP_PATTERN,
    "vmotion_subnets": None,
    "vmotion_devices": None,
    "one_vmk_per_subnet": True,
    "management_devices": (),
    "ignore": (),
    "include_healthy": True,
    "host_bits": DEFAULT_HOST_BITS,
}
LIST_OPTIONS = ("vmotion_subnets", "vmotion_devices", "management_devices", "ignore")
BOOL_OPTIONS = ("one_vmk_per_subnet", "include_healthy")


def _list_options(opts, problems):
    """Lists as sets; a single string stands for a one-item list."""
    for key in LIST_OPTIONS:
        value = opts[key]
        if value is None:  # vmotion_subnets/vmotion_devices: None means "derive them"
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple, set, frozenset)):
            problems.append("%s must be a list, got %s" % (key, type(value).__name__))
            value = []
        opts[key] = value
    subnets = set()
    for subnet in opts["vmotion_subnets"] or ():
        try:
            subnets.add(str(parse_subnet(subnet)))
        except LayoutError as e:
            problems.extend("vmotion_subnets: %s" % p for p in e.problems)
    opts["vmotion_subnets"] = subnets if opts["vmotion_subnets"] is not None else None
    opts["vmotion_devices"] = set(str(d) for d in opts["vmotion_devices"]) if opts["vmotion_devices"] is not None else None
    opts["management_devices"] = set(str(d) for d in opts["management_devices"])
    bad_codes = sorted(set(opts["ignore"]) - set(RULES))
    if bad_codes:
        problems.append("ignore: unknown finding code(s) %s; known: %s" % (", ".join(map(str, bad_codes)), ", ".join(sorted(RULES))))
    opts["ignore"] = set(opts["ignore"])


def _normalize_options(options):
    if options is not None and not isinstance(options, dict):
        raise FindingsError(["options must be a dict, got %s" % type(options).__name__])
    raw = dict((k, v) for k, v in (options or {}).items() if v is not None)
    problems = []
    unknown = sorted(set(raw) - set(OPTION_DEFAULTS))
    if unknown:
        problems.append("unknown option(s) %s; allowed: %s" % (", ".join(unknown), ", ".join(sorted(OPTION_DEFAULTS))))
    opts = dict(OPTION_DEFAULTS)
    opts.update(raw)
    try:
        require_netaddr()
    except ProblemsError as e:
        raise FindingsError(problems + e.problems)

    if opts["failover"] not in FAILOVER_CHECKS:
        problems.append("failover %r must be one of %s" % (opts["failover"], ", ".join(FAILOVER_CHECKS)))
    pattern = opts["vmotion_portgroup_pattern"]
    opts["pattern"] = None
    if pattern:
        try:
            opts["pattern"] = re.compile(pattern)
        except (re.error, TypeError) as e:
            problems.append("vmotion_portgroup_pattern %r is not a valid regular expression: %s" % (pattern, e))
    _list_options(opts, problems)
    for key in BOOL_OPTIONS:
        if not isinstance(opts[key], bool):
            problems.append("%s must be a boolean, got %r" % (key, opts[key]))
    try:
        opts["host_bits"] = check_host_bits(opts["host_bits"])
    except LayoutError as e:
        problems.extend(e.problems)
    if problems:
        raise FindingsError(problems)
    return opts
