# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure diff of a host's multi-NIC vMotion layout against its current state.

``plan_layout(desired, host)`` validates the desired vmks against the host
(every problem at once) and returns the ordered operations that bring the
host there. ``host`` is the plain dict of _vsphere.facts.host_facts. Operations are
plain dicts; the module turns them into API specs. Nothing here talks to
vSphere.

Operation order (the applier relies on it):
  1. add/update port groups (standard) and distributed port groups, then the uplink steps to a distributed switch
     (each: one pnic and the vmks it becomes the active uplink of, _change.uplink_migration)
  2. update existing vmks (move, address, MTU), then add new vmks (a vmk that changes TCP/IP stack is removed right
     before it is added again: the stack is fixed at creation)
  3. turn vMotion on, then the vmotion TCP/IP stack's gateways (reached on-link from its vmks, so after them)
  4. remove vmks, then port groups (state absent, purge)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.multinic.vmotion.plugins.module_utils._change.stack_plan import stack_after, stack_ops, stack_problems
from ansible_collections.multinic.vmotion.plugins.module_utils._change.uplink_migration import predict_uplink_step, uplink_steps
from ansible_collections.multinic.vmotion.plugins.module_utils._core.problems import ProblemsError
from ansible_collections.multinic.vmotion.plugins.module_utils._core.schema import validate_item
from ansible_collections.multinic.vmotion.plugins.module_utils._core.address_rule import gateway_problem
from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import (
    NETSTACK_KEYS,
    natural_key,
    VMOTION_NETSTACK,
    VMOTION_PORTGROUP_PATTERN,
    in_subnets,
    is_vmotion,
    management_reason,
    other_services,
    owner_refusal,
    parse_address,
    removal_refusal,
    require_netaddr,
)

try:
    import netaddr
except ImportError:  # pragma: no cover - reported by require_netaddr()
    pass


PORTGROUP_OPS = ("add_portgroup", "update_portgroup", "add_dvportgroup", "update_dvportgroup")


class PlanError(ProblemsError):
    """The desired layout cannot be applied; ``problems`` lists every reason."""


def normalize_vmk(raw, position):
    """Check one desired vmk on its own (schema kind ``vmk``, then its address); returns (vmk dict, problems)."""
    where = "vmks[%d]" % position
    if isinstance(raw, dict) and isinstance(raw.get("portgroup"), str) and raw["portgroup"]:
        where = "vmks[%d] (%s)" % (position, raw["portgroup"])
    item, problems = validate_item(raw, where, "vmk")
    if item is None:
        return None, problems
    vmk = dict(item, where=where, version=None, subnet=None)
    # a value the schema refused is left unset: parse the address only when all of its parts were accepted
    refused = [k for k in ("prefix_length", "netmask") if raw.get(k) not in (None, "") and item[k] is None]
    if item["ip"] and not refused:
        problems.extend("%s: %s" % (where, p) for p in _parse_address(vmk))
    return vmk, problems


def _parse_address(vmk):
    """Fill ip, version, prefix_length, netmask and subnet of a desired vmk from its ip (and prefix_length or netmask)."""
    text, prefix = vmk["ip"], vmk["prefix_length"]
    if "/" in text:
        text, prefix = text.split("/", 1)
    address = parse_address(text)
    if address is None:
        return ["ip %r is not a valid IP address" % (vmk["ip"],)]
    if prefix is None and vmk["netmask"]:
        if address.version == 6:
            return ["ip %s is IPv6; give prefix_length, not netmask %r" % (address, vmk["netmask"])]
        mask = parse_address(vmk["netmask"])
        if mask is None or not mask.is_netmask():
            return ["netmask %r is not a valid netmask" % (vmk["netmask"],)]
        prefix = mask.netmask_bits()
    if prefix is None:
        return ["ip %s needs prefix_length or netmask" % address]
    limit = 32 if address.version == 4 else 128
    number = int(prefix) if str(prefix).isdigit() else -1
    if not 1 <= number <= limit:
        return ["prefix length %s is out of range 1-%d for IPv%d address %s" % (prefix, limit, address.version, address)]
    network = netaddr.IPNetwork("%s/%d" % (address, number))
    if address.version == 4 and number <= 30 and address in (network.network, network.broadcast):
        return ["ip %s is the network or broadcast address of %s" % (address, network.cidr)]
    vmk.update(ip=str(address), version=address.version, prefix_length=number,
               netmask=str(network.netmask) if address.version == 4 else None, subnet=str(network.cidr))
    return _parse_gateway(vmk, address, network)


