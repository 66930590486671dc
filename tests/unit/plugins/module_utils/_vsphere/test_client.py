# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host read asks for the parts of config.network in use, and puts them back together as one HostNetworkInfo;
timeouts against a server that accepts and never answers; the hints of the connection and scope messages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import threading
import time

import pytest
import yaml
from ansible.module_utils.common.parameters import env_fallback
from pyVmomi import SoapStubAdapter, vim

from ansible_collections.multinic.vmotion.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.multinic.vmotion.plugins.module_utils._change.apply import Applier
from ansible_collections.multinic.vmotion.plugins.module_utils._core.address_rule import LayoutError, management_octet
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.client import (
    CONNECT_TIMEOUT,
    HOST_NETWORK_PROPERTIES,
    REQUEST_TIMEOUT,
    Timeouts,
    VsphereClient,
    connection_argument_spec,
    vsphere_argument_spec,
)
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.errors import ApplyError, ScopeError, VsphereError
from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.inventory import Inventory, NETWORK_PARTS, network_info
from ansible_collections.multinic.vmotion.tests.unit.plugins.module_utils._change.test_apply import state


def test_the_read_names_the_parts_not_the_whole_of_config_network():
    assert "config.network" not in HOST_NETWORK_PROPERTIES
    assert [p for p in HOST_NETWORK_PROPERTIES if p.startswith("config.network.")] == [
        "config.network.vswitch", "config.network.portgroup", "config.network.proxySwitch", "config.network.vnic"]


def test_network_info_holds_the_parts_read_and_nothing_else():
    vnic = vim.host.VirtualNic(device="vmk1", portgroup="vMotion-1")
    info = network_info({"name": "esx01", "config.network.vnic": [vnic]})
    assert isinstance(info, vim.host.NetworkInfo)
    assert [v.device for v in info.vnic] == ["vmk1"]
    # Parts absent from the answer (a host without config) are empty lists, as host_facts expects.
    assert all(list(getattr(info, part)) == [] for part in NETWORK_PARTS if part != "vnic")
    assert list(info.pnic) == []


# ---------------------------------------------------------------- timeouts, against a server that never answers


class SilentServer(object):
    """127.0.0.1:port that accepts every TCP connection and never sends a byte (a hung vCenter)."""

    def __enter__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.held, self.stop = [], threading.Event()
        self.thread = threading.Thread(target=self._accept)
        self.thread.daemon = True
        self.thread.start()
        return self

    def _accept(self):
        while not self.stop.is_set():
            try:
                self.held.append(self.listener.accept()[0])
            except socket.timeout:
                continue

    def __exit__(self, *exc_info):
        self.stop.set()
        self.thread.join(2)
        for conn in self.held + [self.listener]:
            conn.close()


def logged_in_client(port, connect_timeout, request_timeout):
    """A VsphereClient as after its login, its stub (plain HTTP) on the silent server, timeouts installed as by __init__."""
    client = VsphereClient.__new__(VsphereClient)
    client.hostname, client.port = "127.0.0.1", port
    client.timeouts = Timeouts(connect_timeout, request_timeout)
    client.si = vim.ServiceInstance("ServiceInstance", SoapStubAdapter(host="127.0.0.1", port=-port, version="vim.version.v8_0_3_0"))
    client.timeouts.install(client.si)
    return client


def test_logging_in_to_a_server_that_never_answers_fails_within_connect_timeout():
    with SilentServer() as server:
        start = time.time()
        with pytest.raises(VsphereError) as info:
            VsphereClient("127.0.0.1", "user", "secret", port=server.port, validate_certs=False, connect_timeout=1, request_timeout=60)
        elapsed = time.time() - start
    assert 0.9 <= elapsed < 2.5, elapsed
    message = str(info.value)
    assert message.startswith("logging in to 127.0.0.1:%d timed out: no answer within 1 s" % server.port)
    assert "connect_timeout (VMWARE_CONNECT_TIMEOUT)" in message and "secret" not in message
    # The default socket timeout of the login is put back.
    assert socket.getdefaulttimeout() is None


def test_a_call_without_answer_fails_within_request_timeout_naming_the_server_and_the_call():
    with SilentServer() as server:
        client = logged_in_client(server.port, connect_timeout=1, request_timeout=2)
        start = time.time()
        with pytest.raises(VsphereError) as info:
            client.call("reading the inventory", client.si.RetrieveContent)
        elapsed = time.time() - start
    # request_timeout (2 s), not connect_timeout (1 s): the connection opened at once, the answer never came.
    assert 1.9 <= elapsed < 3.5, elapsed
    assert str(info.value) == ("reading the inventory timed out: 127.0.0.1:%d sent no answer within 2 s "
                               "(request_timeout, VMWARE_REQUEST_TIMEOUT)" % server.port)
    assert info.value.outcome_unknown
    # What is left to say (the logout at exit) gets connect_timeout only.
    assert client.timeouts.read == 1


