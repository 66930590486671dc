"""A lock per managed object (vsim/locks.py): calls on different hosts do not wait for each other, calls on one host
do; concurrent writes on many hosts with collectors reading them end consistent and without a deadlock.

Every wait is bounded: a deadlock fails a test instead of hanging it.
"""

import threading

import pytest
from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

from conftest import PASSWORD, USER
from helpers import PC, host_filter_spec, hosts_by_name
from vsim import locks

VDS = vim.dvs.VmwareDistributedVirtualSwitch
TIMEOUT = 60  # seconds any one thing may take before the test calls it a deadlock
HOST_A, HOST_B = "192.168.100.107", "192.168.100.108"
WRITERS = ["192.168.100.{0}".format(n) for n in range(107, 113)]  # one thread per host
ROUNDS = 5


class Background(threading.Thread):
    """fn() in a thread of its own; `done` is set when it returned or raised."""

    def __init__(self, fn, name=None):
        super().__init__(name=name, daemon=True)
        self.fn, self.result, self.error = fn, None, None
        self.done = threading.Event()
        self.start()

    def run(self):
        try:
            self.result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            self.done.set()

    def outcome(self, timeout=TIMEOUT):
        assert self.done.wait(timeout), "{0} still running after {1} s: a deadlock".format(self.name or "call", timeout)
        if self.error is not None:
            raise self.error
        return self.result


def connect(sim):
    return SmartConnect(host="127.0.0.1", port=sim.port, user=USER, pwd=PASSWORD, disableSslCertValidation=True,
                        httpConnectionTimeout=TIMEOUT)


def portgroup_spec(name, vswitch="vSwitch4"):
    return vim.host.PortGroup.Specification(name=name, vswitchName=vswitch, vlanId=0, policy=vim.host.NetworkPolicy())


def dvs_vmk_spec(ip, dvs, portgroup):
    return vim.host.VirtualNic.Specification(
        ip=vim.host.IpConfig(dhcp=False, ipAddress=ip, subnetMask="255.255.255.0"), mtu=9000,
        distributedVirtualPort=vim.dvs.PortConnection(switchUuid=dvs.uuid, portgroupKey=portgroup.key))


def the_dvs(content):
    return [n for n in content.rootFolder.childEntity[0].networkFolder.childEntity if isinstance(n, vim.DistributedVirtualSwitch)][0]


def new_dvportgroup(dvs, name, ports):
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(name=name, type="earlyBinding", numPorts=ports, autoExpand=True)
    task = dvs.CreateDVPortgroup_Task(spec)
    assert WaitForTask(task) == "success"
    return task.info.result


def portgroup_names(sim, host_name):
    return set(sim.state()["hosts"][host_name]["portgroups"])


def test_lock_rules(sim):
    """Which lock a call takes: a host's own managed objects and VMs share the host's, other entities the tree's, the
    property collector none; and the order is checked."""
    inv = sim.inv
    everything = inv.all_objects()
    host = next(o for o in everything if o.vim_type == "HostSystem" and o.name == HOST_A)
    other = next(o for o in everything if o.vim_type == "HostSystem" and o.name == HOST_B)
    assert host.object_lock() is not other.object_lock()
    for part in (host.network_system, host.nic_manager, *host.config_managers.values()):
        assert part.object_lock() is host.object_lock()
    for vm in (o for o in everything if o.vim_type == "VirtualMachine"):
        assert vm.object_lock() is vm.host.object_lock()
    for kind in ("Folder", "Datacenter", "ClusterComputeResource", "Network", "VmwareDistributedVirtualSwitch"):
        assert next(o for o in everything if o.vim_type == kind).object_lock() is inv.locks.tree
    assert next(o for o in everything if o.vim_type == "PropertyCollector").object_lock() is None
    session_manager = next(o for o in everything if o.vim_type == "SessionManager")
    assert session_manager.object_lock() not in (None, inv.locks.tree, host.object_lock())
    # Host before tree is the order; the reverse, or two hosts at once, is refused before it can deadlock.
    with host.object_lock(), inv.locks.tree, inv.locks.physical:
        assert locks.held_locks() == [host.moid, "tree", "physical"]
    with inv.locks.tree:
        with pytest.raises(locks.LockOrderError):
            host.object_lock().acquire()
    with host.object_lock():
        with pytest.raises(locks.LockOrderError):
            other.object_lock().acquire()
    assert locks.held_locks() == []