def _parse_gateway(vmk, address, network):
    """The vmk's default gateway override, in the canonical text of its address."""
    if not vmk.get("gateway"):
        return []
    problem = gateway_problem(vmk["gateway"], address, network)
    if problem:
        return [problem]
    vmk["gateway"] = str(parse_address(vmk["gateway"]))
    return []


def _current_address(vmk, version):
    if version == 6:
        return list(_manual_ipv6(vmk))
    return [vmk["ip"]] if vmk.get("ip") else []


def _manual_ipv6(vmk):
    """{address: prefix length} of the IPv6 addresses a vmk was given; its link-local (origin "other") and
    autoconfigured ones are the host's own and are never compared nor removed."""
    found = {}
    for item in vmk.get("ipv6") or []:
        address = parse_address(item["address"])
        if address is not None and not address.is_link_local() and item.get("origin") in (None, "manual"):
            found[str(address)] = item["prefix_length"]
    return found


def new_device(portgroup):
    """The name a vmk not yet created has in predictions and messages."""
    return "new vmk (%s)" % portgroup


def _teaming(active, standby, uplinks):
    return {"active": list(active), "standby": list(standby), "unused": [u for u in uplinks if u not in active and u not in standby],
            "inherited": False}


def switch_uplinks(host, switch):
    return next((s["uplinks"] for s in host.get("switches") or [] if s["name"] == switch), [])


def _predict_portgroup(host, op):
    kind = "distributed" if op["op"].endswith("dvportgroup") else "standard"
    if op["op"].startswith("add"):
        host["portgroups"].append({"name": op["portgroup"], "switch": op["switch"], "type": kind, "vlan_id": op["vlan_id"], "key": None,
                                   "teaming": _teaming(op["active"], op["standby"], switch_uplinks(host, op["switch"])),
                                   "vm_ports": 0 if kind == "standard" else None})
        return
    for group in host["portgroups"]:
        if group["name"] == op["portgroup"] and group["switch"] == op["switch"]:
            if "teaming" in op:
                group["teaming"] = _teaming(op["teaming"]["active"], op["teaming"]["standby"], switch_uplinks(host, op["switch"]))
            if "vlan_id" in op:
                group["vlan_id"] = op["vlan_id"]


def _predict_vmk(host, op):
    by_device = dict((v["device"], v) for v in host["vmks"])
    if op["op"] == "add_vmk":
        ipv4 = op["version"] == 4
        host["vmks"].append({
            "device": new_device(op["portgroup"]), "portgroup": op["portgroup"], "switch": op["switch"] or op["dvswitch"],
            "ip": op["ip"] if ipv4 else None, "prefix_length": op["prefix_length"], "netmask": op["netmask"],
            "ipv6": [] if ipv4 else [{"address": op["ip"], "prefix_length": op["prefix_length"], "origin": "manual"}],
            "dhcp": False, "mtu": op["mtu"] or 1500, "netstack": op["netstack"], "services": [], "vmotion": op["netstack"] == "vmotion",
            "gateway": op.get("gateway")})
    elif op["op"] == "update_vmk":
        vmk = by_device[op["device"]]
        if "portgroup" in op:
            vmk.update(portgroup=op["portgroup"], switch=op["switch"] or op["dvswitch"])
        if "mtu" in op:
            vmk["mtu"] = op["mtu"]
        if "gateway" in op:
            vmk["gateway"] = op["gateway"]
        if "ip" in op and op["version"] == 4:
            vmk.update(ip=op["ip"], netmask=op["netmask"], prefix_length=op["prefix_length"], dhcp=False)
        elif "ip" in op:
            vmk["ipv6"] = [{"address": op["ip"], "prefix_length": op["prefix_length"], "origin": "manual"}]
    elif op["op"] == "enable_vmotion":
        vmk = by_device.get(op["device"] or new_device(op["portgroup"]))
        vmk["services"] = sorted(set(vmk["services"]) | {"vmotion"})
        vmk["vmotion"] = True
    elif op["op"] == "remove_vmk":
        host["vmks"] = [v for v in host["vmks"] if v["device"] != op["device"]]


