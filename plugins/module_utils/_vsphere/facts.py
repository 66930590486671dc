# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain-data view of one host's networking, built from vSphere data objects.

The functions here only read attributes of the data objects returned by the
PropertyCollector (HostNetworkInfo, HostVirtualNicManagerInfo, dvportgroup
config); they make no API calls. The output is the host dict (the model) that the
plan and the findings work on; ``published_facts`` is the part of it the facts module returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import (
    DEFAULT_NETSTACK,
    dhcp_lease,
    ipv4_text,
    is_vmotion,
    natural_key,
    netmask_prefix,
    parse_address,
)


def _list(value):
    return list(value) if value else []


def vnic_services(nic_manager_info):
    """{vmk device: sorted list of nicTypes selected on it} from HostVirtualNicManagerInfo."""
    services = {}
    for net_config in _list(getattr(nic_manager_info, "netConfig", None)):
        key_to_device = dict((c.key, c.device) for c in _list(net_config.candidateVnic))
        for key in _list(net_config.selectedVnic):
            # Keys look like 'vmotion.key-vim.host.VirtualNic-vmk1'; the candidate list maps them back.
            device = key_to_device.get(key) or key.rsplit("-", 1)[-1]
            services.setdefault(device, set()).add(net_config.nicType)
    return dict((device, sorted(types)) for device, types in services.items())


def _standard_teaming(portgroup, switch_uplinks):
    computed = getattr(getattr(portgroup, "computedPolicy", None), "nicTeaming", None)
    order = getattr(computed, "nicOrder", None)
    active = _list(getattr(order, "activeNic", None))
    standby = _list(getattr(order, "standbyNic", None))
    own = getattr(getattr(getattr(portgroup, "spec", None), "policy", None), "nicTeaming", None)
    return {
        "active": active,
        "standby": standby,
        "unused": [u for u in switch_uplinks if u not in active and u not in standby],
        "inherited": getattr(own, "nicOrder", None) is None,
    }


def _distributed_teaming(port_config, switch_uplinks):
    teaming = getattr(port_config, "uplinkTeamingPolicy", None)
    order = getattr(teaming, "uplinkPortOrder", None)
    active = _list(getattr(order, "activeUplinkPort", None))
    standby = _list(getattr(order, "standbyUplinkPort", None))
    return {
        "active": active,
        "standby": standby,
        "unused": [u for u in switch_uplinks if u not in active and u not in standby],
        "inherited": bool(getattr(order, "inherited", False)),
    }


def _vlan_of_dvportgroup(port_config):
    vlan = getattr(port_config, "vlan", None)
    value = getattr(vlan, "vlanId", None)
    return value if isinstance(value, int) else None


def _standard_switches(network_info):
    switches = []
    for vswitch in _list(getattr(network_info, "vswitch", None)):
        bridge = getattr(getattr(vswitch, "spec", None), "bridge", None)
        uplinks = _list(getattr(bridge, "nicDevice", None))
        switches.append({"name": vswitch.name, "type": "standard", "uplinks": uplinks, "mtu": vswitch.mtu, "uuid": None})
    return switches


def _standard_portgroups(network_info, switches):
    standard_uplinks = dict((s["name"], s["uplinks"]) for s in switches)
    portgroups = []
    for portgroup in _list(getattr(network_info, "portgroup", None)):
        spec = portgroup.spec
        portgroups.append({
            "name": spec.name,
            "switch": spec.vswitchName,
            "type": "standard",
            "vlan_id": spec.vlanId,
            "key": None,
            "teaming": _standard_teaming(portgroup, standard_uplinks.get(spec.vswitchName, [])),
            # VM ports tell a VM network apart from a port group only vmks use.
            "vm_ports": sum(1 for port in _list(getattr(portgroup, "port", None)) if port.type == "virtualMachine"),
        })
    return portgroups