def test_a_locked_host_does_not_stop_calls_on_another(sim):
    """While host A's lock is taken (here by the test itself, as a slow call on A would hold it), calls on host B run
    to the end, through pyVmomi: a network-system write, one on a distributed port, property reads and a collector
    read. A call on host A waits until the lock is released, then runs; so does a collector read of every host, which
    reads each host under its lock."""
    si, waiting_si, reading_si = connect(sim), connect(sim), connect(sim)
    try:
        content = si.RetrieveContent()
        hosts = hosts_by_name(content)
        host_a, host_b = hosts[HOST_A], hosts[HOST_B]
        network_a = hosts_by_name(waiting_si.RetrieveContent())[HOST_A].configManager.networkSystem
        network_b = host_b.configManager.networkSystem
        dvs = the_dvs(content)
        dvportgroup = new_dvportgroup(dvs, "dv-lock-test", 2)
        lock = next(o for o in sim.inv.all_objects() if o.moid == host_a._moId).object_lock()
        assert lock.acquire(timeout=TIMEOUT)
        try:
            on_a = Background(lambda: network_a.AddPortGroup(portgroup_spec("waits-for-a")), "call on host A")
            reading = reading_si.RetrieveContent()
            view = reading.viewManager.CreateContainerView(reading.rootFolder, [vim.HostSystem], True)
            all_hosts = Background(lambda: reading.propertyCollector.RetrievePropertiesEx(
                [host_filter_spec(view, ["name", "config.network.portgroup"])], PC.RetrieveOptions()), "collector read of every host")
            assert not on_a.done.wait(0.5), "a call on host A ran while its lock was held"

            def on_b():
                network_b.AddPortGroup(portgroup_spec("runs-on-b"))
                device = network_b.AddVirtualNic("", dvs_vmk_spec("172.20.99.8", dvs, dvportgroup))
                names = [pg.spec.name for pg in host_b.config.network.portgroup]
                spec = PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=host_b)],
                                     propSet=[PC.PropertySpec(type=vim.HostSystem, pathSet=["config.network.vnic", "runtime"])])
                result = content.propertyCollector.RetrievePropertiesEx([spec], PC.RetrieveOptions())
                return names, device, result
            names, device, result = Background(on_b, "calls on host B").outcome()
            assert "runs-on-b" in names
            vnics = next(p.val for p in result.objects[0].propSet if p.name == "config.network.vnic")
            assert device in [v.device for v in vnics]
            assert not on_a.done.is_set(), "the call on host A did not wait for its lock"
            assert not all_hosts.done.is_set(), "the collector read host A while its lock was held"
        finally:
            lock.release()
        on_a.outcome()
        assert len(all_hosts.outcome().objects) == 12
        assert {"waits-for-a"} <= portgroup_names(sim, HOST_A) and {"runs-on-b"} <= portgroup_names(sim, HOST_B)
    finally:
        for service_instance in (si, waiting_si, reading_si):
            Disconnect(service_instance)


