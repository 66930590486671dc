# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Thin base for the collection's modules: AnsibleModule + one vSphere session.

It turns VsphereError into fail_json and reads the network state of every
host in scope with the two batched calls of _vsphere.VsphereClient.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multinic.vmotion.plugins.module_utils._model import host_facts
from ansible_collections.community.vmware.plugins.module_utils.vmware import vmware_argument_spec
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere import (
    VsphereClient,
    VsphereError,
    network_info,
    vsphere_argument_spec,
)


class HostState(object):
    """One host as read: plain facts plus the managed objects needed to change it."""

    def __init__(self, name, facts, moref, network_system, nic_manager, cluster=None, datacenter=None, raw_network=None):
        self.name = name
        self.facts = facts
        # The HostNetworkInfo as read: updates start from its specs so unnamed settings stay.
        self.raw_network = raw_network
        self.moref = moref
        self.network_system = network_system
        self.nic_manager = nic_manager
        self.cluster = cluster
        self.datacenter = datacenter


class VmotionModule(object):
    """Owns the AnsibleModule and the session; subclasses implement run()."""

    def __init__(self, argument_spec, scoped=True, **kwargs):
        # scoped: the module takes esxi_hostname/cluster_name/datacenter; else only the connection options.
        spec = vsphere_argument_spec() if scoped else vmware_argument_spec()
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.client = None
        self.inventory = None

    def fail(self, msg, **result):
        self.module.fail_json(msg=msg, **result)

    def connect(self):
        try:
            self.client = VsphereClient.from_params(self.params)
        except VsphereError as e:
            self.fail(str(e))
        return self.client

    def read_hosts(self, esxi_hostname=None):
        """Read every host in scope; returns {name: HostState} in name order."""
        if self.client is None:
            self.connect()
        try:
            self.inventory, network = self.client.read_scope(
                esxi_hostname if esxi_hostname is not None else self.params.get("esxi_hostname"),
                self.params.get("cluster_name"), self.params.get("datacenter"))
        except VsphereError as e:
            self.fail(str(e))
        switches = self.inventory.distributed_switches()
        groups = self.inventory.distributed_portgroups()
        states = {}
        for name in sorted(network):
            values = network[name]
            raw_network = network_info(values)
            facts = host_facts(name, raw_network, values.get("config.virtualNicManagerInfo"), switches, groups)
            moref = values["_moref"]
            states[name] = HostState(name, facts, moref, values.get("configManager.networkSystem"),
                                     values.get("configManager.virtualNicManager"),
                                     cluster=self.inventory.cluster_of(moref), datacenter=self.inventory.datacenter_of(moref),
                                     raw_network=raw_network)
        return states

    def exit(self, **result):
        # community.vmware's client logs out at exit; nothing to close here.
        self.module.exit_json(**result)

    def execute(self):
        try:
            self.run()
        except VsphereError as e:
            self.fail(str(e))

    def run(self):
        raise NotImplementedError
