"""vMotion through vCenter: MigrateVM_Task / RelocateVM_Task of one VM, the task as a client sees it run, the faults,
Task.CancelTask, and the vmkernel.log lines both hosts get (read back with DiagnosticManager.BrowseDiagnosticLog)."""

import importlib
import json
import os
import ssl
import sys
import time
import urllib.request

import pytest
import yaml
from pyVim.connect import Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

from conftest import connect
from helpers import by_name, hosts_by_name
from vsim import topology
from vsim.server import start_simulator

PC = vmodl.query.PropertyCollector
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
VMOTION_DEVICES = ("vmk1", "vmk2", "vmk3", "vmk4", "vmk6")  # the seed's vMotion vmks: 172.16.N.<octet>, vmk6 172.16.0.<octet>


def _address(device, octet):
    return "172.16.{0}.{1}".format(0 if device == "vmk6" else int(device[3:]), octet)


@pytest.fixture()
def vsim(tmp_path):
    """The seed fleet with a powered-on canary and a powered-off VM on 192.168.100.107, a powered-on VM on 192.168.100.112."""
    data = topology.load(topology.SEED)
    data["datacenters"][0]["vms"] = [
        {"name": "canary01", "host": "192.168.100.107", "ip": "10.0.0.5", "nics": [{"portgroup": "VM Network"}]},
        {"name": "cold01", "host": "192.168.100.107", "power": "poweredOff", "nics": [{"portgroup": "VM Network"}]},
        {"name": "canary12", "host": "192.168.100.112", "nics": [{"portgroup": "VM Network"}]},
    ]
    path = tmp_path / "seed-vms.yml"
    path.write_text(yaml.safe_dump(data))
    simulator = start_simulator(topology_file=str(path))
    yield simulator
    simulator.stop()


@pytest.fixture()
def vc(vsim):
    si = connect(vsim)
    yield si.RetrieveContent()
    Disconnect(si)


def _post(sim, action, data):
    context = ssl._create_unverified_context()
    request = urllib.request.Request("https://127.0.0.1:{0}/_sim/{1}".format(sim.port, action), data=json.dumps(data).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, context=context) as response:
        return json.load(response)


def _vms(content):
    return by_name(content, vim.VirtualMachine)


def _log(content, host):
    return list(content.diagnosticManager.BrowseDiagnosticLog(host, "vmkernel", 1, 10000).lineText)


def _error(task):
    with pytest.raises(vmodl.MethodFault) as failure:
        WaitForTask(task)
    assert task.info.state == "error"
    return failure.value


@pytest.fixture(scope="module")
def log_parser(tmp_path_factory):
    """The collection's own vmkernel.log parser, imported as ansible_collections.multinic.vmotion (a namespace made of a
    symlink to the checkout in a temporary directory); None when that cannot be done here."""
    root = str(tmp_path_factory.mktemp("collections"))
    link = os.path.join(root, "ansible_collections", "multinic", "vmotion")
    try:
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO, link)
        sys.path.insert(0, root)
        yield importlib.import_module("ansible_collections.multinic.vmotion.plugins.module_utils._audit.vmkernel_log")
    except (ImportError, OSError):
        yield None
    finally:
        if root in sys.path:
            sys.path.remove(root)


