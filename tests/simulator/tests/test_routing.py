"""Routed (L3) vMotion: TCP/IP stack gateways set through UpdateNetworkConfig and read back, vmk gateway overrides,
routers in the physical network and esxcli network.diag.ping across them, through pyVmomi (topologies/routed.yml)."""

import os

import pytest
from pyVim.connect import Disconnect
from pyVmomi import vim, vmodl

from conftest import connect
from helpers import hosts_by_name
from test_physical import control, esxcli_ping, summary
from vsim import topology
from vsim.server import start_simulator

ROUTED = os.path.join(topology.TOPOLOGY_DIR, "routed.yml")
A1, A2, B1, B2 = "esx-a1.routed.local", "esx-a2.routed.local", "esx-b1.routed.local", "esx-b2.routed.local"


@pytest.fixture()
def routed():
    simulator = start_simulator(topology_file=ROUTED)
    yield simulator
    simulator.stop()


@pytest.fixture()
def hosts(routed):
    service_instance = connect(routed)
    yield hosts_by_name(service_instance.RetrieveContent())
    Disconnect(service_instance)


def stack(host, key):
    return next(s for s in host.config.network.netStackInstance if s.key == key)


def routes(table):
    return [(op.route.network, op.route.prefixLength, op.route.gateway, op.route.deviceName) for op in (table.ipRoute if table else [])]


def ping(host, address, **options):
    return summary(esxcli_ping(host, host=address, count=2, **options))


def replied(fields):
    assert "fault" not in fields, fields
    return fields["Recieved"] == "2" and fields["PacketLost"] == "0"


def last_ping(sim):
    return sim.state()["physical"]["pings"][-1]


def set_stack_gateway(host, key, gateway, **route):
    spec = vim.host.NetworkConfig.NetStackSpec(operation="edit", netStackInstance=vim.host.NetStackInstance(
        key=key, ipRouteConfig=vim.host.IpRouteConfig(defaultGateway=gateway, **route)))
    return host.configManager.networkSystem.UpdateNetworkConfig(vim.host.NetworkConfig(netStackSpec=[spec]), "modify")


# --- stack gateways through the API -------------------------------------------------------------------------------


def test_stack_gateway_from_the_topology(hosts):
    a1 = hosts[A1]
    vmotion = stack(a1, "vmotion")
    assert vmotion.ipRouteConfig.defaultGateway == "172.16.1.1"
    # the stack's routes are in its own routeTableConfig: its default route through the vmk on the gateway's subnet
    assert routes(vmotion.routeTableConfig) == [("0.0.0.0", 0, "172.16.1.1", "vmk1"), ("172.16.1.0", 24, "0.0.0.0", "vmk1"),
                                                ("172.16.2.0", 24, "0.0.0.0", "vmk2")]
    # HostNetworkInfo.routeTableInfo and ipRouteConfig are the default stack's only (deprecated since API 5.5)
    info = a1.config.network
    assert [(r.network, r.prefixLength, r.gateway, r.deviceName) for r in info.routeTableInfo.ipRoute] == [
        ("0.0.0.0", 0, "192.168.100.1", "vmk0"), ("192.168.100.0", 24, "0.0.0.0", "vmk0")]
    assert info.ipRouteConfig.defaultGateway == "192.168.100.1"
    assert stack(a1, "vSphereProvisioning").ipRouteConfig.defaultGateway is None
    vmk2 = next(v for v in info.vnic if v.device == "vmk2")
    assert vmk2.spec.ipRouteSpec.ipRouteConfig.defaultGateway == "172.16.2.1"
    assert next(v for v in info.vnic if v.device == "vmk1").spec.ipRouteSpec is None


