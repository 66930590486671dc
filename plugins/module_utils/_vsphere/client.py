# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one shell to vSphere: connect, resolve host scope, read many hosts at once, write.

Knows nothing of AnsibleModule: problems are raised as VsphereError so that a
module (or a test, or a benchmark) decides how to report them. Logging in is
vmware.vmware's job (PyvmomiClient); this file adds the batched reads.

Cost of a read, whatever the number of hosts: one RetrievePropertiesEx for the
inventory tree (names and parents of folders, datacenters, clusters, hosts and
distributed switches) and one for the network state of the hosts in scope,
plus a ContinueRetrievePropertiesEx per page when the server pages.

Writes are methods too (network config, services, distributed port groups and
their tasks, log pages), so that nothing above this file calls a vSphere
method itself; _change.apply turns plans into these calls.

Nothing waits forever: logging in is bounded by connect_timeout, every later call
by request_timeout (see Timeouts), and a timeout names the server and what was
being done.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import contextlib
import socket
import ssl
import threading
import time

try:
    from pyVim import connect as pyvim_connect
    from pyVmomi import vim, vmodl

    HAS_PYVMOMI = True
except ImportError:
    HAS_PYVMOMI = False

try:
    import requests

    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

from ansible.module_utils.common.parameters import env_fallback
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import ServerLacksError, TaskError, VsphereError, describe_fault
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.inventory import NETWORK_PARTS, Inventory, entity_name
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.session_cache import SessionCache
# The connection code of the VMware collections lives in vmware.vmware (>= 2.3.0 under these names); community.vmware 6
# imports it from there too and removed its own copies (module_utils._argument_spec, clients._vmware) in 6.0.0, so this
# works beside community.vmware 5.x and 6.x alike and ships only the connection code in each module's payload.
from ansible_collections.vmware.vmware.plugins.module_utils.argument_spec import base_argument_spec
from ansible_collections.vmware.vmware.plugins.module_utils.clients.errors import ApiAccessError, MissingLibError
from ansible_collections.vmware.vmware.plugins.module_utils.clients.pyvmomi import PyvmomiClient


# Whether vCenter can reach a host, and whether it is in maintenance mode: read with the rest, no call of its own.
# A host that is disconnected has no config; one not responding has what vCenter last knew (stale): neither is judged.
HOST_STATE_PROPERTIES = ("runtime.connectionState", "runtime.inMaintenanceMode")

# Properties of the in-scope hosts that every module of the collection needs.
HOST_NETWORK_PROPERTIES = ("name",) + tuple("config.network." + part for part in NETWORK_PARTS) + (
    "config.virtualNicManagerInfo",
    "configManager.networkSystem",
    "configManager.virtualNicManager",
) + HOST_STATE_PROPERTIES

# How long a task may run before the wait gives up (the outcome is then unknown), and the
# pause between two looks at it: tasks of this collection finish in seconds on vCenter.
TASK_TIMEOUT = 300
TASK_POLL = (0.1, 0.2, 0.5, 1.0)

# Timeouts in seconds (README, "Connection options and timeouts").
# connect: TCP connect and TLS handshake of every connection, and each answer while logging in
# (vimServiceVersions.xml, RetrieveServiceContent, Login). A live vCenter answers these in well under a
# second and a slow identity source in a few; 30 s is the dial timeout of Go's default HTTP transport (govmomi inherits it).
# request: the longest the server may stay silent while answering one call once logged in (a socket read
# timeout, as requests' read timeout: a large answer that streams is not cut). The slowest call of the
# collection is the one-call read of a whole vCenter (RetrievePropertiesEx, seconds to tens of seconds
# for 1,000 hosts); tasks are polled, so no call waits for a task. 300 s is ten times that and the
# wait for a task (TASK_TIMEOUT). 30 / 300 is also aiohttp's default, which vmware.vmware_rest runs with
# unless its session_timeout is set.
CONNECT_TIMEOUT = 30
REQUEST_TIMEOUT = 300

# What a change must know of every other host of the vCenter: its vmks (addresses, port groups).
# runtime.connectionState: a disconnected host returns no config, so its addresses are unknown to a change
FLEET_PROPERTIES = ("name", "config.network.vnic", "runtime.connectionState")

CERT_HINT = (
    "the server's TLS certificate is not trusted. Add its CA to the trust store of the Python running the module "
    "(for example SSL_CERT_FILE=/path/ca.pem and REQUESTS_CA_BUNDLE=/path/ca.pem), or set validate_certs: false "
    "(environment VMWARE_VALIDATE_CERTS=false) if you accept an unverified connection"
)


