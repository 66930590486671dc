# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""esxcli through the vSphere API: ``network diag ping`` from a host's vmk, no SSH.

vCenter (or ESXi) hands out a per-host ManagedMethodExecuter
(``HostSystem.RetrieveManagedMethodExecuter``); its ``ExecuteSoap(moid, version, method,
argument[])`` runs an esxcli command on the host and answers with a SoapResult whose
``response`` is the command's output as XML text, or whose ``fault`` carries the command's
error (a ping too large for the vmk's MTU with DF set comes back this way, not as a SOAP fault).
This is what PowerCLI's ``Get-EsxCli -V2`` and govmomi's ``govc host.esxcli`` do.

Wire shape (govmomi cli/esx/executor.go, command.go, response.go): moid
``ha-cli-handler-network-diag``, method ``vim.EsxCLI.network.diag.ping``, version
``urn:vim25/5.0``; each argument is ``<argument><name>size</name><val>&lt;size&gt;8972&lt;/size&gt;</val></argument>``,
in the order the command declares its parameters (esxcli's CLI info lists them alphabetically;
PowerCLI's positional V1 signature is ``ping(count, debug, df, host, interface, interval, ipv4,
ipv6, netstack, nexthop, size, ttl, wait)``). The response is ``<obj xsi:type="...">`` with one
element per field (``Summary`` with ``Transmitted``, ``Recieved`` [sic], ``PacketLost``,
``Duplicated``, ``RoundtripMin``/``Avg``/``Max`` in microseconds and their ``...MS`` twins,
``HostAddr``; one ``Trace`` per reply), or, as ESXi answers a structure, an ``ArrayOfDataObject``
``<obj>`` with one ``<DataObject>`` holding them. A fault's ``faultMsg`` is ``EsxCLI.CLIFault.summary``
and its ``faultDetail`` a LocalizedMethodFault whose ``errMsg`` say what went wrong.

pyVmomi 8 and later ship none of these types; ``declare_types`` declares them through pyVmomi's
own type system. Every call goes through ``VsphereClient.call``, so faults, timeouts and lost
connections are VsphereError as everywhere else. Cost: one RetrieveManagedMethodExecuter per
host (kept for the session), then one ExecuteSoap per ping.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
from xml.etree import ElementTree

from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import VsphereError

try:
    from pyVmomi import VmomiSupport

    HAS_PYVMOMI = True
except ImportError:  # pragma: no cover - reported by the client's login
    HAS_PYVMOMI = False

PING_MOID = "ha-cli-handler-network-diag"
PING_METHOD = "vim.EsxCLI.network.diag.ping"
ESXCLI_VERSION = "urn:vim25/5.0"
# network.diag.ping's parameters in the order the command declares them (alphabetical), with their types.
PING_PARAMETERS = (
    ("count", int), ("debug", bool), ("df", bool), ("host", str), ("interface", str), ("interval", str), ("ipv4", bool),
    ("ipv6", bool), ("netstack", str), ("nexthop", str), ("size", int), ("ttl", int), ("wait", str),
)

# The version the types are declared in: its namespace is urn:vim25, where govmomi sends ExecuteSoap and its types.
_VERSION = "vim.version.version5"
# RetrieveManagedMethodExecuter lives on a stand-in for HostSystem (vim.HostSystem cannot gain a method through the
# public API); the stand-in's WSDL name is HostSystem, in the reflect namespace so that vim.HostSystem is untouched.
_HOST_TYPE_VERSION = "vmodl.reflect.version.version1"
_HOST_TYPE = "vmodl.reflect.EsxcliHost"
_EXECUTER_TYPE = "vmodl.reflect.ManagedMethodExecuter"
_ARGUMENT_TYPE = "vmodl.reflect.ManagedMethodExecuter.SoapArgument"
_lock = threading.Lock()


class EsxcliError(VsphereError):
    """An esxcli answer that cannot be read (a fault of the command is a result, not this)."""


