# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from pyVmomi import vim

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.evidence_rules import observes
from ansible_collections.multinic.vmotion.plugins.module_utils._audit.uplink_evidence import (
    link_states,
    neighbour,
    pnic_evidence,
    read_uplink_evidence,
    uplink_ports,
)

Hint = vim.host.PhysicalNic.NetworkHint


def pnic(device, speed=10000):
    link = vim.host.PhysicalNic.LinkSpeedDuplex(speedMb=speed, duplex=True) if speed else None
    return vim.host.PhysicalNic(device=device, key="key-vim.host.PhysicalNic-" + device, linkSpeed=link, mac="00:50:56:00:00:0%s" % device[-1])


def cdp(switch="backend-01", port="Gi1/0/5", mtu=9000):
    return vim.host.PhysicalNic.CdpInfo(devId=switch, portId=port, systemName=switch, address="10.0.0.21", mtu=mtu, vlan=0,
                                        hardwarePlatform="cisco WS-C3750X-48T-S")


def hint(device, subnets=(), cdp_info=None, lldp=None):
    return Hint(device=device, subnet=[Hint.IpNetwork(vlanId=vlan, ipSubnet=text) for vlan, text in subnets],
                connectedSwitchPort=cdp_info, lldpInfo=lldp)


def network(vswitches=(), proxies=()):
    return vim.host.NetworkInfo(vswitch=list(vswitches), proxySwitch=list(proxies))


def vswitch(name, nics):
    return vim.host.VirtualSwitch(name=name, spec=vim.host.VirtualSwitch.Specification(bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=nics)))


def proxy(uuid, name, backing):
    """backing: [(pnic, port key, uplink name)]."""
    spec = vim.host.HostProxySwitch.Specification(backing=vim.dvs.HostMember.PnicBacking(
        pnicSpec=[vim.dvs.HostMember.PnicSpec(pnicDevice=p, uplinkPortKey=k) for p, k, _n in backing]))
    return vim.host.HostProxySwitch(dvsUuid=uuid, dvsName=name, spec=spec, uplinkPort=[vim.KeyValue(key=k, value=n) for _p, k, n in backing])


class TestPorts:
    def test_standard_and_distributed(self):
        raw = network([vswitch("vSwitch1", ["vmnic2", "vmnic3"])], [proxy("50 1a", "dvs-proxy-name", [("vmnic8", "16", "Uplink 1")])])
        ports = uplink_ports(raw, [{"name": "DSwitch-vMotion", "uuid": "50 1a"}])
        assert ports == {"vmnic2": ("vSwitch1", "vmnic2"), "vmnic3": ("vSwitch1", "vmnic3"), "vmnic8": ("DSwitch-vMotion", "Uplink 1")}

    def test_distributed_name_falls_back_to_the_proxy(self):
        raw = network((), [proxy("50 1a", "dvs-a", [("vmnic8", "16", "Uplink 1")])])
        assert uplink_ports(raw)["vmnic8"] == ("dvs-a", "Uplink 1")


