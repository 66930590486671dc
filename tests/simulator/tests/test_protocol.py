"""Connection, sessions, property collector and container views through pyVmomi's real client."""

import contextlib
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl

from conftest import PASSWORD, USER, connect
from helpers import PC, host_filter_spec, hosts_by_name
from vsim.server import start_simulator

SEED_HOSTS = ["192.168.100.{0}".format(n) for n in range(107, 119)]
RUN_PY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "run.py")


@contextlib.contextmanager
def run_simulator(*args):
    """run.py as a subprocess; yields (process, port) once it prints its URL."""
    process = subprocess.Popen([sys.executable, RUN_PY, *args], stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert "https://127.0.0.1:" in line, line
        yield process, int(line.split("https://127.0.0.1:")[1].split("/")[0])
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(10)
        process.stdout.close()


def control(sim, path, data=None):
    context = ssl.create_default_context(cafile=sim.cert_paths["ca.pem"])
    body = json.dumps(data).encode() if data is not None else None
    with urllib.request.urlopen("https://127.0.0.1:{0}/_sim/{1}".format(sim.port, path), data=body, context=context) as response:
        return json.load(response)


def test_default_topology_starts_fast():
    started = time.monotonic()
    sim = start_simulator()
    elapsed = time.monotonic() - started
    try:
        si = connect(sim)
        assert sorted(hosts_by_name(si.RetrieveContent())) == SEED_HOSTS
        Disconnect(si)
    finally:
        sim.stop()
    assert elapsed < 2.0


def test_connect_and_about(content):
    assert content.about.apiType == "VirtualCenter"
    assert content.about.version == "8.0.3"
    assert content.customFieldsManager.field == []
    assert content.sessionManager.currentSession.userName == USER


def test_connect_with_certificate_validation(sim):
    context = ssl.create_default_context(cafile=sim.cert_paths["ca.pem"])
    si = SmartConnect(host="127.0.0.1", port=sim.port, user=USER, pwd=PASSWORD, sslContext=context)
    assert si.RetrieveContent().about.apiType == "VirtualCenter"
    Disconnect(si)


def test_esxi_mode():
    sim = start_simulator(mode="esxi")
    try:
        si = connect(sim)
        content = si.RetrieveContent()
        assert content.about.apiType == "HostAgent"
        assert content.customFieldsManager is None
        hosts = hosts_by_name(content)
        assert list(hosts) == ["192.168.100.107"] and list(hosts.values())[0]._moId == "ha-host"
        assert content.rootFolder.childEntity[0].name == "ha-datacenter"
        Disconnect(si)
    finally:
        sim.stop()


def test_inventory_tree(content):
    datacenter = content.rootFolder.childEntity[0]
    cluster = datacenter.hostFolder.childEntity[0]
    assert (datacenter.name, cluster.name, len(cluster.host)) == ("DC01", "CL01", 12)
    dvs = [n for n in datacenter.networkFolder.childEntity if isinstance(n, vim.DistributedVirtualSwitch)][0]
    assert dvs.name == "dvSwitch-vMotion"
    assert dvs.config.uplinkPortPolicy.uplinkPortName == ["Uplink 1", "Uplink 2"]
    assert len(dvs.config.host) == 12 and [p.pnicDevice for p in dvs.config.host[0].config.backing.pnicSpec] == ["vmnic10", "vmnic11"]
    names = {n.name for n in datacenter.network}
    assert {"Management Network", "vMotion-1", "NAS-vmk"} <= names
    host = cluster.host[0]
    assert {"vMotion-1", "Management Network"} <= {n.name for n in host.network}
    proxy = host.config.network.proxySwitch[0]
    assert proxy.dvsUuid == dvs.uuid and [kv.value for kv in proxy.uplinkPort] == ["Uplink 1", "Uplink 2"]


def test_search_index(content):
    index = content.searchIndex
    host = index.FindByIp(ip="192.168.100.110", vmSearch=False)
    assert host.name == "192.168.100.110"
    assert index.FindByDnsName(dnsName="192.168.100.111", vmSearch=False).name == "192.168.100.111"
    assert index.FindByInventoryPath("DC01/host/CL01/192.168.100.112").name == "192.168.100.112"
    assert index.FindByDnsName(dnsName="nope.example.com", vmSearch=False) is None


def test_one_retrieve_reads_all_hosts(sim, content):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    sim.reset()
    result = content.propertyCollector.RetrievePropertiesEx(
        [host_filter_spec(view, ["name", "config.network", "config.virtualNicManagerInfo"])], PC.RetrieveOptions())
    assert sim.stats()["calls"] == {"RetrievePropertiesEx": 1}
    assert result.token is None and len(result.objects) == 12
    props = {p.name: p.val for p in result.objects[0].propSet}
    assert [v.device for v in props["config.network"].vnic] == ["vmk0", "vmk1", "vmk2", "vmk3", "vmk4", "vmk5", "vmk6"]
    vmotion = [c for c in props["config.virtualNicManagerInfo"].netConfig if c.nicType == "vmotion"][0]
    assert len(vmotion.selectedVnic) == 5


def test_nested_path_and_paging(content):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    collector = content.propertyCollector
    page = collector.RetrievePropertiesEx([host_filter_spec(view, ["name", "config.network.vnic"])], PC.RetrieveOptions(maxObjects=5))
    seen = list(page.objects)
    while page.token:
        page = collector.ContinueRetrievePropertiesEx(page.token)
        seen.extend(page.objects)
    assert [len(p) for p in [seen]] == [12]
    vnics = {p.name: p.val for p in seen[0].propSet}["config.network.vnic"]
    assert isinstance(vnics[0], vim.host.VirtualNic)


def test_traversal_from_root_with_named_selection(content):
    folder_to_child = PC.TraversalSpec(name="folder", type=vim.Folder, path="childEntity",
                                       selectSet=[PC.SelectionSpec(name="folder"), PC.SelectionSpec(name="dc"), PC.SelectionSpec(name="cr")])
    dc_to_host = PC.TraversalSpec(name="dc", type=vim.Datacenter, path="hostFolder", selectSet=[PC.SelectionSpec(name="folder")])
    cr_to_host = PC.TraversalSpec(name="cr", type=vim.ComputeResource, path="host")
    spec = PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=content.rootFolder, selectSet=[folder_to_child, dc_to_host, cr_to_host])],
                         propSet=[PC.PropertySpec(type=vim.HostSystem, all=True)])
    objects = content.propertyCollector.RetrieveContents([spec])
    assert len(objects) == 12
    assert {"name", "config", "summary", "runtime"} <= {p.name for p in objects[0].propSet}


