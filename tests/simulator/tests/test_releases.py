"""The releases the simulator answers as (vsim/about.py): vCenter 8.0.3 by default, 9.0 on request, and what 9.0 adds
(HostVirtualNic.owner), through pyVmomi's real client."""

import os
import ssl
import urllib.request

import pytest
from pyVim.connect import Disconnect
from pyVmomi import vim

from conftest import connect
from helpers import hosts_by_name
from vsim import soap
from vsim.server import start_simulator

VSPHERE9 = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "topologies", "vsphere9.yml")


def service_versions(sim):
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return urllib.request.urlopen("https://127.0.0.1:%d/sdk/vimServiceVersions.xml" % sim.port, context=context).read().decode()


@pytest.fixture()
def vsphere9():
    sim = start_simulator(topology_file=VSPHERE9, release="9.0")
    si = connect(sim)
    yield sim, si
    Disconnect(si)
    sim.stop()


def test_default_release_is_vcenter_803(sim, si):
    about = si.RetrieveContent().about
    assert (about.fullName, about.apiVersion) == ("VMware vCenter Server 8.0.3 build-24022515", "8.0.3.0")
    assert "<version>8.0.3.0</version>" in service_versions(sim)
    assert si._stub.versionId == '"urn:vim25/8.0.3.0"'


def test_release_90_answers_as_vcenter_90_and_pyvmomi_9_negotiates_it(vsphere9):
    sim, si = vsphere9
    content = si.RetrieveContent()
    about = content.about
    assert (about.name, about.fullName, about.version, about.build, about.apiVersion, about.licenseProductVersion) == (
        "VMware vCenter Server", "VMware vCenter Server 9.0.0 build-24755230", "9.0.0", "24755230", "9.0.0.0", "9.0")
    xml = service_versions(sim)
    # 9.0.0.0 first; 8.0.3.0 among the prior versions, so a pyVmomi 8 client negotiates 8.0.3.0
    assert xml.index("<version>9.0.0.0</version>") < xml.index("<priorVersions>") < xml.index("<version>8.0.3.0</version>")
    assert si._stub.versionId == '"urn:vim25/9.0.0.0"'
    host = hosts_by_name(content)["192.168.90.11"]
    assert host.config.product.fullName == "VMware ESXi 9.0.0 build-24755229"
    assert host.summary.config.product.apiVersion == "9.0.0.0"


def test_a_solution_owned_vmk_shows_its_owner_to_90_clients_only(vsphere9):
    _sim, si = vsphere9
    host = hosts_by_name(si.RetrieveContent())["192.168.90.11"]
    owners = dict((vnic.device, vnic.owner) for vnic in host.config.network.vnic)
    assert owners == {"vmk0": None, "vmk1": None, "vmk2": "NSX"}
    owned = [v for v in host.config.network.vnic if v.device == "vmk2"][0]
    # what a client that negotiated 8.0.3.0 (pyVmomi 8) gets: the 9.0 property is left out, as vCenter does
    assert b"<owner>" not in soap.serialize_response("X", owned, vim.host.VirtualNic, "vim.version.v8_0_3_0")
    assert b"<owner>NSX</owner>" in soap.serialize_response("X", owned, vim.host.VirtualNic, "vim.version.v9_0_0_0")


def test_owner_needs_release_90_and_a_known_solution(tmp_path):
    text = open(VSPHERE9).read()
    with pytest.raises(ValueError, match=r"owner is a property of API 9.0 \(HostVirtualNic.owner\); run the simulator with --release 9.0"):
        start_simulator(topology_file=VSPHERE9)
    unknown = tmp_path / "unknown.yml"
    unknown.write_text(text.replace("owner: NSX", "owner: HCX"))
    with pytest.raises(ValueError, match="owner 'HCX' is not one of NSX, VSAN"):
        start_simulator(topology_file=str(unknown), release="9.0")
    with pytest.raises(ValueError, match="unknown release '7.0'"):
        start_simulator(release="7.0")
