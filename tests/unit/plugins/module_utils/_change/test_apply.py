# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The write layer at the VsphereClient boundary: which calls, in which order, and what is reported when one fails."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import signal

import pytest
from pyVmomi import vim, vmodl

from ansible_collections.multinic.vmotion.plugins.module_utils._change.apply import Applier, dvportgroup_spec, ip_config, portgroup_config
from ansible_collections.multinic.vmotion.plugins.module_utils._change.outcome import Cancellation
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import ApplyError
from ansible_collections.multinic.vmotion.plugins.module_utils._module import HostState
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.client import VsphereClient
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import TaskError, VsphereError


class FakeClient(object):
    """Records the write calls; ``fail`` maps a method name to the VsphereError its nth call raises."""

    def __init__(self, fail=None, devices=("vmk1", "vmk2", "vmk3")):
        self.calls = []
        self.fail = dict(fail or {})
        self.devices = list(devices)

    def _record(self, name, *args):
        self.calls.append((name,) + args)
        error = self.fail.get(name)
        if error is not None and sum(1 for c in self.calls if c[0] == name) == error[0]:
            raise error[1]

    def update_network_config(self, network_system, config, what):
        self._record("UpdateNetworkConfig", network_system, config)
        added = [v for v in config.vnic if v.changeOperation == "add"]
        return vim.host.NetworkConfig.Result(vnicDevice=self.devices[:len(added)])

    def set_service(self, nic_manager, service, device, enabled, what):
        self._record("SelectVnicForNicType" if enabled else "DeselectVnicForNicType", service, device)

    def create_dvportgroup(self, switch, spec, what):
        self._record("CreateDVPortgroup_Task", switch, spec.name)
        return "dvportgroup-%d" % len(self.calls)

    def config_version(self, group, what):
        return "3"

    def reconfigure_dvportgroup(self, group, spec, what):
        self._record("ReconfigureDVPortgroup_Task", group, spec.configVersion)


class FakeInventory(object):
    def __init__(self, groups=None):
        self.groups = groups or {}

    def distributed_switches(self):
        return {"50 aa": {"name": "dvs1", "moref": "dvs-1"}}

    def distributed_portgroups(self):
        return self.groups


def state(name="esx01"):
    raw = vim.host.NetworkInfo(
        portgroup=[vim.host.PortGroup(spec=vim.host.PortGroup.Specification(name="Old", vswitchName="vSwitch1", vlanId=7,
                                                                            policy=vim.host.NetworkPolicy()))],
        vnic=[vim.host.VirtualNic(device="vmk9", portgroup="Old", spec=vim.host.VirtualNic.Specification(mtu=1500))])
    facts = {"name": name, "switches": [{"name": "dvs1", "type": "distributed", "uuid": "50 aa", "uplinks": ["Uplink 1"]}]}
    return HostState(name, facts, "host-1", "netsys-" + name, "nicmgr-" + name, raw_network=raw)


def build_ops():
    return [
        {"op": "add_portgroup", "portgroup": "vMotion-1", "switch": "vSwitch1", "vlan_id": 0, "active": ["vmnic2"], "standby": []},
        {"op": "update_portgroup", "portgroup": "Old", "switch": "vSwitch1", "key": None, "teaming": {"active": ["vmnic3"], "standby": []}},
        {"op": "add_vmk", "portgroup": "vMotion-1", "switch": "vSwitch1", "dvswitch": None, "version": 4, "ip": "172.16.1.51",
         "prefix_length": 24, "netmask": "255.255.255.0", "mtu": 9000, "netstack": "defaultTcpipStack"},
        {"op": "enable_vmotion", "device": None, "portgroup": "vMotion-1"},
        {"op": "enable_vmotion", "device": "vmk9", "portgroup": "Old"},
    ]


def test_one_network_config_then_one_selection_per_vmk():
    client = FakeClient()
    outcome = Applier(client, {"esx01": state()}).apply({"esx01": build_ops()})
    assert [c[0] for c in client.calls] == ["UpdateNetworkConfig", "SelectVnicForNicType", "SelectVnicForNicType"]
    config = client.calls[0][2]
    assert [p.changeOperation for p in config.portgroup] == ["add", "edit"]
    # the edit starts from the port group's own spec: the VLAN the layout does not name stays
    assert config.portgroup[1].spec.vlanId == 7
    assert client.calls[1][1:] == ("vmotion", "vmk1") and client.calls[2][1:] == ("vmotion", "vmk9")
    assert outcome.applied["esx01"] == build_ops()[:2] + [dict(build_ops()[2], device="vmk1"), dict(build_ops()[3], device="vmk1"),
                                                          build_ops()[4]]
    assert outcome.changed and outcome.not_applied("esx01") == []


