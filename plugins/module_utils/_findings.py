# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure findings rules over vMotion facts: one host, a fleet, and stream pairing.

Input is the plain per-host dict that ``vmk_vmotion_facts`` produces
(``name``, ``mgmt_ip``, ``switches``, ``portgroups``, ``vmks``...). Nothing
here talks to vSphere or Ansible.

Finding::

    {"code": "VMOTION_DISABLED", "severity": "critical", "message": "...",
     "device": "vmk3", "portgroup": "vMotion-3"}

``device`` and ``portgroup`` are present when the finding is about one vmk or
port group. Some rules add context keys: ``devices`` (every vmk involved),
``switch``, ``uplinks``, ``subnet``, ``expected_subnet``, ``suggested_ip``,
``mtu``, ``expected_mtu``, ``ip``, ``peers`` (hosts the problem cuts this host
off from), ``others`` (other "host device" users of a duplicate IP). Fleet
findings also carry ``host``.

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
    Devices treated as management vmks besides those carrying the
    ``management`` service. A management vmk is never asked to enable vMotion.
``ignore``
    Finding codes to drop.
``include_healthy``
    ``stream_pairing`` only: ``false`` lists only pairs that fail or lose
    streams (the summary still counts all). Default ``true``.

Severity: ``critical`` when a configured vMotion port carries no stream
(migrations lose streams or fail) or a frame size breaks traffic;
``warning`` for designs that waste bandwidth or fail over badly, and fleet
inconsistencies that lose no stream; ``info`` for cosmetic drift.

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
    "unmatched_source": [{"device", "reason"}], "unmatched_destination": [...]}],
    "summary": {"hosts", "pairs", "healthy", "degraded", "failing",
    "failing_pairs": [[source, destination]], "degraded_pairs": [...],
    "by_host": {host: {"failing", "degraded", "min_streams", "max_streams"}},
    "signatures"}}``. Pair entries share nested lists between host pairs with
    the same signature: treat them as read-only.
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

try:
    import netaddr

    HAS_NETADDR = True
except ImportError:  # pragma: no cover - reported by the callers
    HAS_NETADDR = False