def test_migrate_between_healthy_hosts(vsim, vc, log_parser):
    hosts, vm = hosts_by_name(vc), _vms(vc)["canary01"]
    source, dest = hosts["192.168.100.107"], hosts["192.168.100.108"]
    _post(vsim, "vmotion", {"seconds": 1})
    # a client that follows the task with WaitForUpdatesEx sees it queued or running, its progress move, then success
    collector = vc.propertyCollector.CreatePropertyCollector()
    task = vm.MigrateVM_Task(pool=None, host=dest, priority="defaultPriority", state=None)
    assert task.info.state in ("queued", "running") and task.info.cancelable
    assert task.info.descriptionId == "VirtualMachine.migrate" and task.info.entity == vm
    collector.CreateFilter(PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=task)], propSet=[PC.PropertySpec(type=vim.Task, pathSet=["info"])]),
                           partialUpdates=False)
    seen, version = [], ""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        update = collector.WaitForUpdatesEx(version, PC.WaitOptions(maxWaitSeconds=5))
        if update is None:
            continue
        version = update.version
        info = update.filterSet[0].objectSet[0].changeSet[0].val
        seen.append((info.state, info.progress))
        if info.state in ("success", "error"):
            break
    collector.DestroyPropertyCollector()
    assert seen[-1] == ("success", 100)
    assert any(state == "running" and progress and 0 < progress < 100 for state, progress in seen)
    assert vm.runtime.host == dest and vm.summary.runtime.host == dest
    assert vm in dest.vm and vm not in source.vm
    assert vm.resourcePool == dest.parent.resourcePool
    # the VM's NIC holds a port of the destination's vSwitch now, none of the source's

    def vm_ports(host):
        group = next(pg for pg in host.config.network.portgroup if pg.spec.name == "VM Network")
        return [p for p in group.port if p.type == "virtualMachine"]
    assert len(vm_ports(dest)) == 1 and vm_ports(source) == []

    src_log, dst_log = _log(vc, source), _log(vc, dest)
    for device in VMOTION_DEVICES:
        assert any("bound connection to vmknic {0} - '{1}'".format(device, _address(device, 107)) in line for line in src_log)
        assert any("Set ip address '{0}' worldlet affinity to recv".format(_address(device, 108)) in line for line in dst_log)
    start = next(line for line in src_log if "vmotion: Source vmmLeaderID" in line)
    assert " In(182) vmkernel: cpu" in start and "srcIP = <172.16.1.107> dstIP = <172.16.1.108>" in start
    mig_id = start.split("ts = ")[1].split(",")[0]
    assert any("vmotion: Dest vmmLeaderID" in line and "ts ={0},".format(mig_id) in line for line in dst_log)
    assert sum("S: Stream connection" in line and "added" in line for line in src_log) == 5
    assert any("network bandwidth ~571.132 MB/s" in line for line in src_log)  # 5 streams on 1 GbE, as in the seed
    assert any("S: Migration considered a success." in line for line in src_log)
    assert any("D: Migration considered a success." in line for line in dst_log)

    parser = log_parser
    if parser is None:
        pytest.skip("the collection's parser cannot be imported here")
    source_side = [m for m in parser.parse_vmkernel_log(src_log)["migrations"] if m["side"] == "source"]
    assert len(source_side) == 1 and source_side[0]["id"] == mig_id and source_side[0]["streams"] == 5
    assert sorted(source_side[0]["vmknics"]) == sorted(_address(d, 107) for d in VMOTION_DEVICES)
    assert source_side[0]["failed"] is False and source_side[0]["bandwidth_mbytes_per_s"] == 571.132
    verdict = parser.compare_migrations_with_vmks(source_side, [_address(d, 107) for d in VMOTION_DEVICES])
    assert verdict["summary"]["ok"] is True
    dest_side = [m for m in parser.parse_vmkernel_log(dst_log)["migrations"] if m["side"] == "destination"]
    assert len(dest_side) == 1 and dest_side[0]["id"] == mig_id and dest_side[0]["streams"] == 5
    assert sorted(dest_side[0]["vmknics"]) == sorted(_address(d, 108) for d in VMOTION_DEVICES)


