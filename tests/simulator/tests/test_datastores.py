"""Datastores (vsim/datastore.py) through pyVmomi's SOAP client: the seed-canary fleet's shared01 (all hosts) and
local-108 (192.168.100.108 only), the links between datastores, hosts and VMs, the datastore folder's traversal, and a
host-only migration of a VM whose datastore the destination does not mount (CannotAccessVmConfig)."""

import os

import pytest
from pyVim.connect import Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

from conftest import connect
from helpers import by_name, hosts_by_name
from vsim import topology
from vsim.server import start_simulator

PC = vmodl.query.PropertyCollector
CANARY = os.path.join(topology.TOPOLOGY_DIR, "seed-canary.yml")


@pytest.fixture()
def vc():
    simulator = start_simulator(topology_file=CANARY)
    si = connect(simulator)
    yield si.RetrieveContent()
    Disconnect(si)
    simulator.stop()


def _error(task):
    with pytest.raises(vmodl.MethodFault) as failure:
        WaitForTask(task)
    assert task.info.state == "error"
    return failure.value


def test_datastores_hosts_and_vms_agree(vc):
    hosts, vms = hosts_by_name(vc), by_name(vc, vim.VirtualMachine)
    stores = by_name(vc, vim.Datastore)
    assert set(stores) == {"shared01", "local-108"}
    shared, local = stores["shared01"], stores["local-108"]
    datacenter = vc.rootFolder.childEntity[0]
    assert list(datacenter.datastore) == [shared, local] and list(datacenter.datastoreFolder.childEntity) == [shared, local]
    assert shared.parent == datacenter.datastoreFolder
    # summary and info: a VMFS volume at ds:///vmfs/volumes/<uuid>/
    summary = shared.summary
    uuid = shared.info.vmfs.uuid
    assert (summary.datastore, summary.name, summary.type, summary.accessible, summary.multipleHostAccess) == (
        shared, "shared01", "VMFS", True, True)
    assert summary.url == "ds:///vmfs/volumes/{0}/".format(uuid) == shared.info.url and summary.freeSpace <= summary.capacity
    assert isinstance(shared.info, vim.host.VmfsDatastoreInfo) and shared.info.vmfs.type == "VMFS" and shared.info.name == "shared01"
    assert local.summary.multipleHostAccess is False and local.summary.capacity == 1024 * 1024 ** 3
    assert shared.browser.datastore == [shared] and shared.capability.directoryHierarchySupported is True
    # hosts: every host mounts shared01, only .108 local-108; Datastore.host <-> HostSystem.datastore
    assert {m.key.name for m in shared.host} == set(hosts) and [m.key.name for m in local.host] == ["192.168.100.108"]
    for mount in list(shared.host) + list(local.host):
        info = mount.mountInfo
        assert (info.accessMode, info.mounted, info.accessible) == ("readWrite", True, True)
    assert {m.mountInfo.path for m in shared.host} == {"/vmfs/volumes/" + uuid}
    for name, host in hosts.items():
        expected = [shared, local] if name == "192.168.100.108" else [shared]
        assert list(host.datastore) == expected and list(host.configManager.datastoreSystem.datastore) == expected
    cluster = datacenter.hostFolder.childEntity[0]
    assert list(cluster.datastore) == [shared, local]
    # VMs: VirtualMachine.datastore <-> Datastore.vm, and the files named on their datastore
    canary, local01 = vms["canary01"], vms["local01"]
    assert list(canary.datastore) == [shared] and list(local01.datastore) == [local]
    assert set(shared.vm) == {vm for vm in vms.values() if vm != local01} and list(local.vm) == [local01]
    assert canary.config.files.vmPathName == "[shared01] canary01/canary01.vmx" == canary.summary.config.vmPathName
    assert local01.config.files.logDirectory == "[local-108] local01"
    assert [(p.name, p.url) for p in local01.config.datastoreUrl] == [("local-108", "/vmfs/volumes/" + local.info.vmfs.uuid)]