class TestEvidence:
    def test_link_speed_neighbour_and_observed(self):
        found = pnic_evidence([pnic("vmnic2"), pnic("vmnic3", speed=None)],
                              [hint("vmnic2", [(0, "172.16.1.1-172.16.1.254"), (20, "10.20.0.1-10.20.0.254")], cdp())],
                              {"vmnic2": ("vSwitch1", "vmnic2"), "vmnic3": ("vSwitch1", "vmnic3")})
        up, down = found["vmnic2"], found["vmnic3"]
        assert (up["link"], up["speed_mbps"], up["switch"], up["uplink"]) == ("up", 10000, "vSwitch1", "vmnic2")
        assert up["neighbour"]["switch"] == "backend-01" and up["neighbour"]["port"] == "Gi1/0/5" and up["neighbour"]["mtu"] == 9000
        assert up["vlans"] == [0, 20] and up["observed"][0] == {"vlan": 0, "subnet": "172.16.1.1-172.16.1.254"}
        assert (down["link"], down["speed_mbps"], down["neighbour"], down["observed"], down["hinted"]) == ("down", None, None, [], False)
        assert link_states(found) == {("vSwitch1", "vmnic2"): True, ("vSwitch1", "vmnic3"): False}

    def test_lldp_neighbour(self):
        lldp = vim.host.PhysicalNic.LldpInfo(chassisId="00:11:22:33:44:55", portId="Ethernet1/5", timeToLive=120,
                                             parameter=[vim.KeyAnyValue(key="System Name", value="leaf-01"),
                                                        vim.KeyAnyValue(key="Management Address", value="10.0.0.9")])
        found = neighbour(hint("vmnic8", lldp=lldp))
        assert found == {"protocol": "lldp", "switch": "leaf-01", "port": "Ethernet1/5", "address": "10.0.0.9", "mtu": None, "vlan": None,
                         "platform": None}
        assert neighbour(hint("vmnic8")) is None

    def test_observes_ranges_and_cidrs(self):
        evidence = {"observed": [{"vlan": 0, "subnet": "172.16.1.1-172.16.1.254"}, {"vlan": 5, "subnet": "10.5.0.0/16"}]}
        assert observes(evidence, "172.16.1.108") and observes(evidence, "10.5.3.4")
        assert not observes(evidence, "172.16.2.108") and not observes(evidence, None) and not observes({}, "10.5.3.4")
        assert not observes({"observed": [{"vlan": 0, "subnet": "garbage"}]}, "10.5.3.4")


class State(object):
    def __init__(self, name, network_system):
        self.name = name
        self.moref = "moref-" + name
        self.network_system = network_system
        self.raw_network = network([vswitch("vSwitch1", ["vmnic2", "vmnic3"])])
        self.facts = {"switches": []}


class NetworkSystem(object):
    def __init__(self, all_nics, per_nic):
        self.all_nics, self.per_nic = all_nics, per_nic

    def QueryNetworkHint(self, device=None):
        return [self.per_nic[d] for d in device] if device else self.all_nics


class Client(object):
    def __init__(self, pnics):
        self.pnics = pnics
        self.calls = []

    def host_network(self, hosts, properties):
        self.calls.append(("read", len(hosts), properties))
        return dict((name, {"name": name, "config.network.pnic": pnics}) for name, pnics in self.pnics.items())

    def call(self, what, method, *args, **kwargs):
        self.calls.append((what, kwargs.get("device")))
        return method(*args, **kwargs)


class TestRead:
    def test_one_hint_call_per_host_and_per_nic_only_when_empty(self):
        hints = dict((d, hint(d, [(0, "172.16.%s.1-172.16.%s.254" % (d[-1], d[-1]))])) for d in ("vmnic2", "vmnic3"))
        states = {"esx01": State("esx01", NetworkSystem(list(hints.values()), hints)), "esx02": State("esx02", NetworkSystem([], hints))}
        client = Client({"esx01": [pnic("vmnic2"), pnic("vmnic3")], "esx02": [pnic("vmnic2"), pnic("vmnic3")]})
        evidence, calls = read_uplink_evidence(client, states)
        assert calls == 1 + 1 + 3
        assert [c[0] for c in client.calls] == ["read", "QueryNetworkHint on esx01", "QueryNetworkHint on esx02",
                                                "QueryNetworkHint on esx02 (vmnic2)", "QueryNetworkHint on esx02 (vmnic3)"]
        assert evidence["esx02"]["vmnic3"]["observed"] == [{"vlan": 0, "subnet": "172.16.3.1-172.16.3.254"}]
        assert evidence["esx01"]["vmnic2"]["switch"] == "vSwitch1"

    def test_nothing_in_scope(self):
        assert read_uplink_evidence(Client({}), {}) == ({}, 0)


