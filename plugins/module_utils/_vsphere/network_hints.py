# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reads behind the uplink evidence (_audit.uplink_evidence): each host's pnics and what ESXi has observed on them.

Cost, for N hosts: one ``HostNetworkSystem.QueryNetworkHint`` per host, plus one PropertyCollector read of
``config.network.pnic`` for the hosts not read with it already; only a host whose all-NICs answer is empty (some ESXi
builds answer so while per-NIC queries work) costs one more call per pnic.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import natural_key

PNIC_PROPERTIES = ("name", "config.network.pnic")


def _list(value):
    return list(value) if value else []


def _query_hints(client, state, devices):
    """QueryNetworkHint for every NIC of one host, per NIC when the all-NICs answer is empty; (hints, calls)."""
    what = "QueryNetworkHint on %s" % state.name
    hints = list(client.call(what, state.network_system.QueryNetworkHint) or [])
    calls = 1
    if hints or not devices:
        return hints, calls
    for device in devices:
        hints.extend(client.call("%s (%s)" % (what, device), state.network_system.QueryNetworkHint, device=[device]) or [])
        calls += 1
    return hints, calls


def read_pnics_and_hints(client, states):
    """({host: (pnics, hints)}, calls) for {name: HostState} (as _module.VmotionModule.read_hosts returns them).

    One batched read of the hosts' pnics, then one QueryNetworkHint per host (per NIC only where the
    all-NICs answer is empty). VsphereError from any call propagates.
    """
    if not states:
        return {}, 0
    # hosts read with their pnics (read_hosts(host_properties=(PNIC_PROPERTY,))) need no second read
    unread = [s.moref for s in states.values() if not _list(getattr(s.raw_network, "pnic", None))]
    read = client.host_network(unread, properties=PNIC_PROPERTIES) if unread else {}
    calls = 1 if unread else 0
    found = {}
    for name in sorted(states, key=natural_key):
        state = states[name]
        pnics = _list(getattr(state.raw_network, "pnic", None)) or _list((read.get(name) or {}).get("config.network.pnic"))
        hints, used = _query_hints(client, state, [p.device for p in pnics])
        calls += used
        found[name] = (pnics, hints)
    return found, calls