def _known(method):
    """Whether pyVmomi already knows a wsdl method (the simulator, or an earlier call, declared it)."""
    try:
        VmomiSupport.GetWsdlMethod("urn:vim25", method)
        return True
    except KeyError:
        return False


def _declare_executer(V, optional):
    VmomiSupport.CreateDataType(_ARGUMENT_TYPE, "ReflectManagedMethodExecuterSoapArgument", "vmodl.DynamicData", V,
                                [("name", "string", V, 0), ("val", "string", V, 0)])
    VmomiSupport.CreateDataType("vmodl.reflect.ManagedMethodExecuter.SoapFault", "ReflectManagedMethodExecuterSoapFault",
                                "vmodl.DynamicData", V, [("faultMsg", "string", V, 0), ("faultDetail", "string", V, optional)])
    result = "vmodl.reflect.ManagedMethodExecuter.SoapResult"
    VmomiSupport.CreateDataType(result, "ReflectManagedMethodExecuterSoapResult", "vmodl.DynamicData", V,
                                [("response", "string", V, optional), ("fault", "vmodl.reflect.ManagedMethodExecuter.SoapFault", V, optional)])
    VmomiSupport.CreateManagedType(_EXECUTER_TYPE, "ReflectManagedMethodExecuter", "vmodl.ManagedObject", V, None, [(
        "executeSoap", "ExecuteSoap", V,
        (("moid", "string", V, 0, None), ("version", "string", V, 0, None), ("method", "string", V, 0, None),
         ("argument", _ARGUMENT_TYPE + "[]", V, optional, None)),
        (optional, result, result), None, None)])


def declare_types():
    """Declare the executer types in pyVmomi once; returns (host stand-in type, executer type, argument type).

    The simulator declares the same names (tests/simulator/vsim/esxcli.py), so both can share one process: a group
    whose wsdl method pyVmomi already knows is not declared again, and the types are loaded right away (pyVmomi
    refuses a second declaration of a method while the first is still an unloaded definition).
    """
    with _lock:
        V, optional = _VERSION, VmomiSupport.F_OPTIONAL
        if not _known("ExecuteSoap"):
            _declare_executer(V, optional)
        executer_type = VmomiSupport.GetVmodlType(_EXECUTER_TYPE)
        if not _known("RetrieveManagedMethodExecuter"):
            VmomiSupport.CreateManagedType(_HOST_TYPE, "HostSystem", "vmodl.ManagedObject", _HOST_TYPE_VERSION, None, [(
                "retrieveManagedMethodExecuter", "RetrieveManagedMethodExecuter", V, (), (optional, _EXECUTER_TYPE, _EXECUTER_TYPE), None, None)])
        return VmomiSupport.GetVmodlType(_HOST_TYPE), executer_type, VmomiSupport.GetVmodlType(_ARGUMENT_TYPE)


# ---------------------------------------------------------------- arguments (pure)


def _text(value, kind):
    if kind is bool:
        return "true" if value else "false"
    return str(int(value)) if kind is int else str(value)


def ping_arguments(**values):
    """[(name, text)] for network.diag.ping in the declared order; None values are left out (esxcli's defaults)."""
    known = dict(PING_PARAMETERS)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError("unknown network.diag.ping argument(s) %s; known: %s" % (", ".join(unknown), ", ".join(known)))
    if not values.get("host"):
        raise ValueError("network.diag.ping needs a host to ping")
    pairs = []
    for name, kind in PING_PARAMETERS:
        value = values.get(name)
        if value is None:
            continue
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("network.diag.ping argument %s must be an integer, got %r" % (name, value))
        pairs.append((name, _text(value, kind)))
    return pairs


def argument_value(name, text):
    """The ``val`` of one SoapArgument: the value wrapped in an element of the argument's name, XML-escaped."""
    return "<%s>%s</%s>" % (name, text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), name)


