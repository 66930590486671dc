# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Uplink evidence: what each physical NIC of a host sees of the physical network.

Per pnic: link up or down and its speed (``config.network.pnic[].linkSpeed``, unset when the link is
down), the CDP or LLDP neighbour (switch and port; CDP also tells the port's MTU and VLAN), and the IP
subnets and VLANs ESXi has observed on it (``HostNetworkSystem.QueryNetworkHint``, passive: what
the NIC has seen go by, not a configuration), with the switch and uplink name the host's teaming
uses for it (the pnic itself on a standard switch, the uplink port name on a distributed one).

The reads and their cost are _vsphere.network_hints'.

The evidence of a pnic is a superset of ``_vsphere.facts.pnic_facts`` (``link``, ``speed_mbps``).

``read_uplink_evidence(client, states)`` returns ``{host: {pnic: evidence}}`` from the reads of
_vsphere.network_hints; everything else here is pure and takes the data objects as read.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.facts import pnic_link
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.network_hints import read_pnics_and_hints


def _list(value):
    return list(value) if value else []


def uplink_ports(raw_network, switches=()):
    """{pnic device: (switch name, uplink name)}: how the host's teaming names each pnic.

    ``raw_network`` is the HostNetworkInfo as read; ``switches`` the host facts' switches (their names, and
    the uuid of distributed ones, as the vmks and port groups of the facts use them).
    """
    ports = {}
    for vswitch in _list(getattr(raw_network, "vswitch", None)):
        for device in _list(getattr(getattr(getattr(vswitch, "spec", None), "bridge", None), "nicDevice", None)):
            ports[device] = (vswitch.name, device)
    names = dict((s.get("uuid"), s.get("name")) for s in switches or () if s.get("uuid"))
    for proxy in _list(getattr(raw_network, "proxySwitch", None)):
        uplink_names = dict((kv.key, kv.value) for kv in _list(getattr(proxy, "uplinkPort", None)))
        backing = getattr(getattr(proxy, "spec", None), "backing", None)
        for spec in _list(getattr(backing, "pnicSpec", None)):
            name = uplink_names.get(getattr(spec, "uplinkPortKey", None))
            if spec.pnicDevice and name:
                ports[spec.pnicDevice] = (names.get(proxy.dvsUuid) or proxy.dvsName, name)
    return ports


def _observed_subnets(hint):
    """[{"vlan", "subnet"}] observed on a pnic; ``subnet`` as ESXi words it (a CIDR or a first-last range)."""
    seen = []
    for item in _list(getattr(hint, "subnet", None)):
        seen.append({"vlan": getattr(item, "vlanId", None), "subnet": getattr(item, "ipSubnet", None)})
    for item in _list(getattr(hint, "network", None)):  # named networks: VLAN only
        seen.append({"vlan": getattr(item, "vlanId", None), "subnet": None})
    return sorted(seen, key=lambda s: (s["vlan"] if isinstance(s["vlan"], int) else -1, s["subnet"] or ""))


def _lldp_parameter(lldp, *keys):
    wanted = set(k.lower() for k in keys)
    for kv in _list(getattr(lldp, "parameter", None)):
        if str(getattr(kv, "key", "")).lower() in wanted:
            return str(kv.value) if kv.value is not None else None
    return None


def neighbour(hint):
    """The switch port a pnic is cabled into, from CDP (preferred: it tells the port's MTU) or LLDP; None when neither speaks."""
    cdp = getattr(hint, "connectedSwitchPort", None)
    if cdp is not None and (getattr(cdp, "devId", None) or getattr(cdp, "portId", None)):
        return {"protocol": "cdp", "switch": cdp.devId or getattr(cdp, "systemName", None), "port": cdp.portId,
                "address": getattr(cdp, "address", None) or getattr(cdp, "mgmtAddr", None), "mtu": getattr(cdp, "mtu", None) or None,
                "vlan": getattr(cdp, "vlan", None) or None, "platform": getattr(cdp, "hardwarePlatform", None)}
    lldp = getattr(hint, "lldpInfo", None)
    if lldp is not None and (getattr(lldp, "chassisId", None) or getattr(lldp, "portId", None)):
        return {"protocol": "lldp", "switch": _lldp_parameter(lldp, "System Name") or lldp.chassisId, "port": lldp.portId,
                "address": _lldp_parameter(lldp, "Management Address"), "mtu": None, "vlan": None,
                "platform": _lldp_parameter(lldp, "System Description")}
    return None


def pnic_evidence(pnics, hints, ports=None):
    """{pnic device: evidence} from config.network.pnic, the QueryNetworkHint answers and uplink_ports."""
    hints_by_device = dict((getattr(h, "device", None), h) for h in hints or ())
    found = {}
    for pnic in sorted(_list(pnics), key=lambda p: natural_key(p.device)):
        hint = hints_by_device.get(pnic.device)
        observed = _observed_subnets(hint) if hint is not None else []
        switch, uplink = (ports or {}).get(pnic.device, (None, None))
        found[pnic.device] = dict(pnic_link(pnic), **{
            "device": pnic.device, "mac": getattr(pnic, "mac", None), "driver": getattr(pnic, "driver", None),
            "switch": switch, "uplink": uplink,
            "neighbour": neighbour(hint) if hint is not None else None,
            "observed": observed,
            "vlans": sorted(set(o["vlan"] for o in observed if isinstance(o["vlan"], int))),
            "hinted": hint is not None,
        })
    return found


def link_states(evidence):
    """{(switch, uplink): link up} from one host's pnic evidence, as _audit.ping_mesh's ``links`` takes it."""
    return dict(((e["switch"], e["uplink"]), e["link"] == "up") for e in evidence.values() if e["switch"] and e["uplink"])


def read_uplink_evidence(client, states):
    """({host: {pnic: evidence}}, calls) for {name: HostState} (as _module.VmotionModule.read_hosts returns them).

    The reads are _vsphere.network_hints'; VsphereError from any call propagates.
    """
    read, calls = read_pnics_and_hints(client, states)
    evidence = {}
    for name in sorted(read, key=natural_key):
        pnics, hints = read[name]
        state = states[name]
        evidence[name] = pnic_evidence(pnics, hints, uplink_ports(state.raw_network, (state.facts or {}).get("switches")))
    return evidence, calls


def host_link_states(states):
    """{host: {(switch, uplink): up}} for {name: HostState} read with their pnics (read_hosts(host_properties=(PNIC_PROPERTY,)))."""
    return dict((name, link_states(pnic_evidence(getattr(state.raw_network, "pnic", None), (),
                                                 uplink_ports(state.raw_network, state.facts.get("switches")))))
                for name, state in states.items())
