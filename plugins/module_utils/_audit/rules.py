# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure findings rules over vMotion facts: one host, a fleet, and stream pairing.

Input is the plain per-host dict that ``vmk_vmotion_facts`` produces
(``name``, ``mgmt_ip``, ``switches``, ``portgroups``, ``vmks``...). Nothing
here talks to vSphere or Ansible; what a vmk is (vMotion, management, its
addresses and subnets) comes from ``_vmk``.

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

Rules: each finding code is one function, listed once in ``RULES`` (code ->
severity, scope, function, meaning). A host rule is
``check(view, opts, context) -> [findings]`` over one host; a fleet rule is
``check(views, opts, context) -> [findings]`` over every host. Adding a rule
is one function and one line in ``RULES``.

Options (one dict, every key optional, shared by all public functions):

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
    Devices treated as management vmks besides those ``_vmk`` calls
    management (the management service, the vmk holding the address vCenter
    knows the host by, or vmk0). A management vmk is never asked to enable
    vMotion.
``ignore``
    Finding codes to drop.
``include_healthy``
    ``stream_pairing`` only: ``false`` lists only pairs that fail or lose
    streams (the summary still counts all). Default ``true``.

Severity: ``critical`` when a configured vMotion port carries no stream
(migrations lose streams or fail), a frame size breaks traffic or routing is
ambiguous; ``warning`` for designs that waste bandwidth or fail over badly,
and fleet inconsistencies that lose no stream; ``info`` for cosmetic drift.

Public functions and their results:

``host_findings(host, options=None)``
    list of findings, worst first, then by code and device.
``fleet_findings(hosts, options=None)``
    ``{"findings": [...each with "host"...], "by_host": {host: [...]},
    "indexes": {device: {"subnet": majority subnet, "mtu": majority MTU,
    "hosts": {host: {"ip", "subnet", "vmotion", "mtu"}}, "missing": [host]}},
    "vmotion_subnets": [cidr]}``.
``stream_pairing(hosts, options=None)``
    ``{"pairs": [{"source", "destination", "streams", "expected", "lost",
    "fails", "matched": [{"source", "destination", "subnet"}],
    "unmatched_source": [{"device", "reason", "networks"}], "unmatched_destination": [...]}],
    "summary": {"hosts", "pairs", "healthy", "degraded", "failing",
    "failing_pairs": [[source, destination]], "degraded_pairs": [...],
    "by_host": {host: {"failing", "degraded", "min_streams", "max_streams"}},
    "signatures"}}``. ``reason`` is one of ``PAIR_REASONS`` (``_report``
    words them); ``networks`` are the vmk's subnets. Pair entries share nested
    lists between host pairs with the same signature: treat them as read-only.
``at_or_above(findings, severity)``
    the findings at ``severity`` or worse.

A vmk is a *vMotion vmk* when vMotion is enabled on it (``vmotion``, the
``vmotion`` service or the ``vmotion`` TCP/IP stack). It is a *vMotion
candidate* when it is a vMotion vmk, or when it is not a management vmk and
its port group matches the pattern, its subnet is a vMotion subnet or its
device is in ``vmotion_devices``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