def predict(host, ops):
    """The host facts as they will be once ``ops`` are applied (nothing is read or written)."""
    after = copy.deepcopy(host)
    after.setdefault("portgroups", [])
    after.setdefault("vmks", [])
    for op in ops:
        if op["op"] in ("add_portgroup", "add_dvportgroup", "update_portgroup", "update_dvportgroup"):
            _predict_portgroup(after, op)
        elif op["op"] == "remove_portgroup":
            after["portgroups"] = [p for p in after["portgroups"] if not (p["name"] == op["portgroup"] and p["type"] == "standard")]
        elif op["op"] == "migrate_uplink":
            predict_uplink_step(after, op)
        elif op["op"] == "update_stack":
            after.setdefault("stacks", {})[op["stack"]] = stack_after(op)
        else:
            _predict_vmk(after, op)
    return after


class _Planner(object):
    """One host: validate the desired vmks against it and list the operations (see the module docstring for their order)."""

    def __init__(self, desired, host, state, purge, allow_moves=True, stack=None, max_steps=None):
        require_netaddr()
        self.host = host
        self.max_steps = max_steps  # uplink moves applied in this run at most (None: all)
        self.moving = {}  # devices moved to a distributed switch by an uplink step
        self.stack = stack  # the vmotion TCP/IP stack's gateways asked for ({"gateway", "gateway_ipv6"}), or None
        self.state = state
        self.purge = purge
        self.allow_moves = allow_moves
        self.problems = []
        self.warnings = []
        self.ops = []
        self.switches = dict(((s["type"], s["name"]), s) for s in host.get("switches") or [])
        self.vmks = dict((v["device"], v) for v in host.get("vmks") or [])
        self.desired = self._normalize(desired)
        self.claimed = {}
        self.restacked = set()  # devices re-created on another TCP/IP stack

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

    # -- what the host has ------------------------------------------------------

    def _management(self, vmk):
        return management_reason(vmk, self.host)

    def _portgroup_of(self, vmk):
        """The existing port group a desired vmk names: standard by name (unique per host), distributed by switch and name."""
        groups = self.host.get("portgroups") or []
        if vmk["dvswitch"]:
            same = [p for p in groups if p["name"] == vmk["portgroup"] and p["type"] == "distributed" and p["switch"] == vmk["dvswitch"]]
            return same[0] if same else next((p for p in groups if p["name"] == vmk["portgroup"] and p["type"] == "standard"), None)
        return next((p for p in groups if p["name"] == vmk["portgroup"] and p["type"] == "standard"), None)

    def _users(self, pg):
        # Standard port group names are unique on a host (a distributed one may share the name); distributed ones only on their switch.
        if pg["type"] == "standard":
            return [v for v in self.vmks.values() if v["portgroup"] == pg["name"] and not v.get("dvport")]
        return [v for v in self.vmks.values() if v["portgroup"] == pg["name"] and v["switch"] == pg["switch"]]

    def _switch_of(self, vmk):
        if vmk["switch"]:
            return self.switches.get(("standard", vmk["switch"]))
        return self.switches.get(("distributed", vmk["dvswitch"]))

    # -- checks against the host ---------------------------------------------

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
        pg = self._portgroup_of(vmk)
        if pg is None:
            return None
        wanted_type = "standard" if vmk["switch"] else "distributed"
        if pg["type"] != wanted_type or pg["switch"] != (vmk["switch"] or vmk["dvswitch"]):
            self.problems.append("%s: port group %r already exists on %s %s, not on %s"
                                 % (vmk["where"], pg["name"], pg["type"], pg["switch"], vmk["switch"] or vmk["dvswitch"]))
        users = self._users(pg)
        managing = [v["device"] for v in users if self._management(v)]
        owned = ["%s (%s)" % (v["device"], v["owner"]) for v in users if owner_refusal(v)]
        if managing:
            self.problems.append("%s: port group %r carries management (%s); it is never changed" % (vmk["where"], pg["name"], ", ".join(managing)))
        elif owned:
            self.problems.append("%s: port group %r carries solution-owned vmk(s) %s; it is never changed"
                                 % (vmk["where"], pg["name"], ", ".join(owned)))
        elif pg.get("vm_ports"):
            self.problems.append("%s: port group %r is taken: %d virtual machine port(s) use it; choose another name"
                                 % (vmk["where"], pg["name"], pg["vm_ports"]))
        return pg

    def _find_current(self, vmk):
        """(existing vmk that becomes this desired vmk or None, how it was found)."""
        if vmk["device"]:
            return self.vmks.get(vmk["device"]), "named"
        pg = self._portgroup_of(vmk)
        in_group = [v for v in self._users(pg) if not self._management(v) and not owner_refusal(v)] if pg is not None else []
        if in_group:
            return in_group[0], "portgroup"
        # A vMotion-only vmk holding the address is the one to move; any other holder is a conflict, reported later.
        for current in self.vmks.values():
            if vmk["ip"] and vmk["ip"] in _current_address(current, vmk.get("version")) and removal_refusal(current, self.host) is None:
                return current, "address"
        return None, None

    def _check_claim(self, vmk, current):
        if current is None:
            if vmk["device"]:
                self.problems.append("%s: device %s does not exist on the host; leave device out to create a new vmk (ESXi names it)"
                                     % (vmk["where"], vmk["device"]))
            return
        where = vmk["where"]
        owned = owner_refusal(current)
        if owned:
            self.problems.append("%s: %s" % (where, owned))
            return
        reason = self._management(current)
        if reason:
            self.problems.append("%s: %s carries management; the management vmk is never modified (%s)" % (where, current["device"], reason))
            return
        others = other_services(current)
        if others:
            self.problems.append("%s: device %s is taken: it carries %s" % (where, current["device"], ", ".join(others)))
            return
        if vmk["device"] and not is_vmotion(current) and not self._belongs_to_layout(current):
            self.problems.append("%s: device %s is taken: it is in port group %s with %s and no vMotion; name another device or leave device out"
                                 % (where, current["device"], current["portgroup"], current["ip"] or "no IPv4 address"))
            return
        if current["device"] in self.claimed:
            self.problems.append("%s: device %s is already used by %s" % (where, current["device"], self.claimed[current["device"]]))
            return
        if NETSTACK_KEYS.get(vmk["netstack"]) != current["netstack"]:
            self._check_restack(vmk, current)
        self.claimed[current["device"]] = where

    def _check_restack(self, vmk, current):
        """A vmk asked on another TCP/IP stack: ESXi fixes the stack at creation (UpdateVirtualNic refuses a change), so it
        is removed and re-created with the layout's address, judged as any removal and refused with allow_moves false."""
        where, device, stack = vmk["where"], current["device"], NETSTACK_KEYS.get(vmk["netstack"])
        refusal = removal_refusal(current, self.host)
        text = "%s moves from the %s TCP/IP stack to %s: removed and re-created in %s with %s (a vmk's stack is fixed at creation)" % (
            device, current["netstack"], stack, vmk["portgroup"], vmk["ip"] or "no address")
        if refusal:
            self.problems.append("%s: %s is on the %s TCP/IP stack, the layout asks for %s, and it cannot be re-created there: %s"
                                 % (where, device, current["netstack"], stack, refusal))
        elif not vmk["ip"]:
            self.problems.append("%s: %s moves to the %s TCP/IP stack by being re-created, which needs its address in the layout (ip)"
                                 % (where, device, stack))
        elif not self.allow_moves:
            self.problems.append("%s: %s; refused because allow_moves is false" % (where, text))
        else:
            self.restacked.add(device)
            self.warnings.append(text)

    def _stack_vmks(self):
        """(address, prefix length) of every vmk the vmotion stack will have: the layout's, and the host's it leaves alone."""
        kept = set(self.claimed) - self.restacked
        return ([(v["ip"], v["prefix_length"]) for v in self.desired if v["netstack"] == "vmotion"]
                + [(v.get("ip"), v.get("prefix_length")) for v in self.vmks.values() if v["netstack"] == VMOTION_NETSTACK and v["device"] not in kept])

    def _belongs_to_layout(self, current):
        """Whether an existing vmk sits in one of the layout's port groups or subnets."""
        if current["portgroup"] in set(v["portgroup"] for v in self.desired):
            return True
        subnets = [netaddr.IPNetwork(v["subnet"]) for v in self.desired if v.get("subnet")]
        return in_subnets(current.get("ip"), subnets)

    def _check_ip_free(self, vmk, current):
        for other in self.vmks.values():
            if current is not None and other["device"] == current["device"]:
                continue
            if vmk["ip"] in _current_address(other, vmk.get("version")):
                self.problems.append("%s: IP %s is already used by %s on the host" % (vmk["where"], vmk["ip"], other["device"]))

    def _check_move(self, vmk, current, found):
        """A vmk that changes port group is a move: said in a warning, refused with allow_moves false."""
        if current is None or not _moves(vmk, current):
            return
        how = {"address": " (found by its address %s)" % vmk["ip"], "named": " (named by device)"}.get(found, "")
        text = "%s moves from port group %s to %s%s" % (current["device"], current["portgroup"], vmk["portgroup"], how)
        if not self.allow_moves:
            self.problems.append("%s: %s; refused because allow_moves is false" % (vmk["where"], text))
        else:
            self.warnings.append(text)

    # -- operations -----------------------------------------------------------

    def _portgroup_ops(self, vmk, pg, switch):
        active, standby = desired_order(vmk, switch["uplinks"])
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
        if current is not None and current["device"] in self.restacked:
            # removed right before it is re-created: the address is free again and ESXi gives the lowest free device name
            adds.append({"op": "remove_vmk", "device": current["device"], "restack": True})
        if current is None or current["device"] in self.restacked:
            adds.append(dict({"op": "add_vmk", "portgroup": vmk["portgroup"], "switch": vmk["switch"], "dvswitch": vmk["dvswitch"],
                              "version": vmk["version"], "ip": vmk["ip"], "prefix_length": vmk["prefix_length"], "netmask": vmk["netmask"],
                              "mtu": vmk["mtu"] or (current or {}).get("mtu"), "netstack": NETSTACK_KEYS[vmk["netstack"]]},
                             **dict(({"gateway": vmk["gateway"]} if vmk.get("gateway") else {}),
                                    **({"replaces": current["device"]} if current else {}))))
            if vmk["netstack"] != "vmotion":
                enables.append({"op": "enable_vmotion", "device": None, "portgroup": vmk["portgroup"]})
            return
        changes = {}
        if _moves(vmk, current) and current["device"] not in self.moving:
            changes.update(portgroup=vmk["portgroup"], switch=vmk["switch"], dvswitch=vmk["dvswitch"], from_portgroup=current["portgroup"])
        addresses = _current_address(current, vmk["version"])
        if vmk["version"] == 4 and (addresses != [vmk["ip"]] or current["prefix_length"] != vmk["prefix_length"] or current.get("dhcp")):
            changes.update(ip=vmk["ip"], netmask=vmk["netmask"], prefix_length=vmk["prefix_length"])
        if vmk["version"] == 6:
            prefixes = _manual_ipv6(current)
            if prefixes.get(vmk["ip"]) != vmk["prefix_length"]:
                changes.update(ip=vmk["ip"], prefix_length=vmk["prefix_length"], remove_ipv6=["%s/%s" % (a, n) for a, n in prefixes.items() if a != vmk["ip"]])
        if vmk["mtu"] and current["mtu"] != vmk["mtu"]:
            changes["mtu"] = vmk["mtu"]
        if vmk.get("gateway") and current.get("gateway") != vmk["gateway"]:
            changes["gateway"] = vmk["gateway"]
        if changes:
            self.ops.append(dict({"op": "update_vmk", "device": current["device"], "version": vmk["version"]}, **changes))
        if not is_vmotion(current):
            enables.append({"op": "enable_vmotion", "device": current["device"], "portgroup": vmk["portgroup"]})

    def _refuse_removal(self, current, where):
        """Problem text when a removal would take more than a vMotion-only vmk, else None."""
        reason = self._management(current)
        if reason:
            return "%s: %s carries management; the management vmk is never removed (%s)" % (where, current["device"], reason)
        refusal = removal_refusal(current, self.host)
        if refusal:
            return "%s: refusing to remove %s: %s; only vmks that carry vMotion and nothing else are removed" % (where, current["device"], refusal)
        return None

    def _absent_ops(self):
        removals, groups = [], []
        for vmk in self.desired:
            current, _found = self._find_current(vmk)
            if current is None:
                # only a vmk that may not be removed holds the address: say so rather than do nothing
                current = next((v for v in self.vmks.values() if vmk["ip"] and vmk["ip"] in _current_address(v, vmk.get("version"))), None)
            if current is not None:
                refusal = self._refuse_removal(current, vmk["where"])
                if refusal:
                    self.problems.append(refusal)
                    continue
                removals.append({"op": "remove_vmk", "device": current["device"]})
            pg = self._portgroup_of(vmk)
            if pg is not None and pg["type"] == "standard":
                self._maybe_remove_portgroup(pg, [r["device"] for r in removals], groups, vmk["where"])
        self.ops.extend(removals + groups)

    def _maybe_remove_portgroup(self, pg, removed_devices, groups, where):
        users = [v for v in self._users(pg) if v["device"] not in removed_devices]
        if users:
            self.problems.append("%s: port group %r still carries %s; it is left in place" % (where, pg["name"], ", ".join(v["device"] for v in users)))
        elif pg.get("vm_ports"):
            self.problems.append("%s: port group %r has virtual machine ports; it is left in place" % (where, pg["name"]))
        else:
            groups.append({"op": "remove_portgroup", "portgroup": pg["name"], "switch": pg["switch"]})

    def _purge_ops(self):
        """Remove the vMotion-only vmks the layout leaves out, then the standard port groups left empty: those of removed
        vmks or of vmks moved away by this plan (a vSS -> vDS move), and empty ones named as vMotion port groups (left by
        an earlier move). A port group the layout names, or that carries anything, stays."""
        wanted = set((v["portgroup"], v["switch"]) for v in self.desired if not v["dvswitch"])
        removals = [{"op": "remove_vmk", "device": v["device"]} for v in self.vmks.values()
                    if v["device"] not in self.claimed and removal_refusal(v, self.host) is None]
        leaving = [r["device"] for r in removals] + [op["device"] for op in self.ops if op.get("from_portgroup")]
        groups = []
        for pg in self.host.get("portgroups") or []:
            if pg["type"] != "standard" or (pg["name"], pg["switch"]) in wanted:
                continue
            users = self._users(pg)
            if users and all(v["device"] in leaving for v in users):
                self._maybe_remove_portgroup(pg, leaving, groups, "purge")
            elif not users and not pg.get("vm_ports") and VMOTION_PORTGROUP_PATTERN.search(pg["name"]):
                groups.append({"op": "remove_portgroup", "portgroup": pg["name"], "switch": pg["switch"]})
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
                current, found = self._find_current(vmk)
                self._check_claim(vmk, current)
                self._check_move(vmk, current, found)
                if vmk["ip"]:
                    self._check_ip_free(vmk, current)
                checked.append((vmk, switch, pg, current))
            self.problems.extend(stack_problems(self.stack, self.host, self._stack_vmks()))
            steps, problems, self.moving = uplink_steps([(vmk, current) for vmk, _s, _p, current in checked], self.host, self.max_steps)
            self.problems.extend(problems)
            later = sorted((d for d, number in self.moving.items() if self.max_steps and number > self.max_steps), key=natural_key)
            if later:
                # their moves wait for their uplink step, in a later run
                self.warnings = [w for w in self.warnings if w.split(" ", 1)[0] not in later]
                self.warnings.append("%s: not moved in this run, with the uplink step(s) left for a later one (max_migration_steps %d)"
                                     % (", ".join(later), self.max_steps))
            if not self.problems:
                adds, enables = [], []
                for vmk, switch, pg, current in checked:
                    self._portgroup_ops(vmk, pg, switch)
                for vmk, switch, pg, current in checked:
                    self._vmk_ops(vmk, current, adds, enables)
                groups = [op for op in self.ops if op["op"] in PORTGROUP_OPS]
                self.ops = groups + steps + [op for op in self.ops if op["op"] not in PORTGROUP_OPS]
                self.ops.extend(adds + enables + stack_ops(self.stack, self.host))
                if self.purge:
                    self._purge_ops()
        if self.problems:
            raise PlanError(self.problems)
        return self.ops


