"""esxcli through the vSphere API: the per-host ManagedMethodExecuter and DynamicTypeManager, `network diag ping`.

A client gets the executer with HostSystem.RetrieveManagedMethodExecuter and runs a command with
ExecuteSoap(moid="ha-cli-handler-network-diag", version="urn:vim25/5.0", method="vim.EsxCLI.network.diag.ping",
argument=[{name, val="<name>value</name>"}...]). The answer is a SoapResult whose `response` is the command's output
as XML text, or whose `fault` carries an esxcli error (a DF ping larger than the vmk's MTU comes back this way).
The wire format (request, response XML, faults) is written down in /work/helpers/esxcli-wire.md and in
tests/simulator/README.md; it follows what govmomi's client sends and parses (cli/esx/executor.go, command.go,
response.go), govmomi's simulator (simulator/esxcli.go), real ESXi output (govmomi's cli/esx/fixtures) and VMware's
own vmkping client (vmware/hms, com.vmware.vrack.hms.vsphere.vmkping).

pyVmomi 8 and later ship none of these types: they are declared here through pyVmomi's own type system, with
exactly the names the collection's client (plugins/module_utils/_vsphere/esxcli.py) declares, so both can share a process.
"""

from xml.etree import ElementTree
from xml.sax.saxutils import escape

from pyVmomi import VmomiSupport

from . import faults
from .model import ManagedObject

V = "vim.version.version5"  # namespace urn:vim25, where govmomi sends ExecuteSoap
REFLECT = "vmodl.reflect.version.version1"
EXECUTER = "vmodl.reflect.ManagedMethodExecuter"
TYPE_MANAGER = "vmodl.reflect.DynamicTypeManager"

PING_MOID = "ha-cli-handler-network-diag"
PING_METHOD = "vim.EsxCLI.network.diag.ping"
CLI_INFO_MOID = "ha-dynamic-type-manager-local-cli-cliinfo"
CLI_INFO_METHOD = "vim.CLIInfo.FetchCLIInfo"
MO_INSTANCES = ((PING_MOID, "vim.EsxCLI.network.diag"), (CLI_INFO_MOID, "vim.CLIInfo"))
CLI_FAULT = "EsxCLI.CLIFault.summary"
NOT_FOUND = "The object or item referred to could not be found."  # govmomi's simulator wording