def test_concurrent_writes_on_many_hosts_with_collectors_reading(sim):
    """One writer thread per host (port groups on its vSwitch, vmks on one shared distributed port group that has to
    grow, a standard port group name every host adds and half remove, one every host adds and removes), while a
    collector reads every host over and over and another waits for updates. No deadlock, no error; every host ends
    as its writer left it, no distributed port is given twice, vCenter's standard networks match the hosts, and the
    waiting collector's last word on each host is the host's final state."""
    admin = connect(sim)
    content = admin.RetrieveContent()
    dvs = the_dvs(content)
    dvportgroup = new_dvportgroup(dvs, "dv-concurrent", 2)  # fewer ports than vmks: it grows while hosts race for ports
    writers_done = threading.Event()

    def writer(index, host_name):
        si = connect(sim)
        try:
            network = hosts_by_name(si.RetrieveContent())[host_name].configManager.networkSystem
            network.AddPortGroup(portgroup_spec("lt-shared"))
            network.AddPortGroup(portgroup_spec("lt-gone"))
            devices = []
            for n in range(ROUNDS):
                network.AddPortGroup(portgroup_spec("lt-{0}-{1}".format(index, n)))
                devices.append(network.AddVirtualNic("", dvs_vmk_spec("172.20.{0}.{1}".format(index, 10 + n), dvs, dvportgroup)))
                if n % 2 == 0:
                    network.RemovePortGroup("lt-{0}-{1}".format(index, n))
            network.RemovePortGroup("lt-gone")
            if index % 2 == 0:
                network.RemovePortGroup("lt-shared")
            return devices
        finally:
            Disconnect(si)

    def reader():
        si = connect(sim)
        reads = 0
        try:
            content = si.RetrieveContent()
            view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
            spec = host_filter_spec(view, ["name", "config.network.portgroup", "config.network.vnic", "config.network.proxySwitch"])
            while not writers_done.is_set() or reads == 0:
                result = content.propertyCollector.RetrievePropertiesEx([spec], PC.RetrieveOptions())
                assert len(result.objects) == 12
                for obj in result.objects:
                    props = {p.name: p.val for p in obj.propSet}
                    names = {pg.spec.name for pg in props["config.network.portgroup"]}
                    for vnic in props["config.network.vnic"]:  # each host is read whole: its vmks' port groups exist
                        assert vnic.portgroup in names or vnic.spec.distributedVirtualPort is not None
                dvs_ports = dvs.FetchDVPortKeys(vim.dvs.PortCriteria(connected=True))
                assert len(dvs_ports) == len(set(dvs_ports))
                reads += 1
            return reads
        finally:
            Disconnect(si)

    def waiter():
        si = connect(sim)
        latest = {}
        try:
            content = si.RetrieveContent()
            view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
            collector = content.propertyCollector.CreatePropertyCollector()
            collector.CreateFilter(host_filter_spec(view, ["name", "config.network.portgroup"]), True)
            version, quiet_after_done = "", False
            while not quiet_after_done:
                done_before = writers_done.is_set()
                update = collector.WaitForUpdatesEx(version, PC.WaitOptions(maxWaitSeconds=1))
                if update is None:
                    quiet_after_done = done_before  # nothing changed since every writer had finished
                    continue
                version = update.version
                for filter_update in update.filterSet:
                    for obj in filter_update.objectSet:
                        values = {c.name: c.val for c in obj.changeSet}
                        if "config.network.portgroup" in values:
                            latest[obj.obj._moId] = {pg.spec.name for pg in values["config.network.portgroup"]}
            return latest
        finally:
            Disconnect(si)

    writers = [Background(lambda i=i, h=h: writer(i, h), "writer on " + h) for i, h in enumerate(WRITERS)]
    readers = [Background(reader, "reader"), Background(waiter, "waiter")]
    try:
        devices = {host: thread.outcome() for host, thread in zip(WRITERS, writers)}
    finally:
        writers_done.set()
    reads, latest = readers[0].outcome(), readers[1].outcome()
    assert reads >= 1

    state = sim.state()
    for index, host in enumerate(WRITERS):
        made = {name for name in state["hosts"][host]["portgroups"] if name.startswith("lt-")}
        kept = {"lt-{0}-{1}".format(index, n) for n in range(ROUNDS) if n % 2} | ({"lt-shared"} if index % 2 else set())
        assert made == kept, host
        assert latest[state["hosts"][host]["moid"]] == set(state["hosts"][host]["portgroups"]), "the waiting collector missed a change"
    on_dvportgroup = [(host, device, vmk["dvport_key"]) for host, data in state["hosts"].items() for device, vmk in data["vmks"].items()
                      if vmk["dvport"] == dvportgroup.key]
    assert sorted((h, d) for h, d, _key in on_dvportgroup) == sorted((h, d) for h, ds in devices.items() for d in ds)
    keys = [key for _h, _d, key in on_dvportgroup]
    assert len(keys) == len(WRITERS) * ROUNDS and len(set(keys)) == len(keys), "a distributed port was given twice"
    assert dvportgroup.config.numPorts >= len(keys)
    connected = dvs.FetchDVPortKeys(vim.dvs.PortCriteria(connected=True, inside=True, portgroupKey=[dvportgroup.key]))
    assert sorted(connected) == sorted(keys)
    networks = [n.name for n in content.rootFolder.childEntity[0].network if isinstance(n, vim.Network) and n.name.startswith("lt-")]
    expected = {name for index in range(len(WRITERS)) for name in ("lt-{0}-{1}".format(index, n) for n in range(ROUNDS) if n % 2)}
    assert sorted(networks) == sorted(expected | {"lt-shared"})
    Disconnect(admin)


def test_wait_for_updates_sleeps_holding_no_lock(sim):
    """A WaitForUpdatesEx asleep on host A's changes stops neither a write on host A nor reads; the write wakes it at
    once (well before its 30 s); CancelWaitForUpdates from another thread ends a second wait."""
    si, waiting_si = connect(sim), connect(sim)
    try:
        waiting = waiting_si.RetrieveContent()
        watched = hosts_by_name(waiting)[HOST_A]
        collector = waiting.propertyCollector.CreatePropertyCollector()
        collector.CreateFilter(PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=watched)],
                                             propSet=[PC.PropertySpec(type=vim.HostSystem, pathSet=["config.network.portgroup"])]), True)
        version = collector.WaitForUpdatesEx("", PC.WaitOptions(maxWaitSeconds=0)).version
        wait = Background(lambda: collector.WaitForUpdatesEx(version, PC.WaitOptions(maxWaitSeconds=30)), "WaitForUpdatesEx")
        assert not wait.done.wait(0.5)
        host = hosts_by_name(si.RetrieveContent())[HOST_A]
        Background(lambda: host.configManager.networkSystem.AddPortGroup(portgroup_spec("wakes-the-waiter")), "write on host A").outcome()
        update = wait.outcome(10)
        changed = update.filterSet[0].objectSet[0].changeSet[0].val
        assert "wakes-the-waiter" in [pg.spec.name for pg in changed]
        second = Background(lambda: collector.WaitForUpdatesEx(update.version, PC.WaitOptions(maxWaitSeconds=30)), "second wait")
        assert not second.done.wait(0.5)
        collector.CancelWaitForUpdates()
        with pytest.raises(vmodl.fault.RequestCanceled):
            second.outcome(10)
    finally:
        for service_instance in (si, waiting_si):
            Disconnect(service_instance)
