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

from ansible_collections.multinic.vmotion.plugins.module_utils._problems import ProblemsError

try:
    import netaddr

    HAS_NETADDR = True
except ImportError:  # pragma: no cover - reported by the callers
    HAS_NETADDR = False

FAILOVER_MODES = ("unused", "standby")
NETSTACKS = ("default", "vmotion")
VLAN_RANGE = (0, 4094)
MTU_RANGE = (1280, 9000)
PLAN_KEYS = (
    "index",
    "subnet",
    "portgroup",
    "switch",
    "dvswitch",
    "active_uplink",
    "uplinks",
    "vlan_id",
    "mtu",
    "failover",
    "netstack",
    "device",
)


class LayoutError(ProblemsError):
    """One or more problems with a layout input; ``problems`` lists them all."""


def _require_netaddr():
    if not HAS_NETADDR:
        raise LayoutError(["the Python library 'netaddr' is required (pip install netaddr)"])


def management_octet(mgmt_ip):
    """Last octet of an IPv4 management address, or raise LayoutError."""
    _require_netaddr()
    text = str(mgmt_ip).strip() if mgmt_ip is not None else ""
    if "/" in text:
        text = text.split("/", 1)[0]
    try:
        address = netaddr.IPAddress(text, flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise LayoutError(["management IP %r is not a valid IP address" % (mgmt_ip,)])
    if address.version != 4:
        raise LayoutError(
            ["management IP %r is IPv6; the vMotion host part is the last octet of an IPv4 management address" % (mgmt_ip,)]
        )
    return int(address.words[-1])


def parse_subnet(subnet):
    """Return the subnet as netaddr.IPNetwork; host bits set or bad text raise LayoutError."""
    _require_netaddr()
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


def _int_in_range(value, low, high):
    if isinstance(value, bool):
        return False
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return False
    return low <= number <= high


def build_layout(plan, mgmt_ip, defaults=None):
    """Turn a per-index plan and a management IP into the per-host vmk list.

    Each plan item needs ``index``, ``subnet``, ``portgroup``, one of
    ``switch``/``dvswitch`` and ``active_uplink``; optional keys are
    ``uplinks``, ``vlan_id``, ``mtu``, ``failover``, ``netstack``, ``device``.
    ``defaults`` fills optional keys left out of an item. The whole plan is
    validated and every problem is raised together.
    """
    defaults = dict(defaults or {})
    if not isinstance(plan, (list, tuple)):
        raise LayoutError(["the vMotion plan must be a list of items, got %s" % type(plan).__name__])
    if not plan:
        raise LayoutError(["the vMotion plan is empty: give at least one item with index, subnet, portgroup, switch and active_uplink"])
    problems = []
    octet_problem = None
    try:
        management_octet(mgmt_ip)
    except LayoutError as e:
        octet_problem = e.problems
        problems.extend(e.problems)

    seen = {"index": {}, "subnet": {}, "portgroup": {}, "uplink": {}, "device": {}}
    layout = []
    for position, raw in enumerate(plan):
        where = "plan item %d" % position
        if not isinstance(raw, dict):
            problems.append("%s must be a dict, got %s %r" % (where, type(raw).__name__, raw))
            continue
        item = dict(defaults)
        item.update(dict((k, v) for k, v in raw.items() if v is not None))
        if "index" in raw:
            where = "plan item %d (index %s)" % (position, raw.get("index"))
        unknown = sorted(set(raw) - set(PLAN_KEYS))
        if unknown:
            problems.append("%s has unknown key(s) %s; allowed: %s" % (where, ", ".join(unknown), ", ".join(PLAN_KEYS)))
        missing = [k for k in ("index", "subnet", "portgroup", "active_uplink") if item.get(k) in (None, "")]
        if not item.get("switch") and not item.get("dvswitch"):
            missing.append("switch or dvswitch")
        if missing:
            problems.append("%s is missing %s" % (where, ", ".join(missing)))
        if item.get("switch") and item.get("dvswitch"):
            problems.append("%s names both switch %r and dvswitch %r; give one" % (where, item["switch"], item["dvswitch"]))

        index = item.get("index")
        if index is not None:
            if not _int_in_range(index, 0, 1023):
                problems.append("%s: index %r must be an integer 0-1023" % (where, index))
            else:
                index = int(str(index))
                if index in seen["index"]:
                    problems.append("%s: index %d is duplicated (also plan item %d)" % (where, index, seen["index"][index]))
                seen["index"].setdefault(index, position)

        for key, low_high in (("vlan_id", VLAN_RANGE), ("mtu", MTU_RANGE)):
            if key in item and not _int_in_range(item[key], *low_high):
                problems.append("%s: %s %r is outside %d-%d" % (where, key, item[key], low_high[0], low_high[1]))
        failover = item.get("failover", "unused")
        if failover not in FAILOVER_MODES:
            problems.append("%s: failover %r must be one of %s" % (where, failover, ", ".join(FAILOVER_MODES)))
        netstack = item.get("netstack", "default")
        if netstack not in NETSTACKS:
            problems.append("%s: netstack %r must be one of %s" % (where, netstack, ", ".join(NETSTACKS)))
        uplinks = item.get("uplinks")
        if uplinks is not None:
            if not isinstance(uplinks, (list, tuple)) or not all(isinstance(u, str) for u in uplinks):
                problems.append("%s: uplinks %r must be a list of uplink names" % (where, uplinks))
            elif item.get("active_uplink") and item["active_uplink"] not in uplinks:
                problems.append("%s: active_uplink %r is not in its uplinks %s" % (where, item["active_uplink"], list(uplinks)))

        portgroup = item.get("portgroup")
        if portgroup:
            if portgroup in seen["portgroup"]:
                problems.append("%s: portgroup %r is duplicated (also plan item %d)" % (where, portgroup, seen["portgroup"][portgroup]))
            seen["portgroup"].setdefault(portgroup, position)
        device = item.get("device")
        if device:
            if device in seen["device"]:
                problems.append("%s: device %r is duplicated (also plan item %d)" % (where, device, seen["device"][device]))
            seen["device"].setdefault(device, position)
        switch = item.get("switch") or item.get("dvswitch")
        if switch and item.get("active_uplink"):
            key = (switch, item["active_uplink"])
            if key in seen["uplink"]:
                problems.append(
                    "%s: active_uplink %r on switch %r is already the active uplink of plan item %d; each vMotion vmk needs its own uplink"
                    % (where, key[1], key[0], seen["uplink"][key])
                )
            seen["uplink"].setdefault(key, position)

        ip = network = None
        subnet = item.get("subnet")
        if subnet not in (None, ""):
            try:
                network = parse_subnet(subnet)
            except LayoutError as e:
                problems.extend("%s: %s" % (where, p) for p in e.problems)
            if network is not None:
                if str(network) in seen["subnet"]:
                    problems.append("%s: subnet %s is duplicated (also plan item %d)" % (where, network, seen["subnet"][str(network)]))
                seen["subnet"].setdefault(str(network), position)
                if octet_problem is None:
                    try:
                        ip, network = vmotion_address(mgmt_ip, subnet)
                    except LayoutError as e:
                        problems.extend("%s: %s" % (where, p) for p in e.problems)
        if ip is not None:
            entry = {
                "index": index,
                "portgroup": portgroup,
                "active_uplink": item.get("active_uplink"),
                "failover": failover,
                "netstack": netstack,
                "ip": str(ip),
                "prefix_length": network.prefixlen,
                "netmask": str(network.netmask) if network.version == 4 else None,
                "subnet": str(network),
            }
            for key in ("switch", "dvswitch", "device", "uplinks"):
                if item.get(key):
                    entry[key] = list(item[key]) if key == "uplinks" else item[key]
            for key in ("vlan_id", "mtu"):
                if key in item:
                    entry[key] = int(str(item[key]))
            layout.append(entry)
    if problems:
        raise LayoutError(problems)
    return sorted(layout, key=lambda e: e["index"])