# ---------------------------------------------------------------- the answer (pure)


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def parse_xml(text):
    """ElementTree root of an esxcli answer; a DTD is refused (nothing legitimate has one, entity tricks do)."""
    if text is None or not str(text).strip():
        raise EsxcliError("the esxcli answer is empty")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise EsxcliError("the esxcli answer carries a DTD, which is refused")
    try:
        return ElementTree.fromstring(text.encode("utf-8") if not isinstance(text, bytes) else text)
    except ElementTree.ParseError as e:
        raise EsxcliError("the esxcli answer is not XML: %s" % e)


def _fields(element):
    """{field: text} of an element's children, namespaces dropped (the answer may or may not prefix them)."""
    return dict((_local(child.tag), (child.text or "").strip()) for child in element)


def _number(value, kind=int):
    try:
        return kind(value)
    except (TypeError, ValueError):
        return None


def _round_trip_ms(summary, name):
    """A round trip in ms: the microsecond field (RoundtripAvg) when present, else its whole-millisecond twin."""
    micro = _number(summary.get(name))
    if micro is not None:
        return round(micro / 1000.0, 3)
    return _number(summary.get(name + "MS"), float)


def parse_ping(text):
    """The ping's summary and trace from the ``response`` XML of network.diag.ping."""
    root = parse_xml(text)
    # the result is the <obj> itself, or (as ESXi answers structures) its one <DataObject>
    result = next((e for e in root.iter() if any(_local(child.tag) == "Summary" for child in e)), None)
    if result is None:
        found = ", ".join(sorted(set(_local(e.tag) for e in root.iter()) - set([_local(root.tag)]))) or "no fields"
        raise EsxcliError("the network.diag.ping answer has no Summary (it has %s)" % found)
    summary_element = next(child for child in result if _local(child.tag) == "Summary")
    summary = _fields(summary_element)
    transmitted = _number(summary.get("Transmitted")) or 0
    # ESXi spells the field Recieved; a correct spelling is accepted too
    received = _number(summary.get("Recieved", summary.get("Received"))) or 0
    lost = _number(summary.get("PacketLost"))
    trace = [_fields(child) for child in result if _local(child.tag) == "Trace"]
    return {
        "transmitted": transmitted,
        "received": received,
        "loss_percent": lost if lost is not None else (100 if transmitted and not received else 0),
        "duplicated": _number(summary.get("Duplicated")) or 0,
        "host_addr": summary.get("HostAddr") or None,
        "rtt_min_ms": _round_trip_ms(summary, "RoundtripMin"),
        "rtt_avg_ms": _round_trip_ms(summary, "RoundtripAvg"),
        "rtt_max_ms": _round_trip_ms(summary, "RoundtripMax"),
        "trace": [{"seq": _number(t.get("ICMPSeq")), "bytes": _number(t.get("ReceivedBytes")), "ttl": _number(t.get("TTL")),
                   "rtt_ms": _round_trip_ms(t, "RoundtripTime"), "detail": t.get("Detail") or None} for t in trace],
    }


def fault_messages(fault):
    """The messages of an esxcli fault (SoapFault): faultMsg, then each errMsg of the detail XML, without repeats."""
    messages = [getattr(fault, "faultMsg", None) or ""]
    detail = getattr(fault, "faultDetail", None)
    if detail and "<!DOCTYPE" not in detail and "<!ENTITY" not in detail:
        try:
            root = ElementTree.fromstring(detail.encode("utf-8"))
        except ElementTree.ParseError:
            messages.append(detail.strip())
        else:
            messages.extend((e.text or "").strip() for e in root.iter() if _local(e.tag) in ("errMsg", "localizedMessage"))
    seen, result = set(), []
    for message in messages:
        if message and message not in seen and message != "EsxCLI.CLIFault.summary":
            seen.add(message)
            result.append(message)
    return result or ["esxcli reported a fault without a message"]


def is_message_too_long(messages):
    """Whether a fault says the ping did not fit the MTU with DF set (sendto() failed (Message too long))."""
    return any("message too long" in m.lower() for m in messages)


