"""Host connection states and maintenance mode as vCenter gives them (tests/simulator/README.md, "Host states"):
DisconnectHost_Task / ReconnectHost_Task, Enter/ExitMaintenanceMode_Task, a host that stops answering (/_sim/host_state),
what the PropertyCollector returns in each state and which fault a call that must reach the host gets."""

import pytest
from pyVim.connect import Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

from conftest import connect
from helpers import hosts_by_name
from test_physical import control
from test_topology import served
from vsim import topology


def read(content, host, paths):
    """One PropertyCollector read of a host, as the collection makes it: {path: value} of what came back."""
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=host)],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.HostSystem, pathSet=paths)])
    result = content.propertyCollector.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
    return dict((p.name, p.val) for p in result.objects[0].propSet)


def vmotion_off(host):
    return lambda: host.configManager.virtualNicManager.DeselectVnicForNicType("vmotion", "vmk1")


def test_a_disconnected_host_has_no_config_and_refuses_calls_until_reconnected(content):
    host = hosts_by_name(content)["192.168.100.110"]
    nic_manager = host.configManager.virtualNicManager
    WaitForTask(host.DisconnectHost_Task())
    seen = read(content, host, ["name", "runtime.connectionState", "runtime.powerState", "config.network.vnic"])
    assert seen["runtime.connectionState"] == "disconnected" and seen["runtime.powerState"] == "unknown"
    assert "config.network.vnic" not in seen  # "might not be available for a disconnected host": unset
    with pytest.raises(vmodl.fault.HostNotConnected) as info:
        nic_manager.DeselectVnicForNicType("vmotion", "vmk1")
    assert info.value.msg == "Unable to communicate with the remote host, since it is disconnected."
    with pytest.raises(vmodl.fault.HostNotConnected):
        host.configManager.networkSystem.QueryNetworkHint()
    with pytest.raises(vmodl.fault.HostNotConnected):
        content.diagnosticManager.BrowseDiagnosticLog(host=host, key="vmkernel")
    with pytest.raises(vim.fault.InvalidState):
        WaitForTask(hosts_by_name(content)["192.168.100.111"].ReconnectHost_Task())  # connected: nothing to reconnect
    WaitForTask(host.ReconnectHost_Task())
    seen = read(content, host, ["runtime.connectionState", "config.network.vnic"])
    assert seen["runtime.connectionState"] == "connected" and len(seen["config.network.vnic"]) == 7
    vmotion_off(host)()


def test_a_host_not_responding_keeps_its_last_config_and_refuses_calls(sim, content):
    host = hosts_by_name(content)["192.168.100.111"]
    control(sim, "host_state", {"host": "192.168.100.111", "state": "notResponding"})
    seen = read(content, host, ["runtime.connectionState", "runtime.powerState", "config.network.vnic"])
    assert (seen["runtime.connectionState"], seen["runtime.powerState"]) == ("notResponding", "unknown")
    assert len(seen["config.network.vnic"]) == 7  # what vCenter last knew
    with pytest.raises(vmodl.fault.HostCommunication) as info:
        vmotion_off(host)()
    assert info.value.msg == "An error occurred while communicating with the remote host."
    control(sim, "host_state", {"host": "192.168.100.111", "state": "connected"})
    vmotion_off(host)()


def test_maintenance_mode_waits_for_powered_on_vms_and_is_entered_once(tmp_path):
    data = topology.load(topology.SEED)
    hosts = [{"name": "192.168.100.107", "profile": "busy"}, {"name": "192.168.100.108", "profile": "seed"}]
    data["datacenters"][0]["clusters"][0]["hosts"][:] = hosts
    seed = data["profiles"]["seed"]  # its hosts run no VM; busy runs two on VM Network
    data["profiles"]["busy"] = dict(seed, portgroups=[dict(pg, vm_ports=2) if pg["name"] == "VM Network" else pg for pg in seed["portgroups"]])
    sim = served(tmp_path, data)
    try:
        si = connect(sim)
        hosts = hosts_by_name(si.RetrieveContent())
        busy = hosts["192.168.100.107"]
        with pytest.raises(vim.fault.Timedout, match="2 powered-on virtual machine"):
            WaitForTask(busy.EnterMaintenanceMode_Task(timeout=0))
        assert not busy.runtime.inMaintenanceMode
        WaitForTask(busy.DisconnectHost_Task())
        assert [vm.runtime.connectionState for vm in busy.vm] == ["disconnected", "disconnected"]
        WaitForTask(busy.ReconnectHost_Task())
        empty = hosts["192.168.100.108"]
        WaitForTask(empty.EnterMaintenanceMode_Task(timeout=0))
        assert empty.runtime.inMaintenanceMode
        with pytest.raises(vim.fault.InvalidState):
            WaitForTask(empty.EnterMaintenanceMode_Task(timeout=0))
        empty.configManager.virtualNicManager.DeselectVnicForNicType("vmotion", "vmk1")  # changes go on in maintenance
        WaitForTask(empty.ExitMaintenanceMode_Task(timeout=0))
        assert not empty.runtime.inMaintenanceMode
        with pytest.raises(vim.fault.InvalidState):
            WaitForTask(empty.ExitMaintenanceMode_Task(timeout=0))
        Disconnect(si)
    finally:
        sim.stop()


def test_the_topology_gives_the_states_vcenter_found_at_start(tmp_path):
    data = topology.load(topology.SEED)
    hosts = data["datacenters"][0]["clusters"][0]["hosts"]
    hosts[0]["connection"], hosts[1]["connection"], hosts[2]["maintenance"] = "disconnected", "notResponding", True
    sim = served(tmp_path, data)
    try:
        si = connect(sim)
        found = hosts_by_name(si.RetrieveContent())
        states = dict((name, (h.runtime.connectionState, h.runtime.inMaintenanceMode)) for name, h in found.items())
        assert states["192.168.100.107"] == ("disconnected", False)
        assert states["192.168.100.108"] == ("notResponding", False)
        assert states["192.168.100.109"] == ("connected", True)
        Disconnect(si)
    finally:
        sim.stop()
    hosts[0]["connection"] = "gone"
    with pytest.raises(ValueError, match="connection 'gone' is not connected, disconnected or notResponding"):
        served(tmp_path, data)