def test_set_stack_gateway_through_update_network_config(routed, hosts):
    a1 = hosts[A1]
    routed.reset()
    result = set_stack_gateway(a1, "vmotion", "172.16.2.1")
    assert isinstance(result, vim.host.NetworkConfig.Result) and list(result.vnicDevice) == []
    assert routed.stats()["writes"] == 1
    vmotion = stack(a1, "vmotion")
    assert vmotion.ipRouteConfig.defaultGateway == "172.16.2.1"
    assert routes(vmotion.routeTableConfig)[0] == ("0.0.0.0", 0, "172.16.2.1", "vmk2")
    assert routed.state()["hosts"][A1]["stacks"]["vmotion"]["gateway"] == "172.16.2.1"
    # TCP settings as vmware_host_tcpip_stacks sends them with the gateway; an unset gateway in ipRouteConfig removes it
    spec = vim.host.NetworkConfig.NetStackSpec(operation="edit", netStackInstance=vim.host.NetStackInstance(
        key="vmotion", ipRouteConfig=vim.host.IpRouteConfig(), congestionControlAlgorithm="cubic", requestedMaxNumberOfConnections=12000))
    a1.configManager.networkSystem.UpdateNetworkConfig(vim.host.NetworkConfig(netStackSpec=[spec]), "modify")
    vmotion = stack(a1, "vmotion")
    assert vmotion.ipRouteConfig.defaultGateway is None
    assert (vmotion.congestionControlAlgorithm, vmotion.requestedMaxNumberOfConnections) == ("cubic", 12000)
    assert [r[0] for r in routes(vmotion.routeTableConfig)] == ["172.16.1.0", "172.16.2.0"]
    # other hosts are untouched
    assert stack(hosts[A2], "vmotion").ipRouteConfig.defaultGateway == "172.16.1.1"


def test_stack_gateway_faults_change_nothing(hosts):
    a1 = hosts[A1]
    with pytest.raises(vmodl.fault.InvalidArgument) as failure:
        set_stack_gateway(a1, "vmotion", "172.16.1.300")
    assert failure.value.invalidProperty == "config.netStackSpec.netStackInstance.ipRouteConfig.defaultGateway"
    with pytest.raises(vmodl.fault.InvalidArgument):
        set_stack_gateway(a1, "vmotion", "172.16.1.1", ipV6DefaultGateway="172.16.1.1")  # IPv4 as the IPv6 gateway
    with pytest.raises(vmodl.fault.InvalidArgument) as failure:
        set_stack_gateway(a1, "vxlan", "172.16.1.1")
    assert failure.value.invalidProperty == "config.netStackSpec.netStackInstance.key"
    spec = vim.host.NetworkConfig.NetStackSpec(operation="add", netStackInstance=vim.host.NetStackInstance(key="vmotion"))
    with pytest.raises(vmodl.fault.NotSupported):
        a1.configManager.networkSystem.UpdateNetworkConfig(vim.host.NetworkConfig(netStackSpec=[spec]), "modify")
    assert stack(a1, "vmotion").ipRouteConfig.defaultGateway == "172.16.1.1"


def test_default_stack_gateway_and_update_ip_route_config(hosts):
    a1 = hosts[A1]
    set_stack_gateway(a1, "defaultTcpipStack", "192.168.100.254")
    assert a1.config.network.ipRouteConfig.defaultGateway == "192.168.100.254"
    assert a1.configManager.networkSystem.ipRouteConfig.defaultGateway == "192.168.100.254"
    assert a1.config.network.routeTableInfo.ipRoute[0].gateway == "192.168.100.254"
    a1.configManager.networkSystem.UpdateIpRouteConfig(vim.host.IpRouteConfig(defaultGateway="192.168.100.1", gatewayDevice="vmk0"))
    assert stack(a1, "defaultTcpipStack").ipRouteConfig.defaultGateway == "192.168.100.1"


def test_vmk_gateway_override_is_validated_and_read_back(hosts):
    network_system = hosts[A1].configManager.networkSystem
    route = vim.host.VirtualNic.IpRouteSpec(ipRouteConfig=vim.host.IpRouteConfig(defaultGateway="not-an-address"))
    with pytest.raises(vmodl.fault.InvalidArgument):
        network_system.UpdateVirtualNic("vmk1", vim.host.VirtualNic.Specification(ipRouteSpec=route))
    route.ipRouteConfig.defaultGateway = "172.16.1.254"
    network_system.UpdateVirtualNic("vmk1", vim.host.VirtualNic.Specification(ipRouteSpec=route))
    vmk1 = next(v for v in hosts[A1].config.network.vnic if v.device == "vmk1")
    assert vmk1.spec.ipRouteSpec.ipRouteConfig.defaultGateway == "172.16.1.254"