def test_destination_with_vmotion_off_on_two_vmks_fails(vsim, vc, log_parser):
    """192.168.100.112 has vMotion off on vmk2 and vmk6: the source's vmk2 and vmk6 try another vMotion address of it,
    which is on a subnet they do not reach, and the migration fails (the seed article)."""
    hosts, vm = hosts_by_name(vc), _vms(vc)["canary01"]
    source, dest = hosts["192.168.100.107"], hosts["192.168.100.112"]
    fault = _error(vm.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=dest)))
    assert isinstance(fault, vmodl.fault.SystemError) and "Migration to host <172.16.1.112> failed" in fault.msg
    assert vm.runtime.host == source
    src_log, dst_log = _log(vc, source), _log(vc, dest)
    for device in VMOTION_DEVICES:  # every vMotion vmk of the source bound a connection
        assert any("vmknic {0} - '{1}'".format(device, _address(device, 107)) in line for line in src_log)
    assert sum("S: Stream connection" in line and "added" in line for line in src_log) == 3
    assert not any("pre-copy" in line for line in src_log)
    assert any("Wa(180) vmkwarning:" in line and "Failed: Connection closed by remote host" in line for line in src_log)
    accepted = [line.rsplit("<", 1)[1].rstrip(">") for line in dst_log if "Accepted connection from" in line]
    assert sorted(accepted) == ["172.16.1.107", "172.16.3.107", "172.16.4.107"]
    assert not any("'172.16.2.112'" in line or "'172.16.0.112'" in line for line in dst_log)
    parser = log_parser
    if parser is None:
        pytest.skip("the collection's parser cannot be imported here")
    mig = [m for m in parser.parse_vmkernel_log(src_log)["migrations"] if m["side"] == "source"][0]
    assert mig["failed"] is True and mig["streams"] == 3 and len(mig["vmknics"]) == 5


def test_source_with_vmotion_off_uses_the_vmks_it_has(vsim, vc):
    """From 192.168.100.112 (vMotion on vmk1, vmk3, vmk4 only) the migration succeeds on three streams; the destination's
    vmk2 and vmk6 carry nothing. Then 192.168.100.108 -> 192.168.100.109 (vmk3 off there) fails like the 112 case."""
    hosts, vm = hosts_by_name(vc), _vms(vc)["canary12"]
    source, dest = hosts["192.168.100.112"], hosts["192.168.100.108"]
    WaitForTask(vm.MigrateVM_Task(host=dest, priority="defaultPriority"))
    assert vm.runtime.host == dest
    src_log, dst_log = _log(vc, source), _log(vc, dest)
    assert sum("S: Stream connection" in line and "added" in line for line in src_log) == 3
    assert any("network bandwidth ~342.679 MB/s" in line for line in src_log)  # 3 of the seed's 5 links
    assert not any("'172.16.2.108'" in line or "'172.16.0.108'" in line for line in dst_log)
    fault = _error(vm.MigrateVM_Task(host=hosts["192.168.100.109"], priority="defaultPriority"))
    assert isinstance(fault, vmodl.fault.SystemError)
    assert vm.runtime.host == dest


def test_faults(vsim, vc):
    hosts, vms = hosts_by_name(vc), _vms(vc)
    vm, cold = vms["canary01"], vms["cold01"]
    source = hosts["192.168.100.107"]
    before = len(_log(vc, source))
    # the same host: success, nothing moved, no vMotion
    task = vm.MigrateVM_Task(host=source, priority="defaultPriority")
    WaitForTask(task)
    assert vm.runtime.host == source and len(_log(vc, source)) == before
    # state given and not the VM's
    fault = _error(vm.MigrateVM_Task(host=hosts["192.168.100.108"], priority="defaultPriority", state="poweredOff"))
    assert isinstance(fault, vim.fault.InvalidPowerState) and fault.existingState == "poweredOn" and fault.requestedState == "poweredOff"
    # no host (the simulated cluster has no DRS)
    fault = _error(vm.MigrateVM_Task(pool=source.parent.resourcePool, priority="defaultPriority"))
    assert isinstance(fault, vmodl.fault.InvalidArgument)
    # destination in maintenance mode
    target = hosts["192.168.100.113"]
    WaitForTask(target.EnterMaintenanceMode_Task(timeout=0))
    fault = _error(vm.MigrateVM_Task(host=target, priority="defaultPriority"))
    assert isinstance(fault, vim.fault.InvalidHostState) and fault.host == target
    assert fault.msg == "The operation is not allowed in the current state of the host."
    # destination disconnected, then not responding
    target = hosts["192.168.100.114"]
    WaitForTask(target.DisconnectHost_Task())
    fault = _error(vm.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=target)))
    assert isinstance(fault, vim.fault.InvalidHostState) and fault.host == target
    _post(vsim, "host_state", {"host": "192.168.100.115", "state": "notResponding"})
    fault = _error(vm.MigrateVM_Task(host=hosts["192.168.100.115"], priority="defaultPriority"))
    assert isinstance(fault, vim.fault.InvalidHostState)
    # no vMotion vmk on the destination: VMotionNotConfigured for a powered-on VM, a cold migration for a powered-off one
    target = hosts["192.168.100.116"]
    manager = target.configManager.virtualNicManager
    for device in ("vmk1", "vmk2", "vmk3", "vmk6"):
        manager.DeselectVnicForNicType("vmotion", device)
    fault = _error(vm.MigrateVM_Task(host=target, priority="defaultPriority"))
    assert isinstance(fault, vim.fault.VMotionNotConfigured) and fault.atSourceHost is False
    assert fault.failedHost == "192.168.100.116" and fault.failedHostEntity == target
    assert fault.msg == "The vMotion interface is not configured (or is misconfigured) on the Destination host '192.168.100.116'."
    task = cold.MigrateVM_Task(host=target, priority="defaultPriority")
    WaitForTask(task)
    assert cold.runtime.host == target and not any(cold.name in line for line in _log(vc, target))
    assert _log(vc, target) == []
    # a storage move is not simulated; an unknown host is ManagedObjectNotFound at once
    with pytest.raises(vmodl.fault.NotSupported):
        vm.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=hosts["192.168.100.108"], datastore=vim.Datastore("datastore-1")))
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        vm.MigrateVM_Task(host=vim.HostSystem("host-999999"), priority="defaultPriority")
    assert vm.runtime.host == source