from ansible_collections.multinic.vmotion.plugins.module_utils._layout import (
    LayoutError,
    parse_subnet,
    vmotion_ip,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._problems import ProblemsError

SEVERITIES = ("info", "warning", "critical")
FAILOVER_CHECKS = ("unused", "standby", "any")
DEFAULT_PORTGROUP_PATTERN = "(?i)vmotion"
VMOTION_NETSTACK = "vmotion"

# code -> (default severity, what it means); the single list of every rule.
RULES = {
    "VMOTION_DISABLED": ("critical", "a vmk in a vMotion port group, subnet or index has vMotion disabled"),
    "NO_VMOTION_VMK": ("critical", "the host has no vMotion-enabled vmk"),
    "NO_ACTIVE_UPLINK": ("critical", "a vMotion port group has no active uplink"),
    "MTU_ABOVE_SWITCH": ("critical", "a vmk's MTU is above its switch's MTU"),
    "MULTIPLE_ACTIVE_UPLINKS": ("warning", "a vMotion port group has more than one active uplink"),
    "STANDBY_NOT_UNUSED": ("warning", "a vMotion port group has standby uplinks where unused was asked"),
    "UNUSED_NOT_STANDBY": ("warning", "a vMotion port group has unused uplinks where standby was asked (info if it has a standby)"),
    "TEAMING_INHERITED": ("warning", "a vMotion port group inherits teaming from a switch with several uplinks"),
    "SHARED_ACTIVE_UPLINK": ("warning", "several vMotion vmks are active on the same uplink"),
    "SUBNET_SHARED": ("warning", "several vMotion vmks of one host share a subnet (one subnet per index expected)"),
    "MIXED_NETSTACKS": ("warning", "vMotion vmks are split between the vmotion and another TCP/IP stack"),
    "SUBNET_MISMATCH": ("critical", "a vMotion index sits in another subnet than on the rest of the fleet (info if another vmk covers it)"),
    "INDEX_MISSING": ("warning", "a host lacks a vMotion index the fleet uses (info if another vmk covers its subnet)"),
    "MTU_MISMATCH": ("warning", "a vMotion index has another MTU than on the rest of the fleet"),
    "DUPLICATE_IP": ("critical", "one IP address is used by several vmks"),
    "VMOTION_MINORITY": ("warning", "vMotion is enabled in a subnet where most vmks of the fleet have it disabled"),
}

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


class FindingsError(ProblemsError):
    """Bad options or a missing library; ``problems`` lists every problem."""


# ---------------------------------------------------------------- helpers


def _natural_key(text):
    """'vmk10' after 'vmk9', '192.168.100.110' after '192.168.100.99'."""
    parts = re.split(r"(\d+)", "" if text is None else str(text))
    # split() alternates text/number, so equal positions always compare like with like
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def _rank(severity):
    return SEVERITIES.index(severity)


def _finding_key(finding):
    return (
        -_rank(finding["severity"]),
        finding["code"],
        _natural_key(finding.get("device")),
        finding.get("portgroup") or "",
        finding["message"],
    )


def _fleet_finding_key(finding):
    return (-_rank(finding["severity"]), _natural_key(finding.get("host"))) + _finding_key(finding)[1:]


def _finding(code, message, severity=None, **context):
    finding = {"code": code, "severity": severity or RULES[code][0], "message": message}
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
    if not HAS_NETADDR:
        problems.append("the Python library 'netaddr' is required (pip install netaddr)")
        raise FindingsError(problems)

    if opts["failover"] not in FAILOVER_CHECKS:
        problems.append("failover %r must be one of %s" % (opts["failover"], ", ".join(FAILOVER_CHECKS)))
    pattern = opts["vmotion_portgroup_pattern"]
    opts["pattern"] = None
    if pattern:
        try:
            opts["pattern"] = re.compile(pattern)
        except (re.error, TypeError) as e:
            problems.append("vmotion_portgroup_pattern %r is not a valid regular expression: %s" % (pattern, e))

    for key in ("vmotion_subnets", "vmotion_devices", "management_devices", "ignore"):
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
    for key in ("one_vmk_per_subnet", "include_healthy"):
        if not isinstance(opts[key], bool):
            problems.append("%s must be a boolean, got %r" % (key, opts[key]))
    if problems:
        raise FindingsError(problems)
    return opts


# ---------------------------------------------------------------- addresses


def _ipv4(vmk):
    """(address, subnet) as strings; subnet None when there is no usable mask, both None without an address."""
    text = vmk.get("ip")
    if not text or text == "0.0.0.0":
        return None, None
    try:
        address = netaddr.IPAddress(str(text).split("/", 1)[0], flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None, None
    prefix = vmk.get("prefix_length")
    if prefix is None and vmk.get("netmask"):
        try:
            prefix = netaddr.IPAddress(vmk["netmask"]).netmask_bits()
        except (netaddr.AddrFormatError, ValueError, TypeError):
            prefix = None
    if prefix is None:
        return str(address), None
    try:
        return str(address), str(netaddr.IPNetwork("%s/%s" % (address, int(prefix))).cidr)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return str(address), None


def _ipv6(vmk):
    """[(address, subnet or None)] for global IPv6 addresses; link-local ones say nothing about reachability."""
    result = []
    for item in vmk.get("ipv6") or ():
        if isinstance(item, dict):
            text = item.get("address") or item.get("ip")
            prefix = item.get("prefix_length", item.get("prefix"))
        else:
            text, prefix = str(item), None
        if not text:
            continue
        if "/" in str(text):
            text, prefix = str(text).split("/", 1)
        try:
            address = netaddr.IPAddress(text, flags=netaddr.INET_PTON)
        except (netaddr.AddrFormatError, ValueError, TypeError):
            continue
        if address.version != 6 or address.is_link_local():
            continue
        subnet = None
        if prefix is not None:
            try:
                subnet = str(netaddr.IPNetwork("%s/%s" % (address, int(prefix))).cidr)
            except (netaddr.AddrFormatError, ValueError, TypeError):
                subnet = None
        result.append((str(address), subnet))
    return sorted(result)


# ---------------------------------------------------------------- host view


def _vmk_view(vmk, opts):
    services = list(vmk.get("services") or ())
    device = vmk.get("device")
    ip, subnet = _ipv4(vmk)
    v6 = _ipv6(vmk)
    networks = sorted(set(([subnet] if subnet else []) + [s for a, s in v6 if s]))
    return {
        "device": device,
        "portgroup": vmk.get("portgroup"),
        "switch": vmk.get("switch"),
        "ip": ip,
        "prefix_length": vmk.get("prefix_length"),
        "subnet": subnet or (networks[0] if networks else None),
        "networks": networks,
        "addresses": ([ip] if ip else []) + [a for a, s in v6],
        "mtu": vmk.get("mtu"),
        "netstack": vmk.get("netstack"),
        "enabled": bool(vmk.get("vmotion")) or "vmotion" in services or vmk.get("netstack") == VMOTION_NETSTACK,
        "management": "management" in services or device in opts["management_devices"],
    }


def _host_view(name, host, opts):
    host = host or {}
    name = name or host.get("name") or host.get("mgmt_ip") or "?"
    vmks = sorted((_vmk_view(v, opts) for v in host.get("vmks") or () if isinstance(v, dict)), key=lambda v: _natural_key(v["device"]))
    return {
        "name": str(name),
        "mgmt_ip": host.get("mgmt_ip"),
        "vmks": vmks,
        "switches": dict((s.get("name"), s) for s in host.get("switches") or () if isinstance(s, dict)),
        "portgroups": [p for p in host.get("portgroups") or () if isinstance(p, dict)],
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


def _address_text(vmk):
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


# ---------------------------------------------------------------- host rules


def _teaming_findings(view, portgroup, carried, opts):
    """Rules on one vMotion port group's effective teaming."""
    host, name, switch_name = view["name"], portgroup.get("name"), portgroup.get("switch")
    teaming = portgroup.get("teaming")
    if not isinstance(teaming, dict):
        return []
    active = list(teaming.get("active") or ())
    standby = list(teaming.get("standby") or ())
    unused = list(teaming.get("unused") or ())
    wanted = {"unused": "unused", "standby": "standby"}.get(opts["failover"], "unused or standby")
    vmks = " (carries %s)" % _names(carried) if carried else ""
    device = carried[0] if carried else None
    where = "%s: vMotion port group %r on %s%s" % (host, name, switch_name, vmks)
    findings = []
    if len(active) > 1:
        findings.append(_finding(
            "MULTIPLE_ACTIVE_UPLINKS",
            "%s has %d active uplinks (%s); a vMotion vmk sends on one uplink at a time, so the others add no bandwidth. "
            "Keep one active uplink and make the others %s." % (where, len(active), _names(active), wanted),
            device=device, portgroup=name, switch=switch_name, uplinks=active,
        ))
    elif not active:
        findings.append(_finding(
            "NO_ACTIVE_UPLINK",
            "%s has no active uplink (standby: %s, unused: %s); its vmks carry no traffic. Make one uplink active."
            % (where, _names(standby), _names(unused)),
            device=device, portgroup=name, switch=switch_name, uplinks=[],
        ))
    if opts["failover"] == "unused" and standby:
        findings.append(_finding(
            "STANDBY_NOT_UNUSED",
            "%s has standby uplink(s) %s where unused is asked; after a NIC failure two vMotion vmks would share one uplink. "
            "Make them unused, or set failover to standby if that is the design." % (where, _names(standby)),
            device=device, portgroup=name, switch=switch_name, uplinks=standby,
        ))
    if opts["failover"] == "standby" and unused:
        # with some standby the vmk still fails over; with none it goes dark with its NIC
        consequence = "the vmk cannot fail over to them" if standby else "the vmk has no uplink to fail over to"
        findings.append(_finding(
            "UNUSED_NOT_STANDBY",
            "%s leaves uplink(s) %s unused where standby is asked; %s. Make them standby." % (where, _names(unused), consequence),
            severity="info" if standby else "warning",
            device=device, portgroup=name, switch=switch_name, uplinks=unused,
        ))
    switch = view["switches"].get(switch_name) or {}
    switch_uplinks = list(switch.get("uplinks") or ())
    if teaming.get("inherited") and len(switch_uplinks) > 1:
        findings.append(_finding(
            "TEAMING_INHERITED",
            "%s inherits its teaming from the switch, which has %d uplinks (%s); any change on the switch moves the vmk. "
            "Override the teaming on the port group: one active uplink, the others %s." % (where, len(switch_uplinks), _names(switch_uplinks), wanted),
            device=device, portgroup=name, switch=switch_name, uplinks=switch_uplinks,
        ))
    return findings


def _host_rules(view, opts, fleet_subnets=None):
    host = view["name"]
    vmks = view["vmks"]
    subnets = _vmotion_subnets(view, opts, fleet_subnets)
    devices = opts["vmotion_devices"]
    findings = []

    candidates = []
    for vmk in vmks:
        reasons = _candidate_reasons(vmk, opts, subnets, devices)
        if vmk["enabled"] or reasons:
            candidates.append(vmk)
        if reasons and not vmk["enabled"]:
            findings.append(_finding(
                "VMOTION_DISABLED",
                "%s %s (%s, port group %r) has vMotion disabled although %s; migrations to and from %s lose this stream "
                "or fail. Enable the vMotion service on %s." % (host, vmk["device"], _address_text(vmk), vmk["portgroup"],
                                                                " and ".join(reasons), host, vmk["device"]),
                device=vmk["device"], portgroup=vmk["portgroup"], subnet=vmk["subnet"],
            ))

    for vmk in vmks:
        switch = view["switches"].get(vmk["switch"]) or {}
        if isinstance(vmk["mtu"], int) and isinstance(switch.get("mtu"), int) and vmk["mtu"] > switch["mtu"]:
            findings.append(_finding(
                "MTU_ABOVE_SWITCH",
                "%s %s (port group %r) has MTU %d above the MTU %d of switch %s; larger frames are dropped. "
                "Raise the switch MTU to %d or lower the vmk MTU to %d."
                % (host, vmk["device"], vmk["portgroup"], vmk["mtu"], switch["mtu"], vmk["switch"], vmk["mtu"], switch["mtu"]),
                device=vmk["device"], portgroup=vmk["portgroup"], switch=vmk["switch"], mtu=vmk["mtu"], expected_mtu=switch["mtu"],
            ))

    enabled = [v for v in vmks if v["enabled"]]
    if not enabled:
        findings.append(_finding(
            "NO_VMOTION_VMK",
            "%s has no VMkernel adapter with vMotion enabled, so it can neither send nor receive a vMotion. "
            "Enable vMotion on its vMotion vmks (or create them)." % host,
        ))

    # a port group is a vMotion port group if it carries a vMotion candidate or its name says so
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
    for key in sorted(targets, key=lambda k: (k[0] or "", k[1] or "")):
        findings.extend(_teaming_findings(view, targets[key], carried.get(key, []), opts))

    # vMotion vmks whose port groups share an active uplink share one NIC's bandwidth
    by_uplink = {}
    for vmk in enabled:
        portgroup = _find_portgroup(view, vmk["portgroup"], vmk["switch"]) if vmk["portgroup"] else None
        teaming = (portgroup or {}).get("teaming") or {}
        for uplink in teaming.get("active") or ():
            by_uplink.setdefault((portgroup.get("switch") or vmk["switch"], uplink), []).append(vmk)
    for (switch, uplink), users in sorted(by_uplink.items(), key=lambda i: (i[0][0] or "", _natural_key(i[0][1]))):
        if len(users) > 1:
            labels = ["%s (%s)" % (v["device"], v["portgroup"]) for v in users]
            findings.append(_finding(
                "SHARED_ACTIVE_UPLINK",
                "%s: vMotion vmks %s are all active on uplink %s of %s, so they share one NIC's bandwidth. "
                "Give each vMotion vmk its own port group with its own active uplink." % (host, _names(labels), uplink, switch),
                device=users[0]["device"], portgroup=users[0]["portgroup"], switch=switch, uplinks=[uplink], devices=[v["device"] for v in users],
            ))

    if opts["one_vmk_per_subnet"]:
        by_subnet = {}
        for vmk in enabled:
            for network in vmk["networks"]:
                by_subnet.setdefault(network, []).append(vmk)
        for subnet in sorted(by_subnet):
            users = by_subnet[subnet]
            if len(users) > 1:
                findings.append(_finding(
                    "SUBNET_SHARED",
                    "%s: vMotion vmks %s are all in subnet %s while the layout expects one subnet per vmk index; vmkN only pairs with vmkN of the "
                    "other hosts when each index has its own subnet. Readdress them to their index's subnet, or set one_vmk_per_subnet to false "
                    "for a single-subnet design." % (host, _names(v["device"] for v in users), subnet),
                    device=users[0]["device"], portgroup=users[0]["portgroup"], subnet=subnet, devices=[v["device"] for v in users],
                ))

    on_vmotion_stack = [v["device"] for v in enabled if v["netstack"] == VMOTION_NETSTACK]
    elsewhere = [v for v in enabled if v["netstack"] != VMOTION_NETSTACK]
    if on_vmotion_stack and elsewhere:
        stacks = sorted(set(str(v["netstack"] or "defaultTcpipStack") for v in elsewhere))
        others = [v["device"] for v in elsewhere]
        findings.append(_finding(
            "MIXED_NETSTACKS",
            "%s: vMotion is enabled on %s in the vmotion TCP/IP stack and on %s in the %s stack; once a vmk uses the vmotion stack, vMotion "
            "uses only that stack, so %s carry no vMotion traffic. Recreate them in the vmotion stack (the stack is fixed at creation) or "
            "disable vMotion on them." % (host, _names(on_vmotion_stack), _names(others), _names(stacks), _names(others)),
            device=others[0], portgroup=elsewhere[0]["portgroup"], devices=on_vmotion_stack + others,
        ))

    return [f for f in findings if f["code"] not in opts["ignore"]]


def host_findings(host, options=None):
    """Findings of one host's facts dict, worst first, then by code and device."""
    opts = _normalize_options(options)
    view = _host_view(None, host, opts)
    return sorted(_host_rules(view, opts), key=_finding_key)


# ---------------------------------------------------------------- fleet


def _majority(values):
    """(most common value, its count); ties go to the smallest value so the result never depends on input order."""
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    if not counts:
        return None, 0
    best = sorted(counts.items(), key=lambda item: (-item[1], _natural_key(item[0])))[0]
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
    doubles = sorted(doubles, key=_natural_key)
    if doubles:
        raise FindingsError(["host name(s) %s appear more than once" % _names(doubles)])
    return sorted(views, key=lambda v: _natural_key(v["name"]))


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


def _fleet_context(views, opts):
    subnets, minority = _fleet_subnets(views, opts)
    return {"subnets": subnets, "minority": minority, "indexes": _fleet_indexes(views, opts)}


def _suggest(view, subnet):
    try:
        return vmotion_ip(view["mgmt_ip"], subnet)
    except LayoutError:
        return None


def _placement_finding(view, device, vmk, subnet, subnet_count, users, fleet_size, peers):
    """INDEX_MISSING or SUBNET_MISMATCH for one host; mild when another vMotion vmk of the host already covers the subnet."""
    host = view["name"]
    suggested = _suggest(view, subnet)
    suggestion = " (%s)" % suggested if suggested else ""
    others = [p for p in peers if p != host]
    stand_in = [v["device"] for v in view["vmks"] if v["enabled"] and v["device"] != device and subnet in v["networks"]]
    if stand_in:
        # streams still flow through the stand-in; only the index -> device mapping differs from the fleet
        what = "has no %s" % device if vmk is None else "has %s in %s" % (device, vmk["subnet"] or "no IP subnet")
        return _finding(
            "INDEX_MISSING" if vmk is None else "SUBNET_MISMATCH",
            "%s %s, but its %s carries vMotion in %s, which the fleet uses for %s; no stream is lost, only the index-to-device mapping "
            "differs from the other hosts. Align it when convenient." % (host, what, _names(stand_in), subnet, device),
            severity="info", host=host, device=device, portgroup=vmk["portgroup"] if vmk else None,
            subnet=vmk["subnet"] if vmk else None, expected_subnet=subnet, devices=stand_in, peers=[],
        )
    if vmk is None:
        return _finding(
            "INDEX_MISSING",
            "%s has no %s, which %d of %d hosts use for vMotion in %s; migrations between %s and them get one stream fewer. "
            "Create %s in %s%s." % (host, device, users, fleet_size, subnet, host, device, subnet, suggestion),
            host=host, device=device, expected_subnet=subnet, suggested_ip=suggested, peers=others,
        )
    where = "in %s" % vmk["subnet"] if vmk["subnet"] else "without an IP subnet"
    state = "" if vmk["enabled"] else " and vMotion disabled"
    return _finding(
        "SUBNET_MISMATCH",
        "%s %s (port group %r) is %s%s but %s is in %s on %d of %d hosts; with one subnet per index it reaches no %s of the %d hosts with "
        "vMotion there, so migrations between %s and %s lose this stream. Move %s to %s%s."
        % (host, device, vmk["portgroup"], where, state, device, subnet, subnet_count, users, device, len(others), host, _some(others),
           device, subnet, suggestion),
        host=host, device=device, portgroup=vmk["portgroup"], subnet=vmk["subnet"], expected_subnet=subnet, suggested_ip=suggested,
        peers=others,
    )


def _index_findings(views, context):
    """Per-index consistency: same subnet, present everywhere, same MTU. Returns (findings, indexes summary)."""
    findings = []
    indexes = {}
    names = [v["name"] for v in views]
    by_name = dict((v["name"], v) for v in views)
    for device in sorted(context["indexes"], key=_natural_key):
        users = context["indexes"][device]
        subnet, subnet_count = _majority(v["subnet"] for v in users.values() if v["subnet"])
        mtu, mtu_count = _majority(v["mtu"] for v in users.values() if isinstance(v["mtu"], int))
        indexes[device] = {
            "subnet": subnet,
            "mtu": mtu,
            "hosts": dict((h, {"ip": v["ip"] or (v["addresses"][0] if v["addresses"] else None), "subnet": v["subnet"], "vmotion": v["enabled"],
                               "mtu": v["mtu"]}) for h, v in users.items()),
            "missing": [h for h in names if h not in users],
        }
        peers = [h for h in names if h in users and users[h]["subnet"] == subnet and users[h]["enabled"]]
        for host in names:
            vmk = users.get(host)
            if subnet is not None and (vmk is None or vmk["subnet"] != subnet):
                findings.append(_placement_finding(by_name[host], device, vmk, subnet, subnet_count, len(users), len(names), peers))
            if vmk is None:
                continue
            if mtu is not None and isinstance(vmk["mtu"], int) and vmk["mtu"] != mtu:
                findings.append(_finding(
                    "MTU_MISMATCH",
                    "%s %s (port group %r) has MTU %s but %s has MTU %s on %d of %d hosts; a path with mixed MTUs drops or fragments "
                    "vMotion traffic. Set the MTU of %s to %s."
                    % (host, device, vmk["portgroup"], vmk["mtu"], device, mtu, mtu_count, len(users), device, mtu),
                    host=host, device=device, portgroup=vmk["portgroup"], mtu=vmk["mtu"], expected_mtu=mtu,
                ))
    return findings, indexes


def _duplicate_ip_findings(views):
    users = {}
    for view in views:
        for vmk in view["vmks"]:
            for address in vmk["addresses"]:
                users.setdefault(address, []).append((view["name"], vmk))
    findings = []
    for address in sorted(users, key=_natural_key):
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


def _minority_findings(views, context):
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
        for finding in _host_rules(view, opts, context["subnets"]):
            finding["host"] = view["name"]
            by_host[view["name"]].append(finding)
    index_findings, indexes = _index_findings(views, context)
    extra = index_findings + _duplicate_ip_findings(views) + _minority_findings(views, context)
    for finding in extra:
        if finding["code"] not in opts["ignore"]:
            by_host[finding["host"]].append(finding)
    for name in by_host:
        by_host[name].sort(key=_finding_key)
    findings = sorted((f for fs in by_host.values() for f in fs), key=_fleet_finding_key)
    return {
        "findings": findings,
        "by_host": by_host,
        "indexes": indexes,
        "vmotion_subnets": sorted(context["subnets"], key=_natural_key),
    }


# ---------------------------------------------------------------- stream pairing


def _signature(view, opts, context):
    """What decides a host's streams: its vMotion candidates as (device, enabled, networks), host names and IPs left out."""
    entries = []
    subnets = _vmotion_subnets(view, opts, context["subnets"])
    for vmk in view["vmks"]:
        if vmk["enabled"] or _candidate_reasons(vmk, opts, subnets, opts["vmotion_devices"]):
            entries.append((vmk["device"], vmk["enabled"], tuple(vmk["networks"])))
    return tuple(entries)


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
    pairs.sort(key=lambda p: _natural_key(p["source"]))
    return pairs


def _unmatched(sig, other, used):
    usable_other = set(n for e in other if e[1] for n in e[2])
    result = []
    for device, enabled, networks in sig:
        if device in used:
            continue
        if not enabled:
            reason = "vMotion disabled"
        elif not networks:
            reason = "no IP subnet"
        elif not usable_other & set(networks):
            reason = "no vMotion-enabled vmk of the peer in %s" % _names(networks)
        else:
            reason = "the peer's vMotion vmks in %s are all paired already" % _names(networks)
        result.append({"device": device, "reason": reason})
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
                                 key=lambda p: _natural_key(p["source"]))
    mirrored["unmatched_source"], mirrored["unmatched_destination"] = result["unmatched_destination"], result["unmatched_source"]
    return mirrored


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
        sig = _signature(view, opts, context)
        host_signature[view["name"]] = signatures.setdefault(sig, len(signatures))
    by_id = dict((i, s) for s, i in signatures.items())
    cache = {}

    def result_for(ia, ib):
        if (ia, ib) not in cache:
            if (ib, ia) in cache:
                cache[(ia, ib)] = _mirror(cache[(ib, ia)])
            else:
                cache[(ia, ib)] = _pair_result(by_id[ia], by_id[ib])
        return cache[(ia, ib)]

    names = [v["name"] for v in views]
    pairs = []
    counts = {"healthy": 0, "degraded": 0, "failing": 0}
    failing_pairs, degraded_pairs = [], []
    per_host = dict((n, {"failing": 0, "degraded": 0, "min_streams": None, "max_streams": None}) for n in names)
    for source in names:
        stats = per_host[source]
        for destination in names:
            if source == destination:
                continue
            result = result_for(host_signature[source], host_signature[destination])
            streams = result["streams"]
            if result["fails"]:
                state = "failing"
                failing_pairs.append([source, destination])
            elif result["lost"] > 0:
                state = "degraded"
                degraded_pairs.append([source, destination])
            else:
                state = "healthy"
            counts[state] += 1
            if state != "healthy":
                stats[state] += 1
            stats["min_streams"] = streams if stats["min_streams"] is None else min(stats["min_streams"], streams)
            stats["max_streams"] = streams if stats["max_streams"] is None else max(stats["max_streams"], streams)
            if state != "healthy" or opts["include_healthy"]:
                pair = {"source": source, "destination": destination}
                pair.update(result)
                pairs.append(pair)
    summary = {
        "hosts": len(names),
        "pairs": len(names) * (len(names) - 1),
        "healthy": counts["healthy"],
        "degraded": counts["degraded"],
        "failing": counts["failing"],
        "failing_pairs": failing_pairs,
        "degraded_pairs": degraded_pairs,
        "by_host": per_host,
        "signatures": len(signatures),
    }
    return {"pairs": pairs, "summary": summary}