class _LoginClient(PyvmomiClient):
    """vmware.vmware's client (its login, SSL context, proxy stub and error messages), without the read of the custom
    field definitions its constructor makes: one more call per login that nothing of this collection uses."""

    def __init__(self, hostname, username, password, port, validate_certs, proxy_host=None, proxy_port=None):  # pylint: disable=super-init-not-called
        self.check_requirements()
        self.hostname, self.username, self.port, self.validate_certs = hostname, username, port, validate_certs
        # the proxy under both names: vmware.vmware before 2.6 reads http_proxy_*, later ones proxy_*
        self.proxy_host = self.http_proxy_host = proxy_host
        self.proxy_port = self.http_proxy_port = proxy_port
        self.custom_field_mgr = []
        self.si, self.content = self.connect_to_api(password=password, return_si=True)


def scope_argument_spec():
    return dict(
        esxi_hostname=dict(type="list", elements="str", aliases=["esxi_hostnames"]),
        cluster_name=dict(type="str"),
        datacenter=dict(type="str", aliases=["datacenter_name"]),
    )


def connection_argument_spec():
    """Connection options exactly as community.vmware, plus the timeouts (doc fragment multinic.vmotion.connection)."""
    spec = base_argument_spec()
    spec.update(
        connect_timeout=dict(type="int", default=CONNECT_TIMEOUT, fallback=(env_fallback, ["VMWARE_CONNECT_TIMEOUT"])),
        request_timeout=dict(type="int", default=REQUEST_TIMEOUT, fallback=(env_fallback, ["VMWARE_REQUEST_TIMEOUT"])),
        session_cache=dict(type="bool", default=True, fallback=(env_fallback, ["VMWARE_SESSION_CACHE"])),
        session_cache_dir=dict(type="path", fallback=(env_fallback, ["VMWARE_SESSION_CACHE_DIR"])),
    )
    return spec


def vsphere_argument_spec():
    """The connection options plus the host scope."""
    spec = connection_argument_spec()
    spec.update(scope_argument_spec())
    return spec


def _is_certificate_error(error):
    text = str(error)
    return "CERTIFICATE_VERIFY_FAILED" in text or isinstance(error, ssl.SSLCertVerificationError)


def _timeout_in(error):
    """The socket timeout behind an error (vmware.vmware's client re-raises it as ApiAccessError), or None."""
    for _depth in range(8):
        if error is None or isinstance(error, socket.timeout):
            return error
        error = error.__cause__ or error.__context__
    return None


# Credentials that must be set: module option, how community.vmware names it, environment variable.
MISSING_HINTS = (
    ("hostname", "Hostname", "VMWARE_HOST"),
    ("username", "Username", "VMWARE_USER"),
    ("password", "Password", "VMWARE_PASSWORD"),
)