# --- pings through routers --------------------------------------------------------------------------------------------


def test_on_link_pings_unchanged(routed, hosts):
    assert replied(ping(hosts[A1], "172.16.1.12", interface="vmk1", netstack="vmotion", df=True, size=8972))
    assert replied(ping(hosts[B2], "172.16.12.21", interface="vmk2", netstack="vmotion"))
    assert last_ping(routed)["via"] == []


def test_ping_across_racks_through_the_router(routed, hosts):
    a1, b1 = hosts[A1], hosts[B1]
    # vmk1 through the stack's gateway, vmk2 through its own; jumbo frames fit every hop
    assert replied(ping(a1, "172.16.11.21", interface="vmk1", netstack="vmotion", df=True, size=8972))
    assert last_ping(routed)["via"] == ["r1"]
    assert replied(ping(a1, "172.16.12.22", interface="vmk2", netstack="vmotion"))
    assert replied(ping(b1, "172.16.2.12", interface="vmk2", netstack="vmotion"))
    # without an interface the stack's default route picks vmk1
    assert replied(ping(b1, "172.16.1.11", netstack="vmotion"))
    assert last_ping(routed)["interface"] == "vmk1"
    # a frame over the vmk's MTU is refused before it leaves, as on-link
    fields = ping(a1, "172.16.11.21", interface="vmk1", netstack="vmotion", df=True, size=9000)
    assert fields["fault"] == "EsxCLI.CLIFault.summary" and "Message too long" in fields["detail"]


def test_router_loses_a_subnet(routed, hosts):
    a1 = hosts[A1]
    assert replied(ping(a1, "172.16.12.21", interface="vmk2", netstack="vmotion"))
    control(routed, "router", {"router": "r1", "remove": {"vlan": 112}})
    fields = ping(a1, "172.16.12.21", interface="vmk2", netstack="vmotion")
    assert "fault" not in fields and fields["Recieved"] == "0" and fields["PacketLost"] == "100" and fields["traces"] == 0
    record = last_ping(routed)
    assert record["result"] == "lost" and record["via"] == ["r1"]
    assert record["reason"] == "router r1 has no interface on 172.16.12.0/24: no route to 172.16.12.21"
    assert [i["network"] for i in routed.state()["physical"]["routers"]["r1"]["interfaces"]] == [
        "172.16.1.0/24", "172.16.2.0/24", "172.16.11.0/24"]
    # the other subnets still route; a vmk of the lost subnet has no way back to rack A either
    assert replied(ping(a1, "172.16.11.21", interface="vmk1", netstack="vmotion"))
    assert not replied(ping(hosts[B1], "172.16.1.11", interface="vmk2", netstack="vmotion"))
    assert last_ping(routed)["reason"] == "no router holds 172.16.12.1, the gateway of esx-b1.routed.local vmk2"
    # the interface comes back
    control(routed, "router", {"router": "r1", "add": {"vlan": 112, "address": "172.16.12.1/24"}})
    assert replied(ping(a1, "172.16.12.21", interface="vmk2", netstack="vmotion"))


def test_no_route_back(routed, hosts):
    """The destination answers only if its own gateway leads back to the source's subnet."""
    network_system = hosts[B1].configManager.networkSystem
    network_system.UpdateVirtualNic("vmk2", vim.host.VirtualNic.Specification(
        ipRouteSpec=vim.host.VirtualNic.IpRouteSpec(ipRouteConfig=vim.host.IpRouteConfig(defaultGateway="172.16.12.99"))))
    assert not replied(ping(hosts[A1], "172.16.12.21", interface="vmk2", netstack="vmotion"))
    assert last_ping(routed)["reason"] == "on the way back: no router holds 172.16.12.99, the gateway of esx-b1.routed.local vmk2"


