"""The physical network (islands, cabling, VLANs, MTU), QueryNetworkHint and esxcli network.diag.ping, through pyVmomi.

The ping goes the way a client without SSH runs it: HostSystem.RetrieveManagedMethodExecuter, then ExecuteSoap with
moid ha-cli-handler-network-diag. The last tests speak the wire by hand, as govmomi's cli/esx client does.
"""

import http.client
import json
import ssl
from xml.etree import ElementTree
from xml.parsers.expat import ParserCreate
from xml.sax.saxutils import escape

import pytest
from pyVmomi import VmomiSupport, vim

from conftest import connect
from helpers import hosts_by_name
from vsim import topology
from vsim.server import start_simulator

VIM = "{urn:vim25}"
VMOTION = {"vmk1": ("172.16.1", 9000), "vmk2": ("172.16.2", 9000), "vmk3": ("172.16.3", 1500), "vmk4": ("172.16.4", 1500),
           "vmk6": ("172.16.0", 1500)}  # the seed's vMotion vmks: subnet and MTU
PAIRS = (("192.168.100.107", "192.168.100.118"), ("192.168.100.113", "192.168.100.110"))


def control(sim, action, data):
    connection = http.client.HTTPSConnection("127.0.0.1", sim.port, context=ssl._create_unverified_context())
    connection.request("POST", "/_sim/" + action, body=json.dumps(data), headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    assert response.status == 200, body
    return body


def executer(host):
    """RetrieveManagedMethodExecuter through the stand-in type the simulator (and the collection) declares."""
    stand_in = VmomiSupport.GetVmodlType("vmodl.reflect.EsxcliHost")
    return stand_in(host._moId, host._stub).RetrieveManagedMethodExecuter()


def esxcli_ping(host_system, **options):
    argument_type = VmomiSupport.GetVmodlType("vmodl.reflect.ManagedMethodExecuter.SoapArgument")
    arguments = [argument_type(name=name, val="<{0}>{1}</{0}>".format(name, str(value).lower() if isinstance(value, bool) else value))
                 for name, value in sorted(options.items())]
    return executer(host_system).ExecuteSoap(moid="ha-cli-handler-network-diag", version="urn:vim25/5.0",
                                             method="vim.EsxCLI.network.diag.ping", argument=arguments)


def summary(result):
    """{field: int or text} of the Summary of a ping's response XML; the fault's detail text when it failed."""
    if result.fault is not None:
        return {"fault": result.fault.faultMsg, "detail": result.fault.faultDetail}
    root = ElementTree.fromstring(result.response)
    fields = {child.tag[len(VIM):]: child.text for child in root.find(VIM + "DataObject").find(VIM + "Summary")}
    fields["traces"] = len(root.find(VIM + "DataObject").findall(VIM + "Trace"))
    return fields


def ok(host, vmk, peer_octet, size=None, df=True):
    subnet, mtu = VMOTION[vmk]
    fields = summary(esxcli_ping(host, host="{0}.{1}".format(subnet, peer_octet), interface=vmk, size=size or mtu - 28, df=df, count=2))
    assert "fault" not in fields, fields
    return fields["Recieved"] == "2" and fields["PacketLost"] == "0"


@pytest.fixture()
def hosts(content):
    return hosts_by_name(content)


def test_seed_fleet_pings_clean_on_every_index(sim, hosts):
    sim.reset()
    for source, target in PAIRS:
        for vmk in VMOTION:
            assert ok(hosts[source], vmk, target.rsplit(".", 1)[-1]), (source, target, vmk)
            assert ok(hosts[target], vmk, source.rsplit(".", 1)[-1], size=56), (target, source, vmk)
    stats = sim.stats()
    assert stats["calls"]["ExecuteSoap"] == 2 * len(PAIRS) * len(VMOTION) and stats["writes"] == 0


def test_ping_answer_fields(hosts):
    root = ElementTree.fromstring(esxcli_ping(hosts["192.168.100.107"], host="172.16.1.108", interface="vmk1", size=8972, df=True).response)
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "ArrayOfDataObject"
    data = root.find(VIM + "DataObject")
    fields = {child.tag[len(VIM):]: child.text for child in data.find(VIM + "Summary")}
    assert fields["HostAddr"] == "172.16.1.108" and fields["Transmitted"] == "3" and fields["Recieved"] == "3"  # esxcli's default count
    assert int(fields["RoundtripMin"]) <= int(fields["RoundtripAvg"]) <= int(fields["RoundtripMax"])
    assert fields["RoundtripAvgMS"] == str(int(fields["RoundtripAvg"]) // 1000)
    traces = [{child.tag[len(VIM):]: child.text for child in trace} for trace in data.findall(VIM + "Trace")]
    assert [t["ICMPSeq"] for t in traces] == ["0", "1", "2"] and traces[0]["ReceivedBytes"] == "8980" and traces[0]["Host"] == "172.16.1.108"


def test_recabled_nic_fails_exactly_its_pairs(sim, hosts):
    moved = "192.168.100.110"
    control(sim, "cable", {"host": moved, "pnic": "vmnic8", "switch": "frontend-01"})
    state = sim.state()["physical"]
    assert state["cabling"][moved]["vmnic8"]["switch"] == "frontend-01" and state["cabling"][moved]["vmnic8"]["port_id"] == "GigabitEthernet1/0/25"
    for other in ("192.168.100.107", "192.168.100.115"):
        assert not ok(hosts[moved], "vmk1", other.rsplit(".", 1)[-1], size=56)  # no path at all, not an MTU problem
        assert not ok(hosts[other], "vmk1", "110", size=56)
        assert ok(hosts[other], "vmk1", "113")  # pairs without the moved NIC still work
        for vmk in ("vmk2", "vmk3", "vmk4", "vmk6"):
            assert ok(hosts[moved], vmk, other.rsplit(".", 1)[-1])
    hint = hosts[moved].configManager.networkSystem.QueryNetworkHint(device=["vmnic8"])[0]
    assert hint.connectedSwitchPort.devId == "frontend-01" and hint.connectedSwitchPort.portId == "GigabitEthernet1/0/25"
    subnets = {s.ipSubnet for s in hint.subnet}
    assert "172.16.3.1-172.16.3.254" in subnets and "172.16.1.1-172.16.1.254" not in subnets  # frontend sees frontend subnets


def test_mtu_1500_island_fails_large_df_ping_and_passes_small(sim, hosts):
    control(sim, "physical", {"switch": "backend-01", "mtu": 1500})
    source = hosts["192.168.100.107"]
    assert not ok(source, "vmk1", "108")  # 8972 bytes + 28 dropped by the switch: loss, no fault
    assert ok(source, "vmk1", "108", size=1472) and ok(source, "vmk1", "108", size=56)
    assert not ok(source, "vmk1", "108", size=8972, df=False)  # fragments of the vmk's 9000 bytes are still too big
    fields = summary(esxcli_ping(source, host="172.16.3.108", interface="vmk3", size=8972, df=True))
    assert fields["fault"] == "EsxCLI.CLIFault.summary" and "Message too long" in fields["detail"]  # larger than the vmk itself
    assert "VimEsxCLICLIFault" in fields["detail"]


def test_link_down_and_up(sim, hosts):
    host = hosts["192.168.100.111"]
    control(sim, "link", {"host": host.name, "pnic": "vmnic9", "up": False})
    speeds = {p.device: p.linkSpeed for p in host.config.network.pnic}
    assert speeds["vmnic9"] is None and speeds["vmnic8"].speedMb == 1000 and speeds["vmnic8"].duplex
    assert not ok(host, "vmk2", "112", size=56) and not ok(hosts["192.168.100.112"], "vmk2", "111", size=56)
    assert ok(host, "vmk1", "112")
    hint = host.configManager.networkSystem.QueryNetworkHint(device=["vmnic9"])[0]
    assert hint.connectedSwitchPort is None and list(hint.subnet) == []
    control(sim, "link", {"host": host.name, "pnic": "vmnic9", "up": True})
    assert ok(host, "vmk2", "112")
    assert sim.state()["physical"]["cabling"][host.name]["vmnic9"]["up"] is True


def test_vlan_not_carried_and_netstack(sim, hosts):
    control(sim, "physical", {"switch": "backend-02", "vlans": [20]})
    assert not ok(hosts["192.168.100.107"], "vmk2", "108", size=56)  # untagged traffic no longer carried
    fields = summary(esxcli_ping(hosts["192.168.100.107"], host="172.16.1.108", interface="vmk1", netstack="vmotion"))
    assert "Unknown interface 'vmk1'" in fields["detail"]
    fields = summary(esxcli_ping(hosts["192.168.100.107"], host="172.16.9.1", interface="vmk1"))
    assert fields["Recieved"] == "0" and fields["PacketLost"] == "100" and fields["traces"] == 0  # off-subnet: nothing answers


def test_query_network_hint(sim, hosts):
    network_system = hosts["192.168.100.107"].configManager.networkSystem
    hints = network_system.QueryNetworkHint()
    assert [h.device for h in hints] == ["vmnic{0}".format(n) for n in range(12)]
    by_device = {h.device: h for h in hints}
    cdp = by_device["vmnic8"].connectedSwitchPort
    expected = ("backend-01", "GigabitEthernet1/0/3", "backend-01", "192.168.100.253", 9216)
    assert (cdp.devId, cdp.portId, cdp.systemName, cdp.mgmtAddr, cdp.mtu) == expected
    assert cdp.cdpVersion == 2 and cdp.deviceCapability.networkSwitch and cdp.hardwarePlatform
    assert by_device["vmnic8"].lldpInfo is None  # the seed's switches speak CDP only
    subnets = [(s.vlanId, s.ipSubnet) for s in by_device["vmnic8"].subnet]
    assert (0, "172.16.1.1-172.16.1.254") in subnets and (0, "172.16.3.1-172.16.3.254") not in subnets
    assert [h.device for h in network_system.QueryNetworkHint(device=["vmnic9", "vmnic2"])] == ["vmnic9", "vmnic2"]
    with pytest.raises(vim.fault.NotFound):
        network_system.QueryNetworkHint(device=["vmnic99"])
    control(sim, "hint", {"host": "192.168.100.107", "all_nics": "empty"})  # as ESXi builds that answer an all-NICs query with nothing
    assert list(network_system.QueryNetworkHint()) == [] and len(network_system.QueryNetworkHint(device=["vmnic8"])) == 1
    assert len(hosts["192.168.100.108"].configManager.networkSystem.QueryNetworkHint()) == 12


def test_default_cabling_without_physical_key():
    data = topology.generate(3)
    inv = topology.build(data)
    host = next(o for o in inv.objects.values() if o.vim_type == "HostSystem")
    assert all(p.linkSpeed.speedMb == 10000 for p in host.network_info().pnic)
    hint = inv.physical.network_hints(host, ["vmnic2"])[0]
    assert hint.connectedSwitchPort.devId == "default" and hint.connectedSwitchPort.mtu == 9216
    with pytest.raises(ValueError, match="no switch 'nowhere'"):
        topology.build(dict(data, physical={"switches": [], "cabling": [{"pnics": ["vmnic0"], "switch": "nowhere"}]}))


def test_esxi_mode_executer():
    simulator = start_simulator(mode="esxi")
    try:
        si = connect(simulator)
        host = hosts_by_name(si.RetrieveContent())["192.168.100.107"]
        assert executer(host)._moId == "ha-managed-method-executer"
        assert summary(esxcli_ping(host, host="10.10.10.107", interface="vmk5"))["Recieved"] == "3"  # its own address
    finally:
        simulator.stop()


def test_dynamic_type_manager(si, hosts):
    host = hosts["192.168.100.112"]
    manager = host._stub.InvokeMethod(host, VmomiSupport.GetWsdlMethod("urn:vim25", "RetrieveDynamicTypeManager").info, ())
    assert manager._moId == "DynamicTypeManager-" + host._moId.split("-")[1]
    spec = VmomiSupport.GetVmodlType("vmodl.reflect.DynamicTypeManager.MoFilterSpec")(typeSubstr="vim.EsxCLI.network.diag")
    assert [(i.id, i.moType) for i in manager.DynamicTypeMgrQueryMoInstances(filterSpec=spec)] == [
        ("ha-cli-handler-network-diag", "vim.EsxCLI.network.diag")]
    assert executer(host)._moId == executer(host)._moId == "ManagedMethodExecuter-" + host._moId.split("-")[1]


# --- the wire, as govmomi's cli/esx client sends and parses it ---------------------------------

ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{0}</soapenv:Body></soapenv:Envelope>')


def soap_post(sim, cookie, body):
    connection = http.client.HTTPSConnection("127.0.0.1", sim.port, context=ssl._create_unverified_context())
    connection.request("POST", "/sdk", body=ENVELOPE.format(body).encode("utf-8"),
                       headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "urn:vim25/8.0.3.0", "Cookie": cookie})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    assert response.status == 200, payload
    return ElementTree.fromstring(payload).find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]