# ---------------------------------------------------------------- findings from the evidence


def evidence(device="vmnic2", link="up", speed=10000, switch="backend-01", port_mtu=9000, observed=("172.16.1.1-172.16.1.254",), vlans=(0,)):
    return {"device": device, "link": link, "speed_mbps": speed if link == "up" else None, "switch": "vSwitch1", "uplink": device,
            "neighbour": {"protocol": "cdp", "switch": switch, "port": "Gi1/0/%s" % device[-1], "mtu": port_mtu} if switch else None,
            "observed": [{"vlan": 0, "subnet": s} for s in observed], "vlans": list(vlans), "hinted": True}


def fleet_host(octet, **pnic):
    name = "192.168.100.%d" % octet
    teaming = {"active": ["vmnic2"], "standby": [], "unused": ["vmnic3"], "inherited": False}
    return name, {
        "name": name, "mgmt_ip": name,
        "switches": [{"name": "vSwitch1", "type": "standard", "uplinks": ["vmnic2", "vmnic3"], "mtu": 9000}],
        "portgroups": [{"name": "vMotion-1", "switch": "vSwitch1", "type": "standard", "vlan_id": 0, "teaming": teaming}],
        "vmks": [{"device": "vmk1", "portgroup": "vMotion-1", "switch": "vSwitch1", "ip": "172.16.1.%d" % octet, "prefix_length": 24,
                  "ipv6": [], "mtu": 9000, "netstack": "defaultTcpipStack", "services": ["vmotion"], "vmotion": True}],
        "pnics": {"vmnic2": evidence(**pnic), "vmnic3": evidence("vmnic3", switch=None, observed=())},
    }


def findings_of(hosts, code):
    from ansible_collections.multinic.vmotion.plugins.module_utils._audit.rules import fleet_findings
    return [f for f in fleet_findings(dict(hosts))["findings"] if f["code"] == code]


