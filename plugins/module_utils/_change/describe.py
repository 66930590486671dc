# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a planned change reads: the before/after summaries of diff mode, and one line per operation."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._change.difference import DifferenceTracker
from ansible_collections.multinic.vmotion.plugins.module_utils._change.plan import new_device, predict
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import ipv4_text, is_vmotion, parse_address


def _shown_ipv6(vmk):
    """The IPv6 addresses a diff and a change line show: all but the link-local one every vmk has while IPv6 is on."""
    shown = []
    for item in vmk.get("ipv6") or []:
        address = parse_address(item["address"])
        if address is None or not address.is_link_local():
            shown.append(item["address"])
    return shown


def _summary(host):
    """The part of the host the diff shows: port groups and vmks."""
    return {
        "portgroups": dict((p["name"], {"switch": p["switch"], "vlan_id": p["vlan_id"], "active": p["teaming"]["active"],
                                        "standby": p["teaming"]["standby"]}) for p in host.get("portgroups") or []),
        "vmks": dict((v["device"], dict({"portgroup": v["portgroup"], "ip": v["ip"], "prefix_length": v["prefix_length"],
                                         "ipv6": _shown_ipv6(v), "mtu": v["mtu"], "netstack": v["netstack"],
                                         "vmotion": is_vmotion(v)}, **dict((k, v[k]) for k in ("dhcp", "gateway") if v.get(k))))
                     for v in host.get("vmks") or []),
        # the TCP/IP stacks' gateways, when the host was read with them
        "stacks": dict((key, dict(gateways)) for key, gateways in (host.get("stacks") or {}).items()),
    }


def preview(host, ops):
    """(before, after) summaries of the host: as read, and as ``predict`` says it will be.

    A vmk not yet created is listed as '(new N) port group': ESXi names it only when it creates it.
    """
    after = _summary(predict(host, ops))
    new_vmks = [op["portgroup"] for op in ops if op["op"] == "add_vmk"]
    for number, portgroup in enumerate(new_vmks, 1):
        after["vmks"]["(new %d) %s" % (number, portgroup)] = after["vmks"].pop(new_device(portgroup))
    return _summary(host), after


def diff(before, after):
    """The diff mode ``{"before", "after"}`` of two summaries (preview): the port groups and vmks that differ only."""
    tracker = DifferenceTracker()
    for section in ("portgroups", "vmks", "stacks"):
        tracker.add_all(section, before[section], after[section])
    old, new = tracker.before_after(sections=("portgroups", "vmks"))  # stacks only when they differ
    return {"before": old, "after": new}


def _uplinks_text(active, standby):
    return "active %s, standby %s" % (", ".join(active) or "none", ", ".join(standby) or "none")


def _describe_portgroup(op, groups):
    kind = "dvportgroup" if op["op"].endswith("dvportgroup") else "port group"
    if op["op"].startswith("add"):
        return "+ %s %s on %s (%s, VLAN %s)" % (kind, op["portgroup"], op["switch"], _uplinks_text(op["active"], op["standby"]), op["vlan_id"])
    before = groups.get(op["portgroup"]) or {}
    parts = []
    if "teaming" in op:
        parts.append("%s -> %s" % (_uplinks_text(before.get("active") or [], before.get("standby") or []),
                                   _uplinks_text(op["teaming"]["active"], op["teaming"]["standby"])))
    if "vlan_id" in op:
        parts.append("VLAN %s -> %s" % (before.get("vlan_id"), op["vlan_id"]))
    return "~ %s %s on %s: %s" % (kind, op["portgroup"], op["switch"], "; ".join(parts))


def _describe_vmk(op, vmks):
    if op["op"] == "add_vmk":
        via = " via %s" % op["gateway"] if op.get("gateway") else ""
        return "+ %s in %s (%s/%s%s, MTU %s, %s)" % (
            "vmk (re-creating %s)" % op["replaces"] if op.get("replaces") else "vmk", op["portgroup"], op["ip"], op["prefix_length"], via,
            op["mtu"] or "1500 (default)", op["netstack"])
    if op["op"] == "remove_vmk":
        before = vmks.get(op["device"]) or {}
        return "- %s (%s, %s%s)" % (op["device"], before.get("portgroup"), ipv4_text(before) or ", ".join(before.get("ipv6") or []) or "no address",
                                    "; re-created on another TCP/IP stack below" if op.get("restack") else "")
    if op["op"] == "enable_vmotion":
        return "~ %s vMotion off -> on" % (op["device"] or "new vmk in %s" % op["portgroup"])
    before = vmks.get(op["device"]) or {}
    parts = []
    if "portgroup" in op:
        parts.append("port group %s -> %s" % (op.get("from_portgroup") or before.get("portgroup"), op["portgroup"]))
    if "ip" in op:
        old = ipv4_text(before) if op["version"] == 4 else ", ".join(before.get("ipv6") or [])
        parts.append("address %s -> %s%s/%s" % (old or "none", "static " if before.get("dhcp") else "", op["ip"], op["prefix_length"]))
    if "mtu" in op:
        parts.append("MTU %s -> %s" % (before.get("mtu"), op["mtu"]))
    if "gateway" in op:
        parts.append("gateway %s -> %s" % (before.get("gateway") or "the stack's", op["gateway"]))
    return "~ %s: %s" % (op["device"], "; ".join(parts))


def describe(host, ops):
    """One line per operation, as a diff reads: '+ port group vMotion-1 on vSwitch4 (...)', '~ vmk3 vMotion off -> on'."""
    summary = _summary(host)
    lines = []
    for op in ops:
        if op["op"] == "migrate_uplink":
            lines.append("~ uplink step: %s %s -> %s of %s%s" % (
                op["pnic"], "from " + op["from_switch"] if op["from_switch"] else "(no switch)", op["uplink"], op["dvswitch"],
                ", with " + ", ".join("%s (%s -> %s)" % (v["device"], v["from_portgroup"], v["portgroup"]) for v in op["vmks"])
                if op["vmks"] else ""))
        elif op["op"] == "update_stack":
            lines.append("~ %s TCP/IP stack: %s" % (op["stack"], "; ".join(
                "%s %s -> %s" % (label, op["before"].get(key) or "none", op[key]) for key, label in (("gateway", "gateway"), ("gateway_ipv6", "IPv6 gateway"))
                if op[key] != op["before"].get(key))))
        elif op["op"] == "remove_portgroup":
            lines.append("- port group %s on %s" % (op["portgroup"], op["switch"]))
        elif "portgroup" in op["op"]:
            lines.append(_describe_portgroup(op, summary["portgroups"]))
        else:
            lines.append(_describe_vmk(op, summary["vmks"]))
    return lines