@contextlib.contextmanager
def _default_socket_timeout(seconds):
    """Sockets created meanwhile time out after `seconds`; pyVmomi's first GET (vimServiceVersions.xml) takes no timeout."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


class Timeouts(object):
    """connect_timeout and request_timeout, applied to the connections of a pyVmomi SOAP stub.

    While logging in (inside vmware.vmware's PyvmomiClient, which passes no timeout to pyVmomi) the
    default socket timeout is connect_timeout. Once logged in, the stub's connection class is replaced
    by one that connects within connect_timeout and waits request_timeout for each answer, and the
    connection kept from the login gets request_timeout.
    """

    def __init__(self, connect=CONNECT_TIMEOUT, request=REQUEST_TIMEOUT):
        for name, value in (("connect_timeout", connect), ("request_timeout", request)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 1:
                raise VsphereError("%s must be a number of seconds of at least 1, got %r" % (name, value))
        self.connect = connect
        self.request = request
        # What later answers get: request, then (after a timeout) only connect for the logout at exit.
        self.read = request

    def install(self, si):
        stub = getattr(si, "_stub", None)
        soap = getattr(stub, "soapStub", stub)  # with a proxy, a SessionOrientedStub wraps the SoapStubAdapter
        if soap is None or not hasattr(soap, "scheme"):
            return
        soap.scheme = _timed_connection(soap.scheme, self)
        for conn, _idle_since in list(getattr(soap, "pool", None) or []):
            if getattr(conn, "sock", None) is not None:
                conn.sock.settimeout(self.read)

    def after_timeout(self):
        # A server silent for request_timeout: the logout at exit (the client's atexit) gets connect_timeout only.
        self.read = min(self.connect, self.request)


def _timed_connection(base, timeouts):
    """pyVmomi's HTTP(S) connection class, connecting within timeouts.connect and reading within timeouts.read."""

    class TimedConnection(base):
        def connect(self):
            self.timeout = timeouts.connect
            base.connect(self)
            self.timeout = timeouts.read
            if hasattr(getattr(self, "sock", None), "settimeout"):
                self.sock.settimeout(timeouts.read)

    TimedConnection.__name__ = "Timed" + base.__name__
    return TimedConnection


class VsphereClient(object):
    """A logged-in session plus batched PropertyCollector reads.

    session_cache (a _vsphere.session_cache.SessionCache, or None to log in and out as community.vmware does): the
    session is taken from the cache when one is there for this server, user and password, else a login
    is made and kept there. A cached session the server has ended is replaced on its first refused call.
    """

    timeouts = None
    warnings = ()
    cache = None

    def __init__(self, hostname, username, password, port=443, validate_certs=True, proxy_host=None, proxy_port=None,
                 connect_timeout=CONNECT_TIMEOUT, request_timeout=REQUEST_TIMEOUT, session_cache=None):
        self.hostname = hostname
        self.port = port
        values = {"hostname": hostname, "username": username, "password": password}
        for option, label, variable in MISSING_HINTS:
            if not values[option]:
                raise VsphereError("%s parameter is missing. Set the module option %s or the environment variable %s; in the "
                                   "roles, vmware_%s (or multinic_vmotion_%s / vmotion_audit_%s)."
                                   % (label, option, variable, option, option, option))
        self.timeouts = Timeouts(connect_timeout, request_timeout)
        self._credentials = (username, password)
        self._relogin_lock = threading.Lock()
        self.resumed = False
        # a proxy gets pyVmomi's session-oriented stub, which logs in again by itself
        if session_cache is not None and not proxy_host and SessionCache.usable():
            self.cache = session_cache
        self.warnings = []
        if self.cache is not None:
            try:
                self._connect_through_cache(validate_certs, proxy_host, proxy_port)
            except OSError as e:  # the cache directory, not the server: go on without the cache
                self.warnings.append("session cache not used (%s: %s); this run logs in and out" % (self.cache.directory, e.strerror or e))
                self.cache = None
        if self.cache is None:
            self._login(validate_certs, proxy_host, proxy_port)
        self.timeouts.install(self.si)

    def _connect_through_cache(self, validate_certs, proxy_host, proxy_port):
        username, password = self._credentials
        with self.cache.locked(self.hostname, self.port, username):
            cookie = self.cache.load(self.hostname, self.port, username, password)
            if cookie:
                self._resume(cookie, validate_certs)
            else:
                self._login(validate_certs, proxy_host, proxy_port)
                self._keep_session()

    def _login(self, validate_certs, proxy_host, proxy_port):
        username, password = self._credentials
        try:
            with _default_socket_timeout(self.timeouts.connect):
                client = _LoginClient(self.hostname, username, password, self.port, validate_certs, proxy_host, proxy_port)
        except MissingLibError as e:
            raise VsphereError(str(e))
        except ApiAccessError as e:
            raise VsphereError(self._login_failure(e))
        self.si = client.si
        self.content = client.content

    def _login_failure(self, error):
        message = str(error)
        timeout = _timeout_in(error)
        if timeout is not None:
            return ("logging in to %s:%s timed out: no answer within %s s (%s). The server accepts connections but does "
                    "not answer: is it a vCenter or ESXi API endpoint, and up? If it is only slow, raise connect_timeout "
                    "(VMWARE_CONNECT_TIMEOUT)" % (self.hostname, self.port, self.timeouts.connect, timeout))
        if _is_certificate_error(message):
            return "Cannot connect to %s:%s: %s" % (self.hostname, self.port, CERT_HINT)
        if "Connection refused" in message:
            return ("Cannot connect to %s:%s: connection refused. Is it the address and port of the vCenter or ESXi API "
                    "(option hostname and port, VMWARE_HOST and VMWARE_PORT)?" % (self.hostname, self.port))
        return message

    def _keep_session(self):
        """Cache the session just logged in to, and leave it open at exit (community.vmware logs out then)."""
        atexit.unregister(pyvim_connect.Disconnect)
        cookie = getattr(self.si._stub, "cookie", None)
        if cookie:
            username, password = self._credentials
            self.cache.store(self.hostname, self.port, username, password, cookie)

    def _resume(self, cookie, validate_certs):
        """A stub that carries the cached session's cookie; the server says on the first call whether it still holds."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if validate_certs:
            context.load_default_certs()
        else:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            with _default_socket_timeout(self.timeouts.connect):
                stub = pyvim_connect.SmartStubAdapter(host=self.hostname, port=self.port, sslContext=context)
                stub.cookie = cookie
                self.si = vim.ServiceInstance("ServiceInstance", stub)
                self.content = self.si.RetrieveContent()
        except Exception as e:  # the same failures as a login: unreachable, certificate, timeout
            raise VsphereError(self._login_failure(e) if _timeout_in(e) or _is_certificate_error(str(e)) else
                               "Unable to connect to vCenter or ESXi API at %s:%s: %s" % (self.hostname, self.port, describe_fault(e)))
        self.resumed = True

    def _relogin(self):
        """The cached session has ended on the server: log in on the same stub and cache the new session."""
        with self._relogin_lock, self.cache.locked(self.hostname, self.port, self._credentials[0]):
            self.cache.drop(self.hostname, self.port, self._credentials[0])
            try:
                self.content.sessionManager.Login(*self._credentials)
            except vim.fault.InvalidLogin as e:
                raise VsphereError("Unable to log on to the vCenter or ESXi API at %s:%s as %s: %s"
                                   % (self.hostname, self.port, self._credentials[0], e.msg))
            self.resumed = False
            self._keep_session()

    @classmethod
    def from_params(cls, params):
        cache = None
        if params.get("session_cache", False):
            cache = SessionCache(params.get("session_cache_dir"))
        return cls(params["hostname"], params["username"], params["password"], port=params.get("port") or 443,
                   validate_certs=params.get("validate_certs", True), proxy_host=params.get("proxy_host"),
                   proxy_port=params.get("proxy_port"), connect_timeout=params.get("connect_timeout", CONNECT_TIMEOUT),
                   request_timeout=params.get("request_timeout", REQUEST_TIMEOUT), session_cache=cache)

    @property
    def is_vcenter(self):
        return self.content.about.apiType == "VirtualCenter"

    def call(self, what, method, *args, **kwargs):
        """Run one API call; faults and dropped connections become VsphereError naming `what`."""
        try:
            try:
                return method(*args, **kwargs)
            except vim.fault.NotAuthenticated:
                # the server refused the call before running it (a cached session it has ended, or one it ended meanwhile):
                # safe to run again once logged in anew. Without the cache, fail as community.vmware does.
                if self.cache is None:
                    raise
                self._relogin()
                return method(*args, **kwargs)
        except vmodl.MethodFault as e:
            raise VsphereError("%s failed: %s" % (what, describe_fault(e)))
        except socket.timeout:
            within = ""
            if self.timeouts is not None:
                within = " within %s s" % self.timeouts.read
                self.timeouts.after_timeout()
            raise VsphereError("%s timed out: %s:%s sent no answer%s (request_timeout, VMWARE_REQUEST_TIMEOUT)"
                               % (what, self.hostname, self.port, within), outcome_unknown=True)
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
                values = dict((p.name, p.val) for p in content.propSet or [])
                if isinstance(values.get("name"), str):
                    values["name"] = entity_name(values["name"])
                found[content.obj] = values
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
        return Inventory(self.retrieve([root], props, what="reading the inventory"), server="%s:%s" % (self.hostname, self.port))

    def read_scope(self, esxi_hostname=None, cluster_name=None, datacenter=None, fleet_properties=(), host_properties=()):
        """(Inventory, {host name: {path: value}}) for the hosts in scope.

        Hosts named one by one: read the light tree, then only those hosts (two calls),
        so that one host of a large vCenter does not cost the whole fleet's network
        state. Otherwise the tree and the hosts' network state come in one call.
        fleet_properties are read for every host of the vCenter within the tree's call, host_properties
        for the hosts in scope besides HOST_NETWORK_PROPERTIES.
        """
        wanted = HOST_NETWORK_PROPERTIES + tuple(host_properties)
        if esxi_hostname:
            inventory = self.inventory(host_properties=fleet_properties)
            return inventory, self.host_network(inventory.hosts(esxi_hostname, cluster_name, datacenter), properties=wanted)
        inventory = self.inventory(host_properties=wanted)
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