def test_stats_and_reset(sim, si):
    stats = control(sim, "stats")
    assert stats["logins"] == 1 and stats["calls"]["Login"] == 1 and stats["total"] >= 2
    control(sim, "reset", {})
    assert control(sim, "stats") == {"calls": {}, "total": 0, "writes": 0, "logins": 0}


def test_session_expiry(sim, si):
    content = si.RetrieveContent()
    assert content.rootFolder.name
    control(sim, "fault", {"action": "expire_sessions"})
    with pytest.raises(vim.fault.NotAuthenticated):
        content.rootFolder.childEntity


def test_unauthenticated_and_bad_login(sim):
    with pytest.raises(vim.fault.InvalidLogin):
        SmartConnect(host="127.0.0.1", port=sim.port, user=USER, pwd="wrong", disableSslCertValidation=True)
    si = connect(sim)
    content = si.RetrieveContent()
    content.sessionManager.Logout()
    with pytest.raises(vim.fault.NotAuthenticated):
        content.rootFolder.childEntity


def test_views_go_with_the_session(sim):
    si = connect(sim)
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.Network], True)
    assert any(isinstance(n, vim.dvs.DistributedVirtualPortgroup) for n in view.view)  # subtypes match
    Disconnect(si)
    other = connect(sim)
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        vim.view.ContainerView(view._moId, other._stub).view
    Disconnect(other)


def test_wait_for_updates_and_filters(content):
    host = hosts_by_name(content)["192.168.100.107"]
    spec = PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=host)], propSet=[PC.PropertySpec(type=vim.HostSystem, pathSet=["config.network.vnic"])])
    collector = content.propertyCollector.CreatePropertyCollector()
    prop_filter = collector.CreateFilter(spec, True)
    first = collector.WaitForUpdatesEx("", vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=0))
    assert first.filterSet[0].objectSet[0].kind == "enter"
    assert collector.WaitForUpdatesEx(first.version, vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=0)) is None
    host.configManager.networkSystem.RemoveVirtualNic("vmk5")
    change = collector.WaitForUpdatesEx(first.version, vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=1))
    assert [v.device for v in change.filterSet[0].objectSet[0].changeSet[0].val] == ["vmk0", "vmk1", "vmk2", "vmk3", "vmk4", "vmk6"]
    prop_filter.Destroy()
    collector.Destroy()


def test_run_py_contract(tmp_path):
    ca_file = tmp_path / "ca.pem"
    with run_simulator("--port", "0", "--hosts", "3", "--cert-out", str(ca_file)) as (process, port):
        context = ssl.create_default_context(cafile=str(ca_file))
        si = SmartConnect(host="127.0.0.1", port=port, user=USER, pwd=PASSWORD, sslContext=context)
        assert sorted(hosts_by_name(si.RetrieveContent())) == ["esx-0001.sim.local", "esx-0002.sim.local", "esx-0003.sim.local"]
        Disconnect(si)
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0


def test_concurrent_sessions_on_256_hosts():
    """64 threads, each its own session: login, container view, one RetrievePropertiesEx of all hosts, logout.

    The simulator runs in its own process so that clients and server do not share one GIL.
    """
    errors, counts = [], []
    with run_simulator("--port", "0", "--hosts", "256") as (_process, port):
        def worker():
            try:
                si = SmartConnect(host="127.0.0.1", port=port, user=USER, pwd=PASSWORD, disableSslCertValidation=True)
                content = si.RetrieveContent()
                view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
                result = content.propertyCollector.RetrievePropertiesEx(
                    [host_filter_spec(view, ["name", "runtime.connectionState", "config.network.vnic"])], PC.RetrieveOptions())
                counts.append(len(result.objects))
                Disconnect(si)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _worker in range(64)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        stats = json.load(urllib.request.urlopen("https://127.0.0.1:{0}/_sim/stats".format(port), context=ssl._create_unverified_context()))
    assert not errors and counts == [256] * 64
    assert stats["logins"] == 64 and stats["calls"]["RetrievePropertiesEx"] == 64


def test_two_simulators_have_cas_one_trust_bundle_can_hold():
    """Each run's CA has its own name and key identifiers (two vCenters in one test, one SSL_CERT_FILE)."""
    from cryptography import x509
    from vsim.certs import make_certificates

    def load(paths, name):
        with open(paths[name], "rb") as handle:
            return x509.load_pem_x509_certificate(handle.read())

    first, second = make_certificates(), make_certificates()
    ca_a, ca_b = load(first, "ca.pem"), load(second, "ca.pem")
    assert ca_a.subject != ca_b.subject
    for paths, ca in ((first, ca_a), (second, ca_b)):
        server = load(paths, "server.pem")
        assert server.issuer == ca.subject
        key_id = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        assert server.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier == key_id