def _moves(vmk, current):
    """Whether an existing vmk changes port group (a distributed one is known by switch and name)."""
    if current["portgroup"] != vmk["portgroup"]:
        return True
    return bool(vmk["dvswitch"]) and current["switch"] != vmk["dvswitch"]


def desired_order(vmk, uplinks):
    """(active, standby) teaming of a desired vmk on a switch with these uplinks."""
    others = [u for u in (vmk["uplinks"] or uplinks) if u != vmk["active_uplink"]]
    return [vmk["active_uplink"]], (others if vmk["failover"] == "standby" else [])


def plan_layout(desired, host, state="present", purge=False, allow_moves=True, stack=None, max_steps=None):
    """Ordered operations that bring ``host`` to the ``desired`` vmk layout; raises PlanError with every problem."""
    return _Planner(desired, host, state, purge, allow_moves, stack, max_steps).plan()


def plan_host(desired, host, state="present", purge=False, allow_moves=True, stack=None, max_steps=None):
    """(operations, warnings) for one host; raises PlanError with every problem. ``stack``: the vmotion TCP/IP stack's
    gateways ({"gateway", "gateway_ipv6"}; what is left out stays), which needs the host read with its stacks."""
    planner = _Planner(desired, host, state, purge, allow_moves, stack, max_steps)
    return planner.plan(), planner.warnings