# ---------------------------------------------------------------- the client


class Esxcli(object):
    """esxcli on one host through a VsphereClient; the host's executer is asked for once."""

    def __init__(self, client, host, name):
        self.client = client
        self.host = host
        self.name = name
        self.calls = {"RetrieveManagedMethodExecuter": 0, "ExecuteSoap": 0}
        self._executer = None
        self._refusal = None
        self._lock = threading.Lock()

    def executer(self):
        """The host's ManagedMethodExecuter; asked for once, and a refusal (host disconnected, no privilege) is kept too."""
        with self._lock:
            if self._executer is None and self._refusal is None:
                host_type, _executer_type, _argument_type = declare_types()
                stand_in = host_type(self.host._moId, self.host._stub)
                self.calls["RetrieveManagedMethodExecuter"] += 1
                try:
                    self._executer = self.client.call("RetrieveManagedMethodExecuter on %s" % self.name, stand_in.RetrieveManagedMethodExecuter)
                except VsphereError as e:
                    if e.outcome_unknown:
                        raise
                    self._refusal = e
                if self._executer is None and self._refusal is None:
                    self._refusal = EsxcliError("%s returned no ManagedMethodExecuter, so esxcli cannot run on it" % self.name)
            if self._refusal is not None:
                raise self._refusal
            return self._executer

    def execute(self, moid, method, arguments, what):
        """ExecuteSoap: the SoapResult (``response`` text or ``fault``) of one esxcli method."""
        _host_type, _executer_type, argument_type = declare_types()
        executer = self.executer()
        soap_arguments = [argument_type(name=name, val=argument_value(name, text)) for name, text in arguments]
        with self._lock:
            self.calls["ExecuteSoap"] += 1
        # positional: VsphereClient.call's own second parameter is named method
        return self.client.call(what, executer.ExecuteSoap, moid, ESXCLI_VERSION, method, soap_arguments)

    def ping(self, **arguments):
        """network.diag.ping; returns the parsed summary with ``fault`` None, or ``fault`` (messages) and no replies.

        Arguments are esxcli's (host, interface, size, df, count, netstack, wait, ipv4, ipv6...).
        """
        pairs = ping_arguments(**arguments)
        source = " ".join(x for x in (self.name, arguments.get("interface")) if x)
        what = "network.diag.ping from %s to %s" % (source, arguments["host"])
        result = self.execute(PING_MOID, PING_METHOD, pairs, what)
        fault = getattr(result, "fault", None)
        if fault is not None:
            messages = fault_messages(fault)
            count = arguments.get("count") or 0
            return {"fault": messages, "too_long": is_message_too_long(messages), "transmitted": count, "received": 0,
                    "loss_percent": 100, "duplicated": 0, "host_addr": None, "rtt_min_ms": None, "rtt_avg_ms": None,
                    "rtt_max_ms": None, "trace": []}
        try:
            parsed = parse_ping(getattr(result, "response", None))
        except EsxcliError as e:
            raise EsxcliError("%s: %s" % (what, e))
        parsed.update(fault=None, too_long=False)
        return parsed


class Pinger(object):
    """ping(pair, arguments) for _audit.ping_mesh.run_pairs: one Esxcli per source host, created on first use.

    ``states`` are the hosts as _module.VmotionModule.read_hosts returns them; pings run from several threads.
    """

    def __init__(self, client, states):
        self.client = client
        self.states = states
        self.hosts = {}
        self.lock = threading.Lock()

    def __call__(self, pair, arguments):
        with self.lock:
            if pair["source"] not in self.hosts:
                self.hosts[pair["source"]] = Esxcli(self.client, self.states[pair["source"]].moref, pair["source"])
            esxcli = self.hosts[pair["source"]]
        return esxcli.ping(**arguments)

    def calls(self):
        return dict((method, sum(e.calls[method] for e in self.hosts.values())) for method in ("RetrieveManagedMethodExecuter", "ExecuteSoap"))