def test_a_write_without_answer_is_in_doubt():
    with SilentServer() as server:
        client = logged_in_client(server.port, connect_timeout=1, request_timeout=1)
        host = state()
        host.network_system = vim.host.NetworkSystem("networkSystem-1", client.si._stub)
        op = {"op": "add_portgroup", "portgroup": "vMotion-1", "switch": "vSwitch1", "vlan_id": 0, "active": ["vmnic2"], "standby": []}
        start = time.time()
        with pytest.raises(ApplyError) as info:
            Applier(client, {"esx01": host}).apply({"esx01": [op]})
        elapsed = time.time() - start
    assert elapsed < 2.5, elapsed
    assert str(info.value).startswith("UpdateNetworkConfig on esx01 timed out: 127.0.0.1:%d sent no answer within 1 s" % server.port)
    assert info.value.outcome_unknown and info.value.outcome.in_doubt["esx01"] == [op]


def test_connections_of_the_stub_connect_within_connect_timeout_and_read_within_request_timeout():
    with SilentServer() as server:
        client = logged_in_client(server.port, connect_timeout=7, request_timeout=11)
        conn = client.si._stub.GetConnection()
        try:
            if conn.sock is None:  # pyVmomi 8 hands out a new connection, connected on its first request
                conn.connect()
            assert conn.sock.gettimeout() == 11
        finally:
            conn.close()


@pytest.mark.parametrize("connect_s, request_s", [(0, 300), (30, -1), ("30", 300), (True, 300)])
def test_timeouts_below_one_second_are_refused(connect_s, request_s):
    with pytest.raises(VsphereError, match="must be a number of seconds of at least 1"):
        Timeouts(connect_s, request_s)


def test_timeout_options_their_env_vars_and_defaults_match_the_doc_fragment():
    spec = connection_argument_spec()
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    for option, variable, default in (("connect_timeout", "VMWARE_CONNECT_TIMEOUT", CONNECT_TIMEOUT),
                                      ("request_timeout", "VMWARE_REQUEST_TIMEOUT", REQUEST_TIMEOUT)):
        assert spec[option]["fallback"] == (env_fallback, [variable])
        assert spec[option]["default"] == documented[option]["default"] == default
        assert spec[option]["type"] == documented[option]["type"] == "int"
        assert variable in " ".join(documented[option]["description"])
    assert (CONNECT_TIMEOUT, REQUEST_TIMEOUT) == (30, 300)
    assert set(["hostname", "port", "connect_timeout", "request_timeout", "esxi_hostname"]) <= set(vsphere_argument_spec())


def test_from_params_passes_the_timeouts(monkeypatch):
    seen = {}
    monkeypatch.setattr(VsphereClient, "__init__", lambda self, *args, **kwargs: seen.update(kwargs))
    VsphereClient.from_params({"hostname": "vc", "username": "u", "password": "p", "connect_timeout": 5, "request_timeout": 60})
    assert (seen["connect_timeout"], seen["request_timeout"]) == (5, 60)
    VsphereClient.from_params({"hostname": "vc", "username": "u", "password": "p"})
    assert (seen["connect_timeout"], seen["request_timeout"]) == (30, 300)


def test_a_zero_timeout_option_is_refused_before_connecting():
    with pytest.raises(VsphereError, match="^connect_timeout must be a number of seconds of at least 1, got 0$"):
        VsphereClient.from_params({"hostname": "vc.invalid", "username": "u", "password": "p", "connect_timeout": 0})


# ---------------------------------------------------------------- hints where a message was a dead end

@pytest.mark.parametrize("args, prefix, variable, role_variable", [
    ((None, "u", "p"), "Hostname parameter is missing.", "VMWARE_HOST", "vmware_hostname"),
    (("vc", "", "p"), "Username parameter is missing.", "VMWARE_USER", "vmware_username"),
    (("vc", "u", None), "Password parameter is missing.", "VMWARE_PASSWORD", "vmware_password"),
])
def test_a_missing_credential_names_the_option_and_the_variables(args, prefix, variable, role_variable):
    with pytest.raises(VsphereError) as info:
        VsphereClient(*args)
    message = str(info.value)
    assert message.startswith(prefix) and variable in message and role_variable in message
    assert prefix.split()[0].lower() in message.split(prefix)[1]