def test_vmk_without_gateway_cannot_leave_its_subnet(routed, hosts):
    a1 = hosts[A1]
    set_stack_gateway(a1, "vmotion", None)
    fields = ping(a1, "172.16.11.21", interface="vmk1", netstack="vmotion")
    assert fields["fault"] == "EsxCLI.CLIFault.summary" and "sendto() failed (Network is unreachable)" in fields["detail"]
    assert last_ping(routed)["result"] == "fault" and "no route" in last_ping(routed)["reason"]
    fields = ping(a1, "172.16.11.21", netstack="vmotion")  # no interface: no default route in the stack either
    assert "Network is unreachable" in fields["detail"]
    # esxcli's nexthop overrides the route selection
    assert replied(ping(a1, "172.16.11.21", interface="vmk1", netstack="vmotion", nexthop="172.16.1.1"))
    # vmk2 keeps its own gateway, and on-link still works for vmk1
    assert replied(ping(a1, "172.16.11.21", interface="vmk2", netstack="vmotion"))
    assert replied(ping(a1, "172.16.1.12", interface="vmk1", netstack="vmotion"))


def test_router_topology_errors():
    data = topology.load(ROUTED)
    data["physical"]["routers"][0]["island"] = "nowhere"
    with pytest.raises(ValueError, match="no switch is in island 'nowhere'"):
        topology.build(data)
    data = topology.load(ROUTED)
    data["physical"]["routers"][0]["interfaces"].append({"vlan": 113, "address": "172.16.13.1"})
    with pytest.raises(ValueError, match="needs a prefix"):
        topology.build(data)
    data = topology.load(ROUTED)
    data["profiles"]["rack-a"]["stacks"] = {"vmotion": {"gateway": "172.16.1"}}
    with pytest.raises(ValueError, match="stack vmotion"):
        topology.build(data)


def test_router_control_errors(routed):
    import http.client
    import json
    import ssl
    for body in ({"router": "r9", "remove": {"vlan": 112}}, {"router": "r1", "remove": {"vlan": 999}}, {"router": "r1"},
                 {"router": "r1", "add": {"vlan": 101, "address": "172.16.1.1/24"}}):
        connection = http.client.HTTPSConnection("127.0.0.1", routed.port, context=ssl._create_unverified_context())
        connection.request("POST", "/_sim/router", body=json.dumps(body))
        response = connection.getresponse()
        assert response.status == 400, (body, response.read())
        connection.close()


def test_router_subnets_are_observed(tmp_path):
    """A router talks on its VLANs: QueryNetworkHint shows its subnets, and stops when it loses one."""
    import yaml
    data = topology.load(ROUTED)
    cluster = data["datacenters"][0]["clusters"][0]
    cluster["hosts"] = [h for h in cluster["hosts"] if h["name"] == A1]
    data["physical"]["cabling"] = [rule for rule in data["physical"]["cabling"] if A2 not in rule.get("hosts", []) and
                                   B1 not in rule.get("hosts", [])]
    data["physical"]["cabling"].append({"hosts": [A1], "pnics": ["vmnic2", "vmnic3"], "switch": "tor-a"})
    path = tmp_path / "one-host.yml"
    path.write_text(yaml.safe_dump(data))
    simulator = start_simulator(topology_file=str(path))
    try:
        service_instance = connect(simulator)
        network_system = hosts_by_name(service_instance.RetrieveContent())[A1].configManager.networkSystem
        # vmk1 sends through vmnic2 itself, so only r1 makes 172.16.1.0/24 seen there
        assert (101, "172.16.1.1-172.16.1.254") in [(s.vlanId, s.ipSubnet) for s in network_system.QueryNetworkHint(["vmnic2"])[0].subnet]
        control(simulator, "router", {"router": "r1", "remove": {"address": "172.16.1.1"}})
        assert (101, "172.16.1.1-172.16.1.254") not in [(s.vlanId, s.ipSubnet) for s in network_system.QueryNetworkHint(["vmnic2"])[0].subnet]
        Disconnect(service_instance)
    finally:
        simulator.stop()


def test_state_shows_routes_and_gateways(routed):
    state = routed.state()
    assert state["hosts"][A1]["stacks"]["vmotion"] == {"gateway": "172.16.1.1", "ipv6_gateway": None}
    assert state["hosts"][B1]["vmks"]["vmk2"]["gateway"] == "172.16.12.1" and state["hosts"][B1]["vmks"]["vmk1"]["gateway"] is None
    assert state["physical"]["routers"]["r1"]["island"] == "vmotion"
    assert {i["vlan"] for i in state["physical"]["routers"]["r1"]["interfaces"]} == {101, 102, 111, 112}
    assert state["physical"]["pings"] == []
