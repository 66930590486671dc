# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory tree as read in one call: names (as given, not as vCenter escapes them) and parents of folders,
datacenters, clusters, hosts and distributed switches, and the hosts' network state as plain values."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re

try:
    from pyVmomi import vim

    HAS_PYVMOMI = True
except ImportError:
    HAS_PYVMOMI = False

from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import ScopeError

# The parts of config.network the collection uses. Reading them rather than the whole of
# config.network leaves out pnic, netStackInstance, DNS and routes: about a quarter of config.network
# (~9 KB of XML per host), and parsing is most of the time a fleet read takes.
NETWORK_PARTS = ("vswitch", "portgroup", "proxySwitch", "vnic")
# The physical NICs (link state and speed), read by the facts module only: ~1 KB of XML per NIC.
PNIC_PROPERTY = "config.network.pnic"
# The TCP/IP stacks (each one's default gateways), read by the facts module only: routed vMotion's stack gateway.
NETSTACK_PROPERTY = "config.network.netStackInstance"


_ESCAPED = {"2f": "/", "5c": "\\", "25": "%"}


def entity_name(text):
    """A ManagedEntity's name as given, from the name vCenter returns: it escapes / \\ and % as %2f, %5c and %25
    (API reference, ManagedEntity.name), so that a port group created as vMotion/3% reads back as vMotion%2f3%25."""
    return re.sub(r"%(2[fF]|5[cC]|25)", lambda m: _ESCAPED[m.group(1).lower()], text)


def _nearest(name, known, limit=3, cutoff=0.75):
    """Known names close to an unknown one, nearest first.

    The same name in another case or domain (esx01 / esx01.example.com) first; else difflib's ratio, on the
    host part alone when both names share their domain (so that ".lab.local" does not make every name near).
    """
    wanted = name.lower()
    label, _dot, domain = wanted.partition(".")
    same = sorted(k for k in known if k.lower() == wanted or (k.lower().partition(".")[0] == label and not label.isdigit()))
    if same:
        return same[:limit]
    scored = []
    for candidate in known:
        other = candidate.lower()
        other_label, _dot, other_domain = other.partition(".")
        pair = (label, other_label) if domain and domain == other_domain and not label.isdigit() else (wanted, other)
        score = difflib.SequenceMatcher(None, *pair).ratio()
        if score >= cutoff:
            scored.append((-score, candidate))
    return [candidate for _score, candidate in sorted(scored)[:limit]]


def network_info(values):
    """The HostNetworkInfo of one host as read: the NETWORK_PARTS (and the pnics when read) filled in, the rest unset."""
    parts = NETWORK_PARTS + tuple(p.rsplit(".", 1)[-1] for p in (PNIC_PROPERTY, NETSTACK_PROPERTY) if p in values)
    return vim.host.NetworkInfo(**dict((part, values.get("config.network." + part) or []) for part in parts))


