# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vocabulary: what a vmk is, its addresses, and ordering."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.vmotion.plugins.module_utils._core import vmk as _vmk


def vmk(device, ip=None, services=(), netstack="defaultTcpipStack", ipv6=()):
    return {"device": device, "ip": ip, "prefix_length": 24, "ipv6": list(ipv6), "services": list(services), "netstack": netstack,
            "vmotion": "vmotion" in services or netstack == "vmotion"}


def test_natural_order():
    assert sorted(["vmk10", "vmk9", "vmk1"], key=_vmk.natural_key) == ["vmk1", "vmk9", "vmk10"]
    assert sorted(["10.0.0.10", "10.0.0.9"], key=_vmk.natural_key) == ["10.0.0.9", "10.0.0.10"]
    assert sorted(["2001:db8::1", "10.0.0.9", "x"], key=_vmk.address_key) == ["10.0.0.9", "2001:db8::1", "x"]


def test_addresses_and_networks():
    ipv6 = [{"address": "fe80::1", "prefix_length": 64}, {"address": "2001:DB8::33", "prefix_length": 64}]
    value = vmk("vmk1", "172.16.1.51", ipv6=ipv6)
    assert _vmk.addresses(value) == ["172.16.1.51", "2001:db8::33"]
    assert _vmk.networks(value) == ["172.16.1.0/24", "2001:db8::/64"]
    assert _vmk.ipv6_of(value, link_local=True)[1] == ("fe80::1", "fe80::/64")
    assert _vmk.parse_address([1]) is None and _vmk.parse_address(True) is None
    assert _vmk.netmask_prefix("255.255.252.0") == 22 and _vmk.netmask_prefix("255.0.255.0") is None


def test_overlap():
    assert _vmk.overlap("10.50.1.0/24", "10.50.0.0/16")
    assert not _vmk.overlap("10.50.1.0/24", "10.50.1.0/24")
    assert not _vmk.overlap("10.50.1.0/24", "10.51.0.0/16")
    assert not _vmk.overlap("10.50.1.0/24", "2001:db8::/64")


def test_management_reasons():
    host = {"name": "192.168.100.51", "vmks": [vmk("vmk0", "192.168.100.51", ["vmotion"]), vmk("vmk1", "10.0.0.1", ["management"])]}
    assert "address vCenter knows the host by" in _vmk.management_reason(host["vmks"][0], host)
    assert _vmk.management_reason(host["vmks"][1], host) == "it carries the management service"
    # named by FQDN: vmk0 stays management, the read cannot show the address elsewhere
    named = {"name": "esx01.example.com", "vmks": [vmk("vmk0", "192.168.100.51", ["vmotion"])]}
    assert "installer's management vmk" in _vmk.management_reason(named["vmks"][0], named)
    # the vCenter address is on vmk3: vmk0 is an ordinary vmk
    moved = {"name": "10.0.0.3", "vmks": [vmk("vmk0", "192.168.100.51", ["vmotion"]), vmk("vmk3", "10.0.0.3", ["vmotion"])]}
    assert _vmk.management_reason(moved["vmks"][0], moved) is None


def test_removal_refusals():
    assert _vmk.removal_refusal(vmk("vmk1", "172.16.1.5", ["vmotion"]), {"name": "esx01", "vmks": []}) is None
    assert _vmk.removal_refusal(vmk("vmk2", "172.16.2.5", netstack="vmotion"), {"name": "esx01"}) is None
    assert "carries no service" in _vmk.removal_refusal(vmk("vmk5", "10.10.10.5"), {"name": "esx01"})
    assert "vsan besides vMotion" in _vmk.removal_refusal(vmk("vmk5", "10.10.10.5", ["vmotion", "vsan"]), {"name": "esx01"})
    assert "vSphereProvisioning" in _vmk.removal_refusal(vmk("vmk5", "10.10.10.5", netstack="vSphereProvisioning"), {"name": "esx01"})


def test_owner_refusal_names_the_solution_and_removal_refuses_it():
    from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import owner_refusal, removal_refusal
    vsan = {"device": "vmk3", "services": ["vsan"], "netstack": "defaultTcpipStack", "vmotion": False, "owner": "VSAN"}
    assert owner_refusal(vsan).startswith("vmk3 is owned by VSAN (HostVirtualNic.owner)")
    assert removal_refusal(vsan) == owner_refusal(vsan)
    assert owner_refusal(dict(vsan, owner=None)) is None


def test_every_service_of_the_vocabulary_is_a_nictype_of_the_api():
    """NIC_TYPES against pyVmomi's HostVirtualNicManagerNicType; vnetworking arrived with API 9.1 (pyVmomi 9.1)."""
    from pyVmomi import vim
    from ansible_collections.multinic.vmotion.plugins.module_utils._core.vmk import NIC_TYPES
    known = set(vim.host.VirtualNicManager.NicType.values)
    assert set(NIC_TYPES) - known <= {"vnetworking"}
    assert "vnetworking" in NIC_TYPES
