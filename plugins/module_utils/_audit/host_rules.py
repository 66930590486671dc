# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules over one host: check(view, opts, context) -> [findings]."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import _finding, _names
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.fleet_view import _address_text, _find_portgroup, _static_text
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import DEFAULT_NETSTACK, VMOTION_NETSTACK, natural_key, overlap


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
