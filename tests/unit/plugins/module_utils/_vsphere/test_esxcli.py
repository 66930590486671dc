# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest
from pyVmomi import SoapAdapter, VmomiSupport, vim, vmodl

from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.esxcli import (
    ESXCLI_VERSION,
    PING_METHOD,
    PING_MOID,
    Esxcli,
    EsxcliError,
    argument_value,
    declare_types,
    fault_messages,
    is_message_too_long,
    parse_ping,
    ping_arguments,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import VsphereError

# The shape ESXi answers a structure with (govmomi cli/esx/fixtures: one space of indent per level).
PING_OK = """<obj xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="urn:vim25"
 versionId="5.0" xsi:type="ArrayOfDataObject">
 <DataObject xsi:type="VimEsxCLInetworkdiagpingPingResult">
  <Summary>
   <Duplicated>0</Duplicated>
   <HostAddr>172.16.1.108</HostAddr>
   <PacketLost>0</PacketLost>
   <Recieved>3</Recieved>
   <RoundtripAvg>227</RoundtripAvg>
   <RoundtripAvgMS>0</RoundtripAvgMS>
   <RoundtripMax>237</RoundtripMax>
   <RoundtripMaxMS>0</RoundtripMaxMS>
   <RoundtripMin>217</RoundtripMin>
   <RoundtripMinMS>0</RoundtripMinMS>
   <Transmitted>3</Transmitted>
  </Summary>
  <Trace>
   <Detail></Detail>
   <Dup>false</Dup>
   <Host>172.16.1.108</Host>
   <ICMPSeq>0</ICMPSeq>
   <ReceivedBytes>8980</ReceivedBytes>
   <RoundtripTime>217</RoundtripTime>
   <RoundtripTimeMS>0</RoundtripTimeMS>
   <TTL>64</TTL>
  </Trace>
 </DataObject>
</obj>"""
PING_LOST = ("<obj xmlns=\"urn:vim25\"><DataObject><Summary><Duplicated>0</Duplicated><HostAddr>172.16.1.9</HostAddr><PacketLost>100</PacketLost>"
             "<Recieved>0</Recieved><RoundtripAvg>0</RoundtripAvg><Transmitted>3</Transmitted></Summary></DataObject></obj>")
TOO_LONG_DETAIL = """<obj xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="urn:vim25"
 versionId="5.0" xsi:type="LocalizedMethodFault">
 <fault xsi:type="VimEsxCLICLIFault">
  <errMsg>sendto() failed (Message too long)</errMsg>
  <errMsg>sendto() failed (Message too long)</errMsg>
 </fault>
 <localizedMessage>EsxCLI.CLIFault.summary</localizedMessage>
</obj>"""


class TestArguments:
    def test_declared_order_and_text(self):
        pairs = ping_arguments(size=8972, host="172.16.1.108", df=True, interface="vmk1", count=3, netstack="vmotion", ipv4=True)
        assert pairs == [("count", "3"), ("df", "true"), ("host", "172.16.1.108"), ("interface", "vmk1"), ("ipv4", "true"),
                         ("netstack", "vmotion"), ("size", "8972")]

    def test_unset_values_are_left_out(self):
        assert ping_arguments(host="10.0.0.1", df=None, size=None) == [("host", "10.0.0.1")]

    def test_refusals(self):
        with pytest.raises(ValueError, match="unknown network.diag.ping argument"):
            ping_arguments(host="10.0.0.1", Size=1)
        with pytest.raises(ValueError, match="needs a host"):
            ping_arguments(size=56)
        with pytest.raises(ValueError, match="size must be an integer"):
            ping_arguments(host="10.0.0.1", size="56")

    def test_value_is_an_element_of_its_name(self):
        assert argument_value("host", "a<b&c") == "<host>a&lt;b&amp;c</host>"


class TestAnswers:
    def test_ok(self):
        ping = parse_ping(PING_OK)
        assert (ping["transmitted"], ping["received"], ping["loss_percent"], ping["host_addr"]) == (3, 3, 0, "172.16.1.108")
        assert ping["rtt_avg_ms"] == 0.227 and ping["rtt_min_ms"] == 0.217 and len(ping["trace"]) == 1
        assert ping["trace"][0] == {"seq": 0, "bytes": 8980, "ttl": 64, "rtt_ms": 0.217, "detail": None}

    def test_fields_directly_under_obj_and_the_correct_spelling(self):
        ping = parse_ping("<obj><Summary><Transmitted>2</Transmitted><Received>1</Received><RoundtripAvgMS>4</RoundtripAvgMS></Summary></obj>")
        assert ping["received"] == 1 and ping["loss_percent"] == 0 and ping["rtt_avg_ms"] == 4.0

    def test_lost(self):
        ping = parse_ping(PING_LOST)
        assert ping["received"] == 0 and ping["loss_percent"] == 100 and ping["trace"] == []

    @pytest.mark.parametrize("text,message", [
        ("", "empty"), ("<obj><DataObject><Other/></DataObject></obj>", "no Summary"), ("<obj>", "not XML"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><obj>&a;</obj>', "DTD"),
    ])
    def test_unreadable(self, text, message):
        with pytest.raises(EsxcliError, match=message):
            parse_ping(text)

    def test_message_too_long_fault(self):
        fault = declare_types() and VmomiSupport.GetVmodlType("vmodl.reflect.ManagedMethodExecuter.SoapFault")(
            faultMsg="EsxCLI.CLIFault.summary", faultDetail=TOO_LONG_DETAIL)
        messages = fault_messages(fault)
        assert messages == ["sendto() failed (Message too long)"] and is_message_too_long(messages)

    def test_fault_without_detail(self):
        assert fault_messages(type("F", (), {"faultMsg": "The object or item referred to could not be found.", "faultDetail": None})()) == [
            "The object or item referred to could not be found."]


def _stub():
    return SoapAdapter.SoapStubAdapter(host="127.0.0.1", port=1, version="vim.version.v8_0_3_0")


class TestWire:
    """The request as govmomi's executor sends it, the response as pyVmomi decodes it."""

    def test_types_declare_once_and_leave_host_system_alone(self):
        first, second = declare_types(), declare_types()
        assert first == second
        assert VmomiSupport.GetWsdlType("urn:vim25", "HostSystem") is vim.HostSystem
        assert first[1] is vmodl.reflect.ManagedMethodExecuter

    def test_retrieve_request(self):
        host_type, _executer, _argument = declare_types()
        stub = _stub()
        body = stub.SerializeRequest(host_type("host-21", stub), host_type._methodInfo["RetrieveManagedMethodExecuter"], []).decode()
        assert re.search(r'<RetrieveManagedMethodExecuter xmlns="urn:vim25"><_this [^>]*type="HostSystem">host-21</_this>'
                         r'</RetrieveManagedMethodExecuter>', body)

    def test_execute_soap_request(self):
        _host, executer_type, argument_type = declare_types()
        stub = _stub()
        arguments = [argument_type(name=n, val=argument_value(n, v)) for n, v in ping_arguments(host="172.16.1.108", size=8972, df=True)]
        body = stub.SerializeRequest(executer_type("ManagedMethodExecuter-21", stub), executer_type._methodInfo["ExecuteSoap"],
                                     [PING_MOID, ESXCLI_VERSION, PING_METHOD, arguments]).decode()
        body = re.sub(r' versionId="[^"]*"', "", body)
        assert ('<ExecuteSoap xmlns="urn:vim25"><_this type="ReflectManagedMethodExecuter">ManagedMethodExecuter-21</_this>'
                '<moid>ha-cli-handler-network-diag</moid><version>urn:vim25/5.0</version><method>vim.EsxCLI.network.diag.ping</method>'
                '<argument><name>df</name><val>&lt;df&gt;true&lt;/df&gt;</val></argument>'
                '<argument><name>host</name><val>&lt;host&gt;172.16.1.108&lt;/host&gt;</val></argument>'
                '<argument><name>size</name><val>&lt;size&gt;8972&lt;/size&gt;</val></argument></ExecuteSoap>') in body

    def test_execute_soap_response_decodes(self):
        declare_types()
        escaped = PING_OK.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        envelope = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><ExecuteSoapResponse xmlns="urn:vim25">'
                    '<returnval><response>%s</response></returnval></ExecuteSoapResponse></soapenv:Body></soapenv:Envelope>' % escaped)
        result_type = VmomiSupport.GetVmodlType("vmodl.reflect.ManagedMethodExecuter.SoapResult")
        result = SoapAdapter.SoapResponseDeserializer(_stub()).Deserialize(envelope.encode(), result_type)
        assert result.fault is None and parse_ping(result.response)["received"] == 3


class FakeClient(object):
    """VsphereClient.call and nothing else, with a scripted executer."""

    def __init__(self, results):
        self.results = list(results)
        self.sent = []

    def call(self, what, method, *args, **kwargs):
        if getattr(method, "__name__", "") == "RetrieveManagedMethodExecuter" or "RetrieveManagedMethodExecuter" in what:
            return self
        self.sent.append((what, args))
        return self.results.pop(0)

    def ExecuteSoap(self, **kwargs):  # pragma: no cover - call() answers instead
        raise AssertionError


class TestClient:
    def host(self):
        return vim.HostSystem("host-21", _stub())

    def test_ping_sends_through_call_and_parses(self):
        result_type = VmomiSupport.GetVmodlType("vmodl.reflect.ManagedMethodExecuter.SoapResult") if declare_types() else None
        client = FakeClient([result_type(response=PING_OK), result_type(response=PING_LOST)])
        esxcli = Esxcli(client, self.host(), "esx21")
        assert esxcli.ping(host="172.16.1.108", interface="vmk1", size=8972, df=True, count=3)["received"] == 3
        assert esxcli.ping(host="172.16.1.9", interface="vmk1", count=3)["loss_percent"] == 100
        what, (moid, version, method, arguments) = client.sent[0]
        assert what == "network.diag.ping from esx21 vmk1 to 172.16.1.108"
        assert (moid, version, method) == (PING_MOID, "urn:vim25/5.0", PING_METHOD)
        assert [a.name for a in arguments] == ["count", "df", "host", "interface", "size"]
        assert esxcli.calls == {"RetrieveManagedMethodExecuter": 1, "ExecuteSoap": 2}

    def test_fault_is_a_result(self):
        declare_types()
        fault = VmomiSupport.GetVmodlType("vmodl.reflect.ManagedMethodExecuter.SoapFault")(faultMsg="EsxCLI.CLIFault.summary",
                                                                                           faultDetail=TOO_LONG_DETAIL)
        result = VmomiSupport.GetVmodlType("vmodl.reflect.ManagedMethodExecuter.SoapResult")(fault=fault)
        ping = Esxcli(FakeClient([result]), self.host(), "esx21").ping(host="172.16.1.108", size=8972, df=True, count=3)
        assert ping["too_long"] and ping["received"] == 0 and ping["transmitted"] == 3 and ping["loss_percent"] == 100


class RefusingClient(FakeClient):
    def call(self, what, method, *args, **kwargs):
        self.sent.append((what, args))
        if "RetrieveManagedMethodExecuter" in what:
            raise VsphereError("%s failed: NoPermission" % what)
        raise AssertionError("no ping without an executer")


def test_a_refused_executer_is_asked_for_once():
    client = RefusingClient([])
    esxcli = Esxcli(client, vim.HostSystem("host-21", _stub()), "esx21")
    for _attempt in range(3):
        with pytest.raises(VsphereError, match="NoPermission"):
            esxcli.ping(host="172.16.1.108", count=1)
    assert len(client.sent) == 1 and esxcli.calls["RetrieveManagedMethodExecuter"] == 1