def test_fault_is_not_applied_and_stops_the_run():
    client = FakeClient(fail={"SelectVnicForNicType": (2, VsphereError("enabling vMotion on esx01 vmk9 failed: HostConfigFault"))})
    with pytest.raises(ApplyError) as info:
        Applier(client, {"esx01": state()}).apply({"esx01": build_ops()})
    outcome = info.value.outcome
    assert len(outcome.applied["esx01"]) == 4 and outcome.in_doubt["esx01"] == []
    assert [op["op"] for op in outcome.not_applied("esx01")] == ["enable_vmotion"]
    assert outcome.changed and info.value.host == "esx01"
    assert "applied before the failure on esx01: 4 operation(s), not applied: 1" in str(info.value)
    assert "a re-run converges" in str(info.value)


def test_lost_connection_is_in_doubt():
    lost = VsphereError("UpdateNetworkConfig on esx01 failed: connection to vc:443 lost", outcome_unknown=True)
    client = FakeClient(fail={"UpdateNetworkConfig": (1, lost)})
    with pytest.raises(ApplyError) as info:
        Applier(client, {"esx01": state()}).apply({"esx01": build_ops()})
    outcome = info.value.outcome
    assert [op["op"] for op in outcome.in_doubt["esx01"]] == ["add_portgroup", "update_portgroup", "add_vmk"]
    assert [op["op"] for op in outcome.not_applied("esx01")] == ["enable_vmotion", "enable_vmotion"]
    assert outcome.changed and info.value.outcome_unknown
    assert "may or may not have been applied" in str(info.value)


def test_other_hosts_applied_are_reported():
    client = FakeClient(fail={"UpdateNetworkConfig": (2, VsphereError("boom"))})
    with pytest.raises(ApplyError) as info:
        Applier(client, {"esx01": state("esx01"), "esx02": state("esx02")}).apply({"esx01": build_ops(), "esx02": build_ops()})
    assert "fully applied on other hosts (esx01: 5)" in str(info.value)
    assert info.value.host == "esx02"


def test_shared_dvportgroup_is_created_once_and_vmks_use_its_key():
    def ops():
        return [
            {"op": "add_dvportgroup", "portgroup": "dv-1", "switch": "dvs1", "vlan_id": 20, "active": ["Uplink 1"], "standby": []},
            {"op": "add_vmk", "portgroup": "dv-1", "switch": None, "dvswitch": "dvs1", "version": 4, "ip": "172.16.1.5", "prefix_length": 24,
             "netmask": "255.255.255.0", "mtu": None, "netstack": "defaultTcpipStack"},
        ]
    client = FakeClient()
    outcome = Applier(client, {"a": state("a"), "b": state("b")}, FakeInventory()).apply({"a": ops(), "b": ops()})
    names = [c[0] for c in client.calls]
    assert names.count("CreateDVPortgroup_Task") == 1 and names.count("UpdateNetworkConfig") == 2
    vnic = client.calls[1][2].vnic[0]
    assert vnic.portgroup == "" and vnic.spec.distributedVirtualPort.portgroupKey == "dvportgroup-1"
    assert vnic.spec.distributedVirtualPort.switchUuid == "50 aa"
    assert len(outcome.applied["b"]) == 2


def test_dvportgroup_key_is_found_by_switch_and_name():
    groups = {"dvportgroup-7": {"name": "dv-1", "switch_uuid": "other", "moref": "g7"},
              "dvportgroup-8": {"name": "dv-1", "switch_uuid": "50 aa", "moref": "g8"}}
    op = {"op": "update_vmk", "device": "vmk9", "version": 4, "portgroup": "dv-1", "switch": None, "dvswitch": "dvs1", "from_portgroup": "Old"}
    client = FakeClient()
    Applier(client, {"esx01": state()}, FakeInventory(groups)).apply({"esx01": [op]})
    assert client.calls[0][2].vnic[0].spec.distributedVirtualPort.portgroupKey == "dvportgroup-8"


def test_reconfigure_sends_only_named_settings_with_the_config_version():
    spec = dvportgroup_spec({"op": "update_dvportgroup", "portgroup": "dv-1", "switch": "dvs1", "key": "k", "vlan_id": 30}, "3")
    assert spec.configVersion == "3" and spec.defaultPortConfig.vlan.vlanId == 30
    assert spec.defaultPortConfig.uplinkTeamingPolicy is None