class Inventory(object):
    """The inventory tree from one read, with scope resolution done locally."""

    def __init__(self, found, server=None):
        self.objects = found
        self.server = server  # host:port of the vCenter read, for messages

    def of_type(self, kind):
        return [(obj, values) for obj, values in self.objects.items() if isinstance(obj, kind)]

    def _ancestor(self, obj, kind):
        seen = 0
        parent = self.objects.get(obj, {}).get("parent")
        while parent is not None and seen < 64:
            if isinstance(parent, kind):
                return parent
            parent = self.objects.get(parent, {}).get("parent")
            seen += 1
        return None

    def name_of(self, obj):
        return self.objects.get(obj, {}).get("name") if obj is not None else None

    def hosts(self, esxi_hostname=None, cluster_name=None, datacenter=None):
        """Host morefs in scope, sorted by name; unknown names raise ScopeError listing them all."""
        problems = []
        datacenters = set(values["name"] for _obj, values in self.of_type(vim.Datacenter))
        if datacenter and datacenter not in datacenters:
            problems.append("datacenter %r does not exist (known: %s)" % (datacenter, ", ".join(sorted(datacenters)) or "none"))
        clusters = set(values["name"] for _obj, values in self.of_type(vim.ClusterComputeResource))
        if cluster_name and cluster_name not in clusters:
            problems.append("cluster %r does not exist (known: %s)" % (cluster_name, ", ".join(sorted(clusters)) or "none"))
        selected = []
        for obj, values in self.of_type(vim.HostSystem):
            if datacenter and self.name_of(self._ancestor(obj, vim.Datacenter)) != datacenter:
                continue
            if cluster_name and self.name_of(self._ancestor(obj, vim.ClusterComputeResource)) != cluster_name:
                continue
            selected.append((values["name"], obj))
        if esxi_hostname:
            wanted = list(dict.fromkeys(esxi_hostname))
            by_name = dict(selected)
            unknown = [n for n in wanted if n not in by_name]
            if unknown:
                where = " in %s" % " / ".join(x for x in (datacenter, cluster_name) if x) if (datacenter or cluster_name) else ""
                server = " in vCenter %s" % self.server if self.server else ""
                problems.append("unknown ESXi host(s)%s: %s%s%s" % (where, ", ".join(unknown), server, self._did_you_mean(unknown, by_name)
                                                                    or self._how_named(selected)))
            selected = [(n, by_name[n]) for n in wanted if n in by_name]
        if problems:
            raise ScopeError("; ".join(problems), unknown=unknown if esxi_hostname else ())
        return [obj for _name, obj in sorted(selected, key=lambda x: x[0])]

    @staticmethod
    def _how_named(selected):
        """When no known name is near: how this vCenter names its hosts, and where else the host may be."""
        names = sorted(name for name, _obj in selected)
        if not names:
            return " (no host in scope)"
        return (" (this vCenter knows %d host(s), named like %s; a host of another vCenter needs that vCenter's connection)"
                % (len(names), names[0]))

    def _did_you_mean(self, unknown, in_scope, limit=10):
        """' (did you mean esx01.example.com?)' for the first unknown names with near known names, else ''.

        Names of the whole vCenter are candidates; one outside the scope says where it is.
        """
        everywhere = dict((values["name"], obj) for obj, values in self.of_type(vim.HostSystem))
        hints = []
        for name in unknown[:limit]:
            near = [n if n in in_scope else "%s (in %s)" % (n, self.cluster_of(everywhere[n]) or self.datacenter_of(everywhere[n]))
                    for n in _nearest(name, everywhere)]
            if near:
                hints.append((name, " or ".join(near)))
        if not hints:
            return ""
        if len(unknown) == 1:
            return " (did you mean %s?)" % hints[0][1]
        return " (%s)" % "; ".join("%s: did you mean %s?" % hint for hint in hints)

    def host_values(self):
        """[(host moref, {path: value})] of every host of the tree, as read."""
        return self.of_type(vim.HostSystem)

    def cluster_of(self, host):
        return self.name_of(self._ancestor(host, vim.ClusterComputeResource))

    def datacenter_of(self, host):
        return self.name_of(self._ancestor(host, vim.Datacenter))

    def distributed_switches(self):
        """{uuid: {'name', 'mtu', 'uplinks', 'moref'}}."""
        switches = {}
        for obj, values in self.of_type(vim.DistributedVirtualSwitch):
            policy = values.get("config.uplinkPortPolicy")
            switches[values.get("uuid")] = {
                "name": values.get("name"),
                "mtu": values.get("config.maxMtu"),
                "uplinks": list(getattr(policy, "uplinkPortName", None) or []),
                "moref": obj,
            }
        return switches

    def distributed_portgroups(self):
        """{portgroup key: {'name', 'switch_uuid', 'port_config', 'uplink', 'vms', 'moref'}}."""
        uuid_of = dict((obj, values.get("uuid")) for obj, values in self.of_type(vim.DistributedVirtualSwitch))
        groups = {}
        for obj, values in self.of_type(vim.dvs.DistributedVirtualPortgroup):
            groups[values.get("key")] = {
                "name": values.get("name"),
                "switch_uuid": uuid_of.get(values.get("config.distributedVirtualSwitch")),
                "port_config": values.get("config.defaultPortConfig"),
                "uplink": bool(values.get("config.uplink")),
                "vms": len(values.get("vm") or []),
                "moref": obj,
            }
        return groups
