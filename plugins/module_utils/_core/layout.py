# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure layout rules: vMotion vmk IPs and the per-host vmk layout.

The rule of the house: vmk index N lives in its own non-routed subnet and
its host part is the last octet of the host's IPv4 management address,
added numerically to the subnet's network address (mgmt .51 in
172.16.1.0/24 -> 172.16.1.51; in 172.16.0.0/22 -> 172.16.0.51; in
2001:db8:1::/64 -> 2001:db8:1::33, since 51 == 0x33).

Nothing here talks to vSphere or Ansible; every problem of an input is
collected and raised at once as a LayoutError.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._core.problems import ProblemsError
from ansible_collections.multinic.vmotion.plugins.module_utils._core.schema import defaults_problems, keys, validate_item
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import overlap, parse_address, require_netaddr

try:
    import netaddr
except ImportError:  # pragma: no cover - reported by require_netaddr()
    pass

PLAN_KEYS = keys("plan")


class LayoutError(ProblemsError):
    """One or more problems with a layout input; ``problems`` lists them all."""


def _require():
    try:
        require_netaddr()
    except ProblemsError as e:
        raise LayoutError(e.problems)


def management_octet(mgmt_ip):
    """Last octet of an IPv4 management address, or raise LayoutError."""
    _require()
    text = str(mgmt_ip).strip() if mgmt_ip is not None else ""
    if "/" in text:
        text = text.split("/", 1)[0]
    address = parse_address(text)
    if address is None:
        hint = "; hosts named by FQDN need multinic_vmotion_mgmt_ip_source ansible_host, variable or facts" if any(c.isalpha() for c in text) else ""
        raise LayoutError(["management IP %r is not a valid IP address%s" % (mgmt_ip, hint)])
    if address.version != 4:
        raise LayoutError(
            ["management IP %r is IPv6; the vMotion host part is the last octet of an IPv4 management address" % (mgmt_ip,)]
        )
    return int(address.words[-1])


def parse_subnet(subnet):
    """Return the subnet as netaddr.IPNetwork; host bits set or bad text raise LayoutError."""
    _require()
    text = str(subnet).strip() if subnet is not None else ""
    if "/" not in text:
        raise LayoutError(["subnet %r has no prefix length (expected e.g. 172.16.1.0/24)" % (subnet,)])
    address_text, prefix_text = text.split("/", 1)
    try:
        address = netaddr.IPAddress(address_text, flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise LayoutError(["subnet %r: %r is not a valid IP address" % (subnet, address_text)])
    max_prefix = 32 if address.version == 4 else 128
    if not prefix_text.isdigit() or not 0 <= int(prefix_text) <= max_prefix:
        raise LayoutError(
            ["subnet %r: prefix length %r is out of range 0-%d for IPv%d" % (subnet, prefix_text, max_prefix, address.version)]
        )
    network = netaddr.IPNetwork("%s/%s" % (address, prefix_text))
    if network.ip != network.network:
        raise LayoutError(
            ["subnet %r has host bits set; did you mean %s/%d?" % (subnet, network.network, network.prefixlen)]
        )
    return network


def vmotion_address(mgmt_ip, subnet):
    """Compute the vmk address for one subnet; returns (ip, IPNetwork) or raises LayoutError."""
    problems = []
    octet = network = None
    try:
        octet = management_octet(mgmt_ip)
    except LayoutError as e:
        problems.extend(e.problems)
    try:
        network = parse_subnet(subnet)
    except LayoutError as e:
        problems.extend(e.problems)
    if problems:
        raise LayoutError(problems)
    ip = netaddr.IPAddress(network.first + octet, version=network.version)
    if ip not in network:
        raise LayoutError(
            ["host part %d of management IP %r falls outside subnet %s (%d addresses)" % (octet, mgmt_ip, network, network.size)]
        )
    # /31, /32 (and IPv6 /127, /128) have no network or broadcast address to avoid.
    if network.version == 4 and network.prefixlen <= 30:
        if ip == network.network:
            raise LayoutError(["host part %d of management IP %r lands on the network address %s of subnet %s" % (octet, mgmt_ip, ip, network)])
        if ip == network.broadcast:
            raise LayoutError(["host part %d of management IP %r lands on the broadcast address %s of subnet %s" % (octet, mgmt_ip, ip, network)])
    elif network.version == 6 and network.prefixlen <= 126 and ip == network.network:
        raise LayoutError(
            ["host part %d of management IP %r lands on the subnet-router anycast address %s of subnet %s" % (octet, mgmt_ip, ip, network)]
        )
    return ip, network


def vmotion_ip(mgmt_ip, subnet, prefix=False):
    """'192.168.100.114', '172.16.2.0/24' -> '172.16.2.114' (or '172.16.2.114/24' with prefix)."""
    ip, network = vmotion_address(mgmt_ip, subnet)
    if prefix:
        return "%s/%d" % (ip, network.prefixlen)
    return str(ip)


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
    entry.update((key, item[key]) for key in ("switch", "dvswitch", "device", "uplinks") if item[key])
    entry.update((key, item[key]) for key in ("vlan_id", "mtu") if item[key] is not None)
    return entry


def build_layout(plan, mgmt_ip, defaults=None):
    """Turn a per-index plan and a management IP into the per-host vmk list.

    Each plan item follows _core.schema (kind ``plan``); ``defaults`` fills optional keys left out
    of an item. The whole plan is validated (types, unknown keys, duplicates, overlapping
    subnets, the address of every index) and every problem is raised together.
    """
    if not isinstance(plan, (list, tuple)):
        raise LayoutError(["the vMotion plan must be a list of items, got %s" % type(plan).__name__])
    if not plan:
        raise LayoutError(["the vMotion plan is empty: give at least one item with index, subnet, portgroup, switch and active_uplink"])
    problems = defaults_problems(defaults)
    octet_ok = True
    try:
        management_octet(mgmt_ip)
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
            ip, network = vmotion_address(mgmt_ip, item["subnet"])
        except LayoutError as e:
            problems.extend("%s: %s" % (where, p) for p in e.problems)
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