def test_removal_keeps_the_port_group_spec():
    config = portgroup_config({"op": "remove_portgroup", "portgroup": "Old"}, state().raw_network.portgroup[0].spec)
    assert config.changeOperation == "remove" and config.spec.vlanId == 7


def test_services_off():
    client = FakeClient()
    op = {"op": "set_service", "host": "esx01", "device": "vmk3", "service": "vsan", "enabled": False}
    Applier(client, {"esx01": state()}).apply({"esx01": [op]})
    assert client.calls == [("DeselectVnicForNicType", "vsan", "vmk3")]


# ---------------------------------------------------------------- the task monitor of VsphereClient


class FakeTask(object):
    def __init__(self, infos):
        self.infos = list(infos)

    @property
    def info(self):
        value = self.infos.pop(0)
        if isinstance(value, Exception):
            raise value
        return value


def bare_client():
    client = VsphereClient.__new__(VsphereClient)
    client.hostname, client.port = "vc.example.com", 443
    return client


def test_task_success_after_polls():
    task = FakeTask([vim.TaskInfo(state="running"), vim.TaskInfo(state="success", result="ok")])
    pauses = []
    assert bare_client().wait_for_task(task, "creating dv-1", sleep=pauses.append).result == "ok"
    assert pauses == [0.1]


def test_task_error_is_a_known_outcome():
    task = FakeTask([vim.TaskInfo(state="error", error=vim.fault.DuplicateName(name="dv-1"))])
    with pytest.raises(TaskError) as info:
        bare_client().wait_for_task(task, "creating dv-1", sleep=lambda s: None)
    assert not info.value.outcome_unknown and "DuplicateName" in str(info.value)


def test_connection_dropped_while_waiting_is_in_doubt():
    task = FakeTask([vim.TaskInfo(state="running"), ConnectionResetError("reset by peer")])
    with pytest.raises(VsphereError) as info:
        bare_client().wait_for_task(task, "creating dv-1", sleep=lambda s: None)
    assert info.value.outcome_unknown and "waiting for it failed" in str(info.value)


def test_fault_while_waiting_is_in_doubt():
    task = FakeTask([vmodl.fault.ManagedObjectNotFound()])
    with pytest.raises(VsphereError) as info:
        bare_client().wait_for_task(task, "creating dv-1", sleep=lambda s: None)
    assert info.value.outcome_unknown


def test_task_timeout_is_in_doubt():
    task = FakeTask([vim.TaskInfo(state="running")] * 3)
    with pytest.raises(VsphereError) as info:
        bare_client().wait_for_task(task, "creating dv-1", timeout=0, sleep=lambda s: None)
    assert info.value.outcome_unknown and "still running" in str(info.value)


def test_dropped_connection_during_dvportgroup_task_is_in_doubt_in_the_outcome():
    class Client(FakeClient):
        def create_dvportgroup(self, switch, spec, what):
            bare = bare_client()
            return bare.wait_for_task(FakeTask([ConnectionResetError("reset")]), what, sleep=lambda s: None)

    op = {"op": "add_dvportgroup", "portgroup": "dv-1", "switch": "dvs1", "vlan_id": 20, "active": ["Uplink 1"], "standby": []}
    with pytest.raises(ApplyError) as info:
        Applier(Client(), {"esx01": state()}, FakeInventory()).apply({"esx01": [op]})
    assert info.value.outcome.in_doubt["esx01"] == [op] and info.value.outcome.changed


def test_ipv6_update_removes_the_old_addresses_with_their_own_prefix_length():
    config = ip_config({"version": 6, "ip": "fd00:16:1::52", "prefix_length": 64, "remove_ipv6": ["fd00:16:1::51/80"]})
    assert (config.dhcp, config.ipAddress) == (False, None)
    assert [(a.ipAddress, a.prefixLength, a.operation) for a in config.ipV6Config.ipV6Address] == [
        ("fd00:16:1::52", 64, "add"), ("fd00:16:1::51", 80, "remove")]


class SignalledClient(FakeClient):
    """Its first write is where the run gets SIGTERM (as an AWX cancel sends it): a real signal to this process."""

    def update_network_config(self, network_system, config, what):
        result = super(SignalledClient, self).update_network_config(network_system, config, what)
        os.kill(os.getpid(), signal.SIGTERM)
        return result