def execute_soap(sim, cookie, mme, moid, method, arguments):
    """ExecuteSoap as govmomi's Executor.Execute writes it: _this, moid, version urn:vim25/5.0, method, then one
    argument per given option in the command's parameter order, val = "<name>value</name>" escaped by the encoder."""
    args = "".join("<argument><name>{0}</name><val>{1}</val></argument>".format(name, escape("<{0}>{1}</{0}>".format(name, value)))
                   for name, value in arguments)
    body = ('<ExecuteSoap xmlns="urn:vim25"><_this type="ReflectManagedMethodExecuter">{0}</_this><moid>{1}</moid>'
            "<version>urn:vim25/5.0</version><method>{2}</method>{3}</ExecuteSoap>").format(mme, moid, method, args)
    response = soap_post(sim, cookie, body)
    assert response.tag == VIM + "ExecuteSoapResponse"
    returnval = response.find(VIM + "returnval")  # govmomi: `xml:"urn:vim25 returnval"`
    return returnval


def govmomi_values(text):
    """govmomi's Response.UnmarshalXML (cli/esx/response.go), token for token: an ArrayOfDataObject yields one flat
    {key: [values]} per DataObject; each start element takes the token after it as its value when it is text."""
    tokens = []
    parser = ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = lambda name, attrs: tokens.append(("start", name, attrs))
    parser.EndElementHandler = lambda name: tokens.append(("end", name, None))
    parser.CharacterDataHandler = lambda data: tokens.append(("text", data, None))
    parser.Parse(text, True)
    assert tokens[0][0] == "start" and tokens[0][2].get("xsi:type") == "ArrayOfDataObject"
    rows, position = [], 1
    while position < len(tokens):
        kind, name, _attrs = tokens[position]
        position += 1
        if kind == "start" and name == "DataObject":
            values, depth = {}, 1  # depth inside the DataObject: the decoder answers EOF at its end
            while depth:
                kind, name, _attrs = tokens[position]
                position += 1
                if kind == "start":
                    following = tokens[position]  # consumed whatever it is, as govmomi does
                    position += 1
                    values.setdefault(name, []).append(following[1] if following[0] == "text" else "")
                    depth += 1 + {"start": 1, "end": -1}.get(following[0], 0)
                elif kind == "end":
                    depth -= 1
            rows.append(values)
    return rows