# network.diag.ping's options: name, short alias, is a flag, help (esxcli lists them alphabetically).
PING_OPTIONS = (
    ("count", "-c", False, "Number of packets to send."),
    ("debug", "-D", True, "Debug mode."),
    ("df", "-d", True, "Set the DF bit on IPv4 packets."),
    ("host", "-H", False, "The host to send packets to."),
    ("interface", "-I", False, "The outgoing interface."),
    ("interval", "-i", False, "Interval between packets, in seconds."),
    ("ipv4", "-4", True, "Ping with ICMPv4 echo requests."),
    ("ipv6", "-6", True, "Ping with ICMPv6 echo requests."),
    ("netstack", "-N", False, "The TCP/IP netstack the interface is on."),
    ("nexthop", "-n", False, "Override the default route selection (IPv4, needs an interface)."),
    ("size", "-s", False, "Payload size of the packets, in bytes."),
    ("ttl", "-t", False, "IPv4 time to live or IPv6 hop limit."),
    ("wait", "-W", False, "How long to wait when no reply comes, in seconds."),
)
_OBJ_ATTRIBUTES = ('xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                   'xmlns="urn:vim25" versionId="5.0"')


def _known(method):
    try:
        VmomiSupport.GetWsdlMethod("urn:vim25", method)
        return True
    except KeyError:
        return False


def declare_types():
    """Declare (once per process) and load the reflect types; a group the collection's client declared first is kept."""
    optional = VmomiSupport.F_OPTIONAL
    if not _known("ExecuteSoap"):
        VmomiSupport.CreateDataType(EXECUTER + ".SoapArgument", "ReflectManagedMethodExecuterSoapArgument", "vmodl.DynamicData", V,
                                    [("name", "string", V, 0), ("val", "string", V, 0)])
        VmomiSupport.CreateDataType(EXECUTER + ".SoapFault", "ReflectManagedMethodExecuterSoapFault", "vmodl.DynamicData", V,
                                    [("faultMsg", "string", V, 0), ("faultDetail", "string", V, optional)])
        VmomiSupport.CreateDataType(EXECUTER + ".SoapResult", "ReflectManagedMethodExecuterSoapResult", "vmodl.DynamicData", V,
                                    [("response", "string", V, optional), ("fault", EXECUTER + ".SoapFault", V, optional)])
        VmomiSupport.CreateManagedType(EXECUTER, "ReflectManagedMethodExecuter", "vmodl.ManagedObject", V, None, [(
            "executeSoap", "ExecuteSoap", V,
            (("moid", "string", V, 0, None), ("version", "string", V, 0, None), ("method", "string", V, 0, None),
             ("argument", EXECUTER + ".SoapArgument[]", V, optional, None)),
            (optional, EXECUTER + ".SoapResult", EXECUTER + ".SoapResult"), None, None)])
    if not _known("RetrieveManagedMethodExecuter"):
        # vim.HostSystem cannot gain methods: a stand-in whose WSDL name is HostSystem, in the reflect namespace.
        VmomiSupport.CreateManagedType("vmodl.reflect.EsxcliHost", "HostSystem", "vmodl.ManagedObject", REFLECT, None, [(
            "retrieveManagedMethodExecuter", "RetrieveManagedMethodExecuter", V, (), (optional, EXECUTER, EXECUTER), None, None)])
    if not _known("DynamicTypeMgrQueryMoInstances"):
        VmomiSupport.CreateDataType(TYPE_MANAGER + ".FilterSpec", "DynamicTypeMgrFilterSpec", "vmodl.DynamicData", V, [])
        VmomiSupport.CreateDataType(TYPE_MANAGER + ".MoFilterSpec", "DynamicTypeMgrMoFilterSpec", TYPE_MANAGER + ".FilterSpec", V,
                                    [("id", "string", V, optional), ("typeSubstr", "string", V, optional)])
        VmomiSupport.CreateDataType(TYPE_MANAGER + ".MoInstance", "DynamicTypeMgrMoInstance", "vmodl.DynamicData", V,
                                    [("id", "string", V, 0), ("moType", "string", V, 0)])
        VmomiSupport.CreateManagedType(TYPE_MANAGER, "InternalDynamicTypeManager", "vmodl.ManagedObject", V, None, [(
            "queryMoInstances", "DynamicTypeMgrQueryMoInstances", V, (("filterSpec", TYPE_MANAGER + ".FilterSpec", V, optional, None),),
            (optional, TYPE_MANAGER + ".MoInstance[]", TYPE_MANAGER + ".MoInstance[]"), None, None)])
        VmomiSupport.CreateManagedType("vmodl.reflect.EsxcliDynamicTypeHost", "EsxcliDynamicTypeHost", "vmodl.ManagedObject", REFLECT, None, [(
            "retrieveDynamicTypeManager", "RetrieveDynamicTypeManager", V, (), (optional, TYPE_MANAGER, TYPE_MANAGER), None, None)])
    # Loading now turns the definitions into types: a second identical declaration is then ignored, not a duplicate.
    for name in (EXECUTER, EXECUTER + ".SoapResult", EXECUTER + ".SoapArgument", TYPE_MANAGER, TYPE_MANAGER + ".MoFilterSpec",
                 TYPE_MANAGER + ".MoInstance"):
        VmomiSupport.GetVmodlType(name)
    for method in ("ExecuteSoap", "RetrieveManagedMethodExecuter", "DynamicTypeMgrQueryMoInstances", "RetrieveDynamicTypeManager"):
        VmomiSupport.GetWsdlMethod("urn:vim25", method)


declare_types()


def _moid_suffix(host):
    return host.moid.split("-", 1)[1] if host.moid.startswith("host-") else None


def executer_for(host):
    """The host's executer, created on first use as vCenter does (ManagedMethodExecuter-<n> for host-<n>)."""
    if getattr(host, "executer", None) is None:
        suffix = _moid_suffix(host)
        moid = "ManagedMethodExecuter-" + suffix if suffix else "ha-managed-method-executer"
        host.executer = host.inv.add(ManagedMethodExecuter(host.inv, moid, host))
    return host.executer


def type_manager_for(host):
    if getattr(host, "type_manager", None) is None:
        suffix = _moid_suffix(host)
        moid = "DynamicTypeManager-" + suffix if suffix else "ha-dynamic-type-manager"
        host.type_manager = host.inv.add(DynamicTypeManager(host.inv, moid))
    return host.type_manager


# --- the XML esxcli answers with -------------------------------------------------------------


def _element(tag, content, depth, attributes=""):
    """One element, indented like real ESXi output (a newline and one space per level): govmomi's flat parser of
    nested answers (cli/esx/response.go) needs the whitespace between a parent and its first child."""
    pad = " " * depth
    start = "<{0}{1}>".format(tag, " " + attributes if attributes else "")
    if isinstance(content, list):
        inner = "".join(_element(child_tag, child, depth + 1) for child_tag, child in content)
        return "{0}{1}\n{2}{0}</{3}>\n".format(pad, start, inner, tag)
    return "{0}{1}{2}</{3}>\n".format(pad, start, escape(str(content)), tag)


def _obj(xsi_type, children):
    inner = "".join(_element(tag, content, 1, attributes) for tag, content, attributes in children)
    return '<obj {0} xsi:type="{1}">\n{2}</obj>'.format(_OBJ_ATTRIBUTES, xsi_type, inner)


def _ms(micros):
    return micros // 1000


def ping_response(outcome):
    """The `response` XML of network.diag.ping: one DataObject with Summary and a Trace per reply."""
    replies = outcome.replies
    summary = [("Duplicated", 0), ("HostAddr", outcome.address), ("PacketLost", 100 - 100 * len(replies) // outcome.count if outcome.count else 0),
               ("Recieved", len(replies)),  # sic: ESXi's spelling
               ("RoundtripAvg", sum(replies) // len(replies) if replies else 0), ("RoundtripAvgMS", _ms(sum(replies) // len(replies)) if replies else 0),
               ("RoundtripMax", max(replies, default=0)), ("RoundtripMaxMS", _ms(max(replies, default=0))),
               ("RoundtripMin", min(replies, default=0)), ("RoundtripMinMS", _ms(min(replies, default=0))), ("Transmitted", outcome.count)]
    result = [("Summary", summary)]
    for seq, micros in enumerate(replies):
        result.append(("Trace", [("Detail", ""), ("Dup", "false"), ("Host", outcome.address), ("ICMPSeq", seq),
                                 ("ReceivedBytes", outcome.size + 8), ("RoundtripTime", micros), ("RoundtripTimeMS", _ms(micros)), ("TTL", 64)]))
    return _obj("ArrayOfDataObject", [("DataObject", result, 'xsi:type="VimEsxCLInetworkdiagpingPingResult"')])


def _fault(fault_type, messages, localized):
    """A SoapResult fault: faultMsg and the LocalizedMethodFault XML in faultDetail (errMsg per message for CLI faults)."""
    fault = [("errMsg", message) for message in messages] if messages else ""
    detail = _obj("LocalizedMethodFault", [("fault", fault, 'xsi:type="{0}"'.format(fault_type)), ("localizedMessage", localized, "")])
    result = VmomiSupport.GetVmodlType(EXECUTER + ".SoapResult")
    return result(fault=VmomiSupport.GetVmodlType(EXECUTER + ".SoapFault")(faultMsg=localized, faultDetail=detail))


def cli_fault(messages):
    return _fault("VimEsxCLICLIFault", messages, CLI_FAULT)


def not_found():
    return _fault("NotFound", [], NOT_FOUND)


def cli_info(namespace):
    """What vim.CLIInfo.FetchCLIInfo answers for vim.EsxCLI.network.diag (the part govmomi's CommandInfo reads)."""
    params = [("param", [("name", name), ("displayName", name), ("help", text), ("aliases", alias), ("aliases", "--" + name),
                         ("flag", "true" if flag else "false")]) for name, alias, flag, text in PING_OPTIONS]
    method = [("name", "ping"), ("displayName", "ping"), ("help", "Send ICMP echo requests to network hosts.")] + params + [
        ("hints", [("key", "formatter"), ("value", "")])]
    return _obj("VimCLIInfo", [("name", namespace, ""), ("displayName", namespace.rsplit(".", 1)[-1], ""),
                               ("help", "Operations pertaining to network diagnostics", ""), ("method", method, "")])


def parse_arguments(arguments):
    """{name: text} from SoapArguments whose val is "<name>value</name>" (several elements: the last one wins)."""
    values = {}
    for argument in arguments or []:
        try:
            root = ElementTree.fromstring("<argument>{0}</argument>".format(argument.val or ""))
        except ElementTree.ParseError:
            raise faults.invalid_argument("argument") from None
        texts = [(child.text or "").strip() for child in root] or [(root.text or "").strip()]
        values[argument.name] = texts[-1]
    return values


class ManagedMethodExecuter(ManagedObject):
    vim_type = "ReflectManagedMethodExecuter"

    def __init__(self, inv, moid, host):
        super().__init__(inv, moid)
        self.host = host

    def ExecuteSoap(self, call, moid, version, method, argument=None):
        """One esxcli command; its errors come back inside the result, as on a real host."""
        options = parse_arguments(argument)
        if moid == CLI_INFO_MOID and method == CLI_INFO_METHOD:
            if options.get("typeName") != "vim.EsxCLI.network.diag":
                return not_found()
            return VmomiSupport.GetVmodlType(EXECUTER + ".SoapResult")(response=cli_info("network.diag"))
        if moid != PING_MOID or method != PING_METHOD:
            return not_found()
        unknown = sorted(set(options) - {name for name, _alias, _flag, _help in PING_OPTIONS})
        if unknown:
            return cli_fault(["Invalid option {0}".format(unknown[0])])
        try:
            outcome = self.inv.physical.ping(self.host, options)
        except ValueError:  # count or size that is not a number
            return cli_fault(["Invalid data constraint for parameter 'count' or 'size'."])
        if outcome.fault:
            return cli_fault(outcome.fault)
        return VmomiSupport.GetVmodlType(EXECUTER + ".SoapResult")(response=ping_response(outcome))


class DynamicTypeManager(ManagedObject):
    vim_type = "InternalDynamicTypeManager"

    def DynamicTypeMgrQueryMoInstances(self, call, filterSpec=None):
        substring = getattr(filterSpec, "typeSubstr", None) or ""
        wanted_id = getattr(filterSpec, "id", None)
        instance = VmomiSupport.GetVmodlType(TYPE_MANAGER + ".MoInstance")
        return [instance(id=moid, moType=mo_type) for moid, mo_type in MO_INSTANCES
                if substring in mo_type and wanted_id in (None, moid)]