def test_cancel_during_the_run(vsim, vc):
    hosts, vm = hosts_by_name(vc), _vms(vc)["canary01"]
    source = hosts["192.168.100.107"]
    _post(vsim, "vmotion", {"seconds": 30})
    task = vm.MigrateVM_Task(host=hosts["192.168.100.108"], priority="defaultPriority")
    deadline = time.monotonic() + 10
    while task.info.state != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    # a second migration of the same VM while this one runs
    fault = _error(vm.MigrateVM_Task(host=hosts["192.168.100.109"], priority="defaultPriority"))
    assert isinstance(fault, vim.fault.TaskInProgress) and fault.task == task
    started = time.monotonic()
    task.CancelTask()
    fault = _error(task)
    assert time.monotonic() - started < 5
    assert isinstance(fault, vmodl.fault.RequestCanceled) and task.info.cancelled is True
    assert vm.runtime.host == source
    with pytest.raises(vim.fault.InvalidState):
        task.CancelTask()
    # a finished task cannot be canceled either
    done = hosts["192.168.100.117"].EnterMaintenanceMode_Task(timeout=0)
    WaitForTask(done)
    with pytest.raises(vim.fault.InvalidState):
        done.CancelTask()


def test_esxi7_format_and_control(vsim, vc, log_parser):
    hosts, vm = hosts_by_name(vc), _vms(vc)["canary01"]
    _post(vsim, "vmotion", {"log_format": "esxi7", "seconds": 0})
    with pytest.raises(urllib.error.HTTPError):
        _post(vsim, "vmotion", {"seconds": -1})
    source = hosts["192.168.100.107"]
    WaitForTask(vm.MigrateVM_Task(host=hosts["192.168.100.111"], priority="defaultPriority"))
    src_log = _log(vc, source)
    start = next(line for line in src_log if "Setting VMOTION info: Source ts = " in line)
    assert "src ip = <172.16.1.107> dest ip = <172.16.1.111>" in start and " vmkernel:" not in start
    assert any("bound connection to vmknic '172.16.0.107'" in line for line in src_log)
    parser = log_parser
    if parser is None:
        pytest.skip("the collection's parser cannot be imported here")
    mig = [m for m in parser.parse_vmkernel_log(src_log)["migrations"] if m["side"] == "source"][0]
    assert mig["streams"] == 5 and mig["failed"] is False and mig["bandwidth_mbytes_per_s"] == 571.132