def test_wire_matches_govmomi_client(sim, si, hosts):
    cookie = si._stub.cookie
    host = hosts["192.168.100.114"]
    retrieve = soap_post(sim, cookie, '<RetrieveManagedMethodExecuter xmlns="urn:vim25"><_this type="HostSystem">{0}</_this>'
                                      "</RetrieveManagedMethodExecuter>".format(host._moId))
    returnval = retrieve.find(VIM + "returnval")
    assert returnval.get("type") == "ReflectManagedMethodExecuter"
    mme = returnval.text
    # Command discovery, as govc host.esxcli does first.
    info = execute_soap(sim, cookie, mme, "ha-dynamic-type-manager-local-cli-cliinfo", "vim.CLIInfo.FetchCLIInfo",
                        [("typeName", "vim.EsxCLI.network.diag")])
    command = ElementTree.fromstring(info.find(VIM + "response").text)
    ping = next(m for m in command.findall(VIM + "method") if m.find(VIM + "name").text == "ping")
    params = [p.find(VIM + "name").text for p in ping.findall(VIM + "param")]
    assert params == sorted(params) and {"host", "interface", "size", "df", "count", "netstack"} <= set(params)
    assert [a.text for a in ping.find(VIM + "param").findall(VIM + "aliases")] == ["-c", "--count"]
    # The ping with the arguments in that order.
    options = {"count": "2", "df": "true", "host": "172.16.2.115", "interface": "vmk2", "netstack": "defaultTcpipStack", "size": "8972"}
    result = execute_soap(sim, cookie, mme, "ha-cli-handler-network-diag", "vim.EsxCLI.network.diag.ping",
                          [(name, options[name]) for name in params if name in options])
    assert result.find(VIM + "fault") is None
    rows = govmomi_values(result.find(VIM + "response").text)
    assert len(rows) == 1
    row = rows[0]
    assert row["Transmitted"] == ["2"] and row["Recieved"] == ["2"] and row["PacketLost"] == ["0"] and row["HostAddr"] == ["172.16.2.115"]
    assert row["Duplicated"] == ["0"]  # the first field of Summary survives govmomi's flat parse thanks to the indentation
    assert row["ICMPSeq"] == ["0", "1"] and row["Detail"] == ["", ""]
    # Too large for the source vmk with DF: a fault inside the result, not a SOAP fault.
    options.update(interface="vmk4", host="172.16.4.115")
    result = execute_soap(sim, cookie, mme, "ha-cli-handler-network-diag", "vim.EsxCLI.network.diag.ping",
                          [(name, options[name]) for name in params if name in options])
    assert result.find(VIM + "response") is None
    fault = result.find(VIM + "fault")
    assert fault.find(VIM + "faultMsg").text == "EsxCLI.CLIFault.summary"
    detail = ElementTree.fromstring(fault.find(VIM + "faultDetail").text)
    assert [e.text for e in detail.iter(VIM + "errMsg")] == ["sendto() failed (Message too long)"] * 2
    # An unknown command is a fault result as well.
    result = execute_soap(sim, cookie, mme, "ha-cli-handler-network-nothing", "vim.EsxCLI.network.nothing.get", [])
    assert result.find(VIM + "fault").find(VIM + "faultMsg").text == "The object or item referred to could not be found."