def test_a_cancelled_run_stops_before_its_next_write_and_says_what_was_applied():
    previous = dict((s, signal.getsignal(s)) for s in (signal.SIGTERM, signal.SIGINT))
    try:
        cancellation = Cancellation()
        cancellation.install()
        client = SignalledClient()
        with pytest.raises(ApplyError) as info:
            Applier(client, {"esx01": state("esx01"), "esx02": state("esx02")}, cancellation=cancellation).apply(
                {"esx01": build_ops(), "esx02": build_ops()})
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    # the write under way finished; not one more started
    assert [c[0] for c in client.calls] == ["UpdateNetworkConfig"]
    outcome = info.value.outcome
    assert [op["op"] for op in outcome.applied["esx01"]] == ["add_portgroup", "update_portgroup", "add_vmk"]
    assert len(outcome.not_applied("esx01")) == 2 and len(outcome.not_applied("esx02")) == 5 and outcome.changed
    assert str(info.value).startswith("cancelled (SIGTERM received) before the next write on esx01; applied before the cancel on esx01: "
                                      "3 operation(s), not applied: 2")


def test_a_run_whose_ansible_process_is_gone_is_cancelled():
    gone = Cancellation([2 ** 22 + 12345])  # above the kernel's pid_max default: no such process
    assert gone.check() == "process %d of the Ansible run that started this module is gone" % (2 ** 22 + 12345)
    here = Cancellation([os.getpid()])
    assert here.check() is None
    with pytest.raises(ApplyError, match="cancelled \\(process"):
        Applier(FakeClient(), {"esx01": state()}, cancellation=gone).apply({"esx01": build_ops()})


def test_a_gateway_override_goes_in_the_vmk_spec():
    from ansible_collections.multinic.vmotion.plugins.module_utils._change.apply import vnic_config
    add = vnic_config({"op": "add_vmk", "portgroup": "vMotion-1", "version": 4, "ip": "172.16.1.51", "prefix_length": 24,
                       "netmask": "255.255.255.0", "mtu": 9000, "netstack": "defaultTcpipStack", "gateway": "172.16.1.1"})
    assert add.spec.ipRouteSpec.ipRouteConfig.defaultGateway == "172.16.1.1"
    edit = vnic_config({"op": "update_vmk", "device": "vmk1", "version": 6, "gateway": "2001:db8:1::1"}, "vMotion-1")
    assert edit.spec.ipRouteSpec.ipRouteConfig.ipV6DefaultGateway == "2001:db8:1::1" and edit.spec.ip is None
    assert vnic_config({"op": "update_vmk", "device": "vmk1", "version": 4, "mtu": 9000}, "vMotion-1").spec.ipRouteSpec is None


def test_two_uplink_steps_in_one_run_each_start_from_the_switches_the_one_before_left():
    bridge = vim.host.VirtualSwitch.BondBridge(nicDevice=["vmnic8", "vmnic9"])
    teaming = vim.host.NetworkPolicy(nicTeaming=vim.host.NetworkPolicy.NicTeamingPolicy(
        nicOrder=vim.host.NetworkPolicy.NicOrderPolicy(activeNic=["vmnic8", "vmnic9"], standbyNic=[])))
    host = state()
    host.raw_network.vswitch = [vim.host.VirtualSwitch(name="vSwitch4", spec=vim.host.VirtualSwitch.Specification(
        numPorts=128, bridge=bridge, policy=teaming))]
    host.raw_network.proxySwitch = [vim.host.HostProxySwitch(dvsUuid="50 aa", spec=vim.host.HostProxySwitch.Specification(
        backing=vim.dvs.HostMember.PnicBacking(pnicSpec=[])))]
    steps = [{"op": "migrate_uplink", "dvswitch": "dvs1", "uuid": "50 aa", "uplink": "Uplink %d" % n, "pnic": pnic, "port_key": str(n),
              "from_switch": "vSwitch4", "vmks": []} for n, pnic in ((1, "vmnic8"), (2, "vmnic9"))]
    client = FakeClient()
    Applier(client, {"esx01": host}, FakeInventory()).apply({"esx01": steps})
    first, second = client.calls[0][2], client.calls[1][2]
    assert first.vswitch[0].spec.bridge.nicDevice == ["vmnic9"]
    assert second.vswitch[0].spec.bridge is None and second.vswitch[0].spec.policy.nicTeaming.nicOrder.activeNic == []
    assert [p.pnicDevice for p in second.proxySwitch[0].spec.backing.pnicSpec] == ["vmnic8", "vmnic9"]
