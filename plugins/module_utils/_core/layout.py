# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-host vmk layout: plan items (one per vmk index) turned into a host's vmks by the address rule
(_core.address_rule).

Nothing here talks to vSphere or Ansible; every problem of an input is
collected and raised at once as a LayoutError.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._core.address_rule import (
    DEFAULT_HOST_BITS,
    LayoutError,
    gateway_problem,
    management_host_part,
    parse_subnet,
    vmotion_address,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._core.schema import defaults_problems, keys, validate_item
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import overlap

PLAN_KEYS = keys("plan")


def _duplicates(seen, item, position, where):
    """Problems of values that must be unique across the plan; records the item's values in ``seen``."""
    problems = []
    values = [("index", item["index"], "index %s is duplicated"), ("portgroup", item["portgroup"], "portgroup %r is duplicated"),
              ("device", item["device"], "device %r is duplicated")]
    for key, value, text in values:
        if value is None:
            continue
        if value in seen[key]:
            problems.append("%s: %s (also plan item %d)" % (where, text % (value,), seen[key][value]))
        seen[key].setdefault(value, position)
    switch = item["switch"] or item["dvswitch"]
    if switch and item["active_uplink"]:
        key = (switch, item["active_uplink"])
        if key in seen["uplink"]:
            problems.append("%s: active_uplink %r on switch %r is already the active uplink of plan item %d; each vMotion vmk needs its own uplink"
                            % (where, key[1], key[0], seen["uplink"][key]))
        seen["uplink"].setdefault(key, position)
    return problems


def _subnet_problems(seen, item, position, where):
    """The item's subnet parsed, duplicates and overlaps on its TCP/IP stack reported; returns (IPNetwork or None, problems)."""
    if item["subnet"] is None:
        return None, []
    try:
        network = parse_subnet(item["subnet"])
    except LayoutError as e:
        return None, ["%s: %s" % (where, p) for p in e.problems]
    problems = []
    if str(network) in seen["subnet"]:
        problems.append("%s: subnet %s is duplicated (also plan item %d)" % (where, network, seen["subnet"][str(network)][0]))
    for other, (other_position, netstack) in sorted(seen["subnet"].items()):
        if netstack == item["netstack"] and overlap(str(network), other):
            problems.append("%s: subnet %s overlaps subnet %s of plan item %d on the %s TCP/IP stack; routing between them is ambiguous"
                            % (where, network, other, other_position, item["netstack"]))
    seen["subnet"].setdefault(str(network), (position, item["netstack"]))
    return network, problems


def _entry(item, ip, network):
    """The vmk item of the layout (the module's ``vmks`` element) for one plan item."""
    entry = {
        "index": item["index"],
        "portgroup": item["portgroup"],
        "active_uplink": item["active_uplink"],
        "failover": item["failover"],
        "netstack": item["netstack"],
        "ip": str(ip),
        "prefix_length": network.prefixlen,
        "netmask": str(network.netmask) if network.version == 4 else None,
        "subnet": str(network),
    }
    entry.update((key, item[key]) for key in ("switch", "dvswitch", "device", "uplinks", "gateway", "uplink_pnic") if item[key])
    entry.update((key, item[key]) for key in ("vlan_id", "mtu") if item[key] is not None)
    return entry


def build_layout(plan, mgmt_ip, defaults=None, host_bits=DEFAULT_HOST_BITS):
    """Turn a per-index plan and a management IP into the per-host vmk list.

    Each plan item follows _core.schema (kind ``plan``); ``defaults`` fills optional keys left out
    of an item; ``host_bits`` is the address rule's (_core.address_rule). The whole plan is validated (types, unknown
    keys, duplicates, overlapping subnets, the address of every index) and every problem is raised together.
    """
    if not isinstance(plan, (list, tuple)):
        raise LayoutError(["the vMotion plan must be a list of items, got %s" % type(plan).__name__])
    if not plan:
        raise LayoutError(["the vMotion plan is empty: give at least one item with index, subnet, portgroup, switch and active_uplink"])
    problems = defaults_problems(defaults)
    octet_ok = True
    try:
        management_host_part(mgmt_ip, host_bits)
    except LayoutError as e:
        octet_ok = False
        problems.extend(e.problems)
    seen = {"index": {}, "subnet": {}, "portgroup": {}, "uplink": {}, "device": {}}
    layout = []
    for position, raw in enumerate(plan):
        where = "plan item %d" % position + (" (index %s)" % raw.get("index") if isinstance(raw, dict) and "index" in raw else "")
        item, item_problems = validate_item(raw, where, "plan", defaults if isinstance(defaults, dict) else None)
        problems.extend(item_problems)
        if item is None:
            continue
        problems.extend(_duplicates(seen, item, position, where))
        network, subnet_problems = _subnet_problems(seen, item, position, where)
        problems.extend(subnet_problems)
        if network is None or not octet_ok or item_problems:
            continue
        try:
            ip, network = vmotion_address(mgmt_ip, item["subnet"], host_bits)
        except LayoutError as e:
            problems.extend("%s: %s" % (where, p) for p in e.problems)
            continue
        refused = item.get("gateway") and gateway_problem(item["gateway"], ip, network)
        if refused:
            problems.append("%s: %s" % (where, refused))
            continue
        layout.append(_entry(item, ip, network))
    if problems:
        raise LayoutError(problems)
    return sorted(layout, key=lambda e: e["index"])


def layout_line(entry):
    """One vmk of a layout as a person reads it: index, address, port group, switch, active uplink, VLAN, MTU."""
    where = entry.get("switch") or entry.get("dvswitch") or "?"
    parts = ["index %s:" % entry.get("index")] + ([entry["device"]] if entry.get("device") else [])
    parts += ["%s/%s" % (entry.get("ip"), entry.get("prefix_length")), "pg %s (%s)" % (entry.get("portgroup"), where),
              "active %s" % entry.get("active_uplink")]
    if entry.get("vlan_id") is not None:
        parts.append("VLAN %s" % entry["vlan_id"])
    if entry.get("mtu") is not None:
        parts.append("mtu %s" % entry["mtu"])
    if entry.get("netstack") not in (None, "default", "defaultTcpipStack"):
        parts.append("stack %s" % entry["netstack"])
    return " ".join(parts)


# Why a management IP source gave nothing, for the problem of a host without one.
MGMT_IP_MISSING = {
    "ansible_host": "the host has no ansible_host",
    "variable": "multinic_vmotion_mgmt_ip is empty",
    "facts": "the host has no management vmk with an IPv4 address",
}


def host_layout(plan, esxi_hostname, mgmt_ip_source, mgmt_ips, defaults=None, host_bits=DEFAULT_HOST_BITS, vmotion_stack=None):
    """One host's part of a batch: ``{"esxi_hostname", "mgmt_ip", "vmks", "problems"}``, each problem prefixed by the host,
    and ``vmotion_stack`` (its vmotion TCP/IP stack's gateways) when one of them is given.

    ``mgmt_ips`` maps each source (inventory_hostname, ansible_host, variable, facts) to what it gives; the one of
    ``mgmt_ip_source`` is the host's management IP, whose low ``host_bits`` bits (its last octet by default) are the host
    part of every vMotion address.
    """
    mgmt_ip = str((mgmt_ips or {}).get(mgmt_ip_source) or "").strip()
    result = {"esxi_hostname": esxi_hostname, "mgmt_ip": mgmt_ip or None, "vmks": [], "problems": []}
    if not mgmt_ip:
        why = MGMT_IP_MISSING.get(mgmt_ip_source, "")
        problems = ["no management IP from %s%s; the last octet of the management IP is the host part of every vMotion address"
                    % (mgmt_ip_source, " (%s)" % why if why else "")]
    else:
        try:
            result["vmks"] = build_layout(plan, mgmt_ip, defaults=defaults, host_bits=host_bits)
            problems = []
        except LayoutError as e:
            problems = e.problems
    stack = dict((k, str(v).strip()) for k, v in (vmotion_stack or {}).items() if k in ("gateway", "gateway_ipv6") and v and str(v).strip())
    unknown = sorted(k for k in (vmotion_stack or {}) if k not in ("gateway", "gateway_ipv6"))
    if unknown:
        problems.append("vmotion_stack: unknown key(s) %s (known: gateway, gateway_ipv6)" % ", ".join(unknown))
    if stack:
        result["vmotion_stack"] = stack
    result["problems"] = ["%s: %s" % (esxi_hostname, p) for p in problems]
    return result


def batch_layouts(host_layouts):
    """The ``hosts`` of one multinic_vmotion_portgroups call from the hosts' layouts (host_layout): those without problems,
    each as ``{"esxi_hostname", "vmks"}`` (and ``vmotion_stack`` when set)."""
    return [dict({"esxi_hostname": h["esxi_hostname"], "vmks": h["vmks"]}, **({"vmotion_stack": h["vmotion_stack"]} if h.get("vmotion_stack") else {}))
            for h in host_layouts or () if h and not h.get("problems")]