def test_the_datastore_folder_is_traversed(vc):
    """A PropertyCollector walking rootFolder -> datacenter -> datastoreFolder -> childEntity finds every datastore."""
    def traversal(name, kind, path, *select):
        return PC.TraversalSpec(name=name, type=kind, path=path, skip=False, selectSet=list(select))
    folder = traversal("folder", vim.Folder, "childEntity", PC.SelectionSpec(name="folder"), PC.SelectionSpec(name="dc"))
    dc = traversal("dc", vim.Datacenter, "datastoreFolder", PC.SelectionSpec(name="folder"))
    spec = PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=vc.rootFolder, skip=False, selectSet=[folder, dc])],
                         propSet=[PC.PropertySpec(type=vim.Datastore, pathSet=["name", "summary.multipleHostAccess"])])
    found = {c.obj._moId: {p.name: p.val for p in c.propSet} for c in vc.propertyCollector.RetrieveContents([spec])
             if isinstance(c.obj, vim.Datastore)}
    assert sorted((v["name"], v["summary.multipleHostAccess"]) for v in found.values()) == [("local-108", False), ("shared01", True)]


def test_a_vm_on_local_storage_cannot_move_to_a_host_without_it(vc):
    hosts, vms = hosts_by_name(vc), by_name(vc, vim.VirtualMachine)
    local01, canary = vms["local01"], vms["canary01"]
    fault = _error(local01.MigrateVM_Task(host=hosts["192.168.100.107"], priority="defaultPriority"))
    assert isinstance(fault, vim.fault.CannotAccessVmConfig)
    assert fault.msg == "Unable to access the virtual machine configuration: Unable to access file [local-108] local01/local01.vmx"
    assert isinstance(fault.reason, vim.fault.CannotAccessFile) and fault.reason.file == "[local-108] local01/local01.vmx"
    fault = _error(local01.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=hosts["192.168.100.109"])))
    assert isinstance(fault, vim.fault.CannotAccessVmConfig)
    assert local01.runtime.host == hosts["192.168.100.108"]
    # the same host is no move; naming its own datastore in a relocation is still a host-only move
    WaitForTask(local01.MigrateVM_Task(host=hosts["192.168.100.108"], priority="defaultPriority"))
    # canary01's files are on shared01: it migrates, also with spec.datastore its own datastore
    WaitForTask(canary.MigrateVM_Task(host=hosts["192.168.100.108"], priority="defaultPriority"))
    assert canary.runtime.host == hosts["192.168.100.108"]
    shared = canary.datastore[0]
    WaitForTask(canary.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=hosts["192.168.100.110"], datastore=shared)))
    assert canary.runtime.host == hosts["192.168.100.110"]
    with pytest.raises(vmodl.fault.NotSupported):  # a storage move is not simulated
        canary.RelocateVM_Task(spec=vim.vm.RelocateSpec(host=hosts["192.168.100.108"], datastore=local01.datastore[0]))


def test_a_topology_without_datastores_has_none(sim):
    si = connect(sim)
    try:
        content = si.RetrieveContent()
        datacenter = content.rootFolder.childEntity[0]
        assert datacenter.datastore == [] and datacenter.datastoreFolder.childEntity == []
        host = list(hosts_by_name(content).values())[0]
        assert host.datastore == [] and host.configManager.datastoreSystem.datastore == []
    finally:
        Disconnect(si)


def test_topology_refuses_a_datastore_the_host_does_not_mount(tmp_path):
    data = topology.load(CANARY)
    data["datacenters"][0]["vms"].append({"name": "bad01", "host": "192.168.100.107", "datastore": "local-108"})
    with pytest.raises(ValueError, match="192.168.100.107 does not mount datastore local-108"):
        topology.build(data)
    data = topology.load(CANARY)
    data["datacenters"][0]["datastores"].append({"name": "x", "hosts": ["192.168.100.199"]})
    with pytest.raises(ValueError, match="datastore x: no host '192.168.100.199'"):
        topology.build(data)


def test_esxi_mode_has_its_host_datastores():
    simulator = start_simulator(topology_file=CANARY, mode="esxi")
    try:
        si = connect(simulator)
        content = si.RetrieveContent()
        host = list(hosts_by_name(content).values())[0]
        assert [ds.name for ds in host.datastore] == ["shared01"]
        assert [ds.name for ds in content.rootFolder.childEntity[0].datastore] == ["shared01"]
        Disconnect(si)
    finally:
        simulator.stop()