def inventory(*hosts):
    """Inventory of one datacenter DC01 with clusters; hosts given as (name, cluster)."""
    dc = vim.Datacenter("datacenter-1")
    folder = vim.Folder("group-h1")
    found = {dc: {"name": "DC01", "parent": None}, folder: {"name": "host", "parent": dc}}
    clusters = {}
    for i, (name, cluster) in enumerate(hosts):
        if cluster not in clusters:
            clusters[cluster] = vim.ClusterComputeResource("domain-c%d" % (len(clusters) + 1))
            found[clusters[cluster]] = {"name": cluster, "parent": folder}
        found[vim.HostSystem("host-%d" % i)] = {"name": name, "parent": clusters[cluster]}
    return Inventory(found)


FLEET = inventory(("esx01.example.com", "CL01"), ("esx02.example.com", "CL01"), ("esx05.example.com", "CL02"),
                  ("192.168.100.101", "CL01"), ("192.168.100.102", "CL01"))


@pytest.mark.parametrize("names, cluster, expected", [
    (["esx01"], None, "unknown ESXi host(s): esx01 (did you mean esx01.example.com?)"),
    (["ESX02.example.com"], None, "unknown ESXi host(s): ESX02.example.com (did you mean esx02.example.com?)"),
    (["esx01.lab.local"], None, "unknown ESXi host(s): esx01.lab.local (did you mean esx01.example.com?)"),
    (["192.168.100.110"], None, "unknown ESXi host(s): 192.168.100.110 (did you mean 192.168.100.101 or 192.168.100.102?)"),
    (["esx05.example.com"], "CL01", "unknown ESXi host(s) in CL01: esx05.example.com (did you mean esx05.example.com (in CL02)?)"),
    (["esx01", "esx-nope-2"], None, "unknown ESXi host(s): esx01, esx-nope-2 (esx01: did you mean esx01.example.com?)"),
    # Nothing near: how this vCenter names its hosts, and that another vCenter's host needs its own connection.
    (["esx-nope-1", "esx-nope-2"], None, "unknown ESXi host(s): esx-nope-1, esx-nope-2 (this vCenter knows 5 host(s), named like "
                                         "192.168.100.101; a host of another vCenter needs that vCenter's connection)"),
    # A shared domain does not make every name near; a typo in the host part is.
    (["esx-nope.example.com"], None, "unknown ESXi host(s): esx-nope.example.com (this vCenter knows 5 host(s), named like "
                                     "192.168.100.101; a host of another vCenter needs that vCenter's connection)"),
    (["esx-05.example.com"], None, "unknown ESXi host(s): esx-05.example.com (did you mean esx05.example.com?)"),
])
def test_an_unknown_host_gets_the_nearest_known_names(names, cluster, expected):
    with pytest.raises(ScopeError) as info:
        FLEET.hosts(names, cluster_name=cluster)
    assert str(info.value) == expected


def test_an_unknown_host_names_the_vcenter_searched():
    fleet = Inventory(FLEET.objects, server="vc01.example.com:443")
    with pytest.raises(ScopeError) as info:
        fleet.hosts(["esx01"])
    assert str(info.value) == "unknown ESXi host(s): esx01 in vCenter vc01.example.com:443 (did you mean esx01.example.com?)"


def test_several_unknown_hosts_each_get_their_hint_after_the_list():
    with pytest.raises(ScopeError) as info:
        FLEET.hosts(["esx01", "esx02", "esx02.example.com"])
    assert str(info.value) == ("unknown ESXi host(s): esx01, esx02 (esx01: did you mean esx01.example.com?; "
                               "esx02: did you mean esx02.example.com?)")


# The hint of the layout filter (plugins/module_utils/_layout.py), here with the other hints.
def test_a_management_ip_that_is_a_host_name_points_to_mgmt_ip_source():
    with pytest.raises(LayoutError) as info:
        management_octet("esx113")
    assert info.value.problems == ["management IP 'esx113' is not a valid IP address; hosts named by FQDN need "
                                   "multinic_vmotion_mgmt_ip_source ansible_host, variable or facts"]
    with pytest.raises(LayoutError) as info:
        management_octet("192.168.100.300")
    assert info.value.problems == ["management IP '192.168.100.300' is not a valid IP address"]


@pytest.mark.parametrize("returned, given", [("vMotion%2f3%25", "vMotion/3%"), ("a%5Cb", "a\\b"), ("plain", "plain"),
                                             ("100%25", "100%"), ("%41", "%41")])
def test_entity_names_as_vcenter_returns_them_read_back_as_given(returned, given):
    from ansible_collections.multinic.vmotion.plugins.module_utils._vsphere.inventory import entity_name
    assert entity_name(returned) == given
