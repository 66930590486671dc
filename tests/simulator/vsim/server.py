"""The simulator: SOAP dispatch of /sdk calls to the managed objects, the /_sim/* control operations, and start/stop
(HTTP framing and routing are vsim/https_server.py).

Every SOAP call is counted per method; calls that change state are also counted as writes.
Faults and dropped connections can be injected on the Nth call of a method, latency added per call.
"""

import os
import shutil
import ssl
import sys
import threading
import traceback
import time
from collections import Counter

from . import about, faults, locks, soap, topology
from .https_server import Handler, TLSServer
from .certs import make_certificates
from .sessions import Sessions


# Methods a client may call before logging in.
OPEN_METHODS = ("RetrieveServiceContent", "Login", "CurrentTime")
# Methods that change inventory or host state (session-scoped views/filters are not state).
WRITE_PREFIXES = ("Add", "Update", "Remove", "Select", "Deselect", "Reconfigure", "Rename", "Move", "Set")
WRITE_METHODS = ("CreateDVPortgroup_Task", "Destroy_Task", "MigrateVM_Task", "RelocateVM_Task", "CancelTask")
# Methods of a host's objects that read the physical network (cables, links, other hosts' vmks): they also hold its
# lock, after the host's (vsim/locks.py).
PHYSICAL_METHODS = ("QueryNetworkHint", "ExecuteSoap")


def is_write(method):
    return method.startswith(WRITE_PREFIXES) or method in WRITE_METHODS


class Config:
    def __init__(self, user, password, latency_ms):
        self.user, self.password, self.latency_ms = user, password, latency_ms


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.calls, self.writes, self.logins = Counter(), 0, 0

    def count(self, method):
        with self.lock:
            self.calls[method] += 1
            self.writes += is_write(method)
            self.logins += method == "Login"

    def snapshot(self):
        with self.lock:
            return {"calls": dict(self.calls), "total": sum(self.calls.values()), "writes": self.writes, "logins": self.logins}