class TestFindings:
    def test_clean_fleet_has_no_uplink_findings(self):
        hosts = [fleet_host(o) for o in range(101, 105)]
        for code in ("UPLINK_DOWN", "SUBNET_NOT_OBSERVED", "SPLIT_ISLAND", "UPLINK_SPEED_MISMATCH", "UPLINK_MTU_MISMATCH"):
            assert findings_of(hosts, code) == []

    def test_hosts_without_evidence_are_left_out(self):
        hosts = [fleet_host(o) for o in range(101, 104)]
        del hosts[0][1]["pnics"]
        assert findings_of(hosts, "SPLIT_ISLAND") == [] and findings_of(hosts, "UPLINK_DOWN") == []

    def test_uplink_down(self):
        hosts = [fleet_host(101, link="down")] + [fleet_host(o) for o in range(102, 104)]
        found = findings_of(hosts, "UPLINK_DOWN")
        assert [(f["host"], f["device"], f["uplinks"], f["severity"]) for f in found] == [("192.168.100.101", "vmk1", ["vmnic2"], "critical")]

    def test_recabled_host_is_a_split_island_and_does_not_observe_its_subnet(self):
        hosts = [fleet_host(o) for o in range(101, 105)] + [fleet_host(105, switch="frontend-01", observed=("10.20.0.1-10.20.0.254",))]
        split = findings_of(hosts, "SPLIT_ISLAND")
        assert [(f["host"], f["device"], f["switch"], f["severity"]) for f in split] == [("192.168.100.105", "vmk1", "frontend-01", "critical")]
        assert "A cable must move (not the configuration)" in split[0]["message"] and "vmnic2" in split[0]["message"]
        unseen = findings_of(hosts, "SUBNET_NOT_OBSERVED")
        assert [(f["host"], f["uplinks"]) for f in unseen] == [("192.168.100.105", ["vmnic2"])]

    def test_switches_of_one_island_are_one_group(self):
        hosts = [fleet_host(o) for o in range(101, 103)] + [fleet_host(o, switch="backend-02") for o in range(103, 105)]
        assert findings_of(hosts, "SPLIT_ISLAND") == []

    def test_speed_mismatch(self):
        hosts = [fleet_host(o) for o in range(101, 104)] + [fleet_host(104, speed=1000)]
        found = findings_of(hosts, "UPLINK_SPEED_MISMATCH")
        assert [(f["host"], f["severity"]) for f in found] == [("192.168.100.104", "warning")] and "1000 Mb/s" in found[0]["message"]

    def test_port_mtu_below_the_vmk_is_critical(self):
        hosts = [fleet_host(o) for o in range(101, 104)] + [fleet_host(104, port_mtu=1500)]
        found = findings_of(hosts, "UPLINK_MTU_MISMATCH")
        assert [(f["host"], f["severity"], f["mtu"], f["expected_mtu"]) for f in found] == [("192.168.100.104", "critical", 1500, 9000)]

    def test_link_facts_alone_are_enough_for_a_down_uplink(self):
        # vmk_vmotion_facts' pnics (_model.pnic_facts): link and speed only, known by device
        hosts = [fleet_host(o) for o in range(101, 105)]
        for _name, facts in hosts:
            facts["pnics"] = {"vmnic2": {"link": "up", "speed_mbps": 10000}, "vmnic3": {"link": "up", "speed_mbps": 10000}}
        hosts[0][1]["pnics"]["vmnic2"] = {"link": "down", "speed_mbps": None}
        hosts[1][1]["pnics"]["vmnic2"]["speed_mbps"] = 1000
        assert [f["host"] for f in findings_of(hosts, "UPLINK_DOWN")] == ["192.168.100.101"]
        assert [f["host"] for f in findings_of(hosts, "UPLINK_SPEED_MISMATCH")] == ["192.168.100.102"]
        for code in ("SUBNET_NOT_OBSERVED", "SPLIT_ISLAND", "UPLINK_MTU_MISMATCH"):
            assert findings_of(hosts, code) == []


def test_hosts_read_with_their_pnics_cost_no_second_read():
    hints = {"vmnic2": hint("vmnic2"), "vmnic3": hint("vmnic3")}
    state = State("esx01", NetworkSystem(list(hints.values()), hints))
    state.raw_network.pnic = [pnic("vmnic2"), pnic("vmnic3", speed=None)]
    client = Client({})
    evidence, calls = read_uplink_evidence(client, {"esx01": state})
    assert calls == 1 and [c[0] for c in client.calls] == ["QueryNetworkHint on esx01"]
    assert evidence["esx01"]["vmnic3"]["link"] == "down"


def test_host_link_states_from_hosts_read_with_their_pnics():
    from collections import namedtuple
    from pyVmomi import vim
    from ansible_collections.multinic.vmotion.plugins.module_utils._audit.uplink_evidence import host_link_states
    speed = vim.host.PhysicalNic.LinkSpeedDuplex(speedMb=10000, duplex=True)
    vswitch = vim.host.VirtualSwitch(name="vSwitch1", spec=vim.host.VirtualSwitch.Specification(
        numPorts=128, bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=["vmnic2", "vmnic3"])))
    network = vim.host.NetworkInfo(vswitch=[vswitch], pnic=[vim.host.PhysicalNic(device="vmnic2", key="p2", driver="ixgben", linkSpeed=speed),
                                                            vim.host.PhysicalNic(device="vmnic3", key="p3", driver="ixgben")])
    switches = [{"name": "vSwitch1", "type": "standard", "uplinks": ["vmnic2", "vmnic3"]}]
    state = namedtuple("State", "raw_network facts")(network, {"switches": switches})
    assert host_link_states({"esx01": state}) == {"esx01": {("vSwitch1", "vmnic2"): True, ("vSwitch1", "vmnic3"): False}}