def _distributed_switches(network_info, distributed_switches):
    """The distributed switches the host is a member of, with the host's own uplink names."""
    switches = []
    for proxy in _list(getattr(network_info, "proxySwitch", None)):
        info = distributed_switches.get(proxy.dvsUuid, {})
        ports = dict((kv.key, kv.value) for kv in _list(getattr(proxy, "uplinkPort", None)))  # port key -> uplink name
        uplinks = info.get("uplinks") or list(ports.values())
        backing = getattr(getattr(getattr(proxy, "spec", None), "backing", None), "pnicSpec", None)
        switches.append({
            "name": info.get("name") or proxy.dvsName,
            "type": "distributed",
            "uplinks": uplinks,
            "mtu": getattr(proxy, "mtu", None) or info.get("mtu"),
            "uuid": proxy.dvsUuid,
            # which pnic backs each of the host's uplinks (HostProxySwitch.spec.backing), and the host's uplink port keys
            "pnics": dict((ports.get(p.uplinkPortKey, p.uplinkPortKey), p.pnicDevice) for p in _list(backing)),
            "uplink_ports": dict((name, key) for key, name in ports.items()),
        })
    return switches


def _distributed_portgroups(member_uuids, distributed_switches, distributed_portgroups):
    portgroups = []
    for key, group in sorted(distributed_portgroups.items(), key=lambda kv: kv[1].get("name") or ""):
        if group.get("uplink") or group.get("switch_uuid") not in member_uuids:
            continue
        switch = distributed_switches.get(group["switch_uuid"], {})
        portgroups.append({
            "name": group["name"],
            "switch": switch.get("name"),
            "type": "distributed",
            "vlan_id": _vlan_of_dvportgroup(group.get("port_config")),
            "key": key,
            "teaming": _distributed_teaming(group.get("port_config"), switch.get("uplinks") or []),
            "vm_ports": None,
        })
    return portgroups


def _vmk(vnic, services, standard_pg_switch, distributed_switches, distributed_portgroups):
    spec = vnic.spec
    ip = getattr(spec, "ip", None)
    dvport = getattr(spec, "distributedVirtualPort", None)
    if dvport is not None:
        portgroup_name = distributed_portgroups.get(dvport.portgroupKey, {}).get("name")
        switch_name = distributed_switches.get(dvport.switchUuid, {}).get("name")
    else:
        portgroup_name = vnic.portgroup
        switch_name = standard_pg_switch.get(vnic.portgroup)
    netstack = getattr(spec, "netStackInstanceKey", None) or DEFAULT_NETSTACK
    ipv6 = [{"address": a.ipAddress, "prefix_length": a.prefixLength, "origin": getattr(a, "origin", None)}
            for a in _list(getattr(getattr(ip, "ipV6Config", None), "ipV6Address", None))]
    vmk_services = services.get(vnic.device, [])
    netmask = getattr(ip, "subnetMask", None) or None
    vmk = {
        "device": vnic.device,
        "portgroup": portgroup_name,
        "switch": switch_name,
        "dvport": {"switch_uuid": dvport.switchUuid, "portgroup_key": dvport.portgroupKey, "port_key": dvport.portKey} if dvport else None,
        "ip": getattr(ip, "ipAddress", None) or None,
        "netmask": netmask,
        "prefix_length": netmask_prefix(netmask),
        "ipv6": ipv6,
        "dhcp": bool(getattr(ip, "dhcp", False)),
        "mac": getattr(spec, "mac", None),
        "mtu": getattr(spec, "mtu", None),
        "netstack": netstack,
        "services": vmk_services,
        "vmotion": is_vmotion({"services": vmk_services, "netstack": netstack}),
    }
    if vmk["dhcp"]:
        vmk["dhcp_lease"] = dhcp_lease(vmk)
    # HostVirtualNicSpec.ipRouteSpec (vSphere 6.5+): the vmk's own default gateway, overriding its TCP/IP stack's
    route_config = getattr(getattr(spec, "ipRouteSpec", None), "ipRouteConfig", None)
    gateway = getattr(route_config, "defaultGateway", None) or getattr(route_config, "ipV6DefaultGateway", None)
    if gateway:
        vmk["gateway"] = gateway
    # HostVirtualNic.owner (API 9.0): a vmk an NSX or vSAN solution owns; pyVmomi 8 and 8.x servers have none
    owner = getattr(vnic, "owner", None)
    if owner:
        vmk["owner"] = owner
    return vmk


