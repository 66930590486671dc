# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Thin base for the collection's modules: AnsibleModule, one vSphere session, one error contract.

Reads go through _vsphere.VsphereClient (two batched calls for the hosts in scope), writes
through _change.apply. ``execute`` is the one place that turns errors into results:
  - ProblemsError (bad input, a plan that cannot be applied): ``msg`` + ``problems``, nothing written;
  - ApplyError (a write failed part way, or the verification after it): ``applied``, ``not_applied``,
    ``in_doubt`` and ``changed: true`` when anything was applied;
  - VsphereError (connection, scope, a read): ``msg``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.facts import CONNECTED, host_facts, host_state, not_read_text, unread_host
from ansible_collections.multinic.vmotion.plugins.module_utils._core.problems import ProblemsError
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.session_cache import vcenter_label
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.client import (
    FLEET_PROPERTIES,
    VsphereClient,
    connection_argument_spec,
    vsphere_argument_spec,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import ApplyError, VsphereError
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.inventory import network_info


class HostState(object):
    """One host as read: plain facts plus the managed objects needed to change it."""

    def __init__(self, name, facts, moref, network_system, nic_manager, cluster=None, datacenter=None, raw_network=None, properties=None):
        self.name = name
        self.properties = properties or {}  # every property read of the host ({path: value}), the host_properties included
        self.facts = facts
        # The HostNetworkInfo as read: updates start from its specs so unnamed settings stay.
        self.raw_network = raw_network
        self.moref = moref
        self.network_system = network_system
        self.nic_manager = nic_manager
        self.cluster = cluster
        self.datacenter = datacenter


def problems_message(error, changes=True):
    """The one text of a refusal: how many problems (on how many hosts), then each of them."""
    hosts = getattr(error, "hosts", None)
    where = " on %d host(s)" % hosts if hosts else ""
    return "%s%d problem(s)%s: %s" % ("nothing changed: " if changes else "", len(error.problems), where, "; ".join(error.problems))


class VmotionModule(object):
    """Owns the AnsibleModule and the session; subclasses implement run()."""

    # Whether the module changes things (its refusals then say "nothing changed").
    changes = True

    def __init__(self, argument_spec, scoped=True, **kwargs):
        # scoped: the module takes esxi_hostname/cluster_name/datacenter; else only the connection options (with the timeouts).
        spec = vsphere_argument_spec() if scoped else connection_argument_spec()
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.client = None
        self.inventory = None
        self.fleet = None
        # hosts in scope that vCenter cannot reach (disconnected, not responding): {name: unread_host(...)}
        self.unread = {}

    def fail(self, msg, **result):
        self.module.fail_json(msg=msg, **result)

    def connect(self):
        if self.client is None:
            self.client = VsphereClient.from_params(self.params)
            for warning in self.client.warnings:
                self.module.warn(warning)
        return self.client

    @property
    def vcenter(self):
        """The server the module talks to, as reports name it (host, and port when not 443)."""
        return vcenter_label(self.params.get("hostname"), self.params.get("port"))

    def read_hosts(self, esxi_hostname=None, fleet=False, host_properties=()):
        """Read every host in scope; returns {name: HostState} in name order.

        fleet: also read every host's vmks (in the same calls) into self.fleet, for judging
        a change against the whole vCenter: {"hosts": {name: facts}, "dvportgroups": {key: ...}}.
        """
        self.connect()
        self.inventory, network = self.client.read_scope(
            esxi_hostname if esxi_hostname is not None else self.params.get("esxi_hostname"),
            self.params.get("cluster_name"), self.params.get("datacenter"), fleet_properties=FLEET_PROPERTIES if fleet else (),
            host_properties=host_properties)
        switches = self.inventory.distributed_switches()
        groups = self.inventory.distributed_portgroups()
        states = {}
        self.unread = {}
        for name in sorted(network):
            values = network[name]
            moref = values["_moref"]
            connection_state, maintenance = host_state(values)
            if connection_state != CONNECTED:
                # nothing it says can be trusted (disconnected: no config; not responding: stale): never judged or planned
                self.unread[name] = dict(unread_host(name, connection_state, maintenance), cluster=self.inventory.cluster_of(moref),
                                         datacenter=self.inventory.datacenter_of(moref))
                continue
            raw_network = network_info(values)
            facts = host_facts(name, raw_network, values.get("config.virtualNicManagerInfo"), switches, groups)
            if maintenance:
                facts["maintenance"] = True
            states[name] = HostState(name, facts, moref, values.get("configManager.networkSystem"),
                                     values.get("configManager.virtualNicManager"),
                                     cluster=self.inventory.cluster_of(moref), datacenter=self.inventory.datacenter_of(moref),
                                     raw_network=raw_network, properties=values)
        if fleet:
            self.fleet = self._fleet(switches, groups)
        return states

    def _fleet(self, switches, groups):
        hosts, unseen = {}, {}
        for moref, values in self.inventory.host_values():
            if "config.network.vnic" in values or "config.network.vswitch" in values:
                hosts[values["name"]] = dict(host_facts(values["name"], network_info(values), None, switches, groups), _moref=moref)
            elif "name" in values:
                unseen[values["name"]] = host_state(values)[0]
        dvportgroups = dict((key, {"name": g["name"], "switch": switches.get(g["switch_uuid"], {}).get("name"), "switch_uuid": g["switch_uuid"],
                                   "vms": g["vms"]}) for key, g in groups.items())
        return {"hosts": hosts, "dvportgroups": dvportgroups, "unseen": unseen}

    def read_services(self, names):
        """Add the services of other hosts' vmks to self.fleet (one batched call), for hosts read without them."""
        wanted = [self.fleet["hosts"][n]["_moref"] for n in names if n in self.fleet["hosts"]]
        if not wanted:
            return
        switches = self.inventory.distributed_switches()
        groups = self.inventory.distributed_portgroups()
        found = self.client.host_network(wanted, properties=("name", "config.network.vnic", "config.virtualNicManagerInfo"))
        for name, values in found.items():
            self.fleet["hosts"][name] = dict(host_facts(name, network_info(values), values.get("config.virtualNicManagerInfo"), switches, groups),
                                             _moref=values["_moref"])

    def unread_problems(self):
        """One problem per host in scope that vCenter cannot reach: it is named with its state."""
        return ["%s: %s: vCenter cannot reach the host, so nothing is read or changed on it%s"
                % (name, not_read_text(host), "" if host["connection_state"] == "disconnected" else " (what vCenter shows of it is stale)")
                for name, host in sorted(self.unread.items())]

    def not_read(self):
        """{name: connection state} of the hosts in scope vCenter cannot reach, as every module's result gives them."""
        return dict((name, host["connection_state"]) for name, host in sorted(self.unread.items()))

    def exit(self, **result):
        # community.vmware's client logs out at exit, unless the session is kept in the session cache.
        self.module.exit_json(**result)

    def failure_result(self, error):
        """Result fields of a failure after writes began (ApplyError): what was applied, not applied, in doubt."""
        outcome = error.outcome
        name = error.host if error.host in outcome.plans else (next(iter(outcome.plans)) if len(outcome.plans) == 1 else None)
        every = sorted(outcome.plans)
        pick = (lambda values: values(name)) if name else (lambda values: [op for n in every for op in values(n)])
        return dict(
            changed=outcome.changed, host=name,
            applied=pick(lambda n: outcome.applied[n]), not_applied=pick(outcome.not_applied), in_doubt=pick(lambda n: outcome.in_doubt[n]),
            operations=pick(lambda n: outcome.plans[n]),
            hosts_applied=dict((n, outcome.applied[n]) for n in every),
            hosts_not_applied=dict((n, outcome.not_applied(n)) for n in every if outcome.not_applied(n)),
            hosts_in_doubt=dict((n, outcome.in_doubt[n]) for n in every if outcome.in_doubt[n]),
        )

    def execute(self):
        try:
            self.run()
        except ProblemsError as e:
            self.fail(problems_message(e, self.changes), problems=e.problems)
        except ApplyError as e:
            self.fail(str(e), **self.failure_result(e))
        except VsphereError as e:
            self.fail(str(e))

    def run(self):
        raise NotImplementedError
