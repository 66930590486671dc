# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The findings rules over vMotion facts, one host and a fleet: the registry and its entry points.

Input is the plain per-host dict that ``vmk_vmotion_facts`` produces
(``name``, ``mgmt_ip``, ``switches``, ``portgroups``, ``vmks``...). Nothing
here talks to vSphere or Ansible; what a vmk is (vMotion, management, its
addresses and subnets) comes from ``_core.vmk``, what a finding is from
``_audit.finding``, the options from ``_audit.options``.

Adding a finding is one check function (``_audit.host_rules``, ``fleet_rules`` or
``evidence_rules``) and its ``Rule`` below: severity, scope, the evidence it
needs, what it means and how to fix it. Reports and ``docs/findings.md`` take
the meaning and the fix from here; the code lists below follow.

Public functions and their results:

``host_findings(host, options=None)``
    list of findings, worst first, then by code and device.
``fleet_findings(hosts, options=None)``
    ``{"findings": [...each with "host"...], "by_host": {host: [...]},
    "indexes": {device: {"subnet": majority subnet, "mtu": majority MTU,
    "hosts": {host: {"ip", "subnet", "vmotion", "mtu"}}, "missing": [host]}},
    "vmotion_subnets": [cidr]}``.
``address_findings(hosts)``
    the DUPLICATE_IP rule alone.