def host_facts(name, network_info, nic_manager_info, distributed_switches=None, distributed_portgroups=None):
    """The plain host dict (see the facts module RETURN) for one host.

    distributed_switches: {uuid: {'name', 'mtu', 'uplinks'}}; distributed_portgroups:
    {key: {'name', 'switch_uuid', 'port_config', 'uplink'}} — both from the inventory read.
    """
    distributed_switches = distributed_switches or {}
    distributed_portgroups = distributed_portgroups or {}
    switches = _standard_switches(network_info)
    portgroups = _standard_portgroups(network_info, switches)
    members = _distributed_switches(network_info, distributed_switches)
    switches += members
    portgroups += _distributed_portgroups([s["uuid"] for s in members], distributed_switches, distributed_portgroups)
    services = vnic_services(nic_manager_info)
    standard_pg_switch = dict((p["name"], p["switch"]) for p in portgroups if p["type"] == "standard")
    vmks = sorted((_vmk(vnic, services, standard_pg_switch, distributed_switches, distributed_portgroups)
                   for vnic in _list(getattr(network_info, "vnic", None))), key=lambda v: natural_key(v["device"]))
    mgmt_ip = _management_ip(name, vmks)
    facts = {
        "name": name,
        "mgmt_ip": mgmt_ip,
        "mgmt_octet": int(mgmt_ip.rsplit(".", 1)[-1]) if mgmt_ip else None,
        "switches": switches,
        "portgroups": portgroups,
        "vmks": vmks,
        "findings": [],
    }
    stacks = _list(getattr(network_info, "netStackInstance", None))
    if stacks:  # only when read (NETSTACK_PROPERTY): a host always has its default stack
        facts["stacks"] = dict((stack.key, _stack_gateways(stack)) for stack in stacks if getattr(stack, "key", None))
    return facts


def _stack_gateways(stack):
    """{"gateway": IPv4 default gateway or None, "gateway_ipv6": ..., "routes": ["network/prefix via gateway (device)"]} of
    one TCP/IP stack (netStackInstance[].ipRouteConfig and its own routeTableConfig)."""
    config = getattr(stack, "ipRouteConfig", None)
    routes = []
    for change in _list(getattr(getattr(stack, "routeTableConfig", None), "ipRoute", None)):
        route = getattr(change, "route", None)
        if route is None:
            continue
        gateway = route.gateway if route.gateway not in (None, "", "0.0.0.0", "::") else None
        routes.append("%s/%s%s%s" % (route.network, route.prefixLength, " via %s" % gateway if gateway else "",
                                     " (%s)" % route.deviceName if getattr(route, "deviceName", None) else ""))
    return {"gateway": getattr(config, "defaultGateway", None) or None, "gateway_ipv6": getattr(config, "ipV6DefaultGateway", None) or None,
            "routes": routes}


CONNECTED = "connected"


def host_state(values):
    """(connection state, in maintenance) of a host as read (runtime.connectionState, runtime.inMaintenanceMode)."""
    return values.get("runtime.connectionState") or CONNECTED, bool(values.get("runtime.inMaintenanceMode"))


def unread_host(name, connection_state, maintenance):
    """What is said of a host vCenter cannot reach: no vmks, switches or port groups (none that can be trusted), its state."""
    return {"name": name, "connection_state": connection_state, "maintenance": maintenance}


def is_read(host):
    """Whether a host's facts are a read of it (connected) rather than a host vCenter cannot reach (see unread_host)."""
    return (host or {}).get("connection_state", CONNECTED) == CONNECTED


def not_read_text(host):
    """'not read: disconnected' (or notResponding), for messages and reports."""
    return "not read: %s%s" % (host.get("connection_state"), ", in maintenance mode" if host.get("maintenance") else "")


def _management_ip(name, vmks):
    """IPv4 of the first vmk carrying management; the host name when it is an IPv4 address; else None."""
    for vmk in vmks:
        if "management" in vmk["services"] and vmk["ip"] and "." in vmk["ip"]:
            return vmk["ip"]
    address = parse_address(name)
    return name if address is not None and address.version == 4 and str(address) == name else None


def pnic_link(pnic):
    """Link state and speed of a PhysicalNic: {link, speed_mbps}.

    No duplex: at the speeds vMotion runs on (1 Gb/s and up, where auto-negotiation is mandatory and 10 Gb/s and up
    know no half duplex) a link is full duplex, and a half-duplex link shows as a wrong speed.
    """
    speed = getattr(pnic, "linkSpeed", None)  # unset while the link is down
    return {"link": "up" if speed is not None else "down", "speed_mbps": getattr(speed, "speedMb", None)}


