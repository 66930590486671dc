# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one shell to vSphere: connect, resolve host scope, read many hosts at once, write.

Knows nothing of AnsibleModule: problems are raised as VsphereError so that a
module (or a test, or a benchmark) decides how to report them. Logging in is
community.vmware's job (PyvmomiClient); this file adds the batched reads.

Cost of a read, whatever the number of hosts: one RetrievePropertiesEx for the
inventory tree (names and parents of folders, datacenters, clusters, hosts and
distributed switches) and one for the network state of the hosts in scope,
plus a ContinueRetrievePropertiesEx per page when the server pages.

Writes are methods too (network config, services, distributed port groups and
their tasks, log pages), so that nothing above this file calls a vSphere
method itself; _apply turns plans into these calls.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ssl
import time

try:
    from pyVmomi import vim, vmodl

    HAS_PYVMOMI = True
except ImportError:
    HAS_PYVMOMI = False

try:
    import requests

    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

from ansible_collections.community.vmware.plugins.module_utils.vmware import vmware_argument_spec
from ansible_collections.community.vmware.plugins.module_utils.clients._vmware import (
    ApiAccessError,
    MissingLibError,
    PyvmomiClient,
)

# The parts of config.network the collection uses. Reading them rather than the whole of
# config.network leaves out pnic, netStackInstance, DNS and routes: about a quarter of config.network
# (~9 KB of XML per host), and parsing is most of the time a fleet read takes.
NETWORK_PARTS = ("vswitch", "portgroup", "proxySwitch", "vnic")

# Properties of the in-scope hosts that every module of the collection needs.
HOST_NETWORK_PROPERTIES = ("name",) + tuple("config.network." + part for part in NETWORK_PARTS) + (
    "config.virtualNicManagerInfo",
    "configManager.networkSystem",
    "configManager.virtualNicManager",
)

# How long a task may run before the wait gives up (the outcome is then unknown), and the
# pause between two looks at it: tasks of this collection finish in seconds on vCenter.
TASK_TIMEOUT = 300
TASK_POLL = (0.1, 0.2, 0.5, 1.0)

# What a change must know of every other host of the vCenter: its vmks (addresses, port groups).
FLEET_PROPERTIES = ("name", "config.network.vnic")

CERT_HINT = (
    "the server's TLS certificate is not trusted. Add its CA to the trust store of the Python running the module "
    "(for example SSL_CERT_FILE=/path/ca.pem and REQUESTS_CA_BUNDLE=/path/ca.pem), or set validate_certs: false "
    "(environment VMWARE_VALIDATE_CERTS=false) if you accept an unverified connection"
)


class VsphereError(Exception):
    """A problem talking to vSphere, with a message fit for the user (never a secret).

    outcome_unknown: the connection broke before the answer came, so the call may have run.
    """

    def __init__(self, message, outcome_unknown=False):
        super(VsphereError, self).__init__(message)
        self.outcome_unknown = outcome_unknown


class ServerLacksError(VsphereError):
    """The server has no such service at all (not a fault of one object)."""


class TaskError(VsphereError):
    """A vSphere task ended in error: its change was not made (outcome known)."""


class ScopeError(VsphereError):
    """Names of hosts, clusters or datacenters that do not exist."""


def scope_argument_spec():
    return dict(
        esxi_hostname=dict(type="list", elements="str", aliases=["esxi_hostnames"]),
        cluster_name=dict(type="str"),
        datacenter=dict(type="str", aliases=["datacenter_name"]),
    )


def vsphere_argument_spec():
    """Connection options exactly as community.vmware, plus the host scope."""
    spec = vmware_argument_spec()
    spec.update(scope_argument_spec())
    return spec


def describe_fault(error):
    """One line for a pyVmomi fault or a transport error, without a traceback."""
    if HAS_PYVMOMI and isinstance(error, vmodl.MethodFault):
        message = getattr(error, "msg", None) or ""
        faults = getattr(error, "faultMessage", None) or []
        details = [m.message for m in faults if getattr(m, "message", None)]
        text = "%s%s" % (type(error).__name__.split(".")[-1], ": %s" % message if message else "")
        if details:
            text += " (%s)" % "; ".join(details)
        return text
    return "%s: %s" % (type(error).__name__, error)


def _is_certificate_error(error):
    text = str(error)
    return "CERTIFICATE_VERIFY_FAILED" in text or isinstance(error, ssl.SSLCertVerificationError)


