# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure diff of a host's multi-NIC vMotion layout against its current state.

``plan_layout(desired, host)`` validates the desired vmks against the host
(every problem at once) and returns the ordered operations that bring the
host there. ``host`` is the plain dict of _model.host_facts. Operations are
plain dicts; the module turns them into API specs. Nothing here talks to
vSphere.

Operation order (the applier relies on it):
  1. add/update port groups (standard) and distributed port groups
  2. update existing vmks (move, address, MTU), then add new vmks
  3. turn vMotion on
  4. remove vmks, then port groups (state absent, purge)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._layout import (
    FAILOVER_MODES,
    MTU_RANGE,
    VLAN_RANGE,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._problems import ProblemsError

try:
    import netaddr

    HAS_NETADDR = True
except ImportError:  # pragma: no cover - reported by the callers
    HAS_NETADDR = False

NETSTACK_KEYS = {"default": "defaultTcpipStack", "vmotion": "vmotion"}
VMK_KEYS = ("device", "portgroup", "switch", "dvswitch", "vlan_id", "active_uplink", "uplinks", "failover", "ip",
            "prefix_length", "netmask", "mtu", "netstack", "index", "subnet")


class PlanError(ProblemsError):
    """The desired layout cannot be applied to this host; ``problems`` lists every reason."""


def _int(value):
    if isinstance(value, bool):
        raise ValueError(value)
    return int(str(value))


def normalize_vmk(raw, position):
    """Check one desired vmk on its own; returns (vmk dict, problems)."""
    where = "vmks[%d]" % position
    problems = []
    if not isinstance(raw, dict):
        return None, ["%s must be a dict, got %s" % (where, type(raw).__name__)]
    if raw.get("portgroup"):
        where = "vmks[%d] (%s)" % (position, raw["portgroup"])
    unknown = sorted(set(raw) - set(VMK_KEYS))
    if unknown:
        problems.append("%s: unknown key(s) %s" % (where, ", ".join(unknown)))
    vmk = {"device": raw.get("device"), "portgroup": raw.get("portgroup"), "switch": raw.get("switch"), "dvswitch": raw.get("dvswitch"),
           "active_uplink": raw.get("active_uplink"), "uplinks": raw.get("uplinks"), "failover": raw.get("failover") or "unused",
           "netstack": raw.get("netstack") or "default", "vlan_id": None, "mtu": None, "ip": None, "prefix_length": None, "where": where}
    for key in ("portgroup", "active_uplink", "ip"):
        if not raw.get(key):
            problems.append("%s: %s is required" % (where, key))
    if bool(raw.get("switch")) == bool(raw.get("dvswitch")):
        problems.append("%s: give exactly one of switch or dvswitch" % where)
    if vmk["failover"] not in FAILOVER_MODES:
        problems.append("%s: failover %r must be one of %s" % (where, vmk["failover"], ", ".join(FAILOVER_MODES)))
    if vmk["netstack"] not in NETSTACK_KEYS:
        problems.append("%s: netstack %r must be default or vmotion" % (where, vmk["netstack"]))
    for key, (low, high) in (("vlan_id", VLAN_RANGE), ("mtu", MTU_RANGE)):
        if raw.get(key) is None:
            continue
        try:
            vmk[key] = _int(raw[key])
        except (TypeError, ValueError):
            vmk[key] = None
        if vmk[key] is None or not low <= vmk[key] <= high:
            problems.append("%s: %s %r is outside %d-%d" % (where, key, raw[key], low, high))
    if raw.get("ip"):
        problems.extend("%s: %s" % (where, p) for p in _parse_address(raw, vmk))
    return vmk, problems


def _parse_address(raw, vmk):
    text = str(raw["ip"])
    prefix = raw.get("prefix_length")
    if "/" in text:
        text, prefix = text.split("/", 1)
    try:
        address = netaddr.IPAddress(text, flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return ["ip %r is not a valid IP address" % (raw["ip"],)]
    if prefix is None and raw.get("netmask"):
        if address.version == 6:
            return ["ip %s is IPv6; give prefix_length, not netmask %r" % (address, raw["netmask"])]
        try:
            mask = netaddr.IPAddress(raw["netmask"])
        except (netaddr.AddrFormatError, ValueError, TypeError):
            return ["netmask %r is not a valid netmask" % (raw["netmask"],)]
        if not mask.is_netmask():
            return ["netmask %r is not a valid netmask" % (raw["netmask"],)]
        prefix = mask.netmask_bits()
    if prefix is None:
        return ["ip %s needs prefix_length or netmask" % address]
    limit = 32 if address.version == 4 else 128
    try:
        prefix = _int(prefix)
    except (TypeError, ValueError):
        prefix = -1
    if not 1 <= prefix <= limit:
        return ["prefix length %r is out of range 1-%d for IPv%d address %s" % (raw.get("prefix_length") or prefix, limit, address.version, address)]
    network = netaddr.IPNetwork("%s/%d" % (address, prefix))
    if address.version == 4 and prefix <= 30 and address in (network.network, network.broadcast):
        return ["ip %s is the network or broadcast address of %s" % (address, network.cidr)]
    vmk["ip"] = str(address)
    vmk["version"] = address.version
    vmk["prefix_length"] = prefix
    vmk["netmask"] = str(network.netmask) if address.version == 4 else None
    vmk["subnet"] = str(network.cidr)
    return []


def _desired_order(vmk, uplinks):
    others = [u for u in (vmk["uplinks"] or uplinks) if u != vmk["active_uplink"]]
    return [vmk["active_uplink"]], (others if vmk["failover"] == "standby" else [])


def _current_address(vmk, version):
    if version == 6:
        return [a["address"] for a in vmk.get("ipv6") or []]
    return [vmk["ip"]] if vmk.get("ip") else []


def _is_management(vmk):
    return "management" in (vmk.get("services") or [])


def _other_services(vmk):
    return [s for s in vmk.get("services") or [] if s != "vmotion"]


def _has_vmotion(vmk):
    return bool(vmk.get("vmotion")) or "vmotion" in (vmk.get("services") or [])


def _summary(host):
    """The part of the host the diff shows: port groups and vmks."""
    return {
        "portgroups": dict((p["name"], {"switch": p["switch"], "vlan_id": p["vlan_id"], "active": p["teaming"]["active"],
                                        "standby": p["teaming"]["standby"]}) for p in host.get("portgroups") or []),
        "vmks": dict((v["device"], {"portgroup": v["portgroup"], "ip": v["ip"], "prefix_length": v["prefix_length"],
                                    "ipv6": [a["address"] for a in v.get("ipv6") or []], "mtu": v["mtu"], "netstack": v["netstack"],
                                    "vmotion": _has_vmotion(v)}) for v in host.get("vmks") or []),
    }


class _Planner(object):
    def __init__(self, desired, host, state, purge):
        self.host = host
        self.state = state
        self.purge = purge
        self.problems = []
        self.ops = []
        self.switches = dict(((s["type"], s["name"]), s) for s in host.get("switches") or [])
        self.portgroups = dict((p["name"], p) for p in host.get("portgroups") or [])
        self.vmks = dict((v["device"], v) for v in host.get("vmks") or [])
        self.desired = self._normalize(desired)
        self.claimed = {}

    def _normalize(self, desired):
        if not isinstance(desired, list):
            self.problems.append("vmks must be a list, got %s" % type(desired).__name__)
            return []
        if not desired and self.state == "present":
            self.problems.append("vmks is empty: give at least one vMotion vmk")
        result, seen = [], {}
        for position, raw in enumerate(desired):
            vmk, problems = normalize_vmk(raw, position)
            self.problems.extend(problems)
            if vmk is None:
                continue
            for key in ("portgroup", "device", "ip"):
                value = vmk.get(key)
                if value and (key, value) in seen:
                    self.problems.append("%s: %s %s is also used by %s" % (vmk["where"], key, value, seen[(key, value)]))
                elif value:
                    seen[(key, value)] = vmk["where"]
            switch = vmk["switch"] or vmk["dvswitch"]
            if switch and vmk["active_uplink"]:
                key = ("uplink", switch, vmk["active_uplink"])
                if key in seen:
                    self.problems.append("%s: active uplink %s of %s is also the active uplink of %s"
                                         % (vmk["where"], vmk["active_uplink"], switch, seen[key]))
                seen[key] = vmk["where"]
            result.append(vmk)
        return result

    # -- checks against the host ---------------------------------------------

    def _switch_of(self, vmk):
        if vmk["switch"]:
            return self.switches.get(("standard", vmk["switch"]))
        return self.switches.get(("distributed", vmk["dvswitch"]))

    def _check_switch(self, vmk):
        switch = self._switch_of(vmk)
        name = vmk["switch"] or vmk["dvswitch"]
        if switch is None:
            known = sorted(n for (t, n) in self.switches if t == ("standard" if vmk["switch"] else "distributed"))
            self.problems.append("%s: %s %r does not exist on the host (known: %s)"
                                 % (vmk["where"], "switch" if vmk["switch"] else "dvswitch", name, ", ".join(known) or "none"))
            return None
        if vmk["active_uplink"] and vmk["active_uplink"] not in switch["uplinks"]:
            self.problems.append("%s: uplink %r is not an uplink of %s (uplinks: %s)"
                                 % (vmk["where"], vmk["active_uplink"], name, ", ".join(switch["uplinks"]) or "none"))
        for uplink in vmk["uplinks"] or []:
            if uplink not in switch["uplinks"]:
                self.problems.append("%s: uplink %r is not an uplink of %s" % (vmk["where"], uplink, name))
        if vmk["mtu"] and switch.get("mtu") and vmk["mtu"] > switch["mtu"]:
            self.problems.append("%s: MTU %d is above the MTU %d of %s; raise the switch MTU first" % (vmk["where"], vmk["mtu"], switch["mtu"], name))
        return switch

    def _check_portgroup(self, vmk):
        pg = self.portgroups.get(vmk["portgroup"])
        if pg is None:
            return None
        wanted_type = "standard" if vmk["switch"] else "distributed"
        if pg["type"] != wanted_type or pg["switch"] != (vmk["switch"] or vmk["dvswitch"]):
            self.problems.append("%s: port group %r already exists on %s %s, not on %s"
                                 % (vmk["where"], pg["name"], pg["type"], pg["switch"], vmk["switch"] or vmk["dvswitch"]))
        users = [v for v in self.vmks.values() if v["portgroup"] == pg["name"]]
        if any(_is_management(v) for v in users):
            self.problems.append("%s: port group %r carries management (%s); it is never changed"
                                 % (vmk["where"], pg["name"], ", ".join(v["device"] for v in users if _is_management(v))))
        elif pg.get("vm_ports"):
            self.problems.append("%s: port group %r is taken: %d virtual machine port(s) use it; choose another name"
                                 % (vmk["where"], pg["name"], pg["vm_ports"]))
        return pg

    def _find_current(self, vmk):
        """The existing vmk that becomes this desired vmk, or None (a new one)."""
        if vmk["device"]:
            return self.vmks.get(vmk["device"])
        in_group = [v for v in self.vmks.values() if v["portgroup"] == vmk["portgroup"] and not _is_management(v)]
        if in_group:
            return in_group[0]
        # A vMotion vmk holding the address is the one to move; any other holder is a conflict, reported later.
        for current in self.vmks.values():
            if vmk["ip"] and vmk["ip"] in _current_address(current, vmk.get("version")) and _has_vmotion(current) and not _other_services(current):
                return current
        return None

    def _check_claim(self, vmk, current):
        if current is None:
            if vmk["device"]:
                self.problems.append("%s: device %s does not exist on the host; leave device out to create a new vmk (ESXi names it)"
                                     % (vmk["where"], vmk["device"]))
            return
        where = vmk["where"]
        if _is_management(current):
            self.problems.append("%s: %s carries management; the management vmk is never modified" % (where, current["device"]))
            return
        other_services = _other_services(current)
        if other_services:
            self.problems.append("%s: device %s is taken: it carries %s" % (where, current["device"], ", ".join(other_services)))
            return
        if vmk["device"] and not _has_vmotion(current) and not self._belongs_to_layout(current):
            self.problems.append("%s: device %s is taken: it is in port group %s with %s and no vMotion; name another device or leave device out"
                                 % (where, current["device"], current["portgroup"], current["ip"] or "no IPv4 address"))
            return
        if current["device"] in self.claimed:
            self.problems.append("%s: device %s is already used by %s" % (where, current["device"], self.claimed[current["device"]]))
            return
        if NETSTACK_KEYS.get(vmk["netstack"]) != current["netstack"]:
            self.problems.append("%s: %s is on the %s TCP/IP stack, the layout asks for %s; a TCP/IP stack is fixed at creation, "
                                 "remove the vmk (or let purge/absent do it) and run again to re-create it"
                                 % (where, current["device"], current["netstack"], NETSTACK_KEYS.get(vmk["netstack"])))
        self.claimed[current["device"]] = where

    def _belongs_to_layout(self, current):
        """Whether an existing vmk sits in one of the layout's port groups or subnets."""
        if current["portgroup"] in set(v["portgroup"] for v in self.desired):
            return True
        address = current.get("ip")
        subnets = [v.get("subnet") for v in self.desired if v.get("subnet")]
        return bool(address) and any(netaddr.IPAddress(address) in netaddr.IPNetwork(subnet) for subnet in subnets)

    def _check_ip_free(self, vmk, current):
        for other in self.vmks.values():
            if current is not None and other["device"] == current["device"]:
                continue
            if vmk["ip"] in _current_address(other, vmk.get("version")):
                self.problems.append("%s: IP %s is already used by %s on the host" % (vmk["where"], vmk["ip"], other["device"]))

    # -- operations -----------------------------------------------------------

    def _portgroup_ops(self, vmk, pg, switch):
        active, standby = _desired_order(vmk, switch["uplinks"])
        distributed = vmk["dvswitch"] is not None
        if pg is None:
            self.ops.append({"op": "add_dvportgroup" if distributed else "add_portgroup", "portgroup": vmk["portgroup"],
                             "switch": switch["name"], "vlan_id": vmk["vlan_id"] if vmk["vlan_id"] is not None else 0,
                             "active": active, "standby": standby})
            return
        changes = {}
        if pg["teaming"]["active"] != active or pg["teaming"]["standby"] != standby or pg["teaming"].get("inherited"):
            changes["teaming"] = {"active": active, "standby": standby}
        if vmk["vlan_id"] is not None and pg["vlan_id"] != vmk["vlan_id"]:
            changes["vlan_id"] = vmk["vlan_id"]
        if changes:
            self.ops.append(dict({"op": "update_dvportgroup" if distributed else "update_portgroup", "portgroup": pg["name"],
                                  "switch": switch["name"], "key": pg.get("key")}, **changes))

    def _vmk_ops(self, vmk, current, adds, enables):
        if current is None:
            adds.append({"op": "add_vmk", "portgroup": vmk["portgroup"], "switch": vmk["switch"], "dvswitch": vmk["dvswitch"],
                         "version": vmk["version"], "ip": vmk["ip"], "prefix_length": vmk["prefix_length"], "netmask": vmk["netmask"],
                         "mtu": vmk["mtu"], "netstack": NETSTACK_KEYS[vmk["netstack"]]})
            if vmk["netstack"] != "vmotion":
                enables.append({"op": "enable_vmotion", "device": None, "portgroup": vmk["portgroup"]})
            return
        changes = {}
        if current["portgroup"] != vmk["portgroup"]:
            changes["portgroup"] = vmk["portgroup"]
            changes["switch"], changes["dvswitch"] = vmk["switch"], vmk["dvswitch"]
        addresses = _current_address(current, vmk["version"])
        if vmk["version"] == 4 and (addresses != [vmk["ip"]] or current["prefix_length"] != vmk["prefix_length"] or current.get("dhcp")):
            changes.update(ip=vmk["ip"], netmask=vmk["netmask"], prefix_length=vmk["prefix_length"])
        if vmk["version"] == 6:
            prefixes = dict((a["address"], a["prefix_length"]) for a in current.get("ipv6") or [])
            if prefixes.get(vmk["ip"]) != vmk["prefix_length"]:
                changes.update(ip=vmk["ip"], prefix_length=vmk["prefix_length"], remove_ipv6=[a for a in prefixes if a != vmk["ip"]])
        if vmk["mtu"] and current["mtu"] != vmk["mtu"]:
            changes["mtu"] = vmk["mtu"]
        if changes:
            self.ops.append(dict({"op": "update_vmk", "device": current["device"], "version": vmk["version"]}, **changes))
        if not _has_vmotion(current):
            enables.append({"op": "enable_vmotion", "device": current["device"], "portgroup": vmk["portgroup"]})

    def _absent_ops(self):
        removals, groups = [], []
        for vmk in self.desired:
            current = self._find_current(vmk)
            if current is not None:
                if _is_management(current):
                    self.problems.append("%s: %s carries management; the management vmk is never removed" % (vmk["where"], current["device"]))
                    continue
                removals.append({"op": "remove_vmk", "device": current["device"]})
            pg = self.portgroups.get(vmk["portgroup"])
            if pg is not None and pg["type"] == "standard":
                self._maybe_remove_portgroup(pg, [r["device"] for r in removals], groups, vmk["where"])
        self.ops.extend(removals + groups)

    def _maybe_remove_portgroup(self, pg, removed_devices, groups, where):
        users = [v for v in self.vmks.values() if v["portgroup"] == pg["name"] and v["device"] not in removed_devices]
        if users:
            self.problems.append("%s: port group %r still carries %s; it is left in place" % (where, pg["name"], ", ".join(v["device"] for v in users)))
        elif pg.get("vm_ports"):
            self.problems.append("%s: port group %r has virtual machine ports; it is left in place" % (where, pg["name"]))
        else:
            groups.append({"op": "remove_portgroup", "portgroup": pg["name"], "switch": pg["switch"]})

    def _purge_ops(self):
        wanted_groups = set(v["portgroup"] for v in self.desired)
        removals, groups = [], []
        for current in self.vmks.values():
            if current["device"] in self.claimed or _is_management(current) or not _has_vmotion(current):
                continue
            if _other_services(current):
                continue
            removals.append({"op": "remove_vmk", "device": current["device"]})
        removed = [r["device"] for r in removals]
        for current in self.vmks.values():
            pg = self.portgroups.get(current["portgroup"])
            if current["device"] in removed and pg is not None and pg["type"] == "standard" and pg["name"] not in wanted_groups:
                if not any(g["portgroup"] == pg["name"] for g in groups):
                    self._maybe_remove_portgroup(pg, removed, groups, "purge")
        self.ops.extend(removals + groups)

    def plan(self):
        if self.state == "absent":
            if not self.problems:
                self._absent_ops()
        else:
            # Every check first, for every vmk, so that all problems are reported together.
            checked = []
            for vmk in self.desired:
                switch = self._check_switch(vmk)
                pg = self._check_portgroup(vmk)
                current = self._find_current(vmk)
                self._check_claim(vmk, current)
                if vmk["ip"]:
                    self._check_ip_free(vmk, current)
                checked.append((vmk, switch, pg, current))
            if not self.problems:
                adds, enables = [], []
                for vmk, switch, pg, current in checked:
                    self._portgroup_ops(vmk, pg, switch)
                    self._vmk_ops(vmk, current, adds, enables)
                self.ops.extend(adds + enables)
                if self.purge:
                    self._purge_ops()
        if self.problems:
            raise PlanError(self.problems)
        return self.ops


def plan_layout(desired, host, state="present", purge=False):
    """Ordered operations that bring ``host`` to the ``desired`` vmk layout; raises PlanError with every problem."""
    return _Planner(desired, host, state, purge).plan()


def preview(host, ops):
    """(before, after) summaries of the host for diff mode, applying ``ops`` on plain data."""
    before = _summary(host)
    after = {"portgroups": dict((k, dict(v)) for k, v in before["portgroups"].items()),
             "vmks": dict((k, dict(v)) for k, v in before["vmks"].items())}
    new = 0
    for op in ops:
        kind = op["op"]
        if kind in ("add_portgroup", "add_dvportgroup"):
            after["portgroups"][op["portgroup"]] = {"switch": op["switch"], "vlan_id": op["vlan_id"], "active": op["active"], "standby": op["standby"]}
        elif kind in ("update_portgroup", "update_dvportgroup"):
            group = after["portgroups"][op["portgroup"]]
            group.update(op.get("teaming") or {})
            if "vlan_id" in op:
                group["vlan_id"] = op["vlan_id"]
        elif kind == "add_vmk":
            new += 1
            ipv4 = op["version"] == 4
            after["vmks"]["(new %d) %s" % (new, op["portgroup"])] = {
                "portgroup": op["portgroup"], "ip": op["ip"] if ipv4 else None, "prefix_length": op["prefix_length"],
                "ipv6": [] if ipv4 else [op["ip"]], "mtu": op["mtu"], "netstack": op["netstack"], "vmotion": True}
        elif kind == "update_vmk":
            vmk = after["vmks"][op["device"]]
            for key in ("portgroup", "mtu", "prefix_length"):
                if key in op:
                    vmk[key] = op[key]
            if "ip" in op:
                if op["version"] == 4:
                    vmk["ip"] = op["ip"]
                else:
                    vmk["ipv6"] = [op["ip"]]
        elif kind == "enable_vmotion" and op["device"]:
            after["vmks"][op["device"]]["vmotion"] = True
        elif kind == "remove_vmk":
            after["vmks"].pop(op["device"], None)
        elif kind == "remove_portgroup":
            after["portgroups"].pop(op["portgroup"], None)
    return before, after