``at_or_above(findings, severity)`` (``_audit.finding``)
    the findings at ``severity`` or worse.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.evidence_rules import (
    _path_failed,
    _path_mtu_too_small,
    _split_island,
    _subnet_not_observed,
    _uplink_down,
    _uplink_mtu_mismatch,
    _uplink_speed_mismatch,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import FLEET, HOST, RULES, Rule, _finding_key, _fleet_finding_key
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.fleet_rules import (
    _duplicate_ip,
    _index_missing,
    _mtu_mismatch,
    _subnet_mismatch,
    _vmotion_minority,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.fleet_view import _fleet_context, _host_context, _host_view, _index_summary, _views
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.host_rules import (
    _mixed_netstacks,
    _mtu_above_switch,
    _multiple_active_uplinks,
    _no_active_uplink,
    _no_vmotion_vmk,
    _shared_active_uplink,
    _standby_not_unused,
    _subnet_overlap,
    _subnet_shared,
    _teaming_inherited,
    _unused_not_standby,
    _vmotion_dhcp,
    _vmotion_disabled,
    _vmotion_on_management,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.options import _normalize_options
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key

# ---------------------------------------------------------------- the rules

# code -> Rule: the single list of every rule (the registry lives in _audit.finding).
RULES.update({
    "VMOTION_DISABLED": Rule(
        "critical", HOST, _vmotion_disabled, needs=None,
        description="a vmk in a vMotion port group, subnet or index has vMotion disabled",
        fix="Enable vMotion on the vmk (multinic.vmotion.vmk_vmotion_enable, or the multinic_vmotion role from "
            "the plan). If the vmk is not meant for vMotion (storage, say), move it out of the vMotion port group"
            " and subnet, or leave it out with the ignore option."),
    "NO_VMOTION_VMK": Rule(
        "critical", HOST, _no_vmotion_vmk, needs=None,
        description="the host has no vMotion-enabled vmk",
        fix="Create the host's vMotion vmks (multinic.vmotion.multinic_vmotion_portgroups or the multinic_vmotion"
            " role), or enable vMotion on the vmks meant for it."),
    "VMOTION_ON_MANAGEMENT": Rule(
        "warning", HOST, _vmotion_on_management, needs=None,
        description="vMotion is enabled on the management vmk besides dedicated vMotion vmks",
        fix="Turn vMotion off on the management vmk (vSphere Client or PowerCLI; this collection never changes "
            "the management vmk), so that vMotion uses only the dedicated vMotion vmks."),
    "VMOTION_DHCP": Rule(
        "warning", HOST, _vmotion_dhcp, needs=None,
        description="a vMotion vmk takes its address from DHCP (critical when it holds no lease)",
        fix="Give the vmk a static address in its index's subnet (the vmotion_ip filter gives it; the "
            "multinic_vmotion role, with the vmk in its layout, sets it and turns DHCP off)."),
    "NO_ACTIVE_UPLINK": Rule(
        "critical", HOST, _no_active_uplink, needs=None,
        description="a vMotion port group has no active uplink",
        fix="Give the port group a teaming override with one active uplink (active_uplink in the plan) and the "
            "others unused or standby."),
    "MTU_ABOVE_SWITCH": Rule(
        "critical", HOST, _mtu_above_switch, needs=None,
        description="a vmk's MTU is above its switch's MTU",
        fix="Lower the vmk's MTU to the switch's, or raise the switch's MTU first (and the physical path's): this"
            " collection does not change a switch's MTU, do it in the vSphere Client or with esxcli."),
    "SUBNET_OVERLAP": Rule(
        "critical", HOST, _subnet_overlap, needs=None,
        description="two vmks of one host on one TCP/IP stack have overlapping, different subnets",
        fix="Give each vmk its own subnet that overlaps no other on the same TCP/IP stack (check the netmasks)."),
    "MULTIPLE_ACTIVE_UPLINKS": Rule(
        "warning", HOST, _multiple_active_uplinks, needs=None,
        description="a vMotion port group has more than one active uplink",
        fix="Keep one active uplink per vMotion port group and make the others unused (or standby with failover: "
            "standby)."),
    "STANDBY_NOT_UNUSED": Rule(
        "warning", HOST, _standby_not_unused, needs=None,
        description="a vMotion port group has standby uplinks where unused was asked",
        fix="Move the standby uplinks of the port group to unused, or audit with failover: standby if standby is "
            "the design."),
    "UNUSED_NOT_STANDBY": Rule(
        "warning", HOST, _unused_not_standby, needs=None,
        description="a vMotion port group has unused uplinks where standby was asked (info if it has a standby)",
        fix="Move the unused uplinks of the port group to standby, or audit with failover: unused if unused is "
            "the design."),
    "TEAMING_INHERITED": Rule(
        "warning", HOST, _teaming_inherited, needs=None,
        description="a vMotion port group inherits teaming from a switch with several uplinks",
        fix="Give the port group its own teaming override: one active uplink, the others unused (or standby)."),
    "SHARED_ACTIVE_UPLINK": Rule(
        "warning", HOST, _shared_active_uplink, needs=None,
        description="several vMotion vmks are active on the same uplink",
        fix="Give each vMotion vmk's port group a different active uplink, one per vmk index."),
    "SUBNET_SHARED": Rule(
        "warning", HOST, _subnet_shared, needs=None,
        description="several vMotion vmks of one host share a subnet (one subnet per index expected)",
        fix="Readdress the vmks so that each index has its own subnet, or audit with one_vmk_per_subnet: false "
            "for the single-subnet design (KB 2007467)."),
    "MIXED_NETSTACKS": Rule(
        "warning", HOST, _mixed_netstacks, needs=None,
        description="vMotion vmks are split between the vmotion and another TCP/IP stack",
        fix="Put every vMotion vmk of the host on the same TCP/IP stack (a vmk's stack is set when it is created:"
            " recreate it)."),
    "SUBNET_MISMATCH": Rule(
        "critical", FLEET, _subnet_mismatch, needs=None,
        description="a vMotion index sits in another subnet than on the rest of the fleet (info if another vmk covers it)",
        fix="Readdress the vmk into the subnet the rest of the fleet uses for this index (the vmotion_ip filter "
            "gives the address; the multinic_vmotion role applies the plan)."),
    "INDEX_MISSING": Rule(
        "warning", FLEET, _index_missing, needs=None,
        description="a host lacks a vMotion index the fleet uses (info if another vmk covers its subnet)",
        fix="Add the missing vmk with the fleet's subnet and port group for this index (the multinic_vmotion role"
            " from the plan)."),
    "MTU_MISMATCH": Rule(
        "warning", FLEET, _mtu_mismatch, needs=None,
        description="a vMotion index has another MTU than on the rest of the fleet",
        fix="Set the same MTU on this index on every host, one the switches and the physical network carry end to"
            " end."),
    "DUPLICATE_IP": Rule(
        "critical", FLEET, _duplicate_ip, needs=None,
        description="one IP address is used by several vmks",
        fix="Give each vmk its own address: the index's subnet plus the last octet of the host's management IP "
            "(vmotion_ip filter)."),
    "VMOTION_MINORITY": Rule(
        "warning", FLEET, _vmotion_minority, needs=None,
        description="vMotion is enabled in a subnet where most vmks of the fleet have it disabled",
        fix="Disable vMotion on this vmk, or enable it on the other vmks of the subnet, whichever the design is."),
    "UPLINK_DOWN": Rule(
        "critical", HOST, _uplink_down, needs="uplinks",
        description="every active uplink of a vMotion vmk reports no link",
        fix="Restore the link of the active uplink (cable, switch port shut or err-disabled, NIC): the vSphere "
            "configuration is not the cause. multinic.vmotion.vmotion_connectivity confirms the path once the "
            "link is back."),
    "SUBNET_NOT_OBSERVED": Rule(
        "warning", FLEET, _subnet_not_observed, needs="uplinks",
        description="a vMotion vmk's active uplink has not observed its subnet or VLAN, which the index's uplinks of "
                    "other hosts observe",
        fix="Check where the active uplink is cabled and which VLANs its switch port carries (CDP/LLDP in the "
            "evidence name the switch and port); move the cable or add the VLAN to the port."),
    "SPLIT_ISLAND": Rule(
        "critical", FLEET, _split_island, needs="uplinks",
        description="a vMotion index's active uplinks are cabled into switches that observe disjoint subnets (separate "
                    "islands)",
        fix="Move the cable of the active uplink into a switch of the island the other hosts of this index use "
            "(or interconnect the islands, or carry the VLAN there): a cable must move, not the configuration."),
    "UPLINK_SPEED_MISMATCH": Rule(
        "warning", FLEET, _uplink_speed_mismatch, needs="uplinks",
        description="a vMotion index's active uplink links at another speed than on the rest of the fleet",
        fix="Bring the NIC to the index's speed: check the cable, the transceiver and the switch port's speed and"
            " duplex."),
    "UPLINK_MTU_MISMATCH": Rule(
        "warning", FLEET, _uplink_mtu_mismatch, needs="uplinks",
        description="the switch port of a vMotion index's active uplink reports another MTU than the index's (critical "
                    "below the vmk MTU)",
        fix="Set the physical switch port's MTU to the vmk's (jumbo frames end to end); the ESXi side is not the "
            "cause."),
    "PATH_MTU_TOO_SMALL": Rule(
        "critical", HOST, _path_mtu_too_small, needs="pings",
        description="DF pings of the vmk's MTU get no answer while small pings do",
        fix="Find the hop that carries less than the vmk's MTU (the uplink evidence's CDP port MTU, the switches "
            "of the island, the peer's vSwitch and vmk) and raise it, or lower the vmk MTU on the whole index."),
    "PATH_FAILED": Rule(
        "critical", HOST, _path_failed, needs="pings",
        description="pings between vmks of a vMotion index get no answer (no path, link down, losses)",
        fix="A host cut off from every peer has the cause on its side: check its active uplink's link, cable and "
            "switch port (UPLINK_DOWN, SPLIT_ISLAND, SUBNET_NOT_OBSERVED). Otherwise check the VLAN and the "
            "subnet of the failing pairs."),
})

# The codes of each scope, for callers that tell host findings from cross-host ones.
HOST_CODES = tuple(sorted(code for code, rule in RULES.items() if rule.scope == HOST))
FLEET_CODES = tuple(sorted(code for code, rule in RULES.items() if rule.scope == FLEET))
# The cross-host rules of the uplink evidence: what vmk_vmotion_facts adds to its hosts' own findings with uplinks.
UPLINK_FLEET_CODES = tuple(sorted(code for code, rule in RULES.items() if rule.scope == FLEET and rule.needs == "uplinks"))


def _checks(scope, opts):
    """The check functions of one scope that the options do not ignore."""
    return [RULES[code].check for code in sorted(RULES) if RULES[code].scope == scope and code not in opts["ignore"]]


def _check_host(view, opts, fleet):
    context = _host_context(view, opts, fleet)
    return [finding for check in _checks(HOST, opts) for finding in check(view, opts, context)]


def vmotion_portgroup_pattern(options=None):
    """The compiled pattern by which the rules know a vMotion port group by name (None: by its vmks only).

    Raises FindingsError, with every problem of the options, as the rules do.
    """
    return _normalize_options(options)["pattern"]


def host_findings(host, options=None):
    """Findings of one host's facts dict, worst first, then by code and device."""
    opts = _normalize_options(options)
    view = _host_view(None, host, opts)
    return sorted(_check_host(view, opts, {"subnets": set()}), key=_finding_key)


def address_findings(hosts):
    """The DUPLICATE_IP rule alone, over {host name: host facts}: cheap enough for every host of a vCenter.

    The planner runs it on the planned end state of the whole vCenter (whose hosts outside the
    change were read without services, which the other fleet rules need).
    """
    opts = _normalize_options(None)
    return sorted(RULES["DUPLICATE_IP"].check(_views(hosts, opts), opts, None), key=_fleet_finding_key)


def fleet_findings(hosts, options=None):
    """Cross-host rules plus every host's own findings.

    ``hosts`` is ``{host name: host facts}`` (or a list of host facts, keyed by their ``name``).
    Returns ``{"findings": [...], "by_host": {host: [...]}, "indexes": {device: {...}}, "vmotion_subnets": [...]}``.
    """
    opts = _normalize_options(options)
    views = _views(hosts, opts)
    context = _fleet_context(views, opts)
    by_host = dict((v["name"], []) for v in views)
    for view in views:
        for finding in _check_host(view, opts, context):
            finding["host"] = view["name"]
            by_host[view["name"]].append(finding)
    for check in _checks(FLEET, opts):
        for finding in check(views, opts, context):
            by_host[finding["host"]].append(finding)
    for name in by_host:
        by_host[name].sort(key=_finding_key)
    findings = sorted((f for fs in by_host.values() for f in fs), key=_fleet_finding_key)
    return {
        "findings": findings,
        "by_host": by_host,
        "indexes": _index_summary(views, context),
        "vmotion_subnets": sorted(context["subnets"], key=natural_key),
    }