class VsphereClient(object):
    """A logged-in session plus batched PropertyCollector reads."""

    def __init__(self, hostname, username, password, port=443, validate_certs=True, proxy_host=None, proxy_port=None):
        self.hostname = hostname
        self.port = port
        try:
            client = PyvmomiClient(hostname, username, password, port=port, validate_certs=validate_certs,
                                   http_proxy_host=proxy_host, http_proxy_port=proxy_port)
        except MissingLibError as e:
            raise VsphereError(str(e))
        except ApiAccessError as e:
            message = str(e)
            if _is_certificate_error(message):
                message = "Cannot connect to %s:%s: %s" % (hostname, port, CERT_HINT)
            raise VsphereError(message)
        self.si = client.si
        self.content = client.content

    @classmethod
    def from_params(cls, params):
        return cls(params["hostname"], params["username"], params["password"], port=params.get("port") or 443,
                   validate_certs=params.get("validate_certs", True), proxy_host=params.get("proxy_host"),
                   proxy_port=params.get("proxy_port"))

    @property
    def is_vcenter(self):
        return self.content.about.apiType == "VirtualCenter"

    def call(self, what, method, *args, **kwargs):
        """Run one API call; faults and dropped connections become VsphereError naming `what`."""
        try:
            return method(*args, **kwargs)
        except vmodl.MethodFault as e:
            raise VsphereError("%s failed: %s" % (what, describe_fault(e)))
        except (requests.exceptions.RequestException, ssl.SSLError, OSError, EOFError) as e:
            raise VsphereError("%s failed: connection to %s:%s lost (%s)" % (what, self.hostname, self.port, describe_fault(e)),
                               outcome_unknown=True)

    # -- writes --------------------------------------------------------------

    def update_network_config(self, network_system, config, what):
        """HostNetworkSystem.UpdateNetworkConfig(config, 'modify'); returns the HostNetworkConfigResult."""
        return self.call(what, network_system.UpdateNetworkConfig, config, "modify")

    def set_service(self, nic_manager, service, device, enabled, what):
        """Select (enabled) or deselect a nicType on one vmk."""
        method = nic_manager.SelectVnicForNicType if enabled else nic_manager.DeselectVnicForNicType
        return self.call(what, method, service, device)

    def create_dvportgroup(self, switch, spec, what):
        """CreateDVPortgroup_Task and wait; returns the new port group's key."""
        info = self.wait_for_task(self.call(what, switch.CreateDVPortgroup_Task, spec), what)
        return self.call(what, lambda: info.result.key)

    def reconfigure_dvportgroup(self, group, spec, what):
        """ReconfigureDVPortgroup_Task and wait."""
        self.wait_for_task(self.call(what, group.ReconfigureDVPortgroup_Task, spec), what)

    def config_version(self, group, what):
        return self.call(what, lambda: group.config.configVersion)

    def wait_for_task(self, task, what, timeout=TASK_TIMEOUT, sleep=time.sleep):
        """Wait until a task ends; returns its TaskInfo.

        A task that ends in error raises TaskError (its change was not made). A wait that
        cannot finish (connection lost, session gone, timeout) raises VsphereError with
        outcome_unknown: the task was submitted and may still complete.
        """
        deadline = time.time() + timeout
        polls = 0
        while True:
            try:
                info = self.call(what, lambda: task.info)
            except VsphereError as e:
                raise VsphereError("%s: the task was submitted, but waiting for it failed (%s)" % (what, e), outcome_unknown=True)
            if info.state == "success":
                return info
            if info.state == "error":
                raise TaskError("%s failed: %s" % (what, describe_fault(info.error) if info.error is not None else "the task reported an error"))
            if time.time() >= deadline:
                raise VsphereError("%s: the task was still %s after %d s; it may still complete" % (what, info.state, timeout),
                                   outcome_unknown=True)
            sleep(TASK_POLL[min(polls, len(TASK_POLL) - 1)])
            polls += 1

    def browse_log(self, host, key, start, lines, what):
        """DiagnosticManager.BrowseDiagnosticLog for one host: a DiagnosticManagerLogHeader."""
        manager = self.content.diagnosticManager
        if manager is None:
            raise ServerLacksError("the server at %s has no DiagnosticManager, so host logs cannot be read through it" % self.hostname)
        return self.call(what, manager.BrowseDiagnosticLog, host=host, key=key, start=start, lines=lines)

    # -- PropertyCollector -------------------------------------------------

    def retrieve(self, object_specs, property_specs, what="read"):
        """RetrievePropertiesEx with paging; returns {moref: (obj, {path: value})}."""
        pc = self.content.propertyCollector
        spec = vmodl.query.PropertyCollector.FilterSpec(objectSet=object_specs, propSet=property_specs)
        result = self.call(what, pc.RetrievePropertiesEx, [spec], vmodl.query.PropertyCollector.RetrieveOptions())
        found = {}
        while result is not None:
            for content in result.objects or []:
                found[content.obj] = dict((p.name, p.val) for p in content.propSet or [])
            if not result.token:
                break
            result = self.call(what, pc.ContinueRetrievePropertiesEx, result.token)
        return found

    def inventory(self, host_properties=()):
        """Names and parents of the whole inventory tree, in one call.

        host_properties are read for every host of the tree in the same call.
        """
        ts = vmodl.query.PropertyCollector.TraversalSpec
        sel = vmodl.query.PropertyCollector.SelectionSpec
        walk_folders = ts(name="folders", type=vim.Folder, path="childEntity", skip=False,
                          selectSet=[sel(name="folders"), sel(name="dc_hosts"), sel(name="dc_networks"), sel(name="cr_hosts")])
        traversal = [
            walk_folders,
            ts(name="dc_hosts", type=vim.Datacenter, path="hostFolder", skip=False, selectSet=[sel(name="folders")]),
            ts(name="dc_networks", type=vim.Datacenter, path="networkFolder", skip=False, selectSet=[sel(name="folders")]),
            ts(name="cr_hosts", type=vim.ComputeResource, path="host", skip=False),
        ]
        prop = vmodl.query.PropertyCollector.PropertySpec
        props = [
            prop(type=vim.Folder, pathSet=["name", "parent"]),
            prop(type=vim.Datacenter, pathSet=["name", "parent"]),
            prop(type=vim.ComputeResource, pathSet=["name", "parent"]),
            prop(type=vim.HostSystem, pathSet=sorted(set(["name", "parent"]) | set(host_properties))),
            prop(type=vim.DistributedVirtualSwitch, pathSet=["name", "uuid", "config.maxMtu", "config.uplinkPortPolicy"]),
            prop(type=vim.dvs.DistributedVirtualPortgroup,
                 pathSet=["name", "key", "vm", "config.distributedVirtualSwitch", "config.defaultPortConfig", "config.uplink"]),
        ]
        root = vmodl.query.PropertyCollector.ObjectSpec(obj=self.content.rootFolder, skip=False, selectSet=traversal)
        return Inventory(self.retrieve([root], props, what="reading the inventory"))

    def read_scope(self, esxi_hostname=None, cluster_name=None, datacenter=None, fleet_properties=()):
        """(Inventory, {host name: {path: value}}) for the hosts in scope.

        Hosts named one by one: read the light tree, then only those hosts (two calls),
        so that one host of a large vCenter does not cost the whole fleet's network
        state. Otherwise the tree and the hosts' network state come in one call.
        fleet_properties are read for every host of the vCenter within the tree's call.
        """
        if esxi_hostname:
            inventory = self.inventory(host_properties=fleet_properties)
            return inventory, self.host_network(inventory.hosts(esxi_hostname, cluster_name, datacenter))
        inventory = self.inventory(host_properties=HOST_NETWORK_PROPERTIES)
        hosts = inventory.hosts(esxi_hostname, cluster_name, datacenter)
        return inventory, dict((inventory.name_of(h), dict(inventory.objects[h], _moref=h)) for h in hosts)

    def host_network(self, hosts, properties=HOST_NETWORK_PROPERTIES):
        """Network state of many hosts in one call: {host name: {path: value}}."""
        if not hosts:
            return {}
        specs = [vmodl.query.PropertyCollector.ObjectSpec(obj=h, skip=False) for h in hosts]
        props = [vmodl.query.PropertyCollector.PropertySpec(type=vim.HostSystem, pathSet=list(properties))]
        found = self.retrieve(specs, props, what="reading the network state of %d host(s)" % len(hosts))
        return dict((values["name"], dict(values, _moref=obj)) for obj, values in found.items())


def network_info(values):
    """The HostNetworkInfo of one host as read: the NETWORK_PARTS filled in, the rest unset."""
    return vim.host.NetworkInfo(**dict((part, values.get("config.network." + part) or []) for part in NETWORK_PARTS))


class Inventory(object):
    """The inventory tree from one read, with scope resolution done locally."""

    def __init__(self, found):
        self.objects = found

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
                problems.append("unknown ESXi host(s)%s: %s" % (where, ", ".join(unknown)))
            selected = [(n, by_name[n]) for n in wanted if n in by_name]
        if problems:
            raise ScopeError("; ".join(problems))
        return [obj for _name, obj in sorted(selected, key=lambda x: x[0])]

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