def pnic_facts(network_info):
    """Link state and speed of every physical NIC read (config.network.pnic): {device: {link, speed_mbps}}."""
    return dict((pnic.device, pnic_link(pnic)) for pnic in sorted(_list(getattr(network_info, "pnic", None)), key=lambda p: natural_key(p.device)))


def _automatic_link_local(item):
    address = parse_address(item.get("address"))
    return address is not None and address.version == 6 and address.is_link_local() and item.get("origin") != "manual"


def _without(item, key):
    return dict((k, v) for k, v in item.items() if k != key)


def published_facts(model, vmotion_portgroup=None):
    """What vmk_vmotion_facts returns of a host: its model, about its vmks and vMotion.

    - Port groups: those a vmk of the host is on, and those vmotion_portgroup (a compiled pattern, or None) names as
      vMotion ones. VM networks are left out: no rule reads them and a distributed switch may carry hundreds, each
      repeated for every member host. The write side keeps working on the whole model.
    - A vmk's ipv6: without its automatic link-local address (fe80::/64 made from its MAC on every vmk of a host with
      IPv6 on, so ``mac`` tells it; vMotion never uses it). A link-local address set by hand stays.
    - ``key``, ``uuid`` and ``dvport`` only on distributed port groups, switches and vmks, where they mean something; a
      distributed switch's uplink port keys (the write side's) are left out.
    """
    used = set((v["portgroup"], v["switch"]) for v in model["vmks"])
    portgroups = []
    for group in model["portgroups"]:
        if (group["name"], group["switch"]) in used or (vmotion_portgroup is not None and vmotion_portgroup.search(group["name"] or "")):
            portgroups.append(group if group["type"] == "distributed" else _without(group, "key"))
    switches = [_without(s, "uplink_ports") if s["type"] == "distributed" else _without(s, "uuid") for s in model["switches"]]
    vmks = [dict(v if v["dvport"] is not None else _without(v, "dvport"), ipv6=[a for a in v["ipv6"] if not _automatic_link_local(a)])
            for v in model["vmks"]]
    return dict(model, switches=switches, portgroups=portgroups, vmks=vmks)


def _active_uplink(vmk, portgroups):
    for group in portgroups:
        if group["name"] == vmk["portgroup"] and group["switch"] == vmk["switch"]:
            return ",".join(group["teaming"]["active"]) or "no active uplink"
    return "?"


def _link_text(uplinks, pnics):
    texts = []
    for uplink in uplinks.split(","):
        pnic = pnics.get(uplink)
        if pnic is not None:
            texts.append("down" if pnic["link"] == "down" else "%s Mb/s" % pnic["speed_mbps"])
    return " (%s)" % ", ".join(texts) if texts else ""


def vmk_table(facts, pnics=None):
    """One line per vmk, for people: device, address, port group and switch, active uplink (its link), MTU, services."""
    rows = []
    for vmk in facts["vmks"]:
        address = ipv4_text(vmk) or ",".join("%s/%s" % (a["address"], a["prefix_length"]) for a in vmk["ipv6"]) or "no address"
        stack = (facts.get("stacks") or {}).get(vmk["netstack"]) if vmk["netstack"] != DEFAULT_NETSTACK else None
        gateway = vmk.get("gateway") or (stack or {}).get("gateway")
        if gateway:
            address += " via %s%s" % (gateway, "" if vmk.get("gateway") else " (the stack's)")
        uplink = _active_uplink(vmk, facts["portgroups"])
        rows.append("%s %s pg %s (%s) active %s%s mtu %s %s" % (
            vmk["device"], address, vmk["portgroup"], vmk["switch"], uplink, _link_text(uplink, pnics or {}), vmk["mtu"],
            # a vmk on the vmotion stack carries vMotion without selecting it
            ",".join(vmk["services"]) or ("vmotion" if vmk["vmotion"] else "no services"))
            + ("" if vmk["netstack"] == DEFAULT_NETSTACK else " stack " + vmk["netstack"]))
    return rows