class FaultRules:
    """Rules like {"method": "AddVirtualNic", "nth": 2, "fault": "HostConfigFault"}; each fires once.

    Actions instead of a fault: "drop" closes the connection before the call runs, "drop_after" runs the
    call and then closes the connection (the change is made, the answer is lost), "expire" expires every
    session just before the call runs (the call then fails with NotAuthenticated).
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    def add(self, rule):
        if not rule.get("method") or not (rule.get("fault") or rule.get("action") in ("drop", "drop_after", "expire")):
            raise ValueError("a rule needs 'method' and either 'fault' or action 'drop', 'drop_after' or 'expire'")
        if rule.get("fault"):
            faults.fault_type(rule["fault"])  # unknown fault names are refused now, not at call time
        with self.lock:
            self.rules.append(dict(rule, nth=int(rule.get("nth", 1)), seen=0))

    def clear(self):
        with self.lock:
            self.rules = []

    def match(self, method):
        with self.lock:
            for rule in self.rules:
                if rule["method"] == method:
                    rule["seen"] += 1
                    if rule["seen"] == rule["nth"]:
                        self.rules.remove(rule)
                        return rule
        return None


class Call:
    """What a handler gets besides its parameters."""

    def __init__(self, sim, session, version):
        self.inv, self.sessions, self.config = sim.inv, sim.sessions, sim.config
        self.session, self.version = session, version
        self._sim = sim

    def server_stopping(self):
        return self._sim.stopping


class Simulator:
    def __init__(self, inv, config, cert_paths):
        self.inv, self.config, self.cert_paths = inv, config, cert_paths
        self.sessions = Sessions(inv)
        self.counters = Stats()
        self.fault_rules = FaultRules()
        self.stopping = False
        self.httpd = None
        self.port = None

    # --- SOAP ------------------------------------------------------------------------------

    def handle_soap(self, body, headers):
        """(status, payload or None to drop the connection, Set-Cookie value or None)."""
        version = soap.version_from_soap_action(headers.get("SOAPAction"))
        encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":  # not checked on vCenter (README): refused as a malformed request, not decoded
            message = "Malformed request: Content-Encoding {0} is not accepted".format(encoding)
            return 500, soap.serialize_fault(faults.make("vmodl.fault.InvalidRequest", message).fault, version), None
        try:
            request = soap.parse_request(body, version)
        except Exception as exc:  # noqa: BLE001 - any parse error is the client's malformed request
            return 500, soap.serialize_fault(faults.make("vmodl.fault.InvalidRequest", "Malformed request: {0}".format(exc)).fault, version), None
        self.counters.count(request.method)
        rule = self.fault_rules.match(request.method)
        action = rule.get("action") if rule else None
        if action == "drop":
            return 200, None, None
        if action == "expire":
            self.sessions.expire_all()
        if self.config.latency_ms:
            time.sleep(self.config.latency_ms / 1000.0)
        set_cookie = None
        try:
            with self.sessions.lock:
                session = self.sessions.get(self.sessions.key_from_cookie(headers.get("Cookie")))
                if session is None and request.method in OPEN_METHODS:
                    session = self.sessions.create()
                    set_cookie = self.sessions.set_cookie(session)
                if session is not None:
                    session.user_agent = headers.get("User-Agent", "")
                if request.method not in OPEN_METHODS and (session is None or not session.authenticated):
                    raise faults.not_authenticated(request.this)
            if rule and rule.get("fault"):
                raise faults.make(rule["fault"], "Injected fault on call {0} of {1}".format(rule["nth"], request.method), this=request.this)
            value, result_type = self._dispatch(Call(self, session, version), request)
            if action == "drop_after":
                return 200, None, None
            return 200, soap.serialize_response(request.method, value, result_type, version), set_cookie
        except faults.SoapFault as failure:
            return 500, soap.serialize_fault(failure.fault, version), set_cookie
        except Exception as exc:  # noqa: BLE001 - a simulator bug must reach the client as a fault, not a dropped connection
            traceback.print_exc(file=sys.stderr)
            failure = faults.make("vmodl.fault.SystemError", "Simulator error in {0}: {1!r}".format(request.method, exc), reason=repr(exc))
            return 500, soap.serialize_fault(failure.fault, version), set_cookie

    def _dispatch(self, call, request):
        """Run the call under the lock of the object it is made on (vsim/locks.py); locks the handler takes with
        Locks.hold() are released when it ends, before that one."""
        if request.this is None:
            raise faults.make("vmodl.fault.InvalidRequest", "Missing _this")
        obj = self.inv.get(request.this)
        physical = self.inv.locks.physical if request.method in PHYSICAL_METHODS else None
        with locks.locked(obj.object_lock()), locks.locked(physical), self.inv.locks.call():
            return self._run(call, request, obj)

    def _run(self, call, request, obj):
        if request.method == soap.FETCH:
            return obj.read(request.args.get("prop", ""), call)
        handler = getattr(obj, request.method, None) if request.info is not None else None
        if handler is None or not callable(handler):
            raise faults.method_not_found(request.this, request.method)
        # a method of a host's own managed objects (network system, vnic manager, configuration managers, esxcli) runs
        # on the host: vCenter refuses it while the host is disconnected or not responding
        host = getattr(obj, "host", None)
        if getattr(host, "vim_type", None) == "HostSystem" and obj.vim_type != "HostSystem":
            host.require_connection()
        return handler(call, **request.args), request.info.result

    # --- control ---------------------------------------------------------------------------

    def service_versions(self):
        """/sdk/vimServiceVersions.xml of the release served."""
        return about.service_versions(self.inv.release)

    def stats(self):
        return self.counters.snapshot()

    def reset(self):
        self.counters.reset()

    def inject_fault(self, rule):
        if rule.get("action") == "expire_sessions":
            self.sessions.expire_all()
        elif rule.get("action") == "clear":
            self.fault_rules.clear()
        else:
            self.fault_rules.add(rule)

    def _host(self, host_name):
        host = next((h for h in self.inv.all_objects() if h.vim_type == "HostSystem" and h.name == host_name), None)
        if host is None:
            raise KeyError(host_name)
        return host

    def set_log(self, host_name, lines, append=False):
        host = self._host(host_name)
        with host.object_lock():
            host.log = (host.log if append else []) + [str(line) for line in lines]

    def set_host_state(self, host_name, state):
        """/_sim/host_state: a host stops answering vCenter's heartbeats (notResponding) or answers again (connected).

        What has an API goes through it: DisconnectHost_Task / ReconnectHost_Task, Enter/ExitMaintenanceMode_Task.
        """
        if state not in ("notResponding", "connected"):
            raise ValueError("state must be notResponding or connected (disconnect with DisconnectHost_Task)")
        host = self._host(host_name)
        with host.object_lock():
            if state == "connected" and host.connection_state == "disconnected":
                raise ValueError("{0} is disconnected: reconnect it with ReconnectHost_Task".format(host_name))
            host.set_connection_state(state)

    def physical_control(self, action, data):
        """/_sim/cable, /_sim/link, /_sim/physical, /_sim/hint, /_sim/router: change the physical network (vsim/physical.py)."""
        physical = self.inv.physical
        with self.inv.locks.physical:
            if action == "cable":
                physical.cable(data["host"], data["pnic"], data["switch"], data.get("port"))
            elif action == "link":
                physical.set_link(data["host"], data["pnic"], bool(data["up"]))
            elif action == "physical":
                physical.set_switch(data["switch"], mtu=data.get("mtu"), vlans=data.get("vlans"), vlans_given="vlans" in data)
            elif action == "router":
                physical.set_router(data["router"], add=data.get("add"), remove=data.get("remove"))
            else:
                if data.get("all_nics", "empty") not in ("empty", "normal"):
                    raise ValueError("all_nics must be 'empty' or 'normal'")
                physical.set_hints_empty(data.get("host"), data.get("all_nics", "empty") == "empty")

    def state(self):
        """A plain-data dump of every host's networking, for debugging and tests: each host as it is under its lock,
        then the physical network under its own."""
        everything = self.inv.all_objects()
        hosts = {}
        for host in sorted((o for o in everything if o.vim_type == "HostSystem"), key=lambda h: h.index):
            with host.object_lock():
                net = host.net
                hosts[host.name] = {
                    "moid": host.moid,
                    "vswitches": {n: {"uplinks": net._bridge_nics(s), "mtu": s.mtu} for n, s in net.vswitches.items()},
                    "portgroups": {n: {"vswitch": s.vswitchName, "vlan": s.vlanId,
                                       "active": list(s.policy.nicTeaming.nicOrder.activeNic) if s.policy.nicTeaming.nicOrder else None,
                                       "standby": list(s.policy.nicTeaming.nicOrder.standbyNic) if s.policy.nicTeaming.nicOrder else None}
                                   for n, s in net.portgroups.items()},
                    "vmks": {d: {"portgroup": v.spec.portgroup, "ip": v.spec.ip.ipAddress, "mtu": v.spec.mtu, "stack": v.spec.netStackInstanceKey,
                                 "dvport": v.spec.distributedVirtualPort.portgroupKey if v.spec.distributedVirtualPort else None,
                                 "dvport_key": v.spec.distributedVirtualPort.portKey if v.spec.distributedVirtualPort else None,
                                 "gateway": v.spec.ipRouteSpec.ipRouteConfig.defaultGateway if v.spec.ipRouteSpec else None}
                             for d, v in net.vnics.items()},
                    "stacks": {k: {"gateway": st.gateway, "ipv6_gateway": st.ipv6_gateway} for k, st in net.stacks.items()},
                    "services": {t: net.selected_devices(t) for t in sorted(set(net.selected) | {"vmotion"}) if net.selected_devices(t)},
                }
        vms = {}  # VMs never change
        for vm in sorted((o for o in everything if o.vim_type == "VirtualMachine"), key=lambda v: v.index):
            vms[vm.name] = {"moid": vm.moid, "host": vm.host.name, "power": vm.power,
                            "nics": [{"mac": n.mac, "portgroup": n.portgroup if isinstance(n.portgroup, str) else n.portgroup.name,
                                      "dvswitch": n.dvs.name if n.dvs else None, "dvport_key": n.port_key} for n in vm.nics]}
        with self.inv.locks.physical:
            physical = self.inv.physical.state()
        return {"mode": self.inv.mode, "hosts": hosts, "vms": vms, "physical": physical}

    # --- lifecycle -------------------------------------------------------------------------

    def start(self, port=0, host="127.0.0.1"):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_paths["server.pem"], self.cert_paths["server.key"])
        self.httpd = TLSServer((host, port), Handler, context, self)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="vsim-https", daemon=True).start()
        return self

    def stop(self):
        self.stopping = True
        self.inv.notify_all()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        shutil.rmtree(os.path.dirname(self.cert_paths["ca.pem"]), ignore_errors=True)

    @property
    def url(self):
        return "https://127.0.0.1:{0}/sdk".format(self.port)


def start_simulator(topology_file=None, hosts=None, seed_like=False, mode="vcenter", user="administrator@vsphere.local",
                    password="VMware1!", latency_ms=0, port=0, cert_out=None, release=about.DEFAULT_RELEASE):
    """Build a topology and serve it on 127.0.0.1 in background threads; returns the Simulator.

    The default topology is the seed fleet (topologies/seed.yml); release is the vCenter/ESXi release it answers as
    (about.RELEASES: 8.0.3, the default, or 9.0).
    """
    about.check_release(release)
    if hosts:
        data = topology.generate(hosts, seed_like=seed_like)
    else:
        data = topology.load(topology_file or topology.SEED)
    inv = topology.build(data, mode, release)
    cert_paths = make_certificates()
    if cert_out:
        shutil.copyfile(cert_paths["ca.pem"], cert_out)
    return Simulator(inv, Config(user, password, latency_ms), cert_paths).start(port)