from ansible_collections.multinic.vmotion.plugins.module_utils._core.layout import (
    LayoutError,
    parse_subnet,
    vmotion_ip,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._core.problems import ProblemsError
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.uplink_evidence import observes
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import (
    DEFAULT_NETSTACK,
    DEFAULT_PORTGROUP_PATTERN,
    VMOTION_NETSTACK,
    addresses,
    dhcp_lease,
    ipv4_of,
    is_vmotion,
    management_reason,
    natural_key,
    networks,
    overlap,
    require_netaddr,
)

SEVERITIES = ("info", "warning", "critical")
FAILOVER_CHECKS = ("unused", "standby", "any")
HOST, FLEET = "host", "fleet"

# Why a vmk of one host is left without a partner on the other host, in stream_pairing's unmatched entries.
PAIR_REASONS = (
    "VMOTION_OFF",  # the vmk has vMotion disabled
    "NO_SUBNET",  # the vmk has no address with a subnet
    "PEER_HAS_NONE",  # the peer has no vMotion vmk in the vmk's subnets
    "PEER_ALL_PAIRED",  # the peer's vMotion vmks in those subnets are paired with other vmks already
)
# The reasons that come from the peer's side rather than from the vmk itself.
PEER_CAUSED = frozenset(("PEER_HAS_NONE", "PEER_ALL_PAIRED"))

OPTION_DEFAULTS = {
    "failover": "unused",
    "vmotion_portgroup_pattern": DEFAULT_PORTGROUP_PATTERN,
    "vmotion_subnets": None,
    "vmotion_devices": None,
    "one_vmk_per_subnet": True,
    "management_devices": (),
    "ignore": (),
    "include_healthy": True,
}
LIST_OPTIONS = ("vmotion_subnets", "vmotion_devices", "management_devices", "ignore")
BOOL_OPTIONS = ("one_vmk_per_subnet", "include_healthy")

Rule = namedtuple("Rule", "severity scope check description")


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


# ---------------------------------------------------------------- options


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
    if problems:
        raise FindingsError(problems)
    return opts


# ---------------------------------------------------------------- host view


def _vmk_view(vmk, host, opts):
    device = vmk.get("device")
    ip, subnet = ipv4_of(vmk)
    nets = networks(vmk)
    return {
        "device": device,
        "portgroup": vmk.get("portgroup"),
        "switch": vmk.get("switch"),
        "ip": ip,
        "prefix_length": vmk.get("prefix_length"),
        "subnet": subnet or (nets[0] if nets else None),
        "networks": nets,
        "addresses": addresses(vmk),
        "mtu": vmk.get("mtu"),
        "netstack": vmk.get("netstack"),
        "dhcp": dhcp_lease(vmk),  # None: static; True: holds a lease; False: DHCP without a lease
        "held_ip": vmk.get("ip"),
        "enabled": is_vmotion(vmk),
        "management": management_reason(vmk, host) is not None or device in opts["management_devices"],
    }


def _host_view(name, host, opts):
    host = host or {}
    name = name or host.get("name") or host.get("mgmt_ip") or "?"
    # the fleet's key is the name vCenter knows the host by, which tells the management vmk
    known = dict(host, name=host.get("name") or name)
    vmks = sorted((_vmk_view(v, known, opts) for v in host.get("vmks") or () if isinstance(v, dict)), key=lambda v: natural_key(v["device"]))
    return {
        "name": str(name),
        "mgmt_ip": host.get("mgmt_ip"),
        "vmks": vmks,
        "switches": dict((s.get("name"), s) for s in host.get("switches") or () if isinstance(s, dict)),
        "portgroups": [p for p in host.get("portgroups") or () if isinstance(p, dict)],
        # uplink evidence, when the host was read with it (_uplinks.read_uplink_evidence)
        "pnics": host.get("pnics") if isinstance(host.get("pnics"), dict) else None,
        # ping evidence, when the host was audited with it (_connectivity.host_evidence)
        "connectivity": host.get("connectivity") if isinstance(host.get("connectivity"), dict) else None,
    }


def _own_vmotion_subnets(view):
    # management vmks often carry vMotion as a default; that must not make the management subnet a vMotion subnet
    return set(n for v in view["vmks"] if v["enabled"] and not v["management"] for n in v["networks"])


def _vmotion_subnets(view, opts, fleet_subnets=None):
    """Explicit vmotion_subnets win; else the host's own vMotion subnets plus the fleet's."""
    if opts["vmotion_subnets"] is not None:
        return opts["vmotion_subnets"]
    return _own_vmotion_subnets(view) | set(fleet_subnets or ())


def _candidate_reasons(vmk, opts, subnets, devices):
    """Why a vmk looks meant for vMotion (empty: it does not)."""
    if vmk["management"]:
        return []
    reasons = []
    pattern = opts["pattern"]
    if pattern is not None and vmk["portgroup"] and pattern.search(vmk["portgroup"]):
        reasons.append("its port group name matches %r" % pattern.pattern)
    shared = [n for n in vmk["networks"] if n in subnets]
    if shared:
        reasons.append("its subnet %s carries vMotion" % shared[0])
    if devices and vmk["device"] in devices:
        reasons.append("%s is a vMotion device (vmotion_devices)" % vmk["device"])
    return reasons


def _candidates(view, opts, fleet_subnets):
    """[(vmk, why it looks meant for vMotion)] for the host's vMotion candidates, in device order."""
    subnets = _vmotion_subnets(view, opts, fleet_subnets)
    found = [(vmk, _candidate_reasons(vmk, opts, subnets, opts["vmotion_devices"])) for vmk in view["vmks"]]
    return [(vmk, reasons) for vmk, reasons in found if vmk["enabled"] or reasons]


def _address_text(vmk):
    if vmk["dhcp"] is not None:
        return "DHCP %s" % _static_text(vmk) if vmk["dhcp"] else "DHCP without a lease"
    return _static_text(vmk)


def _static_text(vmk):
    if vmk["ip"]:
        return "%s/%s" % (vmk["ip"], vmk["prefix_length"]) if vmk["prefix_length"] is not None else vmk["ip"]
    if vmk["addresses"]:
        return vmk["addresses"][0]
    return "no IP address"


def _find_portgroup(view, name, switch):
    same_name = [p for p in view["portgroups"] if p.get("name") == name]
    for portgroup in same_name:
        if portgroup.get("switch") == switch:
            return portgroup
    return same_name[0] if same_name else None


def _teamings(view, opts, candidates):
    """The effective teaming of each vMotion port group: one carrying a vMotion candidate, or named like one."""
    carried = {}
    for vmk in candidates:
        if vmk["portgroup"]:
            carried.setdefault((vmk["portgroup"], vmk["switch"]), []).append(vmk["device"])
    targets = {}
    for key in carried:
        portgroup = _find_portgroup(view, key[0], key[1])
        if portgroup is not None:
            targets[(portgroup.get("name"), portgroup.get("switch"))] = portgroup
    if opts["pattern"] is not None:
        for portgroup in view["portgroups"]:
            if portgroup.get("name") and opts["pattern"].search(portgroup["name"]):
                targets[(portgroup.get("name"), portgroup.get("switch"))] = portgroup
    teamings = []
    for key in sorted(targets, key=lambda k: (k[0] or "", k[1] or "")):
        teaming = targets[key].get("teaming")
        if not isinstance(teaming, dict):
            continue
        devices = carried.get(key, [])
        teamings.append({
            "portgroup": key[0], "switch": key[1], "device": devices[0] if devices else None,
            "where": "%s: vMotion port group %r on %s%s" % (view["name"], key[0], key[1], " (carries %s)" % _names(devices) if devices else ""),
            "active": list(teaming.get("active") or ()), "standby": list(teaming.get("standby") or ()),
            "unused": list(teaming.get("unused") or ()), "inherited": teaming.get("inherited"),
        })
    return teamings


def _host_context(view, opts, fleet):
    """What several host rules ask about one host, worked out once: candidates, vMotion vmks, vMotion port groups."""
    candidates = _candidates(view, opts, fleet.get("subnets"))
    context = dict(fleet)
    context.update(
        candidates=candidates,
        enabled=[v for v in view["vmks"] if v["enabled"]],
        teamings=_teamings(view, opts, [vmk for vmk, dummy in candidates]),
    )
    return context


# ---------------------------------------------------------------- host rules: one function per code


def _vmotion_disabled(view, opts, context):
    return [_finding(
        "VMOTION_DISABLED",
        "%s %s (%s, port group %r) has vMotion disabled although %s; migrations to and from %s lose this stream "
        "or fail. Enable the vMotion service on %s." % (view["name"], vmk["device"], _address_text(vmk), vmk["portgroup"],
                                                        " and ".join(reasons), view["name"], vmk["device"]),
        device=vmk["device"], portgroup=vmk["portgroup"], subnet=vmk["subnet"],
    ) for vmk, reasons in context["candidates"] if reasons and not vmk["enabled"]]


def _no_vmotion_vmk(view, opts, context):
    if context["enabled"]:
        return []
    return [_finding(
        "NO_VMOTION_VMK",
        "%s has no VMkernel adapter with vMotion enabled, so it can neither send nor receive a vMotion. "
        "Enable vMotion on its vMotion vmks (or create them)." % view["name"],
    )]


def _vmotion_on_management(view, opts, context):
    dedicated = [v["device"] for v in context["enabled"] if not v["management"]]
    if not dedicated:
        return []  # vMotion on the management vmk alone is a design of its own, not this one's mistake
    return [_finding(
        "VMOTION_ON_MANAGEMENT",
        "%s: vMotion is enabled on the management vmk %s (%s) besides the dedicated vMotion vmks %s; vMotion streams may then "
        "leave on the management network, beside the host's management traffic. Turn vMotion off on %s (this collection never "
        "changes the management vmk: in the vSphere Client, or with PowerCLI)." % (view["name"], vmk["device"], _address_text(vmk),
                                                                                   _names(dedicated), vmk["device"]),
        device=vmk["device"], portgroup=vmk["portgroup"],
    ) for vmk in context["enabled"] if vmk["management"]]


def _vmotion_dhcp(view, opts, context):
    findings = []
    for vmk in context["enabled"]:
        if vmk["dhcp"] is None or vmk["management"]:
            continue
        if vmk["dhcp"]:
            message = ("%s %s (port group %r) takes its address %s from DHCP; a new lease can move it out of its index's subnet or onto "
                       "an address another vmk holds, and vMotion between the hosts then loses this stream. Give %s a static address."
                       % (view["name"], vmk["device"], vmk["portgroup"], _static_text(vmk), vmk["device"]))
        else:
            message = ("%s %s (port group %r) uses DHCP and holds no lease (ESXi autoconfigured %s), so it reaches no peer and migrations "
                       "to and from %s lose this stream. Give %s a static address in its index's subnet."
                       % (view["name"], vmk["device"], vmk["portgroup"], vmk["held_ip"] or "no address", view["name"], vmk["device"]))
        findings.append(_finding("VMOTION_DHCP", message, severity=None if vmk["dhcp"] else "critical",
                                 device=vmk["device"], portgroup=vmk["portgroup"], subnet=vmk["subnet"]))
    return findings


def _mtu_above_switch(view, opts, context):
    findings = []
    for vmk in view["vmks"]:
        switch = view["switches"].get(vmk["switch"]) or {}
        if isinstance(vmk["mtu"], int) and isinstance(switch.get("mtu"), int) and vmk["mtu"] > switch["mtu"]:
            findings.append(_finding(
                "MTU_ABOVE_SWITCH",
                "%s %s (port group %r) has MTU %d above the MTU %d of switch %s; larger frames are dropped. "
                "Raise the switch MTU to %d or lower the vmk MTU to %d."
                % (view["name"], vmk["device"], vmk["portgroup"], vmk["mtu"], switch["mtu"], vmk["switch"], vmk["mtu"], switch["mtu"]),
                device=vmk["device"], portgroup=vmk["portgroup"], switch=vmk["switch"], mtu=vmk["mtu"], expected_mtu=switch["mtu"],
            ))
    return findings


def _wanted(opts):
    return {"unused": "unused", "standby": "standby"}.get(opts["failover"], "unused or standby")


def _teaming_finding(code, message, teaming, uplinks, severity=None):
    return _finding(code, message, severity=severity, device=teaming["device"], portgroup=teaming["portgroup"], switch=teaming["switch"],
                    uplinks=uplinks)


def _multiple_active_uplinks(view, opts, context):
    return [_teaming_finding(
        "MULTIPLE_ACTIVE_UPLINKS",
        "%s has %d active uplinks (%s); a vMotion vmk sends on one uplink at a time, so the others add no bandwidth. "
        "Keep one active uplink and make the others %s." % (t["where"], len(t["active"]), _names(t["active"]), _wanted(opts)),
        t, t["active"],
    ) for t in context["teamings"] if len(t["active"]) > 1]


def _no_active_uplink(view, opts, context):
    return [_teaming_finding(
        "NO_ACTIVE_UPLINK",
        "%s has no active uplink (standby: %s, unused: %s); its vmks carry no traffic. Make one uplink active."
        % (t["where"], _names(t["standby"]), _names(t["unused"])),
        t, [],
    ) for t in context["teamings"] if not t["active"]]


def _standby_not_unused(view, opts, context):
    if opts["failover"] != "unused":
        return []
    return [_teaming_finding(
        "STANDBY_NOT_UNUSED",
        "%s has standby uplink(s) %s where unused is asked; after a NIC failure two vMotion vmks would share one uplink. "
        "Make them unused, or set failover to standby if that is the design." % (t["where"], _names(t["standby"])),
        t, t["standby"],
    ) for t in context["teamings"] if t["standby"]]


def _unused_not_standby(view, opts, context):
    if opts["failover"] != "standby":
        return []
    findings = []
    for t in context["teamings"]:
        if t["unused"]:
            # with some standby the vmk still fails over; with none it goes dark with its NIC
            consequence = "the vmk cannot fail over to them" if t["standby"] else "the vmk has no uplink to fail over to"
            findings.append(_teaming_finding(
                "UNUSED_NOT_STANDBY",
                "%s leaves uplink(s) %s unused where standby is asked; %s. Make them standby." % (t["where"], _names(t["unused"]), consequence),
                t, t["unused"], severity="info" if t["standby"] else "warning",
            ))
    return findings


def _teaming_inherited(view, opts, context):
    findings = []
    for t in context["teamings"]:
        uplinks = list((view["switches"].get(t["switch"]) or {}).get("uplinks") or ())
        if t["inherited"] and len(uplinks) > 1:
            findings.append(_teaming_finding(
                "TEAMING_INHERITED",
                "%s inherits its teaming from the switch, which has %d uplinks (%s); any change on the switch moves the vmk. "
                "Override the teaming on the port group: one active uplink, the others %s." % (t["where"], len(uplinks), _names(uplinks), _wanted(opts)),
                t, uplinks,
            ))
    return findings


def _shared_active_uplink(view, opts, context):
    # vMotion vmks whose port groups share an active uplink share one NIC's bandwidth
    by_uplink = {}
    for vmk in context["enabled"]:
        portgroup = _find_portgroup(view, vmk["portgroup"], vmk["switch"]) if vmk["portgroup"] else None
        teaming = (portgroup or {}).get("teaming") or {}
        for uplink in teaming.get("active") or ():
            by_uplink.setdefault((portgroup.get("switch") or vmk["switch"], uplink), []).append(vmk)
    findings = []
    for (switch, uplink), users in sorted(by_uplink.items(), key=lambda i: (i[0][0] or "", natural_key(i[0][1]))):
        if len(users) > 1:
            labels = ["%s (%s)" % (v["device"], v["portgroup"]) for v in users]
            findings.append(_finding(
                "SHARED_ACTIVE_UPLINK",
                "%s: vMotion vmks %s are all active on uplink %s of %s, so they share one NIC's bandwidth. "
                "Give each vMotion vmk its own port group with its own active uplink." % (view["name"], _names(labels), uplink, switch),
                device=users[0]["device"], portgroup=users[0]["portgroup"], switch=switch, uplinks=[uplink], devices=[v["device"] for v in users],
            ))
    return findings


def _subnet_shared(view, opts, context):
    if not opts["one_vmk_per_subnet"]:
        return []
    by_subnet = {}
    for vmk in context["enabled"]:
        for network in vmk["networks"]:
            by_subnet.setdefault(network, []).append(vmk)
    return [_finding(
        "SUBNET_SHARED",
        "%s: vMotion vmks %s are all in subnet %s while the layout expects one subnet per vmk index; vmkN only pairs with vmkN of the "
        "other hosts when each index has its own subnet. Readdress them to their index's subnet, or set one_vmk_per_subnet to false "
        "for a single-subnet design." % (view["name"], _names(v["device"] for v in users), subnet),
        device=users[0]["device"], portgroup=users[0]["portgroup"], subnet=subnet, devices=[v["device"] for v in users],
    ) for subnet, users in sorted(by_subnet.items()) if len(users) > 1]


def _mixed_netstacks(view, opts, context):
    enabled = context["enabled"]
    on_vmotion_stack = [v["device"] for v in enabled if v["netstack"] == VMOTION_NETSTACK]
    elsewhere = [v for v in enabled if v["netstack"] != VMOTION_NETSTACK]
    if not (on_vmotion_stack and elsewhere):
        return []
    stacks = sorted(set(str(v["netstack"] or DEFAULT_NETSTACK) for v in elsewhere))
    others = [v["device"] for v in elsewhere]
    return [_finding(
        "MIXED_NETSTACKS",
        "%s: vMotion is enabled on %s in the vmotion TCP/IP stack and on %s in the %s stack; once a vmk uses the vmotion stack, vMotion "
        "uses only that stack, so %s carry no vMotion traffic. Recreate them in the vmotion stack (the stack is fixed at creation) or "
        "disable vMotion on them." % (view["name"], _names(on_vmotion_stack), _names(others), _names(stacks), _names(others)),
        device=others[0], portgroup=elsewhere[0]["portgroup"], devices=on_vmotion_stack + others,
    )]


def _prefix(subnet):
    return int(subnet.rsplit("/", 1)[1])


def _subnet_overlap(view, opts, context):
    # every vmk counts, management and storage too: they all feed the routing table of their stack
    findings = []
    vmks = view["vmks"]
    for i, first in enumerate(vmks):
        stack = first["netstack"] or DEFAULT_NETSTACK
        for second in vmks[i + 1:]:
            if (second["netstack"] or DEFAULT_NETSTACK) != stack:
                continue
            for a, b in [(a, b) for a in first["networks"] for b in second["networks"] if overlap(a, b)]:
                narrow, wide = sorted([(first["device"], a), (second["device"], b)], key=lambda d: -_prefix(d[1]))
                findings.append(_finding(
                    "SUBNET_OVERLAP",
                    "%s: %s (%s) and %s (%s) are on the same TCP/IP stack %s with overlapping subnets; that stack sends everything for %s out "
                    "of %s and the rest of %s out of %s, so which vmk carries a stream depends on the peer's address, not on the vmk. Give "
                    "each vmk a subnet that does not overlap the other's, or move one to another TCP/IP stack."
                    % (view["name"], first["device"], a, second["device"], b, stack, narrow[1], narrow[0], wide[1], wide[0]),
                    device=first["device"], portgroup=first["portgroup"], subnet=a, netstack=stack,
                    devices=[first["device"], second["device"]], subnets=[a, b],
                ))
    return findings


# ---------------------------------------------------------------- fleet


def _majority(values):
    """(most common value, its count); ties go to the smallest value so the result never depends on input order."""
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    if not counts:
        return None, 0
    best = sorted(counts.items(), key=lambda item: (-item[1], natural_key(item[0])))[0]
    return best


def _views(hosts, opts):
    if isinstance(hosts, dict):
        items = hosts.items()
    elif isinstance(hosts, (list, tuple)):
        items = [(None, h) for h in hosts]
    else:
        raise FindingsError(["hosts must be a dict keyed by host name (or a list of host facts), got %s" % type(hosts).__name__])
    views = [_host_view(name, host, opts) for name, host in items]
    seen, doubles = set(), set()
    for view in views:
        (doubles if view["name"] in seen else seen).add(view["name"])
    doubles = sorted(doubles, key=natural_key)
    if doubles:
        raise FindingsError(["host name(s) %s appear more than once" % _names(doubles)])
    return sorted(views, key=lambda v: natural_key(v["name"]))


def _fleet_subnets(views, opts):
    """vMotion subnets of the fleet and those where vMotion is on for only a minority of vmks."""
    if opts["vmotion_subnets"] is not None:
        return set(opts["vmotion_subnets"]), {}
    enabled, total = {}, {}
    for view in views:
        for vmk in view["vmks"]:
            if vmk["management"]:
                continue
            for network in vmk["networks"]:
                total[network] = total.get(network, 0) + 1
                enabled[network] = enabled.get(network, 0) + (1 if vmk["enabled"] else 0)
    # at least half: one host with vMotion off among many is the seed's outage, one host with vMotion on among many is a stray
    subnets = set(n for n in total if enabled[n] and 2 * enabled[n] >= total[n])
    minority = dict((n, (enabled[n], total[n])) for n in total if enabled[n] and n not in subnets)
    return subnets, minority


def _fleet_indexes(views, opts):
    """{device: {host: vmk view}} for the devices that are vMotion indexes of the fleet."""
    by_device = {}
    for view in views:
        for vmk in view["vmks"]:
            if vmk["device"] and not vmk["management"]:
                by_device.setdefault(vmk["device"], {})[view["name"]] = vmk
    if opts["vmotion_devices"] is not None:
        wanted = opts["vmotion_devices"]
    else:
        # half of the whole fleet, not of the hosts having the device: one host's renumbered vmk7 must not make vmk7 an index
        wanted = set(d for d, users in by_device.items() if 2 * sum(1 for v in users.values() if v["enabled"]) >= len(views))
    return dict((d, by_device.get(d, {})) for d in wanted)


def _index_majorities(views, indexes):
    """Per index: the fleet's subnet and MTU (the most common), how many hosts use them, and the hosts with vMotion there."""
    majorities = {}
    for device, users in indexes.items():
        subnet, subnet_count = _majority(v["subnet"] for v in users.values() if v["subnet"])
        mtu, mtu_count = _majority(v["mtu"] for v in users.values() if isinstance(v["mtu"], int))
        majorities[device] = {
            "subnet": subnet, "subnet_count": subnet_count, "mtu": mtu, "mtu_count": mtu_count, "users": len(users), "fleet": len(views),
            "peers": [v["name"] for v in views if v["name"] in users and users[v["name"]]["subnet"] == subnet and users[v["name"]]["enabled"]],
        }
    return majorities


def _fleet_context(views, opts):
    subnets, minority = _fleet_subnets(views, opts)
    indexes = _fleet_indexes(views, opts)
    return {"subnets": subnets, "minority": minority, "indexes": indexes, "majorities": _index_majorities(views, indexes)}


def _index_summary(views, context):
    """The ``indexes`` result of fleet_findings: per index the fleet's subnet and MTU, each host's entry, the hosts missing it."""
    names = [v["name"] for v in views]
    summary = {}
    for device, users in context["indexes"].items():
        majority = context["majorities"][device]
        summary[device] = {
            "subnet": majority["subnet"],
            "mtu": majority["mtu"],
            "hosts": dict((h, {"ip": v["ip"] or (v["addresses"][0] if v["addresses"] else None), "subnet": v["subnet"], "vmotion": v["enabled"],
                               "mtu": v["mtu"]}) for h, v in users.items()),
            "missing": [h for h in names if h not in users],
        }
    return summary


def _suggest(view, subnet):
    try:
        return vmotion_ip(view["mgmt_ip"], subnet)
    except LayoutError:
        return None


def _misplaced(views, context, missing):
    """(view, device, vmk, majority, suggestion text, peers) where a host's index is not in the fleet's subnet.

    ``missing`` picks the hosts without the index (vmk None) or those that have it elsewhere.
    """
    for device in sorted(context["indexes"], key=natural_key):
        users, majority = context["indexes"][device], context["majorities"][device]
        if majority["subnet"] is None:
            continue
        for view in views:
            vmk = users.get(view["name"])
            if (vmk is None) == missing and (vmk is None or vmk["subnet"] != majority["subnet"]):
                suggested = _suggest(view, majority["subnet"])
                yield view, device, vmk, majority, suggested, [p for p in majority["peers"] if p != view["name"]]


def _stand_in_finding(code, view, device, vmk, subnet):
    """The mild INDEX_MISSING or SUBNET_MISMATCH: another vMotion vmk of the host covers the fleet's subnet; None when none does."""
    stand_in = [v["device"] for v in view["vmks"] if v["enabled"] and v["device"] != device and subnet in v["networks"]]
    if not stand_in:
        return None
    # streams still flow through the stand-in; only the index -> device mapping differs from the fleet
    what = "has no %s" % device if vmk is None else "has %s in %s" % (device, vmk["subnet"] or "no IP subnet")
    return _finding(
        code,
        "%s %s, but its %s carries vMotion in %s, which the fleet uses for %s; no stream is lost, only the index-to-device mapping "
        "differs from the other hosts. Align it when convenient." % (view["name"], what, _names(stand_in), subnet, device),
        severity="info", host=view["name"], device=device, portgroup=vmk["portgroup"] if vmk else None,
        subnet=vmk["subnet"] if vmk else None, expected_subnet=subnet, devices=stand_in, peers=[],
    )


def _index_missing(views, opts, context):
    findings = []
    for view, device, dummy, index, suggested, others in _misplaced(views, context, missing=True):
        host, subnet = view["name"], index["subnet"]
        findings.append(_stand_in_finding("INDEX_MISSING", view, device, None, subnet) or _finding(
            "INDEX_MISSING",
            "%s has no %s, which %d of %d hosts use for vMotion in %s; migrations between %s and them get one stream fewer. "
            "Create %s in %s%s." % (host, device, index["users"], index["fleet"], subnet, host, device, subnet,
                                    " (%s)" % suggested if suggested else ""),
            host=host, device=device, expected_subnet=subnet, suggested_ip=suggested, peers=others,
        ))
    return findings


def _subnet_mismatch(views, opts, context):
    findings = []
    for view, device, vmk, index, suggested, others in _misplaced(views, context, missing=False):
        if vmk["dhcp"] is False and vmk["enabled"]:
            continue  # VMOTION_DHCP: the lease is missing, not the subnet
        host, subnet = view["name"], index["subnet"]
        where = "in %s" % vmk["subnet"] if vmk["subnet"] else "without an IP subnet"
        state = "" if vmk["enabled"] else " and vMotion disabled"
        findings.append(_stand_in_finding("SUBNET_MISMATCH", view, device, vmk, subnet) or _finding(
            "SUBNET_MISMATCH",
            "%s %s (port group %r) is %s%s but %s is in %s on %d of %d hosts; with one subnet per index it reaches no %s of the %d hosts with "
            "vMotion there, so migrations between %s and %s lose this stream. Move %s to %s%s."
            % (host, device, vmk["portgroup"], where, state, device, subnet, index["subnet_count"], index["users"], device, len(others), host,
               _some(others), device, subnet, " (%s)" % suggested if suggested else ""),
            host=host, device=device, portgroup=vmk["portgroup"], subnet=vmk["subnet"], expected_subnet=subnet, suggested_ip=suggested,
            peers=others,
        ))
    return findings


def _mtu_mismatch(views, opts, context):
    findings = []
    for device in sorted(context["indexes"], key=natural_key):
        users, index = context["indexes"][device], context["majorities"][device]
        for view in views:
            vmk = users.get(view["name"])
            if vmk is not None and index["mtu"] is not None and isinstance(vmk["mtu"], int) and vmk["mtu"] != index["mtu"]:
                findings.append(_finding(
                    "MTU_MISMATCH",
                    "%s %s (port group %r) has MTU %s but %s has MTU %s on %d of %d hosts; a path with mixed MTUs drops or fragments "
                    "vMotion traffic. Set the MTU of %s to %s."
                    % (view["name"], device, vmk["portgroup"], vmk["mtu"], device, index["mtu"], index["mtu_count"], index["users"], device,
                       index["mtu"]),
                    host=view["name"], device=device, portgroup=vmk["portgroup"], mtu=vmk["mtu"], expected_mtu=index["mtu"],
                ))
    return findings


def _duplicate_ip(views, opts, context):
    users = {}
    for view in views:
        for vmk in view["vmks"]:
            for address in vmk["addresses"]:
                users.setdefault(address, []).append((view["name"], vmk))
    findings = []
    for address in sorted(users, key=natural_key):
        if len(users[address]) < 2:
            continue
        for host, vmk in users[address]:
            others = ["%s %s" % (h, v["device"]) for h, v in users[address] if (h, v["device"]) != (host, vmk["device"])]
            findings.append(_finding(
                "DUPLICATE_IP",
                "%s %s (port group %r) has IP %s, also used by %s; traffic for that address reaches either vmk at random. "
                "Give each vmk its own address." % (host, vmk["device"], vmk["portgroup"], address, _some(others)),
                host=host, device=vmk["device"], portgroup=vmk["portgroup"], ip=address, others=others,
            ))
    return findings


def _vmotion_minority(views, opts, context):
    findings = []
    for view in views:
        for vmk in view["vmks"]:
            if not vmk["enabled"] or vmk["management"]:
                continue
            for network in vmk["networks"]:
                if network in context["minority"]:
                    on, total = context["minority"][network]
                    findings.append(_finding(
                        "VMOTION_MINORITY",
                        "%s %s (port group %r) has vMotion enabled in %s, where only %d of the fleet's %d vmks have it; it finds few or no "
                        "vMotion peers. If %s is not a vMotion network disable vMotion on %s, otherwise enable it on the others (or list "
                        "the subnet in vmotion_subnets)." % (view["name"], vmk["device"], vmk["portgroup"], network, on, total, network, vmk["device"]),
                        host=view["name"], device=vmk["device"], portgroup=vmk["portgroup"], subnet=network,
                    ))
    return findings


# ---------------------------------------------------------------- uplink evidence (hosts read with their pnics)
# A host's facts may carry "pnics": {pnic: evidence}: link and speed (_model.pnic_facts, vmk_vmotion_facts), and with
# _uplinks.read_uplink_evidence also the switch and uplink name, CDP/LLDP neighbour and observed subnets. Each rule
# uses what is there; hosts without "pnics" are left out.


def _pnic_ports(view):
    """{(switch, uplink name): pnic evidence}; a pnic with link facts only is known by its device alone (switch None),
    which is how a standard switch's teaming names it."""
    ports = {}
    for device, evidence in view["pnics"].items():
        if isinstance(evidence, dict):
            if evidence.get("uplink"):
                ports[(evidence.get("switch"), evidence["uplink"])] = evidence
            ports.setdefault((None, device), evidence)
    return ports


def _active_pnics(view, vmk):
    """[(uplink name, evidence)] of a vmk's active uplinks, for a host read with its pnics."""
    portgroup = _find_portgroup(view, vmk["portgroup"], vmk["switch"]) if vmk["portgroup"] else None
    if not view["pnics"] or portgroup is None:
        return []
    switch = portgroup.get("switch") or vmk["switch"]
    ports = _pnic_ports(view)
    found = [(uplink, ports.get((switch, uplink)) or ports.get((None, uplink))) for uplink in (portgroup.get("teaming") or {}).get("active") or ()]
    return [(uplink, evidence) for uplink, evidence in found if evidence is not None]


def _evidence_users(views, context):
    """(device, [(view, vmk, uplink, evidence)]) per index: each host's vMotion vmk with its first active uplink that reports a link."""
    for device in sorted(context["indexes"], key=natural_key):
        users = []
        for view in views:
            vmk = context["indexes"][device].get(view["name"])
            if vmk is None or not vmk["enabled"]:
                continue
            live = [(u, e) for u, e in _active_pnics(view, vmk) if e.get("link") == "up"]
            if live:
                users.append((view, vmk, live[0][0], live[0][1]))
        yield device, users


def _uplink_down(view, opts, context):
    findings = []
    for vmk in context["enabled"]:
        active = _active_pnics(view, vmk)
        if vmk["management"] or not active or any(e.get("link") == "up" for _u, e in active):
            continue
        uplinks = [u for u, _e in active]
        findings.append(_finding(
            "UPLINK_DOWN",
            "%s %s (port group %r) is active on %s, which report(s) no link; the vmk carries no vMotion traffic unless it fails over to "
            "a standby uplink. Check the cable and the switch port of %s (the configuration is not the cause)."
            % (view["name"], vmk["device"], vmk["portgroup"], _names(uplinks), _names(uplinks)),
            device=vmk["device"], portgroup=vmk["portgroup"], switch=vmk["switch"], uplinks=uplinks,
        ))
    return findings


def _vlan_of(view, vmk):
    portgroup = _find_portgroup(view, vmk["portgroup"], vmk["switch"]) if vmk["portgroup"] else None
    vlan = (portgroup or {}).get("vlan_id")
    return vlan if isinstance(vlan, int) and not isinstance(vlan, bool) else None


def _subnet_not_observed(views, opts, context):
    findings = []
    for device, users in _evidence_users(views, context):
        hinted = [(v, vmk, u, e) for v, vmk, u, e in users if e.get("hinted") and vmk["ip"]]
        seen_by = [v["name"] for v, vmk, u, e in hinted if observes(e, vmk["ip"])]
        vlans = set(_vlan_of(v, vmk) for v, vmk, u, e in hinted if _vlan_of(v, vmk) in (e.get("vlans") or ()))
        for view, vmk, uplink, evidence in hinted:
            missing = []
            if not observes(evidence, vmk["ip"]) and [h for h in seen_by if h != view["name"]]:
                missing.append("subnet %s" % vmk["subnet"])
            vlan = _vlan_of(view, vmk)
            if vlan and vlan in vlans and vlan not in (evidence.get("vlans") or ()):
                missing.append("VLAN %d" % vlan)
            if not missing:
                continue
            others = [h for h in seen_by if h != view["name"]]
            findings.append(_finding(
                "SUBNET_NOT_OBSERVED",
                "%s %s (port group %r): its active uplink %s has not observed %s, which the same index's uplinks of %s observe; the switch "
                "port of %s is probably in another island or does not carry the VLAN. Check where %s is cabled and the port's VLANs."
                % (view["name"], device, vmk["portgroup"], uplink, " or ".join(missing), _some(others) or "other hosts", uplink, uplink),
                host=view["name"], device=device, portgroup=vmk["portgroup"], uplinks=[uplink], subnet=vmk["subnet"], peers=others,
            ))
    return findings


def _switch_groups(users):
    """Groups of neighbour switches whose observed subnets overlap (union-find), largest (by hosts) first."""
    seen = {}
    for view, vmk, uplink, evidence in users:
        switch = (evidence.get("neighbour") or {}).get("switch")
        if switch and evidence.get("observed"):
            seen.setdefault(switch, {"subnets": set(), "users": []})
            seen[switch]["subnets"].update(o.get("subnet") for o in evidence["observed"] if o.get("subnet"))
            seen[switch]["users"].append((view, vmk, uplink, evidence))
    groups = []
    for switch in sorted(seen):
        joined = [g for g in groups if any(seen[s]["subnets"] & seen[switch]["subnets"] for s in g)]
        merged = set([switch]).union(*joined) if joined else set([switch])
        groups = [g for g in groups if g not in joined] + [merged]
    ranked = [(sorted(g), [u for s in sorted(g) for u in seen[s]["users"]]) for g in groups]
    return sorted(ranked, key=lambda g: (-len(g[1]), g[0]))


def _reach(hosts):
    return "only %s" % _some(hosts) if hosts else "no other host"


def _split_island(views, opts, context):
    findings = []
    for device, users in _evidence_users(views, context):
        groups = _switch_groups(users)
        if len(groups) < 2:
            continue
        main_switches, main_users = groups[0]
        for switches, members in groups[1:]:
            cut = [v["name"] for v, _vmk, _u, _e in members]
            for view, vmk, uplink, evidence in members:
                port = (evidence.get("neighbour") or {}).get("port")
                findings.append(_finding(
                    "SPLIT_ISLAND",
                    "%s %s: its active uplink %s is cabled into %s%s, which observes none of the subnets that %s (the switches of %d other "
                    "host(s) on %s) observe: they are separate islands, so %s reaches %s on this index. A cable must move (not the "
                    "configuration): plug %s into %s, or give the island the missing VLAN." % (
                        view["name"], device, uplink, _names(switches), " port %s" % port if port else "", _names(main_switches), len(main_users),
                        device, device, _reach([h for h in cut if h != view["name"]]), uplink, main_switches[0]),
                    host=view["name"], device=device, portgroup=vmk["portgroup"], uplinks=[uplink], switch=switches[0],
                    peers=[v["name"] for v, _vmk, _u, _e in main_users],
                ))
    return findings


def _uplink_speed_mismatch(views, opts, context):
    findings = []
    for device, users in _evidence_users(views, context):
        speed, count = _majority(e.get("speed_mbps") for v, vmk, u, e in users if isinstance(e.get("speed_mbps"), int))
        for view, vmk, uplink, evidence in users:
            if speed is not None and isinstance(evidence.get("speed_mbps"), int) and evidence["speed_mbps"] != speed:
                findings.append(_finding(
                    "UPLINK_SPEED_MISMATCH",
                    "%s %s: its active uplink %s links at %s Mb/s but the same index links at %s Mb/s on %d of %d hosts; a migration between "
                    "them runs at the slower NIC's speed. Check the NIC, the cable and the switch port's speed." % (
                        view["name"], device, uplink, evidence["speed_mbps"], speed, count, len(users)),
                    host=view["name"], device=device, portgroup=vmk["portgroup"], uplinks=[uplink],
                ))
    return findings


def _port_mtu(evidence):
    """The MTU the switch port reports over CDP (LLDP does not tell it), or None."""
    return (evidence.get("neighbour") or {}).get("mtu")


def _uplink_mtu_mismatch(views, opts, context):
    findings = []
    for device, users in _evidence_users(views, context):
        mtu, count = _majority(_port_mtu(e) for v, vmk, u, e in users if isinstance(_port_mtu(e), int))
        for view, vmk, uplink, evidence in users:
            seen = _port_mtu(evidence)
            if not isinstance(seen, int):
                continue
            below = isinstance(vmk["mtu"], int) and seen < vmk["mtu"]
            if below or (mtu is not None and seen != mtu):
                why = ("below the vmk's MTU %d, so full-size vMotion frames are dropped" % vmk["mtu"]) if below else (
                    "while the same index's switch ports carry MTU %s on %d of %d hosts" % (mtu, count, len(users)))
                findings.append(_finding(
                    "UPLINK_MTU_MISMATCH",
                    "%s %s: the switch port behind its active uplink %s (%s) reports MTU %d, %s. Set the physical port's MTU to the "
                    "vmk's (the vSphere configuration is not the cause)." % (
                        view["name"], device, uplink, (evidence.get("neighbour") or {}).get("switch"), seen, why),
                    severity="critical" if below else None, host=view["name"], device=device, portgroup=vmk["portgroup"], uplinks=[uplink],
                    mtu=seen, expected_mtu=vmk["mtu"] if below else mtu,
                ))
    return findings


# ---------------------------------------------------------------- ping evidence (vmotion_connectivity's results)
# A host's facts may carry "connectivity": {"failing": [pair results blamed on it], "cut_off": [indexes]}
# (_connectivity.host_evidence). Hosts without it are left out.

PATH_FAILURES = ("no_path", "link_down", "packet_loss", "error", "no_address")


def _blamed(view, verdicts):
    """{index: [failing pairs]} blamed on this host with one of ``verdicts``."""
    found = {}
    for pair in (view["connectivity"] or {}).get("failing") or ():
        if isinstance(pair, dict) and pair.get("verdict") in verdicts:
            found.setdefault(pair.get("index"), []).append(pair)
    return found


def _peer(view, pair):
    return pair.get("destination") if pair.get("source") == view["name"] else pair.get("source")


def _path_mtu_too_small(view, opts, context):
    findings = []
    for index, pairs in sorted(_blamed(view, ("mtu_too_small",)).items(), key=lambda item: natural_key(item[0])):
        peers = [_peer(view, p) for p in pairs]
        findings.append(_finding(
            "PATH_MTU_TOO_SMALL",
            "%s %s: %d-byte pings with DF (MTU %s) get no answer from %s while small pings do; some switch, island or peer on the path "
            "carries a smaller MTU, so full-size vMotion frames are dropped. Raise the MTU end to end (physical switches included) or "
            "lower the vmk MTU." % (view["name"], index, pairs[0].get("size") or 0, pairs[0].get("mtu"), _some(peers)),
            device=index, peers=peers, mtu=pairs[0].get("mtu"),
        ))
    return findings


def _path_failed(view, opts, context):
    findings = []
    cut_off = set((view["connectivity"] or {}).get("cut_off") or ())
    for index, pairs in sorted(_blamed(view, PATH_FAILURES).items(), key=lambda item: natural_key(item[0])):
        peers = [_peer(view, p) for p in pairs]
        verdicts = sorted(set(p.get("verdict") for p in pairs))
        where = ("it reaches none of its peers on this index while they reach each other, so the cause is on its side (its cable, "
                 "switch port or link: see UPLINK_DOWN and SPLIT_ISLAND)" if index in cut_off else "no answer from %s" % _some(peers))
        findings.append(_finding(
            "PATH_FAILED",
            "%s %s: pings fail (%s): %s. Migrations between these hosts lose this stream." % (view["name"], index, _names(verdicts), where),
            device=index, peers=peers,
        ))
    return findings


# ---------------------------------------------------------------- the rules

# code -> Rule(default severity, scope, check function, what it means); the single list of every rule.
RULES = {
    "VMOTION_DISABLED": Rule("critical", HOST, _vmotion_disabled, "a vmk in a vMotion port group, subnet or index has vMotion disabled"),
    "NO_VMOTION_VMK": Rule("critical", HOST, _no_vmotion_vmk, "the host has no vMotion-enabled vmk"),
    "VMOTION_ON_MANAGEMENT": Rule("warning", HOST, _vmotion_on_management,
                                  "vMotion is enabled on the management vmk besides dedicated vMotion vmks"),
    "VMOTION_DHCP": Rule("warning", HOST, _vmotion_dhcp,
                         "a vMotion vmk takes its address from DHCP (critical when it holds no lease)"),
    "NO_ACTIVE_UPLINK": Rule("critical", HOST, _no_active_uplink, "a vMotion port group has no active uplink"),
    "MTU_ABOVE_SWITCH": Rule("critical", HOST, _mtu_above_switch, "a vmk's MTU is above its switch's MTU"),
    "SUBNET_OVERLAP": Rule("critical", HOST, _subnet_overlap, "two vmks of one host on one TCP/IP stack have overlapping, different subnets"),
    "MULTIPLE_ACTIVE_UPLINKS": Rule("warning", HOST, _multiple_active_uplinks, "a vMotion port group has more than one active uplink"),
    "STANDBY_NOT_UNUSED": Rule("warning", HOST, _standby_not_unused, "a vMotion port group has standby uplinks where unused was asked"),
    "UNUSED_NOT_STANDBY": Rule("warning", HOST, _unused_not_standby,
                               "a vMotion port group has unused uplinks where standby was asked (info if it has a standby)"),
    "TEAMING_INHERITED": Rule("warning", HOST, _teaming_inherited, "a vMotion port group inherits teaming from a switch with several uplinks"),
    "SHARED_ACTIVE_UPLINK": Rule("warning", HOST, _shared_active_uplink, "several vMotion vmks are active on the same uplink"),
    "SUBNET_SHARED": Rule("warning", HOST, _subnet_shared, "several vMotion vmks of one host share a subnet (one subnet per index expected)"),
    "MIXED_NETSTACKS": Rule("warning", HOST, _mixed_netstacks, "vMotion vmks are split between the vmotion and another TCP/IP stack"),
    "SUBNET_MISMATCH": Rule("critical", FLEET, _subnet_mismatch,
                            "a vMotion index sits in another subnet than on the rest of the fleet (info if another vmk covers it)"),
    "INDEX_MISSING": Rule("warning", FLEET, _index_missing, "a host lacks a vMotion index the fleet uses (info if another vmk covers its subnet)"),
    "MTU_MISMATCH": Rule("warning", FLEET, _mtu_mismatch, "a vMotion index has another MTU than on the rest of the fleet"),
    "DUPLICATE_IP": Rule("critical", FLEET, _duplicate_ip, "one IP address is used by several vmks"),
    "VMOTION_MINORITY": Rule("warning", FLEET, _vmotion_minority, "vMotion is enabled in a subnet where most vmks of the fleet have it disabled"),
    # uplink evidence: hosts read with their pnics (vmk_vmotion_facts' opt-in); others are left out
    "UPLINK_DOWN": Rule("critical", HOST, _uplink_down, "every active uplink of a vMotion vmk reports no link"),
    "SUBNET_NOT_OBSERVED": Rule("warning", FLEET, _subnet_not_observed,
                                "a vMotion vmk's active uplink has not observed its subnet or VLAN, which the index's uplinks of other hosts observe"),
    "SPLIT_ISLAND": Rule("critical", FLEET, _split_island,
                         "a vMotion index's active uplinks are cabled into switches that observe disjoint subnets (separate islands)"),
    "UPLINK_SPEED_MISMATCH": Rule("warning", FLEET, _uplink_speed_mismatch,
                                  "a vMotion index's active uplink links at another speed than on the rest of the fleet"),
    "UPLINK_MTU_MISMATCH": Rule("warning", FLEET, _uplink_mtu_mismatch,
                                "the switch port of a vMotion index's active uplink reports another MTU than the index's (critical below the vmk MTU)"),
    # ping evidence: hosts audited with vmotion_connectivity's results; others are left out
    "PATH_MTU_TOO_SMALL": Rule("critical", HOST, _path_mtu_too_small, "DF pings of the vmk's MTU get no answer while small pings do"),
    "PATH_FAILED": Rule("critical", HOST, _path_failed, "pings between vmks of a vMotion index get no answer (no path, link down, losses)"),
}

# The codes of each scope, for callers that tell host findings from cross-host ones.
HOST_CODES = tuple(sorted(code for code, rule in RULES.items() if rule.scope == HOST))
FLEET_CODES = tuple(sorted(code for code, rule in RULES.items() if rule.scope == FLEET))
# The cross-host rules of the uplink evidence: what vmk_vmotion_facts adds to its hosts' own findings with uplinks.
UPLINK_FLEET_CODES = ("SPLIT_ISLAND", "SUBNET_NOT_OBSERVED", "UPLINK_MTU_MISMATCH", "UPLINK_SPEED_MISMATCH")


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


# ---------------------------------------------------------------- stream pairing


def _signature(view, opts, context):
    """What decides a host's streams: its vMotion candidates as (device, enabled, networks), host names and IPs left out."""
    return tuple((vmk["device"], vmk["enabled"], tuple(vmk["networks"])) for vmk, dummy in _candidates(view, opts, context["subnets"]))


def _match(sig_a, sig_b):
    """Maximum one-to-one matching of usable vmks sharing a subnet; same device names are paired first for a stable, readable result."""
    usable_a = [e for e in sig_a if e[1] and e[2]]
    usable_b = [e for e in sig_b if e[1] and e[2]]
    edges = [[j for j, b in enumerate(usable_b) if set(a[2]) & set(b[2])] for a in usable_a]
    owner = {}  # index in usable_b -> index in usable_a
    for i, a in enumerate(usable_a):
        for j in edges[i]:
            if usable_b[j][0] == a[0] and j not in owner:
                owner[j] = i
                break

    def augment(i, seen):
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    matched_a = set(owner.values())
    for i in range(len(usable_a)):
        if i not in matched_a and augment(i, set()):
            matched_a = set(owner.values())
    pairs = []
    for j, i in owner.items():
        common = sorted(set(usable_a[i][2]) & set(usable_b[j][2]), key=lambda n: (":" in n, n))
        pairs.append({"source": usable_a[i][0], "destination": usable_b[j][0], "subnet": common[0]})
    pairs.sort(key=lambda p: natural_key(p["source"]))
    return pairs


def _unmatched(sig, other, used):
    """The vmks of ``sig`` left without a partner, each with its PAIR_REASONS code and its subnets."""
    usable_other = set(n for e in other if e[1] for n in e[2])
    result = []
    for device, enabled, nets in sig:
        if device in used:
            continue
        if not enabled:
            reason = "VMOTION_OFF"
        elif not nets:
            reason = "NO_SUBNET"
        elif not usable_other & set(nets):
            reason = "PEER_HAS_NONE"
        else:
            reason = "PEER_ALL_PAIRED"
        result.append({"device": device, "reason": reason, "networks": list(nets)})
    return result


def _pair_result(sig_a, sig_b):
    matched = _match(sig_a, sig_b)
    streams = len(matched)
    expected = min(len(sig_a), len(sig_b))
    return {
        "streams": streams,
        "expected": expected,
        "lost": expected - streams,
        "fails": streams == 0,
        "matched": matched,
        "unmatched_source": _unmatched(sig_a, sig_b, set(p["source"] for p in matched)),
        "unmatched_destination": _unmatched(sig_b, sig_a, set(p["destination"] for p in matched)),
    }


def _mirror(result):
    mirrored = dict(result)
    mirrored["matched"] = sorted(({"source": p["destination"], "destination": p["source"], "subnet": p["subnet"]} for p in result["matched"]),
                                 key=lambda p: natural_key(p["source"]))
    mirrored["unmatched_source"], mirrored["unmatched_destination"] = result["unmatched_destination"], result["unmatched_source"]
    return mirrored


def _pair_state(result):
    if result["fails"]:
        return "failing"
    return "degraded" if result["lost"] > 0 else "healthy"


def _pairing_summary(names, outcomes, signatures):
    """The summary of stream_pairing from [(source, destination, state, streams)] of every ordered pair."""
    counts = {"healthy": 0, "degraded": 0, "failing": 0}
    listed = {"failing": [], "degraded": []}
    per_host = dict((n, {"failing": 0, "degraded": 0, "min_streams": None, "max_streams": None}) for n in names)
    for source, destination, state, streams in outcomes:
        stats = per_host[source]
        counts[state] += 1
        if state != "healthy":
            stats[state] += 1
            listed[state].append([source, destination])
        stats["min_streams"] = streams if stats["min_streams"] is None else min(stats["min_streams"], streams)
        stats["max_streams"] = streams if stats["max_streams"] is None else max(stats["max_streams"], streams)
    return {
        "hosts": len(names),
        "pairs": len(names) * (len(names) - 1),
        "healthy": counts["healthy"],
        "degraded": counts["degraded"],
        "failing": counts["failing"],
        "failing_pairs": listed["failing"],
        "degraded_pairs": listed["degraded"],
        "by_host": per_host,
        "signatures": signatures,
    }


def stream_pairing(hosts, options=None):
    """How many vMotion streams a migration gets between every ordered pair of hosts.

    A vmk of A pairs with a vmk of B when both have vMotion enabled and share a
    subnet (IPv4, or a global IPv6 prefix); each vmk pairs once (a maximum
    matching). ``expected`` is the smaller count of vMotion candidates of the
    two hosts, so a disabled or misplaced vMotion port counts as a lost stream.
    Hosts with the same signature are computed once, which keeps a 256-host
    fleet (65,280 pairs) cheap.

    Returns ``{"pairs": [...], "summary": {...}}``.
    """
    opts = _normalize_options(options)
    views = _views(hosts, opts)
    context = _fleet_context(views, opts)
    signatures = {}
    host_signature = {}
    for view in views:
        host_signature[view["name"]] = signatures.setdefault(_signature(view, opts, context), len(signatures))
    by_id = dict((i, s) for s, i in signatures.items())
    cache = {}

    def result_for(ia, ib):
        if (ia, ib) not in cache:
            cache[(ia, ib)] = _mirror(cache[(ib, ia)]) if (ib, ia) in cache else _pair_result(by_id[ia], by_id[ib])
        return cache[(ia, ib)]

    names = [v["name"] for v in views]
    pairs, outcomes = [], []
    for source in names:
        for destination in names:
            if source == destination:
                continue
            result = result_for(host_signature[source], host_signature[destination])
            state = _pair_state(result)
            outcomes.append((source, destination, state, result["streams"]))
            if state != "healthy" or opts["include_healthy"]:
                pair = {"source": source, "destination": destination}
                pair.update(result)
                pairs.append(pair)
    return {"pairs": pairs, "summary": _pairing_summary(names, outcomes, len(signatures))}