def test_declarations_are_shared(si, hosts):
    """A second declaration of the same types (the collection's client in the same process) changes nothing."""
    from vsim import esxcli
    before = VmomiSupport.GetVmodlType("vmodl.reflect.ManagedMethodExecuter.SoapResult")
    esxcli.declare_types()
    assert VmomiSupport.GetVmodlType("vmodl.reflect.ManagedMethodExecuter.SoapResult") is before
    assert summary(esxcli_ping(hosts["192.168.100.117"], host="172.16.4.118", interface="vmk4"))["Recieved"] == "3"


def test_lldp_neighbour_shape():
    """What a pnic behind a distributed switch listening for LLDP reports (the seed's switches speak CDP only)."""
    from vsim import physical, soap
    switch = physical.Switch({"name": "leaf-01", "discovery": "lldp", "port_format": "Ethernet1/{port}"}, 7)
    info = physical._lldp_info(switch, physical.Cable(switch, 12))
    assert info.portId == "Ethernet1/12" and info.timeToLive == 120 and info.chassisId == switch.chassis_mac
    assert {p.key: p.value for p in info.parameter}["System Name"] == "leaf-01"
    hints = vim.host.PhysicalNic.NetworkHint.Array([vim.host.PhysicalNic.NetworkHint(device="vmnic10", lldpInfo=info)])
    wire = soap.serialize_response("QueryNetworkHint", hints, vim.host.PhysicalNic.NetworkHint.Array, soap.DEFAULT_VERSION)
    assert b"<lldpInfo><chassisId>" in wire and b"<portId>Ethernet1/12</portId>" in wire


def test_ipv6_headers(hosts):
    """IPv6 pays 48 bytes of headers: a 9000-byte vmk carries 8952 with DF, one byte more is too long."""
    for name in ("192.168.100.107", "192.168.100.108"):
        address = vim.host.IpConfig.IpV6Address(ipAddress="fd00:16:1::" + name.rsplit(".", 1)[-1], prefixLength=64, operation="add")
        spec = vim.host.VirtualNic.Specification(ip=vim.host.IpConfig(
            dhcp=False, ipAddress="172.16.1." + name.rsplit(".", 1)[-1], subnetMask="255.255.255.0",
            ipV6Config=vim.host.IpConfig.IpV6AddressConfiguration(ipV6Address=[address])))
        hosts[name].configManager.networkSystem.UpdateVirtualNic("vmk1", spec)
    fields = summary(esxcli_ping(hosts["192.168.100.107"], host="fd00:16:1::108", interface="vmk1", size=8952, df=True, ipv6=True))
    assert fields.get("Recieved") == "3", fields
    fields = summary(esxcli_ping(hosts["192.168.100.107"], host="fd00:16:1::108", interface="vmk1", size=8953, df=True, ipv6=True))
    assert "Message too long" in fields["detail"]
