# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules across the fleet: check(views, opts, context) -> [findings], each finding naming its host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.finding import _finding, _names, _some
from ansible_collections.multinic.vmotion.plugins.module_utils._core.address_rule import LayoutError, vmotion_ip
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key


def _suggest(view, subnet, host_bits):
    try:
        return vmotion_ip(view["mgmt_ip"], subnet, host_bits=host_bits)
    except LayoutError:
        return None


def _misplaced(views, opts, context, missing):
    """(view, device, vmk, majority, suggestion text, peers) where a host's index is not in the fleet's subnet.

    ``missing`` picks the hosts without the index (vmk None) or those that have it elsewhere.
    """
    for device in sorted(context["indexes"], key=natural_key):
        users, majority = context["indexes"][device], context["majorities"][device]
        if majority["subnet"] is None:
            continue
        for view in views:
            vmk = users.get(view["name"])
            if (vmk is None) == missing and (vmk is None or (vmk["subnet"] != majority["subnet"] and not majority["routed"])):
                # a routed index has a subnet per group of hosts: no address in the majority's subnet is suggested
                suggested = None if majority["routed"] else _suggest(view, majority["subnet"], opts["host_bits"])
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
    for view, device, dummy, index, suggested, others in _misplaced(views, opts, context, missing=True):
        host, subnet = view["name"], index["subnet"]
        findings.append(_stand_in_finding("INDEX_MISSING", view, device, None, subnet) or _finding(
            "INDEX_MISSING",
            "%s has no %s, which %d of %d hosts use for vMotion %s; migrations between %s and them get one stream fewer. "
            "Create %s %s." % (host, device, index["users"], index["fleet"], "routed (a subnet per group of hosts)" if index["routed"] else "in " + subnet,
                               host, device, "in its group's subnet, with a gateway on the same TCP/IP stack as the others" if index["routed"]
                               else "in %s%s" % (subnet, " (%s)" % suggested if suggested else "")),
            host=host, device=device, expected_subnet=subnet, suggested_ip=suggested, peers=others,
        ))
    return findings


def _subnet_mismatch(views, opts, context):
    findings = []
    for view, device, vmk, index, suggested, others in _misplaced(views, opts, context, missing=False):
        if vmk["dhcp"] is False and vmk["enabled"]:
            continue  # VMOTION_DHCP: the lease is missing, not the subnet
        host, subnet = view["name"], index["subnet"]
        users = context["indexes"][device]
        routing = sorted((h for h, v in users.items() if v["enabled"] and v["gateway"]), key=natural_key)
        if vmk["gateway"] and vmk["enabled"]:
            findings.append(_unrouted_peers(view, device, vmk, index, users))
            continue
        if vmk["enabled"] and vmk["subnet"] and 2 * len(routing) >= index["users"]:
            # most of the index routes: this vmk lacks its gateway, not an address in another rack's subnet
            findings.append(_finding(
                "SUBNET_MISMATCH",
                "%s %s (port group %r) is in %s with no gateway, while %d of %d hosts route %s through a gateway (%s); it reaches no "
                "other subnet, so migrations between %s and hosts outside %s lose this stream. Give it a gateway on the %s TCP/IP "
                "stack (its own, or the stack's default gateway) that routes to the other subnets."
                % (host, device, vmk["portgroup"], vmk["subnet"], len(routing), index["users"], device, _some(routing), host, vmk["subnet"],
                   users[routing[0]]["netstack"]),
                host=host, device=device, portgroup=vmk["portgroup"], subnet=vmk["subnet"], expected_subnet=subnet, suggested_ip=None,
                peers=routing))
            continue
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


def _unrouted_peers(view, device, vmk, index, users):
    """SUBNET_MISMATCH of a routed vmk (it has a gateway) whose index is not routed end to end: the peers without a gateway
    reach no other subnet. The advice is the missing gateways, never an address that would undo the routed design."""
    unrouted = sorted((h for h, v in users.items() if v["enabled"] and v["subnet"] and not v["gateway"]), key=natural_key)
    return _finding(
        "SUBNET_MISMATCH",
        "%s %s (port group %r) is in %s and routed through %s, but %s of %s has no gateway on %s, so it reaches no other subnet "
        "and migrations between %s and them lose this stream. Give %s of those hosts a gateway on the %s TCP/IP stack that "
        "routes to %s (routed vMotion), or put every host's %s in one subnet."
        % (view["name"], device, vmk["portgroup"], vmk["subnet"], vmk["gateway"], device, _some(unrouted), "its stack" if len(unrouted) == 1
           else "their stacks", view["name"], device, vmk["netstack"], vmk["subnet"], device),
        host=view["name"], device=device, portgroup=vmk["portgroup"], subnet=vmk["subnet"], expected_subnet=index["subnet"],
        suggested_ip=None, peers=unrouted,
    )


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
